// Failing revisions and lost servers: the previous revisions stay, the failing one leaves nothing,
// errors say where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <pqxx/pqxx>
#include <thread>

#include "fault_support.hpp"
#include "pg_test.hpp"

namespace {

using namespace migc::test;
using ::testing::HasSubstr;

class failure_test : public pg_test {
 protected:
  process_result migrate(std::string const& chain, std::vector<std::string> const& args) {
    return run_process(fault_argv("fault_" + chain + "_migrate", conninfo(), args));
  }
  std::optional<std::string> version() {
    return query_value(conninfo(), "SELECT max(version_num) FROM alembic_version");
  }
  bool table_exists(std::string const& name) {
    return query_value(conninfo(), "SELECT to_regclass('" + name + "') IS NOT NULL") == "t";
  }
  std::string advisory_locks() {
    return query_value(conninfo(),
                       "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                       "WHERE l.locktype = 'advisory' AND d.datname = current_database()")
        .value_or("?");
  }
};

TEST_F(failure_test,
       failing_statement_rolls_back_its_revision_whole_and_names_file_line_and_server_error) {
  auto const result = migrate("failing", {"upgrade"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("002"));
  EXPECT_THAT(result.err, HasSubstr("20250102_0000-002_broken.mig:4"));
  EXPECT_THAT(result.err, HasSubstr("relation \"no_such_table\" does not exist"));
  EXPECT_EQ(version(), "001");
  EXPECT_TRUE(table_exists("base"));
  EXPECT_FALSE(table_exists("half_done"));
  EXPECT_FALSE(table_exists("never"));
  EXPECT_EQ(advisory_locks(), "0");
}

TEST_F(failure_test, failing_non_transactional_revision_reports_what_ran_and_blocks_later_runs) {
  auto const result = migrate("failing_notx", {"upgrade"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("20250102_0000-002_index.mig:5"));
  EXPECT_THAT(result.err, HasSubstr("could not create unique index \"base_code_key\""));
  EXPECT_THAT(result.err, HasSubstr("1 of 2 statements ran"));  // what did run is reported
  EXPECT_EQ(version(), "001");
  EXPECT_EQ(advisory_locks(), "0");
  auto const again = migrate("failing_notx", {"upgrade"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("dirty"));
}

TEST_F(failure_test, lock_timeout_names_the_blocking_session_and_leaves_the_previous_revision) {
  ASSERT_EQ(migrate("locked", {"upgrade", "001"}).exit_code, 0);
  pqxx::connection holder(conninfo());
  pqxx::work hold(holder);
  hold.exec("LOCK TABLE base IN ACCESS EXCLUSIVE MODE");
  int const holder_pid = holder.backendpid();
  auto const result = migrate("locked", {"--lock-timeout", "300ms", "upgrade"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("lock"));
  EXPECT_THAT(result.err, HasSubstr(std::to_string(holder_pid)));
  EXPECT_THAT(result.err, HasSubstr("20250102_0000-002_alter.mig"));
  hold.abort();
  EXPECT_EQ(version(), "001");
  EXPECT_EQ(migrate("locked", {"upgrade"}).exit_code, 0);
  EXPECT_EQ(version(), "002");
}

TEST_F(failure_test, backend_terminated_mid_revision_rolls_back_and_a_rerun_succeeds) {
  child_process child(fault_argv("fault_slow_migrate", conninfo(), {"upgrade"}));
  int const pid = wait_for_statement(conninfo(), "pg_sleep");
  execute(conninfo(), "SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  auto const result = child.wait();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_FALSE(result.err.empty());
  EXPECT_EQ(version(), "001");
  EXPECT_FALSE(table_exists("slow"));
  EXPECT_EQ(advisory_locks(), "0");
  auto const rerun = migrate("slow", {"upgrade"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(version(), "003");
}

/// A cluster of the test's own, so restarting it disturbs no other test.
class private_cluster {
 public:
  private_cluster() : m_state((m_folder.path() / "cluster.state").string()) {
    EXPECT_EQ(run_process({MIGC_PG_CLUSTER, "start", m_state}).exit_code, 0);
    m_conninfo = query_state("MIGC_PG_CONNINFO");
  }
  ~private_cluster() { (void)run_process({MIGC_PG_CLUSTER, "stop", m_state}); }
  private_cluster(private_cluster const&) = delete;
  private_cluster& operator=(private_cluster const&) = delete;
  void restart() { EXPECT_EQ(run_process({MIGC_PG_CLUSTER, "restart", m_state}).exit_code, 0); }
  [[nodiscard]] std::string const& conninfo() const { return m_conninfo; }

 private:
  std::string query_state(std::string const& key) {
    auto const shown =
        run_process({"/bin/sh", "-c", ". " + m_state + " && printf %s \"$" + key + "\""});
    return shown.out;
  }
  temp_folder m_folder;
  std::string m_state;
  std::string m_conninfo;
};

TEST(server_restart, server_restarted_mid_run_fails_clearly_and_a_rerun_succeeds) {
  private_cluster cluster;
  std::string const& cx = cluster.conninfo();
  auto const argv = fault_argv("fault_slow_migrate", cx, {"upgrade"});
  child_process child(argv);
  wait_for_statement(cx, "pg_sleep");
  cluster.restart();
  auto const result = child.wait();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_FALSE(result.err.empty());
  EXPECT_EQ(query_value(cx, "SELECT max(version_num) FROM alembic_version"), "001");
  auto const rerun = run_process(argv);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(query_value(cx, "SELECT max(version_num) FROM alembic_version"), "003");
}

}  // namespace
