// Internal: names, DDL and the one-round-trip scripts that touch the version and history tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/plan.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pqxx {
class connection_base;
}

namespace migc::runtime::detail {

/// A possibly schema-qualified table name, unquoted. schema "" = unqualified (search_path).
struct table_name {
  std::string schema;
  std::string table;
};

/// Splits `schema.table` / `table`; throws error on "", ".x", "x.", "a.b.c".
[[nodiscard]] table_name parse_table_name(std::string_view text);

/// The version table of a run: `option` (--version-table) when set, else the catalog's, else
/// `alembic_version`.
[[nodiscard]] table_name version_table_for(std::string_view option, catalog const& cat);

/// `schema.table` or `table`, unquoted: for messages.
[[nodiscard]] std::string display_name(table_name const& name);

/// The history table beside a version table: same schema, `<table>_history`.
[[nodiscard]] table_name history_table(table_name const& version_table);

/**
 * Quoting used to build scripts. Online it is libpqxx's (the connection's
 * PQescapeStringConn / PQescapeIdentifier); offline (`migrate sql`) it is
 * offline_quoter(), which produces the same text for a server with
 * standard_conforming_strings = on (the default since PostgreSQL 9.1).
 */
struct quoter {
  std::function<std::string(std::string const&)> literal;
  std::function<std::string(std::string const&)> identifier;
};

/// Pure quoting: 'it''s' and "we""ird" (no backslash doubling: standard_conforming_strings = on).
[[nodiscard]] quoter offline_quoter();
/// libpqxx's quoting on a live connection.
[[nodiscard]] quoter connection_quoter(pqxx::connection_base& cx);

/// `"schema"."table"` or `"table"`.
[[nodiscard]] std::string qualified(quoter const& q, table_name const& name);

/**
 * Key of the session advisory lock that serialises migrate runs on one
 * version table: FNV-1a 64 (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3) over the bytes of "migc:" + schema + "." + table, where an
 * unqualified table counts as schema "public" (so `alembic_version` and
 * `public.alembic_version` share a lock), reinterpreted as a signed bigint
 * (two's complement). Never change this: old and new binaries must exclude
 * each other. Pinned by a test.
 */
[[nodiscard]] std::int64_t advisory_lock_key(table_name const& version_table);

/// Alembic's exact DDL: `CREATE TABLE t (version_num VARCHAR(32) NOT NULL, CONSTRAINT t_pkc PRIMARY
/// KEY (version_num))`.
[[nodiscard]] std::string create_version_table_sql(quoter const& q, table_name const& name);
/**
 * migc's history table DDL: one row per applied, reverted, stamped, repaired
 * or resolved revision. `direction` admits 'repair' (a checksum mismatch
 * accepted with --allow-checksum-mismatch) and 'resolve' (`migrate resolve`)
 * since migc 0.1; tables created earlier keep their narrower CHECK (never
 * altered: older binaries share the table) and the migrator falls back for
 * them (see migrator.cpp, history_kinds).
 */
[[nodiscard]] std::string create_history_table_sql(quoter const& q, table_name const& version);

/// The dirty-marker table beside a version table: same schema, `<table>_dirty`.
[[nodiscard]] table_name dirty_table(table_name const& version_table);

/**
 * DDL of the dirty-marker table. It holds at most one row, and only while a
 * non-transactional revision (CREATE INDEX CONCURRENTLY ...) runs or after
 * one stopped midway: the row is inserted before its first statement,
 * updated after each statement (statements_done, and the SQL that ran in
 * `statements`), given the server's `error` on a failure, and deleted in the
 * transaction that records the revision as applied. A row left behind
 * (failure, crash, kill -9, a signal) makes every later run refuse until
 * `migrate resolve <id> --applied|--rolled-back` deletes it. Created on
 * first use, under the migration lock.
 */
[[nodiscard]] std::string create_dirty_table_sql(quoter const& q, table_name const& version);

/// Everything a bookkeeping script needs besides the revision.
struct script_context {
  table_name version_table;
  std::chrono::milliseconds lock_timeout{10000};
  std::string build_id;  ///< catalog.chain_hash
  std::string role;      ///< `SET LOCAL ROLE` for the revision's steps; "" = none
  /**
   * revision_script records the revision with one call of the session's
   * bookkeeping function (create_bookkeeping_function_sql, which the
   * migrator runs once per session) instead of a DO block and an INSERT.
   * Off for `migrate sql`: its script must run in any session, piece by piece.
   */
  bool bookkeeping_function = false;
  /**
   * Where a revision's server-measured duration starts. Online, each
   * revision's script is one simple-query message, and statement_timestamp()
   * is that message's arrival (for every statement in it), so it starts the
   * revision also when several revisions share one transaction
   * (options::single_transaction). `migrate sql`'s script runs statement by
   * statement under psql: there the revision's transaction starts it
   * (transaction_timestamp()), which is the default.
   */
  bool one_message_per_revision = false;
};

/**
 * Statement that moves the version row from `expected` to `next` (nullopt =
 * base) and fails the transaction unless exactly one row changed. It is a DO
 * block: a plain UPDATE that matched nothing would "succeed" and COMMIT
 * would record a revision on top of a version someone else changed, and a
 * single simple-query string cannot branch on a row count otherwise.
 * Empty when both are base.
 */
[[nodiscard]] std::string version_update_sql(quoter const& q, script_context const& ctx,
                                             std::optional<std::string> const& expected,
                                             std::optional<std::string> const& next);

/// `pg_temp.migc_record_<16 hex digits of advisory_lock_key>`: one per version table.
[[nodiscard]] std::string bookkeeping_function_name(table_name const& version_table);

/**
 * `CREATE OR REPLACE FUNCTION pg_temp.migc_record_...(expected, next, message,
 * revision, direction, checksum, description, build_id)`: moves the version
 * row from `expected` to `next` exactly as version_update_sql does (raising
 * `message` with SQLSTATE P0001 unless exactly one row changed), then inserts
 * the history row as history_insert_sql does with a server-measured
 * duration. Why a function: PL/pgSQL compiles a DO block on every execution
 * (0.15 ms a revision), while a function is compiled once per session and
 * keeps its statements' plans; one call also replaces the INSERT's own
 * parse and plan. A temporary function (pg_temp) leaves nothing behind in the
 * database and is visible only to this session; it needs the TEMP privilege
 * on the database (granted to PUBLIC by default): without it the migrator
 * falls back to the DO block.
 */
[[nodiscard]] std::string create_bookkeeping_function_sql(quoter const& q,
                                                          script_context const& ctx);

/// `SELECT pg_temp.migc_record_...(...)` recording `rev` applied in `dir` on top of `expected`.
[[nodiscard]] std::string bookkeeping_call_sql(quoter const& q, script_context const& ctx,
                                               revision const& rev, direction dir,
                                               std::optional<std::string> const& expected);

/**
 * History row for `rev` in `dir`. duration: nullopt = measured by the
 * server in the revision's script (`clock_timestamp() - statement_timestamp()`
 * or `transaction_timestamp()`, see script_context::one_message_per_revision),
 * else the client's measurement (non-transactional revisions).
 */
[[nodiscard]] std::string history_insert_sql(
    quoter const& q, script_context const& ctx, std::optional<std::string> const& revision_id,
    std::string_view dir, std::string_view checksum, std::string_view description,
    std::optional<std::chrono::microseconds> duration = std::nullopt);

/// `SET [LOCAL] ROLE "role"`; "" when `role` is empty.
[[nodiscard]] std::string set_role_sql(quoter const& q, std::string const& role, bool local);

/// A step's SQL terminated safely (a trailing `-- comment` cannot swallow the `;`).
[[nodiscard]] std::string terminated(std::string_view sql);

/// `SET LOCAL lock_timeout = '10000ms'` (or `SET` for a session).
[[nodiscard]] std::string lock_timeout_sql(quoter const& q, std::chrono::milliseconds timeout,
                                           bool local);

/**
 * The single simple-query string that applies a transactional revision:
 * BEGIN; revision_body(); COMMIT.
 */
[[nodiscard]] std::string revision_script(quoter const& q, script_context const& ctx,
                                          revision const& rev, direction dir,
                                          std::optional<std::string> const& expected,
                                          bool annotate_locks = false);

/**
 * A transactional revision's statements inside an open transaction: SET
 * LOCAL lock_timeout; [SET LOCAL ROLE; ] every step; [RESET ROLE;] version
 * update; history row (the last two as one bookkeeping call when
 * ctx.bookkeeping_function is set). `expected` is the version row as stored
 * before it runs. The bookkeeping runs as the session's user (the role may
 * not be allowed to write the version table). With
 * options::single_transaction the migrator sends one body per revision
 * inside one BEGIN ... COMMIT.
 */
[[nodiscard]] std::string revision_body(quoter const& q, script_context const& ctx,
                                        revision const& rev, direction dir,
                                        std::optional<std::string> const& expected,
                                        bool annotate_locks = false);

/**
 * What a step locks, for people reading a script: `lock: ACCESS EXCLUSIVE,
 * rewrites the table`, `lock: SHARE`, `lock: none`, `lock: unknown (raw
 * SQL)`; "" when the catalog predates lock knowledge (step::lock empty).
 */
[[nodiscard]] std::string lock_note(step const& s);

/// The version row after applying `rev` in `dir` (downgrade → its parent, "" parent → base).
[[nodiscard]] std::optional<std::string> version_after(revision const& rev, direction dir);

}  // namespace migc::runtime::detail
