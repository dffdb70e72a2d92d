// The runtime's one exception family: every failure migc::runtime reports derives from `error`.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace migc::runtime {

/// What an error knows beyond its message. Every field may be empty.
struct error_context {
  std::string sqlstate;  ///< the server's SQLSTATE, when the server reported the failure
  std::string revision;  ///< id of the revision that failed, e.g. "003"
  std::string location;  ///< `source_file:line` of the failing step (or of the revision header)
  /// Revisions this run applied (or reverted) before the failure, in order: they stay applied.
  std::vector<std::string> applied;
};

/**
 * Root of the runtime's exceptions. `what()` is a complete, password-free
 * sentence a user can read; the accessors expose the parts for programs.
 */
class error : public std::runtime_error {
 public:
  explicit error(std::string const& message, error_context context = {});

  /// SQLSTATE reported by the server ("" when the failure was not the server's).
  [[nodiscard]] std::string const& sqlstate() const noexcept { return m_context.sqlstate; }
  /// Id of the revision that failed ("" when no revision was running).
  [[nodiscard]] std::string const& revision() const noexcept { return m_context.revision; }
  /// `source_file:line` of the failing step ("" when unknown).
  [[nodiscard]] std::string const& location() const noexcept { return m_context.location; }
  /// Revisions completed by this run before the failure.
  [[nodiscard]] std::vector<std::string> const& applied() const noexcept {
    return m_context.applied;
  }
  /// Records what the run completed before the failure (the migrator does this on the way out).
  void set_applied(std::vector<std::string> applied) { m_context.applied = std::move(applied); }

 private:
  error_context m_context;
};

/// Could not connect, or the connection broke.
class connection_error : public error {
 public:
  using error::error;
};

/// A revision failed on the server and was rolled back (or, outside a transaction, stopped).
class revision_error : public error {
 public:
  using error::error;
};

/**
 * The connection broke while COMMIT was in flight: the revision may or may
 * not be applied (pqxx::in_doubt_error). Look at the version table before
 * running again.
 */
class commit_unknown_error : public error {
 public:
  using error::error;
};

/**
 * The runtime refused to change anything: the database is at a revision this
 * binary does not know, an applied revision's checksum differs from the
 * embedded one, or a downgrade would cross an irreversible revision.
 */
class refusal : public error {
 public:
  using error::error;
};

/// The migration lock was not granted within options::lock_wait; the message names the holder.
class lock_error : public error {
 public:
  using error::error;
};

/// The run was interrupted (SIGINT/SIGTERM): the running revision was cancelled and rolled back.
class interrupted_error : public error {
 public:
  using error::error;
};

/// A target (`head`, `003`, `+2`, `-1`, `base`) that does not parse or is not reachable.
class target_error : public error {
 public:
  using error::error;
};

}  // namespace migc::runtime
