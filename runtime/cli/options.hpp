// Internal: what the migrate command line says, and where its output goes.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace migc::runtime::detail {

/// Everything the command line says, filled in by CLI11 (cli.cpp).
struct cli_options {
  std::string command;       ///< the command's canonical name (an alias is resolved)
  std::string database_url;  ///< the one database of this run (a fleet member's own URL)
  bool database_url_given = false;
  std::vector<std::string> database_urls;  ///< every --database-url, in order
  std::string database_urls_file;          ///< --database-urls-file: one URL a line
  int jobs = 1;                            ///< fleets: databases run at the same time
  bool fail_fast = false;                  ///< fleets: start no database after a failure
  std::string report;                      ///< fleets: write the JSON report to this file
  std::string schema;                      ///< verify: compare this schema only ("" = all)
  std::string version_table;
  bool new_version_table = false;  ///< --new-version-table: a new history in a schema with tables
  std::string lock_timeout = "10s";
  std::string lock_wait = "forever";
  std::string concurrent_lock_timeout = "0";
  bool allow_ahead = false;
  /// --wait-for-standbys[=TIMEOUT]: "" = not given, "true" = given without a value
  std::string wait_for_standbys;
  int lock_retries = 0;
  std::string role;
  bool allow_checksum_mismatch = false;
  bool use_recorded_downgrades = false;  ///< downgrade --use-recorded-downgrades
  bool dry_run = false;                  ///< upgrade/downgrade --dry-run
  bool single_transaction = false;
  bool resolved_applied = false;
  bool resolved_rolled_back = false;
  bool resolved_continue = false;  ///< resolve --continue
  std::string format = "text";
  bool check = false;
  bool force = false;  ///< `stairway --force`: run on a database that is not empty
  bool version = false;
  std::string upgrade_target = "head";
  std::string downgrade_target;
  std::string revision_id;
  std::string range;
};

/// The durations of cli_options, parsed (usage_error for a bad one).
struct cli_durations {
  std::chrono::milliseconds lock_timeout{10000};
  std::optional<std::chrono::milliseconds> lock_wait;  ///< nullopt: forever
  std::chrono::milliseconds concurrent_lock_timeout{0};
  bool wait_for_standbys = false;                            ///< --wait-for-standbys given
  std::optional<std::chrono::milliseconds> standby_timeout;  ///< its TIMEOUT; nullopt: forever
};

/// Where a command writes: stdout for results (JSON with --format json), stderr for the rest.
struct output {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  bool colour = false;    ///< ANSI colours on stdout (a terminal, NO_COLOR unset), never for JSON
  bool terminal = false;  ///< stdout is a terminal: progress bars are redrawn in place
};

}  // namespace migc::runtime::detail
