// The runtime's one exception family: every failure migc::runtime reports derives from `error`.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
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
 * Why the runtime refused to change anything, for programs: a caller tests
 * refusal::reason() (or the `reason` field of `migrate --format json`),
 * never the message text. Names (refusal::reason_name()) are stable.
 */
enum class refusal_reason {
  dirty,              ///< "dirty": a non-transactional revision stopped midway; `migrate resolve`
  not_a_revision_id,  ///< "not_a_revision_id": the version row is no migc id (e.g. Alembic's hex)
  below_first_revision,  ///< "below_first_revision": below this binary's root (squashed baseline)
  database_ahead,    ///< "database_ahead": at a revision above this binary's head (binary too old)
  other_branch,      ///< "other_branch": revisions of another branch's binary were applied
  edited_revision,   ///< "edited_revision": an applied revision's checksum differs (edited file)
  several_versions,  ///< "several_versions": the version table has more than one row
  irreversible,      ///< "irreversible": a downgrade would cross an irreversible revision
  needs_transaction_free_run,  ///< "needs_transaction_free_run": --single-transaction with a
                               ///< revision that runs without a transaction
  not_dirty,  ///< "not_dirty": `resolve` on a database that is not dirty at that revision
  /// "phases_pending": a phased revision stopped between its phases, and this run would not
  /// finish it first (`migrate upgrade` resumes it; `resolve` settles it)
  phases_pending,
  read_only,  ///< "read_only": a standby in recovery, or a read-only session (run on the primary)
  role_unavailable,  ///< "role_unavailable": options::role does not exist or the login is no member
  /// "pooled_session": a revision that runs without a transaction behind a connection pooler,
  /// or a pooler that moved the session between transactions (the migration lock is lost)
  pooled_session,
  /// "no_recorded_downgrade": a downgrade must revert a revision this binary does not embed and
  /// the history recorded no downgrade for it (applied before migrate recorded them)
  no_recorded_downgrade,
  /// "recorded_downgrade_mismatch": the downgrade the history recorded for such a revision no
  /// longer matches its checksum (edited after it was recorded), or is no record migrate reads
  recorded_downgrade_mismatch,
  /// "not_empty": `migrate stairway` on a database that holds objects or applied revisions
  /// (a scratch database is required; `--force` accepts one)
  not_empty,
  /// "new_version_table": options::version_table names no table, in a schema that already has
  /// tables (a typo would start a second history); options::new_version_table confirms it
  new_version_table,
};

/**
 * The runtime refused to change anything: the database is in a state a run
 * must not touch (see refusal_reason), or the request would cross an
 * irreversible revision. Nothing was changed.
 */
class refusal : public error {
 public:
  refusal(refusal_reason reason, std::string const& message, error_context context = {});

  [[nodiscard]] refusal_reason reason() const noexcept { return m_reason; }
  /// The reason as a snake_case word ("database_ahead"), as JSON output spells it.
  [[nodiscard]] std::string_view reason_name() const noexcept;

 private:
  refusal_reason m_reason;
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

/**
 * options::wait_for_standbys: a standby had not replayed the run's last
 * commit within options::standby_timeout (the message names each standby
 * behind and its lag), or the login may not read the standbys' positions.
 * The run itself is committed on the primary.
 */
class standby_error : public error {
 public:
  using error::error;
};

/// A target (`head`, `003`, `+2`, `-1`, `base`) that does not parse or is not reachable.
class target_error : public error {
 public:
  using error::error;
};

}  // namespace migc::runtime
