// Reading a live database's schema (read-only) as the DDL script that rebuilds it.
#pragma once

#include <string>
#include <vector>

#include "script.hpp"

namespace migc::compiler::import {

/// What introspect() read.
struct introspection {
  std::string database;  ///< the database's name, for messages
  /// The schema as a DDL script in pg_dump's shape and dependency order: schemas, extensions,
  /// types, functions, sequences, tables (columns, defaults, identity, generated columns, checks),
  /// sequence owners, key and exclusion constraints, indexes, views, foreign keys, triggers,
  /// rules, policies, comments.
  std::string script;
  std::vector<version_table> versions;  ///< the version tables found, with their rows
  std::vector<std::string> skipped;     ///< objects not written, each with why
};

/**
 * Connects to `conninfo` (a URL or key=value string; libpq's PG* variables
 * fill in the rest) and reads its schema in one read-only transaction
 * (BEGIN READ ONLY, REPEATABLE READ: one snapshot). `schemas` limits it to
 * those schemas (none: every schema but pg_catalog, information_schema,
 * pg_toast and those extensions own). Objects extensions own are left to
 * CREATE EXTENSION. Version tables (version_table_tool) are not part of the
 * script: their rows are returned. Throws std::runtime_error naming the
 * failure (no connection, a query the server refused).
 */
[[nodiscard]] introspection introspect(std::string const& conninfo,
                                       std::vector<std::string> const& schemas,
                                       script_options const& options);

}  // namespace migc::compiler::import
