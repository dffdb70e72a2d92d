// libFuzzer target: one revision file's bytes through the parser and the diagnostic renderers.
#include <cstddef>
#include <cstdint>
#include <migc/dsl/parser.hpp>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  migc::dsl::source_file const file("fuzz.mig",
                                    std::string(reinterpret_cast<char const*>(data), size));
  migc::dsl::diagnostic_engine diagnostics;
  auto const revision = migc::dsl::parse_revision(file, diagnostics);
  // A parse either yields a tree or exactly one diagnostic, never both or neither.
  if (revision.has_value() == diagnostics.has_errors()) __builtin_trap();
  std::ostringstream text;
  migc::dsl::render_text(text, diagnostics, {true});
  migc::dsl::render_json(text, diagnostics);
  return 0;
}
