// Standbys after a run and failover mid-run, over the runtime tests' hand-built catalog `app`
// (001 tables, 002 alters memories, 003 alters users) run in process: --wait-for-standbys
// returns once a real hot standby (pg_basebackup -R) has replayed the run, and a primary
// promoted away while a revision waits names the last committed revision, from which a rerun
// against the new primary continues.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <pqxx/connection>
#include <pqxx/transaction>

#include "migrate_cli.hpp"
#include "pg_test.hpp"
#include "test_catalogs.hpp"
#include "topology_support.hpp"

namespace {

using migc::test::hot_standby;
using migc::test::private_server;
using migc::test::query_value;
using testing::ContainsRegex;
using testing::HasSubstr;
using testing::Not;

migc::test::cli_result migrate(std::string const& conninfo, std::vector<std::string> args) {
  return migc::test::run_migrate(conninfo, migc::test::app, std::move(args));
}

class standby_wait_test : public migc::test::pg_test {};

TEST_F(standby_wait_test, returns_once_the_standby_has_replayed_the_run) {
  hot_standby const standby;
  std::string const on_standby = standby.conninfo(database_name());
  migc::test::wait_for_replay(conninfo(), on_standby);  // the test's database is there

  auto const r = migrate(conninfo(), {"upgrade", "--wait-for-standbys=10min"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Applied 003"));
  EXPECT_THAT(r.out,
              ContainsRegex("Waiting for [0-9]+ standby\\(s\\) to replay [0-9A-F]+/[0-9A-F]+"));
  EXPECT_THAT(r.out, ContainsRegex("Standby walreceiver \\(local socket\\) replayed [0-9A-F]+/"));
  // No wait_for_replay: the run returned once the standby had replayed its last commit.
  EXPECT_EQ(query_value(on_standby, "SELECT version_num FROM alembic_version"), "003");
  EXPECT_EQ(query_value(on_standby, "SELECT to_regclass('users') IS NOT NULL"), "t");
  EXPECT_EQ(query_value(on_standby,
                        "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                        "'users'::regclass AND attname = 'full_name'"),
            "1");

  // The word after the flag is still the target; JSON reports the LSN.
  auto const json =
      migrate(conninfo(), {"stamp", "--wait-for-standbys", "002", "--format", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, ContainsRegex("\"standby_lsn\": ?\"[0-9A-F]+/[0-9A-F]+\""));
  EXPECT_EQ(query_value(on_standby, "SELECT version_num FROM alembic_version"), "002");
}

TEST_F(standby_wait_test, times_out_naming_the_standby_behind_and_its_lag) {
  hot_standby const standby;
  std::string const on_standby = standby.conninfo(database_name());
  migc::test::wait_for_replay(conninfo(), on_standby);
  migc::test::execute(on_standby, "SELECT pg_wal_replay_pause()");

  auto const r = migrate(conninfo(), {"upgrade", "001", "--wait-for-standbys=1s"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Applied 001"));
  EXPECT_THAT(r.err,
              ContainsRegex("standby\\(s\\) had not replayed [0-9A-F]+/[0-9A-F]+ after 1.0 s: "));
  EXPECT_THAT(r.err, ContainsRegex("walreceiver \\(local socket\\) at [0-9A-F]+/[0-9A-F]+, [0-9]+ "
                                   "(bytes|kB|MB) behind"));
  EXPECT_THAT(r.err, HasSubstr("the run itself is committed on the primary"));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "001");
  auto const json =
      migrate(conninfo(), {"upgrade", "002", "--wait-for-standbys=1s", "--format", "json"});
  EXPECT_THAT(json.out, HasSubstr("\"kind\":\"standbys\""));

  migc::test::execute(on_standby, "SELECT pg_wal_replay_resume()");
  auto const resumed = migrate(conninfo(), {"upgrade", "003", "--wait-for-standbys"});
  EXPECT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(query_value(on_standby, "SELECT version_num FROM alembic_version"), "003");
}

TEST_F(standby_wait_test, names_the_grant_a_login_needs_to_read_the_positions) {
  hot_standby const standby;
  migc::test::wait_for_replay(conninfo(), standby.conninfo(database_name()));
  std::string const login = database_name() + "_deployer";
  scalar("CREATE ROLE " + login + " LOGIN; GRANT CREATE ON SCHEMA public TO " + login);
  auto const r = migrate(conninfo() + " user=" + login, {"upgrade", "001", "--wait-for-standbys"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("may not read the standbys' replay positions"));
  EXPECT_THAT(r.err, HasSubstr("GRANT pg_read_all_stats TO " + login));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "001");
  scalar("DROP OWNED BY " + login + "; DROP ROLE " + login);
}

/// The test holds an ACCESS EXCLUSIVE lock on `table` in an open transaction, so a revision
/// touching it waits exactly as long as the test wants.
class table_gate {
 public:
  table_gate(std::string const& conninfo, std::string const& table)
      : m_cx(std::make_unique<pqxx::connection>(conninfo)),
        m_tx(std::make_unique<pqxx::work>(*m_cx)) {
    m_tx->exec0("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
  }
  /// The server went away with the lock: forget the transaction and the connection.
  void abandon() noexcept {
    try {
      m_tx.reset();
      m_cx.reset();
    } catch (...) {  // the connection is gone: nothing to roll back
    }
  }

 private:
  std::unique_ptr<pqxx::connection> m_cx;
  std::unique_ptr<pqxx::work> m_tx;
};

TEST(failover_test, a_primary_promoted_away_mid_run_names_the_last_commit_and_a_rerun_continues) {
  private_server primary;
  std::string const old_primary = primary.conninfo();
  auto const alone = migrate(old_primary, {"upgrade", "001", "--wait-for-standbys"});
  ASSERT_EQ(alone.code, 0) << alone.err;
  EXPECT_THAT(alone.out, HasSubstr("No standby is connected: nothing to wait for"));

  hot_standby standby(primary.socket_dir(), private_server::port);
  table_gate gate(old_primary, "users");
  // 002 commits; 003 (ALTER TABLE users) waits for the gate.
  auto run = std::async(std::launch::async, [&] {
    return migrate(old_primary, {"upgrade", "--lock-timeout", "0"});
  });
  migc::test::wait_for_statement(old_primary, "ALTER TABLE users ADD COLUMN full_name");
  migc::test::wait_for_replay(old_primary, standby.conninfo("postgres"));
  standby.promote();
  primary.stop();
  gate.abandon();

  auto const failed = run.get();
  EXPECT_EQ(failed.code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.out, HasSubstr("Applied 002"));
  EXPECT_THAT(failed.out, Not(HasSubstr("Applied 003")));
  EXPECT_THAT(failed.err, HasSubstr("revision 003"));
  EXPECT_THAT(failed.err, HasSubstr("the last committed revision is 002"));

  std::string const promoted = standby.conninfo("postgres");
  EXPECT_EQ(query_value(promoted, "SELECT version_num FROM alembic_version"), "002");
  auto const rerun = migrate(promoted, {"upgrade"});
  EXPECT_EQ(rerun.code, 0) << rerun.err;
  EXPECT_THAT(rerun.out, HasSubstr("Current database version: 002"));
  EXPECT_THAT(rerun.out, HasSubstr("Applied 003"));
  EXPECT_EQ(query_value(promoted, "SELECT version_num FROM alembic_version"), "003");
}

}  // namespace
