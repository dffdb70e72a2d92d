// The schema model a DDL script builds: its statements replayed on an empty model, exactly as
// raw SQL in a revision is.
#pragma once

#include <migc/dsl/diagnostics.hpp>
#include <migc/dsl/source_file.hpp>

#include "../model.hpp"
#include "script.hpp"

namespace migc::compiler::import {

/**
 * Replays the statements of `s` (read from `file`) on `model` with the checks
 * raw SQL gets in a revision (sql/translate.cpp, replay): every problem is
 * reported at its place in `file` (an unknown type, a foreign key to a missing
 * column, ...). Returns false when one was.
 */
bool replay_script(script const& s, dsl::source_file const& file, model::schema& model,
                   dsl::diagnostic_engine& out);

}  // namespace migc::compiler::import
