// Internal: one migrate command over many databases (a fleet): --database-url repeated or
// --database-urls-file, --jobs N at a time, one line per database, a summary, a JSON report.
#pragma once

#include <migc/runtime/catalog.hpp>
#include <string>
#include <vector>

#include "options.hpp"

namespace migc::runtime::detail {

/// True when `o` runs a fleet: --database-url given more than once, --database-urls-file, or
/// --report.
[[nodiscard]] bool is_fleet(cli_options const& o);

/**
 * The database URLs of a URLs file, in order: one a line, blanks around it
 * trimmed; blank lines and lines whose first non-blank character is `#`
 * skipped. Throws usage_error naming the file when it cannot be read.
 */
[[nodiscard]] std::vector<std::string> read_urls_file(std::string const& path);

/// How a database is named in fleet output: its URL or conninfo with every password masked.
[[nodiscard]] std::string database_label(std::string const& url);

/**
 * The worse of two exit codes, in the order failure (1) > attention (4) >
 * pending (3) > ok (0) (docs/migrate.md, "Fleets"); usage (2) never comes
 * from one database.
 */
[[nodiscard]] int worse_exit(int a, int b);

/**
 * Runs o.command (upgrade, downgrade, status or verify; anything else is a
 * usage_error) on every database of the fleet, o.jobs at a time, each on
 * its own thread and connection exactly as `migrate --database-url URL
 * <command>` would. Prints one line per database when it ends (stdout; stderr
 * with --format json), then a summary table (text) or the JSON report
 * (--format json); writes the report to o.report when given. With
 * o.fail_fast no database starts after one failed (running ones finish
 * their run); SIGINT/SIGTERM cancel every running statement and start no
 * other database. Returns the worst exit code (worse_exit; a database not
 * started counts as a failure). Throws usage_error before anything runs.
 */
int run_fleet(cli_options const& o, cli_durations const& durations, catalog const& cat,
              output const& io);

}  // namespace migc::runtime::detail
