// Phased revisions against a real PostgreSQL: each phase's session settings end with it (RESET
// ALL, RESET ROLE), a phase outside a transaction runs under --concurrent-lock-timeout, and the
// progress table belongs to --role like migrate's other tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/migrator.hpp>

#include "pg_test.hpp"
#include "test_catalogs.hpp"

namespace {

namespace rt = migc::runtime;
using namespace rt::literals;
using migc::test::app_revisions;
using migc::test::catalog_of;
using migc::test::view;
using rt::lock_level;
using rt::step;

/// A step of phase `phase` (C++17: the tests build as consumers do, without designated
/// initializers).
constexpr step phase_step(rt::text sql, std::uint32_t line, std::uint16_t phase,
                          bool outside_transaction = false) {
  step s{sql, line, lock_level::none};
  s.outside_transaction = outside_transaction;
  s.phase = phase;
  return s;
}

/// Revision 002 on top of app's 001, its steps in the phases they name.
constexpr rt::revision phased_002(rt::array_view<step> upgrade) {
  return {"002"_text,
          2,
          "001"_text,
          "Phased"_text,
          "20250101_1200-002_phased.mig"_text,
          1,
          "sha256:2"_text,
          true,
          true,
          upgrade,
          {}};
}

using phases_pg_test = migc::test::pg_test;

TEST_F(phases_pg_test, a_setting_a_phase_changes_where_the_compiler_cannot_see_ends_with_it) {
  static constexpr step up[] = {
      phase_step("DO $$ BEGIN PERFORM set_config('search_path', 'elsewhere', false); END $$"_text,
                 3, 0),
      phase_step("CREATE TABLE after_leak (id int)"_text, 4, 1)};
  static constexpr rt::revision revisions[] = {app_revisions[0], phased_002(view(up))};
  (void)scalar("CREATE SCHEMA elsewhere");
  auto const result = rt::upgrade(conninfo(), catalog_of(revisions), {});
  EXPECT_EQ(result.to, "002");
  EXPECT_EQ(scalar("SELECT to_regclass('public.after_leak') IS NOT NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'elsewhere'"), "0");
}

TEST_F(phases_pg_test, a_phase_outside_a_transaction_runs_under_the_concurrent_lock_timeout) {
  static constexpr step up[] = {
      phase_step("DO $$ BEGIN IF current_setting('lock_timeout') <> '1500ms' THEN RAISE EXCEPTION "
                 "'lock_timeout is %', current_setting('lock_timeout'); END IF; END $$"_text,
                 3, 0, true),
      phase_step("CREATE TABLE after_outside (id int)"_text, 4, 1)};
  static constexpr rt::revision revisions[] = {app_revisions[0], phased_002(view(up))};
  rt::options o;
  o.lock_timeout = std::chrono::milliseconds(4000);
  o.concurrent_lock_timeout = std::chrono::milliseconds(1500);
  auto const result = rt::upgrade(conninfo(), catalog_of(revisions), o);
  EXPECT_EQ(result.to, "002");
  EXPECT_EQ(scalar("SELECT to_regclass('after_outside') IS NOT NULL"), "t");
}

TEST_F(phases_pg_test, the_progress_table_belongs_to_the_role) {
  static constexpr step up[] = {phase_step("CREATE TABLE first_phase (id int)"_text, 3, 0),
                                phase_step("CREATE TABLE second_phase (id int)"_text, 4, 1)};
  static constexpr rt::revision revisions[] = {app_revisions[0], phased_002(view(up))};
  std::string const owner = database_name() + "_owner";
  (void)scalar("CREATE ROLE " + owner + " NOLOGIN; GRANT CREATE ON SCHEMA public TO " + owner);
  rt::options o;
  o.role = owner;
  auto const result = rt::upgrade(conninfo(), catalog_of(revisions), o);
  EXPECT_EQ(result.to, "002");
  for (char const* table : {"alembic_version", "alembic_version_progress", "second_phase"}) {
    EXPECT_EQ(
        scalar(std::string("SELECT tableowner FROM pg_tables WHERE tablename = '") + table + "'"),
        owner)
        << table;
  }
  (void)scalar("DROP OWNED BY " + owner + "; DROP ROLE " + owner);
}

}  // namespace
