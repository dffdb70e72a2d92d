// squawk against migc on the same raw SQL (tests/online/squawk): every rule squawk reports on a
// case must have its migc counterpart reported on the same SQL (with the opt-in style rules on,
// `--lint style`), unless docs/language.md ("Online safety") says why it has none. squawk (npm
// squawk-cli) is never a dependency: what it reports is recorded in
// tests/online/squawk/squawk-findings.txt (bench/online/record-squawk), which the comparison reads
// on every run; when squawk is installed (bench/online/install-squawk), one more test checks the
// recording against it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <migc/compiler/lint_rules.hpp>
#include <migc/dsl/diagnostic_codes.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "compiler_test_support.hpp"

namespace {

namespace fs = std::filesystem;

/// squawk rule → the migc codes that count as its counterpart (any one of them); none for a rule
/// migc has no counterpart of (docs/language.md says why).
std::map<std::string, std::vector<std::string>> const counterparts = {
    {"adding-field-with-default", {"volatile-default", "generated-column"}},
    {"adding-foreign-key-constraint", {"constraint-not-valid"}},
    {"adding-not-nullable-field", {"set-not-null"}},
    {"adding-required-field", {"not-null-without-default"}},
    {"adding-serial-primary-key-field", {"unique-not-concurrent"}},
    {"ban-alter-domain-with-add-constraint", {}},
    {"ban-char-field", {"prefer-text"}},
    {"ban-concurrent-index-creation-in-transaction",
     {"needs-no-transaction", "concurrently-in-transaction"}},
    {"ban-create-domain-with-constraint", {}},
    {"ban-drop-column", {"drop-column"}},
    {"ban-duplicate-column-assignments", {}},
    {"ban-drop-database", {"needs-no-transaction"}},
    {"ban-drop-not-null", {}},
    {"ban-drop-table", {"drop-table"}},
    {"ban-truncate-cascade", {"data-deletion"}},
    {"ban-uncommitted-transaction", {"sql-transaction"}},
    {"changing-column-type", {"table-rewrite"}},
    {"constraint-missing-not-valid",
     {"constraint-not-valid", "unique-not-concurrent", "validate-in-same-transaction"}},
    {"disallowed-unique-constraint", {"unique-not-concurrent"}},
    {"identifier-too-long", {}},
    // migc's prefer-bigint reports key columns only; squawk every integer column
    // (docs/language.md).
    {"prefer-bigint-over-int", {}},
    {"prefer-bigint-over-smallint", {}},
    {"prefer-identity", {"prefer-identity"}},
    {"prefer-repack", {}},
    {"prefer-robust-stmts", {"prefer-idempotent"}},
    {"prefer-text-field", {"prefer-text"}},
    {"prefer-timestamp-tz", {"prefer-timestamptz"}},
    {"prefer-timestamptz", {"prefer-timestamptz"}},
    {"renaming-column", {"rename-column"}},
    {"renaming-table", {"rename-table"}},
    {"require-concurrent-index-creation", {"index-not-concurrent"}},
    {"require-concurrent-index-deletion", {"index-not-concurrent"}},
    {"require-concurrent-partition-detach", {}},
    {"require-concurrent-reindex", {}},
    {"require-enum-value-ordering", {}},
    {"require-table-schema", {}},
    {"require-lock-timeout", {}},
    {"require-statement-timeout", {}},
    {"require-timeout-settings", {}},
    {"syntax-error", {"sql-syntax"}},
    {"transaction-nesting", {"sql-transaction"}},
};

using migc::test::read_file;

fs::path const corpus_folder(MIGC_SQUAWK_CORPUS);

/// squawk's findings as bench/online/record-squawk recorded them.
struct recording {
  std::string version;                                    ///< the squawk that reported them
  std::map<std::string, std::set<std::string>> findings;  ///< corpus file → rules
};

/**
 * tests/online/squawk/squawk-findings.txt: `#` comments, a `squawk <version>` line, then
 * `<file> <rule>` lines (`<file> -` for a file squawk reports nothing on).
 */
recording recorded_findings() {
  recording out;
  std::istringstream in(read_file(corpus_folder / "squawk-findings.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    auto const space = line.find(' ');
    std::string const first = line.substr(0, space);
    std::string const second = space == std::string::npos ? "" : line.substr(space + 1);
    if (first == "squawk") {
      out.version = second;
    } else {
      auto& rules = out.findings[first];
      if (second != "-") rules.insert(second);
    }
  }
  return out;
}

/// The squawk executable: $SQUAWK, bench/online/node_modules/.bin/squawk, or `squawk` on PATH
/// (the order of bench/online/record-squawk).
std::optional<std::string> squawk_command() {
  if (char const* given = std::getenv("SQUAWK"); given && *given) return std::string(given);
  fs::path const local = corpus_folder / "../../../bench/online/node_modules/.bin/squawk";
  if (fs::exists(local)) return fs::canonical(local).string();
  if (std::system("command -v squawk > /dev/null 2>&1") == 0) return std::string("squawk");
  return std::nullopt;
}

/// What a command printed on stdout and stderr.
std::string output_of(std::string const& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  ::pclose(pipe);
  return out;
}

/**
 * The rules squawk reports on `file`, read from its gcc-style lines (`file:l:c: warning: rule
 * message`); --assume-in-transaction because a migc revision runs in a transaction. The same
 * reading as bench/online/record-squawk's.
 */
std::set<std::string> squawk_rules(std::string const& squawk, fs::path const& file) {
  std::string const text =
      output_of(squawk + " --reporter gcc --assume-in-transaction '" + file.string() + "'");
  std::set<std::string> rules;
  std::regex const line(R"(: (?:warning|error): ([a-z0-9-]+))");
  for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it)
    rules.insert((*it)[1].str());
  return rules;
}

/// The codes migc reports on `file` as the second revision's raw sql over schema.sql, with the
/// opt-in rules `lint` enables.
std::set<std::string> migc_codes(fs::path const& file,
                                 migc::compiler::lint_selection const& lint = {}) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_schema.mig",
               "revision 001 \"Schema\"\nupgrade {\n    sql $$\n" +
                   read_file(corpus_folder / "schema.sql") +
                   "\n    $$\n}\ndowngrade {\n    irreversible\n}\n");
  folder.write("20250102_0000-002_change.mig",
               "revision 002 revises 001 \"Change\"\nupgrade {\n    sql $$\n" + read_file(file) +
                   "\n    $$\n}\ndowngrade {\n    irreversible\n}\n");
  std::set<std::string> codes;
  std::regex const code(
      R"(^20250102_0000-002_change\.mig:.*(?:warning|error|note)\[([a-z0-9-]+)\])");
  migc::compiler::compile_options options;
  options.lint = lint;
  for (auto const& d : migc::test::compile(folder.path(), false, options).diagnostics) {
    std::smatch m;
    if (std::regex_search(d, m, code)) codes.insert(m[1].str());
  }
  return codes;
}

/// The corpus files (every .sql but schema.sql, which each case runs over), sorted.
std::vector<fs::path> corpus() {
  std::vector<fs::path> out;
  for (auto const& e : fs::directory_iterator(corpus_folder)) {
    if (e.path().extension() == ".sql" && e.path().filename() != "schema.sql")
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The recording names exactly the corpus files: a case added without recording squawk on it, or
// deleted with its findings left behind, fails here.
TEST(squawk_comparison, the_recording_covers_each_file_of_the_corpus) {
  auto const recorded = recorded_findings();
  EXPECT_FALSE(recorded.version.empty()) << "squawk-findings.txt names no squawk version";
  std::set<std::string> files;
  for (auto const& file : corpus()) files.insert(file.filename().string());
  std::set<std::string> recorded_files;
  for (auto const& [file, rules] : recorded.findings) recorded_files.insert(file);
  EXPECT_FALSE(files.empty()) << "no .sql file in " << corpus_folder;
  EXPECT_EQ(recorded_files, files) << "run bench/online/record-squawk";
}

TEST(squawk_comparison, migc_reports_the_counterpart_of_every_rule_squawk_reports) {
  int visited = 0;
  int compared = 0;
  for (auto const& [name, rules] : recorded_findings().findings) {
    fs::path const file = corpus_folder / name;
    ASSERT_TRUE(fs::exists(file)) << name << " is recorded but not in the corpus";
    ++visited;
    auto const codes = migc_codes(file, migc::compiler::parse_lint_selection("style"));
    for (auto const& rule : rules) {
      auto const it = counterparts.find(rule);
      ASSERT_NE(it, counterparts.end())
          << "squawk rule '" << rule << "' (on " << name
          << ") is new: give it a migc counterpart or a line in docs/language.md";
      if (it->second.empty()) continue;
      ++compared;
      bool const found = std::any_of(it->second.begin(), it->second.end(),
                                     [&](std::string const& code) { return codes.count(code); });
      EXPECT_TRUE(found) << name << ": squawk reports " << rule
                         << ", migc reports none of its counterparts (first: " << it->second.front()
                         << ")";
    }
  }
  std::printf("[ figures  ] %d corpus files, %d squawk findings with a migc counterpart compared\n",
              visited, compared);
  EXPECT_GT(visited, 0) << "squawk-findings.txt records no corpus file";
  EXPECT_GT(compared, 0) << "squawk-findings.txt records nothing migc has a counterpart of";
}

// The recording is what squawk reports today: runs only where squawk is installed.
TEST(squawk_comparison, the_recording_is_what_squawk_reports) {
  auto const squawk = squawk_command();
  if (!squawk) {
    GTEST_SKIP() << "squawk is not installed (bench/online/install-squawk, or set SQUAWK): the "
                    "recorded findings are not checked against it";
  }
  auto const recorded = recorded_findings();
  std::string version = output_of(*squawk + " --version");
  while (!version.empty() && std::isspace(static_cast<unsigned char>(version.back())))
    version.pop_back();
  int visited = 0;
  for (auto const& file : corpus()) {
    ++visited;
    auto const it = recorded.findings.find(file.filename().string());
    std::set<std::string> const none;
    EXPECT_EQ(squawk_rules(*squawk, file), it == recorded.findings.end() ? none : it->second)
        << file.filename() << ": " << version << " reports other rules than squawk "
        << recorded.version << " recorded: run bench/online/record-squawk";
  }
  EXPECT_GT(visited, 0) << "no .sql file in " << corpus_folder;
}

// Each unsafe case of the corpus gets its migc code, safe_forms.sql and style.sql (whose rules are
// opt-in) none; every case listed here is visited.
TEST(squawk_comparison, migc_reports_each_unsafe_case_of_the_corpus) {
  std::map<std::string, std::string> const expected = {
      {"add_check.sql", "constraint-not-valid"},
      {"add_foreign_key.sql", "constraint-not-valid"},
      {"add_required_column.sql", "not-null-without-default"},
      {"add_unique.sql", "unique-not-concurrent"},
      {"change_type.sql", "table-rewrite"},
      {"create_index.sql", "index-not-concurrent"},
      {"drop_column.sql", "drop-column"},
      {"drop_index.sql", "index-not-concurrent"},
      {"drop_table.sql", "drop-table"},
      {"generated_column.sql", "generated-column"},
      {"rename_column.sql", "rename-column"},
      {"rename_table.sql", "rename-table"},
      {"set_not_null.sql", "set-not-null"},
      {"validate_same_transaction.sql", "validate-in-same-transaction"},
      {"volatile_default.sql", "volatile-default"},
  };
  std::size_t visited = 0;
  for (auto const& file : corpus()) {
    ++visited;
    auto const codes = migc_codes(file);
    auto const it = expected.find(file.filename().string());
    if (it == expected.end()) {
      EXPECT_THAT(codes, ::testing::IsEmpty()) << file.filename();
    } else {
      EXPECT_TRUE(codes.count(it->second)) << file.filename() << " lacks " << it->second;
    }
  }
  EXPECT_EQ(visited, expected.size() + 2) << "a case of the list above is missing from the corpus";
}

// The opt-in style rules: none without --lint (style.sql is no unsafe case above), each with it.
TEST(squawk_comparison, style_rules_report_only_when_opted_in) {
  fs::path const file = corpus_folder / "style.sql";
  EXPECT_THAT(migc_codes(file), ::testing::IsEmpty());
  auto const codes = migc_codes(file, migc::compiler::parse_lint_selection("style"));
  for (auto const* expected : {"prefer-text", "prefer-timestamptz", "prefer-bigint",
                               "prefer-identity", "prefer-idempotent"})
    EXPECT_TRUE(codes.count(expected)) << "style.sql lacks " << expected;
}

// Every counterpart named above is a code of the diagnostics registry
// (dsl/src/diagnostic_codes.cpp).
TEST(squawk_comparison, every_counterpart_is_a_registered_code) {
  std::set<std::string> registered;
  for (auto const& c : migc::dsl::diagnostic_codes()) registered.emplace(c.code);
  for (auto const& [rule, codes] : counterparts) {
    for (auto const& code : codes)
      EXPECT_TRUE(registered.count(code)) << rule << ": '" << code << "' is not a registered code";
  }
}

// docs/language.md names every squawk rule above and every counterpart.
TEST(squawk_comparison, the_language_docs_name_every_rule_and_counterpart) {
  std::string const docs = read_file(corpus_folder / "../../../docs/language.md");
  std::set<std::string> known;
  for (auto const& [rule, codes] : counterparts) {
    known.insert(codes.begin(), codes.end());
    EXPECT_THAT(docs, ::testing::HasSubstr("`" + rule + "`")) << "docs/language.md lacks " << rule;
  }
  for (auto const& code : known)
    EXPECT_THAT(docs, ::testing::HasSubstr("`" + code + "`")) << "docs/language.md lacks " << code;
}

}  // namespace
