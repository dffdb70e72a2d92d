// The example project (migrations/, the reference application of DESIGN.md) on a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <migc/runtime/migrator.hpp>
#include <migrate_catalog.hpp>
#include <pqxx/pqxx>
#include <sstream>

#include "pg_test.hpp"
#include "process.hpp"

namespace {

class example_test : public migc::test::pg_test {};

TEST_F(example_test, upgrades_to_head_backfills_full_name_and_downgrades_to_base_and_back) {
  pqxx::connection cx(conninfo());
  migc::runtime::migrator m(conninfo(), example::db::catalog());
  m.upgrade("001");
  pqxx::nontransaction(cx).exec(
      "INSERT INTO users (id, first_name, last_name) VALUES ('u1', 'Ada', 'Lovelace');"
      "INSERT INTO memories (id, user_id, content) VALUES ('m1', 'u1', 'first memory')");
  m.upgrade("head");
  EXPECT_EQ(scalar("SELECT full_name FROM users WHERE id = 'u1'"), "Ada Lovelace");
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "004");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_indexes WHERE indexname IN ('memories_task_id', "
                   "'task_logs_task_id')"),
            "2");
  EXPECT_EQ(scalar("SELECT conname FROM pg_constraint WHERE conrelid = 'memories'::regclass AND "
                   "contype = 'f'"),
            "memories_user_id_fkey");
  m.downgrade("base");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
                   "('users', 'memories', 'task_logs')"),
            "0");
  m.upgrade("head");
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "004");
}

TEST_F(example_test, migrated_schema_dumps_exactly_like_the_same_schema_written_in_plain_sql) {
  migc::runtime::migrator(conninfo(), example::db::catalog()).upgrade("head");

  migc::test::scratch_database plain;
  std::ifstream file(MIGC_PLAIN_SCHEMA);
  std::string const sql{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  pqxx::connection plain_cx(plain.conninfo());
  pqxx::nontransaction(plain_cx).exec(sql);

  std::string const migrated = migc::test::schema_dump(conninfo());
  EXPECT_THAT(migrated, ::testing::HasSubstr("CREATE TABLE public.memories"));
  EXPECT_EQ(migrated, migc::test::schema_dump(plain.conninfo()));
}

}  // namespace
