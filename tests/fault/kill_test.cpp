// Kill at random: SIGKILL the migrate binary mid-run, again and again; the database is always at a
// revision boundary.
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

int kill_rounds() {
  char const* long_run = std::getenv("MIGC_FAULT_LONG");
  return long_run && std::string(long_run) == "1" ? 100 : 20;
}

class kill_test : public pg_test {
 protected:
  process_result migrate(std::vector<std::string> const& args) const {
    return run_process(fault_argv("fault_migrate", conninfo(), args));
  }

  /// Starts `args`, kills it after `delay`, lets the orphaned backend finish, and checks the
  /// invariants.
  void kill_after(std::vector<std::string> const& args, std::chrono::milliseconds delay) {
    child_process child(fault_argv("fault_migrate", conninfo(), args));
    std::this_thread::sleep_for(delay);
    child.kill(SIGKILL);
    auto const ended = child.wait();
    ++m_kills;
    if (ended.signal != SIGKILL) ++m_finished_before_kill;
    wait_for_quiet_database(conninfo());
    std::string const problem = fault_chain_inconsistency(conninfo());
    EXPECT_EQ(problem, "") << "after killing '" << args.front() << "' at " << delay.count()
                           << " ms";
    if (!problem.empty()) ++m_inconsistent;
  }

  void report(char const* what) const {
    std::printf(
        "[ figures  ] %s: %d kills, %d runs finished before the kill, %d inconsistent states\n",
        what, m_kills, m_finished_before_kill, m_inconsistent);
  }

  int m_kills = 0;
  int m_finished_before_kill = 0;
  int m_inconsistent = 0;
};

TEST_F(kill_test,
       upgrade_killed_at_random_always_leaves_a_revision_boundary_and_reaches_head_after) {
  std::mt19937 random(20261124);
  int const rounds = kill_rounds();
  for (int round = 0; round < rounds; ++round) {
    // Each upgrade to head runs ~1-3 s here; kill anywhere in the first 1.5 s
    // so most rounds land mid-run, some mid-revision, a few mid-commit.
    std::uniform_int_distribution<int> delay_ms(0, 1500);
    kill_after({"upgrade"}, std::chrono::milliseconds(delay_ms(random)));
    if (fault_chain_version(conninfo()) == 200) {
      auto const down = migrate({"downgrade", "base"});
      ASSERT_EQ(down.exit_code, 0) << down.err;
    }
  }
  report("upgrade");
  auto const finish = migrate({"upgrade"});
  EXPECT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_EQ(fault_chain_version(conninfo()), 200);
  EXPECT_EQ(fault_chain_inconsistency(conninfo()), "");
  EXPECT_EQ(m_inconsistent, 0);
}

TEST_F(kill_test,
       downgrade_killed_at_random_always_leaves_a_revision_boundary_and_reaches_base_after) {
  auto const up = migrate({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  std::mt19937 random(11242026);
  int const rounds = kill_rounds();
  for (int round = 0; round < rounds; ++round) {
    std::uniform_int_distribution<int> delay_ms(0, 600);
    kill_after({"downgrade", "base"}, std::chrono::milliseconds(delay_ms(random)));
    if (fault_chain_version(conninfo()) == 0) {
      auto const again = migrate({"upgrade"});
      ASSERT_EQ(again.exit_code, 0) << again.err;
    }
  }
  report("downgrade");
  auto const finish = migrate({"downgrade", "base"});
  EXPECT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_EQ(fault_chain_version(conninfo()), 0);
  EXPECT_EQ(fault_chain_inconsistency(conninfo()), "");
  EXPECT_EQ(m_inconsistent, 0);
}

}  // namespace
