// --role: a missing role is refused before anything runs; migrate's own tables belong to the role,
// so another deployer login (a member) can run every command.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pg_test.hpp"
#include "topology_test.hpp"

namespace {

using migc::test::migrate;
using testing::HasSubstr;

class role_test : public migc::test::pg_test {};

TEST_F(role_test, tables_belong_to_the_role_and_a_second_login_can_use_them) {
  std::string const owner = database_name() + "_owner";
  std::string const deployer = database_name() + "_deployer";
  auto const missing = migrate("pooled", conninfo(), {"upgrade", "--role", owner});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("--role " + owner +
                                     ": no such role on the server; nothing "
                                     "was changed"));
  EXPECT_EQ(scalar("SELECT to_regclass('alembic_version') IS NULL"), "t");

  scalar("CREATE ROLE " + owner + " NOLOGIN; GRANT CREATE ON SCHEMA public TO " + owner +
         "; CREATE ROLE " + deployer + " LOGIN IN ROLE " + owner);
  auto const r = migrate("pooled", conninfo(), {"upgrade", "002", "--role", owner});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (char const* table : {"alembic_version", "alembic_version_history", "t1", "t2"}) {
    EXPECT_EQ(
        scalar(std::string("SELECT tableowner FROM pg_tables WHERE tablename = '") + table + "'"),
        owner)
        << table;
  }
  std::string const as_deployer = conninfo() + " user=" + deployer;  // the later key wins
  auto const status = migrate("pooled", as_deployer, {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  auto const more = migrate("pooled", as_deployer, {"upgrade", "--role", owner});
  EXPECT_EQ(more.exit_code, 0) << more.err;
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "006");
  scalar("DROP OWNED BY " + owner + ", " + deployer + "; DROP ROLE " + deployer + "; DROP ROLE " +
         owner);
}

}  // namespace
