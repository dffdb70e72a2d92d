// Fault-test support: binaries and the fault chain's consistency rules.
#include "fault_support.hpp"

#include <fmt/format.h>

#include "wait.hpp"

namespace migc::test {

std::vector<std::string> fault_argv(std::string const& binary, std::string const& conninfo,
                                    std::vector<std::string> const& args) {
  std::vector<std::string> argv{std::string(MIGC_FAULT_BIN_DIR) + "/" + binary, "--database-url",
                                conninfo};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void wait_for_quiet_database(std::string const& conninfo) {
  wait_until([&] {
    return query_value(conninfo,
                       "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND pid <> pg_backend_pid()") == "0";
  });
}

int fault_chain_version(std::string const& conninfo) {
  auto const exists = query_value(conninfo, "SELECT to_regclass('alembic_version') IS NOT NULL");
  if (exists != "t") return 0;
  auto const version = query_value(conninfo, "SELECT max(version_num) FROM alembic_version");
  return version ? std::stoi(*version) : 0;
}

std::string fault_chain_inconsistency(std::string const& conninfo) {
  if (query_value(conninfo, "SELECT to_regclass('alembic_version') IS NOT NULL") == "t") {
    auto const rows = query_value(conninfo, "SELECT count(*) FROM alembic_version");
    if (rows != "0" && rows != "1") return fmt::format("{} version rows", rows.value_or("?"));
  }
  int const version = fault_chain_version(conninfo);
  auto const tables = query_value(conninfo,
                                  "SELECT count(*) || ':' || coalesce(max(tablename), '') FROM "
                                  "pg_tables WHERE tablename LIKE 'fault\\_%'");
  std::string const expected =
      fmt::format("{}:{}", version, version == 0 ? "" : fmt::format("fault_{:03d}", version));
  if (tables != expected)
    return fmt::format("version {} but tables {}", version, tables.value_or("?"));
  if (version > 0) {
    auto const rows =
        query_value(conninfo, fmt::format("SELECT count(*) FROM fault_{:03d}", version));
    if (rows != "2000")
      return fmt::format("fault_{:03d} holds {} rows", version, rows.value_or("?"));
  }
  if (query_value(conninfo, "SELECT to_regclass('alembic_version_history') IS NOT NULL") == "t") {
    // The newest entry must describe the step that produced the current version.
    auto const last = query_value(
        conninfo,
        "SELECT direction || ':' || coalesce(revision, 'base') FROM alembic_version_history "
        "ORDER BY id DESC LIMIT 1");
    if (last) {
      std::string const up = fmt::format("upgrade:{:03d}", version);
      std::string const down = fmt::format("downgrade:{:03d}", version + 1);
      if (*last != up && *last != down)
        return fmt::format("version {} but newest history entry {}", version, *last);
    } else if (version != 0) {
      return fmt::format("version {} but an empty history", version);
    }
  }
  auto const locks =
      query_value(conninfo,
                  "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                  "WHERE l.locktype = 'advisory' AND d.datname = current_database()");
  if (locks != "0") return fmt::format("{} advisory locks still held", locks.value_or("?"));
  return "";
}

}  // namespace migc::test
