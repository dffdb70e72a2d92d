// The language corpus (tests/language): every bad case with its exact diagnostics, every good case
// clean.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "compiler_test_support.hpp"

namespace {

namespace fs = std::filesystem;

/// Case folders of one half of the corpus, sorted.
std::vector<fs::path> cases(std::string const& half) {
  std::vector<fs::path> out;
  for (auto const& entry : fs::directory_iterator(fs::path(MIGC_LANGUAGE_CORPUS) / half)) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

using migc::test::read_file;

std::string joined(std::vector<std::string> const& lines) {
  std::string out;
  for (auto const& line : lines) out += line + "\n";
  return out;
}

/// MIGC_UPDATE_CORPUS=1 rewrites the `.expected` files (review the diff before committing).
bool updating() {
  return std::getenv("MIGC_UPDATE_CORPUS") != nullptr;
}

}  // namespace

// Each bad case is a folder of revisions plus `.expected` (hidden, so the folder scan ignores it):
// the diagnostics, one per line, as migc::test::summarize prints them. A case may hold `.lint`, the
// value of `migc --lint` its build uses (opt-in rules: bad/style_rules_*); none by default.
TEST(language_corpus, bad_cases_report_exactly_their_expected_diagnostics) {
  auto const all = cases("bad");
  EXPECT_GE(all.size(), 60u);
  for (auto const& dir : all) {
    auto const outcome = migc::test::compile_case(dir, true);
    std::string const actual = joined(outcome.diagnostics);
    if (updating()) migc::test::write_file(dir / ".expected", actual);
    EXPECT_FALSE(outcome.chain) << dir.filename();
    EXPECT_EQ(actual, read_file(dir / ".expected")) << dir.filename();
  }
}

TEST(language_corpus, good_cases_compile_without_diagnostics) {
  auto const all = cases("good");
  EXPECT_FALSE(all.empty());
  for (auto const& dir : all) {
    auto const outcome = migc::test::compile_case(dir, true);
    EXPECT_TRUE(outcome.chain) << dir.filename();
    EXPECT_THAT(outcome.diagnostics, ::testing::IsEmpty()) << dir.filename();
  }
}
