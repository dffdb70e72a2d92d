// The revision id contract on a real PostgreSQL: a chain whose ids are as long as the version table
// allows, compiled by the compiler, migrates up and down with the runtime.
#include <gtest/gtest.h>

#include <sstream>

#include "compiler_test_support.hpp"
#include "memory_catalog.hpp"
#include "migrate_cli.hpp"
#include "pg_test.hpp"

namespace {

class contract_pg : public migc::test::pg_test {
 protected:
  int migrate(migc::runtime::catalog const& cat, std::vector<std::string> args) {
    auto const result = migc::test::run_migrate(conninfo(), cat, std::move(args));
    EXPECT_EQ(result.code, 0) << result.err;
    return result.code;
  }
};

}  // namespace

TEST_F(contract_pg, the_longest_legal_ids_migrate_up_and_down) {
  std::string const root = "00000000000018446744073709551614";
  std::string const head = "00000000000018446744073709551615";
  migc::test::temp_folder folder;
  folder.write("20250101_0000-" + root + "_a.mig",
               migc::test::revision_text(root, "", "CREATE TABLE a (id int)"));
  folder.write("20250102_0000-" + head + "_b.mig",
               "revision " + head + " revises " + root +
                   " \"b\"\nupgrade {\n    sql $$ CREATE TABLE b (id int) $$\n}\n"
                   "downgrade {\n    sql $$ DROP TABLE b $$\n}\n");
  auto const cat = migc::test::compile_chain(folder.path());
  ASSERT_TRUE(cat);
  migrate(cat->get(), {"upgrade"});
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), head);
  EXPECT_EQ(scalar("SELECT to_regclass('b') IS NOT NULL"), "t");
  migrate(cat->get(), {"status"});
  migrate(cat->get(), {"downgrade", "-1"});
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), root);
  migrate(cat->get(), {"downgrade", "base"});
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version"), "0");
  EXPECT_EQ(scalar("SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) FROM "
                   "alembic_version_history"),
            root + ":upgrade," + head + ":upgrade," + head + ":downgrade," + root + ":downgrade");
}
