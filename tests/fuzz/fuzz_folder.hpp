// What the whole-compiler fuzz targets share: a scratch folder of revision files per process,
// and the compile-and-emit run with its invariant. Header-only: each target is one executable.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/emit.hpp>
#include <string>
#include <string_view>

namespace migc::fuzz {

/// This process's scratch folder (in /dev/shm when there is one: a run writes files per input).
inline std::filesystem::path scratch_folder(std::string_view target) {
  std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return base / ("migc-" + std::string(target) + "-" + std::to_string(::getpid()));
}

/// Empties `folder` (creating it) for the next input's files.
inline void fresh_folder(std::filesystem::path const& folder) {
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
}

inline void write_file(std::filesystem::path const& file, std::string_view text) {
  std::ofstream(file, std::ios::binary)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
}

/// Compiles `folder` and emits its catalog; traps when no chain comes without an error.
inline void compile_and_emit(std::filesystem::path const& folder) {
  compiler::source_set sources;
  dsl::diagnostic_engine diagnostics;
  auto const chain = compiler::compile_folder(folder, sources, diagnostics);
  if (chain) {
    compiler::emit_options const options{"fuzz::db", "fuzz_catalog.hpp", "alembic_version",
                                         "migrations"};
    (void)compiler::emit_catalog(*chain, options);
  } else if (!diagnostics.has_errors()) {
    __builtin_trap();  // no chain must always be explained by an error
  }
}

}  // namespace migc::fuzz
