// Comparing two schema models and writing the steps from one to the other (`migc diff`).
#pragma once

#include <string>
#include <vector>

#include "../model.hpp"
#include "../revision_writer.hpp"

namespace migc::compiler::diff {

/// The steps from one model to another, and what a person should know about them.
struct plan {
  std::vector<written_step> steps;
  /// Renames the diff did not guess, enum values it cannot remove, objects it cannot compare.
  std::vector<std::string> warnings;
  bool adds_enum_values = false;  ///< an upgrade PostgreSQL cannot undo (no enum value removal)
};

/**
 * The steps that turn schema `from` into schema `to`, in an order PostgreSQL
 * accepts: what goes away or changes first (views, triggers, constraints and
 * indexes that differ), then schemas, extensions, types and enum values,
 * functions, sequences, tables (new ones; columns added, altered, dropped;
 * key and check constraints), dropped tables, foreign keys, indexes, views
 * and triggers, comments, and last the functions, types, sequences,
 * extensions and schemas `to` no longer has. Declarative steps wherever the
 * language has one; raw SQL (with the reason) for views, functions,
 * triggers, sequences, identity and comments. Renames are never guessed: a
 * drop and a create, with a warning (and a comment above the step) naming
 * the likely rename and the step to write instead. Data-losing steps (drop
 * column, drop table) carry a `-- loses data` comment and the
 * `-- migc:allow(...)` marker their lint asks for. Objects the model does not
 * follow (sql-not-modelled) are not compared: a warning names them.
 * Expressions compare by their parse trees; a serial column equals its
 * spelled-out form (integer, NOT NULL, DEFAULT nextval(owned sequence)).
 */
[[nodiscard]] plan diff_models(model::schema const& from, model::schema const& to);

}  // namespace migc::compiler::diff
