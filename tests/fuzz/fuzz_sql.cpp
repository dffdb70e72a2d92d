// libFuzzer target: the SQL front end through the whole compiler. The input is raw SQL: cut at
// lines "====" into the upgrade of revision 001, the upgrade of 002 and the downgrade of 002, each
// wrapped in a `sql $fuzz$ ... $fuzz$` step, so PostgreSQL's parser, the statement classifier,
// the translation into the model, the lint rules, the downgrade proof and the checksum all see
// fuzzed SQL over a model that earlier fuzzed SQL built.
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/emit.hpp>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view quote = "$fuzz$";

std::filesystem::path scratch_folder() {
  std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return base / ("migc-fuzz-sql-" + std::to_string(::getpid()));
}

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

void write(std::filesystem::path const& file, std::string const& text) {
  std::ofstream(file, std::ios::binary)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static std::filesystem::path const folder = scratch_folder();
  std::string_view input(reinterpret_cast<char const*>(data), size);
  std::array<std::string, 3> parts;
  for (auto& part : parts) part = next_part(input);
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  write(folder / "20250101_0000-001_a.mig",
        "revision 001 \"a\"\n" + sql_block("upgrade", parts[0]) + "downgrade { irreversible }\n");
  write(folder / "20250102_0000-002_b.mig", "revision 002 revises 001 \"b\"\n" +
                                                sql_block("upgrade", parts[1]) +
                                                sql_block("downgrade", parts[2]));
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
