// Internal: names the sessions that block a statement while it waits for a lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace migc::runtime::detail {

/**
 * Watches, from a second session, which sessions block the run's server
 * process while one revision (or one statement of a non-transactional one)
 * runs, so a lock-timeout error can name the blocker, its query, and the
 * lock the run waited for: pg_blocking_pids() only answers while the wait
 * lasts, and the waiting session itself is busy. The second session is
 * opened only when the statement is still running after a tenth of the
 * lock timeout (10 to 250 ms), so quick revisions cost one idle thread and
 * no connection.
 *
 * The run's server process is `pid` as the server reports it
 * (pg_backend_pid(); behind a pooler libpq's PQbackendPID is the pooler's
 * invention). `pid` 0 (behind a transaction pooler, where each transaction
 * may run on another server process): the active session of the database
 * whose query starts with `query_prefix`.
 *
 * The side session never holds the run up: it connects and queries with
 * libpq's asynchronous calls, gives up after 5 s (a pooler whose pool is
 * full queues it), and the destructor abandons it at once (a signal handler
 * waits for nothing).
 */
class blocker_watch {
 public:
  blocker_watch(std::string conninfo, int pid, std::string query_prefix,
                std::chrono::milliseconds lock_timeout);
  ~blocker_watch();
  blocker_watch(blocker_watch const&) = delete;
  blocker_watch& operator=(blocker_watch const&) = delete;

  /// The blocking sessions seen last, one "pid N (...): query" per line; "" when none was seen.
  std::string blockers();
  /// The lock the run waited for, e.g. "AccessExclusiveLock on relation public.t"; "" if unseen.
  std::string waiting_for();

 private:
  /// Sleeps up to `d`; false when asked to stop.
  bool wait(std::chrono::milliseconds d);
  [[nodiscard]] bool stopping();
  void run() noexcept;

  std::string m_conninfo;
  int m_pid;
  std::string m_query_prefix;
  std::chrono::milliseconds m_lock_timeout;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::string m_seen;
  std::string m_waiting_for;
  std::thread m_thread;
};

}  // namespace migc::runtime::detail
