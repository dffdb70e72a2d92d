// The C++ emitter: a compiled chain as constant data tables for migc::runtime.
#pragma once

#include <migc/compiler/compile.hpp>
#include <string>

namespace migc::compiler {

struct emit_options {
  std::string cpp_namespace;  ///< e.g. "app::db"
  std::string
      header_name;  ///< include name of the generated header, e.g. "app_migrate_catalog.hpp"
  std::string version_table;  ///< default version table baked into the catalog
  std::string source_dir;  ///< migrations folder as shown to users (relative, for reproducibility)
};

/// The generated header: declares `<namespace>::catalog()`.
[[nodiscard]] std::string emit_header(emit_options const& options);

/// The generated translation unit: every revision as constexpr data.
[[nodiscard]] std::string emit_catalog(compiled_chain const& chain, emit_options const& options);

/// The migrate binary's main(): one call to migc::runtime::run_cli.
[[nodiscard]] std::string emit_main(emit_options const& options);

}  // namespace migc::compiler
