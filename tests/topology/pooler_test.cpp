// Behind a real PgBouncer: transaction pooling with other clients in the pool, session pooling
// with a small pool, the lock-timeout blocker named by its server pid, and what needs a direct
// connection refused up front (case pgbouncer-transaction-pooling).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "pg_test.hpp"
#include "topology_support.hpp"
#include "topology_test.hpp"

namespace {

using migc::test::child_process;
using migc::test::migrate;
using migc::test::migrate_argv;
using migc::test::pgbouncer;
using testing::HasSubstr;
using testing::Not;

class pooler_test : public migc::test::pg_test {
 protected:
  /// Short transactions of other clients through the pooler, until stop().
  class traffic {
   public:
    traffic(std::string const& conninfo, int clients) {
      for (int i = 0; i < clients; ++i) {
        m_clients.emplace_back([this, conninfo] {
          try {
            pqxx::connection cx(conninfo);
            while (!m_stop) pqxx::nontransaction(cx).exec("SELECT pg_sleep(0.002)");
          } catch (std::exception const& e) {
            std::lock_guard<std::mutex> const lock(m_mutex);
            m_failures += std::string(e.what()) + "\n";
          }
        });
      }
    }
    ~traffic() { stop(); }
    traffic(traffic const&) = delete;
    traffic& operator=(traffic const&) = delete;

    /// Ends the traffic and returns what failed in any client ("" when nothing did).
    std::string stop() {
      m_stop = true;
      for (auto& t : m_clients) {
        if (t.joinable()) t.join();
      }
      std::lock_guard<std::mutex> const lock(m_mutex);
      return m_failures;
    }

   private:
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::string m_failures;  ///< guarded by m_mutex
    std::vector<std::thread> m_clients;
  };

  /// Starts `n` upgrades of the pooled chain at once and expects each to end with exit 0.
  std::string concurrent_upgrades(std::string const& via, int n) {
    std::vector<std::unique_ptr<child_process>> runs;
    for (int i = 0; i < n; ++i) {
      runs.push_back(std::make_unique<child_process>(migrate_argv("pooled", via, {"upgrade"})));
    }
    std::string outputs;
    for (auto& run : runs) {
      auto const r = run->wait();
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      outputs += r.out + r.err;
    }
    return outputs;
  }

  /// Every revision applied exactly once, and no advisory lock left on the database.
  void expect_applied_once_and_unlocked() {
    EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "006");
    EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE direction = 'upgrade'"),
              "6");
    EXPECT_EQ(scalar("SELECT count(DISTINCT revision) FROM alembic_version_history"), "6");
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                     "(SELECT oid FROM pg_database WHERE datname = current_database())"),
              "0");
  }
};

TEST_F(pooler_test, transaction_pooling_serialises_concurrent_upgrades_and_leaves_no_lock) {
  pgbouncer const bouncer("transaction", 4);
  std::string const via = bouncer.conninfo(database_name());
  std::string outputs;
  {
    traffic others(via, 3);
    outputs = concurrent_upgrades(via, 8);
    EXPECT_EQ(others.stop(), "");
  }
  EXPECT_THAT(outputs, HasSubstr("Connected through a connection pooler"));
  EXPECT_THAT(outputs, Not(HasSubstr("pg_temp")));
  EXPECT_THAT(outputs, Not(HasSubstr("by hand")));
  expect_applied_once_and_unlocked();
  auto const again = migrate("pooled", via, {"upgrade"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("Database is already at latest version"));
}

TEST_F(pooler_test, session_pooling_with_a_small_pool_serialises_concurrent_upgrades) {
  pgbouncer const bouncer("session", 2);
  std::string const via = bouncer.conninfo(database_name());
  concurrent_upgrades(via, 4);
  expect_applied_once_and_unlocked();
}

TEST_F(pooler_test, a_revision_without_transaction_is_refused_behind_a_pooler_before_anything) {
  pgbouncer const bouncer("transaction", 2);
  auto const r = migrate("leak", bouncer.conninfo(database_name()), {"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("revision 006 \"index outside a transaction\""));
  EXPECT_THAT(r.err, HasSubstr("goes through a pooler"));
  EXPECT_THAT(r.err, HasSubstr("Nothing was applied: run this revision over a direct connection"));
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version"), "0");
}

/// The lock-timeout error names the session that blocks the run by the pid PostgreSQL reports,
/// and the lock it waited for; the failing step is found without queueing for the lock again.
class blocker_test : public pooler_test {
 protected:
  void expect_blocker_named(std::string const& via) {
    auto const first = migrate("blocked", via, {"upgrade", "001"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    pqxx::connection holder(conninfo());
    pqxx::work reading(holder);
    std::string const pid = reading.exec("SELECT pg_backend_pid()")[0][0].c_str();
    reading.exec("SELECT * FROM base");  // ACCESS SHARE until the transaction ends
    auto const r = migrate("blocked", via, {"upgrade", "--lock-timeout", "1s"});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr("upgrade of revision 002 \"Alter base\" failed at "));
    EXPECT_THAT(r.err, HasSubstr("20250102_0000-002_alter.mig:3: canceling statement due to "
                                 "lock timeout (SQLSTATE 55P03)"));
    EXPECT_THAT(r.err, HasSubstr("(a lock (AccessExclusiveLock on relation base) was not "
                                 "granted within lock_timeout 1000 ms; blocked by:"));
    EXPECT_THAT(r.err, HasSubstr("pid " + pid + " ("));
    EXPECT_THAT(r.err, HasSubstr("SELECT * FROM base"));
  }
};

TEST_F(blocker_test, behind_transaction_pooling_the_blocker_is_named_by_its_server_pid) {
  pgbouncer const bouncer("transaction", 4);
  expect_blocker_named(bouncer.conninfo(database_name()));
}

TEST_F(blocker_test, on_a_direct_connection_the_step_is_found_without_a_second_lock_wait) {
  scalar("ALTER DATABASE " + database_name() + " SET log_statement = 'all'");
  expect_blocker_named(conninfo());
  int alters = 0;
  for (auto const& statement :
       migc::test::logged_statements(conninfo(), database_name(), "migrate")) {
    if (statement.find("ALTER TABLE base ADD COLUMN note text") != std::string::npos) ++alters;
  }
  EXPECT_EQ(alters, 1);  // the revision's message only: no replay queued for the lock again
}

}  // namespace
