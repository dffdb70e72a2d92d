// The blocker watch: a short-lived second session asking pg_blocking_pids() who blocks a run.
#include "blocker_watch.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace migc::runtime::detail {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct connection_closer {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
using connection_ptr = std::unique_ptr<PGconn, connection_closer>;

struct result_closer {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_closer>;

using rows = std::vector<std::vector<std::string>>;

/// Waits until the connection's socket is ready (or `deadline`, or `stop()`): false then.
bool ready(PGconn* c, bool for_write, clock_type::time_point deadline,
           std::function<bool()> const& stop) {
  pollfd fd{PQsocket(c), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  while (!stop() && clock_type::now() < deadline) {
    int const n = ::poll(&fd, 1, 50);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
  return false;
}

/// Opens the side session without blocking: nullptr on failure, deadline or stop.
connection_ptr open(std::string const& conninfo, clock_type::time_point deadline,
                    std::function<bool()> const& stop) {
  connection_ptr c(PQconnectStart(conninfo.c_str()));
  if (!c || PQstatus(c.get()) == CONNECTION_BAD) return nullptr;
  for (PostgresPollingStatusType st = PGRES_POLLING_WRITING;;) {
    if (st == PGRES_POLLING_OK) return c;
    if (st == PGRES_POLLING_FAILED) return nullptr;
    if (!ready(c.get(), st == PGRES_POLLING_WRITING, deadline, stop)) return nullptr;
    st = PQconnectPoll(c.get());
  }
}

/// One query with text parameters, without blocking: nullopt on failure, deadline or stop.
std::optional<rows> query(PGconn* c, std::string const& sql, std::vector<std::string> const& args,
                          clock_type::time_point deadline, std::function<bool()> const& stop) {
  std::vector<char const*> values;
  for (auto const& a : args) values.push_back(a.c_str());
  if (PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0) == 0) {
    return std::nullopt;
  }
  while (PQisBusy(c) != 0) {
    if (!ready(c, false, deadline, stop) || PQconsumeInput(c) == 0) return std::nullopt;
  }
  std::optional<rows> out;
  while (result_ptr r{PQgetResult(c)}) {
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) continue;
    out.emplace();
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r.get()); ++j) row.emplace_back(PQgetvalue(r.get(), i, j));
      out->push_back(std::move(row));
    }
  }
  return out;
}

constexpr char const* find_pid_sql =
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
    "AND pid <> pg_backend_pid() AND starts_with(query, $1) "
    "ORDER BY (wait_event_type = 'Lock') DESC, query_start LIMIT 1";

constexpr char const* blockers_sql =
    "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
    "coalesce(a.state, ''), coalesce(to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SSTZH:TZM'), "
    "'-'), coalesce(a.query, '') FROM unnest(pg_blocking_pids($1::int)) AS b(pid) "
    "JOIN pg_stat_activity a ON a.pid = b.pid ORDER BY a.pid";

constexpr char const* waiting_for_sql =
    "SELECT l.mode || ' on ' || l.locktype || coalesce(' ' || l.relation::regclass::text, '') "
    "FROM pg_locks l WHERE l.pid = $1::int AND NOT l.granted LIMIT 1";

}  // namespace

blocker_watch::blocker_watch(std::string conninfo, int pid, std::string query_prefix,
                             std::chrono::milliseconds lock_timeout)
    : m_conninfo(std::move(conninfo)),
      m_pid(pid),
      m_query_prefix(std::move(query_prefix)),
      m_lock_timeout(lock_timeout) {
  m_thread = std::thread([this] { run(); });
}

blocker_watch::~blocker_watch() {
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_thread.join();  // within one 50 ms poll slice: the thread never blocks in libpq
}

std::string blocker_watch::blockers() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_seen;
}

std::string blocker_watch::waiting_for() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_waiting_for;
}

bool blocker_watch::stopping() {
  std::lock_guard<std::mutex> lock(m_mutex);
  return m_stop;
}

bool blocker_watch::wait(milliseconds d) {
  std::unique_lock<std::mutex> lock(m_mutex);
  return !m_wake.wait_for(lock, d, [this] { return m_stop; });
}

void blocker_watch::run() noexcept {
  // Early enough that connecting (a new server process: tens of ms on a busy host) still leaves
  // most of the wait to observe.
  milliseconds const delay =
      std::clamp(m_lock_timeout.count() > 0 ? m_lock_timeout / 10 : milliseconds(250),
                 milliseconds(10), milliseconds(250));
  milliseconds const poll =
      std::clamp(m_lock_timeout.count() > 0 ? m_lock_timeout / 8 : milliseconds(200),
                 milliseconds(10), milliseconds(200));
  if (!wait(delay)) return;
  try {
    std::function<bool()> const stop = [this] { return stopping(); };
    auto const limit = [] { return clock_type::now() + std::chrono::seconds(5); };
    connection_ptr const cx = open(m_conninfo, limit(), stop);
    if (!cx) return;
    std::string pid = m_pid != 0 ? std::to_string(m_pid) : std::string();
    do {
      if (pid.empty()) {
        auto const found = query(cx.get(), find_pid_sql, {m_query_prefix}, limit(), stop);
        if (!found) return;
        if (found->empty()) continue;
        pid = found->front()[0];
      }
      auto const blocking = query(cx.get(), blockers_sql, {pid}, limit(), stop);
      auto const lock = query(cx.get(), waiting_for_sql, {pid}, limit(), stop);
      if (!blocking || !lock) return;
      if (blocking->empty()) continue;
      std::string seen;
      for (auto const& r : *blocking) {
        std::string q = r[5];
        std::replace(q.begin(), q.end(), '\n', ' ');
        seen += fmt::format("\n  pid {} ({}, user {}, {}, transaction open since {}): {}", r[0],
                            r[1], r[2], r[3], r[4], q);
      }
      std::lock_guard<std::mutex> guard(m_mutex);
      m_seen = std::move(seen);
      if (!lock->empty()) m_waiting_for = lock->front()[0];
    } while (wait(poll));
  } catch (...) {  // best effort: the error then says the blocker could not be named
  }
}

}  // namespace migc::runtime::detail
