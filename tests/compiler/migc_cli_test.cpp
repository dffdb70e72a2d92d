// The migc command line as a user runs it: the real binary, in a folder of the test's own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "process.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

migc::test::process_result migc_in(fs::path const& folder, std::vector<std::string> args) {
  args.insert(args.begin(), MIGC_BINARY);
  return migc::test::run_process(args, {{"NO_COLOR", "1"}}, folder);
}

}  // namespace

TEST(migc_cli, new_starts_a_chain_in_migrations_without_a_warning) {
  migc::test::temp_folder project;
  auto const first = migc_in(project.path(), {"new", "Initial schema"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.err, "");
  EXPECT_THAT(first.out, MatchesRegex("migrations/[0-9]{8}_[0-9]{4}-001_initial_schema\\.mig\n"));
  std::string const file = first.out.substr(0, first.out.size() - 1);
  EXPECT_THAT(project.read(file), HasSubstr("revision 001 \"Initial schema\"\n"));

  project.write(file,
                "revision 001 \"Initial schema\"\nupgrade {\n    create table t (id int)\n}\n");
  auto const second = migc_in(project.path(), {"new", "Add a column"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err, "");
  EXPECT_THAT(project.read(second.out.substr(0, second.out.size() - 1)),
              HasSubstr("revision 002 revises 001 \"Add a column\"\n"));
}

TEST(migc_cli, new_writes_a_description_with_line_breaks_and_quotes_as_one_string) {
  migc::test::temp_folder project;
  auto const made = migc_in(project.path(), {"new", "Split \"users\"\nby region\r\nand a \\"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string const file = made.out.substr(0, made.out.size() - 1);
  EXPECT_THAT(project.read(file),
              HasSubstr("revision 001 \"Split \\\"users\\\" by region  and a \\\\\"\n"));
  // The file it wrote is a revision the compiler reads.
  auto const check = migc_in(project.path(), {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.err << project.read(file);
  EXPECT_EQ(check.out, "migrations: 1 revisions, head 001\n");
}

TEST(migc_cli, every_command_reads_migrations_by_default) {
  migc::test::temp_folder project;
  fs::create_directories(project.path() / "migrations");
  project.write("migrations/20250101_0000-001_a.mig",
                "revision 001 \"a\"\nupgrade {\n    create table t (id int)\n}\n");
  auto const check = migc_in(project.path(), {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "migrations: 1 revisions, head 001\n");
  auto const schema = migc_in(project.path(), {"schema"});
  EXPECT_EQ(schema.exit_code, 0) << schema.err;
  EXPECT_THAT(schema.out, HasSubstr("CREATE TABLE t"));
}

TEST(migc_cli, json_diagnostics_stay_valid_json_whatever_the_bytes) {
  migc::test::temp_folder project;
  fs::create_directories(project.path() / "migrations");
  project.write("migrations/20250101_0000-001_a.mig", "revision 001 \"caf\xe9\" \xff\n");
  auto const check = migc_in(project.path(), {"check", "--format", "json"});
  EXPECT_EQ(check.exit_code, 1);
  auto const document = nlohmann::json::parse(check.out);  // throws on invalid UTF-8
  EXPECT_EQ(document["format_version"], 1);
  EXPECT_EQ(document["diagnostics"][0]["severity"], "error");
}
