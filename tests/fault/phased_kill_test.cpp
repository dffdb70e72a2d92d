// Kill at random during a phased revision (safe plans and a backfill): every kill leaves the
// version at a revision boundary, the phases done recorded, and at most the invalid index of the
// phase it interrupted; the next run finishes the revision.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "fault_support.hpp"
#include "pg_test.hpp"

namespace {

using namespace migc::test;

int phased_kill_rounds() {
  char const* long_run = std::getenv("MIGC_FAULT_LONG");
  return long_run && std::string(long_run) == "1" ? 40 : 4;
}

class phased_kill_test : public pg_test {
 protected:
  process_result migrate(std::vector<std::string> const& args) const {
    return run_process(fault_argv("fault_phased_migrate", conninfo(), args));
  }

  /// "" when the database is in a state a run of revision 002 can finish, else what is wrong.
  std::string inconsistency() const {
    std::string const version =
        scalar("SELECT coalesce(max(version_num), 'none') FROM alembic_version");
    std::string const pending = scalar(
        "SELECT CASE WHEN to_regclass('alembic_version_progress') IS NULL THEN '' ELSE "
        "(SELECT string_agg(revision || ':' || phases_done || '/' || phases_total, ',') FROM "
        "alembic_version_progress) END");
    if (version == "002" && !pending.empty()) return "at 002 with a progress row " + pending;
    if (version != "001" && version != "002") return "version " + version;
    if (scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
               "(SELECT oid FROM pg_database WHERE datname = current_database())") != "0")
      return "an advisory lock is held";
    if (version == "002") {
      if (scalar("SELECT count(*) FROM items WHERE w IS DISTINCT FROM v * 2") != "0")
        return "at 002 with rows the backfill missed";
      if (scalar("SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'items'::regclass") !=
          "t")
        return "at 002 with an invalid index";
    }
    return "";
  }

  void reset_to_001() {
    if (scalar("SELECT max(version_num) FROM alembic_version") == "002") {
      auto const down = migrate({"downgrade", "001"});
      ASSERT_EQ(down.exit_code, 0) << down.err;
    }
  }
};

TEST_F(phased_kill_test, a_phased_revision_killed_at_random_is_finished_by_the_next_run) {
  auto const base = migrate({"upgrade", "001"});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  std::mt19937 random(20261129);
  std::uniform_int_distribution<int> delay_ms(100, 2500);
  int kills = 0;
  int left_pending = 0;
  for (int round = 0; round < phased_kill_rounds(); ++round) {
    int const delay = delay_ms(random);
    child_process child(fault_argv("fault_phased_migrate", conninfo(), {"upgrade"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    child.kill(SIGKILL);
    if (child.wait().signal == SIGKILL) ++kills;
    wait_for_quiet_database(conninfo());
    EXPECT_EQ(inconsistency(), "") << "after a kill at " << delay << " ms";
    if (scalar("SELECT max(version_num) FROM alembic_version") == "001" &&
        scalar("SELECT to_regclass('alembic_version_progress') IS NOT NULL") == "t" &&
        scalar("SELECT count(*) FROM alembic_version_progress") == "1") {
      ++left_pending;
    }
    auto const finish = migrate({"upgrade"});
    ASSERT_EQ(finish.exit_code, 0) << "after a kill at " << delay << " ms: " << finish.err;
    EXPECT_EQ(scalar("SELECT max(version_num) FROM alembic_version"), "002");
    EXPECT_EQ(inconsistency(), "") << "after the run that finished a kill at " << delay << " ms";
    reset_to_001();
  }
  std::printf("[ figures  ] phased revision: %d kills, %d left it between phases\n", kills,
              left_pending);
}

}  // namespace
