// Writing a revision file the tools generated only once the chain with it builds.
#pragma once

#include <filesystem>
#include <string>

namespace migc::compiler {

/**
 * Compiles the chain of `folder` with `text` as the revision file `path` (not on disk yet:
 * compile_options::unsaved), prints the diagnostics in `format` (render_diagnostics), and writes
 * the file only when the chain builds. Returns false, having written nothing, when it does not.
 * Throws std::runtime_error when the file cannot be written.
 */
[[nodiscard]] bool write_if_chain_builds(std::filesystem::path const& folder,
                                         std::filesystem::path const& path, std::string const& text,
                                         std::string const& format);

}  // namespace migc::compiler
