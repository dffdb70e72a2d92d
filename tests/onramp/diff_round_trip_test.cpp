// `migc diff` round trip (label unit, no database): for every good corpus chain, the schema at head
// (`migc schema`) is written as DDL, the chain is cut back to revision j (each j < head), and
// `migc diff --to` that DDL must write a revision after which `migc schema` prints the same DDL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "process.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;

using migc::test::read_file;
using migc::test::write_file;
constexpr auto revisions_of = &migc::test::revision_files;
/// `migc <args>`, the real executable (process.hpp).
constexpr auto migc = &migc::test::run_migc;

/// `migc schema` of a folder (stdout), failing the test when the chain does not build.
std::string schema_of(fs::path const& folder) {
  auto const run = migc({"schema", "--dir", folder.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return run.out;
}

TEST(diff_round_trip, every_good_chain_cut_back_is_diffed_to_its_head_schema) {
  int checked = 0;
  for (auto const& entry : fs::directory_iterator(fs::path(MIGC_LANGUAGE_CORPUS) / "good")) {
    if (!entry.is_directory()) continue;
    auto const chain = revisions_of(entry.path());
    std::string const head = schema_of(entry.path());
    for (std::size_t keep = 1; keep < chain.size(); ++keep) {
      SCOPED_TRACE(entry.path().filename().string() + " cut back to " +
                   chain[keep - 1].filename().string());
      migc::test::temp_folder scratch;
      fs::path const folder = scratch.path() / "migrations";
      fs::create_directories(folder);
      for (std::size_t i = 0; i < keep; ++i) fs::copy(chain[i], folder / chain[i].filename());
      fs::path const desired = scratch.path() / "head.sql";
      write_file(desired, head);
      auto const diff = migc({"diff", "--dir", folder.string(), "--to", desired.string()});
      ASSERT_EQ(diff.exit_code, 0) << diff.out << diff.err;
      EXPECT_EQ(schema_of(folder), head) << diff.out << diff.err;
      ++checked;
    }
  }
  std::cout << checked << " cut-back chains diffed to their head schema\n";
  EXPECT_GT(checked, 0);
}

// A type change PostgreSQL cannot make by assignment cast (text to integer), under a default it
// cannot cast either: the diff writes the cast as `using`, drops the default before the change
// and sets the new one after, so the revision builds (and PostgreSQL accepts it: the compiler's
// using-required and default-cast rules). Its downgrade is written too (no inverse is derived
// for a `using`).
TEST(diff_check, a_type_change_without_an_assignment_cast_is_written_with_using) {
  migc::test::temp_folder scratch;
  fs::path const folder = scratch.path() / "migrations";
  fs::create_directories(folder);
  write_file(folder / "20250101_0000-001_base.mig",
             "revision 001 \"Base\"\nupgrade {\n    create table t (id bigint primary key, "
             "code text default 'x', flag boolean)\n}\n");
  fs::path const desired = scratch.path() / "desired.sql";
  write_file(desired,
             "CREATE TABLE t (id bigint PRIMARY KEY, code integer DEFAULT 0, flag integer);\n");
  auto const diff = migc({"diff", "--dir", folder.string(), "--to", desired.string()});
  ASSERT_EQ(diff.exit_code, 0) << diff.out << diff.err;
  auto const written = revisions_of(folder);
  ASSERT_EQ(written.size(), 2u);
  std::string const text = read_file(written.back());
  EXPECT_THAT(text,
              ::testing::HasSubstr("alter column t.code drop default\n"
                                   "    alter column t.code type integer using (code::integer)\n"
                                   "    alter column t.code set default 0"));
  EXPECT_THAT(text, ::testing::HasSubstr("alter column t.flag type integer using (flag::integer)"));
  EXPECT_THAT(text, ::testing::HasSubstr("downgrade {"));
  EXPECT_EQ(migc({"check", "--dir", folder.string()}).exit_code, 0);
}

}  // namespace
