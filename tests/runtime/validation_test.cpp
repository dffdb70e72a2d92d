// Validation of the database state against the catalog: every rule, every reason (pure).
#include "validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/error.hpp>
#include <string>

#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace rt = migc::runtime;
namespace detail = migc::runtime::detail;
using migc::test::app;
using migc::test::baseline;
using migc::test::message_of;
using migc::test::mixed;

namespace {

/// check() with no refusal waived: the database's position.
detail::position validate(rt::catalog const& cat, detail::database_state const& db) {
  return detail::check(cat, db).at;
}

/// The message of check()'s refusal of `db` ("" and a test failure when it accepts `db`).
std::string refusal_message(rt::catalog const& cat, detail::database_state const& db) {
  return message_of<rt::refusal>([&] { (void)validate(cat, db); });
}

/// The reasons find_problems() gives, in order.
std::vector<std::string> reasons(rt::catalog const& cat, detail::database_state const& db) {
  std::vector<std::string> out;
  for (auto const& problem : detail::find_problems(cat, db)) {
    out.emplace_back(problem.reason_name());
  }
  return out;
}

}  // namespace

TEST(validator, base_database_is_valid) {
  EXPECT_EQ(validate(app, {}), std::nullopt);
}

TEST(validator, finds_current_revision_by_value) {
  detail::database_state db;
  db.current = "02";
  EXPECT_EQ(validate(app, db), 1u);
}

TEST(validator, refuses_unknown_database_revision) {
  detail::database_state db;
  db.current = "007";
  auto const message = refusal_message(app, db);
  EXPECT_EQ(message,
            "database is at 007, this binary knows up to 003: this binary is older than the "
            "database (no history row says which build applied it); run a build that knows 007");
}

TEST(validator, tells_an_older_binary_from_the_history) {
  detail::database_state db;
  db.current = "005";
  db.applied["001"] = {std::string(app.revisions[0].checksum), "sha256:chain-new", ""};
  db.applied["005"] = {"sha256:5", "sha256:chain-new", "Later"};
  auto const message = refusal_message(app, db);
  EXPECT_EQ(message,
            "database is at 005, this binary knows up to 003: this binary is older than the "
            "database (005 was applied by build sha256:chain-new); run a build that knows 005");
}

TEST(validator, tells_another_branch_ahead_of_head) {
  detail::database_state db;
  db.current = "004";
  db.applied["002"] = {"sha256:branch", "sha256:chain-b", "Add tags"};
  auto const message = refusal_message(app, db);
  EXPECT_EQ(message,
            "database is at 004, this binary knows up to 003: the database was migrated by a "
            "binary from another branch: its revision 002 \"Add tags\" (checksum sha256:branch, "
            "build sha256:chain-b) is not this binary's 002 \"Add new_field to memories\" "
            "(migrations/20250101_1200-002_add_new_field.mig:2, checksum "
            "sha256:222222222222...)");
}

TEST(validator, tells_another_branch_at_a_known_id) {
  detail::database_state db;
  db.current = "002";
  db.applied["002"] = {"sha256:branch", "sha256:chain-b", "Add tags"};
  auto const message = refusal_message(app, db);
  EXPECT_THAT(message,
              StartsWith("database was migrated by a binary from another branch: its revision "
                         "002 \"Add tags\" (checksum sha256:branch, build sha256:chain-b) is "
                         "not this binary's 002 \"Add new_field to memories\""));
}

TEST(validator, allow_checksum_mismatch_returns_what_it_accepted) {
  detail::database_state db;
  db.current = "003";
  db.applied["02"] = {"sha256:old", "sha256:chain-old", "Add new_field to memories"};
  auto const verdict = detail::check(app, db, {true, false});
  EXPECT_EQ(verdict.at, 2u);
  ASSERT_EQ(verdict.accepted.size(), 1u);
  EXPECT_EQ(verdict.accepted[0].rev, &app.revisions[1]);
  EXPECT_EQ(verdict.accepted[0].what, detail::checksum_mismatch::kind::edited);
  EXPECT_EQ(verdict.accepted[0].recorded.checksum, "sha256:old");
}

TEST(validator, refuses_a_dirty_database_unless_told_to_report_it) {
  detail::database_state db;
  db.current = "003";
  db.dirty = rt::dirty_marker{"004",
                              "upgrade",
                              0,
                              1,
                              "",
                              "canceling statement",
                              "2025-01-01T00:00:00+00",
                              {"public.users_last_name"},
                              4242,
                              "2025-01-01T00:00:01+00",
                              ""};
  auto const message = refusal_message(mixed, db);
  EXPECT_EQ(message,
            "database is dirty: the upgrade of revision 004 \"Index users by last name\" "
            "(migrations/20250103_0800-004_index_last_name.mig:1), which runs outside a "
            "transaction, stopped after 0 of 1 statements (started 2025-01-01T00:00:00+00): "
            "canceling statement; statement 1 (line 4) was sent at 2025-01-01T00:00:01+00 to "
            "server process 4242, which is gone: whether that statement finished is not known; "
            "invalid indexes left behind (pg_index.indisvalid = false): "
            "public.users_last_name; run `migrate resolve 004 --continue` to run the rest (from "
            "the statement a stop interrupted; an index a stopped CREATE INDEX CONCURRENTLY left "
            "invalid is built again), or repair the database by hand, then run `migrate resolve "
            "004 --applied` (its remaining statements were completed) or `migrate resolve 004 "
            "--rolled-back` (what ran was undone)");
  EXPECT_EQ(detail::check(mixed, db, {false, true}).at, 2u);

  // The server process still runs the statement (a run going on, or a client gone a moment
  // ago); a marker an older migrate wrote says nothing of it.
  db.dirty->backend_state = "active";
  EXPECT_THAT(refusal_message(mixed, db),
              HasSubstr("to server process 4242, which is still running a statement: wait for "
                        "it to end, or cancel it (SELECT pg_cancel_backend(4242))"));
  db.dirty->statement_started_at.clear();
  EXPECT_THAT(refusal_message(mixed, db), Not(HasSubstr("server process")));
  db.dirty->statements_done = 1;
  db.dirty->statement_started_at = "2025-01-01T00:00:02+00";
  EXPECT_THAT(refusal_message(mixed, db),
              HasSubstr("every statement ran, the record of the revision did not"));
}

TEST(validator, refuses_non_numeric_revision) {
  detail::database_state db;
  db.current = "ae1027a6acf";
  EXPECT_THROW((void)validate(app, db), rt::refusal);
}

TEST(validator, refuses_revision_below_squashed_root) {
  detail::database_state db;
  db.current = "003";
  EXPECT_EQ(refusal_message(baseline, db),
            "database is at 003, this binary knows up to 051: 003 is below this binary's first "
            "revision 050 (a squashed baseline): upgrade the database to 050 with an older "
            "binary first");
}

TEST(validator, refuses_applied_checksum_mismatch) {
  detail::database_state db;
  db.current = "003";
  db.applied["002"] = {"sha256:old", "sha256:chain-old", "Add new_field to memories"};
  try {
    (void)validate(app, db);
    FAIL() << "expected a refusal";
  } catch (rt::refusal const& e) {
    std::string const message = e.what();
    EXPECT_THAT(message, HasSubstr("sha256:old"));
    EXPECT_THAT(message, HasSubstr("sha256:222222222222..."));
    EXPECT_THAT(message, HasSubstr("20250101_1200-002_add_new_field.mig"));
    EXPECT_THAT(message, HasSubstr("a published revision was edited"));
    EXPECT_THAT(message, HasSubstr("--allow-checksum-mismatch"));
    EXPECT_EQ(e.revision(), "002");
  }
}

TEST(validator, ignores_checksums_of_reverted_revisions) {
  detail::database_state db;
  db.current = "001";
  db.applied["001"] = {std::string(app.revisions[0].checksum), "", ""};
  db.applied["003"] = {"sha256:old", "", ""};
  EXPECT_EQ(validate(app, db), 0u);
}

TEST(validator, finds_every_problem_in_rule_order) {
  detail::database_state db;
  db.current = "003";
  db.version_rows = 2;
  db.dirty =
      rt::dirty_marker{"003", "upgrade", 0, 1, "", "", "2025-01-01T00:00:00+00", {}, 0, "", ""};
  db.applied["001"] = {"sha256:old-1", "", "Initial schema"};
  db.applied["002"] = {"sha256:branch", "", "Add tags"};
  EXPECT_EQ(reasons(app, db), (std::vector<std::string>{"dirty", "several_versions",
                                                        "edited_revision", "other_branch"}));
}

TEST(validator, names_why_a_revision_is_unknown) {
  detail::database_state db;
  db.current = "007";
  EXPECT_EQ(reasons(app, db), (std::vector<std::string>{"database_ahead"}));
  db.current = "ae1027a6acf";
  EXPECT_EQ(reasons(app, db), (std::vector<std::string>{"not_a_revision_id"}));
  db.current = "003";
  EXPECT_EQ(reasons(baseline, db), (std::vector<std::string>{"below_first_revision"}));
  db.current = "004";
  db.applied["002"] = {"sha256:branch", "", "Add tags"};
  EXPECT_EQ(reasons(app, db), (std::vector<std::string>{"other_branch"}));
}

TEST(validator, shortens_hashes_to_what_tells_them_apart) {
  detail::database_state db;
  db.current = "002";
  std::string recorded(app.revisions[1].checksum);
  recorded.back() = '0';  // differs in the last digit only
  db.applied["002"] = {recorded, "", "Add new_field to memories"};
  auto const message = refusal_message(app, db);
  EXPECT_THAT(message, HasSubstr("checksum " + recorded));
  EXPECT_THAT(message, HasSubstr("has checksum " + std::string(app.revisions[1].checksum)));
  db.applied["002"].checksum = "sha256:0123456789abcdef0123";
  auto const short_message = refusal_message(app, db);
  EXPECT_THAT(short_message, HasSubstr("applied with checksum sha256:0123456789ab... "));
  EXPECT_THAT(short_message, HasSubstr("has checksum sha256:222222222222..."));
}
