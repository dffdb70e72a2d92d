// The example project (migrations/, the reference application of DESIGN.md) on a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <migc/runtime/migrator.hpp>
#include <migrate_catalog.hpp>

#include "pg_test.hpp"

namespace {

class example_test : public migc::test::pg_test {
 protected:
  std::string query(std::string const& sql) {
    pqxx::connection cx(conninfo());
    auto const result = pqxx::nontransaction(cx).exec(sql);
    return result.empty() || result[0][0].is_null() ? "" : result[0][0].as<std::string>();
  }
};

TEST_F(example_test, upgrades_to_head_backfills_full_name_and_downgrades_to_base_and_back) {
  pqxx::connection cx(conninfo());
  migc::runtime::migrator m(cx, example::db::catalog());
  m.upgrade("001");
  pqxx::nontransaction(cx).exec(
      "INSERT INTO users (id, first_name, last_name) VALUES ('u1', 'Ada', 'Lovelace');"
      "INSERT INTO memories (id, user_id, content) VALUES ('m1', 'u1', 'first memory')");
  m.upgrade("head");
  EXPECT_EQ(query("SELECT full_name FROM users WHERE id = 'u1'"), "Ada Lovelace");
  EXPECT_EQ(query("SELECT version_num FROM alembic_version"), "004");
  EXPECT_EQ(query("SELECT count(*) FROM pg_indexes WHERE indexname IN ('memories_task_id', 'task_logs_task_id')"), "2");
  EXPECT_EQ(query("SELECT conname FROM pg_constraint WHERE conrelid = 'memories'::regclass AND contype = 'f'"),
            "memories_user_id_fkey");
  m.downgrade("base");
  EXPECT_EQ(query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
                  "('users', 'memories', 'task_logs')"),
            "0");
  m.upgrade("head");
  EXPECT_EQ(query("SELECT version_num FROM alembic_version"), "004");
}

}  // namespace
