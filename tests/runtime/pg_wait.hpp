// Waiting, in a database test, for another session to reach a statement.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "pg_test.hpp"

namespace migc::test {

/// Waits (at most 10 s) until another session of the database at `conninfo` runs a statement
/// containing `text`.
inline bool wait_for_statement(std::string const& conninfo, std::string const& text) {
  for (int i = 0; i < 1000; ++i) {
    if (query_value(conninfo,
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND datname = "
                    "current_database() AND pid <> pg_backend_pid() AND position('" +
                        text + "' IN query) > 0") == "1") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace migc::test
