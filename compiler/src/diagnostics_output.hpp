// How the `migc` commands print diagnostics: one place for the format and colour rules.
#pragma once

#include <migc/dsl/diagnostics.hpp>
#include <string>

namespace migc::compiler {

/**
 * Prints every diagnostic of `diagnostics`: `format` "json" writes the JSON
 * document to stdout (always, even when empty: scripts parse it); "text"
 * writes the `file:line:col` form to stderr, coloured when stderr is a
 * terminal and NO_COLOR is unset (no-color.org), and nothing when there is
 * nothing to say.
 */
void render_diagnostics(dsl::diagnostic_engine const& diagnostics, std::string const& format);

}  // namespace migc::compiler
