// Test support for the compiler: compiling a folder, diagnostic summaries.
#include "compiler_test_support.hpp"

#include <fmt/format.h>

namespace migc::test {
namespace {

std::string place(dsl::location const& where) {
  if (!where.file) return "-";
  auto const pos = where.file->position(where.range.begin);
  return fmt::format("{}:{}:{}", std::filesystem::path(where.file->path()).filename().string(),
                     pos.line, pos.column);
}

char const* severity_name(dsl::severity level) {
  switch (level) {
    case dsl::severity::error:
      return "error";
    case dsl::severity::warning:
      return "warning";
    case dsl::severity::note:
      return "note";
  }
  return "?";
}

}  // namespace

std::string summarize(dsl::diagnostic const& d) {
  std::string out =
      fmt::format("{}: {}[{}]: {}", place(d.where), severity_name(d.level), d.code, d.message);
  for (auto const& n : d.notes) out += fmt::format(" | note {}: {}", place(n.where), n.message);
  if (d.help) out += " | help: " + *d.help;
  return out;
}

compile_outcome compile(std::filesystem::path const& folder, bool werror) {
  compiler::source_set sources;
  dsl::diagnostic_engine diagnostics(werror);
  compile_outcome outcome;
  outcome.chain = compiler::compile_folder(folder, sources, diagnostics);
  for (auto const& d : diagnostics.diagnostics()) outcome.diagnostics.push_back(summarize(d));
  return outcome;
}

std::string revision_text(std::string const& id, std::string const& parent,
                          std::string const& sql) {
  std::string header = "revision " + id;
  if (!parent.empty()) header += " revises " + parent;
  return header + " \"Revision " + id + "\"\nupgrade {\n    sql $$ " + sql +
         " $$\n}\ndowngrade {\n    sql $$ SELECT 2 $$\n}\n";
}

}  // namespace migc::test
