// The baseline revision `migc import` writes: a script's statements as declarative steps where
// the language says all of them, raw SQL with the reason where it does not.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "../model.hpp"
#include "../revision_writer.hpp"
#include "script.hpp"

namespace migc::compiler::import {

/// How many objects of one kind an import wrote each way.
struct object_count {
  int declarative = 0;
  int raw = 0;
};

/// The steps of a baseline, and what they hold.
struct baseline {
  std::vector<written_step> steps;
  std::map<std::string, object_count> objects;  ///< by kind: "table", "index", "function", ...
};

/**
 * The upgrade steps that build what `statements` build, in their order (the
 * dependency order pg_dump writes). Each statement whose translation is all
 * declarative and loses nothing (import::lost_by) becomes declarative steps,
 * folded where PostgreSQL gets the same schema either way: key and check
 * constraints, defaults and identity into their CREATE TABLE, foreign keys
 * too when the table they reference comes first, and a sequence that is
 * exactly what a serial column would make (type, options, owner, default,
 * PostgreSQL's name) into that column's `serial` / `bigserial` type. Every
 * other statement stays raw SQL, verbatim, under a comment saying why; raw
 * statements in a row with the same reason share one `sql` step, and
 * comments (COMMENT ON) come last. `model` is the schema the statements
 * build (replay_script): unnamed table checks get the names PostgreSQL gave
 * them.
 */
[[nodiscard]] baseline build_baseline(std::vector<sql::raw_statement> const& statements,
                                      model::schema const& model);

/// "3 tables, 1 view": the counts of one side, kinds in a fixed order (comments aside).
[[nodiscard]] std::string describe_counts(std::map<std::string, object_count> const& counts,
                                          bool raw);

}  // namespace migc::compiler::import
