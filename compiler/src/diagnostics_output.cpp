// render_diagnostics: the one diagnostics printer of the `migc` commands.
#include "diagnostics_output.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace migc::compiler {

void render_diagnostics(dsl::diagnostic_engine const& diagnostics, std::string const& format) {
  if (format == "json") {
    dsl::render_json(std::cout, diagnostics);
  } else if (!diagnostics.diagnostics().empty()) {
    bool const color = ::isatty(STDERR_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
    dsl::render_text(std::cerr, diagnostics, {color});
  }
}

}  // namespace migc::compiler
