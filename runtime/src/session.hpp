// Internal: one migrator's session with the server: its connection, options and script context,
// and how libpqxx's failures become the runtime's errors.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/error.hpp>
#include <migc/runtime/migrator.hpp>
#include <pqxx/connection>
#include <pqxx/errorhandler>
#include <pqxx/except>
#include <pqxx/result>
#include <string>
#include <string_view>

#include "presentation.hpp"
#include "script.hpp"
#include "version_store.hpp"

namespace migc::runtime::detail {

/// Forwards server notices to the options' hook; muted while migc sends statements of its own
/// whose notices mean nothing to a user (a ROLLBACK, CREATE TABLE IF NOT EXISTS).
class notice_forwarder final : public pqxx::errorhandler {
 public:
  notice_forwarder(pqxx::connection_base& cx, std::function<void(std::string_view)> sink);
  bool operator()(char const message[]) noexcept override;
  void mute(bool muted) noexcept { m_muted = muted; }

 private:
  std::function<void(std::string_view)> m_sink;
  bool m_muted = false;
};

/**
 * What every part of a run shares: the connection (owned), the catalog, the
 * options, the script context, and the state of the session's bookkeeping
 * function. One per migrator.
 */
struct session {
  session(std::string conninfo, catalog const& embedded, options o);
  session(session const&) = delete;
  session& operator=(session const&) = delete;

  // Declared in the order they are built: the version table name is checked before connecting.
  catalog const& cat;
  options opts;
  script_context ctx;
  std::string conninfo;  ///< as connected (with fallback_application_name): side sessions use it
  std::unique_ptr<pqxx::connection> connection;
  pqxx::connection_base& cx;
  notice_forwarder notices;
  /**
   * The server process this session talks to, as the server reports it
   * (pg_backend_pid(), not libpq's PQbackendPID, which a pooler makes up):
   * what blocker naming asks pg_blocking_pids() about. 0 until
   * probe_server() ran (topology.hpp).
   */
  int server_pid = 0;
  /// A connection pooler answers the connection (probe_server(): the pids differ).
  bool pooled = false;

  /// One statement string, one round trip, autocommit unless the string says BEGIN.
  pqxx::result exec(std::string const& sql);
  /// exec() with the server's notices muted.
  pqxx::result exec_quietly(std::string const& sql);
  /// After a failed one-string script the session sits in an aborted transaction block.
  void rollback_quietly() noexcept;
  /// Runs `sql` (statements ending in ";\n") in one transaction; rolls back on failure.
  void run_in_transaction(std::string const& sql);

  void log(std::string const& line) const;
  [[nodiscard]] bool interrupted() const;
  /// Sleeps `d` in short slices; throws interrupted_error as soon as the run is interrupted.
  void sleep_interruptibly(std::chrono::milliseconds d, std::string const& while_doing);

  [[nodiscard]] quoter quoting();
  [[nodiscard]] table_name history_name() const;
  [[nodiscard]] table_name dirty_name() const;
  [[nodiscard]] table_name progress_name() const;
  /// Whether `name` resolves to a relation.
  [[nodiscard]] bool exists(table_name const& name);
};

/// First line of a libpq error without its "ERROR:  " prefix (the rest points into our script).
[[nodiscard]] std::string server_message(std::string_view what);

/// The server's HINT line of a libpq error without its "HINT:  " prefix, "" when there is none.
[[nodiscard]] std::string server_hint(std::string_view what);

/// "message (SQLSTATE xxxxx)[; hint: ...]": a server error as the runtime's messages quote it.
[[nodiscard]] std::string with_sqlstate(pqxx::sql_error const& e);

/// Rethrows the exception being handled as the runtime's family (runtime errors pass through).
[[noreturn]] void rethrow_translated();

/// Runs `f`, mapping libpqxx's exceptions to the runtime's family.
template <typename F>
auto translated(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    rethrow_translated();
  }
}

}  // namespace migc::runtime::detail
