// The commands that talk to a database, and the database view of list and graph.
#include "database_commands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <migc/runtime/migrator.hpp>
#include <ostream>

#include "connection.hpp"
#include "failure.hpp"
#include "json_output.hpp"
#include "progress_output.hpp"
#include "signal_watch.hpp"
#include "stairway.hpp"
#include "text_output.hpp"

namespace migc::runtime::detail {
namespace {

std::string conninfo_of(cli_options const& o) {
  return resolve_conninfo(o.database_url_given ? std::optional<std::string>(o.database_url)
                                               : std::nullopt);
}

/// Only runs that change the database have something to roll back and a lock to release; a
/// read-only command ends with the signal's default action, and its start-up skips the watcher
/// thread (status is measured against psql: bench/README.md).
bool changes_database(std::string const& command) {
  return command != "status" && command != "history" && command != "verify";
}

}  // namespace

options runtime_options(cli_options const& o, cli_durations const& durations, output const& io) {
  options opts;
  opts.version_table = o.version_table;
  opts.new_version_table = o.new_version_table;
  opts.lock_timeout = durations.lock_timeout;
  opts.lock_wait = durations.lock_wait;
  opts.concurrent_lock_timeout = durations.concurrent_lock_timeout;
  opts.allow_ahead = o.allow_ahead;
  opts.lock_retries = o.lock_retries;
  opts.role = o.role;
  opts.allow_checksum_mismatch = o.allow_checksum_mismatch;
  opts.single_transaction = o.single_transaction;
  opts.use_recorded_downgrades = o.use_recorded_downgrades;
  opts.dry_run = o.dry_run;
  opts.wait_for_standbys = durations.wait_for_standbys;
  opts.standby_timeout = durations.standby_timeout;
  // Progress goes to stdout for people; with --format json stdout is reserved for the JSON.
  std::ostream& progress = io.json ? io.err : io.out;
  bool const colour = io.colour;
  opts.log = [&progress, colour](std::string_view line) {
    progress << paint_progress(line, colour) << std::endl;
  };
  std::ostream& err = io.err;
  opts.notice = [&err](std::string_view line) { err << "migrate: server: " << line << "\n"; };
  opts.progress = backfill_reporter(io);
  return opts;
}

namespace {

int status(migrator& m, cli_options const& o, catalog const& cat, output const& io) {
  status_report const s = m.status();
  if (io.json) {
    write_json(io.out, status_json(cat, s, m.version_table()));
  } else {
    print_status(io.out, cat, s, m.version_table(), io.colour);
  }
  bool const attention = std::any_of(s.problems.begin(), s.problems.end(), [&](refusal const& p) {
    return !(o.allow_ahead && p.reason() == refusal_reason::database_ahead);
  });
  if (attention) return exit_attention;
  return o.check && !s.pending.empty() ? exit_pending : exit_ok;
}

int history(migrator& m, output const& io) {
  auto const rows = m.history();
  if (io.json) {
    write_json(io.out, history_json(rows));
  } else {
    print_history(io.out, rows);
  }
  return exit_ok;
}

int verify(migrator& m, cli_options const& o, catalog const& cat, output const& io) {
  verify_report const v = o.schema.empty() ? m.verify() : m.verify(o.schema);
  if (io.json) {
    write_json(io.out, verify_json(cat, v));
  } else {
    print_verify(io.out, cat, v);
  }
  return v.ok() ? exit_ok : exit_failure;
}

/// The widest revision id of the chain, for stairway's aligned rows.
std::size_t id_width(catalog const& cat) {
  std::size_t width = 0;
  for (revision const& r : cat.revisions) width = std::max(width, r.id.size());
  return width;
}

int stairway(migrator& m, cli_options const& o, catalog const& cat, output const& io) {
  std::size_t const width = id_width(cat);
  auto const on_row = [&](stairway_row const& row) {
    if (!io.json) print_stairway_row(io.out, row, width, io.colour);
  };
  stairway_report const r = run_stairway(m, cat, o.force, on_row);
  if (io.json) {
    write_json(io.out, stairway_json(r));
  } else {
    print_stairway_summary(io.out, r, io.colour);
  }
  if (r.ok()) return exit_ok;
  io.err << "migrate: error: stairway failed: " << password_free(r.failure->message, o) << "\n";
  return exit_failure;
}

int run(migrator& m, cli_options const& o, output const& io) {
  run_result r;
  if (o.command == "upgrade") r = m.upgrade(o.upgrade_target);
  if (o.command == "downgrade") r = m.downgrade(o.downgrade_target);
  if (o.command == "stamp") r = m.stamp(o.revision_id);
  if (o.command == "resolve") {
    r = m.resolve(o.revision_id, o.resolved_continue  ? resolution::continued
                                 : o.resolved_applied ? resolution::applied
                                                      : resolution::rolled_back);
  }
  if (io.json) write_json(io.out, run_json(r));
  return exit_ok;
}

}  // namespace

int run_command(migrator& m, cli_options const& o, catalog const& cat, output const& io) {
  if (o.command == "status") return status(m, o, cat, io);
  if (o.command == "history") return history(m, io);
  if (o.command == "verify") return verify(m, o, cat, io);
  if (o.command == "stairway") return stairway(m, o, cat, io);
  return run(m, o, io);
}

namespace {

bool database_configured(cli_options const& o) {
  if (o.database_url_given) return true;
  for (char const* name : {"DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE"}) {
    if (char const* v = std::getenv(name); v != nullptr && *v != '\0') return true;
  }
  return false;
}

bool database_given(cli_options const& o) {
  char const* env = std::getenv("DATABASE_URL");
  return o.database_url_given || (env != nullptr && *env != '\0');
}

}  // namespace

void check_targets(cli_options const& o) {
  try {
    if (o.command == "upgrade") (void)parse_upgrade_target(o.upgrade_target);
    if (o.command == "downgrade") (void)parse_downgrade_target(o.downgrade_target);
  } catch (target_error const& e) {
    throw usage_error(e.what());
  }
}

int run_database_command(cli_options const& o, cli_durations const& durations, catalog const& cat,
                         output const& io) {
  // Validate targets before connecting: a typo is a usage error, not a failed run.
  check_targets(o);
  signal_watch signals;
  options opts = runtime_options(o, durations, io);
  if (o.command == "stairway") opts.log = nullptr;  // its rows say what each run did
  if (changes_database(o.command)) opts.interrupted = signals.flag();
  migrator m(conninfo_of(o), cat, std::move(opts));
  if (changes_database(o.command)) signals.start(m);
  try {
    return run_command(m, o, cat, io);
  } catch (interrupted_error const&) {
    throw;
  } catch (error const& e) {
    if (!signals.fired()) throw;
    // The cancel hit a statement of migc's own (bookkeeping, lock polling): still an interrupt.
    throw interrupted_error(fmt::format("interrupted ({}): {}", signals.signal_name(), e.what()));
  }
}

database_view view_database(cli_options const& o, catalog const& cat, output const& io) {
  database_view view;
  if (!database_configured(o)) return view;
  bool const given = database_given(o);
  try {
    options opts;
    opts.version_table = o.version_table;
    std::string conninfo = conninfo_of(o);
    if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
      conninfo = with_parameter(std::move(conninfo), "connect_timeout", "3");
    }
    migrator m(conninfo, cat, opts);
    status_report const s = m.status();
    if (!s.current || s.at) view.at = s.at;
    if (given) {
      for (refusal const& problem : s.problems) {
        io.err << "migrate: error: " << password_free(problem.what(), o) << "\n";
        view.exit = exit_failure;
      }
    }
  } catch (std::exception const& e) {
    if (given) {
      io.err << "migrate: error: " << password_free(e.what(), o)
             << " (showing the embedded revisions only)\n";
      view.exit = exit_failure;
    }
  }
  return view;
}

}  // namespace migc::runtime::detail
