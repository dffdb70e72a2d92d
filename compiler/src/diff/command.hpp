// `migc diff`: the next revision, from the chain's head to a schema file or a live database.
#pragma once

#include <string>
#include <vector>

namespace migc::compiler::diff {

/// The command line of `migc diff`.
struct diff_options {
  std::string folder = "migrations";
  std::string to_sql;         ///< --to: the desired schema as DDL (e.g. `migc schema` output)
  std::string from_database;  ///< --from-database: a database whose schema is desired
  std::vector<std::string> schemas;  ///< --schema: only these schemas of the database
  std::string description;           ///< --name
  std::string format = "text";       ///< diagnostics format
};

/**
 * Runs `migc diff`: compiles the folder's chain (its head model; an empty
 * folder is an empty schema), reads the desired schema through the SQL front
 * end (a file, or the database's schema read-only), writes the steps between
 * them (diff_models) as the next revision with a downgrade when the compiler
 * cannot derive one (the diff back; `irreversible` when enum values are
 * added), checks the folder with it, and prints its path, a summary and every
 * warning (renames not guessed, ...). Nothing is written when the schemas
 * agree. Returns the process exit code (0, or 1 on errors, which are printed).
 */
int run_diff(diff_options const& options);

}  // namespace migc::compiler::diff
