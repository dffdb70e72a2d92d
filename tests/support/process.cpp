// Test support: child processes with captured output, for tests that run the real binaries.
#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace migc::test {
namespace {

std::string temp_path(char const* what) {
  static std::atomic<unsigned> counter{0};
  return "/tmp/migc-child-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "." +
         what;
}

std::string slurp(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

[[noreturn]] void exec_child(std::vector<std::string> const& argv,
                             child_process::environment const& extra_env, std::string const& out,
                             std::string const& err) {
  for (auto const& [name, value] : extra_env) ::setenv(name.c_str(), value.c_str(), 1);
  int const out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int const err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int const null_fd = ::open("/dev/null", O_RDONLY);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) ::_exit(126);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  std::vector<char*> args;
  for (auto const& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

}  // namespace

child_process::child_process(std::vector<std::string> const& argv, environment const& extra_env)
    : m_out_path(temp_path("out")), m_err_path(temp_path("err")) {
  if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
  m_pid = ::fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) exec_child(argv, extra_env, m_out_path, m_err_path);
}

child_process::~child_process() {
  if (!m_reaped) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  ::unlink(m_out_path.c_str());
  ::unlink(m_err_path.c_str());
}

void child_process::kill(int signal) const {
  ::kill(m_pid, signal);
}

process_result child_process::wait(std::chrono::milliseconds timeout) {
  auto const deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  struct rusage usage {};
  while (::wait4(m_pid, &status, WNOHANG, &usage) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(m_pid, SIGKILL);
      ::wait4(m_pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  m_reaped = true;
  process_result result;
  result.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = slurp(m_out_path);
  result.err = slurp(m_err_path);
  return result;
}

process_result run_process(std::vector<std::string> const& argv,
                           std::chrono::milliseconds timeout) {
  child_process child(argv);
  return child.wait(timeout);
}

}  // namespace migc::test
