// Internal: applying the revisions of a plan, each the way it must run (its own transaction, one
// shared transaction, or outside any transaction).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "migration_lock.hpp"
#include "phases.hpp"
#include "plan.hpp"
#include "session.hpp"

namespace migc::runtime::detail {

/// Thrown inside the runner when a revision lost a lock race and may be retried.
struct lock_retry {
  std::string blockers;
  std::string revision;  ///< id of the revision that did not get its lock
};

/// Thrown inside the runner when another run holds the migration lock (migration guard, MG003).
struct lock_busy {};

/**
 * Thrown to the migrator when a revision's guard found the version row moved
 * by another run (MG002): nothing of the revision ran; read the state and
 * plan again.
 */
struct version_moved {
  std::string revision;  ///< id of the revision that did not run
};

/**
 * Thrown inside the runner when a phased revision's guard found its progress
 * row moved by another run (MG004): that run did the phase; read the
 * progress row again and go on from there.
 */
struct phase_moved {};

/**
 * Applies plan steps on a session. Each public member is one way of running
 * revisions; each returns the durations the history rows recorded, in plan
 * order (what the log lines show). Failures throw revision_error naming the
 * failing step's file:line and SQLSTATE (or interrupted_error,
 * connection_error, commit_unknown_error, refusal).
 *
 *  - send_revision.cpp: one transactional revision in one round trip, with
 *    lock retries; the failure analysis shared by every way;
 *  - single_transaction.cpp: every revision in one transaction;
 *  - dirty.cpp: a revision outside a transaction, under a dirty marker.
 */
class revision_runner {
 public:
  explicit revision_runner(session& s) : m_session(s) {}

  /// A transactional revision in its own transaction, retrying lock_not_available.
  std::chrono::microseconds apply_in_transaction(plan_step const& planned,
                                                 std::optional<std::string> const& expected);

  /// --single-transaction: every step in one transaction, committed together.
  std::vector<std::chrono::microseconds> apply_together(std::vector<plan_step> const& steps,
                                                        std::optional<std::string> const& from);

  /**
   * A revision that cannot run in a transaction (CREATE INDEX CONCURRENTLY).
   * `continued_from` (`resolve --continue`): the statements its dirty marker
   * records as done; the run takes the marker over and starts at the next
   * statement, the one a stop interrupted (an index that statement left
   * valid is kept, an invalid one dropped and built again).
   */
  std::chrono::microseconds apply_outside_transaction(
      plan_step const& planned, std::optional<std::string> const& expected,
      std::optional<std::size_t> continued_from = std::nullopt);

  /// Refuses (before anything changes) a single-transaction plan holding a revision that cannot
  /// run inside a transaction.
  void refuse_non_transactional(std::vector<plan_step> const& steps) const;
  /// Throws refusal (needs_transaction_free_run) when a revision of an upgrade plan uses an enum
  /// value an earlier revision of the plan adds: one transaction cannot hold both.
  void refuse_new_enum_values_used(std::vector<plan_step> const& steps) const;

  /**
   * A phased revision (phases.hpp), phase by phase, each recorded in the
   * progress table as it commits; resumes where a stopped run left it
   * (an invalid index a kill left is dropped and built again, a backfill
   * continues after its last batch). phases.cpp.
   */
  std::chrono::microseconds apply_in_phases(plan_step const& planned,
                                            std::optional<std::string> const& expected);

 private:
  void run_phase(plan_step const& planned, phase_script const& phase, array_view<step> steps,
                 phase_range range, phase_resume const& resume);
  /// A transaction phase: one round trip, lock retries, the failing step found.
  void run_transaction_phase(plan_step const& planned, phase_script const& phase,
                             array_view<step> steps, phase_range range, phase_resume const& resume);
  /// A phase outside a transaction block (CREATE INDEX CONCURRENTLY).
  void run_outside(plan_step const& planned, phase_script const& phase, step const& st,
                   phase_resume const& resume);
  /**
   * Before a step that a stop may have interrupted runs again: when it builds
   * an index concurrently (step::index), true if that index exists and is
   * valid (the build finished: skip the step); an invalid one is dropped
   * (DROP INDEX CONCURRENTLY) so the step can build it again. False for
   * every other step. phases.cpp.
   */
  bool built_before_the_stop(step const& st);
  /// A backfill, batch after batch, each its own transaction with its progress (backfill.cpp).
  void run_backfill(plan_step const& planned, step const& st, phase_script const& phase,
                    phase_resume const& resume);
  /// Reports a backfill's progress through options::progress, or a log line every 5 s.
  void report_backfill(backfill_progress const& progress,
                       std::chrono::steady_clock::time_point& last_line);

  /**
   * Replays steps [begin, end) one by one in a transaction that is always
   * rolled back: the failing step's line. `earlier`: what ran before them in
   * the same transaction (--single-transaction), replayed first. `lock_timeout`:
   * the replay's bound on each lock wait (default: the run's).
   */
  std::optional<std::uint32_t> locate_in(
      array_view<step> steps, std::size_t begin, std::size_t end, std::string const& earlier = {},
      std::optional<std::chrono::milliseconds> lock_timeout = std::nullopt);
  /// One round trip of a transactional revision, and what its failure means.
  struct revision_send {
    plan_step const& planned;
    std::string const& script;   ///< what is sent
    std::string const& earlier;  ///< bodies sent before it in the same transaction (replayed)
    std::string const& stays;    ///< what a failure leaves: "rolled back, ... stays at 002"
    bool commits;                ///< the script ends with COMMIT (a lost connection: in doubt)
  };

  /**
   * Sends a revision's script and returns the recorded duration (the
   * script's last statement); a failure rolls the transaction back and
   * throws (see the class). `retries_left` > 0: a lock_not_available failure
   * throws lock_retry instead.
   */
  std::chrono::microseconds send(revision_send const& send, int retries_left);

  /// What a blocker_watch saw while a statement failed.
  struct observed_wait {
    std::string blockers;     ///< blocker_watch::blockers()
    std::string waiting_for;  ///< blocker_watch::waiting_for()
  };

  /// Runs `sql` while a blocker_watch observes this session; on failure `seen` is what it saw.
  pqxx::result watched_exec(std::string const& sql, observed_wait& seen);
  /**
   * One statement of a revision outside a transaction, retried after a lock
   * timeout (SQLSTATE 55P03) up to options::lock_retries times, waiting 0.5 s,
   * 1 s, 2 s ... between tries. A CREATE INDEX CONCURRENTLY that timed out
   * leaves an INVALID index behind (PostgreSQL docs, "Building Indexes
   * Concurrently"): the indexes that became invalid during the try are
   * dropped (DROP INDEX CONCURRENTLY) before the next one, so the retry does
   * not fail on "already exists". Found by comparing pg_index before and
   * after, never by reading the statement.
   */
  void exec_retrying(plan_step const& planned, std::string const& statement, observed_wait& seen);

  /// Runs `attempt()` until it does not throw lock_busy, polling for the migration lock.
  template <typename Attempt>
  auto taking_turns(Attempt&& attempt) -> decltype(attempt());

  /// Turns the guard's SQLSTATEs (MG001..MG004) into lock_busy, version_moved, phase_moved or
  /// a refusal.
  void check_guard(plan_step const& planned, pqxx::sql_error const& e) const;

  /**
   * Sends a message that opens with the migration guard (a transaction of
   * its own): polls while another run holds the lock; a failure rolls back,
   * and the guard's SQLSTATEs throw as check_guard says, others rethrow.
   */
  pqxx::result send_guarded(plan_step const& planned, std::string const& sql);

  /**
   * The step a lock wait stopped at, without replaying anything (a replay
   * would queue for the lock a second time): the first step naming the
   * relation of `waiting_for` among its objects; nullopt when none does.
   */
  std::optional<std::uint32_t> step_waiting_for(plan_step const& planned,
                                                std::string const& waiting_for) const;

  /**
   * Replays the steps one by one in a transaction that is always rolled
   * back: the failing step's line. `earlier`: the revision bodies that ran
   * before it in the same transaction (--single-transaction), replayed first.
   * `lock_timeout`: the replay's bound on each lock wait (default: the run's).
   */
  std::optional<std::uint32_t> locate_failure(
      plan_step const& planned, std::string const& earlier = {},
      std::optional<std::chrono::milliseconds> lock_timeout = std::nullopt);

  revision_error failure(plan_step const& planned, pqxx::sql_error const& e,
                         std::optional<std::uint32_t> line, std::string const& consequence,
                         observed_wait const& seen) const;
  interrupted_error interruption(plan_step const& planned, std::string const& consequence) const;

  /// Runs `attempt(retries_left)` until it does not throw lock_retry, waiting 0.5 s, 1 s, 2 s
  /// ... (options::retry_backoff) in between; `rolled_back` says what each failed attempt undid.
  template <typename Attempt>
  void with_lock_retries(std::string_view rolled_back, std::optional<std::string> const& stays_at,
                         Attempt&& attempt);

  /// Sends a message whose failure changes nothing (the dirty marker's bookkeeping, a reset).
  void best_effort(std::string const& sql) noexcept;
  /// "; invalid indexes left behind ...", or "" (dirty.cpp).
  std::string invalid_index_note();

  /// The duration a script's final query returned.
  static std::chrono::microseconds recorded_duration(pqxx::result const& result);

  session& m_session;
};

template <typename Attempt>
auto revision_runner::taking_turns(Attempt&& attempt) -> decltype(attempt()) {
  lock_wait_state w;
  for (;;) {
    try {
      return attempt();
    } catch (lock_busy const&) {
      wait_for_migration_lock(m_session, w);
    }
  }
}

template <typename Attempt>
void revision_runner::with_lock_retries(std::string_view rolled_back,
                                        std::optional<std::string> const& stays_at,
                                        Attempt&& attempt) {
  options const& opts = m_session.opts;
  for (int n = 0;; ++n) {
    try {
      attempt(opts.lock_retries - n);
      return;
    } catch (lock_retry const& retry) {
      auto const delay = opts.retry_backoff * (1LL << std::min(n, 20));
      m_session.log(fmt::format(
          "Revision {} could not get a lock within {} ms{} and {} rolled back; "
          "retry {} of {} in {:.1f} s",
          retry.revision, opts.lock_timeout.count(),
          retry.blockers.empty() ? std::string() : " (blocked by:" + retry.blockers + ")",
          rolled_back, n + 1, opts.lock_retries, static_cast<double>(delay.count()) / 1000));
      m_session.sleep_interruptibly(
          delay, fmt::format("waiting to retry revision {}; the database stays at {}",
                             retry.revision, version_name(stays_at)));
    }
  }
}

}  // namespace migc::runtime::detail
