// Writing a generated revision file only once the chain with it builds.
#include "checked_write.hpp"

#include <fstream>
#include <migc/compiler/compile.hpp>
#include <stdexcept>

#include "diagnostics_output.hpp"

namespace migc::compiler {

bool write_if_chain_builds(std::filesystem::path const& folder, std::filesystem::path const& path,
                           std::string const& text, std::string const& format) {
  compile_options options;
  options.unsaved.emplace_back(path, text);
  source_set sources;
  dsl::diagnostic_engine check(false);
  auto const chain = compile_folder(folder, sources, check, options);
  render_diagnostics(check, format);
  if (!chain) return false;
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write '" + path.string() + "'");
  return true;
}

}  // namespace migc::compiler
