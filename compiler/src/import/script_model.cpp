// replay_script: a script's statements on the schema model, statement by statement.
#include "script_model.hpp"

#include "../replay.hpp"
#include "../sql/translate.hpp"

namespace migc::compiler::import {

bool replay_script(script const& s, dsl::source_file const& file, model::schema& model,
                   dsl::diagnostic_engine& out) {
  std::size_t const errors = out.error_count();
  std::vector<std::string> temporaries;
  step_context const context{&file, 1, &out, true};
  for (auto const& statement : s.statements) {
    if (statement.info.temporary) temporaries.push_back(*statement.info.temporary);
    apply_statement(model, sql::translate(statement, temporaries).changes, context);
  }
  return out.error_count() == errors;
}

}  // namespace migc::compiler::import
