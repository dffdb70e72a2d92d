// After a run: waits until every connected standby has replayed the run's last commit.
#include "standby_wait.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <vector>

#include "presentation.hpp"

namespace migc::runtime::detail {
namespace {

using clock_type = std::chrono::steady_clock;

/// One row of pg_stat_replication as the wait reads it.
struct standby {
  int pid = 0;          ///< the primary's walsender process: how a standby is told apart
  std::string name;     ///< "walreceiver (local socket)", "replica1 (10.0.0.7)"
  bool visible = true;  ///< state is NULL: the login may not read the positions
  bool caught_up = false;
  std::string replay_lsn;  ///< "" when the standby has replayed nothing yet
  std::string lag;         ///< "12 MB behind, replay lag 00:00:03.2" (for the timeout message)
};

/// Every standby streaming from this primary, against `lsn` (base backups left out).
std::vector<standby> read_standbys(session& s, std::string const& lsn) {
  std::string const target = s.quoting().literal(lsn) + "::pg_lsn";
  auto const rows = s.exec(fmt::format(
      "SELECT pid, coalesce(nullif(application_name, ''), 'unnamed') || ' (' || "
      "coalesce(host(client_addr), 'local socket') || ')', state IS NOT NULL, "
      "coalesce(replay_lsn >= {0}, false), coalesce(replay_lsn::text, ''), "
      "coalesce(pg_size_pretty(pg_wal_lsn_diff({0}, replay_lsn)), 'everything') || ' behind' || "
      "coalesce(', replay lag ' || replay_lag::text, '') "
      "FROM pg_stat_replication WHERE state IS DISTINCT FROM 'backup' ORDER BY 2, 1",
      target));
  std::vector<standby> found;
  for (auto const& row : rows) {
    found.push_back({row[0].as<int>(), row[1].c_str(), row[2].as<bool>(), row[3].as<bool>(),
                     row[4].c_str(), row[5].c_str()});
  }
  return found;
}

/// Refuses to wait on positions the login cannot see (they read as NULL).
void require_visible(session& s, std::vector<standby> const& standbys) {
  for (standby const& sb : standbys) {
    if (sb.visible) continue;
    std::string const user = s.exec("SELECT current_user")[0][0].c_str();
    throw standby_error(fmt::format(
        "--wait-for-standbys: login {0} may not read the standbys' replay positions "
        "(pg_stat_replication shows them to superusers and members of pg_read_all_stats only); "
        "the run itself is committed. GRANT pg_read_all_stats TO {0}",
        user));
  }
}

/// "walreceiver (local socket) at 0/3000060, 2 kB behind, replay lag 00:00:01.5; ..."
std::string behind_list(std::vector<standby> const& behind) {
  std::string list;
  for (standby const& sb : behind) {
    list += fmt::format("{}{} at {}, {}", list.empty() ? "" : "; ", sb.name,
                        sb.replay_lsn.empty() ? "no replayed WAL" : sb.replay_lsn, sb.lag);
  }
  return list;
}

}  // namespace

std::string wait_for_standbys(session& s) {
  std::string const lsn = s.exec("SELECT pg_current_wal_lsn()::text")[0][0].c_str();
  auto standbys = read_standbys(s, lsn);
  require_visible(s, standbys);
  if (standbys.empty()) {
    s.log(fmt::format("No standby is connected: nothing to wait for (WAL at {})", lsn));
    return lsn;
  }
  s.log(fmt::format("Waiting for {} standby(s) to replay {}", standbys.size(), lsn));
  auto const start = clock_type::now();
  std::map<int, std::string> waiting;  // walsender pid -> name: the standbys not caught up yet
  for (standby const& sb : standbys) waiting.emplace(sb.pid, sb.name);
  for (;;) {
    std::vector<standby> behind;
    std::map<int, std::string> still;
    for (standby const& sb : standbys) {
      if (waiting.count(sb.pid) == 0) continue;
      auto const took =
          std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start);
      if (sb.caught_up) {
        s.log(fmt::format("Standby {} replayed {} ({})", sb.name, lsn, format_duration(took)));
      } else {
        behind.push_back(sb);
        still.emplace(sb.pid, sb.name);
      }
      waiting.erase(sb.pid);
    }
    for (auto const& [pid, name] : waiting) {
      s.log(fmt::format("Standby {} disconnected before replaying {}: no longer waited for", name,
                        lsn));
    }
    waiting = std::move(still);
    if (waiting.empty()) return lsn;
    if (s.opts.standby_timeout && clock_type::now() - start >= *s.opts.standby_timeout) {
      throw standby_error(fmt::format(
          "--wait-for-standbys: {} standby(s) had not replayed {} after {}: {}; the run itself is "
          "committed on the primary",
          behind.size(), lsn,
          format_duration(
              std::chrono::duration_cast<std::chrono::microseconds>(*s.opts.standby_timeout)),
          behind_list(behind)));
    }
    s.sleep_interruptibly(std::chrono::milliseconds(100), "waiting for standbys to replay " + lsn);
    standbys = read_standbys(s, lsn);
  }
}

}  // namespace migc::runtime::detail
