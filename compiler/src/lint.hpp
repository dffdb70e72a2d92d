// Rules (errors) and lint warnings on upgrade steps, each warning silenced by a visible marker.
#pragma once

#include <cstdint>
#include <migc/compiler/lint_rules.hpp>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <string>
#include <vector>

#include "model.hpp"

namespace migc::compiler {

namespace sql {
struct raw_statement;
}  // namespace sql

/// What the checks of one upgrade step need to know.
struct lint_context {
  dsl::source_file const* file = nullptr;
  std::uint64_t revision = 0;
  bool transactional = true;
  dsl::diagnostic_engine* out = nullptr;
  /// The step was translated from raw SQL, whose transaction rules the SQL front end checked.
  bool from_sql = false;
  /// The opt-in rules the build enables (style_lint.hpp); none when null.
  lint_selection const* style = nullptr;
  /// Codes allowed besides the markers above the step (a translated step: those above its
  /// statement and its `sql` step).
  std::vector<std::string> allowed;
};

/**
 * Checks one upgrade step against the model *before* it:
 *
 *  - error `concurrently-in-transaction`: `create|drop index concurrently`
 *    in a transactional revision (PostgreSQL refuses it in a transaction block);
 *  - error `enum-value-same-revision`: the step's SQL uses an enum value an
 *    earlier step of the same transactional revision added;
 *  - warnings (each silenced by `-- migc:allow(<code>)` on the comment lines
 *    directly above the step): `not-null-without-default`,
 *    `index-not-concurrent`, `table-rewrite`, `data-deletion`, `drop-column`,
 *    `drop-table`; and the opt-in rules `context.style` enables (style_lint.hpp).
 *
 * `sql` is the SQL the step runs (for the enum-value rule).
 */
void lint_step(dsl::ast::step const& step, std::string const& sql, model::schema const& before,
               lint_context const& context);

/**
 * The rules and warnings of one statement of a raw sql step, against the
 * model before it: `data-deletion` (DELETE anywhere in the statement, also
 * inside WITH, and TRUNCATE).
 */
/**
 * The enum values that `statement` uses (casts to the type, assigns to or compares with a column
 * of it) among those a revision added after the type was created (enum_type::value_added_in),
 * each as `schema.type 'value'`: what the catalog records so that `migrate upgrade
 * --single-transaction` can refuse a run that adds a value and uses it in one transaction.
 */
[[nodiscard]] std::vector<std::string> added_enum_values_used(sql::raw_statement const& statement,
                                                              model::schema const& before);

/// `schema.type 'value'`: how the catalog names one enum value.
[[nodiscard]] std::string enum_value_entry(model::object_key const& type, std::string const& value);

void lint_statement(sql::raw_statement const& statement, model::schema const& before,
                    lint_context const& context);

/// The codes a `-- migc:allow(a, b)` comment directly above `where` allows.
[[nodiscard]] std::vector<std::string> allowed_codes(dsl::source_file const& file, dsl::span where);

}  // namespace migc::compiler
