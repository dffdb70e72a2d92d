// Internal: the migration lock, which serialises runs on one version table.
#pragma once

#include <chrono>

#include "session.hpp"

namespace migc::runtime::detail {

/// One wait for the migration lock: since when, and whether the holder was announced.
struct lock_wait_state {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool announced = false;
};

/**
 * After an attempt found the migration lock taken: throws lock_error naming
 * the holder once options::lock_wait has passed since `w.started`, logs the
 * holder on the first wait, and sleeps one poll interval (interrupted_error
 * when the run is interrupted meanwhile).
 */
void wait_for_migration_lock(session& s, lock_wait_state& w);

/// Who holds the migration lock, from pg_locks and pg_stat_activity ("another session" if none).
[[nodiscard]] std::string migration_lock_holder(session& s);

/**
 * The migration lock for one run, released on every way out. First probes
 * the server (probe_server: refuses a standby or read-only session).
 *
 * Direct connection: a session advisory lock. Waiters poll
 * pg_try_advisory_lock rather than block in pg_advisory_lock: a session
 * blocked on the lock keeps a snapshot open, and the holder's CREATE INDEX
 * CONCURRENTLY waits for every such session, so both would wait forever
 * (each poll is a short autocommit statement, which CIC waits out). Bounded
 * by options::lock_wait (lock_error naming the holder); interrupted between
 * polls (interrupted_error).
 *
 * Behind a connection pooler: no session lock (in PgBouncer's transaction
 * mode it would stay on a pooled server connection after the run). Every
 * transaction of the run takes the transaction-scoped lock instead
 * (migration_guard_sql), and runs interleave revision by revision, each
 * planning again when another moved the version.
 */
class migration_lock {
 public:
  explicit migration_lock(session& s);
  ~migration_lock();
  migration_lock(migration_lock const&) = delete;
  migration_lock& operator=(migration_lock const&) = delete;

 private:
  session& m_session;
  bool m_held = false;
};

}  // namespace migc::runtime::detail
