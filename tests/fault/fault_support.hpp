// Fault-test support: the migrate binaries under test and consistency checks of a database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "process.hpp"

namespace migc::test {

/// Path of a migrate binary built by tests/fault/CMakeLists.txt (e.g. "fault_migrate").
[[nodiscard]] std::string fault_binary(std::string const& name);

/// argv for `<binary> --database-url <conninfo> <args...>`.
[[nodiscard]] std::vector<std::string> migrate_argv(std::string const& binary, std::string const& conninfo,
                                                    std::vector<std::string> const& args);

/// One SQL query's first column of the first row, as text; nullopt for no row or NULL.
[[nodiscard]] std::optional<std::string> query_value(std::string const& conninfo, std::string const& sql);

/// Runs a statement.
void execute(std::string const& conninfo, std::string const& sql);

/// Waits until no other session (e.g. the backend of a killed client, still
/// finishing its script) is active in the database of `conninfo`.
void wait_for_quiet_database(std::string const& conninfo);

/**
 * Checks the 200-revision fault chain's invariants and returns "" when they
 * hold, else what is wrong: at most one version row; exactly the tables
 * fault_001..fault_<version> exist, and the newest holds all its rows; the
 * newest history entry agrees with the version (no half entry); no advisory
 * lock is held.
 */
[[nodiscard]] std::string fault_chain_inconsistency(std::string const& conninfo);

/// The version row as a number (0 for base).
[[nodiscard]] int fault_chain_version(std::string const& conninfo);

}  // namespace migc::test
