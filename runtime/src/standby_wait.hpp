// Internal: after a run, waiting until every standby connected to the primary has replayed it.
#pragma once

#include <string>

#include "session.hpp"

namespace migc::runtime::detail {

/**
 * Reads pg_current_wal_lsn() on the primary (after the run's last commit, so
 * at or past its commit record) and waits until every standby streaming from
 * it (pg_stat_replication, base backups left out) reports a replay_lsn at or
 * past that LSN (PostgreSQL docs, "Monitoring Statistics",
 * pg_stat_replication). Logs the LSN, then each standby (application_name and
 * client address) as it catches up; "No standby is connected" when none is.
 * A standby that disconnects meanwhile is logged and no longer waited for.
 * Returns the LSN waited for.
 *
 * Throws standby_error when options::standby_timeout passes first, naming
 * every standby behind with its replay_lsn, the bytes it lags and its
 * replay_lag; or when the login may not read the standbys' positions
 * (PostgreSQL shows them only to superusers and members of
 * pg_read_all_stats), naming the role to grant. interrupted_error when the
 * run is interrupted while waiting.
 */
std::string wait_for_standbys(session& s);

}  // namespace migc::runtime::detail
