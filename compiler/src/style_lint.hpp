// The opt-in style rules (lint_rules.hpp) over one upgrade step, declarative or translated from
// raw SQL.
#pragma once

#include <migc/compiler/lint_rules.hpp>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/source_file.hpp>
#include <string>
#include <vector>

#include "model.hpp"

namespace migc::compiler {

/// One style finding: a warning with its code, its place, what is wrong and what to write.
struct style_finding {
  std::string code;
  dsl::span where;
  std::string message;
  std::string help;
};

/**
 * The findings of the `enabled` opt-in rules on `step`, against the model `before` it:
 *
 *  - `prefer-text`: a column typed `varchar(n)` or `char(n)` (PostgreSQL wiki, "Don't Do This":
 *    the limit saves nothing over `text`, `char(n)` pads with blanks);
 *  - `prefer-timestamptz`: a column typed `timestamp` (without time zone; same page);
 *  - `prefer-bigint`: an `integer` / `smallint` (or `serial` / `smallserial`) key column: in a
 *    primary key, or an identity column (squawk's prefer-bigint-over-int, limited to keys,
 *    which are what run out);
 *  - `prefer-identity`: a `serial` type (PostgreSQL 15 docs, CREATE TABLE, GENERATED ... AS
 *    IDENTITY; squawk's prefer-identity);
 *  - `prefer-idempotent`: a create without `if not exists` or a drop without `if exists`, where
 *    the step (or, from raw SQL, the statement) has that form (squawk's prefer-robust-stmts).
 *
 * `from_sql`: the step was translated from raw SQL, so the help spells the SQL to write.
 */
[[nodiscard]] std::vector<style_finding> style_findings(dsl::ast::step const& step,
                                                        model::schema const& before, bool from_sql,
                                                        lint_selection const& enabled);

}  // namespace migc::compiler
