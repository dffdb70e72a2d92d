// --single-transaction (options::single_transaction) against a real PostgreSQL: every pending
// revision in one transaction, all or nothing; and the fast path of validation status uses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <migc/runtime/cli.hpp>
#include <migc/runtime/migrator.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "cli_io.hpp"
#include "pg_test.hpp"
#include "process.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace rt = migc::runtime;
using migc::test::app;

namespace {

class single_transaction_test : public migc::test::pg_test {
 protected:
  std::string version() {
    return scalar("SELECT string_agg(version_num, ',') FROM alembic_version");
  }

  /// History rows as `revision:direction`, oldest first.
  std::string history() {
    return scalar(
        "SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) FROM "
        "alembic_version_history");
  }

  /// How many transactions wrote the history rows of `direction`.
  std::string writing_transactions(std::string const& direction) {
    return scalar(
        "SELECT count(DISTINCT xmin::text) FROM alembic_version_history WHERE "
        "direction = '" +
        direction + "'");
  }

  bool table_exists(std::string const& name) {
    return scalar("SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
  }

  rt::options single(bool logging = false) {
    rt::options o;
    o.single_transaction = true;
    if (logging) o.log = m_log.sink();
    return o;
  }

  std::string log() const { return m_log.text(); }

  migc::test::cli_result run_cli(std::vector<std::string> args, rt::catalog const& cat = app) {
    args.insert(args.begin(), {"--database-url", conninfo()});
    return migc::test::run_cli(args, cat);
  }

 private:
  migc::test::log_capture m_log;
};

}  // namespace

TEST_F(single_transaction_test, applies_every_revision_and_its_history_in_one_transaction) {
  auto const result = rt::migrator(conninfo(), app, single(true)).upgrade();
  EXPECT_EQ(result.from, "base");
  EXPECT_EQ(result.to, "003");
  ASSERT_EQ(result.applied.size(), 3u);
  EXPECT_EQ(version(), "003");
  EXPECT_EQ(history(), "001:upgrade,002:upgrade,003:upgrade");
  EXPECT_EQ(writing_transactions("upgrade"), "1");
  EXPECT_THAT(log(), HasSubstr("Current database version: base\nLatest migration version: 003\n"
                               "Applied 001 \"Initial schema\" in "));
  EXPECT_THAT(log(), HasSubstr("Applied 003 \"Backfill users.full_name\" in "));
}

TEST_F(single_transaction_test, downgrades_in_one_transaction) {
  rt::migrator(conninfo(), app).upgrade();
  auto const result = rt::migrator(conninfo(), app, single()).downgrade("base");
  EXPECT_EQ(result.to, "base");
  EXPECT_EQ(version(), "");
  EXPECT_FALSE(table_exists("users"));
  EXPECT_EQ(history(),
            "001:upgrade,002:upgrade,003:upgrade,003:downgrade,002:downgrade,"
            "001:downgrade");
  EXPECT_EQ(writing_transactions("downgrade"), "1");
}

// 003 fails at its third step (line 7), which needs the users table revision 001 created in the
// same transaction: finding the line replays 001 and 002 first.
TEST_F(single_transaction_test, failure_in_a_later_revision_leaves_the_database_as_before) {
  try {
    rt::migrator(conninfo(), migc::test::failing, single(true)).upgrade();
    FAIL() << "expected revision_error";
  } catch (rt::revision_error const& e) {
    std::string const message = e.what();
    EXPECT_EQ(e.revision(), "003");
    EXPECT_EQ(e.location(), "migrations/20250102_0800-003_backfill_full_name.mig:7");
    EXPECT_EQ(e.sqlstate(), "42703");
    EXPECT_TRUE(e.applied().empty());
    EXPECT_THAT(message, HasSubstr("column \"nope\" of relation \"users\" does not exist"));
    EXPECT_THAT(message, HasSubstr("rolled back with the whole run (--single-transaction), the "
                                   "database stays at base"));
  }
  EXPECT_EQ(version(), "");
  EXPECT_FALSE(table_exists("users"));
  EXPECT_FALSE(table_exists("memories"));
  EXPECT_EQ(history(), "");
  EXPECT_THAT(log(), Not(HasSubstr("Applied ")));
  // The session is usable afterwards, and a run without the option applies what it can.
  EXPECT_EQ(rt::migrator(conninfo(), migc::test::failing).status().current, std::nullopt);
}

TEST_F(single_transaction_test, failure_from_a_revision_in_between_keeps_the_earlier_version) {
  rt::migrator(conninfo(), migc::test::failing).upgrade("001");
  EXPECT_THROW(rt::migrator(conninfo(), migc::test::failing, single()).upgrade(),
               rt::revision_error);
  EXPECT_EQ(version(), "001");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                   "'memories' AND column_name = 'new_field'"),
            "0");
  EXPECT_EQ(history(), "001:upgrade");
}

TEST_F(single_transaction_test, refuses_a_plan_with_a_non_transactional_revision) {
  try {
    rt::migrator(conninfo(), migc::test::mixed, single()).upgrade();
    FAIL() << "expected refusal";
  } catch (rt::refusal const& e) {
    std::string const message = e.what();
    EXPECT_EQ(e.revision(), "004");
    EXPECT_THAT(message, HasSubstr("--single-transaction: revision 004 \"Index users by last "
                                   "name\" (migrations/20250103_0800-004_index_last_name.mig:1) "
                                   "runs without a transaction"));
    EXPECT_THAT(message, HasSubstr("nothing was applied"));
  }
  EXPECT_EQ(version(), "");
  EXPECT_FALSE(table_exists("users"));
  EXPECT_EQ(history(), "");
  // Up to the revision before it is fine.
  rt::migrator(conninfo(), migc::test::mixed, single()).upgrade("003");
  EXPECT_EQ(version(), "003");
}

TEST_F(single_transaction_test, lock_timeout_retries_the_whole_transaction) {
  rt::migrator(conninfo(), app).upgrade("001");
  pqxx::connection blocker(conninfo() + " application_name=blocker");
  auto hold = std::make_unique<pqxx::work>(blocker);
  hold->exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");  // 003 waits, 002 does not
  auto o = single(true);
  // The blocker lets go when the first attempt has given up (its log line), not after a guess.
  o.log = [&hold, sink = o.log](std::string_view line) {
    sink(line);
    if (line.rfind("Revision ", 0) == 0 && hold) hold.reset();  // rolls back, releasing the lock
  };
  o.lock_timeout = std::chrono::milliseconds(200);
  o.lock_retries = 4;
  o.retry_backoff = std::chrono::milliseconds(100);
  rt::migrator(conninfo(), app, o).upgrade();
  EXPECT_EQ(version(), "003");
  EXPECT_THAT(log(), HasSubstr("Revision 003 could not get a lock within 200 ms (blocked by:"));
  EXPECT_THAT(log(), HasSubstr("and the whole transaction (--single-transaction) was rolled back; "
                               "retry 1 of 4 in 0.1 s"));
  // Each retry started over from 001: 002 was recorded once, by the attempt that committed.
  EXPECT_EQ(history(), "001:upgrade,002:upgrade,003:upgrade");
}

TEST_F(single_transaction_test, cli_flag_on_upgrade_and_downgrade) {
  auto r = run_cli({"upgrade", "--single-transaction"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Applied 003 \"Backfill users.full_name\" in "));
  EXPECT_EQ(writing_transactions("upgrade"), "1");
  r = run_cli({"downgrade", "base", "--single-transaction"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(version(), "");
  EXPECT_EQ(writing_transactions("downgrade"), "1");
  r = run_cli({"upgrade", "--single-transaction"}, migc::test::mixed);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, StartsWith("migrate: error: --single-transaction: revision 004 "));
  EXPECT_EQ(version(), "");
  EXPECT_EQ(run_cli({"status", "--single-transaction"}).code, 2);  // only upgrade and downgrade
}

TEST_F(single_transaction_test, sigint_rolls_back_the_whole_run) {
  std::vector<std::string> args{MIGC_TEST_MIGRATE, "--database-url", conninfo(), "upgrade",
                                "--single-transaction"};
  migc::test::child_process child(args, {{"MIGC_TEST_CATALOG", "sleepy"}});
  // 002 sleeps after 001 ran in the transaction.
  migc::test::wait_for_statement(conninfo(), "pg_sleep(30)");
  child.kill(SIGINT);
  auto const p = child.wait();
  EXPECT_EQ(p.exit_code, 1) << p.err;
  EXPECT_THAT(p.err,
              StartsWith("migrate: error: interrupted: the upgrade of revision 002 \"Sleep for 30 "
                         "s\" was cancelled; rolled back with the whole run "
                         "(--single-transaction), the database stays at base\n"));
  EXPECT_EQ(version(), "");
  EXPECT_FALSE(table_exists("users"));
  EXPECT_EQ(history(), "");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())"),
            "0");
}

// ---- the fast path of validation (status, and every run's check) -------------------------

TEST_F(single_transaction_test, newest_history_row_decides_like_the_full_check) {
  rt::migrator(conninfo(), app).upgrade();
  // A newer row for 002 (spelled "2": ids compare by value) with another checksum: refused.
  scalar(
      "INSERT INTO alembic_version_history (revision, direction, checksum, description) "
      "VALUES ('2', 'upgrade', 'sha256:0000', 'Add new_field to memories')");
  auto const edited = rt::migrator(conninfo(), app).status();
  ASSERT_EQ(edited.problems.size(), 1u);
  EXPECT_EQ(edited.problems[0].reason(), rt::refusal_reason::edited_revision);
  EXPECT_THAT(edited.problems[0].what(),
              HasSubstr("revision 002 \"Add new_field to memories\" was applied with "
                        "checksum sha256:0000"));
  EXPECT_THROW(rt::migrator(conninfo(), app).upgrade(), rt::refusal);
  // A yet newer row with the embedded checksum (what a repair writes) makes it valid again.
  scalar(
      "INSERT INTO alembic_version_history (revision, direction, checksum) VALUES ('002', "
      "'repair', 'sha256:2222222222222222222222222222222222222222222222222222222222222222')");
  EXPECT_TRUE(rt::migrator(conninfo(), app).status().problems.empty());
  // Rows of other kinds, or above the current revision, do not count.
  scalar(
      "INSERT INTO alembic_version_history (revision, direction, checksum) VALUES ('001', "
      "'downgrade', 'sha256:0000'), ('004', 'upgrade', 'sha256:0000'), ('x y', 'upgrade', "
      "'sha256:0000')");
  auto const s = rt::migrator(conninfo(), app).status();
  EXPECT_EQ(s.current, "003");
  EXPECT_TRUE(s.pending.empty());
  EXPECT_TRUE(s.problems.empty());
}

TEST_F(single_transaction_test, fast_path_sees_a_dirty_marker_and_two_version_rows) {
  rt::migrator(conninfo(), migc::test::dirty).upgrade("002");
  EXPECT_THROW(rt::migrator(conninfo(), migc::test::dirty).upgrade(),
               rt::revision_error);  // dirty at 003
  auto const s = rt::migrator(conninfo(), migc::test::dirty).status();
  ASSERT_TRUE(s.dirty.has_value());
  EXPECT_EQ(s.dirty->revision, "003");
  scalar("DELETE FROM alembic_version_dirty");
  EXPECT_FALSE(rt::migrator(conninfo(), migc::test::dirty).status().dirty.has_value());
  scalar("INSERT INTO alembic_version VALUES ('001')");
  auto const two = rt::migrator(conninfo(), migc::test::dirty).status();
  ASSERT_EQ(two.problems.size(), 1u);
  EXPECT_EQ(two.problems[0].reason(), rt::refusal_reason::several_versions);
  EXPECT_THROW(rt::migrator(conninfo(), migc::test::dirty).upgrade(), rt::refusal);
}
