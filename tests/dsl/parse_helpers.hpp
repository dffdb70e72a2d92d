// Test helpers: parse a revision from a string and read back its one syntax diagnostic.
#pragma once

#include <memory>
#include <migc/dsl/parser.hpp>
#include <string>

namespace migc::dsl::test {

/// A parse result that owns its source, so diagnostics can still point into it.
struct parsed {
  std::unique_ptr<source_file> file;
  diagnostic_engine engine;
  std::optional<ast::revision> revision;
};

inline std::unique_ptr<parsed> parse(std::string text, std::string path = "test.mig") {
  auto result = std::make_unique<parsed>();
  result->file = std::make_unique<source_file>(std::move(path), std::move(text));
  result->revision = parse_revision(*result->file, result->engine);
  return result;
}

/// The single syntax error of a failed parse, as "line:col: message".
struct syntax_error {
  std::string at;
  std::string message;
  std::optional<std::string> help;
  span where;
};

inline syntax_error error_of(std::string text) {
  auto const result = parse(std::move(text));
  if (result->revision || result->engine.diagnostics().size() != 1) {
    return {"<no single error>", "", std::nullopt, {}};
  }
  diagnostic const& d = result->engine.diagnostics()[0];
  line_column const at = result->file->position(d.where.range.begin);
  return {std::to_string(at.line) + ":" + std::to_string(at.column) +
              (d.code == "syntax" ? "" : " (not syntax)"),
          d.message, d.help, d.where.range};
}

inline std::string text_at(parsed const& p, span s) {
  return p.file->text().substr(s.begin, s.end - s.begin);
}

}  // namespace migc::dsl::test
