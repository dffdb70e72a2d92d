// A `without transaction` revision stopped midway, by a kill or a failing statement: the dirty
// marker records which statement was sent to which server process and when; `status` reports
// it; `resolve <id> --continue` runs the rest (the interrupted statement again, its invalid index
// dropped and built again) and records the revision, and refuses while the statement still runs
// or when the binary's revision is not the one that stopped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "fault_support.hpp"
#include "pg_test.hpp"
#include "wait.hpp"

namespace {

using namespace migc::test;
using ::testing::HasSubstr;

class resolve_continue_test : public pg_test {
 protected:
  process_result migrate(std::string const& chain, std::vector<std::string> const& args) const {
    return run_process(fault_argv("fault_" + chain + "_migrate", conninfo(), args));
  }

  /// The marker's row as "done/total pid-matches started", "" when there is none.
  std::string marker(std::string const& pid) const {
    return scalar(
        "SELECT coalesce(string_agg(statements_done || '/' || statements_total || ' ' || (pid = " +
        pid +
        ") || ' ' || (statement_started_at IS NOT NULL), ','), '') FROM alembic_version_dirty");
  }

  std::string invalid_indexes() const {
    return scalar(
        "SELECT coalesce(string_agg(indexrelid::regclass::text, ',' ORDER BY 1), '') FROM pg_index "
        "WHERE NOT indisvalid");
  }
};

TEST_F(resolve_continue_test, a_kill_in_a_concurrent_index_build_is_recorded_and_continued) {
  auto const base = migrate("killed_notx", {"upgrade", "001"});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  // An open snapshot holds CREATE INDEX CONCURRENTLY at its wait for older transactions
  // ("Building Indexes Concurrently", PostgreSQL docs): the run stops there when killed.
  auto snapshot = std::make_unique<pqxx::connection>(conninfo());
  pqxx::nontransaction(*snapshot).exec(
      "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class");
  child_process child(fault_argv("fault_killed_notx_migrate", conninfo(), {"upgrade"}));
  int const server_process = wait_for_statement(conninfo(), "CREATE INDEX CONCURRENTLY ON items");
  child.kill(SIGKILL);
  EXPECT_EQ(child.wait().signal, SIGKILL);
  // The server notices the client gone within a second (client_connection_check_interval, set
  // by migrate) and cancels the build, which leaves its index INVALID. Released earlier, the
  // snapshot would let the build finish first: the record could not tell, and --continue would
  // keep the valid index.
  wait_until([&] {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                  std::to_string(server_process)) == "0";
  });
  snapshot.reset();
  wait_for_quiet_database(conninfo());

  // The record: no statement finished, the first was sent to that server process.
  EXPECT_EQ(marker(std::to_string(server_process)), "0/2 true true");
  EXPECT_EQ(invalid_indexes(), "items_code_idx");
  auto const status = migrate("killed_notx", {"status"});
  EXPECT_THAT(status.out + status.err, HasSubstr("statement 1 (line 5) was sent at "));
  EXPECT_THAT(status.out + status.err,
              HasSubstr(" to server process " + std::to_string(server_process) +
                        ", which is gone: whether that statement finished is not known"));
  EXPECT_THAT(status.out + status.err, HasSubstr("migrate resolve 002 --continue"));
  auto const json = migrate("killed_notx", {"status", "--format", "json"});
  auto const dirty = nlohmann::json::parse(json.out).at("dirty");
  EXPECT_EQ(dirty.at("pid"), server_process);
  EXPECT_TRUE(dirty.at("backend_state").is_null());
  EXPECT_TRUE(dirty.at("statement_started_at").is_string());

  auto const continued =
      migrate("killed_notx", {"resolve", "002", "--continue", "--wait-for-standbys=10min"});
  ASSERT_EQ(continued.exit_code, 0) << continued.err;
  EXPECT_THAT(continued.out,
              HasSubstr("Continuing the upgrade of 002 at statement 1 of 2 (resolve --continue)"));
  EXPECT_THAT(continued.out, HasSubstr("Dropping the invalid index public.items_code_idx"));
  EXPECT_THAT(continued.out, HasSubstr("Applied 002 \"Index items concurrently\" in "));
  EXPECT_THAT(continued.out, HasSubstr(" (resolve --continue)"));
  // Then it waits for the standbys, as upgrade does (other tests' standbys may be streaming).
  EXPECT_THAT(continued.out,
              ::testing::ContainsRegex("No standby is connected|Waiting for [0-9]+ standby"));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "002");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_dirty"), "0");
  EXPECT_EQ(invalid_indexes(), "");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass"), "3");
  EXPECT_EQ(scalar("SELECT direction FROM alembic_version_history ORDER BY id DESC LIMIT 1"),
            "upgrade");
  // What it applied is what a run applies: the derived state verifies, and it goes down again.
  auto const verify = migrate("killed_notx", {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto const down = migrate("killed_notx", {"downgrade", "001"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
}

TEST_F(resolve_continue_test, a_failed_statement_is_run_again_once_its_cause_is_fixed) {
  auto const failed = migrate("failing_notx", {"upgrade"});
  ASSERT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.err,
              HasSubstr("run `migrate resolve 002 --continue` once the cause is fixed"));
  EXPECT_EQ(invalid_indexes(), "base_code_key");  // the failed unique build stays invalid

  // Nothing to continue while the cause is there: the statement fails again, the marker stays.
  auto const again = migrate("failing_notx", {"resolve", "002", "--continue"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("could not create unique index \"base_code_key\""));
  EXPECT_EQ(scalar("SELECT statements_done || '/' || statements_total FROM alembic_version_dirty"),
            "1/2");

  // Another binary's revision (here: another checksum) is not continued.
  scalar("UPDATE alembic_version_dirty SET checksum = 'sha256:another'");
  auto const other = migrate("failing_notx", {"resolve", "002", "--continue"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("cannot continue the upgrade of 002: the run that stopped had "
                                   "another version of it (checksum sha256:another"));
  scalar("UPDATE alembic_version_dirty SET checksum = NULL");

  // A statement still running on the marker's server process (here: a session of psql's made
  // to stand for it) is not run a second time beside it: wait, or cancel it.
  child_process sleeper({"/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-d", conninfo(), "-c",
                         "SELECT pg_sleep(600) AS stands_for_the_build"});
  int const busy = wait_for_statement(conninfo(), "stands_for_the_build");
  scalar("UPDATE alembic_version_dirty SET pid = " + std::to_string(busy));
  auto const running = migrate("failing_notx", {"resolve", "002", "--continue"});
  EXPECT_EQ(running.exit_code, 1);
  EXPECT_THAT(running.err, HasSubstr("the upgrade of 002 is still running: server process " +
                                     std::to_string(busy) + " runs statement 2"));
  EXPECT_THAT(running.err, HasSubstr("SELECT pg_cancel_backend(" + std::to_string(busy) + ")"));
  scalar("SELECT pg_cancel_backend(" + std::to_string(busy) + ")");
  sleeper.wait();

  // The cause fixed (the duplicate code removed): the unique build runs again and 002 is applied.
  scalar("DELETE FROM base WHERE id = 2");
  auto const fixed = migrate("failing_notx", {"resolve", "002", "--continue"});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_THAT(fixed.out, HasSubstr("Dropping the invalid index public.base_code_key"));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "002");
  EXPECT_EQ(invalid_indexes(), "");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_dirty"), "0");

  // Nothing is dirty any more: nothing to continue.
  auto const nothing = migrate("failing_notx", {"resolve", "002", "--continue"});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_THAT(nothing.err, HasSubstr("database is not dirty"));
}

}  // namespace
