// `migrate stairway` against a real PostgreSQL (label pg): chains compiled at test time, run
// through the CLI over an in-memory catalog; a good chain passes, a downgrade that forgets
// something is drift naming the revision, a failing downgrade names the revision and the
// SQLSTATE, a database that is not empty is refused unless --force, and the JSON shape.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/catalog.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler_test_support.hpp"
#include "memory_catalog.hpp"
#include "migrate_cli.hpp"
#include "pg_test.hpp"

namespace {

using migc::test::compile_chain;
using migc::test::run_migrate;
using ::testing::HasSubstr;
using ::testing::Not;

/// The lines of `text`.
std::vector<std::string> lines_of(std::string const& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

constexpr char const* root_revision =
    "revision 001 \"Accounts\"\nupgrade {\n"
    "    create table accounts (id bigint primary key, name text not null)\n"
    "}\n";

constexpr char const* second_revision =
    "revision 002 revises 001 \"Account email\"\nupgrade {\n"
    "    add column accounts.email text\n"
    "    create index accounts_email on accounts (email)\n"
    "}\n";

/// A chain of three revisions: derived downgrades, an explicit one, an irreversible head.
void write_good_chain(migc::test::temp_folder& folder) {
  folder.write("20250101_0000-001_accounts.mig", root_revision);
  folder.write("20250102_0000-002_email.mig", second_revision);
  folder.write("20250103_0000-003_audit.mig",
               "revision 003 revises 002 \"Audit log\"\nupgrade {\n"
               "    create table audit (id bigint primary key, account_id bigint references "
               "accounts)\n"
               "    sql $$ INSERT INTO accounts VALUES (1, 'first') $$\n"
               "}\n"
               "downgrade {\n    irreversible \"the audit log is kept\"\n}\n");
}

class stairway_pg : public migc::test::pg_test {};

TEST_F(stairway_pg, a_good_chain_climbs_every_revision_and_ends_at_head) {
  migc::test::temp_folder folder;
  write_good_chain(folder);
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  auto const r = run_migrate(conninfo(), cat->get(), {"stairway"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto const lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4U) << r.out;
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("001  up +[0-9.]+ m?s  verify ok +down +[0-9.]+ "
                                                "m?s  verify ok +re-up +[0-9.]+ m?s  Accounts"));
  EXPECT_THAT(lines[1], HasSubstr("Account email"));
  EXPECT_THAT(lines[2], ::testing::MatchesRegex("003  up +[0-9.]+ m?s  verify ok +down +-  "
                                                "verify - +re-up +-  Audit log "
                                                "\\(irreversible: not downgraded\\)"));
  EXPECT_THAT(lines[3], ::testing::StartsWith("Stairway passed: 3 revisions up, verified, down, "
                                              "verified and up again, base to 003, in "));
  EXPECT_THAT(lines[3], HasSubstr("(1 irreversible, not downgraded); verify at 003: no drift."));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "003");
  // Each revision went up twice and down once (the irreversible one up once).
  EXPECT_EQ(scalar("SELECT string_agg(direction || ' ' || revision, ', ' ORDER BY id) FROM "
                   "alembic_version_history"),
            "upgrade 001, downgrade 001, upgrade 001, upgrade 002, downgrade 002, upgrade 002, "
            "upgrade 003");
}

TEST_F(stairway_pg, a_downgrade_that_forgets_something_is_drift_naming_the_revision) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_accounts.mig", root_revision);
  folder.write("20250102_0000-002_email.mig",
               "revision 002 revises 001 \"Account email\"\nupgrade {\n"
               "    add column accounts.email text\n"
               "    create table invites (id bigint primary key)\n"
               "}\n"
               "downgrade {\n    drop table invites\n}\n");
  folder.write("20250103_0000-003_c.mig",
               "revision 003 revises 002 \"C\"\nupgrade {\n    create table c (id int)\n}\n");
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  auto const r = run_migrate(conninfo(), cat->get(), {"stairway"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  auto const lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4U) << r.out;
  EXPECT_THAT(lines[1], ::testing::MatchesRegex("002  up +[0-9.]+ m?s  verify ok +down +[0-9.]+ "
                                                "m?s  verify DRIFT  re-up +-  Account email"));
  EXPECT_THAT(lines[2], HasSubstr("  extra column public.accounts.email"));
  EXPECT_THAT(lines[3], ::testing::StartsWith("Stairway failed at revision 002 (verify_down)"));
  EXPECT_THAT(lines[3], HasSubstr("the database is left at 001."));
  EXPECT_THAT(r.err, HasSubstr("migrate: error: stairway failed: after the downgrade of revision "
                               "002 \"Account email\", the database differs from the model at "
                               "001 (1 difference: extra column public.accounts.email"));
  EXPECT_THAT(r.out, Not(HasSubstr("003")));  // stops at the first failure
}

TEST_F(stairway_pg, a_failing_downgrade_names_the_revision_and_the_sqlstate) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_accounts.mig", root_revision);
  // Only running it shows the mistake: the upgrade writes a row without a name.
  folder.write("20250102_0000-002_names.mig",
               "revision 002 revises 001 \"Optional names\"\nupgrade {\n"
               "    alter column accounts.name drop not null\n"
               "    sql $$ INSERT INTO accounts (id) VALUES (1) $$\n"
               "}\n"
               "downgrade {\n    alter column accounts.name set not null\n}\n");
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  auto const r = run_migrate(conninfo(), cat->get(), {"--format", "json", "stairway"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  auto const doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["ok"], false);
  auto const& failure = doc["failure"];
  EXPECT_EQ(failure["revision"], "002");
  EXPECT_EQ(failure["step"], "down");
  EXPECT_EQ(failure["sqlstate"], "23514");
  EXPECT_THAT(failure["location"].get<std::string>(), HasSubstr("002_names.mig:7"));
  EXPECT_THAT(failure["message"].get<std::string>(),
              ::testing::StartsWith("downgrade of revision 002 \"Optional names\" failed at "));
  EXPECT_THAT(failure["message"].get<std::string>(), HasSubstr("is violated by some row"));
  ASSERT_EQ(doc["revisions"].size(), 2U);
  EXPECT_TRUE(doc["revisions"][1]["down_ms"].is_null());
  EXPECT_TRUE(doc["revisions"][1]["verify_down"].is_null());
  EXPECT_EQ(doc["to"], "002");
  EXPECT_THAT(r.err, HasSubstr("SQLSTATE 23514"));
}

TEST_F(stairway_pg, a_database_that_is_not_empty_is_refused_unless_forced) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_accounts.mig", root_revision);
  folder.write("20250102_0000-002_email.mig", second_revision);
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  scalar("CREATE TABLE leftover (id int)");
  scalar("CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'");
  auto const refused = run_migrate(conninfo(), cat->get(), {"stairway"});
  EXPECT_EQ(refused.code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err,
              HasSubstr("migrate: error: the database is not empty (table public.leftover, "
                        "function public.answer()"));
  EXPECT_THAT(refused.err, HasSubstr("pass --force"));
  EXPECT_EQ(scalar("SELECT to_regclass('alembic_version') IS NULL"), "t");  // nothing changed

  auto const json = run_migrate(conninfo(), cat->get(), {"--format", "json", "stairway"});
  EXPECT_EQ(nlohmann::json::parse(json.out)["error"]["reason"], "not_empty");

  auto const forced = run_migrate(conninfo(), cat->get(), {"stairway", "--force"});
  EXPECT_EQ(forced.code, 0) << forced.out << forced.err;
  EXPECT_THAT(forced.out, HasSubstr("2 objects found before the start ignored (--force)."));

  // At head now: refused again, naming the applied revision; --force has nothing left to climb.
  auto const again = run_migrate(conninfo(), cat->get(), {"stairway"});
  EXPECT_THAT(again.err, HasSubstr("not empty (revision 002 applied, table public.leftover"));
  auto const at_head = run_migrate(conninfo(), cat->get(), {"stairway", "--force"});
  EXPECT_EQ(at_head.code, 0) << at_head.err;
  EXPECT_THAT(at_head.out, HasSubstr("Stairway passed: nothing to climb, 002 to 002"));
}

TEST_F(stairway_pg, a_database_downgraded_to_base_counts_as_empty) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_accounts.mig", root_revision);
  folder.write("20250102_0000-002_email.mig", second_revision);
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  ASSERT_EQ(run_migrate(conninfo(), cat->get(), {"stairway"}).code, 0);
  ASSERT_EQ(run_migrate(conninfo(), cat->get(), {"downgrade", "base"}).code, 0);
  auto const r = run_migrate(conninfo(), cat->get(), {"stairway"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(stairway_pg, json_has_one_object_per_revision_with_durations_and_checks) {
  migc::test::temp_folder folder;
  write_good_chain(folder);
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  auto const r = run_migrate(conninfo(), cat->get(), {"--format", "json", "stairway"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto const doc = nlohmann::json::parse(r.out);  // one document, nothing else on stdout
  EXPECT_EQ(doc["format_version"], 1);
  EXPECT_EQ(doc["ok"], true);
  EXPECT_EQ(doc["from"], "base");
  EXPECT_EQ(doc["to"], "003");
  EXPECT_TRUE(doc["elapsed_ms"].is_number());
  EXPECT_TRUE(doc["failure"].is_null());
  EXPECT_EQ(doc["preexisting"], nlohmann::json::array());
  EXPECT_EQ(doc["final_verify"]["at"], "003");
  ASSERT_EQ(doc["revisions"].size(), 3U);
  auto const& first = doc["revisions"][0];
  EXPECT_EQ(first["id"], "001");
  EXPECT_EQ(first["description"], "Accounts");
  EXPECT_EQ(first["irreversible"], false);
  for (char const* key : {"up_ms", "down_ms", "reup_ms"}) EXPECT_TRUE(first[key].is_number());
  EXPECT_EQ(first["verify_up"]["at"], "001");
  EXPECT_EQ(first["verify_up"]["ok"], true);
  EXPECT_TRUE(first["verify_up"]["ms"].is_number());
  EXPECT_EQ(first["verify_down"]["at"], "base");
  EXPECT_EQ(first["verify_down"]["drift"], nlohmann::json::array());
  auto const& last = doc["revisions"][2];
  EXPECT_EQ(last["irreversible"], true);
  EXPECT_TRUE(last["down_ms"].is_null());
  EXPECT_TRUE(last["verify_down"].is_null());
  EXPECT_TRUE(last["reup_ms"].is_null());
}

}  // namespace
