// Production guards of the migrate command line against a real PostgreSQL: a mistyped
// --version-table is refused where it would start a second history, and permission errors name
// what migrate was doing, the grant to make and the SQLSTATE.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include "pg_test.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"
#include "wait.hpp"

using migc::test::cli_result;
using migc::test::run_cli;
using ::testing::HasSubstr;

namespace {

class production_test : public migc::test::pg_test {
 protected:
  /// run_cli on the test's database, as `login` when given.
  cli_result run(std::vector<std::string> args, std::string const& login = {}) {
    args.insert(args.begin(),
                {"--database-url", login.empty() ? conninfo() : conninfo() + " user=" + login});
    return run_cli(args, migc::test::app);
  }
  /// A login role of this test only, dropped with what it owns at the end.
  std::string make_login(std::string const& suffix) {
    std::string const login = database_name() + "_" + suffix;
    scalar("CREATE ROLE " + login + " LOGIN");
    m_logins.push_back(login);
    return login;
  }
  void TearDown() override {
    for (std::string const& login : m_logins) {
      scalar("DROP OWNED BY " + login + "; DROP ROLE " + login);
    }
  }

 private:
  std::vector<std::string> m_logins;
};

TEST_F(production_test, a_version_table_missing_from_a_schema_with_tables_is_refused) {
  ASSERT_EQ(run({"upgrade", "+1"}).code, 0);  // users, memories and migrate's own tables in public
  for (std::vector<std::string> const& command :
       {std::vector<std::string>{"upgrade"}, {"upgrade", "--dry-run"}, {"stamp", "001"}}) {
    std::vector<std::string> args{"--version-table", "alembic_verison"};
    args.insert(args.end(), command.begin(), command.end());
    auto const r = run(args);
    EXPECT_EQ(r.code, 1) << command[0] << r.out;
    EXPECT_THAT(r.err, HasSubstr("--version-table alembic_verison: no such table in schema "
                                 "public, which already has 4 other tables (alembic_version, "
                                 "alembic_version_history, memories, users); a mistyped name "
                                 "would start a second history"));
    EXPECT_THAT(r.err, HasSubstr("pass --new-version-table to start a new history in schema "
                                 "public"));
  }
  auto const json = run({"--version-table", "alembic_verison", "upgrade", "--format", "json"});
  EXPECT_THAT(json.out, HasSubstr("\"reason\":\"new_version_table\""));
  // status never refuses: it reports the typo as an anomaly (exit 4), not "base, 3 pending".
  auto const status = run({"--version-table", "alembic_verison", "status"});
  EXPECT_EQ(status.code, 4) << status.out << status.err;
  EXPECT_THAT(status.out + status.err,
              HasSubstr("--version-table alembic_verison: no such table in schema public"));
  auto const status_json =
      run({"--version-table", "alembic_verison", "status", "--format", "json"});
  EXPECT_THAT(status_json.out, HasSubstr("\"reason\":\"new_version_table\""));
  EXPECT_EQ(scalar("SELECT to_regclass('alembic_verison') IS NULL"), "t");
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "001");

  // Confirmed, the new history starts; once it exists, no confirmation is needed.
  auto const confirmed =
      run({"--version-table", "other_version", "--new-version-table", "stamp", "001"});
  EXPECT_EQ(confirmed.code, 0) << confirmed.err;
  EXPECT_EQ(run({"--version-table", "other_version", "upgrade"}).code, 0);
  EXPECT_EQ(scalar("SELECT version_num FROM other_version"), "003");

  // A schema without tables needs no confirmation (a tenant's first run).
  scalar("CREATE SCHEMA tenant");
  auto const fresh = run({"--version-table", "tenant.alembic_version", "stamp", "001"});
  EXPECT_EQ(fresh.code, 0) << fresh.err;
}

TEST_F(production_test, permission_errors_name_the_work_the_grant_and_the_sqlstate) {
  std::string const login = make_login("deployer");
  auto const tables = run({"upgrade"}, login);
  EXPECT_EQ(tables.code, 1);
  EXPECT_THAT(tables.err,
              HasSubstr("creating migrate's own tables (public.alembic_version, "
                        "public.alembic_version_history) failed: permission denied for schema "
                        "public (SQLSTATE 42501); nothing was changed. To fix: GRANT CREATE ON "
                        "SCHEMA public TO " +
                        login));

  // migrate's tables exist (the login made them), the revisions' schema is closed to it.
  scalar("GRANT CREATE ON SCHEMA public TO " + login);
  ASSERT_EQ(run({"stamp", "base"}, login).code, 0);
  scalar("REVOKE CREATE ON SCHEMA public FROM " + login);
  auto const revision = run({"upgrade"}, login);
  EXPECT_EQ(revision.code, 1);
  EXPECT_THAT(revision.err, HasSubstr("upgrade of revision 001 \"Initial schema\" failed at "
                                      "migrations/20250101_0900-001_initial_schema.mig:"));
  EXPECT_THAT(revision.err, HasSubstr(": permission denied for schema public (SQLSTATE 42501); "
                                      "rolled back, the database stays at base. To fix: GRANT "
                                      "CREATE ON SCHEMA public TO " +
                                      login));

  // A table of another owner: ownership is what it takes, and who has it is named.
  ASSERT_EQ(run({"upgrade", "001"}).code, 0);
  scalar("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + login +
         "; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + login);
  std::string const owner = scalar("SELECT current_user");
  auto const alter = run({"upgrade"}, login);
  EXPECT_EQ(alter.code, 1);
  EXPECT_THAT(alter.err, HasSubstr("must be owner of table memories (SQLSTATE 42501)"));
  EXPECT_THAT(alter.err, HasSubstr("To fix: only the owner of table memories, " + owner +
                                   ", may do this: run as it (--role " + owner));
}

TEST_F(production_test, a_login_that_may_not_read_migrates_tables_is_told_the_grant) {
  ASSERT_EQ(run({"upgrade", "001"}).code, 0);  // the tables belong to the test's own login
  std::string const login = make_login("reader");
  std::string const owner = scalar("SELECT current_user");
  for (std::vector<std::string> const& command :
       {std::vector<std::string>{"status"}, {"history"}, {"verify"}}) {
    auto const r = run(command, login);
    EXPECT_EQ(r.code, 1) << command[0] << r.out;
    EXPECT_THAT(r.err, HasSubstr("reading migrate's own tables (public.alembic_version, "
                                 "public.alembic_version_history) failed: permission denied for "
                                 "table alembic_version"))
        << command[0];
    EXPECT_THAT(r.err, HasSubstr("(SQLSTATE 42501); nothing was changed. To fix: GRANT SELECT "
                                 "ON alembic_version, alembic_version_history TO " +
                                 login + "; or make " + login +
                                 " a member of their owner, as every deployer login is under "
                                 "--role: GRANT " +
                                 owner + " TO " + login))
        << command[0];
  }
  // Granted what the message says, the login reads the state.
  scalar("GRANT SELECT ON alembic_version, alembic_version_history TO " + login);
  auto const status = run({"status"}, login);
  EXPECT_EQ(status.code, 0) << status.out << status.err;
}

TEST_F(production_test, a_concurrent_index_that_timed_out_is_dropped_and_retried) {
  // An older snapshot makes CREATE INDEX CONCURRENTLY wait after it built the index; the
  // --concurrent-lock-timeout cuts that wait and leaves the index INVALID.
  pqxx::connection snapshot(conninfo());
  pqxx::nontransaction(snapshot).exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
  auto run = std::async(std::launch::async, [&] {
    return run_cli({"--database-url", conninfo(), "upgrade", "--concurrent-lock-timeout", "300ms",
                    "--lock-retries", "5"},
                   migc::test::slow_index);
  });
  migc::test::wait_for_statement(conninfo(), "CREATE INDEX CONCURRENTLY users_last_name");
  migc::test::wait_until([&] {  // the first try timed out: the run waits to retry
    return scalar(
               "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
               "'%CREATE INDEX CONCURRENTLY users_last_name%' AND pid <> pg_backend_pid()") == "0";
  });
  pqxx::nontransaction(snapshot).exec("COMMIT");
  auto const r = run.get();
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Lock timeout in revision 002 (outside a transaction"));
  EXPECT_THAT(r.out, HasSubstr("dropped the invalid index it left, users_last_name; retrying in"));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "002");
  EXPECT_EQ(
      scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_last_name'::regclass"),
      "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_dirty"), "0");
}

}  // namespace
