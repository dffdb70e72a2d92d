// `migrate sql` prints what `upgrade` sends, byte for byte: the statements the server logged
// during a real upgrade (log_statement = 'all' on the test's database) against the script.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pg_test.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::HasSubstr;

namespace {

class script_log_test : public migc::test::pg_test {
 protected:
  void SetUp() override {
    scalar("ALTER DATABASE " + database_name() + " SET log_statement = 'all'");
  }

  /// `migrate sql head` without its first (comment) line and the migration lock's SELECT: the
  /// messages, each after a blank line.
  static std::string printed_script(migc::runtime::catalog const& cat,
                                    std::vector<std::string> options) {
    options.insert(options.begin(), {"sql", "head"});
    auto const printed = migc::test::run_cli(options, cat);
    EXPECT_EQ(printed.code, 0) << printed.err;
    std::string const lock = "\nSELECT pg_advisory_lock(";
    auto const at = printed.out.find(lock);
    EXPECT_NE(at, std::string::npos) << printed.out;
    return printed.out.substr(printed.out.find('\n', at + 1) + 1);
  }

  /// What an upgrade from base sent to change the database: every logged message of the migrate
  /// session that starts with a `-- ` line (the statements it only reads with start with SELECT).
  std::string sent_script(migc::runtime::catalog const& cat, std::vector<std::string> options) {
    options.insert(options.begin(), {"--database-url", conninfo(), "upgrade"});
    auto const run = migc::test::run_cli(options, cat);
    EXPECT_EQ(run.code, 0) << run.err;
    std::string sent;
    for (auto const& statement :
         migc::test::logged_statements(conninfo(), database_name(), "migrate")) {
      if (statement.rfind("-- ", 0) == 0) sent += "\n" + statement;
    }
    return sent;
  }
};

}  // namespace

TEST_F(script_log_test, a_transactional_upgrade_sends_what_sql_prints) {
  std::string const printed = printed_script(migc::test::app, {});
  EXPECT_EQ(sent_script(migc::test::app, {}), printed);
  EXPECT_THAT(printed, HasSubstr("END$migc$;\nSET LOCAL lock_timeout"));
}

TEST_F(script_log_test, a_revision_without_transaction_sends_what_sql_prints) {
  std::string const printed = printed_script(migc::test::mixed, {"--lock-timeout", "3s"});
  EXPECT_EQ(sent_script(migc::test::mixed, {"--lock-timeout", "3s"}), printed);
  // The dirty marker's statements are part of the script.
  EXPECT_THAT(printed, HasSubstr("INSERT INTO \"alembic_version_dirty\""));
  EXPECT_THAT(printed, HasSubstr("SET statements_done = 1"));
  EXPECT_THAT(printed, HasSubstr("DELETE FROM \"alembic_version_dirty\""));
}

TEST_F(script_log_test, a_run_with_a_role_sends_what_sql_prints) {
  std::string const role = database_name() + "_owner";
  scalar("CREATE ROLE " + role + "; GRANT CREATE ON SCHEMA public TO " + role);
  std::string const printed = printed_script(migc::test::app, {"--role", role});
  EXPECT_EQ(sent_script(migc::test::app, {"--role", role}), printed);
  EXPECT_THAT(printed, HasSubstr("SET LOCAL ROLE \"" + role + "\";"));
  EXPECT_EQ(scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'users'"), role);
  scalar("DROP OWNED BY " + role + "; DROP ROLE " + role);
}
