// Internal: the commands that talk to a database: status, history, verify, upgrade, downgrade,
// stamp, resolve; and the optional database view of list and graph.
#pragma once

#include <migc/runtime/catalog.hpp>
#include <migc/runtime/migrator.hpp>
#include <optional>

#include "options.hpp"
#include "plan.hpp"

namespace migc::runtime::detail {

/**
 * Runs a database command: connects (--database-url, else DATABASE_URL,
 * else libpq's PG* variables), runs, renders the result in the chosen
 * format, and returns the exit code (docs/migrate.md). Throws the runtime's
 * errors and usage_error; the caller reports them.
 */
int run_database_command(cli_options const& o, cli_durations const& durations, catalog const& cat,
                         output const& io);

/// A usage_error when the upgrade or downgrade target of `o` does not parse (checked before
/// connecting: a typo is a usage error, not a failed run).
void check_targets(cli_options const& o);

/**
 * The migrator options of `o`: durations, role, flags; progress lines on
 * io.out (io.err with --format json), server notices and backfill progress
 * on io.err. The callbacks keep references to `io`: it must outlive the
 * migrator.
 */
[[nodiscard]] options runtime_options(cli_options const& o, cli_durations const& durations,
                                      output const& io);

/**
 * Runs o.command (status, history, verify, upgrade, downgrade, stamp,
 * resolve) on `m`, renders its result on io.out in the chosen format, and
 * returns the exit code. Throws the runtime's errors.
 */
int run_command(migrator& m, cli_options const& o, catalog const& cat, output const& io);

/// What list and graph add when a database is configured.
struct database_view {
  /// The database's position (nullopt inside: base) when it answered at a revision this binary
  /// knows; nullopt: offline.
  std::optional<position> at;
  int exit = 0;  ///< exit_failure when something went wrong (reported on stderr)
};

/**
 * The database's position for list and graph. Tried when a database is
 * configured (--database-url, DATABASE_URL, PGHOST, PGDATABASE or
 * PGSERVICE), with a 3 s connect timeout. When one was given explicitly
 * (--database-url or DATABASE_URL), a database that does not answer and
 * every anomaly status would report (a checksum mismatch, a revision this
 * binary does not know, a dirty marker) are reported on stderr and make the
 * exit code 1; otherwise those commands stay quietly offline.
 */
[[nodiscard]] database_view view_database(cli_options const& o, catalog const& cat,
                                          output const& io);

}  // namespace migc::runtime::detail
