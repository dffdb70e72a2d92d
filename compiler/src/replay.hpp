// Replaying steps on the schema model: checks, derived inverses, lock knowledge.
#pragma once

#include <cstdint>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "changes.hpp"
#include "model.hpp"

namespace migc::compiler {

namespace sql {
struct raw_step;
}  // namespace sql

/// Where the step being replayed comes from.
struct step_context {
  dsl::source_file const* file = nullptr;
  std::uint64_t revision = 0;
  dsl::diagnostic_engine* out = nullptr;
  /// The step was translated from raw SQL: PostgreSQL's own defaults apply (unnamed table
  /// checks get PostgreSQL's name instead of an error).
  bool from_sql = false;
};

/**
 * Checks that `step` fits `model` (objects exist or do not, types are
 * known, foreign keys match, nothing still in use is dropped) and applies
 * it. Every problem is reported with a note at the step that created the
 * object involved. Returns false on error; the model is then left as it was
 * for this step. Raw sql marks the model incomplete (see model::schema).
 */
bool apply_step(model::schema& model, dsl::ast::step const& step, step_context const& context);

/**
 * Checks and applies one object change only raw SQL makes (changes.hpp). Returns false on error;
 * the model is then left as it was.
 */
bool apply_change(model::schema& model, change::object_change const& c,
                  step_context const& context);

/**
 * Applies what one raw SQL statement does (its translation: declarative steps, checked exactly as
 * written ones, and object changes). All or nothing: on an error the model is left as it was
 * before the statement. Returns false on error.
 */
bool apply_statement(model::schema& model, std::vector<change::any> const& changes,
                     step_context const& context);

/// The steps that undo one step, or why there are none.
struct inverse {
  std::vector<dsl::ast::step> steps;  ///< in the order to run them
  std::optional<std::string> impossible;
  /// When impossible: the downgrade to write instead, when the compiler knows one.
  std::optional<std::string> help;
};

/// Derives the inverse of `step` from the model *before* the step; the
/// inverse steps carry the span of `step`.
[[nodiscard]] inverse inverse_of(dsl::ast::step const& step, model::schema const& before);

/// The strongest table lock a step takes in PostgreSQL 15, and whether it rewrites the table.
struct lock_info {
  std::string_view lock;  ///< "ACCESS EXCLUSIVE", "SHARE", ..., "none", or "unknown" for raw sql
  bool rewrites = false;
};

[[nodiscard]] lock_info lock_of(dsl::ast::step const& step, model::schema const& before);

/// Steps that build `schema` from an empty database, in an order that
/// works: schemas, extensions, enum types, tables (without foreign keys),
/// foreign keys, indexes. Used to print the head schema.
[[nodiscard]] std::vector<dsl::ast::step> rebuild_steps(model::schema const& schema);

/**
 * The sequence that follows `column` (of table `table`) when its integer width changes
 * declaratively: the one the column owns and reads in its default, a serial's or pg_dump's
 * spelling of one (`CREATE SEQUENCE ... AS integer OWNED BY t.c` with `DEFAULT nextval(...)`),
 * when it is of the column's type (a serial's always is). PostgreSQL itself leaves the sequence
 * as it was on ALTER COLUMN ... TYPE (an `AS integer` sequence still stops at 2147483647), so a
 * declarative type change adds `ALTER SEQUENCE ... AS`; raw SQL changes only what it says.
 * Nothing when no sequence follows the column.
 */
[[nodiscard]] model::sequence const* width_sequence(model::schema const& schema,
                                                    model::object_key const& table,
                                                    model::column const& column);

/// `(schema or "public", name)`.
[[nodiscard]] model::object_key key_of(dsl::ast::qualified_name const& name);

/**
 * A column's default (it must have one) as the server keeps it: a string constant set for
 * another type and kept in it through `alter column ... type` ('happy' of an enum on a column
 * changed to text) is written with a cast to that type, `('happy')::mood`, which is also how
 * to set it so again; anything else as the model holds it (schema_objects.cpp).
 */
[[nodiscard]] std::string default_as_stored(model::column const& c);

}  // namespace migc::compiler
