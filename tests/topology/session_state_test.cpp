// Session state a revision changes where the compiler cannot see it (inside a DO block) does not
// reach the next revision, in one run, revision by revision, or in one transaction
// (case session-search-path-leak; the compiler refuses a plain `SET` without LOCAL).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <pqxx/pqxx>

#include "pg_test.hpp"
#include "topology_test.hpp"
#include "wait.hpp"

namespace {

using migc::test::migrate;

class session_state_test : public migc::test::pg_test {
 protected:
  /// Where the model puts every table and index of the leak chain, and nowhere else.
  void expect_objects_where_the_model_says() {
    for (char const* name :
         {"public.notes", "public.tags", "public.labels", "reporting.daily", "reporting.monthly",
          "reporting.monthly_total", "reporting.last_week"}) {
      EXPECT_EQ(scalar(std::string("SELECT to_regclass('") + name + "') IS NOT NULL"), "t") << name;
    }
    for (char const* name : {"reporting.notes", "reporting.tags", "reporting.labels"}) {
      EXPECT_EQ(scalar(std::string("SELECT to_regclass('") + name + "') IS NULL"), "t") << name;
    }
    EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "007");
    auto const verify = migrate("leak", conninfo(), {"verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }
};

TEST_F(session_state_test, one_run_from_base) {
  auto const r = migrate("leak", conninfo(), {"upgrade"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_objects_where_the_model_says();
}

TEST_F(session_state_test, one_run_per_revision) {
  for (char const* id : {"001", "002", "003", "004", "005", "006", "007"}) {
    auto const r = migrate("leak", conninfo(), {"upgrade", id});
    ASSERT_EQ(r.exit_code, 0) << id << ": " << r.out << r.err;
  }
  expect_objects_where_the_model_says();
}

TEST_F(session_state_test, one_transaction_then_the_rest) {
  auto const together = migrate("leak", conninfo(), {"upgrade", "005", "--single-transaction"});
  ASSERT_EQ(together.exit_code, 0) << together.out << together.err;
  auto const rest = migrate("leak", conninfo(), {"upgrade"});
  ASSERT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  expect_objects_where_the_model_says();
}

}  // namespace

namespace {

class kill_test : public migc::test::pg_test {};

/// SIGKILL during CREATE INDEX CONCURRENTLY: the server cancels the statement within about a
/// second (client_connection_check_interval) instead of waiting on alone, holding its lock.
TEST_F(kill_test, a_killed_run_does_not_leave_its_statement_running_on_the_server) {
  auto const first = migrate("leak", conninfo(), {"upgrade", "005"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  pqxx::connection old(conninfo());
  pqxx::work snapshot(old, "old");
  snapshot.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  snapshot.exec("SELECT count(*) FROM reporting.daily");  // CIC waits for this snapshot
  migc::test::child_process run(migc::test::migrate_argv("leak", conninfo(), {"upgrade"}));
  migc::test::wait_for_statement(conninfo(), "CREATE INDEX CONCURRENTLY");
  run.kill(SIGKILL);
  run.wait();
  std::string const running =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
      "position('CREATE INDEX CONCURRENTLY' IN query) > 0 AND state = 'active' AND pid <> "
      "pg_backend_pid()";
  // The server notices the lost client (client_connection_check_interval) and cancels the
  // statement; a statement left running is a test that never ends (ctest's timeout).
  migc::test::wait_until([&] { return scalar(running) == "0"; });
  snapshot.abort();
  auto const status = migrate("leak", conninfo(), {"status"});
  EXPECT_EQ(status.exit_code, 4);
  EXPECT_THAT(status.out, testing::HasSubstr("Dirty: "));
  EXPECT_THAT(status.out, testing::Not(testing::HasSubstr("Run in progress")));
}

}  // namespace
