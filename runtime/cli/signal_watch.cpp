// The signal watch: a self-pipe, a watcher thread, and a cancel request to the server.
#include "signal_watch.hpp"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace migc::runtime::detail {
namespace {

/**
 * Write end of the self-pipe of the one installed signal_watch, -1 when none.
 * This is the only global state: a signal handler can reach nothing but
 * globals, and write(2) on a pipe is all it may safely do (no locks, no
 * allocation, no libpq).
 */
std::atomic<int> g_signal_pipe{-1};

extern "C" void on_stop_signal(int signo) {
  int const saved = errno;  // the handler must not clobber the interrupted code's errno
  int const fd = g_signal_pipe.load();
  if (fd >= 0) {
    auto const byte = static_cast<unsigned char>(signo);
    [[maybe_unused]] auto n = ::write(fd, &byte, 1);
  }
  errno = saved;
}

}  // namespace

void signal_watch::start(migrator& m) {
  start([&m] { m.cancel(); });
}

void signal_watch::start(std::function<void()> cancel) {
  m_cancel = std::move(cancel);
  if (::pipe(m_pipe) != 0) return;
  int expected = -1;
  if (!g_signal_pipe.compare_exchange_strong(expected, m_pipe[1])) {
    close_pipe();
    return;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &m_old_int);
  sigaction(SIGTERM, &action, &m_old_term);
  m_installed = true;
  m_thread = std::thread([this] { watch(); });
}

signal_watch::~signal_watch() {
  if (!m_installed) return;
  sigaction(SIGINT, &m_old_int, nullptr);
  sigaction(SIGTERM, &m_old_term, nullptr);
  g_signal_pipe.store(-1);
  unsigned char const stop = 0;  // 0 is no signal: tells the watcher to end
  [[maybe_unused]] auto n = ::write(m_pipe[1], &stop, 1);
  m_thread.join();
  close_pipe();
}

char const* signal_watch::signal_name() const {
  return m_signal.load() == SIGINT ? "SIGINT" : "SIGTERM";
}

void signal_watch::watch() noexcept {
  for (;;) {
    unsigned char byte = 0;
    auto const n = ::read(m_pipe[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == 0) return;
    m_signal = byte;
    m_fired = true;
    m_cancel();  // every signal cancels again: a second Ctrl-C is never ignored
  }
}

void signal_watch::close_pipe() noexcept {
  ::close(m_pipe[0]);
  ::close(m_pipe[1]);
}

}  // namespace migc::runtime::detail
