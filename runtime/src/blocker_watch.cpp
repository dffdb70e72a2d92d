// The blocker watch: a short-lived second session asking pg_blocking_pids() who blocks a run.
#include "blocker_watch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

namespace migc::runtime::detail {

blocker_watch::blocker_watch(std::string conninfo, int pid, std::chrono::milliseconds lock_timeout)
    : m_conninfo(std::move(conninfo)), m_pid(pid), m_lock_timeout(lock_timeout) {
  m_thread = std::thread([this] { run(); });
}

blocker_watch::~blocker_watch() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

std::string blocker_watch::blockers() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_seen;
}

bool blocker_watch::wait(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(m_mutex);
  return !m_wake.wait_for(lock, d, [this] { return m_stop; });
}

void blocker_watch::run() noexcept {
  using std::chrono::milliseconds;
  milliseconds const quarter = m_lock_timeout.count() > 0 ? m_lock_timeout / 4 : milliseconds(250);
  milliseconds const poll =
      std::clamp(m_lock_timeout.count() > 0 ? m_lock_timeout / 8 : milliseconds(200),
                 milliseconds(10), milliseconds(200));
  if (!wait(std::min(quarter, milliseconds(250)))) return;
  try {
    pqxx::connection cx(m_conninfo);
    std::string const sql = fmt::format(
        "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
        "coalesce(a.state, ''), coalesce(to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SSTZH:TZM'), "
        "'-'), coalesce(a.query, '') FROM unnest(pg_blocking_pids({})) AS b(pid) "
        "JOIN pg_stat_activity a ON a.pid = b.pid ORDER BY a.pid",
        m_pid);
    do {
      auto const rows = pqxx::nontransaction(cx).exec(sql);
      if (rows.empty()) continue;
      std::string seen;
      for (auto const& r : rows) {
        std::string query = r[5].as<std::string>();
        std::replace(query.begin(), query.end(), '\n', ' ');
        seen +=
            fmt::format("\n  pid {} ({}, user {}, {}, transaction open since {}): {}", r[0].c_str(),
                        r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), query);
      }
      std::lock_guard<std::mutex> lock(m_mutex);
      m_seen = std::move(seen);
    } while (wait(poll));
  } catch (...) {  // best effort: the error then says the blocker could not be named
  }
}

}  // namespace migc::runtime::detail
