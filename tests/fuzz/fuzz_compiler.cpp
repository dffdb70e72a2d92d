// libFuzzer target: the whole compiler (parse, checks, chain, checksums, emission) on a fuzzed
// folder.
//
// The input is split at lines "====" into up to 8 files; file k is named like
// revision k (or, when the chunk starts with '!', gets a malformed name), so
// the chain checker sees forks, gaps, duplicates and cycles, not just noise.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/emit.hpp>
#include <string>
#include <string_view>

namespace {

std::filesystem::path scratch_folder() {
  std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return base / ("migc-fuzz-" + std::to_string(::getpid()));
}

void write_files(std::filesystem::path const& folder, std::string_view input) {
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  for (int index = 1; index <= 8 && !input.empty(); ++index) {
    std::size_t const cut = input.find("\n====\n");
    std::string_view chunk = input.substr(0, cut);
    input = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 6);
    std::string name =
        "2025010" + std::to_string(index) + "_0000-00" + std::to_string(index) + "_f.mig";
    if (!chunk.empty() && chunk.front() == '!') name = "stray" + std::to_string(index) + ".mig";
    std::ofstream(folder / name, std::ios::binary)
        .write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static std::filesystem::path const folder = scratch_folder();
  write_files(folder, std::string_view(reinterpret_cast<char const*>(data), size));
  migc::compiler::source_set sources;
  migc::dsl::diagnostic_engine diagnostics;
  auto const chain = migc::compiler::compile_folder(folder, sources, diagnostics);
  if (chain) {
    migc::compiler::emit_options const options{"fuzz::db", "fuzz_catalog.hpp", "alembic_version",
                                               "migrations"};
    (void)migc::compiler::emit_catalog(*chain, options);
  } else if (!diagnostics.has_errors()) {
    __builtin_trap();  // no chain must always be explained by an error
  }
  return 0;
}
