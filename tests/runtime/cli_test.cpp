// End-to-end tests of the migrate front end (run_cli) against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/cli.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli_io.hpp"
#include "pg_test.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using migc::test::cli_result;
using migc::test::run_cli;

namespace {

class cli_test : public migc::test::pg_test {
 protected:
  /// run_cli on the test's database.
  cli_result run(std::vector<std::string> args,
                 migc::runtime::catalog const& cat = migc::test::app) {
    args.insert(args.begin(), {"--database-url", conninfo()});
    return run_cli(args, cat);
  }

  std::string version() {
    std::string const v = scalar("SELECT version_num FROM alembic_version");
    return v.empty() ? "base" : v;
  }
};

}  // namespace

TEST_F(cli_test, upgrade_prints_one_line_per_revision) {
  auto const r = run({"upgrade"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Current database version: base\nLatest migration version: 003\n"));
  EXPECT_THAT(r.out, HasSubstr("Applied 002 \"Add new_field to memories\" in "));
  EXPECT_EQ(version(), "003");
}

TEST_F(cli_test, status_check_exits_3_when_pending) {
  EXPECT_EQ(run({"status", "--check"}).code, 3);
  EXPECT_EQ(run({"upgrade"}).code, 0);
  auto const r = run({"status", "--check"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, HasSubstr("Current revision: 003 \"Backfill users.full_name\""));
  EXPECT_THAT(r.out, HasSubstr("Database is up to date."));
}

TEST_F(cli_test, status_json_has_format_version) {
  EXPECT_EQ(run({"upgrade", "+1"}).code, 0);
  auto const r = run({"status", "--format", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"format_version\":1,\"version_table\":\"alembic_version\",\"current\":\"001\","
            "\"adopted_by\":null,\"head\":\"003\",\"up_to_date\":false,\"pending\":[{\"id\":"
            "\"002\",\"description\":"
            "\"Add new_field to memories\"},{\"id\":\"003\",\"description\":"
            "\"Backfill users.full_name\"}],\"dirty\":null,\"problems\":[],\"running\":null}\n");
}

TEST_F(cli_test, global_options_work_after_the_command) {
  auto const r =
      run_cli({"upgrade", "002", "--lock-timeout", "500ms", "--database-url", conninfo()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(version(), "002");
}

TEST_F(cli_test, downgrade_relative_and_history) {
  EXPECT_EQ(run({"upgrade"}).code, 0);
  auto const down = run({"downgrade", "-1"});
  EXPECT_EQ(down.code, 0) << down.err;
  EXPECT_THAT(down.out, HasSubstr("Reverted 003 \"Backfill users.full_name\" in "));
  EXPECT_EQ(version(), "002");
  auto const history = run({"history"});
  EXPECT_EQ(history.code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("APPLIED AT"));
  EXPECT_THAT(history.out, HasSubstr("downgrade"));
  auto const json = run({"history", "--format", "json"});
  EXPECT_THAT(json.out, StartsWith("{\"format_version\":1,\"history\":[{\"id\":1,"));
}

TEST_F(cli_test, failing_revision_exits_1_with_location) {
  auto const r = run({"upgrade"}, migc::test::failing);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("migrate: error: upgrade of revision 003"));
  EXPECT_THAT(r.err, HasSubstr("migrations/20250102_0800-003_backfill_full_name.mig:7"));
  EXPECT_THAT(r.err, HasSubstr("migrate: note: completed before the failure: 001, 002"));
  EXPECT_EQ(version(), "002");
}

TEST_F(cli_test, unknown_revision_refusal_exits_1) {
  EXPECT_EQ(run({"stamp", "003"}).code, 0);
  auto const r = run({"upgrade"}, migc::test::baseline);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err,
              StartsWith("migrate: error: database is at 003, this binary knows up to 051: 003 is "
                         "below this binary's first revision 050"));
}

TEST_F(cli_test, unreachable_target_exits_1) {
  auto const r = run({"downgrade", "-1"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("only 0 applied"));
}

TEST_F(cli_test, connection_failure_never_prints_the_password) {
  auto const r = run_cli(
      {"--database-url", "postgresql://alice:s3cret@/nodb?host=/nonexistent-migc", "status"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("migrate: error: cannot connect"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("s3cret"))) << r.err;
}

TEST_F(cli_test, run_cli_with_argv) {
  std::string url = conninfo();
  std::vector<std::string> storage{"migrate", "--database-url", url, "upgrade", "+1"};
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  testing::internal::CaptureStdout();
  int const code =
      migc::runtime::run_cli(static_cast<int>(argv.size()), argv.data(), migc::test::app);
  std::string const out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("Applied 001 \"Initial schema\""));
  EXPECT_EQ(version(), "001");
}

TEST_F(cli_test, verify_reports_matches_and_mismatches) {
  EXPECT_EQ(run({"upgrade", "002"}).code, 0);
  auto const ok = run({"verify"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("2 applied revisions checked, 0 mismatches."));
  EXPECT_THAT(ok.out,
              HasSubstr("Schema drift: none (the live schema matches the model at revision 002"));
  auto const bad = run({"verify"}, migc::test::edited);
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.out, HasSubstr("002       MISMATCH  sha256:" + std::string(61, '2') +
                                 "...  sha256:" + std::string(60, '2') + "0...  "));
  EXPECT_THAT(bad.out,
              ContainsRegex(R"(001 +ok +sha256:1{12}\.\.\. +sha256:1{12}\.\.\. +migrations/)"));
  EXPECT_THAT(bad.out, HasSubstr("2 applied revisions checked, 1 mismatch."));
  auto const json = run({"verify", "--format", "json"}, migc::test::edited);
  EXPECT_EQ(json.code, 1);
  EXPECT_THAT(json.out,
              StartsWith("{\"format_version\":1,\"ok\":false,\"current\":\"002\",\"unknown\":null,"
                         "\"unknown_reason\":null,\"dirty\":null,\"revisions\":[{\"id\":\"001\","
                         "\"status\":\"ok\","));
  EXPECT_THAT(json.out, HasSubstr("{\"id\":\"002\",\"status\":\"mismatch\""));
}

TEST_F(cli_test, allow_checksum_mismatch_flag_lets_the_run_through) {
  EXPECT_EQ(run({"upgrade", "002"}).code, 0);
  auto const refused = run({"upgrade"}, migc::test::edited);
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, HasSubstr("a published revision was edited"));
  auto const allowed = run({"upgrade", "--allow-checksum-mismatch"}, migc::test::edited);
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_EQ(version(), "003");
}

TEST_F(cli_test, dirty_database_is_resolved_from_the_command_line) {
  auto const failed = run({"upgrade"}, migc::test::dirty);
  EXPECT_EQ(failed.code, 1);
  EXPECT_THAT(failed.err, HasSubstr("marked dirty at 003"));
  auto const refused = run({"upgrade"}, migc::test::dirty);
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, StartsWith("migrate: error: database is dirty: "));
  EXPECT_EQ(run({"resolve", "003"}, migc::test::dirty).code, 2);  // --applied or --rolled-back
  EXPECT_EQ(run({"resolve", "003", "--applied", "--rolled-back"}, migc::test::dirty).code, 2);
  auto const resolved = run({"resolve", "003", "--rolled-back"}, migc::test::dirty);
  EXPECT_EQ(resolved.code, 0) << resolved.err;
  EXPECT_THAT(resolved.out, HasSubstr("Resolved the upgrade of 003 as rolled back: the database is "
                                      "at 002"));
  EXPECT_THAT(resolved.out, HasSubstr("Warning: invalid indexes remain (pg_index.indisvalid = "
                                      "false): public.users_last_unique"));
}

TEST_F(cli_test, lock_options_are_validated) {
  EXPECT_EQ(run({"upgrade", "--lock-wait", "soon"}).code, 2);
  EXPECT_EQ(run({"upgrade", "--lock-retries", "-1"}).code, 2);
  auto const r = run({"upgrade", "--lock-wait", "5s", "--lock-retries", "2"});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(cli_test, list_and_graph_mark_applied_revisions_when_online) {
  EXPECT_EQ(run({"upgrade", "002"}).code, 0);
  auto const list = run({"list"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, ContainsRegex("\n001 [^\n]* applied\n"));
  EXPECT_THAT(list.out, ContainsRegex("\n002 [^\n]* current\n"));
  EXPECT_THAT(list.out, ContainsRegex("\n003 [^\n]* head\n"));
  auto const json = run({"list", "--format", "json"});
  EXPECT_THAT(json.out, HasSubstr("\"chain_hash\":\"sha256:chain-app\",\"current\":\"002\","));
  EXPECT_THAT(json.out, HasSubstr("\"reversible\":true,\"irreversible_reason\":null,"
                                  "\"applied\":false}]}"));
  auto const graph = run({"graph"});
  EXPECT_THAT(graph.out, HasSubstr("\"002\" [label=\"002\\nAdd new_field to memories\", "
                                   "style=\"filled\", fillcolor=lightgrey, penwidth=3];"));
  EXPECT_THAT(graph.out, HasSubstr("\"003\" [label=\"003\\nBackfill users.full_name\"];"));
}

TEST_F(cli_test, list_and_graph_say_when_the_given_database_is_unreachable) {
  for (std::string command : {"list", "graph"}) {
    auto const r =
        run_cli({"--database-url", "postgresql:///nodb?host=/nonexistent-migc", command});
    EXPECT_EQ(r.code, 1) << command;
    EXPECT_THAT(r.out, Not(HasSubstr("applied")));
    EXPECT_THAT(r.out, HasSubstr("003"));  // the embedded chain all the same
    EXPECT_THAT(r.err, HasSubstr("migrate: error: cannot connect to the database: "));
    EXPECT_THAT(r.err, HasSubstr("(showing the embedded revisions only)\n"));
  }
}

TEST_F(cli_test, list_and_graph_report_a_checksum_mismatch) {
  EXPECT_EQ(run({"upgrade", "002"}).code, 0);
  for (std::string command : {"list", "graph"}) {
    auto const r = run({command}, migc::test::edited);
    EXPECT_EQ(r.code, 1) << command;
    EXPECT_THAT(r.err, HasSubstr("migrate: error: revision 002 \"Add new_field to memories\" was "
                                 "applied with checksum"));
  }
}

TEST_F(cli_test, colours_only_when_asked) {
  auto const upgraded =
      run_cli({"--database-url", conninfo(), "upgrade", "+1"}, migc::test::app, true);
  EXPECT_EQ(upgraded.code, 0) << upgraded.err;
  EXPECT_THAT(upgraded.out, HasSubstr("\x1b[32mApplied 001 \"Initial schema\" in "));
  auto const status = run_cli({"--database-url", conninfo(), "status"}, migc::test::app, true);
  EXPECT_EQ(status.code, 0);
  EXPECT_THAT(status.out, HasSubstr("\x1b[33m2 pending revisions:\x1b[0m"));
  auto const plain = run({"status"});
  EXPECT_THAT(plain.out, Not(HasSubstr("\x1b[")));
}

// ---- status never refuses; Alembic's words; what a downgrade that stops says ---------------

TEST_F(cli_test, status_reports_a_database_ahead_of_the_binary_and_exits_4) {
  EXPECT_EQ(run({"upgrade"}).code, 0);
  scalar("UPDATE alembic_version SET version_num = '007'");
  auto const text = run({"status"});
  EXPECT_EQ(text.code, 4) << text.err;
  EXPECT_TRUE(text.err.empty()) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Current revision: 007 (not a revision of this binary)"));
  EXPECT_THAT(text.out, HasSubstr("Problem: database is at 007, this binary knows up to 003: this "
                                  "binary is older than the database"));
  auto const json = run({"status", "--format", "json"});
  EXPECT_EQ(json.code, 4);
  auto const document = nlohmann::json::parse(json.out);
  EXPECT_EQ(document["current"], "007");
  EXPECT_EQ(document["up_to_date"], false);
  ASSERT_EQ(document["problems"].size(), 1u);
  EXPECT_EQ(document["problems"][0]["reason"], "database_ahead");
  EXPECT_EQ(document["problems"][0]["revision"], "007");
}

TEST_F(cli_test, status_reports_an_edited_revision_and_the_run_refuses_with_its_reason) {
  EXPECT_EQ(run({"upgrade", "002"}).code, 0);
  auto const status = run({"current", "--format", "json"}, migc::test::edited);  // Alembic's word
  EXPECT_EQ(status.code, 4) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["problems"][0]["reason"], "edited_revision");
  auto const refused = run({"upgrade", "--format", "json"}, migc::test::edited);
  EXPECT_EQ(refused.code, 1);
  auto const error = nlohmann::json::parse(refused.out)["error"];
  EXPECT_EQ(error["kind"], "refusal");
  EXPECT_EQ(error["reason"], "edited_revision");
  EXPECT_EQ(error["revision"], "002");
}

TEST_F(cli_test, status_reports_a_dirty_database_with_its_marker) {
  EXPECT_EQ(run({"upgrade", "002"}, migc::test::dirty).code, 0);
  EXPECT_EQ(run({"upgrade"}, migc::test::dirty).code, 1);  // 003 stops midway
  auto const json = run({"status", "--format", "json"}, migc::test::dirty);
  EXPECT_EQ(json.code, 4) << json.err;
  auto const document = nlohmann::json::parse(json.out);
  EXPECT_EQ(document["dirty"]["revision"], "003");
  EXPECT_EQ(document["dirty"]["statements_done"], 1);
  EXPECT_EQ(document["dirty"]["statements_total"], 2);
  EXPECT_EQ(document["dirty"]["invalid_indexes"],
            nlohmann::json::array({"public.users_last_unique"}));
  EXPECT_EQ(document["problems"][0]["reason"], "dirty");
  auto const text = run({"status"}, migc::test::dirty);
  EXPECT_EQ(text.code, 4);
  EXPECT_THAT(text.out, HasSubstr("Dirty: database is dirty: the upgrade of revision 003"));
}

TEST_F(cli_test, a_downgrade_that_stops_at_an_irreversible_revision_says_why) {
  using namespace migc::runtime::literals;
  static constexpr migc::runtime::revision revs[] = {
      migc::test::app_revisions[0],
      migc::test::on_top_of_001("Seed"_text, migc::test::view(migc::test::r002_data_up), false,
                                "the seeded users may have been edited since"_text)};
  static constexpr auto cat = migc::test::catalog_of(revs);
  EXPECT_EQ(run({"upgrade"}, cat).code, 0);
  auto const r = run({"downgrade", "base", "--format", "json"}, cat);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("revision 002 \"Seed\" (migrations/20250101_1200-002_test.mig:1) is "
                               "irreversible: the seeded users may have been edited since"));
  EXPECT_EQ(nlohmann::json::parse(r.out)["error"]["reason"], "irreversible");
  EXPECT_EQ(version(), "002");
}

TEST_F(cli_test, the_log_line_and_the_history_show_one_measurement) {
  auto const run_json = nlohmann::json::parse(run({"upgrade", "--format", "json"}).out);
  auto const history = nlohmann::json::parse(run({"history", "--format", "json"}).out);
  ASSERT_EQ(run_json["applied"].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(run_json["applied"][i]["duration_ms"], history["history"][i]["duration_ms"]) << i;
  }
  auto const log = run({"downgrade", "-1"});
  auto const text = run({"history"});
  std::smatch logged;
  ASSERT_TRUE(
      std::regex_search(log.out, logged, std::regex(R"(Reverted 003 "[^"]+" in (\S+ \S+))")))
      << log.out;
  EXPECT_THAT(text.out, ContainsRegex("downgrade +003 +" + logged[1].str() + " "))
      << log.out << text.out;
}
