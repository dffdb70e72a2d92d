// The migrate binary as a process: signals during a run, many processes at once.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "pg_test.hpp"

namespace {

/// A running migrate process whose stdout and stderr go to temporary files.
class migrate_process {
 public:
  migrate_process(std::vector<std::string> args, std::string const& catalog) {
    char out_template[] = "/tmp/migc-test-out.XXXXXX";
    char err_template[] = "/tmp/migc-test-err.XXXXXX";
    int const out_fd = ::mkstemp(out_template);
    int const err_fd = ::mkstemp(err_template);
    m_out_path = out_template;
    m_err_path = err_template;
    args.insert(args.begin(), MIGC_TEST_MIGRATE);
    m_pid = ::fork();
    if (m_pid == 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      ::setenv("MIGC_TEST_CATALOG", catalog.c_str(), 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
  }
  ~migrate_process() {
    if (!m_waited) {
      ::kill(m_pid, SIGKILL);
      wait();
    }
    ::unlink(m_out_path.c_str());
    ::unlink(m_err_path.c_str());
  }
  migrate_process(migrate_process const&) = delete;
  migrate_process& operator=(migrate_process const&) = delete;

  void signal(int signo) const { ::kill(m_pid, signo); }

  /// Exit code (128 + signal when killed by one).
  int wait() {
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_waited = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string out() const { return slurp(m_out_path); }
  std::string err() const { return slurp(m_err_path); }

 private:
  static std::string slurp(std::string const& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  pid_t m_pid = -1;
  bool m_waited = false;
  std::string m_out_path;
  std::string m_err_path;
};

class process_test : public migc::test::pg_test {
 protected:
  std::string scalar(std::string const& sql) {
    pqxx::connection cx(conninfo());
    auto r = pqxx::nontransaction(cx).exec(sql);
    if (r.empty() || r[0][0].is_null()) return {};
    return r[0][0].as<std::string>();
  }

  /// Waits (at most 10 s) until the database runs a statement containing `text`.
  bool wait_for_statement(std::string const& text) {
    for (int i = 0; i < 1000; ++i) {
      if (scalar("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND datname = "
                 "current_database() AND pid <> pg_backend_pid() AND position('" + text +
                 "' IN query) > 0") == "1") {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  void expect_interrupted_cleanly(int signo) {
    migrate_process p({"--database-url", conninfo(), "upgrade"}, "sleepy");
    ASSERT_TRUE(wait_for_statement("pg_sleep(30)")) << p.err();
    auto const sent = std::chrono::steady_clock::now();
    p.signal(signo);
    int const code = p.wait();
    EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(5));
    EXPECT_EQ(code, 1) << p.err();
    EXPECT_EQ(p.err().rfind("migrate: error: interrupted: the upgrade of revision 002 \"Sleep for "
                            "30 s\" was cancelled; rolled back, the database stays at 001\n",
                            0),
              0u)
        << p.err();
    EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "001");
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())"), "0");
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_stat_activity WHERE position('pg_sleep(30)' IN "
                     "query) > 0 AND pid <> pg_backend_pid() AND state = 'active' AND datname = "
                     "current_database()"),
              "0");
  }
};

}  // namespace

TEST_F(process_test, sigint_cancels_rolls_back_and_releases_the_lock) {
  expect_interrupted_cleanly(SIGINT);
}

TEST_F(process_test, sigterm_cancels_rolls_back_and_releases_the_lock) {
  expect_interrupted_cleanly(SIGTERM);
}

TEST_F(process_test, ten_processes_apply_each_revision_once) {
  std::vector<std::unique_ptr<migrate_process>> runs;
  for (int i = 0; i < 10; ++i) {
    runs.push_back(std::make_unique<migrate_process>(
        std::vector<std::string>{"--database-url", conninfo(), "upgrade"}, "app"));
  }
  int waited = 0;
  for (auto& p : runs) {
    EXPECT_EQ(p->wait(), 0) << p->err();
    if (p->out().find("Waiting for the migration lock") != std::string::npos) ++waited;
  }
  EXPECT_EQ(scalar("SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) FROM "
                   "alembic_version_history"),
            "001:upgrade,002:upgrade,003:upgrade");
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "003");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())"), "0");
  RecordProperty("runs_that_waited", waited);
}
