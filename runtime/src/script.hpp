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
  std::string build_id;  ///< catalog.chain_hash
  std::string role;      ///< `SET [LOCAL] ROLE` for the revisions' steps; "" = none
  /**
   * Record each transactional revision with one call of the session's
   * bookkeeping function (bookkeeping_function_script); false: a DO block
   * and an INSERT, for a session that could not create the function (no
   * TEMP privilege on the database).
   */
  bool bookkeeping_function = true;
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
  std::string mark;  ///< marks the database dirty, then sets lock_timeout (and the role)
  std::vector<std::string> statements;  ///< one per step, annotated with its line and lock
  std::vector<std::string> progress;    ///< after statement i: the marker counts it
  std::string reset;                    ///< resets the session settings
  std::string record;  ///< moves the version, records the history row, clears the marker
};

/// The version and history tables, each created when missing, in one transaction.
[[nodiscard]] std::string tables_script(quoter const& q, script_context const& ctx);

/// The dirty-marker table, created when missing (before a revision runs outside a transaction).
[[nodiscard]] std::string dirty_table_script(quoter const& q, script_context const& ctx);

/// `pg_temp.migc_record_<16 hex digits of advisory_lock_key>`: one per version table.
[[nodiscard]] std::string bookkeeping_function_name(table_name const& version_table);

/**
 * `CREATE OR REPLACE FUNCTION pg_temp.migc_record_...(expected, next,
 * message, revision, direction, checksum, description, build_id, started)`:
 * moves the version row from `expected` to `next` exactly as
 * version_update_sql does (raising `message` with SQLSTATE P0001 unless
 * exactly one row changed), then inserts the history row with the duration
 * `clock_timestamp() - started`. Why a function: PL/pgSQL compiles a DO
 * block on every execution (0.15 ms a revision), while a function is
 * compiled once per session and keeps its statements' plans. A temporary
 * function (pg_temp) leaves nothing behind and is visible only to this
 * session; it needs the TEMP privilege on the database (granted to PUBLIC by
 * default): without it the migrator falls back to the DO block.
 */
[[nodiscard]] std::string bookkeeping_function_script(quoter const& q, script_context const& ctx);

/**
 * The message that applies a transactional revision: `-- upgrade 003 ...`,
 * [BEGIN;] SET LOCAL lock_timeout; [SET LOCAL ROLE;] every step, each after
 * a `-- lock: ...` line; [RESET ROLE;] the version update and history row
 * (one bookkeeping call, or a DO block and an INSERT) as the session's user;
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
 * The version update and history row of a transactional revision: one call
 * of the bookkeeping function, or (ctx.bookkeeping_function false) a DO
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
 * CONCURRENTLY): the dirty marker is written first, the steps run one by
 * one in autocommit (the marker counting them), then the version and
 * history rows are written, and the marker deleted, in one transaction; its
 * duration is measured from the marker. A failure (or a crash) in between
 * leaves the marker: later runs refuse until `migrate resolve`.
 */
[[nodiscard]] outside_transaction_script outside_transaction_messages(
    quoter const& q, script_context const& ctx, catalog const& cat, plan_step const& planned,
    std::optional<std::string> const& expected);

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
 * from base), the bookkeeping function (when a revision is transactional),
 * then each revision's messages. What `migrate sql` prints.
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
