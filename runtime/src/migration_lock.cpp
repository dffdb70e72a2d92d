// The migration lock: acquire by polling, name the holder, release on the way out.
#include "migration_lock.hpp"

#include <fmt/format.h>

#include "topology.hpp"

namespace migc::runtime::detail {

using clock_type = std::chrono::steady_clock;

void wait_for_migration_lock(session& s, lock_wait_state& w) {
  std::string const table = display_name(s.ctx.version_table);
  auto const& wait = s.opts.lock_wait;
  if (wait && clock_type::now() - w.started >= *wait) {
    throw lock_error(fmt::format(
        "the migration lock on {} was not granted within {} ms (--lock-wait): held by {}", table,
        wait->count(), migration_lock_holder(s)));
  }
  if (!w.announced) {
    s.log(fmt::format("Waiting for the migration lock on {}: held by {}", table,
                      migration_lock_holder(s)));
    w.announced = true;
  }
  auto delay = s.opts.lock_poll_interval;
  if (wait) {
    auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *wait - (clock_type::now() - w.started));
    delay = std::max(std::chrono::milliseconds(1), std::min(delay, left));
  }
  s.sleep_interruptibly(delay, "waiting for the migration lock; nothing was changed");
}

migration_lock::migration_lock(session& s) : m_session(s) {
  probe_server(s);
  if (s.pooled) {
    s.log(fmt::format(
        "Connected through a connection pooler (server process {}, the pooler reports {}): the "
        "migration lock is taken in each transaction",
        s.server_pid, s.cx.backendpid()));
    return;
  }
  std::string const sql =
      fmt::format("SELECT pg_try_advisory_lock({})", advisory_lock_key(s.ctx.version_table));
  lock_wait_state w;
  while (!s.exec(sql)[0][0].as<bool>()) wait_for_migration_lock(s, w);
  m_held = true;
}

migration_lock::~migration_lock() {
  if (!m_held) return;
  try {
    m_session.exec(fmt::format("SELECT pg_advisory_unlock({})",
                               advisory_lock_key(m_session.ctx.version_table)));
  } catch (...) {  // a lost connection released it already
  }
}

std::string migration_lock_holder(session& s) {
  // A bigint advisory key is classid = high 32 bits, objid = low 32 bits, objsubid = 1.
  auto const k = static_cast<std::uint64_t>(advisory_lock_key(s.ctx.version_table));
  auto rows = s.exec(fmt::format(
      "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
      "coalesce(a.client_addr::text, 'local socket'), "
      "to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SSTZH:TZM'), coalesce(a.state, '') "
      "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "AND l.classid = {}::oid AND l.objid = {}::oid",
      k >> 32, k & 0xffffffffULL));
  if (rows.empty()) return "another session";
  auto const r = rows[0];
  return fmt::format("pid {} ({}, user {}, {}, connected since {}, {})", r[0].c_str(), r[1].c_str(),
                     r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].c_str());
}

}  // namespace migc::runtime::detail
