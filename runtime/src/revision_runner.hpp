// Internal: applying the revisions of a plan, each the way it must run (its own transaction, one
// shared transaction, or outside any transaction).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "plan.hpp"
#include "session.hpp"

namespace migc::runtime::detail {

/// Thrown inside the runner when a revision lost a lock race and may be retried.
struct lock_retry {
  std::string blockers;
  std::string revision;  ///< id of the revision that did not get its lock
};

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

  /**
   * Creates this session's bookkeeping function when the plan has a
   * transactional revision and the session lacks it: one round trip per
   * run, after which each revision records itself with one call. When it
   * cannot be created (no TEMP privilege), scripts keep the DO block.
   */
  void prepare_bookkeeping(std::vector<plan_step> const& steps);

  /// A transactional revision in its own transaction, retrying lock_not_available.
  std::chrono::microseconds apply_in_transaction(plan_step const& planned,
                                                 std::optional<std::string> const& expected);

  /// --single-transaction: every step in one transaction, committed together.
  std::vector<std::chrono::microseconds> apply_together(std::vector<plan_step> const& steps,
                                                        std::optional<std::string> const& from);

  /// A revision that cannot run in a transaction (CREATE INDEX CONCURRENTLY).
  std::chrono::microseconds apply_outside_transaction(plan_step const& planned,
                                                      std::optional<std::string> const& expected);

  /// Refuses (before anything changes) a single-transaction plan holding a revision that cannot
  /// run inside a transaction.
  void refuse_non_transactional(std::vector<plan_step> const& steps) const;
  /// Throws refusal (needs_transaction_free_run) when a revision of an upgrade plan uses an enum
  /// value an earlier revision of the plan adds: one transaction cannot hold both.
  void refuse_new_enum_values_used(std::vector<plan_step> const& steps) const;

 private:
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

  /// Runs `sql` while a blocker_watch observes this session; on failure `blockers` is what it saw.
  pqxx::result watched_exec(std::string const& sql, std::string& blockers);

  /**
   * Replays the steps one by one in a transaction that is always rolled
   * back: the failing step's line. `earlier`: the revision bodies that ran
   * before it in the same transaction (--single-transaction), replayed first.
   */
  std::optional<std::uint32_t> locate_failure(plan_step const& planned,
                                              std::string const& earlier = {});

  revision_error failure(plan_step const& planned, pqxx::sql_error const& e,
                         std::optional<std::uint32_t> line, std::string const& consequence,
                         std::string const& blockers) const;
  interrupted_error interruption(plan_step const& planned, std::string const& consequence) const;

  /// Runs `attempt(retries_left)` until it does not throw lock_retry, waiting 0.5 s, 1 s, 2 s
  /// ... (options::retry_backoff) in between; `rolled_back` says what each failed attempt undid.
  template <typename Attempt>
  void with_lock_retries(std::string_view rolled_back, std::optional<std::string> const& stays_at,
                         Attempt&& attempt);

  /// A temporary function lives as long as its server session: a new session has none.
  void forget_bookkeeping_of_a_lost_session();

  /// Sends a message whose failure changes nothing (the dirty marker's bookkeeping, a reset).
  void best_effort(std::string const& sql) noexcept;
  /// "; invalid indexes left behind ...", or "" (dirty.cpp).
  std::string invalid_index_note();

  /// The duration a script's final query returned.
  static std::chrono::microseconds recorded_duration(pqxx::result const& result);

  session& m_session;
};

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
