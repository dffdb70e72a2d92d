// Internal: the names, quoting and DDL of the version, history, dirty-marker and progress tables.
#pragma once

#include <cstdint>
#include <functional>
#include <migc/runtime/catalog.hpp>
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

/// The dirty-marker table beside a version table: same schema, `<table>_dirty`.
[[nodiscard]] table_name dirty_table(table_name const& version_table);

/// The progress table of phased revisions beside a version table: same schema,
/// `<table>_progress`.
[[nodiscard]] table_name progress_table(table_name const& version_table);

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

/// SQL: whether `name` resolves to a relation (under the session's search_path).
[[nodiscard]] std::string exists_sql(quoter const& q, table_name const& name);

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

/**
 * Alembic's DDL: `CREATE TABLE IF NOT EXISTS t (version_num VARCHAR(32) NOT
 * NULL, CONSTRAINT t_pkc PRIMARY KEY (version_num))`, the table Alembic
 * creates (IF NOT EXISTS so that a script creating the missing tables can
 * run whichever exist).
 */
[[nodiscard]] std::string create_version_table_sql(quoter const& q, table_name const& name);

/**
 * migc's history table DDL: one row per applied, reverted, stamped,
 * repaired (a checksum mismatch accepted with --allow-checksum-mismatch) or
 * resolved (`migrate resolve`) revision. An 'upgrade' or 'repair' row also
 * records the revision's downgrade (`downgrade` jsonb and its
 * `downgrade_checksum`, recorded_downgrade.hpp).
 */
[[nodiscard]] std::string create_history_table_sql(quoter const& q, table_name const& version);

/**
 * Brings a history table created before migrate recorded downgrades up to
 * date in place: `ALTER TABLE IF EXISTS ... ADD COLUMN IF NOT EXISTS
 * downgrade jsonb, ADD COLUMN IF NOT EXISTS downgrade_checksum text`
 * (idempotent; nullable columns without a default: PostgreSQL only changes
 * the catalog, no table rewrite). Its older rows have no recorded downgrade.
 */
[[nodiscard]] std::string upgrade_history_table_sql(quoter const& q, table_name const& version);

/// SQL: whether the history table has the columns of recorded downgrades.
[[nodiscard]] std::string history_records_downgrades_sql(quoter const& q,
                                                         table_name const& version);

/**
 * DDL of the dirty-marker table. It holds at most one row, and only while a
 * non-transactional revision (CREATE INDEX CONCURRENTLY ...) runs or after
 * one stopped midway: the row is inserted before its first statement,
 * updated after each statement (statements_done, and the SQL that ran in
 * `statements`; `statement_started_at`, when the next one was sent, by
 * server process `pid`), given the server's `error` on a failure, and
 * deleted in the transaction that records the revision as applied. A row
 * left behind (failure, crash, kill -9, a signal) makes every later run
 * refuse until `migrate resolve <id> --applied|--rolled-back` deletes it or
 * `--continue` runs the rest. A table an older migrate made gains the two
 * columns (ADD COLUMN IF NOT EXISTS).
 */
[[nodiscard]] std::string create_dirty_table_sql(quoter const& q, table_name const& version);

/**
 * DDL of the progress table of phased revisions (IF NOT EXISTS). It holds at
 * most one row, only while a phased revision runs or after one stopped
 * between phases: the phases done (each phase's transaction updates it as
 * its last statement), and the last key and row count of a running backfill
 * (each batch's transaction updates them). The transaction that records the
 * revision deletes it.
 */
[[nodiscard]] std::string create_progress_table_sql(quoter const& q, table_name const& version);

}  // namespace migc::runtime::detail
