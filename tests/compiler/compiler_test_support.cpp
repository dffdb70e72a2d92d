// Test support for the compiler: compiling a folder, diagnostic summaries.
#include "compiler_test_support.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <migc/compiler/lint_rules.hpp>

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

compile_outcome compile(std::filesystem::path const& folder, bool werror,
                        compiler::compile_options const& options) {
  compiler::source_set sources;
  dsl::diagnostic_engine diagnostics(werror);
  compile_outcome outcome;
  outcome.chain = compiler::compile_folder(folder, sources, diagnostics, options);
  // Messages without a source location name paths; shown relative to the folder, so summaries
  // do not depend on where the checkout is.
  std::string const path = folder.string();
  for (auto const& d : diagnostics.diagnostics()) {
    std::string summary = summarize(d);
    for (auto const& [from, to] : {std::pair{path + "/", ""}, std::pair{path, "."}}) {
      for (auto at = summary.find(from); at != std::string::npos; at = summary.find(from, at)) {
        summary.replace(at, from.size(), to);
      }
    }
    outcome.diagnostics.push_back(std::move(summary));
  }
  return outcome;
}

compile_outcome compile_case(std::filesystem::path const& folder, bool werror) {
  compiler::compile_options options;
  std::ifstream in(folder / ".lint", std::ios::binary);
  if (in) {
    std::string const list{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    options.lint = compiler::parse_lint_selection(list.substr(0, list.find('\n')));
  }
  return compile(folder, werror, options);
}

std::string revision_text(std::string const& id, std::string const& parent,
                          std::string const& sql) {
  std::string header = "revision " + id;
  if (!parent.empty()) header += " revises " + parent;
  return header + " \"Revision " + id + "\"\nupgrade {\n    sql $$ " + sql +
         " $$\n}\ndowngrade {\n    sql $$ SELECT 2 $$\n}\n";
}

}  // namespace migc::test
