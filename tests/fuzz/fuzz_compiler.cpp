// libFuzzer target: the whole compiler (parse, checks, chain, checksums, emission) on a fuzzed
// folder.
//
// The input is split at lines "====" into up to 8 files; file k is named like
// revision k (or, when the chunk starts with '!', gets a malformed name), so
// the chain checker sees forks, gaps, duplicates and cycles, not just noise.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_folder.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static std::filesystem::path const folder = migc::fuzz::scratch_folder("fuzz");
  migc::fuzz::fresh_folder(folder);
  std::string_view input(reinterpret_cast<char const*>(data), size);
  for (int index = 1; index <= 8 && !input.empty(); ++index) {
    std::size_t const cut = input.find("\n====\n");
    std::string_view const chunk = input.substr(0, cut);
    input = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 6);
    std::string name =
        "2025010" + std::to_string(index) + "_0000-00" + std::to_string(index) + "_f.mig";
    if (!chunk.empty() && chunk.front() == '!') name = "stray" + std::to_string(index) + ".mig";
    migc::fuzz::write_file(folder / name, chunk);
  }
  migc::fuzz::compile_and_emit(folder);
  return 0;
}
