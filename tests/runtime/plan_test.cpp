// Unit tests (no database): targets, planning, validation, redaction, lock key, scripts.
#include <gtest/gtest.h>

#include <migc/runtime/connection.hpp>
#include <migc/runtime/detail/version_store.hpp>
#include <migc/runtime/error.hpp>
#include <migc/runtime/plan.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "test_catalogs.hpp"

namespace rt = migc::runtime;
namespace detail = migc::runtime::detail;
using migc::test::app;
using migc::test::baseline;
using migc::test::mixed;

namespace {

TEST(catalog_text, reads_as_the_string_it_points_at) {
  using namespace rt::literals;
  constexpr rt::text id = "003"_text;
  static_assert(id.size() == 3 && id.view() == "003");
  constexpr rt::text embedded_nul{"a\0b", 3};  // the generated form: the length, not the terminator
  EXPECT_EQ(embedded_nul.view(), std::string_view("a\0b", 3));
  EXPECT_TRUE(id == "003");
  EXPECT_TRUE("003" == id);
  EXPECT_TRUE(id != "004"_text);
  EXPECT_TRUE(rt::text{}.empty());
  EXPECT_EQ(std::string(id) + "!", "003!");
  std::ostringstream out;
  out << id << '|' << rt::text{};
  EXPECT_EQ(out.str(), "003|");
}

std::vector<std::string> ids(std::vector<rt::plan_step> const& steps) {
  std::vector<std::string> out;
  for (auto const& s : steps) {
    out.push_back(std::string(s.dir == rt::direction::upgrade ? "+" : "-") +
                  std::string(s.rev->id));
  }
  return out;
}

std::vector<std::string> up(rt::position at, std::string_view target) {
  return ids(rt::plan(app, at, rt::direction::upgrade, rt::parse_upgrade_target(target)));
}

std::vector<std::string> down(rt::catalog const& cat, rt::position at, std::string_view target) {
  return ids(rt::plan(cat, at, rt::direction::downgrade, rt::parse_downgrade_target(target)));
}

template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (E const& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

}  // namespace

TEST(revision_ids, compare_by_value) {
  EXPECT_EQ(rt::parse_id("003"), 3u);
  EXPECT_EQ(rt::find_revision(app, "01"), 0u);
  EXPECT_EQ(rt::find_revision(app, "0003"), 2u);
  EXPECT_FALSE(rt::find_revision(app, "004"));
  EXPECT_FALSE(rt::parse_id("ae1027a6acf"));
  EXPECT_FALSE(rt::parse_id(""));
}

TEST(targets, parse_upgrade_forms) {
  EXPECT_EQ(rt::parse_upgrade_target("head").what, rt::target::kind::head);
  EXPECT_EQ(rt::parse_upgrade_target("+2").n, 2);
  EXPECT_EQ(rt::parse_upgrade_target("002").id, "002");
  EXPECT_THROW((void)rt::parse_upgrade_target("base"), rt::target_error);
  EXPECT_THROW((void)rt::parse_upgrade_target("-1"), rt::target_error);
  EXPECT_THROW((void)rt::parse_upgrade_target("+0"), rt::target_error);
  EXPECT_THROW((void)rt::parse_upgrade_target("+x"), rt::target_error);
}

TEST(targets, parse_downgrade_forms) {
  EXPECT_EQ(rt::parse_downgrade_target("base").what, rt::target::kind::base);
  EXPECT_EQ(rt::parse_downgrade_target("-1").n, -1);
  EXPECT_EQ(rt::parse_downgrade_target("001").id, "001");
  EXPECT_THROW((void)rt::parse_downgrade_target("head"), rt::target_error);
  EXPECT_THROW((void)rt::parse_downgrade_target("+1"), rt::target_error);
  EXPECT_THROW((void)rt::parse_downgrade_target(""), rt::target_error);
}

TEST(planner, upgrades_from_base_to_head) {
  EXPECT_EQ(up(std::nullopt, "head"), (std::vector<std::string>{"+001", "+002", "+003"}));
}

TEST(planner, upgrade_at_head_is_empty) {
  EXPECT_TRUE(up(2, "head").empty());
}

TEST(planner, upgrades_relative_and_to_id) {
  EXPECT_EQ(up(0, "+1"), (std::vector<std::string>{"+002"}));
  EXPECT_EQ(up(std::nullopt, "+2"), (std::vector<std::string>{"+001", "+002"}));
  EXPECT_EQ(up(std::nullopt, "02"), (std::vector<std::string>{"+001", "+002"}));
  EXPECT_TRUE(up(1, "002").empty());
}

TEST(planner, rejects_upgrade_beyond_head) {
  auto const message = message_of<rt::target_error>([] { (void)up(1, "+2"); });
  EXPECT_NE(message.find("only 1 pending"), std::string::npos) << message;
}

TEST(planner, rejects_upgrade_to_revision_behind_current) {
  auto const message = message_of<rt::target_error>([] { (void)up(2, "001"); });
  EXPECT_NE(message.find("behind the current revision 003"), std::string::npos) << message;
}

TEST(planner, rejects_unknown_target_id) {
  auto const message = message_of<rt::target_error>([] { (void)up(0, "009"); });
  EXPECT_NE(message.find("unknown revision 009"), std::string::npos) << message;
}

TEST(planner, downgrades_relative_to_id_and_base) {
  EXPECT_EQ(down(app, 2, "-1"), (std::vector<std::string>{"-003"}));
  EXPECT_EQ(down(app, 2, "001"), (std::vector<std::string>{"-003", "-002"}));
  EXPECT_EQ(down(app, 2, "base"), (std::vector<std::string>{"-003", "-002", "-001"}));
  EXPECT_EQ(down(app, 1, "-2"), (std::vector<std::string>{"-002", "-001"}));
  EXPECT_TRUE(down(app, std::nullopt, "base").empty());
}

TEST(planner, rejects_downgrade_beyond_base) {
  auto const message = message_of<rt::target_error>([] { (void)down(app, 0, "-2"); });
  EXPECT_NE(message.find("only 1 applied"), std::string::npos) << message;
}

TEST(planner, rejects_downgrade_to_revision_ahead) {
  EXPECT_THROW((void)down(app, 0, "003"), rt::target_error);
}

TEST(planner, rejects_downgrade_through_irreversible_revision) {
  auto const message = message_of<rt::refusal>([] { (void)down(mixed, 3, "001"); });
  EXPECT_NE(message.find("revision 002 \"Seed the first user\""), std::string::npos) << message;
  EXPECT_NE(message.find("irreversible"), std::string::npos);
  EXPECT_EQ(down(mixed, 3, "002"), (std::vector<std::string>{"-004", "-003"}));
}

TEST(planner, squashed_baseline_starts_at_its_root) {
  EXPECT_EQ(ids(rt::plan(baseline, std::nullopt, rt::direction::upgrade,
                         rt::parse_upgrade_target("head"))),
            (std::vector<std::string>{"+050", "+051"}));
}

TEST(validator, base_database_is_valid) {
  EXPECT_EQ(rt::validate(app, {}), std::nullopt);
}

TEST(validator, finds_current_revision_by_value) {
  rt::database_state db;
  db.current = "02";
  EXPECT_EQ(rt::validate(app, db), 1u);
}

TEST(validator, refuses_unknown_database_revision) {
  rt::database_state db;
  db.current = "007";
  auto const message = message_of<rt::refusal>([&] { (void)rt::validate(app, db); });
  EXPECT_EQ(message,
            "database is at 007, this binary knows up to 003: this binary is older than the "
            "database (no history row says which build applied it); run a build that knows 007");
}

TEST(validator, tells_an_older_binary_from_the_history) {
  rt::database_state db;
  db.current = "005";
  db.applied["001"] = {std::string(app.revisions[0].checksum), "sha256:chain-new", ""};
  db.applied["005"] = {"sha256:5", "sha256:chain-new", "Later"};
  auto const message = message_of<rt::refusal>([&] { (void)rt::validate(app, db); });
  EXPECT_EQ(message,
            "database is at 005, this binary knows up to 003: this binary is older than the "
            "database (005 was applied by build sha256:chain-new); run a build that knows 005");
}

TEST(validator, tells_another_branch_ahead_of_head) {
  rt::database_state db;
  db.current = "004";
  db.applied["002"] = {"sha256:branch", "sha256:chain-b", "Add tags"};
  auto const message = message_of<rt::refusal>([&] { (void)rt::validate(app, db); });
  EXPECT_EQ(message,
            "database is at 004, this binary knows up to 003: the database was migrated by a "
            "binary from another branch: its revision 002 \"Add tags\" (checksum sha256:branch, "
            "build sha256:chain-b) is not this binary's 002 \"Add new_field to memories\" "
            "(migrations/20250101_1200-002_add_new_field.mig:2, checksum " +
                std::string(app.revisions[1].checksum) + ")");
}

TEST(validator, tells_another_branch_at_a_known_id) {
  rt::database_state db;
  db.current = "002";
  db.applied["002"] = {"sha256:branch", "sha256:chain-b", "Add tags"};
  auto const message = message_of<rt::refusal>([&] { (void)rt::validate(app, db); });
  EXPECT_EQ(message.rfind("database was migrated by a binary from another branch: its revision "
                          "002 \"Add tags\" (checksum sha256:branch, build sha256:chain-b) is "
                          "not this binary's 002 \"Add new_field to memories\"",
                          0),
            0u)
      << message;
}

TEST(validator, allow_checksum_mismatch_returns_what_it_accepted) {
  rt::database_state db;
  db.current = "003";
  db.applied["02"] = {"sha256:old", "sha256:chain-old", "Add new_field to memories"};
  auto const verdict = rt::check(app, db, {true, false});
  EXPECT_EQ(verdict.at, 2u);
  ASSERT_EQ(verdict.accepted.size(), 1u);
  EXPECT_EQ(verdict.accepted[0].rev, &app.revisions[1]);
  EXPECT_EQ(verdict.accepted[0].what, rt::checksum_mismatch::kind::edited);
  EXPECT_EQ(verdict.accepted[0].recorded.checksum, "sha256:old");
}

TEST(validator, refuses_a_dirty_database_unless_told_to_report_it) {
  rt::database_state db;
  db.current = "003";
  db.dirty = rt::dirty_marker{"004",
                              "upgrade",
                              0,
                              1,
                              "",
                              "canceling statement",
                              "2025-01-01T00:00:00+00",
                              {"public.users_last_name"}};
  auto const message = message_of<rt::refusal>([&] { (void)rt::validate(mixed, db); });
  EXPECT_EQ(message,
            "database is dirty: the upgrade of revision 004 \"Index users by last name\" "
            "(migrations/20250103_0800-004_index_last_name.mig:1), which runs outside a "
            "transaction, stopped after 0 of 1 statements (started 2025-01-01T00:00:00+00): "
            "canceling statement; invalid indexes left behind (pg_index.indisvalid = false): "
            "public.users_last_name; repair the database by hand, then run `migrate resolve 004 "
            "--applied` (its remaining statements were completed) or `migrate resolve 004 "
            "--rolled-back` (what ran was undone)");
  EXPECT_EQ(rt::check(mixed, db, {false, true}).at, 2u);
}

TEST(validator, refuses_non_numeric_revision) {
  rt::database_state db;
  db.current = "ae1027a6acf";
  EXPECT_THROW((void)rt::validate(app, db), rt::refusal);
}

TEST(validator, refuses_revision_below_squashed_root) {
  rt::database_state db;
  db.current = "003";
  EXPECT_EQ(message_of<rt::refusal>([&] { (void)rt::validate(baseline, db); }),
            "database is at 003, this binary knows up to 051: 003 is below this binary's first "
            "revision 050 (a squashed baseline): upgrade the database to 050 with an older "
            "binary first");
}

TEST(validator, refuses_applied_checksum_mismatch) {
  rt::database_state db;
  db.current = "003";
  db.applied["002"] = {"sha256:old", "sha256:chain-old", "Add new_field to memories"};
  try {
    (void)rt::validate(app, db);
    FAIL() << "expected a refusal";
  } catch (rt::refusal const& e) {
    std::string const message = e.what();
    EXPECT_NE(message.find("sha256:old"), std::string::npos) << message;
    EXPECT_NE(message.find(app.revisions[1].checksum), std::string::npos) << message;
    EXPECT_NE(message.find("20250101_1200-002_add_new_field.mig"), std::string::npos);
    EXPECT_NE(message.find("a published revision was edited"), std::string::npos) << message;
    EXPECT_NE(message.find("--allow-checksum-mismatch"), std::string::npos) << message;
    EXPECT_EQ(e.revision(), "002");
  }
}

TEST(validator, ignores_checksums_of_reverted_revisions) {
  rt::database_state db;
  db.current = "001";
  db.applied["001"] = {std::string(app.revisions[0].checksum), "", ""};
  db.applied["003"] = {"sha256:old", "", ""};
  EXPECT_EQ(rt::validate(app, db), 0u);
}

TEST(redact, hides_url_password) {
  EXPECT_EQ(rt::redact("postgresql://alice:s3cret@db.example.com:5432/app?sslmode=require"),
            "postgresql://alice:***@db.example.com:5432/app?sslmode=require");
  EXPECT_EQ(rt::redact("postgres://alice@db/app"), "postgres://alice@db/app");
  EXPECT_EQ(rt::redact("postgres://al:p@ss@db/app"), "postgres://al:***@db/app");
}

TEST(redact, hides_url_password_parameter) {
  EXPECT_EQ(rt::redact("postgresql:///app?host=/tmp&password=s3cret&sslmode=disable"),
            "postgresql:///app?host=/tmp&password=***&sslmode=disable");
}

TEST(redact, hides_keyword_password) {
  EXPECT_EQ(rt::redact("host=db password=s3cret user=alice"), "host=db password=*** user=alice");
  EXPECT_EQ(rt::redact("host=db password = 's3 c\\'ret' user=alice"),
            "host=db password = *** user=alice");
  EXPECT_EQ(rt::redact("password=s3cret"), "password=***");
  EXPECT_EQ(rt::redact("host=db user=alice"), "host=db user=alice");
}

TEST(redact, sanitize_removes_the_password_wherever_it_appears) {
  std::string const message =
      rt::sanitize("could not connect as alice with s3cret to postgres://alice:s3cret@db/x",
                   "postgres://alice:s3cret@db/x");
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
}

TEST(connection, adds_fallback_application_name) {
  EXPECT_EQ(rt::with_fallback_application_name(""), "fallback_application_name=migrate");
  EXPECT_EQ(rt::with_fallback_application_name("host=db"),
            "host=db fallback_application_name=migrate");
  EXPECT_EQ(rt::with_fallback_application_name("postgres://db/app"),
            "postgres://db/app?fallback_application_name=migrate");
  EXPECT_EQ(rt::with_fallback_application_name("postgresql://db/app?sslmode=require"),
            "postgresql://db/app?sslmode=require&fallback_application_name=migrate");
}

TEST(advisory_lock, key_is_pinned) {
  // FNV-1a 64 of "migc:public.alembic_version", as a signed bigint. Never change.
  EXPECT_EQ(detail::advisory_lock_key(detail::parse_table_name("alembic_version")),
            -412713010304235490LL);
  EXPECT_EQ(detail::advisory_lock_key(detail::parse_table_name("public.alembic_version")),
            -412713010304235490LL);
  EXPECT_EQ(detail::advisory_lock_key(detail::parse_table_name("app.schema_version")),
            -7626255654021360378LL);
}

TEST(version_store, parses_table_names) {
  auto const t = detail::parse_table_name("app.schema_version");
  EXPECT_EQ(t.schema, "app");
  EXPECT_EQ(t.table, "schema_version");
  EXPECT_THROW((void)detail::parse_table_name("a.b.c"), rt::error);
  EXPECT_THROW((void)detail::parse_table_name(".b"), rt::error);
  EXPECT_THROW((void)detail::parse_table_name(""), rt::error);
}

TEST(version_store, alembic_ddl_is_exact) {
  auto const q = detail::offline_quoter();
  EXPECT_EQ(detail::create_version_table_sql(q, detail::parse_table_name("alembic_version")),
            "CREATE TABLE \"alembic_version\" (version_num VARCHAR(32) NOT NULL, CONSTRAINT "
            "\"alembic_version_pkc\" PRIMARY KEY (version_num))");
}

TEST(version_store, terminates_steps_after_trailing_comments) {
  EXPECT_EQ(detail::terminated("SELECT 1"), "SELECT 1;\n");
  EXPECT_EQ(detail::terminated("SELECT 1;\n  "), "SELECT 1;\n");
  EXPECT_EQ(detail::terminated("SELECT 1 -- why"), "SELECT 1 -- why\n;\n");
}

TEST(version_store, offline_quoting_doubles_quotes) {
  auto const q = detail::offline_quoter();
  EXPECT_EQ(q.literal("it's"), "'it''s'");
  EXPECT_EQ(q.identifier("we\"ird"), "\"we\"\"ird\"");
}

TEST(version_store, revision_script_is_one_transaction_with_guarded_update) {
  detail::script_context ctx;
  ctx.version_table = detail::parse_table_name("alembic_version");
  ctx.build_id = "sha256:chain";
  std::string const script = detail::revision_script(
      detail::offline_quoter(), ctx, app.revisions[1], rt::direction::upgrade, "001");
  EXPECT_EQ(script.rfind("BEGIN;\nSET LOCAL lock_timeout = '10000ms';\n", 0), 0u) << script;
  EXPECT_NE(script.find("ALTER TABLE memories ADD COLUMN new_field text;\n"), std::string::npos);
  EXPECT_NE(script.find("UPDATE \"alembic_version\" SET version_num = '002' WHERE version_num = "
                        "'001'; IF NOT FOUND THEN RAISE EXCEPTION"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("clock_timestamp() - transaction_timestamp()"), std::string::npos);
  EXPECT_EQ(script.substr(script.size() - 8), "COMMIT;\n");
}

TEST(version_store, root_downgrade_deletes_the_row) {
  detail::script_context ctx;
  ctx.version_table = detail::parse_table_name("alembic_version");
  std::string const sql =
      detail::version_update_sql(detail::offline_quoter(), ctx, std::string("001"), std::nullopt);
  EXPECT_NE(sql.find("DELETE FROM \"alembic_version\" WHERE version_num = '001'"),
            std::string::npos)
      << sql;
}
