// Test support: child processes started with posix_spawn, output captured in files.
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <system_error>

extern char** environ;

namespace migc::test {
namespace {

/// The parent's environment with `extra` set on top, as NAME=value strings.
std::vector<std::string> environment_of(child_process::environment const& extra) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string const text(*entry);
    auto const equals = text.find('=');
    if (equals != std::string::npos) variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (auto const& [name, value] : extra) variables[name] = value;
  std::vector<std::string> out;
  for (auto const& [name, value] : variables) out.push_back(name + "=" + value);
  return out;
}

/// NUL-terminated pointers into `strings` (which must outlive them), as exec wants them.
std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// The redirections and working directory, as posix_spawn file actions.
class spawn_actions {
 public:
  spawn_actions(std::string const& out, std::string const& err,
                std::filesystem::path const& working_directory) {
    check(posix_spawn_file_actions_init(&m_actions), "posix_spawn_file_actions_init");
    check(posix_spawn_file_actions_addopen(&m_actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "stdin");
    check(posix_spawn_file_actions_addopen(&m_actions, STDOUT_FILENO, out.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0600),
          "stdout");
    check(posix_spawn_file_actions_addopen(&m_actions, STDERR_FILENO, err.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0600),
          "stderr");
    if (!working_directory.empty()) {
      check(posix_spawn_file_actions_addchdir_np(&m_actions, working_directory.c_str()),
            "working directory");
    }
  }
  ~spawn_actions() { posix_spawn_file_actions_destroy(&m_actions); }
  spawn_actions(spawn_actions const&) = delete;
  spawn_actions& operator=(spawn_actions const&) = delete;

  [[nodiscard]] posix_spawn_file_actions_t const* get() const { return &m_actions; }

 private:
  static void check(int code, char const* what) {
    if (code != 0) throw std::system_error(code, std::generic_category(), what);
  }
  posix_spawn_file_actions_t m_actions{};
};

}  // namespace

child_process::child_process(std::vector<std::string> const& argv, environment const& extra_env,
                             std::filesystem::path const& working_directory) {
  if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
  std::vector<std::string> arguments = argv;
  std::vector<std::string> variables = environment_of(extra_env);
  auto const args = pointers(arguments);
  auto const envp = pointers(variables);
  spawn_actions const actions((m_output.path() / "out").string(),
                              (m_output.path() / "err").string(), working_directory);
  int const code = ::posix_spawn(&m_pid, args[0], actions.get(), nullptr, args.data(), envp.data());
  if (code != 0) throw std::system_error(code, std::generic_category(), "posix_spawn " + argv[0]);
}

child_process::~child_process() {
  if (m_reaped) return;
  ::kill(m_pid, SIGKILL);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
}

void child_process::kill(int signal) const {
  ::kill(m_pid, signal);
}

process_result child_process::wait() {
  int status = 0;
  struct rusage usage {};
  while (::wait4(m_pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  m_reaped = true;
  process_result result;
  result.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = m_output.read("out");
  result.err = m_output.read("err");
  return result;
}

process_result run_process(std::vector<std::string> const& argv,
                           child_process::environment const& extra_env,
                           std::filesystem::path const& working_directory) {
  child_process child(argv, extra_env, working_directory);
  return child.wait();
}

}  // namespace migc::test
