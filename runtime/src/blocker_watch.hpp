// Internal: names the sessions that block a statement while it waits for a lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace migc::runtime::detail {

/**
 * Watches, from a second session, which sessions block `pid` while one
 * revision (or one statement of a non-transactional one) runs, so a
 * lock-timeout error can name the blocker and its query exactly:
 * pg_blocking_pids() only answers while the wait lasts, and the waiting
 * session itself is busy. The second session is opened only when the
 * statement is still running after a quarter of the lock timeout (at most
 * 250 ms), so quick revisions cost one idle thread and no connection.
 */
class blocker_watch {
 public:
  blocker_watch(std::string conninfo, int pid, std::chrono::milliseconds lock_timeout);
  ~blocker_watch();
  blocker_watch(blocker_watch const&) = delete;
  blocker_watch& operator=(blocker_watch const&) = delete;

  /// The blocking sessions seen last, one "pid N (...): query" per line; "" when none was seen.
  std::string blockers();

 private:
  /// Sleeps up to `d`; false when asked to stop.
  bool wait(std::chrono::milliseconds d);
  void run() noexcept;

  std::string m_conninfo;
  int m_pid;
  std::chrono::milliseconds m_lock_timeout;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::string m_seen;
  std::thread m_thread;
};

}  // namespace migc::runtime::detail
