// Phased revisions behind a real PgBouncer in transaction mode: every phase's transaction passes
// the migration guard, so concurrent runs interleave phase by phase and each phase runs once;
// what needs one server session (a concurrent index build, a backfill) is refused up front.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pg_test.hpp"
#include "topology_support.hpp"
#include "topology_test.hpp"

namespace {

using migc::test::child_process;
using migc::test::migrate;
using migc::test::migrate_argv;
using migc::test::pgbouncer;
using testing::HasSubstr;
using testing::Not;

class pooled_phases_test : public migc::test::pg_test {};

TEST_F(pooled_phases_test, two_concurrent_runs_apply_each_phase_of_a_phased_revision_once) {
  pgbouncer const bouncer("transaction", 4);
  std::string const via = bouncer.conninfo(database_name());
  auto const first = migrate("phased", via, {"upgrade", "001"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  std::vector<std::unique_ptr<child_process>> runs;
  for (int i = 0; i < 2; ++i) {
    runs.push_back(
        std::make_unique<child_process>(migrate_argv("phased", via, {"upgrade", "002"})));
  }
  std::string outputs;
  for (auto& run : runs) {
    auto const r = run->wait();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    outputs += r.out + r.err;
  }
  EXPECT_THAT(outputs, HasSubstr("Connected through a connection pooler"));
  EXPECT_THAT(outputs, Not(HasSubstr("by hand")));
  // Each of the phases that log (1, 3 and 5 of 5) ran once.
  EXPECT_EQ(scalar("SELECT string_agg(phase, ', ' ORDER BY phase) FROM phase_log"),
            "phase 1, phase 3, phase 5");
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "002");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE revision = '002' AND "
                   "direction = 'upgrade'"),
            "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_progress"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'items'::regclass AND "
                   "contype = 'c'"),
            "1");  // items_v_positive; the check behind SET NOT NULL was dropped
  EXPECT_EQ(scalar("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND "
                   "attname = 'w'"),
            "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())"),
            "0");
}

TEST_F(pooled_phases_test, a_phase_outside_a_transaction_is_refused_behind_a_pooler_up_front) {
  pgbouncer const bouncer("transaction", 2);
  std::string const via = bouncer.conninfo(database_name());
  auto const r = migrate("phased", via, {"upgrade"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("revision 003 \"Index built concurrently\""));
  EXPECT_THAT(r.err, HasSubstr("has a phase outside a transaction (a concurrent index build)"));
  EXPECT_THAT(r.err, HasSubstr("Nothing was applied: run this revision over a direct connection"));
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version"), "0");
  auto const direct = migrate("phased", conninfo(), {"upgrade"});
  EXPECT_EQ(direct.exit_code, 0) << direct.out << direct.err;
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "003");
}

}  // namespace
