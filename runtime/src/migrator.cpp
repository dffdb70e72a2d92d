// The migrator: the public API over one session; a run is lock, ensure tables, validate, plan,
// apply each revision, unlock.
#include <fmt/format.h>

#include <algorithm>
#include <migc/runtime/migrator.hpp>
#include <unordered_map>
#include <unordered_set>

#include "default_spelling.hpp"
#include "dirty.hpp"
#include "drift.hpp"
#include "history.hpp"
#include "migration_lock.hpp"
#include "phases.hpp"
#include "presentation.hpp"
#include "recorded_plan.hpp"
#include "revision_runner.hpp"
#include "standby_wait.hpp"
#include "state_reader.hpp"

namespace migc::runtime {

using namespace detail;

struct migrator::impl {
  session s;
  /// Revisions rebuilt from recorded downgrades: run results point at them.
  std::vector<std::unique_ptr<recorded_revision>> recorded;

  impl(std::string const& conninfo, catalog const& embedded, options opts)
      : s(conninfo, embedded, std::move(opts)) {}

  /// Adds a revision the run applied (or reverted) to `result` and logs it.
  void record_done(run_result& result, plan_step const& planned, std::chrono::microseconds took) {
    result.applied.push_back({planned.rev, planned.dir, took});
    result.to = version_name(version_after(*planned.rev, planned.dir));
    s.log(done_line(*planned.rev, planned.dir, took));
  }

  /// Each revision in its own transaction (or none, for a non-transactional one).
  void apply_one_by_one(revision_runner& runner, std::vector<plan_step> const& steps,
                        std::optional<std::string> expected, run_result& result) {
    for (plan_step const& planned : steps) {
      if (s.interrupted()) {
        throw interrupted_error(fmt::format("interrupted before revision {}; the database is at {}",
                                            planned.rev->id, version_name(expected)));
      }
      auto const took = phased(planned) ? runner.apply_in_phases(planned, expected)
                        : planned.rev->transactional
                            ? runner.apply_in_transaction(planned, expected)
                            : runner.apply_outside_transaction(planned, expected);
      record_done(result, planned, took);
      expected = version_after(*planned.rev, planned.dir);
    }
  }

  /// Logs where the run starts (and, upgrading, where the chain ends).
  void announce_start(direction dir, std::string const& at_name) {
    s.log("Current database version: " + at_name);
    if (dir == direction::upgrade)
      s.log("Latest migration version: " + std::string(head_name(s.cat)));
  }

  /// Logs where a downgrade goes, and the recorded downgrades it will run, statement by statement.
  void announce_target(direction dir, std::string const& at_name,
                       std::vector<plan_step> const& steps,
                       std::vector<recorded_revision const*> const& from_records) {
    if (dir != direction::downgrade) return;
    s.log("Target migration version: " +
          (steps.empty() ? at_name
                         : version_name(version_after(*steps.back().rev, direction::downgrade))));
    for (recorded_revision const* rec : from_records) {
      for (std::string const& line : recorded_downgrade_lines(*rec)) s.log(line);
    }
  }

  /// What a round runs: the checked state and the plan (through recorded downgrades when a
  /// downgrade starts at revisions this binary does not embed).
  struct round_plan {
    checked_state checked;
    std::string at_name;  ///< where the database is, as logged
    std::vector<plan_step> steps;
    std::vector<recorded_revision const*> from_records;
  };

  round_plan plan_round(direction dir, target const& goal, bool first) {
    validation_options const rules{s.opts.allow_checksum_mismatch, false};
    // A dry run changes nothing, not even migrate's own tables.
    table_presence present;
    if (s.opts.dry_run) {
      present = probe_tables(s);
      refuse_unconfirmed_version_table(s, present);  // refused alike
    } else {
      present = ensure_tables(s);
    }
    round_plan p;
    try {
      p.checked = read_checked_state(s, present, rules);
    } catch (refusal const& r) {
      bool const unknown = r.reason() == refusal_reason::database_ahead ||
                           r.reason() == refusal_reason::other_branch;
      if (dir != direction::downgrade || !unknown) throw;
      auto rp = plan_recorded_downgrade(s, goal, r, rules, recorded);
      p.at_name = version_name(rp.checked.state.current);
      p.checked = std::move(rp.checked);
      p.steps = std::move(rp.steps);
      p.from_records = std::move(rp.recorded);
      if (first) announce_start(dir, p.at_name);
      return p;
    }
    p.at_name = position_name(s.cat, p.checked.verdict.at);
    if (first) announce_start(dir, p.at_name);
    p.steps = plan(s.cat, p.checked.verdict.at, dir, goal);
    return p;
  }

  /// Refuses, before anything changes, a plan with a revision that needs one server session
  /// from start to end when a pooler answers the connection.
  void refuse_pooled_non_transactional(std::vector<plan_step> const& steps) const {
    if (!s.pooled) return;
    for (plan_step const& planned : steps) {
      std::string_view const why = session_bound(planned);
      if (why.empty()) continue;
      std::string const location = source_location(s.cat, *planned.rev);
      throw refusal(
          refusal_reason::pooled_session,
          fmt::format("revision {} \"{}\" ({}) {}; this connection goes through a pooler (server "
                      "process {}, the pooler reports {}), which may run each statement on "
                      "another one. Nothing was applied: run this revision over a direct "
                      "connection",
                      planned.rev->id, planned.rev->description, location, why, s.server_pid,
                      s.cx.backendpid()),
          {{}, std::string(planned.rev->id), location, {}});
    }
  }

  /// The database is ahead of this binary and options::allow_ahead says that is fine.
  bool ahead_is_fine(refusal const& r, direction dir, bool allow_ahead_default) const {
    return dir == direction::upgrade && r.reason() == refusal_reason::database_ahead &&
           s.opts.allow_ahead.value_or(allow_ahead_default);
  }

  /**
   * One round of a run: validates the state, plans, applies. Throws
   * version_moved when another run moved the version meanwhile (the caller
   * plans again from there).
   */
  void run_round(direction dir, target const& goal, run_result& result, bool first) {
    round_plan const planned = plan_round(dir, goal, first);
    checked_state const& checked = planned.checked;
    auto const& steps = planned.steps;
    std::string const& at_name = planned.at_name;
    if (first) {
      announce_target(dir, at_name, steps, planned.from_records);
      result.from = at_name;
    }
    result.to = at_name;
    revision_runner runner(s);
    if (s.opts.single_transaction) {
      runner.refuse_non_transactional(steps);
      runner.refuse_new_enum_values_used(steps);
    }
    check_progress(s, steps);
    refuse_pooled_non_transactional(steps);
    if (s.opts.dry_run) {
      for (plan_step const& planned : steps) {
        s.log(fmt::format("Would {} {} \"{}\"", direction_name(planned.dir), planned.rev->id,
                          planned.rev->description));
      }
      s.log("Dry run: nothing was changed");
      return;
    }
    record_repairs(s, checked.verdict.accepted);
    if (steps.empty()) {
      s.log(goal.what == target::kind::head ? std::string("Database is already at latest version")
                                            : "Database is already at " + at_name);
      return;
    }
    if (s.opts.single_transaction) {
      // Logged once committed: nothing is applied before the COMMIT.
      auto const took = runner.apply_together(steps, checked.state.current);
      for (std::size_t i = 0; i < steps.size(); ++i) record_done(result, steps[i], took[i]);
    } else {
      apply_one_by_one(runner, steps, checked.state.current, result);
    }
  }

  run_result run(direction dir, target const& goal, bool allow_ahead_default) {
    migration_lock lock(s);
    run_result result;
    try {
      for (bool first = true;; first = false) {
        try {
          run_round(dir, goal, result, first);
          return result;
        } catch (version_moved const& moved) {
          // Another run (behind a pooler, each transaction takes the lock on its own) applied
          // revisions meanwhile; nothing of `moved.revision` ran.
          s.log(fmt::format("Another run moved the version before {}: reading it again",
                            moved.revision));
        }
      }
    } catch (refusal& r) {
      if (!ahead_is_fine(r, dir, allow_ahead_default)) {
        r.set_applied(applied_ids(result));
        throw;
      }
      auto const current = read_current(s);
      result.from = result.to = version_name(current);
      s.log(fmt::format("Database is at {}, ahead of this binary (head {}): nothing to do",
                        result.from, head_name(s.cat)));
      return result;
    } catch (error& e) {
      e.set_applied(applied_ids(result));
      if (!result.to.empty() && server_gone(e)) throw_with_boundary(e, result.to);
      throw;
    }
  }

  /// The server went away mid-run: the connection broke, or the server ended the session (class
  /// 57P: admin or crash shutdown, as when a primary is stopped for a failover; class 08).
  static bool server_gone(error const& e) {
    std::string_view const state = e.sqlstate();
    return dynamic_cast<connection_error const*>(&e) != nullptr ||
           dynamic_cast<commit_unknown_error const*>(&e) != nullptr || state.rfind("57P", 0) == 0 ||
           state.rfind("08", 0) == 0;
  }

  /**
   * Rethrows `e` (its class kept) with the boundary a rerun starts from: every revision is
   * committed with its version row, so the last one this run committed (or where it started) is
   * where the database is, on this server and on a standby that had replayed it.
   */
  [[noreturn]] static void throw_with_boundary(error const& e, std::string const& last) {
    std::string const message = fmt::format(
        "{}; the server went away mid-run: the last committed revision is {}{}. Run `migrate "
        "status` against the server that is the primary now (after a failover, a standby may "
        "lack the last commits); a rerun continues from its revision",
        e.what(), last,
        dynamic_cast<commit_unknown_error const*>(&e) != nullptr && !e.revision().empty()
            ? fmt::format(", or {} if its COMMIT arrived", e.revision())
            : std::string());
    error_context context{e.sqlstate(), e.revision(), e.location(), e.applied()};
    if (dynamic_cast<commit_unknown_error const*>(&e)) throw commit_unknown_error(message, context);
    if (dynamic_cast<connection_error const*>(&e)) throw connection_error(message, context);
    if (dynamic_cast<revision_error const*>(&e)) throw revision_error(message, context);
    throw error(message, context);
  }

  /// options::wait_for_standbys after a run that returned (the migration lock is released: other
  /// runs need not wait for the standbys too).
  run_result replayed(run_result result) {
    if (s.opts.wait_for_standbys && !s.opts.dry_run) result.standby_lsn = wait_for_standbys(s);
    return result;
  }

  static std::vector<std::string> applied_ids(run_result const& result) {
    std::vector<std::string> done;
    for (auto const& a : result.applied) done.emplace_back(a.rev->id);
    return done;
  }

  /// The drift half of verify, at the database's (known, clean) position.
  drift_report drift_at(position at, std::string const& schema) {
    drift_report drift;
    drift.at = std::string(position_name(s.cat, at));
    auto const q = s.quoting();
    std::vector<std::string> exclude;
    for (auto const& name :
         {s.ctx.version_table, s.history_name(), s.dirty_name(), s.progress_name()}) {
      exclude.push_back(qualified(q, name));
    }
    // The model at the database's revision, not head's: a database below head is checked too.
    auto model = model_objects(s.cat, at);
    std::string const scope = schema == "current_schema" ? session_schema(s.cx) : schema;
    std::string const visible = scope.empty() ? "public" : scope;
    auto live = read_live_schema(s.cx, exclude, visible);
    if (!scope.empty()) {  // one tenant's schema: other schemas are not drift
      drift.schema = scope;
      drift.model_schema = model_schema_for(model, scope);
      model = objects_in_schema(model, drift.model_schema, scope);
      live = objects_in_schema(live, scope, scope);
    }
    default_spelling spelling(s.cx, visible);
    drift.findings = compare_schema(
        model, live, [&](db_object const& m, db_object const& l) { return spelling.same(m, l); });
    drift.objects = model.size();
    drift.status = drift_report::state::checked;
    return drift;
  }

  /// verify's per-revision rows: root up to `at`, each with its latest recorded row.
  std::vector<verify_entry> applied_entries(database_state const& state,
                                            validation const& verdict) {
    // Indexed once: a scan per revision is quadratic at thousands of revisions.
    std::unordered_map<std::uint64_t, applied_record const*> recorded;
    for (auto const& [id, record] : state.applied) {
      if (auto const value = revision_id_value(id)) recorded[*value] = &record;  // the last wins
    }
    std::unordered_set<revision const*> mismatched;
    for (auto const& m : verdict.accepted) mismatched.insert(m.rev);
    std::vector<verify_entry> entries;
    for (std::size_t i = 0; verdict.at && i <= *verdict.at; ++i) {
      revision const& rev = s.cat.revisions[i];
      verify_entry entry{&rev, std::nullopt, mismatched.count(&rev) == 0};
      if (auto const it = recorded.find(rev.number); it != recorded.end()) {
        entry.recorded = *it->second;
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }
};

bool drift_report::has_drift() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](drift_finding const& f) { return f.what == drift_finding::kind::drift; });
}

bool verify_report::ok() const {
  return !unknown && !dirty && !drift.has_drift() &&
         std::all_of(applied.begin(), applied.end(),
                     [](verify_entry const& e) { return e.matches; });
}

migrator::migrator(std::string const& conninfo, catalog const& embedded, options opts)
    : m_impl(std::make_unique<impl>(conninfo, embedded, std::move(opts))) {}

migrator::~migrator() = default;

std::string migrator::version_table() const {
  return display_name(m_impl->s.ctx.version_table);
}

void migrator::cancel() noexcept {
  try {
    m_impl->s.cx.cancel_query();
  } catch (...) {  // nothing running, or the server is gone
  }
}

status_report migrator::status() {
  session& s = m_impl->s;
  return translated([&] {
    return reading_own_tables(s, [&] {
      status_report report;
      auto const present = probe_tables(s);
      report.version_table_exists = present.version;
      observed_state observed = observe_state(s, present);
      report.current = observed.state.current;
      report.dirty = std::move(observed.state.dirty);
      report.at = observed.at;
      report.problems = std::move(observed.problems);
      // A phased revision stopped between its phases needs a run (or a resolve) too.
      if (auto const progress = read_progress(s))
        report.problems.push_back(phases_pending_refusal(*progress));
      // A --version-table naming no table in a schema that has tables is most likely a typo:
      // without this, status would call the database "base" with every revision pending.
      if (auto typo = unconfirmed_version_table(s, present))
        report.problems.push_back(std::move(*typo));
      if (!report.problems.empty() && report.version_table_exists) {
        std::string holder = migration_lock_holder(s);
        if (holder != "another session") report.running = std::move(holder);
      }
      bool const known = !report.current || report.at;
      for (std::size_t i = report.at ? *report.at + 1 : 0; known && i < s.cat.revisions.size; ++i) {
        report.pending.push_back(&s.cat.revisions[i]);
      }
      return report;
    });
  });
}

verify_report migrator::verify() {
  return verify(std::string());
}

verify_report migrator::verify(std::string const& schema) {
  session& s = m_impl->s;
  return translated([&] {
    return reading_own_tables(s, [&] {
      verify_report report;
      database_state const state = read_state(s, probe_tables(s));
      report.current = state.current;
      report.dirty = state.dirty;
      report.drift.at = version_name(state.current);
      validation verdict;
      try {
        verdict = check(s.cat, state, {true, true});
      } catch (refusal const& e) {
        report.unknown = e;
        return report;
      }
      if (!state.dirty) report.drift = m_impl->drift_at(verdict.at, schema);
      report.applied = m_impl->applied_entries(state, verdict);
      return report;
    });
  });
}

run_result migrator::upgrade(std::string_view target_text) {
  target const goal = parse_upgrade_target(target_text);
  return translated([&] { return m_impl->replayed(m_impl->run(direction::upgrade, goal, false)); });
}

run_result migrator::downgrade(std::string_view target_text) {
  target const goal = parse_downgrade_target(target_text);
  return translated(
      [&] { return m_impl->replayed(m_impl->run(direction::downgrade, goal, false)); });
}

run_result migrator::stamp(std::string_view id) {
  std::optional<std::size_t> index;
  if (id != "base") {
    index = find_revision(m_impl->s.cat, id);
    if (!index) throw target_error(fmt::format("cannot stamp unknown revision {}", id));
  }
  return translated([&] { return m_impl->replayed(detail::stamp(m_impl->s, index)); });
}

run_result migrator::resolve(std::string_view id, bool applied) {
  return resolve(id, applied ? resolution::applied : resolution::rolled_back);
}

run_result migrator::resolve(std::string_view id, resolution how) {
  if (!revision_id_value(id)) throw target_error(fmt::format("invalid revision id '{}'", id));
  return translated([&] { return m_impl->replayed(detail::resolve(m_impl->s, id, how)); });
}

std::vector<history_entry> migrator::history() {
  return translated(
      [&] { return reading_own_tables(m_impl->s, [&] { return read_history(m_impl->s); }); });
}

run_result upgrade(std::string const& conninfo, catalog const& embedded, options const& opts) {
  options o = opts;
  if (!o.allow_ahead) o.allow_ahead = true;  // rolling deploys: an older replica starts fine
  return migrator(conninfo, embedded, std::move(o)).upgrade("head");
}

}  // namespace migc::runtime
