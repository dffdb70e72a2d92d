// Topology-test support: a real PgBouncer and a real hot standby in front of / beside the suite's
// PostgreSQL, each started by the test in a mktemp -d folder and stopped by its pid.
#pragma once

#include <string>

namespace migc::test {

/**
 * PgBouncer (Debian `pgbouncer`) in front of the suite's server: listens on
 * 127.0.0.1 at a free port and on a Unix socket in its own folder, forwards
 * every database to the server (`* = host=<socket folder>`), trusts local
 * users. Started as the `postgres` user when the test runs as root (it
 * refuses root), daemonised with a pid file; the destructor stops it by that
 * pid (SIGINT: immediate shutdown) and removes the folder.
 */
class pgbouncer {
 public:
  /// `pool_mode`: "transaction" | "session"; `pool_size`: server connections per user/database.
  pgbouncer(std::string const& pool_mode, int pool_size);
  ~pgbouncer();
  pgbouncer(pgbouncer const&) = delete;
  pgbouncer& operator=(pgbouncer const&) = delete;

  /// Key=value conninfo of `database` through the pooler (its Unix socket in its own folder,
  /// so concurrent tests never compete for a port).
  [[nodiscard]] std::string conninfo(std::string const& database) const;

 private:
  std::string m_dir;
  int m_pid = 0;
};

/// The suite server's socket folder (host=) from its conninfo.
[[nodiscard]] std::string server_socket_dir();

/**
 * A PostgreSQL 15 server of one test's own (initdb in a mktemp -d folder,
 * listening on a socket in that folder only, the suite's superuser
 * trusted), for tests that stop or fail over a primary: the suite's shared
 * server must stay up. Stopped by the destructor (`pg_ctl stop -m
 * immediate`) unless stop() did it, and removed.
 */
class private_server {
 public:
  private_server();
  ~private_server();
  private_server(private_server const&) = delete;
  private_server& operator=(private_server const&) = delete;

  /// Key=value conninfo of `database` on this server.
  [[nodiscard]] std::string conninfo(std::string const& database = "postgres") const;
  [[nodiscard]] std::string const& socket_dir() const { return m_dir; }
  /// Stops the server now (`pg_ctl stop -m fast`: sessions are terminated, walsenders send what
  /// is left first).
  void stop();
  static constexpr int port = 5432;

 private:
  std::string m_dir;
  bool m_stopped = false;
};

/**
 * A hot standby made with `pg_basebackup -R` (streaming replication over the
 * primary's Unix socket) of the suite's server, or of the server at
 * `primary_socket_dir`:`primary_port`, listening on a socket in its own
 * mktemp -d folder only. It streams through its own physical replication
 * slot (`pg_basebackup -C -S`), so the primary keeps every WAL segment the
 * standby has yet to receive: without one, the WAL the rest of the suite
 * writes (CREATE DATABASE copies a template through WAL) can be recycled
 * between the backup and the standby's start, and the standby then never
 * catches up ("requested WAL segment … has already been removed"). Stopped
 * with `pg_ctl stop` (which signals the postmaster pid of its pid file), its
 * slot dropped on the primary when that is still up, and removed by the
 * destructor.
 */
class hot_standby {
 public:
  explicit hot_standby(std::string const& primary_socket_dir = server_socket_dir(),
                       int primary_port = 5432);
  ~hot_standby();
  hot_standby(hot_standby const&) = delete;
  hot_standby& operator=(hot_standby const&) = delete;

  /// Key=value conninfo of `database` on the standby.
  [[nodiscard]] std::string conninfo(std::string const& database) const;
  /// The socket folder and port, for multi-host conninfos.
  [[nodiscard]] std::string const& socket_dir() const { return m_dir; }
  /// Failover: `pg_ctl promote -w`, the standby becomes a primary that accepts writes.
  void promote();
  static constexpr int port = 5433;

 private:
  std::string m_dir;
  std::string m_primary;  ///< conninfo of the primary's `postgres` database, for the slot
  std::string m_slot;     ///< the physical replication slot the standby streams through
};

/// Waits until the standby at `standby_conninfo` has replayed everything the primary wrote.
void wait_for_replay(std::string const& primary_conninfo, std::string const& standby_conninfo);

}  // namespace migc::test
