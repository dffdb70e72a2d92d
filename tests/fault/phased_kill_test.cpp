// Kill a phased revision (safe plans and a backfill) at chosen points: before its first phase, in
// its backfill, in a concurrent index build. Every kill leaves the version at 001 with the
// progress row saying how far it got, at most one invalid index (the build it interrupted) and no
// advisory lock; the next run finishes the revision (rebuilds or keeps the index, resumes the
// backfill).
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <random>

#include "fault_support.hpp"
#include "pg_test.hpp"
#include "wait.hpp"

namespace {

using namespace migc::test;

int phased_kill_rounds() {
  char const* long_run = std::getenv("MIGC_FAULT_LONG");
  return long_run && std::string(long_run) == "1" ? 40 : 4;
}

/// Where a round kills the run; each point is reached by waiting for an event, never by a sleep.
enum class kill_point {
  first_phase,      ///< blocked on a lock in its first phase (add column), after the progress row
  backfill,         ///< once a backfill batch is recorded (the backfill sleeps: batches remain)
  concurrent_index  ///< blocked in a CREATE INDEX CONCURRENTLY, waiting for an older snapshot
};

char const* name_of(kill_point point) {
  switch (point) {
    case kill_point::first_phase:
      return "in the first phase";
    case kill_point::backfill:
      return "in the backfill";
    case kill_point::concurrent_index:
      return "in a concurrent index build";
  }
  return "?";
}

/**
 * A session of its own that makes the run wait at `point`: ACCESS SHARE on items blocks the first
 * phase's ALTER TABLE; an open REPEATABLE READ snapshot (no lock on items) lets every transaction
 * phase and the backfill through and holds the first CREATE INDEX CONCURRENTLY at its wait for
 * older snapshots ("Building Indexes Concurrently", PostgreSQL docs). None for the backfill.
 */
std::unique_ptr<pqxx::connection> blocker_for(kill_point point, std::string const& conninfo) {
  if (point == kill_point::backfill) return nullptr;
  auto session = std::make_unique<pqxx::connection>(conninfo);
  pqxx::nontransaction(*session).exec(
      point == kill_point::first_phase
          ? "BEGIN; LOCK items IN ACCESS SHARE MODE"
          : "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class");
  return session;
}

class phased_kill_test : public pg_test {
 protected:
  process_result migrate(std::vector<std::string> const& args) const {
    return run_process(fault_argv("fault_phased_migrate", conninfo(), args));
  }

  /// Whether the progress table exists (a run creates it when its phased revision starts): a
  /// query naming it fails before that.
  bool has_progress_table() const {
    return scalar("SELECT to_regclass('alembic_version_progress') IS NOT NULL") == "t";
  }

  /// The progress row of revision 002 as `done/total rows`, "" when there is none.
  std::string progress() const {
    if (!has_progress_table()) return "";
    return scalar(
        "SELECT coalesce(string_agg(phases_done || '/' || phases_total || ' ' || backfill_rows, "
        "','), '') FROM alembic_version_progress WHERE revision = '002'");
  }

  /// Waits until the run has reached `point` (its session waits on a lock, or a batch is done).
  void wait_for(kill_point point) const {
    if (point == kill_point::backfill) {
      wait_until([&] {
        return has_progress_table() &&
               scalar(
                   "SELECT EXISTS (SELECT FROM alembic_version_progress WHERE backfill_rows "
                   "> 0)") == "t";
      });
      return;
    }
    wait_until([&] {
      return scalar(
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND backend_type = 'client backend' AND wait_event_type = 'Lock'") != "0";
    });
  }

  /// "" when the database is in a state a run of revision 002 can finish, else what is wrong.
  std::string inconsistency() const {
    std::string const version =
        scalar("SELECT coalesce(max(version_num), 'none') FROM alembic_version");
    std::string const pending = progress();
    if (version == "002" && !pending.empty()) return "at 002 with a progress row " + pending;
    if (version != "001" && version != "002") return "version " + version;
    if (scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
               "(SELECT oid FROM pg_database WHERE datname = current_database())") != "0")
      return "an advisory lock is held";
    std::string const invalid = scalar(
        "SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass AND NOT indisvalid");
    if (version == "002") {
      if (scalar("SELECT count(*) FROM items WHERE w IS DISTINCT FROM v * 2") != "0")
        return "at 002 with rows the backfill missed";
      if (invalid != "0") return "at 002 with an invalid index";
    } else if (invalid != "0" && invalid != "1") {
      return "at 001 with " + invalid + " invalid indexes (at most the interrupted build's)";
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

TEST_F(phased_kill_test, a_phased_revision_killed_between_or_in_its_phases_is_finished_next_run) {
  auto const base = migrate({"upgrade", "001"});
  ASSERT_EQ(base.exit_code, 0) << base.err;
  std::mt19937 random(20261129);
  int const rounds = phased_kill_rounds();
  int left_pending = 0;
  for (int round = 0; round < rounds; ++round) {
    // The first three rounds take each point once; the others (MIGC_FAULT_LONG) draw one.
    auto const point = static_cast<kill_point>(round < 3 ? round : random() % 3);
    auto blocker = blocker_for(point, conninfo());
    child_process child(fault_argv("fault_phased_migrate", conninfo(), {"upgrade"}));
    wait_for(point);
    child.kill(SIGKILL);
    EXPECT_EQ(child.wait().signal, SIGKILL) << "round " << round << ", " << name_of(point);
    blocker.reset();  // the killed run's server process may finish its statement, then ends
    wait_for_quiet_database(conninfo());
    EXPECT_EQ(inconsistency(), "") << "after a kill " << name_of(point);
    std::string const left = progress();
    std::printf("[ figures  ] round %d, killed %s: progress row %s\n", round, name_of(point),
                left.empty() ? "(none)" : left.c_str());
    if (scalar("SELECT max(version_num) FROM alembic_version") == "001" && !left.empty())
      ++left_pending;
    // The first round's revision is finished by `resolve 002 --continue`, the others' by the
    // next upgrade: the same phases run.
    bool const by_resolve = round == 0 && !left.empty();
    auto const finish =
        migrate(by_resolve ? std::vector<std::string>{"resolve", "002", "--continue"}
                           : std::vector<std::string>{"upgrade"});
    if (by_resolve) EXPECT_NE(finish.out.find("(resolve --continue)"), std::string::npos);
    ASSERT_EQ(finish.exit_code, 0) << "after a kill " << name_of(point) << ": " << finish.err;
    EXPECT_EQ(scalar("SELECT max(version_num) FROM alembic_version"), "002");
    EXPECT_EQ(inconsistency(), "") << "after the run that finished a kill " << name_of(point);
    reset_to_001();
  }
  EXPECT_EQ(left_pending, rounds) << "a kill did not leave the revision between its phases";
}

}  // namespace
