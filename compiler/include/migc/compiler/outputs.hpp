// Writing generated files: only when their content changes, so an identical regeneration rebuilds
// nothing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace migc::compiler {

/// Writes `content` to `path` through a temporary file and a rename, unless
/// the file already holds exactly `content`. Returns true when it wrote.
/// Throws std::filesystem::filesystem_error / std::system_error on failure.
bool write_if_changed(std::filesystem::path const& path, std::string_view content);

/// A Makefile-style depfile (what Ninja and CMake's DEPFILE read):
/// `target: dep dep ...`, spaces and '#' and '$' escaped.
[[nodiscard]] std::string make_depfile(std::string_view target,
                                       std::vector<std::filesystem::path> const& dependencies);

}  // namespace migc::compiler
