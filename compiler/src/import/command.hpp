// `migc import`: a baseline revision from a live database or a DDL script.
#pragma once

#include <string>
#include <vector>

namespace migc::compiler::import {

/// The command line of `migc import`.
struct import_options {
  std::string folder = "migrations";
  std::string from_sql;                     ///< a pg_dump --schema-only file or DDL script
  std::string from_database;                ///< a connection URL or conninfo
  std::vector<std::string> schemas;         ///< --schema: only these (a database's default: all)
  std::vector<std::string> version_tables;  ///< --version-table: more version tables to adopt
  std::string description;                  ///< --name: the revision's description
  std::string format = "text";              ///< diagnostics format
};

/**
 * Runs `migc import`: reads the schema (a script through read_script, a
 * database through introspect, read-only), checks it on the schema model,
 * writes the baseline revision as the next file of the folder's chain (the
 * root `001` in an empty folder), checks the folder with the new file, and
 * prints the file's path and a summary: objects imported, declarative and raw,
 * what was left out, and the version adopted. Returns the process exit code
 * (0, 1 on errors, which are printed).
 */
int run_import(import_options const& options);

}  // namespace migc::compiler::import
