// The diagnostics registry (dsl/src/diagnostic_codes.cpp) against the docs and the corpus: every
// code is documented in docs/language.md exactly as registered, every anchor names a section
// there, and every code is produced by a case of the corpus (tests/language, tests/cmake/chains).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <migc/dsl/diagnostic_codes.hpp>
#include <regex>
#include <set>

#include "compiler_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using migc::dsl::diagnostic_codes;

using migc::test::read_file;

fs::path const language_doc = fs::path(MIGC_DOCS) / "language.md";
std::string const table_heading = "### Diagnostic codes\n";

std::string level_name(migc::dsl::severity level) {
  switch (level) {
    case migc::dsl::severity::error:
      return "error";
    case migc::dsl::severity::warning:
      return "warning";
    case migc::dsl::severity::note:
      return "note";
  }
  return "?";
}

/// The registry as the Markdown table docs/language.md carries.
std::string registry_table() {
  std::string out = "| code | level | reported when | rule |\n|---|---|---|---|\n";
  for (auto const& c : diagnostic_codes()) {
    out += "| `" + std::string(c.code) + "` | " + level_name(c.level) + " | " +
           std::string(c.meaning) + " | [" + std::string(c.anchor.substr(1)) + "](" +
           std::string(c.anchor) + ") |\n";
  }
  return out;
}

/// The table that follows the "Diagnostic codes" heading's introduction, up to the next blank line
/// after it (or the end of the file).
std::string documented_table(std::string const& doc) {
  auto const heading = doc.find(table_heading);
  if (heading == std::string::npos) return {};
  auto const start = doc.find("\n| code |", heading);
  if (start == std::string::npos) return {};
  auto const end = doc.find("\n\n", start + 1);
  return doc.substr(start + 1, end == std::string::npos ? std::string::npos : end - start);
}

/// GitHub's heading anchors: lower case, spaces to '-', punctuation other than '-' dropped.
std::set<std::string> heading_anchors(std::string const& doc) {
  std::set<std::string> out;
  std::regex const heading(R"(^#+ (.*)$)", std::regex::multiline);
  for (std::sregex_iterator it(doc.begin(), doc.end(), heading), end; it != end; ++it) {
    std::string anchor = "#";
    for (char c : (*it)[1].str()) {
      if (std::isalnum(static_cast<unsigned char>(c)))
        anchor += static_cast<char>(std::tolower(c));
      else if (c == ' ' || c == '-')
        anchor += '-';
    }
    out.insert(anchor);
  }
  return out;
}

/// Every case folder of the corpus: tests/language/{bad,good}/* and tests/cmake/chains/*.
std::vector<fs::path> corpus_cases() {
  std::vector<fs::path> out;
  for (auto const& root : {fs::path(MIGC_LANGUAGE_CORPUS) / "bad",
                           fs::path(MIGC_LANGUAGE_CORPUS) / "good", fs::path(MIGC_CHAIN_CORPUS)}) {
    for (auto const& entry : fs::directory_iterator(root)) {
      if (entry.is_directory()) out.push_back(entry.path());
    }
  }
  return out;
}

/// The code of a summarized diagnostic (`place: level[code]: message`).
std::string code_of(std::string const& summary) {
  std::smatch m;
  static std::regex const pattern(R"(^\S+: (?:error|warning|note)\[([a-z0-9-]+)\])");
  return std::regex_search(summary, m, pattern) ? m[1].str() : std::string();
}

}  // namespace

TEST(diagnostic_codes, are_sorted_and_unique) {
  auto const& table = diagnostic_codes();
  for (std::size_t i = 1; i < table.size(); ++i) EXPECT_LT(table[i - 1].code, table[i].code);
}

// MIGC_UPDATE_CORPUS=1 rewrites the table in docs/language.md from the registry.
TEST(diagnostic_codes, docs_list_exactly_the_registry) {
  std::string doc = read_file(language_doc);
  std::string const expected = registry_table();
  if (std::getenv("MIGC_UPDATE_CORPUS") != nullptr) {
    auto const old = documented_table(doc);
    if (old.empty()) {
      doc += "\n" + expected;
    } else {
      doc.replace(doc.find(old), old.size(), expected);
    }
    migc::test::write_file(language_doc, doc);
  }
  EXPECT_EQ(documented_table(read_file(language_doc)), expected)
      << "docs/language.md's 'Diagnostic codes' table differs from the registry";
}

TEST(diagnostic_codes, anchors_name_sections_of_the_language_reference) {
  auto const anchors = heading_anchors(read_file(language_doc));
  for (auto const& c : diagnostic_codes()) {
    EXPECT_TRUE(anchors.count(std::string(c.anchor))) << c.code << ": " << c.anchor;
  }
}

TEST(diagnostic_codes, each_is_produced_by_a_corpus_case) {
  std::map<std::string, std::string> produced;  // code -> first case producing it
  // The one code a folder of the corpus cannot produce: the folder itself is missing.
  for (auto const& summary :
       migc::test::compile(fs::path(MIGC_LANGUAGE_CORPUS) / "missing").diagnostics) {
    produced.emplace(code_of(summary), "missing");
  }
  for (auto const& dir : corpus_cases()) {
    for (auto const& summary : migc::test::compile_case(dir).diagnostics) {
      produced.emplace(code_of(summary), dir.filename().string());
    }
  }
  for (auto const& c : diagnostic_codes()) {
    EXPECT_TRUE(produced.count(std::string(c.code)))
        << "no case of tests/language or tests/cmake/chains produces '" << c.code << "': add one";
  }
}

// The engine refuses an unregistered code at run time (an internal error that stops migc, not a
// diagnostic), so every code the compiler's and the language's sources can report is a registered
// code: fuzz_sql found three that were not (a schema or extension created twice, a view's columns
// changed by CREATE OR REPLACE). Two readings of the sources: every hyphenated literal, and a
// one-word literal where a code is passed (`error("io"`, `severity::error, "folder"`,
// `code = "syntax"`), which must find every one-word code of the registry.
TEST(diagnostic_codes, every_code_the_sources_can_report_is_registered) {
  std::set<std::string> registered;
  for (auto const& c : diagnostic_codes()) registered.emplace(c.code);
  // Hyphenated literals that are not codes: format tags, and the `-- migc:allow(small-table)`
  // marker, which opts a step out of its safe plan (docs/language.md, "Safe plans").
  std::set<std::string> const not_codes = {"migc-chain-v1", "migc-checksum-v1", "migc-checksum-v2",
                                           "small-table"};
  std::regex const hyphenated(R"re("([a-z][a-z0-9]*(?:-[a-z0-9]+)+)")re");
  std::regex const one_word(
      R"re((?:\b(?:error|warning|note|chain_error)\(\s*|severity::[a-z]+,\s*|\bcode\s*=\s*)"([a-z][a-z0-9]*)")re");
  std::set<std::string> one_word_seen;
  fs::path const root(MIGC_SOURCE_ROOT);
  for (auto const* folder : {"compiler/src", "compiler/include", "dsl/src", "dsl/include"}) {
    for (auto const& entry : fs::recursive_directory_iterator(root / folder)) {
      if (!entry.is_regular_file()) continue;
      std::string const text = read_file(entry.path());
      auto const expect_registered = [&](std::string const& code) {
        EXPECT_TRUE(registered.count(code) || not_codes.count(code))
            << entry.path().lexically_relative(root).string() << ": \"" << code
            << "\" is not in dsl/src/diagnostic_codes.cpp";
      };
      for (std::sregex_iterator it(text.begin(), text.end(), hyphenated), end; it != end; ++it)
        expect_registered((*it)[1].str());
      for (std::sregex_iterator it(text.begin(), text.end(), one_word), end; it != end; ++it) {
        expect_registered((*it)[1].str());
        one_word_seen.insert((*it)[1].str());
      }
    }
  }
  for (auto const& code : registered) {
    if (code.find('-') == std::string::npos) {
      EXPECT_TRUE(one_word_seen.count(code))
          << "the one-word code '" << code
          << "' is reported in a form this test does not read: extend `one_word`";
    }
  }
}
