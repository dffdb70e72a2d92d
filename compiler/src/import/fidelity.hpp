// Whether declarative steps say everything a SQL statement says: both are read by PostgreSQL's
// parser and their trees compared.
#pragma once

#include <migc/dsl/ast.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../sql/raw_sql.hpp"

namespace migc::compiler::import {

/**
 * What `steps` (the translation of `statement`) would lose of it, or nothing
 * when they say all of it. The steps take the trip a revision takes: written
 * as revision-file text (dsl::step_text), parsed back by the language's
 * parser, rendered as the SQL migrate sends (step_sql); that SQL and the
 * statement are parsed by PostgreSQL's parser and their trees compared, up to
 * what means the same in PostgreSQL: locations, `public.` (the default
 * schema), `ONLY` on tables without children, `ASC`, one ALTER TABLE with
 * several subcommands against several with one each, the order of a column's
 * constraints, `WITH SCHEMA public` on an extension. The answer names the
 * first clause that differs ("COLLATE", "DEFERRABLE", "storage parameters
 * (WITH ...)"), as the why-comment of the raw step that keeps the statement.
 */
[[nodiscard]] std::optional<std::string> lost_by(sql::raw_statement const& statement,
                                                 std::vector<dsl::ast::step> const& steps);

/// What a clause of a parse tree is called in messages: a field ("collClause" -> "COLLATE") or
/// a constraint type ("CONSTR_EXCLUSION" -> "EXCLUDE"); the name itself when it has no common
/// name.
[[nodiscard]] std::string clause_name(std::string const& field);

}  // namespace migc::compiler::import
