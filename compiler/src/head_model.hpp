// compile_folder with the schema model after the head revision (for `migc diff`).
#pragma once

#include <migc/compiler/compile.hpp>

#include "model.hpp"

namespace migc::compiler {

/// compile_folder (compile.hpp); `head` receives the model after the last revision (after a
/// failed build: as far as the compiler got).
[[nodiscard]] std::optional<compiled_chain> compile_folder(std::filesystem::path const& folder,
                                                           source_set& sources,
                                                           dsl::diagnostic_engine& diagnostics,
                                                           model::schema& head,
                                                           compile_options const& options = {});

}  // namespace migc::compiler
