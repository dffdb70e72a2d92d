// Online-safe migrations on a real PostgreSQL: a revision the compiler planned in phases is
// applied phase by phase, a failure between phases leaves the done phases recorded and the next
// run resumes (an invalid index a stopped concurrent build left is dropped and built again), a
// backfill runs in batches and resumes after its last batch, and show/sql print the phases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "compiler_test_support.hpp"
#include "memory_catalog.hpp"
#include "migrate_cli.hpp"
#include "pg_test.hpp"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// Tables created and filled in the first revision: they serve traffic in the second.
constexpr char const* base_revision = R"(revision 001 "Base"
upgrade {
    create table accounts (id bigint primary key, name text)
    create table orders (
        id         bigint primary key,
        account_id bigint,
        code       text,
        total      numeric(12, 2),
        divisor    int not null default 1,
        note       text
    )
    create index orders_note on orders (note)
    create table countries (code text, name text)
    sql $$
        INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 100) g;
        INSERT INTO orders (id, account_id, code, total)
            SELECT g, 1 + g % 100, 'c' || g, g FROM generate_series(1, 1000) g;
        INSERT INTO countries VALUES ('fr', 'France'), ('de', 'Germany')
    $$
}
downgrade {
    sql $$ DROP TABLE orders, accounts, countries $$
}
)";

/// Every safe plan, a backfill in batches of 100, and a step that keeps its plain form.
constexpr char const* online_revision = R"(revision 002 revises 001 "Online changes"
upgrade {
    add constraint orders_account_fk on orders foreign key (account_id) references accounts
    add constraint orders_total_positive on orders check (total >= 0)
    alter column orders.account_id set not null
    add constraint orders_code_key on orders unique (code)
    create index orders_account on orders (account_id)
    drop index orders_note
    add column orders.share int
    backfill orders set share = (coalesce(share, 0) + 100 / divisor) batch 100
    -- migc:allow(small-table)
    add constraint countries_code_key on countries unique (code)
}
)";

class online_pg : public migc::test::pg_test {
 protected:
  void SetUp() override {
    m_folder.write("20250101_0000-001_base.mig", base_revision);
    m_folder.write("20250102_0000-002_online.mig", online_revision);
    m_catalog = migc::test::compile_chain(m_folder.path());
    ASSERT_TRUE(m_catalog);
  }

  migc::test::cli_result migrate(std::vector<std::string> args) const {
    return migc::test::run_migrate(conninfo(), m_catalog->get(), std::move(args));
  }

  void upgrade_to_base_revision() {
    auto const r = migrate({"upgrade", "001"});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  [[nodiscard]] std::string version() const {
    return scalar("SELECT coalesce(max(version_num), 'base') FROM alembic_version");
  }

  [[nodiscard]] std::string phases_done() const {
    return scalar("SELECT phases_done || ' of ' || phases_total FROM alembic_version_progress");
  }

  migc::test::temp_folder m_folder;
  std::unique_ptr<migc::test::memory_catalog> m_catalog;
};

TEST_F(online_pg, a_phased_revision_applies_every_phase_and_its_derived_downgrade_undoes_it) {
  auto const up = migrate({"upgrade"});
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_EQ(version(), "002");
  EXPECT_THAT(up.out, HasSubstr("Backfill of public.orders in 002: 1000 rows"));
  // Constraints validated, the not null check gone, the index valid and built concurrently.
  EXPECT_EQ(scalar("SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY conname) FROM "
                   "pg_constraint WHERE conrelid = 'orders'::regclass AND contype <> 'p'"),
            "orders_account_fk:true,orders_code_key:true,orders_total_positive:true");
  EXPECT_EQ(scalar("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND "
                   "attname = 'account_id'"),
            "t");
  EXPECT_EQ(scalar("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = "
                   "'orders'::regclass"),
            "t");
  EXPECT_EQ(scalar("SELECT to_regclass('orders_note') IS NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders WHERE share = 100"), "1000");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_progress"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE revision = '002'"), "1");

  auto const down = migrate({"downgrade", "-1"});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_EQ(version(), "001");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND "
                   "contype <> 'p'"),
            "0");
  EXPECT_EQ(scalar("SELECT to_regclass('orders_note') IS NOT NULL AND to_regclass("
                   "'orders_account') IS NULL"),
            "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' "
                   "AND column_name = 'share'"),
            "0");
  auto const again = migrate({"upgrade"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(version(), "002");
}

TEST_F(online_pg, a_failure_between_phases_is_resumed_by_the_next_run) {
  upgrade_to_base_revision();
  scalar("UPDATE orders SET account_id = NULL WHERE id = 7");  // VALIDATE of the not null check
  auto const failed = migrate({"upgrade"});
  ASSERT_NE(failed.code, 0);
  EXPECT_THAT(failed.err, HasSubstr("23514"));
  EXPECT_THAT(failed.err, HasSubstr("resumes at phase 6"));
  EXPECT_EQ(version(), "001");
  EXPECT_EQ(phases_done(), "5 of 14");
  // The phases done stay done: the foreign key is there and validated.
  EXPECT_EQ(scalar("SELECT convalidated FROM pg_constraint WHERE conname = 'orders_account_fk'"),
            "t");
  // status lists it as a problem (exit 4: attention).
  auto const status = migrate({"status"});
  EXPECT_EQ(status.code, 4);
  EXPECT_THAT(status.out + status.err, HasSubstr("stopped after phase 5 of 14"));
  // Another target than the stopped revision is refused until it is finished or resolved.
  auto const refused = migrate({"downgrade", "base"});
  EXPECT_NE(refused.code, 0);
  EXPECT_THAT(refused.err, HasSubstr("stopped after phase 5 of 14"));

  scalar("UPDATE orders SET account_id = 1 WHERE id = 7");
  auto const resumed = migrate({"upgrade"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("Resuming the upgrade of 002 at phase 6 of 14"));
  EXPECT_EQ(version(), "002");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_progress"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_constraint WHERE conname LIKE '%not_null%'"), "0");
}

TEST_F(online_pg, an_invalid_index_a_stopped_concurrent_build_left_is_dropped_and_built_again) {
  upgrade_to_base_revision();
  scalar("UPDATE orders SET code = 'same' WHERE id IN (3, 4)");
  auto const failed = migrate({"upgrade"});
  ASSERT_NE(failed.code, 0);
  EXPECT_THAT(failed.err, HasSubstr("23505"));
  EXPECT_EQ(
      scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_code_key'::regclass"),
      "f");

  scalar("UPDATE orders SET code = 'c' || id WHERE id IN (3, 4)");
  auto const resumed = migrate({"upgrade"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_THAT(resumed.out,
              HasSubstr("Dropping the invalid index public.orders_code_key a stopped run left"));
  EXPECT_EQ(scalar("SELECT contype FROM pg_constraint WHERE conname = 'orders_code_key'"), "u");
  EXPECT_EQ(
      scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_code_key'::regclass"),
      "t");
}

TEST_F(online_pg, a_backfill_commits_batch_by_batch_and_resumes_after_the_last_one) {
  upgrade_to_base_revision();
  scalar("UPDATE orders SET divisor = 0 WHERE id = 750");  // batch 8 divides by zero
  auto const failed = migrate({"upgrade", "--format", "json"});
  ASSERT_NE(failed.code, 0);
  EXPECT_THAT(failed.err, HasSubstr("22012"));
  EXPECT_EQ(scalar("SELECT backfill_rows FROM alembic_version_progress"), "700");
  EXPECT_EQ(scalar("SELECT backfill_key FROM alembic_version_progress"), "[700]");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders WHERE share IS NOT NULL"), "700");

  scalar("UPDATE orders SET divisor = 1 WHERE id = 750");
  auto const resumed = migrate({"upgrade", "--format", "json"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  // Each row was updated once: the batches committed before the failure were not run again.
  EXPECT_EQ(scalar("SELECT count(*) FROM orders WHERE share = 100"), "1000");
  EXPECT_THAT(resumed.err, HasSubstr(R"("backfill":{)"));
  EXPECT_THAT(resumed.err, HasSubstr(R"("done":true)"));
  EXPECT_THAT(resumed.err, HasSubstr(R"("rows":1000)"));
}

TEST_F(online_pg, resolve_settles_a_revision_stopped_between_phases) {
  upgrade_to_base_revision();
  scalar("UPDATE orders SET account_id = NULL WHERE id = 7");
  ASSERT_NE(migrate({"upgrade"}).code, 0);
  auto const resolved = migrate({"resolve", "002", "--rolled-back"});
  ASSERT_EQ(resolved.code, 0) << resolved.err;
  EXPECT_THAT(resolved.out, HasSubstr("Resolved the upgrade of 002 (stopped after phase 5 of 14)"));
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_progress"), "0");
  EXPECT_EQ(version(), "001");
}

TEST_F(online_pg, show_and_sql_print_the_phases_and_an_opted_out_step_keeps_its_plain_form) {
  auto const show = migrate({"show", "002"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("-- phase 1 of 14: in a transaction of its own\n"));
  EXPECT_THAT(show.out, HasSubstr("NOT VALID"));
  EXPECT_THAT(show.out, HasSubstr("outside a transaction block\n-- line 6"));
  EXPECT_THAT(show.out, HasSubstr("CREATE UNIQUE INDEX CONCURRENTLY orders_code_key"));
  EXPECT_THAT(show.out, HasSubstr("a backfill in batches"));
  EXPECT_THAT(show.out, HasSubstr("ALTER TABLE countries ADD CONSTRAINT countries_code_key UNIQUE "
                                  "(code);"));
  auto const sql = migrate({"sql", "001:002"});
  ASSERT_EQ(sql.code, 0) << sql.err;
  EXPECT_THAT(sql.out, HasSubstr("runs in 14 phases"));
  EXPECT_THAT(sql.out, HasSubstr("-- upgrade 002 phase 14 of 14"));
  EXPECT_THAT(sql.out, HasSubstr("UPDATE \"alembic_version_progress\" SET phases_done = 14"));
  EXPECT_THAT(sql.out, Not(HasSubstr("CREATE INDEX orders_account")));
}

}  // namespace
