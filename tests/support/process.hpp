// Test support: run a program (the real migrate binary) as a child process, kill it, collect its
// output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace migc::test {

/// How a child process ended.
struct process_result {
  int exit_code = -1;    ///< exit status, or -1 when killed by a signal
  int signal = 0;        ///< the signal that ended it, 0 when it exited
  std::string out;       ///< everything it wrote to stdout
  std::string err;       ///< everything it wrote to stderr
  long max_rss_kib = 0;  ///< peak resident memory of the child (getrusage)
};

/**
 * A started child process whose stdout and stderr go to temporary files (no
 * pipes, so a chatty child never blocks on a full pipe). Reaped in wait();
 * the destructor kills and reaps a child that is still running.
 */
class child_process {
 public:
  /// Environment variables the child gets on top of the parent's.
  using environment = std::vector<std::pair<std::string, std::string>>;

  explicit child_process(std::vector<std::string> const& argv, environment const& extra_env = {});
  ~child_process();
  child_process(child_process const&) = delete;
  child_process& operator=(child_process const&) = delete;

  [[nodiscard]] pid_t pid() const { return m_pid; }
  void kill(int signal) const;
  /// Waits for the end; kills the child with SIGKILL after `timeout`.
  process_result wait(std::chrono::milliseconds timeout = std::chrono::minutes(2));

 private:
  pid_t m_pid = -1;
  bool m_reaped = false;
  std::string m_out_path;
  std::string m_err_path;
};

/// Starts `argv`, waits for it, returns how it ended.
process_result run_process(std::vector<std::string> const& argv,
                           std::chrono::milliseconds timeout = std::chrono::minutes(2));

}  // namespace migc::test
