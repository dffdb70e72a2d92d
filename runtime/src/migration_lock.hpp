// Internal: the migration lock, a session advisory lock that serialises runs on one version table.
#pragma once

#include "session.hpp"

namespace migc::runtime::detail {

/**
 * Holds the migration lock for one run, released on every way out. Waiters
 * poll pg_try_advisory_lock rather than block in pg_advisory_lock: a session
 * blocked on the lock keeps a snapshot open, and the holder's CREATE INDEX
 * CONCURRENTLY waits for every such session, so both would wait forever
 * (each poll is a short autocommit statement, which CIC waits out). Bounded
 * by options::lock_wait (lock_error naming the holder); interrupted between
 * polls (interrupted_error).
 */
class migration_lock {
 public:
  explicit migration_lock(session& s);
  ~migration_lock();
  migration_lock(migration_lock const&) = delete;
  migration_lock& operator=(migration_lock const&) = delete;

 private:
  /// Who holds the lock, from pg_locks and pg_stat_activity.
  std::string holder();
  std::int64_t key() const;

  session& m_session;
};

}  // namespace migc::runtime::detail
