// The migrate binary as a process: signals during a run, many processes at once.
#include "process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <pqxx/pqxx>

#include "pg_test.hpp"

using ::testing::StartsWith;

namespace {

/// The test migrate binary over one of the hand-built catalogs (test_migrate_main.cpp).
std::unique_ptr<migc::test::child_process> start_migrate(std::vector<std::string> args,
                                                         std::string const& catalog) {
  args.insert(args.begin(), MIGC_TEST_MIGRATE);
  return std::make_unique<migc::test::child_process>(
      args, migc::test::child_process::environment{{"MIGC_TEST_CATALOG", catalog}});
}

class process_test : public migc::test::pg_test {
 protected:
  void expect_interrupted_cleanly(int signo) {
    auto const child = start_migrate({"--database-url", conninfo(), "upgrade"}, "sleepy");
    migc::test::wait_for_statement(conninfo(), "pg_sleep(30)");
    child->kill(signo);
    auto const p = child->wait();
    EXPECT_EQ(p.exit_code, 1) << p.err;
    EXPECT_THAT(p.err,
                StartsWith("migrate: error: interrupted: the upgrade of revision 002 \"Sleep for "
                           "30 s\" was cancelled; rolled back, the database stays at 001\n"));
    EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "001");
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                     "(SELECT oid FROM pg_database WHERE datname = current_database())"),
              "0");
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_stat_activity WHERE position('pg_sleep(30)' IN "
                     "query) > 0 AND pid <> pg_backend_pid() AND state = 'active' AND datname = "
                     "current_database()"),
              "0");
  }
};

}  // namespace

TEST_F(process_test, sigint_cancels_rolls_back_and_releases_the_lock) {
  expect_interrupted_cleanly(SIGINT);
}

TEST_F(process_test, sigterm_cancels_rolls_back_and_releases_the_lock) {
  expect_interrupted_cleanly(SIGTERM);
}

TEST_F(process_test, ten_processes_apply_each_revision_once) {
  std::vector<std::unique_ptr<migc::test::child_process>> runs;
  for (int i = 0; i < 10; ++i)
    runs.push_back(start_migrate({"--database-url", conninfo(), "upgrade"}, "app"));
  int waited = 0;
  for (auto& run : runs) {
    auto const p = run->wait();
    EXPECT_EQ(p.exit_code, 0) << p.err;
    if (p.out.find("Waiting for the migration lock") != std::string::npos) ++waited;
  }
  EXPECT_EQ(scalar("SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) FROM "
                   "alembic_version_history"),
            "001:upgrade,002:upgrade,003:upgrade");
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "003");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())"),
            "0");
  RecordProperty("runs_that_waited", waited);
}

TEST_F(process_test, sigint_stops_a_fleet_cleanly) {
  migc::test::scratch_database const second;
  migc::test::scratch_database const third;
  auto const child =
      start_migrate({"upgrade", "--jobs", "2", "--database-url", conninfo(), "--database-url",
                     second.conninfo(), "--database-url", third.conninfo()},
                    "sleepy");
  migc::test::wait_for_statement(conninfo(), "pg_sleep(30)");
  migc::test::wait_for_statement(second.conninfo(), "pg_sleep(30)");
  child->kill(SIGINT);
  auto const p = child->wait();
  EXPECT_EQ(p.exit_code, 1) << p.out << p.err;
  EXPECT_THAT(p.out, ::testing::HasSubstr("3 databases: 2 interrupted, 1 not started in"));
  EXPECT_THAT(p.out, ::testing::ContainsRegex(
                         "dbname=" + second.name() +
                         "\\] interrupted: the upgrade of revision 002 \"Sleep for "
                         "30 s\" was cancelled; rolled back, the database stays at 001"));
  EXPECT_THAT(p.out, ::testing::HasSubstr("dbname=" + third.name() + "] not started"));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "001");
  EXPECT_EQ(migc::test::query_value(second.conninfo(), "SELECT version_num FROM alembic_version"),
            "001");
  EXPECT_EQ(migc::test::query_value(third.conninfo(), "SELECT to_regclass('alembic_version')"),
            std::nullopt);
}
