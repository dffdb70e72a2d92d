// Test support for the compiler: compiling a folder, compact diagnostic summaries.
#pragma once

#include <filesystem>
#include <migc/compiler/compile.hpp>
#include <string>
#include <vector>

#include "temp_folder.hpp"

namespace migc::test {

/// One diagnostic as `file:line:col: severity[code]: message` (file name only),
/// plus ` | help: ...` and ` | note file:line:col: ...` parts when present.
[[nodiscard]] std::string summarize(dsl::diagnostic const& d);

/// The result of compiling a folder: the chain (if any) and every diagnostic summarized.
struct compile_outcome {
  std::optional<compiler::compiled_chain> chain;
  std::vector<std::string> diagnostics;
};

[[nodiscard]] compile_outcome compile(std::filesystem::path const& folder, bool werror = false,
                                      compiler::compile_options const& options = {});

/**
 * A corpus case folder compiled as its build would: a hidden `.lint` file in it holds the value
 * of `migc --lint` (opt-in rules, e.g. `style`); without one, no opt-in rule is checked.
 */
[[nodiscard]] compile_outcome compile_case(std::filesystem::path const& folder,
                                           bool werror = false);

/// `revision NNN [revises PPP] "desc"` + a trivial reversible body.
[[nodiscard]] std::string revision_text(std::string const& id, std::string const& parent = "",
                                        std::string const& sql = "SELECT 1");

}  // namespace migc::test
