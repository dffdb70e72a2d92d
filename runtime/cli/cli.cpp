// The `migrate` command line: CLI11 parses, one function per command group runs, renderers print.
#include <libpq-fe.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <migc/runtime/cli.hpp>

#include "cli_io.hpp"
#include "database_commands.hpp"
#include "failure.hpp"
#include "fleet.hpp"
#include "json_output.hpp"
#include "offline_commands.hpp"
#include "presentation.hpp"
#include "suggest.hpp"
#include "text_output.hpp"

namespace migc::runtime {
namespace detail {
namespace {

/// Builds the CLI11 app; `o` receives the values.
void define_cli(CLI::App& app, cli_options& o) {
  app.fallthrough();  // global options work before or after the command (inherited)
  app.require_subcommand(0, 1);
  app.add_flag("--version", o.version,
               "print migrate's version, the embedded head and chain hash, and libpq's version");
  app.add_option("--database-url", o.database_urls,
                 "libpq URL or key=value conninfo (default: $DATABASE_URL, else PG* variables); "
                 "repeat it to run upgrade, downgrade, status or verify on a fleet")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--database-urls-file", o.database_urls_file,
                 "fleets: a file of database URLs, one a line ('#' comments, blank lines skipped)");
  app.add_option("--jobs,-j", o.jobs, "fleets: databases migrated at the same time")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_flag("--fail-fast", o.fail_fast,
               "fleets: after a database fails, start no other (running ones finish their run)");
  app.add_option("--report", o.report,
                 "fleets: write the JSON report (every database's outcome) to this file");
  app.add_option("--version-table", o.version_table,
                 "version table, optionally schema.table (default: the catalog's)");
  app.add_flag("--new-version-table", o.new_version_table,
               "confirm that --version-table names a NEW history: without it a run refuses a "
               "version table that does not exist in a schema that already has tables (a typo "
               "would run every revision again)");
  app.add_option("--lock-timeout", o.lock_timeout,
                 "bound on each table lock wait, e.g. 10s, 500ms, 0 = none")
      ->capture_default_str();
  app.add_option("--concurrent-lock-timeout", o.concurrent_lock_timeout,
                 "bound on each lock wait of a statement that runs outside a transaction (CREATE "
                 "INDEX CONCURRENTLY waits for every older transaction), e.g. 10min; 0 = none")
      ->capture_default_str();
  app.add_option("--lock-wait", o.lock_wait,
                 "bound on the wait for the migration lock held by another run, e.g. 30s; "
                 "exceeded: exit 1 naming the holder (default: forever)")
      ->capture_default_str();
  app.add_option("--lock-retries", o.lock_retries,
                 "retry a revision whose table lock wait hit --lock-timeout (rolled back, "
                 "retried after 0.5 s, 1 s, 2 s ...), and a statement outside a transaction "
                 "(the invalid index a CREATE INDEX CONCURRENTLY left is dropped first)")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  app.add_option("--role", o.role,
                 "run the revisions under SET LOCAL ROLE ROLE, so new objects belong to it");
  app.add_flag("--allow-checksum-mismatch", o.allow_checksum_mismatch,
               "DANGEROUS: accept applied revisions whose checksum differs from this binary's "
               "(an edited revision, or another branch's); the database keeps what the old SQL "
               "did, and a 'repair' history row stops later runs from refusing");
  app.add_option("--format", o.format,
                 "output format of status, history, list, verify, stairway, runs, --version and "
                 "errors")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  auto* status = app.add_subcommand(
      "status", "current revision, head, pending revisions, every anomaly (never refuses)");
  status->alias("current");  // Alembic's word
  status->add_flag("--check", o.check, "exit with 3 when revisions are pending");
  char const* const ahead_help =
      "rolling deploys: a database ahead of this binary (its revisions applied unchanged) is "
      "not an error: upgrade has nothing to do and exits 0, status exits 0";
  status->add_flag("--allow-ahead", o.allow_ahead, ahead_help);
  auto* upgrade = app.add_subcommand("upgrade", "apply pending revisions");
  upgrade->add_option("target", o.upgrade_target, "head (default) | <id> | +N");
  upgrade->add_flag("--allow-ahead", o.allow_ahead, ahead_help);
  auto* downgrade = app.add_subcommand("downgrade", "revert revisions");
  downgrade->add_option("target", o.downgrade_target, "<id> | -N | base")->required();
  downgrade->add_flag("--use-recorded-downgrades", o.use_recorded_downgrades,
                      "revert revisions this binary does not embed (a newer release's, another "
                      "branch's) with the downgrades the history recorded when they were "
                      "applied; each is shown before anything runs");
  auto* stamp = app.add_subcommand("stamp", "set the version without running anything");
  stamp->add_option("id", o.revision_id, "<id> | base")->required();
  // A flag, not an option: only --wait-for-standbys=30s takes a value, so the word after it
  // stays the command's target.
  auto const wait_for_standbys = [&o](CLI::App* run) {
    run->add_flag("--wait-for-standbys", o.wait_for_standbys,
                  "after the run, wait until every standby streaming from the primary "
                  "(pg_stat_replication) has replayed it, printing the LSN and each standby; "
                  "=TIMEOUT (e.g. =30s) bounds the wait: exit 1 naming the standbys behind")
        ->option_text("[=TIMEOUT]");
  };
  for (auto* run : {upgrade, downgrade, stamp}) wait_for_standbys(run);
  for (auto* run : {upgrade, downgrade}) {
    run->add_flag("--single-transaction", o.single_transaction,
                  "run every revision in ONE transaction, committed together or not at all "
                  "(refused when one runs without a transaction)");
    run->add_flag("--dry-run", o.dry_run,
                  "check and plan as a run would, print the plan (and every recorded downgrade "
                  "it would use), change nothing");
  }
  app.add_subcommand("history", "applied revisions: when, how long, checksum, by whom");
  app.add_subcommand("list",
                     "the embedded revisions (applied and current marked when a database answers)")
      ->alias("heads");  // Alembic's word
  app.add_subcommand("show", "the SQL of one revision, both directions")
      ->add_option("id", o.revision_id, "revision id")
      ->required();
  app.add_subcommand("sql", "offline: the SQL script for a range, no database")
      ->add_option("range", o.range, "[FROM:]TO, each base | head | <id>")
      ->required();
  app.add_subcommand(
      "graph", "the chain as Graphviz DOT (applied revisions filled when a database answers)");
  auto* resolve = app.add_subcommand("resolve",
                                     "settle a revision a run left dirty, stopped between phases "
                                     "or midway through a recorded downgrade");
  resolve->add_option("id", o.revision_id, "the dirty revision")->required();
  auto* applied = resolve->add_flag("--applied", o.resolved_applied,
                                    "its remaining statements were completed by hand");
  auto* rolled_back =
      resolve->add_flag("--rolled-back", o.resolved_rolled_back, "what it ran was undone by hand");
  auto* continued = resolve->add_flag(
      "--continue", o.resolved_continue,
      "run the rest of it now (the statement a stop interrupted again), then record it");
  applied->excludes(rolled_back);
  applied->excludes(continued);
  rolled_back->excludes(continued);
  wait_for_standbys(resolve);  // --continue runs statements; any resolve moves the version
  app.add_subcommand(
         "verify",
         "applied revisions' recorded checksums vs the embedded ones, and the live schema vs the "
         "compiler's model at the database's revision (exit 1 on a difference or drift)")
      ->add_option("--schema", o.schema,
                   "compare this schema only (schema-per-tenant: a tenant's schema against the "
                   "model's public schema when the model has no object in it); current_schema: "
                   "the first schema of the session's search_path");
  app.add_subcommand("stairway",
                     "on a scratch database: each revision up, verify, down, verify, up again "
                     "(exit 1 at the first failure or drift)")
      ->add_flag("--force", o.force,
                 "run on a database that is not empty: the objects found are not reported as "
                 "drift, and the stairway starts at its revision");
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
}

/// Every command name and alias.
std::vector<std::string> command_names(CLI::App& app) {
  std::vector<std::string> names;
  for (auto* sub : app.get_subcommands({})) {
    names.push_back(sub->get_name());
    for (auto const& alias : sub->get_aliases()) names.push_back(alias);
  }
  return names;
}

/// The first word of `args` that is neither an option nor an option's value: the command.
std::optional<std::string> command_word(CLI::App& app, std::vector<std::string> const& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string const& arg = args[i];
    if (arg.empty() || arg[0] != '-') return arg;
    if (arg.find('=') != std::string::npos) continue;
    CLI::Option const* option = app.get_option_no_throw(arg);
    if (option != nullptr && option->get_items_expected_min() > 0) ++i;  // skip its value
  }
  return std::nullopt;
}

/// "unknown command 'info'; did you mean 'status'?" for a command word migrate does not have.
void check_command_word(CLI::App& app, std::vector<std::string> const& args) {
  auto const word = command_word(app, args);
  if (!word) return;
  auto const names = command_names(app);
  if (std::find(names.begin(), names.end(), *word) != names.end()) return;
  auto const suggestion = suggest_command(*word, names);
  throw usage_error(fmt::format("unknown command '{}'{}", *word,
                                suggestion
                                    ? fmt::format("; did you mean '{}'?", *suggestion)
                                    : std::string("; run 'migrate --help' for the commands")));
}

cli_durations parse_durations(cli_options const& o) {
  cli_durations d;
  auto const lock_timeout = parse_duration(o.lock_timeout);
  if (!lock_timeout) {
    throw usage_error(
        fmt::format("invalid --lock-timeout '{}': expected a number with unit ms, s, min or h",
                    o.lock_timeout));
  }
  d.lock_timeout = *lock_timeout;
  auto const concurrent = parse_duration(o.concurrent_lock_timeout);
  if (!concurrent) {
    throw usage_error(fmt::format(
        "invalid --concurrent-lock-timeout '{}': expected a number with unit ms, s, min or h",
        o.concurrent_lock_timeout));
  }
  d.concurrent_lock_timeout = *concurrent;
  // CLI11 gives a flag without a value "true" (and "false" for --wait-for-standbys=false).
  d.wait_for_standbys = !o.wait_for_standbys.empty() && o.wait_for_standbys != "false";
  if (d.wait_for_standbys && o.wait_for_standbys != "true") {
    d.standby_timeout = parse_duration(o.wait_for_standbys);
    if (!d.standby_timeout) {
      throw usage_error(
          fmt::format("invalid --wait-for-standbys={}: expected a number with unit ms, s, min or h",
                      o.wait_for_standbys));
    }
  }
  if (o.lock_wait != "forever") {
    d.lock_wait = parse_duration(o.lock_wait);
    if (!d.lock_wait) {
      throw usage_error(fmt::format(
          "invalid --lock-wait '{}': expected forever, 0, or a number with unit ms, s, min or h",
          o.lock_wait));
    }
  }
  return d;
}

/// libpq's version as "15.5" (PQlibVersion: major * 10000 + minor from 10 on).
std::string libpq_version() {
  int const v = PQlibVersion();
  if (v >= 100000) return fmt::format("{}.{}", v / 10000, v % 10000);
  return fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100);
}

int print_version_info(catalog const& cat, output const& io) {
  if (io.json) {
    write_json(io.out, version_json(cat, libpq_version()));
  } else {
    print_version(io.out, cat, libpq_version());
  }
  return exit_ok;
}

/// list and graph: the embedded chain, with the database's position when one answers.
int list_or_graph(cli_options const& o, catalog const& cat, output const& io) {
  database_view const view = view_database(o, cat, io);
  if (o.command == "graph") {
    print_graph(io.out, cat, view.at);
  } else if (io.json) {
    write_json(io.out, list_json(cat, view.at));
  } else {
    print_list(io.out, cat, view.at);
  }
  return view.exit;
}

int dispatch(cli_options const& o, catalog const& cat, output const& io) {
  cli_durations const durations = parse_durations(o);
  if (o.command == "resolve" && !o.resolved_applied && !o.resolved_rolled_back &&
      !o.resolved_continue) {
    throw usage_error(
        "resolve needs --continue (migrate runs the rest of the revision), --applied or "
        "--rolled-back (say what became of it when you repaired it by hand)");
  }
  if (o.command == "list" || o.command == "graph") return list_or_graph(o, cat, io);
  if (o.command == "show") {
    show_revision(io.out, cat, o.revision_id);
    return exit_ok;
  }
  if (o.command == "sql") {
    print_sql(io.out, cat, o, durations);
    return exit_ok;
  }
  if (is_fleet(o)) return run_fleet(o, durations, cat, io);
  return run_database_command(o, durations, cat, io);
}

/// Parses `args` into `o`; returns an exit code when the command line is all that is to be done
/// (help, a parse error), else nullopt.
std::optional<int> parse(CLI::App& app, std::vector<std::string> const& args, cli_options& o,
                         output const& io) {
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
    app.parse(reversed);
  } catch (CLI::CallForHelp const&) {
    io.out << app.help();
    return exit_ok;
  } catch (CLI::CallForAllHelp const&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return exit_ok;
  } catch (CLI::ParseError const& e) {
    if (e.get_exit_code() == 0) return exit_ok;
    throw usage_error(std::string(e.what()) + "; run 'migrate --help' for usage");
  }
  if (o.database_urls.size() == 1) o.database_url = o.database_urls.front();
  o.database_url_given = !o.database_urls.empty();
  auto const commands = app.get_subcommands();
  if (!commands.empty()) o.command = commands.front()->get_name();
  return std::nullopt;
}

}  // namespace

int run_cli(std::vector<std::string> const& args, catalog const& embedded, std::ostream& out,
            std::ostream& err, bool colour) noexcept {
  cli_options o;
  output io{out, err, false, colour};
  io.terminal = &out == &std::cout && ::isatty(STDOUT_FILENO) == 1;
  try {
    CLI::App app{"Applies the revisions embedded in this binary to a PostgreSQL database.",
                 "migrate"};
    define_cli(app, o);
    check_command_word(app, args);  // usage errors before the parse ends are text
    if (auto const code = parse(app, args, o, io)) return *code;
    io.json = o.format == "json";
    io.colour = colour && !io.json;
    io.terminal = io.terminal && !io.json;
    if (o.version) return print_version_info(embedded, io);
    if (o.command.empty()) {
      throw usage_error("a command is required; run 'migrate --help' for the commands");
    }
    return dispatch(o, embedded, io);
  } catch (...) {
    return report_failure(io, o);
  }
}

}  // namespace detail

int run_cli(int argc, char** argv, catalog const& embedded) noexcept {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  // Colour only for a terminal, and never when NO_COLOR is set to anything (no-color.org).
  char const* no_color = std::getenv("NO_COLOR");
  bool const colour = ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  return detail::run_cli(args, embedded, std::cout, std::cerr, colour);
}

}  // namespace migc::runtime
