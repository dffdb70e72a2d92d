// libFuzzer target: the SQL front end through the whole compiler. The input is raw SQL: cut at
// lines "====" into the upgrade of revision 001, the upgrade of 002 and the downgrade of 002, each
// wrapped in a `sql $fuzz$ ... $fuzz$` step, so PostgreSQL's parser, the statement classifier,
// the translation into the model, the lint rules, the downgrade proof and the checksum all see
// fuzzed SQL over a model that earlier fuzzed SQL built.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_folder.hpp"

namespace {

constexpr std::string_view quote = "$fuzz$";

/// The next part of `input` (up to a "====" line), without the quote that would end the body.
std::string next_part(std::string_view& input) {
  std::size_t const cut = input.find("\n====\n");
  std::string_view part = input.substr(0, cut);
  input = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 6);
  part = part.substr(0, part.find(quote));
  return std::string(part);
}

std::string sql_block(std::string_view keyword, std::string const& sql) {
  return std::string(keyword) + " {\n    sql " + std::string(quote) + sql + std::string(quote) +
         "\n}\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static std::filesystem::path const folder = migc::fuzz::scratch_folder("fuzz-sql");
  std::string_view input(reinterpret_cast<char const*>(data), size);
  std::array<std::string, 3> parts;
  for (auto& part : parts) part = next_part(input);
  migc::fuzz::fresh_folder(folder);
  migc::fuzz::write_file(
      folder / "20250101_0000-001_a.mig",
      "revision 001 \"a\"\n" + sql_block("upgrade", parts[0]) + "downgrade { irreversible }\n");
  migc::fuzz::write_file(folder / "20250102_0000-002_b.mig", "revision 002 revises 001 \"b\"\n" +
                                                                 sql_block("upgrade", parts[1]) +
                                                                 sql_block("downgrade", parts[2]));
  migc::fuzz::compile_and_emit(folder);
  return 0;
}
