// Internal: SIGINT/SIGTERM during a command that changes the database.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <migc/runtime/migrator.hpp>
#include <thread>

namespace migc::runtime::detail {

/**
 * SIGINT/SIGTERM while a database command runs: the handler writes the signal
 * to a self-pipe; a watcher thread reads it, sets the flag the migrator
 * checks (lock polling, between revisions and statements) and cancels the
 * running statement (migrator::cancel, libpq's cancel request on a socket of
 * its own, safe beside the busy connection). The revision then fails, is
 * rolled back, the lock is released and migrate exits 1 with "interrupted".
 * Previous handlers come back afterwards. Only one watch is installed at a
 * time (a second, concurrent run_cli in the same process goes without).
 * Install it with start() once the migrator exists; the migrator reads
 * flag() through options::interrupted.
 */
class signal_watch {
 public:
  signal_watch() = default;
  ~signal_watch();
  signal_watch(signal_watch const&) = delete;
  signal_watch& operator=(signal_watch const&) = delete;

  /// Installs the handlers; a signal then cancels `m`'s running statement.
  void start(migrator& m);
  /// Installs the handlers; a signal then calls `cancel` (on the watcher thread, every signal;
  /// a fleet cancels the running statement of each of its migrators).
  void start(std::function<void()> cancel);

  [[nodiscard]] std::atomic<bool> const* flag() const { return &m_fired; }
  [[nodiscard]] bool fired() const { return m_fired.load(); }
  [[nodiscard]] char const* signal_name() const;

 private:
  void watch() noexcept;
  void close_pipe() noexcept;

  std::function<void()> m_cancel;
  int m_pipe[2] = {-1, -1};
  bool m_installed = false;
  std::atomic<bool> m_fired{false};
  std::atomic<int> m_signal{0};
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
  std::thread m_thread;
};

}  // namespace migc::runtime::detail
