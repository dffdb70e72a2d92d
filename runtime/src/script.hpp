// Internal: the one script builder. Every statement upgrade, downgrade, stamp and resolve send to
// change the database is built here, and `migrate sql` prints the very same messages.
#pragma once

#include <chrono>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "version_store.hpp"

namespace migc::runtime::detail {

/**
 * Everything a script needs besides the revision. A script is a list of
 * messages: each is one simple-query string the migrator sends in one round
 * trip, and each begins with a `-- ` line saying what it does (so the server
 * log and pg_stat_activity name the revision; the statements a run only reads
 * with begin with SELECT instead).
 */
struct script_context {
  table_name version_table;
  std::chrono::milliseconds lock_timeout{10000};
  /**
   * lock_timeout of the statements PostgreSQL refuses inside a transaction
   * (CREATE INDEX CONCURRENTLY, REINDEX CONCURRENTLY, ...); 0 = none. Their
   * normal work includes waiting for every older transaction (a lock wait
   * lock_timeout would cut, leaving an invalid index), and their SHARE
   * UPDATE EXCLUSIVE lock does not block reads or writes.
   */
  std::chrono::milliseconds concurrent_lock_timeout{0};
  std::string build_id;  ///< catalog.chain_hash
  std::string role;      ///< `SET [LOCAL] ROLE` for the revisions' steps; "" = none
  /**
   * The run holds the session migration lock (migration_lock): each
   * revision's transaction first checks that its server process is the one
   * holding it, so a pooler that moves the session between transactions is
   * caught before a revision runs. false behind a detected pooler, where
   * the transaction-scoped lock of migration_guard_sql is the only lock.
   */
  bool session_lock = true;
  /**
   * The revisions of the run share one transaction
   * (options::single_transaction): each revision's duration then starts
   * when its message arrives (statement_timestamp()), not when the
   * transaction began (transaction_timestamp()).
   */
  bool shared_transaction = false;
};

/// The statements of a revision that runs outside a transaction, message by message.
struct outside_transaction_script {
  /// Marks the database dirty, then sets lock_timeout, client_connection_check_interval (a
  /// killed migrate's statement is cancelled within a second) and the role.
  std::string mark;
  std::vector<std::string> statements;  ///< one per step, annotated with its line and lock
  std::vector<std::string> progress;    ///< after statement i: the marker counts it
  std::string reset;                    ///< resets the session settings
  std::string record;  ///< moves the version, records the history row, clears the marker
};

/// The version and history tables, each created when missing, in one transaction.
[[nodiscard]] std::string tables_script(quoter const& q, script_context const& ctx);

/**
 * One of migrate's own tables, created when missing by `ddl` (CREATE TABLE IF
 * NOT EXISTS): `-- <what>`, then in one transaction the transaction-scoped
 * migration lock (two runs behind a pooler may both find it missing) and,
 * under --role, `SET LOCAL ROLE` so that the table belongs to that role and
 * every deployer login (a member) can use it.
 */
[[nodiscard]] std::string owned_table_script(quoter const& q, script_context const& ctx,
                                             std::string_view what, std::string const& ddl);

/// The dirty-marker table, created when missing (before a revision runs outside a transaction).
[[nodiscard]] std::string dirty_table_script(quoter const& q, script_context const& ctx);

/// The progress table of phased revisions, created when missing (before a phased revision).
[[nodiscard]] std::string progress_table_script(quoter const& q, script_context const& ctx);

/// SQLSTATEs the migration guard raises (migration_guard_sql); class MG is migc's own.
inline constexpr char const* sqlstate_session_moved = "MG001";  ///< session lock not held here
inline constexpr char const* sqlstate_version_moved = "MG002";  ///< another run moved the version
inline constexpr char const* sqlstate_lock_busy = "MG003";      ///< another run holds the lock
inline constexpr char const* sqlstate_phase_moved = "MG004";    ///< another run moved the phases

/// `SELECT pg_advisory_xact_lock(<key>)`: the migration lock for one transaction (blocking).
[[nodiscard]] std::string migration_xact_lock_sql(script_context const& ctx);

/**
 * The first statement of every revision's transaction: a DO block that
 * (ctx.session_lock) raises MG001 unless this server process holds the
 * session migration lock; takes the transaction-scoped migration lock with
 * pg_try_advisory_xact_lock, raising MG003 when another run holds it (the
 * runner rolls back and polls: a waiter blocked inside a statement would
 * hold a snapshot that another run's CREATE INDEX CONCURRENTLY waits for);
 * and raises MG002 unless the version row is still `expected` (another run
 * applied revisions meanwhile: the runner reads the state again and plans
 * from there). A phased revision's messages add `progress_condition`, an SQL
 * condition on its progress row (phases.cpp), raising MG004 unless it holds
 * (another run did the phase meanwhile: the runner reads the progress row
 * again and goes on from there), so each phase runs once even when
 * concurrent runs behind a pooler interleave. Pooler-safe: nothing it relies
 * on outlives the transaction.
 * Compact (`RAISE SQLSTATE` without a message; the runner words the
 * errors): pg_stat_activity shows only the first 1024 bytes of a message.
 */
[[nodiscard]] std::string migration_guard_sql(quoter const& q, script_context const& ctx,
                                              std::optional<std::string> const& expected,
                                              std::string const& progress_condition = {});

/**
 * `RESET ALL; RESET ROLE;`: after a revision's steps, the session settings a
 * revision changed (`SET search_path`, `set_config(..., false)`, `SET ROLE`)
 * go back to the session's defaults (the server's, the role's and
 * database's, and the connection's options), so nothing one revision sets
 * changes where the next one writes, whether they run in one invocation or
 * several (case session-search-path-leak).
 */
[[nodiscard]] std::string session_reset_sql();

/**
 * Steps [begin, end) as a transaction runs them: SET LOCAL lock_timeout;
 * [SET LOCAL ROLE;] each step after a `-- lock: ...` line; then
 * session_reset_sql(), so the bookkeeping after them, and whatever runs
 * next on the session, sees none of their settings. The body of a
 * revision's transaction and of each transaction phase.
 */
[[nodiscard]] std::string steps_body(quoter const& q, script_context const& ctx,
                                     array_view<step> steps, std::size_t begin, std::size_t end);

/**
 * The message that applies a transactional revision: `-- upgrade 003 ...`,
 * [BEGIN; the migration guard;] SET LOCAL lock_timeout; [SET LOCAL ROLE;]
 * every step, each after a `-- lock: ...` line; RESET ALL; RESET ROLE; the
 * version update and history row (a DO block and an INSERT) as the
 * session's user;
 * [COMMIT;] and last the query of the duration just recorded (its one-row
 * result is what the migrator logs). `expected` is the version row as stored
 * before it runs. A run applying revisions one by one both `opens` and
 * `commits` each; a single-transaction run opens with its first and ends
 * with commit_script().
 */
[[nodiscard]] std::string revision_script(quoter const& q, script_context const& ctx,
                                          catalog const& cat, plan_step const& planned,
                                          std::optional<std::string> const& expected,
                                          bool opens = true, bool commits = true);

/**
 * The version update and history row of a transactional revision: a DO
 * block guarding the version row and an INSERT; the duration runs from the
 * revision's start (see script_context::shared_transaction).
 */
[[nodiscard]] std::string bookkeeping_sql(quoter const& q, script_context const& ctx,
                                          plan_step const& planned,
                                          std::optional<std::string> const& expected);

/// The COMMIT of a single-transaction run.
[[nodiscard]] std::string commit_script();

/**
 * The messages of a revision that runs outside a transaction (CREATE INDEX
 * CONCURRENTLY): the dirty marker is written first (with the server process
 * that runs the statements), the steps run one by one in autocommit (the
 * marker counting them and noting when the next one starts), then the
 * version and history rows are written, and the marker deleted, in one
 * transaction; its duration is measured from the marker. A failure (or a
 * crash) in between leaves the marker: later runs refuse until `migrate
 * resolve`. `continued_from`: `resolve --continue` of a marker whose first
 * `*continued_from` statements ran: `mark` takes the existing marker over
 * (this server process, its error cleared) instead of writing one.
 */
[[nodiscard]] outside_transaction_script outside_transaction_messages(
    quoter const& q, script_context const& ctx, catalog const& cat, plan_step const& planned,
    std::optional<std::string> const& expected,
    std::optional<std::size_t> continued_from = std::nullopt);

/// Records the server's error (or "interrupted") in the dirty marker of `rev`.
[[nodiscard]] std::string dirty_error_sql(quoter const& q, script_context const& ctx,
                                          revision const& rev, std::string const& message);

/// Sets the version row to `rev` (nullptr: base) with a 'stamp' history row.
[[nodiscard]] std::string stamp_script(quoter const& q, script_context const& ctx,
                                       revision const* rev,
                                       std::optional<std::string> const& before);

/**
 * Clears the dirty marker of `rev` (a `dir` run): `applied` moves the version
 * from `before` past it; records a 'resolve' history row.
 */
[[nodiscard]] std::string resolve_script(quoter const& q, script_context const& ctx,
                                         revision const& rev, direction dir, bool applied,
                                         std::optional<std::string> const& before);

/// A 'repair' history row for each revision whose changed checksum --allow-checksum-mismatch
/// accepted.
[[nodiscard]] std::string repairs_script(quoter const& q, script_context const& ctx,
                                         std::vector<revision const*> const& accepted);

/// A step's SQL terminated safely (a trailing `-- comment` cannot swallow the `;`).
[[nodiscard]] std::string terminated(std::string_view sql);

/**
 * What a step locks, for people reading a script: `lock: ACCESS EXCLUSIVE,
 * rewrites the table`, `lock: SHARE`, `lock: none`, `lock: unknown (raw
 * SQL)`.
 */
[[nodiscard]] std::string lock_note(step const& s);

/// `SET [LOCAL] lock_timeout = '10000ms'`.
[[nodiscard]] std::string lock_timeout_sql(quoter const& q, std::chrono::milliseconds timeout,
                                           bool local);

/// `SET [LOCAL] ROLE "role"`; "" when `role` is empty.
[[nodiscard]] std::string set_role_sql(quoter const& q, std::string const& role, bool local);

/**
 * Every message an upgrade or downgrade applying `steps` from `from` sends
 * to change a database, in order: the tables (`create_tables`, for a run
 * from base), then each revision's messages. What `migrate sql` prints.
 */
[[nodiscard]] std::vector<std::string> run_script(quoter const& q, script_context const& ctx,
                                                  catalog const& cat,
                                                  std::vector<plan_step> const& steps,
                                                  std::optional<std::string> from,
                                                  bool create_tables);

/**
 * The version update and history row of `planned`, as plain statements (no
 * bookkeeping function): the history's duration is the SQL expression
 * `duration` (e.g. since a phased revision's progress row started).
 */
[[nodiscard]] std::string record_sql(quoter const& q, script_context const& ctx,
                                     plan_step const& planned,
                                     std::optional<std::string> const& expected,
                                     std::string const& duration);

/// The one-row query of the duration the history row just recorded (what a run logs).
[[nodiscard]] std::string recorded_duration_query(quoter const& q, script_context const& ctx);

/// `-- upgrade 003 "Backfill" (migrations/...mig:2)`: the first line of a revision's messages.
[[nodiscard]] std::string revision_heading(catalog const& cat, plan_step const& planned);

}  // namespace migc::runtime::detail
