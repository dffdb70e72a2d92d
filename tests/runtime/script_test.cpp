// The version store's names and DDL, and the script builder's messages (pure, offline quoting).
#include "script.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/error.hpp>
#include <string>

#include "test_catalogs.hpp"
#include "version_store.hpp"

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

namespace rt = migc::runtime;
namespace detail = migc::runtime::detail;
using migc::test::app;

TEST(advisory_lock, key_is_pinned) {
  // FNV-1a 64 of "migc:public.alembic_version", as a signed bigint. Never change.
  EXPECT_EQ(detail::advisory_lock_key(detail::parse_table_name("alembic_version")),
            -412713010304235490LL);
  EXPECT_EQ(detail::advisory_lock_key(detail::parse_table_name("public.alembic_version")),
            -412713010304235490LL);
  EXPECT_EQ(detail::advisory_lock_key(detail::parse_table_name("app.schema_version")),
            -7626255654021360378LL);
}

TEST(version_store, parses_table_names) {
  auto const t = detail::parse_table_name("app.schema_version");
  EXPECT_EQ(t.schema, "app");
  EXPECT_EQ(t.table, "schema_version");
  EXPECT_THROW((void)detail::parse_table_name("a.b.c"), rt::error);
  EXPECT_THROW((void)detail::parse_table_name(".b"), rt::error);
  EXPECT_THROW((void)detail::parse_table_name(""), rt::error);
}

TEST(version_store, alembic_ddl_is_exact) {
  auto const q = detail::offline_quoter();
  EXPECT_EQ(detail::create_version_table_sql(q, detail::parse_table_name("alembic_version")),
            "CREATE TABLE IF NOT EXISTS \"alembic_version\" (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT \"alembic_version_pkc\" PRIMARY KEY (version_num))");
}

TEST(version_store, offline_quoting_doubles_quotes) {
  auto const q = detail::offline_quoter();
  EXPECT_EQ(q.literal("it's"), "'it''s'");
  EXPECT_EQ(q.identifier("we\"ird"), "\"we\"\"ird\"");
}

namespace {

detail::script_context context(std::string role = {}) {
  detail::script_context ctx;
  ctx.version_table = detail::parse_table_name("alembic_version");
  ctx.build_id = "sha256:chain";
  ctx.role = std::move(role);
  return ctx;
}

}  // namespace

TEST(script, terminates_steps_after_trailing_comments) {
  EXPECT_EQ(detail::terminated("SELECT 1"), "SELECT 1;\n");
  EXPECT_EQ(detail::terminated("SELECT 1;\n  "), "SELECT 1;\n");
  EXPECT_EQ(detail::terminated("SELECT 1 -- why"), "SELECT 1 -- why\n;\n");
}

TEST(script, revision_script_is_one_transaction_with_guarded_update) {
  auto ctx = context();
  std::string const script = detail::revision_script(
      detail::offline_quoter(), ctx, app, {&app.revisions[1], rt::direction::upgrade}, "001");
  EXPECT_THAT(script, StartsWith("-- upgrade 002 \"Add new_field to memories\" "
                                 "(migrations/20250101_1200-002_add_new_field.mig:2)\nBEGIN;\n"
                                 "DO $migc$BEGIN\n"));
  // The guard first: this session holds the lock, takes it for the transaction, and the version
  // is still the parent; then the steps, and the session settings reset before the bookkeeping.
  EXPECT_THAT(script, HasSubstr("pid=pg_backend_pid()"));
  EXPECT_THAT(script, HasSubstr("IF NOT pg_try_advisory_xact_lock(-412713010304235490)THEN"));
  EXPECT_THAT(script, HasSubstr("IF NOT EXISTS(SELECT FROM \"alembic_version\" WHERE "
                                "version_num='001')THEN RAISE SQLSTATE 'MG002'"));
  EXPECT_THAT(script, HasSubstr("END$migc$;\nSET LOCAL lock_timeout = '10000ms';\n-- lock: "
                                "ACCESS EXCLUSIVE\nALTER TABLE memories ADD COLUMN new_field "
                                "text;\nRESET ALL;\nRESET ROLE;\nDO $migc$"));
  EXPECT_THAT(script,
              HasSubstr("UPDATE \"alembic_version\" SET version_num = '002' WHERE version_num = "
                        "'001'; IF NOT FOUND THEN RAISE EXCEPTION"));
  EXPECT_THAT(script, HasSubstr("clock_timestamp() - transaction_timestamp()"));
  EXPECT_THAT(script,
              HasSubstr("COMMIT;\nSELECT (extract(epoch FROM duration) * 1000000)::bigint"));
}

TEST(script, a_root_downgrade_deletes_the_row) {
  auto ctx = context();
  std::string const script = detail::revision_script(
      detail::offline_quoter(), ctx, app, {&app.revisions[0], rt::direction::downgrade}, "001");
  EXPECT_THAT(script, HasSubstr("DELETE FROM \"alembic_version\" WHERE version_num = '001'"));
}

TEST(script, the_bookkeeping_chains_the_version_and_starts_the_clock) {
  auto ctx = context();
  std::string const call =
      detail::revision_script(detail::offline_quoter(), ctx, app,
                              {&app.revisions[0], rt::direction::upgrade}, std::nullopt);
  EXPECT_THAT(call, Not(HasSubstr("pg_temp")));  // nothing outlives a transaction (poolers)
  EXPECT_THAT(call, HasSubstr("IF EXISTS(SELECT FROM \"alembic_version\")THEN"));
  EXPECT_THAT(call, HasSubstr("SELECT '001' WHERE NOT EXISTS"));
  EXPECT_THAT(call, HasSubstr("(clock_timestamp() - transaction_timestamp())::interval, "
                              "'sha256:chain', recorded.downgrade, "));
  // The history row records the downgrade and its checksum, computed by the server.
  EXPECT_THAT(call, HasSubstr("'sha256:' || encode(sha256(convert_to((recorded.downgrade)::text, "
                              "'UTF8')), 'hex') FROM (SELECT '{\"checksum\""));
  EXPECT_THAT(call, HasSubstr("\"sql\":\"DROP TABLE users\"}],\"transactional\":true}'::jsonb) "
                              "AS recorded(downgrade);\nCOMMIT;\n"));
  ctx.shared_transaction = true;
  std::string const shared = detail::revision_script(detail::offline_quoter(), ctx, app,
                                                     {&app.revisions[0], rt::direction::upgrade},
                                                     std::nullopt, false, false);
  EXPECT_THAT(shared, HasSubstr("(clock_timestamp() - statement_timestamp())::interval"));
  EXPECT_THAT(shared, HasSubstr("AS recorded(downgrade);\nSELECT (extract"));
  // A downgrade's row records none.
  std::string const down = detail::revision_script(
      detail::offline_quoter(), ctx, app, {&app.revisions[0], rt::direction::downgrade}, "001");
  EXPECT_THAT(down, Not(HasSubstr("downgrade_checksum")));
  EXPECT_THAT(shared, Not(HasSubstr("BEGIN;")));
}

TEST(script, a_role_runs_the_steps_and_the_bookkeeping_runs_as_the_session_user) {
  auto const ctx = context("app owner");
  std::string const script = detail::revision_script(
      detail::offline_quoter(), ctx, app, {&app.revisions[1], rt::direction::upgrade}, "001");
  EXPECT_THAT(script, HasSubstr("SET LOCAL ROLE \"app owner\";\n-- lock:"));
  EXPECT_THAT(script, HasSubstr("new_field text;\nRESET ALL;\nRESET ROLE;\nDO $migc$"));
}

TEST(script, a_revision_outside_a_transaction_is_marked_dirty_until_it_is_recorded) {
  auto const ctx = context("owner");
  rt::revision const& index = migc::test::mixed.revisions[3];
  auto const script = detail::outside_transaction_messages(
      detail::offline_quoter(), ctx, migc::test::mixed, {&index, rt::direction::upgrade}, "003");
  EXPECT_THAT(script.mark,
              HasSubstr("INSERT INTO \"alembic_version_dirty\" (revision, direction, "
                        "statements_total, checksum, build_id, pid, statement_started_at) VALUES "
                        "('004', 'upgrade', 1, "));
  // The record of a kill: which server process ran the statements, when the next one started.
  EXPECT_THAT(script.mark, HasSubstr("'sha256:chain', pg_backend_pid(), clock_timestamp());"));
  EXPECT_THAT(script.mark, HasSubstr("BEGIN;\nDO $migc$BEGIN\n"));  // the migration guard
  EXPECT_THAT(script.mark,
              HasSubstr("COMMIT;\nSET lock_timeout = '10000ms';\nSELECT "
                        "set_config('client_connection_check_interval', '1000', false) WHERE "
                        "current_setting('server_version_num')::int >= 140000;\nSET ROLE "
                        "\"owner\";\n"));
  ASSERT_EQ(script.statements.size(), 1u);
  EXPECT_EQ(script.statements[0],
            "-- upgrade 004 statement 1 of 1, line 4, lock: unknown (raw SQL)\n"
            "CREATE INDEX CONCURRENTLY users_last_name ON users (last_name);\n");
  EXPECT_THAT(script.progress[0], HasSubstr("RESET ROLE;\nUPDATE \"alembic_version_dirty\" SET "
                                            "statements_done = 1"));
  EXPECT_THAT(script.progress[0], HasSubstr("statement_started_at = clock_timestamp()"));
  EXPECT_THAT(script.progress[0], HasSubstr("SET ROLE \"owner\";\n"));
  EXPECT_EQ(script.reset, "-- upgrade 004: reset the session\nRESET ALL;\nRESET ROLE;\n");
  EXPECT_THAT(script.record, HasSubstr("clock_timestamp() - (SELECT started_at FROM "
                                       "\"alembic_version_dirty\" WHERE revision = '004')"));
  EXPECT_THAT(script.record,
              HasSubstr("DELETE FROM \"alembic_version_dirty\" WHERE revision = '004';\n"
                        "COMMIT;\n"));

  // resolve --continue takes the marker over: no second marker, this server process, no error.
  auto const continued = detail::outside_transaction_messages(
      detail::offline_quoter(), ctx, migc::test::mixed, {&index, rt::direction::upgrade}, "003", 0);
  EXPECT_THAT(continued.mark, Not(HasSubstr("INSERT INTO")));
  EXPECT_THAT(continued.mark, HasSubstr("continues outside a transaction at statement 1 of 1"));
  EXPECT_THAT(continued.mark, HasSubstr("BEGIN;\nDO $migc$BEGIN\n"));  // the migration guard
  EXPECT_THAT(continued.mark,
              HasSubstr("UPDATE \"alembic_version_dirty\" SET pid = pg_backend_pid(), "
                        "statement_started_at = clock_timestamp(), error = NULL WHERE revision = "
                        "'004';\nCOMMIT;\nSET lock_timeout"));
  EXPECT_EQ(continued.statements, script.statements);
  EXPECT_EQ(continued.record, script.record);
}

TEST(script, every_message_that_changes_the_database_says_what_it_does) {
  auto const ctx = context();
  auto const steps = detail::plan(migc::test::mixed, std::nullopt, rt::direction::upgrade,
                                  detail::parse_upgrade_target("head"));
  for (auto const& message :
       detail::run_script(detail::offline_quoter(), ctx, migc::test::mixed, steps, {}, true)) {
    EXPECT_THAT(message, StartsWith("-- "));
  }
}

TEST(script, a_statement_that_cannot_run_in_a_transaction_gets_its_own_lock_timeout) {
  auto ctx = context();
  ctx.concurrent_lock_timeout = std::chrono::milliseconds(0);  // the default: no bound
  rt::revision const& index = migc::test::slow_index.revisions[1];
  auto const script =
      detail::outside_transaction_messages(detail::offline_quoter(), ctx, migc::test::slow_index,
                                           {&index, rt::direction::upgrade}, "001");
  // The first statement (SELECT pg_sleep) runs under --lock-timeout, the CREATE INDEX
  // CONCURRENTLY under --concurrent-lock-timeout, set by the progress message before it.
  EXPECT_THAT(script.mark, HasSubstr("SET lock_timeout = '10000ms';\n"));
  ASSERT_EQ(script.progress.size(), 2u);
  EXPECT_THAT(script.progress[0], HasSubstr("SET lock_timeout = '0ms';\n"));
  EXPECT_THAT(script.progress[1], Not(HasSubstr("lock_timeout")));
}
