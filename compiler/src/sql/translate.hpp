// Raw DDL to schema-model changes: each statement's parse tree turned into the declarative steps
// it means (so the same checks apply) and the object changes only SQL can make.
#pragma once

#include <string>
#include <vector>

#include "../changes.hpp"
#include "raw_sql.hpp"

namespace migc::compiler::sql {

/// What one statement does to the schema model.
struct translation {
  std::vector<change::any> changes;  ///< in the order PostgreSQL applies them
  /// The objects it creates, changes or drops, qualified ("public.users"), each once, for the
  /// catalog and `migrate show`.
  std::vector<std::string> objects;
};

/**
 * Translates one statement (statement_info::kind schema) into model changes,
 * as PostgreSQL 15 applies it: CREATE/ALTER/DROP/RENAME of tables, columns,
 * constraints, indexes, enum types and values, sequences, views,
 * materialized views, functions, procedures, triggers, domains, composite
 * and range types, schemas and extensions; COMMENT ON; SELECT INTO and
 * CREATE TABLE AS. A statement (or ALTER TABLE subcommand) the model does
 * not follow becomes a change::forget naming its objects. Data statements
 * translate to nothing; DO blocks are read as PL/pgSQL, and DDL inside them
 * becomes a change::forget. `temporaries` are the temporary tables the
 * revision created before this statement: their DROP is not a model change.
 */
[[nodiscard]] translation translate(raw_statement const& statement,
                                    std::vector<std::string> const& temporaries = {});

}  // namespace migc::compiler::sql
