// Test support: run a program (the real migrate or migc binary) as a child process, kill it,
// collect its output.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "temp_folder.hpp"

namespace migc::test {

/// How a child process ended.
struct process_result {
  int exit_code = -1;  ///< exit status, or -1 when killed by a signal
  int signal = 0;      ///< the signal that ended it, 0 when it exited
  std::string out;     ///< everything it wrote to stdout
  std::string err;     ///< everything it wrote to stderr
  /// Peak resident memory of the child (wait4), in KiB. Linux carries the spawning process's
  /// peak across exec, so it is at least this test process's peak: an upper bound.
  long max_rss_kib = 0;
};

/**
 * A child process started with posix_spawn (nothing runs in the child
 * between fork and exec: no allocation after fork in a threaded test).
 * stdin is /dev/null; stdout and stderr go to files in a temporary folder
 * (no pipes, so a chatty child never blocks on a full pipe). Reaped in
 * wait(); the destructor kills and reaps a child that is still running.
 */
class child_process {
 public:
  /// Environment variables the child gets on top of the parent's.
  using environment = std::vector<std::pair<std::string, std::string>>;

  /// Starts `argv` (argv[0] is a path); throws std::system_error when it cannot.
  explicit child_process(std::vector<std::string> const& argv, environment const& extra_env = {},
                         std::filesystem::path const& working_directory = {});
  ~child_process();
  child_process(child_process const&) = delete;
  child_process& operator=(child_process const&) = delete;

  [[nodiscard]] pid_t pid() const { return m_pid; }
  void kill(int signal) const;
  /// Waits for the end, however long it takes (ctest's timeout bounds a test).
  process_result wait();

 private:
  temp_folder m_output;
  pid_t m_pid = -1;
  bool m_reaped = false;
};

/// Starts `argv`, waits for it, returns how it ended.
process_result run_process(std::vector<std::string> const& argv,
                           child_process::environment const& extra_env = {},
                           std::filesystem::path const& working_directory = {});

#ifdef MIGC_EXE
/// `migc <args>`: the real compiler executable the including test names in MIGC_EXE.
inline process_result run_migc(std::vector<std::string> args) {
  args.insert(args.begin(), MIGC_EXE);
  return run_process(args);
}
#endif

}  // namespace migc::test
