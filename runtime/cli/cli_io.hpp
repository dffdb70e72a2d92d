// Internal: the migrate front end with explicit streams and arguments, for tests and embedding.
#pragma once

#include <iosfwd>
#include <migc/runtime/catalog.hpp>
#include <string>
#include <vector>

namespace migc::runtime::detail {

/**
 * run_cli() with the arguments after the program name and explicit output
 * streams; the exit codes of docs/migrate.md. `colour`: ANSI colours in
 * status and progress output (run_cli() passes true only for a terminal
 * without NO_COLOR).
 */
int run_cli(std::vector<std::string> const& args, catalog const& embedded, std::ostream& out,
            std::ostream& err, bool colour = false) noexcept;

}  // namespace migc::runtime::detail
