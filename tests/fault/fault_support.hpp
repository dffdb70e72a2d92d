// Fault-test support: the migrate binaries under test and consistency checks of a database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg_test.hpp"
#include "process.hpp"

namespace migc::test {

/// argv for `<binary> --database-url <conninfo> <args...>`, where `binary` names one of the
/// migrate builds of tests/fault/CMakeLists.txt (e.g. "fault_migrate").
[[nodiscard]] std::vector<std::string> fault_argv(std::string const& binary,
                                                  std::string const& conninfo,
                                                  std::vector<std::string> const& args);

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
