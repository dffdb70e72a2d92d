// A DDL script as `migc import --from-sql` and `migc diff --to` read it (a pg_dump --schema-only
// file, or any script): the statements that make the schema, and what is left out and why.
#pragma once

#include <cstdint>
#include <migc/dsl/diagnostics.hpp>
#include <migc/dsl/source_file.hpp>
#include <string>
#include <vector>

#include "../sql/raw_sql.hpp"

namespace migc::compiler::import {

/// What a script holds beside the schema, each left out of an import with a note.
enum class left_out_kind {
  psql_command,     ///< `\restrict`, `\connect`, ...: only psql reads them
  session_setting,  ///< the dump's preamble: SET, RESET, set_config(...)
  privileges,       ///< OWNER TO, GRANT, REVOKE, roles, default privileges
  version_table,    ///< a migration tool's version table (its value may be adopted)
  data,             ///< rows (INSERT, COPY) and maintenance: a baseline holds the schema only
  built_in,         ///< what every database has: the public schema, PL/pgSQL
  transaction,      ///< BEGIN / COMMIT around the script: migrate runs its own transactions
};

/// One statement (or line) left out.
struct left_out {
  left_out_kind kind = left_out_kind::data;
  std::string what;  ///< "SET statement_timeout", "\\restrict", "GRANT", "public.alembic_version"
  std::uint32_t line = 0;
};

/// A migration tool's version table the script (or database) holds, and the versions in it.
struct version_table {
  std::string name;  ///< "public.alembic_version"
  std::string tool;  ///< "Alembic", "Flyway", ...
  /// The versions its rows hold (INSERT or COPY data in a script; rows in a database), in order.
  std::vector<std::string> versions;
};

/// A script read for import.
struct script {
  std::vector<sql::raw_statement> statements;  ///< the schema's statements, in script order
  std::vector<left_out> left;                  ///< in script order
  std::vector<version_table> versions;         ///< version tables found, in script order
};

/// Options of read_script.
struct script_options {
  /// More version table names (`--version-table`) beside the tools' usual ones.
  std::vector<std::string> version_tables;
};

/// The tool that keeps a version table called `table` (unqualified), or "" when none does:
/// Alembic (alembic_version, and migc's own with its _history and _dirty companions), Flyway,
/// golang-migrate / Rails / dbmate (schema_migrations), goose, sqlx, Diesel, Knex, Prisma.
[[nodiscard]] std::string version_table_tool(std::string const& table,
                                             script_options const& options);

/**
 * Reads `file` (any number of `;`-separated statements, as pg_dump writes
 * them) with PostgreSQL's parser. Syntax errors are reported to `out` at
 * their `file:line:col`. psql meta-commands, the session preamble, ownership
 * and privileges, transaction control, data (INSERT, and COPY ... FROM stdin
 * with its rows up to `\.`), the public schema and PL/pgSQL, and every
 * statement on a version table are left out, each with a note; a version
 * table's rows give its versions. Every other statement is kept, classified
 * (statement_info) and located in `file`.
 */
[[nodiscard]] script read_script(dsl::source_file const& file, script_options const& options,
                                 dsl::diagnostic_engine& out);

/// `left_out_kind` as a summary line names it ("session settings").
[[nodiscard]] std::string_view kind_name(left_out_kind kind);

}  // namespace migc::compiler::import
