// A real PgBouncer and a real hot standby for topology tests (see topology_support.hpp).
#include "topology_support.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "pg_test.hpp"
#include "process.hpp"
#include "wait.hpp"

namespace migc::test {
namespace {

constexpr char const* pg_bin = "/usr/lib/postgresql/15/bin";

bool root() {
  return ::geteuid() == 0;
}

/// argv run as the `postgres` user when we are root (PostgreSQL and PgBouncer refuse root).
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (root()) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return argv;
}

void run_checked(std::vector<std::string> const& argv) {
  auto const r = run_process(as_server_user(argv));
  if (r.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("{} failed ({}): {}{}", argv[0], r.exit_code, r.out, r.err));
  }
}

/// A folder made by mktemp -d under /tmp, owned by the server user.
std::string server_folder(char const* pattern) {
  std::string path = std::string("/tmp/") + pattern;
  if (::mkdtemp(path.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  ::chmod(path.c_str(), 0755);
  if (root()) run_process({"/bin/chown", "postgres:", path});
  return path;
}

void remove_folder(std::string const& dir) {
  if (dir.rfind("/tmp/migc-", 0) == 0) run_process({"/bin/rm", "-rf", dir});
}

/// PgBouncer's port: only the name of its socket file (.s.PGSQL.<port>) in its own folder.
constexpr int pgbouncer_port = 6432;

bool alive(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

/// Sends `sig` to `pid` and waits (up to 10 s) until the process is gone.
void stop_pid(int pid, int sig) {
  if (!alive(pid)) return;
  ::kill(pid, sig);
  for (int i = 0; i < 1000 && alive(pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (alive(pid)) ::kill(pid, SIGKILL);
}

std::string conninfo_value(std::string const& conninfo, std::string const& key) {
  auto const at = conninfo.find(key + "=");
  if (at == std::string::npos) return {};
  auto const begin = at + key.size() + 1;
  return conninfo.substr(begin, conninfo.find(' ', begin) - begin);
}

}  // namespace

std::string server_socket_dir() {
  return conninfo_value(server_conninfo(), "host");
}

pgbouncer::pgbouncer(std::string const& pool_mode, int pool_size)
    : m_dir(server_folder("migc-pgbouncer.XXXXXX")) {
  std::string const user = conninfo_value(server_conninfo(), "user");
  {
    std::ofstream users(m_dir + "/users.txt");
    users << "\"" << user << "\" \"\"\n";
    std::ofstream ini(m_dir + "/pgbouncer.ini");
    ini << "[databases]\n* = host=" << server_socket_dir() << " port=5432\n"
        << "[pgbouncer]\nlisten_addr =\nlisten_port = " << pgbouncer_port
        << "\nunix_socket_dir = " << m_dir << "\nauth_type = trust\nauth_file = " << m_dir
        << "/users.txt\npool_mode = " << pool_mode << "\ndefault_pool_size = " << pool_size
        << "\nmax_client_conn = 200\nlogfile = " << m_dir << "/pgbouncer.log\npidfile = " << m_dir
        << "/pgbouncer.pid\nignore_startup_parameters = extra_float_digits\n";
  }
  if (root()) run_process({"/bin/chown", "-R", "postgres:", m_dir});
  run_checked({"/usr/sbin/pgbouncer", "-d", m_dir + "/pgbouncer.ini"});
  // `pgbouncer -d` forks and returns: the daemon writes its pid file once it listens.
  migc::test::wait_until([&] {
    std::ifstream pidfile(m_dir + "/pgbouncer.pid");
    return static_cast<bool>(pidfile >> m_pid);
  });
}

pgbouncer::~pgbouncer() {
  stop_pid(m_pid, SIGINT);
  remove_folder(m_dir);
}

std::string pgbouncer::conninfo(std::string const& database) const {
  return fmt::format("host={} port={} user={} dbname={}", m_dir, pgbouncer_port,
                     conninfo_value(server_conninfo(), "user"), database);
}

namespace {

/// Starts the server of `dir`/data listening on a socket in `dir` only (max_connections as the
/// suite server's: a standby needs at least its primary's).
void start_server(std::string const& dir, int port) {
  run_checked({std::string(pg_bin) + "/pg_ctl", "-D", dir + "/data", "-l", dir + "/server.log",
               "-w", "-t", "60", "-o",
               fmt::format("-c listen_addresses='' -c unix_socket_directories='{}' -c port={} "
                           "-c max_connections=200 -c logging_collector=off -c hot_standby=on",
                           dir, port),
               "start"});
}

/// `pg_ctl stop` of the server of `dir`/data in `mode` (fast | immediate).
void stop_server(std::string const& dir, char const* mode) {
  run_process(as_server_user(
      {std::string(pg_bin) + "/pg_ctl", "-D", dir + "/data", "-m", mode, "-w", "stop"}));
}

}  // namespace

private_server::private_server() : m_dir(server_folder("migc-primary.XXXXXX")) {
  run_checked({std::string(pg_bin) + "/initdb", "-D", m_dir + "/data", "-U",
               conninfo_value(server_conninfo(), "user"), "-A", "trust", "-E", "UTF8",
               "--locale=C.UTF-8"});
  start_server(m_dir, port);
}

private_server::~private_server() {
  if (!m_stopped) stop_server(m_dir, "immediate");
  remove_folder(m_dir);
}

std::string private_server::conninfo(std::string const& database) const {
  return fmt::format("host={} port={} user={} dbname={}", m_dir, port,
                     conninfo_value(server_conninfo(), "user"), database);
}

void private_server::stop() {
  stop_server(m_dir, "fast");
  m_stopped = true;
}

namespace {

/// A replication slot name (lower-case letters, digits, underscores) as unique as the folder
/// mktemp made: the hex codes of the folder's random suffix.
std::string slot_name(std::string const& folder) {
  std::string name = "migc_standby_";
  for (char const c : folder.substr(folder.rfind('.') + 1)) {
    name += fmt::format("{:02x}", static_cast<unsigned char>(c));
  }
  return name;
}

}  // namespace

hot_standby::hot_standby(std::string const& primary_socket_dir, int primary_port)
    : m_dir(server_folder("migc-standby.XXXXXX")),
      m_primary(fmt::format("host={} port={} user={} dbname=postgres", primary_socket_dir,
                            primary_port, conninfo_value(server_conninfo(), "user"))),
      m_slot(slot_name(m_dir)) {
  std::string const user = conninfo_value(server_conninfo(), "user");
  std::vector<std::string> const backup{std::string(pg_bin) + "/pg_basebackup",
                                        "-D",
                                        m_dir + "/data",
                                        "-R",
                                        "-X",
                                        "stream",
                                        "-C",
                                        "-S",
                                        m_slot,
                                        "-h",
                                        primary_socket_dir,
                                        "-p",
                                        std::to_string(primary_port),
                                        "-U",
                                        user,
                                        "-c",
                                        "fast"};
  // Once in a CI run the backup's WAL stream was terminated ("terminating connection due to
  // administrator command") while the suite went on around it; the fixture is not what is
  // under test, so a failed backup (which removes its folder and its slot) is taken again, twice.
  for (int attempt = 1;; ++attempt) {
    auto const r = run_process(as_server_user(backup));
    if (r.exit_code == 0) break;
    if (attempt == 3) throw std::runtime_error("pg_basebackup failed: " + r.out + r.err);
    std::fprintf(stderr, "pg_basebackup failed (attempt %d of 3), taken again: %s\n", attempt,
                 r.err.c_str());
    execute(m_primary,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            "WHERE slot_name = '" +
                m_slot + "' AND NOT active");
  }
  start_server(m_dir, port);
}

void hot_standby::promote() {
  run_checked({std::string(pg_bin) + "/pg_ctl", "-D", m_dir + "/data", "-w", "promote"});
}

hot_standby::~hot_standby() {
  stop_server(m_dir, "immediate");
  try {
    // The primary's walsender lets go of the slot once it sees the standby gone.
    std::string const slot = "'" + m_slot + "'";
    wait_until([&] {
      return query_value(m_primary, "SELECT active FROM pg_replication_slots WHERE slot_name = " +
                                        slot) != std::optional<std::string>("t");
    });
    execute(m_primary, "SELECT pg_drop_replication_slot(" + slot + ")");
  } catch (std::exception const&) {  // the primary was stopped (failover): its slots go with it
  }
  remove_folder(m_dir);
}

std::string hot_standby::conninfo(std::string const& database) const {
  return fmt::format("host={} port={} user={} dbname={}", m_dir, port,
                     conninfo_value(server_conninfo(), "user"), database);
}

void wait_for_replay(std::string const& primary_conninfo, std::string const& standby_conninfo) {
  auto const lsn = query_value(primary_conninfo, "SELECT pg_current_wal_lsn()::text");
  migc::test::wait_until([&] {
    return query_value(standby_conninfo, "SELECT pg_last_wal_replay_lsn() >= '" +
                                             lsn.value_or("0/0") + "'::pg_lsn") ==
           std::optional<std::string>("t");
  });
}

}  // namespace migc::test
