// Unit tests of the migrate front end's offline commands and usage errors (no database).
#include <gtest/gtest.h>

#include <regex>

#include "cli_io.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"

namespace detail = migc::runtime::detail;
using migc::test::contains;
using migc::test::mixed;
using migc::test::run_cli;

TEST(cli_offline, help_exits_zero) {
  auto const r = run_cli({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "downgrade")) << r.out;
}

TEST(cli_offline, unknown_command_is_usage_error) {
  auto const r = run_cli({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("migrate: error: ", 0), 0u) << r.err;
}

TEST(cli_offline, missing_command_is_usage_error) {
  EXPECT_EQ(run_cli({}).code, 2);
}

TEST(cli_offline, bad_format_is_usage_error) {
  EXPECT_EQ(run_cli({"--format", "yaml", "list"}).code, 2);
}

TEST(cli_offline, bad_lock_timeout_is_usage_error) {
  auto const r = run_cli({"list", "--lock-timeout", "10 parsecs"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--lock-timeout")) << r.err;
}

TEST(cli_offline, bad_upgrade_target_is_usage_error_before_connecting) {
  auto const r = run_cli({"--database-url", "host=/nonexistent", "upgrade", "sideways"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "invalid upgrade target 'sideways'")) << r.err;
}

TEST(cli_offline, list_shows_every_revision) {
  auto const r = run_cli({"list"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\n002 +Add new_field to memories +migrations/"
                                                  "20250101_1200-002_add_new_field.mig:2\n")))
      << r.out;
  EXPECT_TRUE(contains(r.out, "migrations/20250102_0800-003_backfill_full_name.mig:2")) << r.out;
}

TEST(cli_offline, list_json_has_format_version) {
  auto const r = run_cli({"list", "--format", "json"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("{\"format_version\":1,", 0), 0u) << r.out;
  EXPECT_TRUE(contains(r.out, "\"id\":\"003\",\"parent\":\"002\"")) << r.out;
}

TEST(cli_offline, show_prints_both_directions) {
  auto const r = run_cli({"show", "3"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out,
                       "-- upgrade\n-- line 5, lock: ACCESS EXCLUSIVE\n"
                       "ALTER TABLE users ADD COLUMN full_name text;"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "-- line 6, lock: unknown (raw SQL)\nUPDATE users")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "-- downgrade\n-- line 11, lock: ACCESS EXCLUSIVE\n"
                       "ALTER TABLE users DROP COLUMN"))
      << r.out;
}

TEST(cli_offline, show_prints_each_steps_line_and_lock) {
  auto const r = run_cli({"show", "2"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(
      r.out, "-- upgrade\n-- line 5, lock: ACCESS EXCLUSIVE\nALTER TABLE memories ADD COLUMN"))
      << r.out;
}

TEST(cli_offline, sql_annotates_each_statement_with_its_lock) {
  auto const r = run_cli({"sql", "002:003"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out,
                       "SET LOCAL lock_timeout = '10000ms';\n-- lock: ACCESS EXCLUSIVE\n"
                       "ALTER TABLE users ADD COLUMN full_name text;\n"
                       "-- lock: unknown (raw SQL)\nUPDATE users"))
      << r.out;
}

TEST(cli_offline, sql_marks_table_rewrites) {
  using namespace migc::runtime::literals;
  static constexpr migc::runtime::step up[] = {
      {"ALTER TABLE users ALTER COLUMN age TYPE bigint"_text, 4,
       migc::runtime::lock_level::access_exclusive, true}};
  static constexpr migc::runtime::revision revs[] = {{"001"_text,
                                                      1,
                                                      ""_text,
                                                      "Widen"_text,
                                                      "20250101_0000-001_widen.mig"_text,
                                                      1,
                                                      "sha256:00"_text,
                                                      true,
                                                      false,
                                                      migc::test::view(up),
                                                      {}}};
  static constexpr migc::runtime::catalog cat{migc::test::view(revs), "sha256:c"_text,
                                              "alembic_version"_text, "migrations"_text};
  auto const r = run_cli({"sql", "head"}, cat);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out,
                       "-- lock: ACCESS EXCLUSIVE, rewrites the table\n"
                       "ALTER TABLE users ALTER COLUMN age TYPE bigint;"))
      << r.out;
}

TEST(cli_offline, show_unknown_revision_is_usage_error) {
  EXPECT_EQ(run_cli({"show", "9"}).code, 2);
}

TEST(cli_offline, sql_upgrade_script_matches_what_upgrade_sends) {
  auto const r = run_cli({"sql", "001:003"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out,
                       "BEGIN;\nSET LOCAL lock_timeout = '10000ms';\n-- lock: ACCESS EXCLUSIVE\n"
                       "ALTER TABLE memories"))
      << r.out;
  EXPECT_TRUE(contains(r.out,
                       "SELECT pg_temp.migc_record_fa45bfb42aa2481e('002'::text, "
                       "'003'::text, "))
      << r.out;
  EXPECT_FALSE(contains(r.out, "CREATE TABLE \"alembic_version\"")) << r.out;
}

TEST(cli_offline, sql_from_base_creates_tables_first) {
  auto const r = run_cli({"sql", "head", "--version-table", "app.schema_version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out,
                       "CREATE TABLE IF NOT EXISTS \"app\".\"schema_version\" (version_num "
                       "VARCHAR(32) NOT NULL, CONSTRAINT \"schema_version_pkc\""))
      << r.out;
  EXPECT_TRUE(contains(r.out, "(NULL::text, '001'::text, ")) << r.out;
}

TEST(cli_offline, sql_downgrade_script) {
  auto const r = run_cli({"sql", "003:001"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "-- downgrade 003")) << r.out;
  EXPECT_TRUE(contains(r.out, "'downgrade'")) << r.out;
  EXPECT_FALSE(contains(r.out, "-- downgrade 001")) << r.out;
}

TEST(cli_offline, sql_refuses_irreversible_range) {
  auto const r = run_cli({"sql", "head:base"}, mixed);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "irreversible")) << r.err;
}

TEST(cli_offline, graph_is_dot) {
  auto const r = run_cli({"graph"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("digraph migrations {", 0), 0u) << r.out;
  EXPECT_TRUE(contains(r.out, "\"001\" -> \"002\";")) << r.out;
}
