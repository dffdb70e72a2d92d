// Internal: the migrate front end with explicit streams and arguments, for tests and embedding.
#pragma once

#include <chrono>
#include <iosfwd>
#include <migc/runtime/catalog.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime::detail {

/**
 * run_cli() with the arguments after the program name and explicit output
 * streams. Same exit codes: 0 ok, 1 failure, 2 usage, 3 `status --check`
 * with pending revisions. `colour`: ANSI colours in status and progress
 * output (run_cli() passes true only for a terminal without NO_COLOR).
 */
int run_cli(std::vector<std::string> const& args, catalog const& embedded, std::ostream& out,
            std::ostream& err, bool colour = false) noexcept;

/// Parses `--lock-timeout`: an integer with unit ms, s, min or h ("10s", "500ms"), or "0".
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace migc::runtime::detail
