// Unit tests of the migrate front end's offline commands and usage errors (no database).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <utility>
#include <vector>

#include "cli_io.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

namespace detail = migc::runtime::detail;
using migc::test::mixed;
using migc::test::run_cli;

TEST(cli_offline, help_exits_zero) {
  auto const r = run_cli({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("downgrade"));
}

TEST(cli_offline, unknown_command_is_usage_error) {
  auto const r = run_cli({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("migrate: error: "));
}

TEST(cli_offline, a_near_miss_or_another_tools_word_gets_a_suggestion) {
  for (auto const& [typed, meant] : std::vector<std::pair<std::string, std::string>>{
           {"info", "status"}, {"up", "upgrade"}, {"down", "downgrade"}, {"stauts", "status"}}) {
    auto const r = run_cli({"--lock-timeout", "5s", typed, "--format", "json"});
    EXPECT_EQ(r.code, 2) << typed;
    EXPECT_EQ(r.err,
              "migrate: error: unknown command '" + typed + "'; did you mean '" + meant + "'?\n");
  }
  EXPECT_EQ(
      run_cli({"frobnicate"}).err,
      "migrate: error: unknown command 'frobnicate'; run 'migrate --help' for the commands\n");
}

TEST(cli_offline, alembic_heads_lists_the_revisions) {
  auto const r = run_cli({"heads"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ContainsRegex("\n003 [^\n]* head\n"));
}

TEST(cli_offline, version_names_the_binary_the_chain_and_libpq) {
  auto const text = run_cli({"--version"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, ContainsRegex("^migrate \\(migc [0-9]+\\.[0-9]+\\.[0-9]+\\)\n"));
  EXPECT_THAT(text.out, HasSubstr("head:       003 (3 revisions)\n"));
  EXPECT_THAT(text.out, HasSubstr("chain hash: sha256:chain-app\n"));
  EXPECT_THAT(text.out, ContainsRegex(R"(libpq:      [0-9]+\.[0-9]+)"));
  auto const json = run_cli({"--version", "--format", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, MatchesRegex(R"(\{"format_version":1,"version":"[0-9]+\.[0-9]+\.[0-9]+",)"
                                     R"("head":"003","revisions":3,"chain_hash":)"
                                     R"("sha256:chain-app","libpq":"[0-9]+\.[0-9]+(\.[0-9]+)?"\})"
                                     "\n"));
}

TEST(cli_offline, json_output_stays_valid_json_whatever_the_bytes) {
  using namespace migc::runtime::literals;
  static constexpr migc::runtime::revision revs[] = {
      migc::test::app_revisions[0], migc::test::on_top_of_001("caf\xe9 \xff\"quoted\"\n"_text)};
  static constexpr auto cat = migc::test::catalog_of(revs);
  auto const r = run_cli({"list", "--format", "json"}, cat);
  EXPECT_EQ(r.code, 0) << r.err;
  auto const document = nlohmann::json::parse(r.out);  // throws on invalid UTF-8
  EXPECT_EQ(document["revisions"][1]["description"],
            "caf\xef\xbf\xbd \xef\xbf\xbd\"quoted\"\n");  // U+FFFD for each bad byte
}

TEST(cli_offline, a_json_run_reports_its_failure_as_json_too) {
  auto const r = run_cli({"--format", "json", "show", "9"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out,
            "{\"format_version\":1,\"error\":{\"kind\":\"usage\",\"reason\":null,\"message\":"
            "\"unknown revision '9'\",\"revision\":null,\"location\":null,\"sqlstate\":null,"
            "\"applied\":[]}}\n");
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
  EXPECT_THAT(r.err, HasSubstr("--lock-timeout"));
}

TEST(cli_offline, bad_upgrade_target_is_usage_error_before_connecting) {
  auto const r = run_cli({"--database-url", "host=/nonexistent", "upgrade", "sideways"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("invalid upgrade target 'sideways'"));
}

TEST(cli_offline, list_shows_every_revision) {
  auto const r = run_cli({"list"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, ContainsRegex("\n002 +Add new_field to memories +migrations/"
                                   "20250101_1200-002_add_new_field.mig:2\n"));
  EXPECT_THAT(r.out, HasSubstr("migrations/20250102_0800-003_backfill_full_name.mig:2"));
}

TEST(cli_offline, list_json_has_format_version) {
  auto const r = run_cli({"list", "--format", "json"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("{\"format_version\":1,"));
  EXPECT_THAT(r.out, HasSubstr("\"id\":\"003\",\"parent\":\"002\""));
}

TEST(cli_offline, show_prints_both_directions) {
  auto const r = run_cli({"show", "3"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("-- upgrade\n-- line 5, lock: ACCESS EXCLUSIVE\n"
                               "ALTER TABLE users ADD COLUMN full_name text;"));
  EXPECT_THAT(r.out, HasSubstr("-- line 6, lock: unknown (raw SQL)\nUPDATE users"));
  EXPECT_THAT(r.out, HasSubstr("-- downgrade\n-- line 11, lock: ACCESS EXCLUSIVE\n"
                               "ALTER TABLE users DROP COLUMN"));
}

TEST(cli_offline, show_prints_the_reason_of_an_irreversible_downgrade) {
  using namespace migc::runtime::literals;
  static constexpr migc::runtime::revision revs[] = {
      migc::test::app_revisions[0], migc::test::on_top_of_001("Drop the audit log"_text, {}, false,
                                                              "the rows it deletes are gone"_text)};
  static constexpr auto cat = migc::test::catalog_of(revs);
  auto const r = run_cli({"show", "2"}, cat);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("-- downgrade\n-- irreversible: the rows it deletes are gone\n"));
}

TEST(cli_offline, show_prints_each_steps_line_and_lock) {
  auto const r = run_cli({"show", "2"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(
      r.out,
      HasSubstr("-- upgrade\n-- line 5, lock: ACCESS EXCLUSIVE\nALTER TABLE memories ADD COLUMN"));
}

TEST(cli_offline, sql_annotates_each_statement_with_its_lock) {
  auto const r = run_cli({"sql", "002:003"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("SET LOCAL lock_timeout = '10000ms';\n-- lock: ACCESS EXCLUSIVE\n"
                               "ALTER TABLE users ADD COLUMN full_name text;\n"
                               "-- lock: unknown (raw SQL)\nUPDATE users"));
}

TEST(cli_offline, sql_marks_table_rewrites) {
  using namespace migc::runtime::literals;
  static constexpr migc::runtime::step up[] = {
      {"ALTER TABLE users ALTER COLUMN age TYPE bigint"_text, 4,
       migc::runtime::lock_level::access_exclusive, true}};
  static constexpr migc::runtime::revision revs[] = {
      migc::test::app_revisions[0], migc::test::on_top_of_001("Widen"_text, migc::test::view(up))};
  static constexpr auto cat = migc::test::catalog_of(revs);
  auto const r = run_cli({"sql", "head"}, cat);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("-- lock: ACCESS EXCLUSIVE, rewrites the table\n"
                               "ALTER TABLE users ALTER COLUMN age TYPE bigint;"));
}

TEST(cli_offline, show_unknown_revision_is_usage_error) {
  EXPECT_EQ(run_cli({"show", "9"}).code, 2);
}

TEST(cli_offline, sql_upgrade_script_matches_what_upgrade_sends) {
  auto const r = run_cli({"sql", "001:003"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nSELECT pg_advisory_lock(-412713010304235490);  -- the "
                               "migration lock, as a run holds it (until the session ends)\n"));
  EXPECT_THAT(r.out, HasSubstr("END$migc$;\nSET LOCAL lock_timeout = '10000ms';\n-- lock: ACCESS "
                               "EXCLUSIVE\nALTER TABLE memories"));
  EXPECT_THAT(r.out, HasSubstr("UPDATE \"alembic_version\" SET version_num = '003' WHERE "
                               "version_num = '002';"));
  EXPECT_THAT(r.out, Not(HasSubstr("CREATE TABLE \"alembic_version\"")));
}

TEST(cli_offline, sql_from_base_creates_tables_first) {
  auto const r = run_cli({"sql", "head", "--version-table", "app.schema_version"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CREATE TABLE IF NOT EXISTS \"app\".\"schema_version\" (version_num "
                               "VARCHAR(32) NOT NULL, CONSTRAINT \"schema_version_pkc\""));
  EXPECT_THAT(r.out, HasSubstr("IF EXISTS(SELECT FROM \"app\".\"schema_version\")THEN"));
}

TEST(cli_offline, sql_downgrade_script) {
  auto const r = run_cli({"sql", "003:001"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("-- downgrade 003"));
  EXPECT_THAT(r.out, HasSubstr("'downgrade'"));
  EXPECT_THAT(r.out, Not(HasSubstr("-- downgrade 001")));
}

TEST(cli_offline, sql_refuses_irreversible_range) {
  auto const r = run_cli({"sql", "head:base"}, mixed);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("irreversible"));
}

TEST(cli_offline, graph_is_dot) {
  auto const r = run_cli({"graph"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("digraph migrations {"));
  EXPECT_THAT(r.out, HasSubstr("\"001\" -> \"002\";"));
}
