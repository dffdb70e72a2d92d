// Test support: creates and drops one database per test on the suite's server.
#include "pg_test.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "process.hpp"
#include "wait.hpp"

namespace migc::test {
namespace {

std::string read_state_value(std::string const& path, std::string const& key) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read PostgreSQL state file '" + path + "'");
  std::string line;
  std::string const prefix = key + "='";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0 && line.size() > prefix.size() && line.back() == '\'') {
      return line.substr(prefix.size(), line.size() - prefix.size() - 1);
    }
  }
  throw std::runtime_error("no " + key + " in PostgreSQL state file '" + path + "'");
}

/// The server's JSON log files (pg-cluster's log_directory), oldest first.
std::vector<std::filesystem::path> json_logs() {
  char const* state = std::getenv("MIGC_TEST_PG_STATE");
  if (state == nullptr || *state == '\0') {
    throw std::runtime_error("logged_statements needs the pg fixture's state file");
  }
  std::vector<std::filesystem::path> files;
  for (auto const& entry :
       std::filesystem::directory_iterator(read_state_value(state, "MIGC_PG_DIR") + "/log")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// The log entries of `database`, in order; `marker_seen` when `marker` was logged.
std::vector<nlohmann::json> log_entries(std::string const& database, std::string const& marker,
                                        bool& marker_seen) {
  std::vector<nlohmann::json> entries;
  for (auto const& file : json_logs()) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      auto entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_discarded() || entry.value("dbname", "") != database) continue;
      if (entry.value("message", "") == "statement: " + marker) marker_seen = true;
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

std::string unique_database_name() {
  static std::atomic<unsigned> counter{0};
  std::random_device entropy;
  return "migc_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(entropy() % 100000);
}

}  // namespace

std::string server_conninfo() {
  if (char const* state = std::getenv("MIGC_TEST_PG_STATE"); state && *state) {
    return read_state_value(state, "MIGC_PG_CONNINFO");
  }
  if (char const* url = std::getenv("MIGC_TEST_PG_CONNINFO"); url && *url) return url;
  throw std::runtime_error(
      "no test PostgreSQL: run the tests through ctest (fixture 'pg' starts one) or set "
      "MIGC_TEST_PG_CONNINFO");
}

std::string with_dbname(std::string const& conninfo, std::string const& dbname) {
  static std::regex const dbname_key(R"((^|\s)dbname=\S*)");
  if (std::regex_search(conninfo, dbname_key)) {
    return std::regex_replace(conninfo, dbname_key, "$1dbname=" + dbname);
  }
  return conninfo + " dbname=" + dbname;
}

scratch_database::scratch_database() : m_name(unique_database_name()) {
  std::string const server = server_conninfo();
  pqxx::connection cx(server);
  pqxx::nontransaction tx(cx);
  tx.exec("CREATE DATABASE " + tx.quote_name(m_name));
  m_conninfo = with_dbname(server, m_name);
}

scratch_database::~scratch_database() {
  try {
    pqxx::connection cx(server_conninfo());
    pqxx::nontransaction tx(cx);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
  } catch (std::exception const& e) {
    ADD_FAILURE() << "could not drop test database '" << m_name << "': " << e.what();
  }
}

std::optional<std::string> query_value(std::string const& conninfo, std::string const& sql) {
  pqxx::connection cx(conninfo);
  auto const result = pqxx::nontransaction(cx).exec(sql);
  if (result.empty() || result[0][0].is_null()) return std::nullopt;
  return result[0][0].as<std::string>();
}

std::vector<std::vector<std::string>> query_rows(std::string const& conninfo,
                                                 std::string const& sql) {
  pqxx::connection cx(conninfo);
  std::vector<std::vector<std::string>> rows;
  for (auto const& row : pqxx::nontransaction(cx).exec(sql)) {
    std::vector<std::string> columns;
    for (auto const& field : row) columns.push_back(field.is_null() ? "" : field.c_str());
    rows.push_back(std::move(columns));
  }
  return rows;
}

void execute(std::string const& conninfo, std::string const& sql) {
  pqxx::connection cx(conninfo);
  pqxx::nontransaction(cx).exec(sql);
}

std::vector<std::string> logged_statements(std::string const& conninfo, std::string const& database,
                                           std::string const& application) {
  std::string const marker = "SELECT 'end of the statements of " + application + "'";
  execute(conninfo, marker);
  // The collector writes what it received in order: once the marker is in the file, so is
  // everything the sessions sent before it. Wait for that event, however long it takes.
  bool seen = false;
  std::vector<nlohmann::json> entries;
  wait_until([&] {
    entries = log_entries(database, marker, seen);
    return seen;
  });
  std::vector<std::string> statements;
  std::string const prefix = "statement: ";
  for (auto const& entry : entries) {
    std::string const message = entry.value("message", "");
    if (entry.value("application_name", "") == application && message.rfind(prefix, 0) == 0) {
      statements.push_back(message.substr(prefix.size()));
    }
  }
  return statements;
}

int wait_for_statement(std::string const& conninfo, std::string const& text) {
  pqxx::connection cx(conninfo);
  std::string const sql =
      "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND datname = current_database() "
      "AND pid <> pg_backend_pid() AND position(" +
      cx.quote(text) + " IN query) > 0 LIMIT 1";
  std::optional<std::string> pid;
  wait_until([&] {
    auto const rows = pqxx::nontransaction(cx).exec(sql);
    if (!rows.empty()) pid = rows[0][0].as<std::string>();
    return pid.has_value();
  });
  return std::stoi(*pid);
}

std::string pg_test::scalar(std::string const& sql) const {
  return query_value(conninfo(), sql).value_or("");
}

std::string schema_dump(std::string const& conninfo, std::vector<std::string> const& options) {
  std::vector<std::string> argv{"/usr/lib/postgresql/15/bin/pg_dump",
                                "--schema-only",
                                "--no-owner",
                                "--exclude-table=alembic_version*",
                                "-d",
                                conninfo};
  argv.insert(argv.end(), options.begin(), options.end());
  auto const dump = run_process(argv);
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  std::istringstream lines(dump.out);
  std::string kept;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("\\restrict", 0) == 0 || line.rfind("\\unrestrict", 0) == 0) continue;
    kept += line + "\n";
  }
  return kept;
}

}  // namespace migc::test
