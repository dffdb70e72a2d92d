// Phased revisions: each phase its own transaction (or none, or batches), recorded in the
// progress table as it commits, so that a run killed between phases is finished by the next.
#include "phases.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "revision_runner.hpp"
#include "session.hpp"
#include "state_reader.hpp"

namespace migc::runtime::detail {
namespace {

struct phased_script {
  std::string table;  ///< the progress table, created when missing
  std::string start;  ///< the progress row, inserted after the guard
  std::vector<phase_script> phases;
  std::string record;  ///< version row, history row, progress row deleted: one transaction
};

std::string phase_done_sql(quoter const& q, script_context const& ctx, plan_step const& planned,
                           std::size_t done) {
  return fmt::format(
      "UPDATE {} SET phases_done = {}, backfill_key = NULL, backfill_rows = 0, updated_at = "
      "clock_timestamp(){};\n",
      qualified(q, progress_table(ctx.version_table)), done, progress_where(q, planned));
}

/// The guard's condition that `planned`'s progress row records exactly `done` phases done.
std::string progress_at(quoter const& q, script_context const& ctx, plan_step const& planned,
                        std::size_t done) {
  return fmt::format("EXISTS(SELECT FROM {}{} AND phases_done={})",
                     qualified(q, progress_table(ctx.version_table)), progress_where(q, planned),
                     done);
}

/// What every phase message sends first: the migration guard, and that no other run did phase
/// `done` + 1 meanwhile.
std::string phase_guard(quoter const& q, script_context const& ctx, plan_step const& planned,
                        std::optional<std::string> const& expected, std::size_t done) {
  return migration_guard_sql(q, ctx, expected, progress_at(q, ctx, planned, done));
}

/// `-- upgrade 002 phase 3 of 8`.
std::string phase_name(plan_step const& planned, std::size_t i, std::size_t n) {
  return fmt::format("-- {} {} phase {} of {}", direction_name(planned.dir), planned.rev->id, i + 1,
                     n);
}

/// Where one phase sits in its revision, and the guard its messages send.
struct phase_place {
  std::size_t i = 0;  ///< the phase's index
  std::size_t n = 0;  ///< how many phases the revision has
  std::string guard;  ///< phase_guard(..., i)
};

phase_script transaction_phase(quoter const& q, script_context const& ctx, plan_step const& planned,
                               array_view<step> steps, phase_range r, phase_place const& at) {
  phase_script out;
  out.message = phase_name(planned, at.i, at.n) + " (a transaction of its own)\nBEGIN;\n" +
                at.guard + steps_body(q, ctx, steps, r.begin, r.end) +
                phase_done_sql(q, ctx, planned, at.i + 1) + "COMMIT;\n";
  return out;
}

/// A transaction of its own that passes the guard: before a phase outside a transaction, and to
/// record it done.
std::string guarded(std::string const& guard, std::string const& body = {}) {
  return "BEGIN;\n" + guard + body + "COMMIT;\n";
}

/**
 * The session settings of a phase that runs outside a transaction block, and their reset
 * (session_reset_sql). Its lock_timeout is --concurrent-lock-timeout (script_context, default
 * none): CREATE/DROP INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE, which the application's
 * locks never queue behind, and then waits for every older transaction to end; the run's
 * lock_timeout would cancel the build for waiting on the application's transactions without
 * sparing them any wait (PostgreSQL 15 docs, CREATE INDEX, "Building Indexes Concurrently").
 */
void session_settings(quoter const& q, script_context const& ctx, phase_script& out) {
  out.before += lock_timeout_sql(q, ctx.concurrent_lock_timeout, false) + ";\n";
  if (!ctx.role.empty()) out.before += set_role_sql(q, ctx.role, false) + ";\n";
  out.after += session_reset_sql();
}

phase_script outside_phase(quoter const& q, script_context const& ctx, plan_step const& planned,
                           step const& st, phase_place const& at) {
  phase_script out;
  out.what = phase_script::kind::outside;
  out.before =
      phase_name(planned, at.i, at.n) + ": outside a transaction block\n" + guarded(at.guard);
  out.message = fmt::format("{}, line {}, {}\n{}", phase_name(planned, at.i, at.n), st.line,
                            lock_note(st), terminated(st.sql));
  out.after = phase_name(planned, at.i, at.n) + " done\n";
  session_settings(q, ctx, out);
  out.after += guarded(at.guard, phase_done_sql(q, ctx, planned, at.i + 1));
  return out;
}

phase_script backfill_phase(quoter const& q, script_context const& ctx, plan_step const& planned,
                            step const& st, phase_place const& at) {
  phase_script out;
  out.what = phase_script::kind::backfill;
  out.before = fmt::format(
      "{}: backfill of {} (line {}) in batches, each in a transaction of its own that passes the "
      "migration guard first; $1 is the last key of the batch before (NULL for the first), and "
      "batches run until last_key is NULL\n{}",
      phase_name(planned, at.i, at.n), st.objects, st.line, guarded(at.guard));
  out.guard = at.guard;
  out.message = fmt::format(
      "BEGIN;\n{}{};\n{}-- {}\n{};\nUPDATE {} SET backfill_key = <last_key>, backfill_rows = "
      "backfill_rows + <rows>, updated_at = clock_timestamp(){};\nCOMMIT;\n",
      at.guard, lock_timeout_sql(q, ctx.lock_timeout, true),
      ctx.role.empty() ? std::string() : set_role_sql(q, ctx.role, true) + ";\n", lock_note(st),
      st.sql, qualified(q, progress_table(ctx.version_table)), progress_where(q, planned));
  out.after = phase_name(planned, at.i, at.n) + " done\n" +
              guarded(at.guard, phase_done_sql(q, ctx, planned, at.i + 1));
  return out;
}

phased_script build(quoter const& q, script_context const& ctx, catalog const& cat,
                    plan_step const& planned, std::optional<std::string> const& expected) {
  auto const steps = steps_of(planned);
  auto const ranges = phases_of(steps);
  std::string const progress = qualified(q, progress_table(ctx.version_table));
  revision const& rev = *planned.rev;
  phased_script out;
  out.table = progress_table_script(q, ctx);
  // Only into an empty table: a row there is another run's, which this one then resumes.
  out.start = fmt::format(
      "{}: runs in {} phases, each recorded in {} as it commits\nBEGIN;\n{}INSERT INTO {} "
      "(revision, direction, phases_total, checksum, build_id) VALUES ({}, {}, {}, {}, "
      "{});\nCOMMIT;\n",
      revision_heading(cat, planned), ranges.size(),
      display_name(progress_table(ctx.version_table)),
      migration_guard_sql(q, ctx, expected, fmt::format("NOT EXISTS(SELECT FROM {})", progress)),
      progress, q.literal(std::string(rev.id)), q.literal(std::string(direction_name(planned.dir))),
      ranges.size(), q.literal(std::string(rev.checksum)), q.literal(ctx.build_id));
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    step const& first = steps[ranges[i].begin];
    phase_place const at{i, ranges.size(), phase_guard(q, ctx, planned, expected, i)};
    if (first.backfill) {
      out.phases.push_back(backfill_phase(q, ctx, planned, first, at));
    } else if (first.outside_transaction) {
      out.phases.push_back(outside_phase(q, ctx, planned, first, at));
    } else {
      out.phases.push_back(transaction_phase(q, ctx, planned, steps, ranges[i], at));
    }
  }
  std::string const where = progress_where(q, planned);
  out.record = fmt::format(
      "-- {} {}: record it and delete the progress row\nBEGIN;\n{}{}DELETE FROM {}{};\nCOMMIT;\n{}",
      direction_name(planned.dir), rev.id, phase_guard(q, ctx, planned, expected, ranges.size()),
      record_sql(q, ctx, planned, expected,
                 fmt::format("clock_timestamp() - (SELECT started_at FROM {}{})", progress, where)),
      progress, where, recorded_duration_query(q, ctx));
  return out;
}

/// Whether `progress` is the progress row of `planned`.
bool progress_of(phase_progress const& progress, plan_step const& planned) {
  return revision_id_value(progress.revision) == revision_id_value(planned.rev->id) &&
         progress.direction == direction_name(planned.dir);
}

}  // namespace

std::string progress_where(quoter const& q, plan_step const& planned) {
  return fmt::format(" WHERE revision = {} AND direction = {}",
                     q.literal(std::string(planned.rev->id)),
                     q.literal(std::string(direction_name(planned.dir))));
}

array_view<step> steps_of(plan_step const& planned) {
  return planned.dir == direction::upgrade ? planned.rev->upgrade : planned.rev->downgrade;
}

std::vector<phase_range> phases_of(array_view<step> steps) {
  std::vector<phase_range> out;
  for (std::size_t i = 0; i < steps.size; ++i) {
    if (out.empty() || steps[i].phase != steps[out.back().begin].phase) out.push_back({i, i});
    out.back().end = i + 1;
  }
  return out;
}

bool phased(plan_step const& planned) {
  if (!planned.rev->transactional) return false;
  auto const steps = steps_of(planned);
  return std::any_of(steps.begin(), steps.end(), [](step const& s) {
    return s.phase != 0 || s.backfill || s.outside_transaction;
  });
}

std::string_view session_bound(plan_step const& planned) {
  if (!planned.rev->transactional) {
    return "runs without a transaction, statement by statement, and needs one server session "
           "from its first statement to its last (its lock_timeout, role and dirty marker)";
  }
  if (!phased(planned)) return {};
  auto const steps = steps_of(planned);
  if (std::any_of(steps.begin(), steps.end(), [](step const& st) { return st.backfill; })) {
    return "has a backfill, whose batches each go on from the key of the batch before: two "
           "runs interleaving through a pooler would both run them";
  }
  if (std::any_of(steps.begin(), steps.end(),
                  [](step const& st) { return st.outside_transaction; })) {
    return "has a phase outside a transaction (a concurrent index build), which needs one server "
           "session for its statement and its session settings (lock_timeout, role)";
  }
  return {};
}

std::optional<phase_progress> read_progress(session& s) {
  auto const q = s.quoting();
  table_name const table = progress_table(s.ctx.version_table);
  if (!s.exists(table)) return std::nullopt;
  auto const rows = s.exec(fmt::format(
      "SELECT revision, direction, phases_done, phases_total, backfill_key, backfill_rows FROM {} "
      "ORDER BY started_at LIMIT 1",
      qualified(q, table)));
  if (rows.empty()) return std::nullopt;
  auto const& r = rows[0];
  phase_progress out{
      r[0].c_str(), r[1].c_str(),           r[2].as<std::int64_t>(), r[3].as<std::int64_t>(),
      std::nullopt, r[5].as<std::int64_t>()};
  if (!r[4].is_null()) out.backfill_key = r[4].c_str();
  return out;
}

refusal phases_pending_refusal(phase_progress const& progress) {
  return refusal(
      refusal_reason::phases_pending,
      fmt::format("the {} of revision {} stopped after phase {} of {}: finish it first with "
                  "`migrate {} {}` (a run resumes at the next phase), or undo or complete its "
                  "phases by hand and run `migrate resolve {} --rolled-back` or `--applied`",
                  progress.direction, progress.revision, progress.phases_done,
                  progress.phases_total, progress.direction,
                  progress.direction == "upgrade" ? progress.revision : std::string("-1"),
                  progress.revision),
      {{}, progress.revision, {}, {}});
}

void check_progress(session& s, std::vector<plan_step> const& steps) {
  auto const progress = read_progress(s);
  if (!progress) return;
  if (!steps.empty() &&
      revision_id_value(steps.front().rev->id) == revision_id_value(progress->revision) &&
      direction_name(steps.front().dir) == progress->direction) {
    return;  // this run resumes it
  }
  throw phases_pending_refusal(*progress);
}

std::vector<std::string> phased_messages(quoter const& q, script_context const& ctx,
                                         catalog const& cat, plan_step const& planned,
                                         std::optional<std::string> const& expected) {
  phased_script script = build(q, ctx, cat, planned, expected);
  std::vector<std::string> out{std::move(script.table), std::move(script.start)};
  for (auto& phase : script.phases) {
    for (std::string* part : {&phase.before, &phase.message, &phase.after}) {
      if (!part->empty()) out.push_back(std::move(*part));
    }
  }
  out.push_back(std::move(script.record));
  return out;
}

namespace {

/// A phased revision stopped midway: its progress row and the plan step it belongs to.
struct stopped_phased {
  phase_progress progress;
  plan_step planned;
};

/// The phased revision `id` the progress table says stopped midway, when this binary embeds it.
std::optional<stopped_phased> stopped_phased_revision(session& s, std::string_view id) {
  auto progress = read_progress(s);
  if (!progress || revision_id_value(progress->revision) != revision_id_value(id)) {
    return std::nullopt;
  }
  auto const index = find_revision(s.cat, progress->revision);
  if (!index) return std::nullopt;
  direction const dir =
      progress->direction == "downgrade" ? direction::downgrade : direction::upgrade;
  return stopped_phased{std::move(*progress), {&s.cat.revisions[*index], dir}};
}

}  // namespace

std::optional<run_result> continue_phases(session& s, std::string_view id) {
  auto const stopped = stopped_phased_revision(s, id);
  if (!stopped) return std::nullopt;
  auto const& [progress, planned] = *stopped;
  revision const& rev = *planned.rev;
  auto const before = read_current(s);
  s.log(fmt::format("Continuing the {} of {} after phase {} of {} (resolve --continue)",
                    progress.direction, rev.id, progress.phases_done, progress.phases_total));
  auto const took = revision_runner(s).apply_in_phases(planned, before);
  auto const after = version_after(rev, planned.dir);
  s.log(done_line(rev, planned.dir, took) + " (resolve --continue)");
  return run_result{version_name(before), version_name(after), {{&rev, planned.dir, took}}, {}};
}

std::optional<run_result> resolve_phases(session& s, std::string_view id, bool applied) {
  auto const stopped = stopped_phased_revision(s, id);
  if (!stopped) return std::nullopt;
  auto const* progress = &stopped->progress;
  plan_step const& planned = stopped->planned;
  revision const& rev = *planned.rev;
  auto const q = s.quoting();
  std::optional<std::string> before =
      planned.dir == direction::upgrade
          ? (rev.parent.empty() ? std::nullopt : std::optional<std::string>(rev.parent))
          : std::optional<std::string>(rev.id);
  std::optional<std::string> const after = applied ? version_after(rev, planned.dir) : before;
  std::string script = fmt::format("-- resolve the {} of {} as {}\nBEGIN;\n", progress->direction,
                                   rev.id, applied ? "applied" : "rolled back");
  if (applied) script += record_sql(q, s.ctx, planned, before, "NULL");
  script +=
      fmt::format("DELETE FROM {}{};\nCOMMIT;\n", qualified(q, progress_table(s.ctx.version_table)),
                  progress_where(q, planned));
  s.run_in_transaction(script);
  s.log(
      fmt::format("Resolved the {} of {} (stopped after phase {} of {}) as {}: the database is "
                  "at {}",
                  progress->direction, rev.id, progress->phases_done, progress->phases_total,
                  applied ? "applied" : "rolled back", version_name(after)));
  return run_result{version_name(before), version_name(after), {}, {}};
}

std::chrono::microseconds revision_runner::apply_in_phases(
    plan_step const& planned, std::optional<std::string> const& expected) {
  session& s = m_session;
  auto const q = s.quoting();
  phased_script script = build(q, s.ctx, s.cat, planned, expected);
  s.exec_quietly(script.table);  // IF NOT EXISTS: quiet when it exists
  auto const steps = steps_of(planned);
  auto const ranges = phases_of(steps);
  // Behind a pooler concurrent runs interleave: each phase message's guard lets one run do a
  // phase; the others find the progress row moved (phase_moved), read it again and go on.
  for (bool begun = false;; begun = true) {
    try {
      auto progress = read_progress(s);
      if (progress && !progress_of(*progress, planned)) throw phases_pending_refusal(*progress);
      // The row is gone: another run recorded the revision (or resolve settled it).
      if (!progress && begun) throw version_moved{std::string(planned.rev->id)};
      std::size_t done = 0;
      if (progress) {
        done = static_cast<std::size_t>(progress->phases_done);
        s.log(fmt::format("Resuming the {} of {} at phase {} of {}", progress->direction,
                          planned.rev->id, done + 1, script.phases.size()));
      } else {
        send_guarded(planned, script.start);
        progress = phase_progress{};
      }
      for (std::size_t i = done; i < script.phases.size(); ++i) {
        std::string const stays = fmt::format(
            "phase {} of {} did not complete; {} phase{} done stay{} applied and the next run "
            "resumes at phase {} (the version stays at {})",
            i + 1, script.phases.size(), i, i == 1 ? "" : "s", i == 1 ? "s" : "", i + 1,
            version_name(expected));
        if (s.interrupted()) throw interruption(planned, stays);
        run_phase(planned, script.phases[i], steps, ranges[i],
                  {i == done, &*progress, stays, expected});
      }
      return recorded_duration(send_guarded(planned, script.record));
    } catch (phase_moved const&) {
      s.log(
          fmt::format("Another run went on with the phases of {} meanwhile: reading its "
                      "progress again",
                      planned.rev->id));
    }
  }
}

void revision_runner::run_phase(plan_step const& planned, phase_script const& phase,
                                array_view<step> steps, phase_range range,
                                phase_resume const& resume) {
  step const& first = steps[range.begin];
  if (phase.what == phase_script::kind::transaction) {
    run_transaction_phase(planned, phase, steps, range, resume);
    return;
  }
  send_guarded(planned, phase.before);
  try {
    if (phase.what == phase_script::kind::backfill) {
      run_backfill(planned, first, phase, resume);
    } else {
      run_outside(planned, phase, first, resume);
    }
  } catch (...) {
    best_effort(session_reset_sql());
    throw;
  }
  send_guarded(planned, phase.after);
}

void revision_runner::run_transaction_phase(plan_step const& planned, phase_script const& phase,
                                            array_view<step> steps, phase_range range,
                                            phase_resume const& resume) {
  session& s = m_session;
  with_lock_retries("its phase was", resume.expected, [&](int retries_left) {
    taking_turns([&] {
      observed_wait seen;
      try {
        watched_exec(phase.message, seen);
      } catch (pqxx::sql_error const& e) {
        s.rollback_quietly();
        if (s.interrupted()) throw interruption(planned, resume.stays);
        check_guard(planned, e);
        bool const lock_timeout = e.sqlstate() == "55P03";
        if (lock_timeout && retries_left > 0)
          throw lock_retry{seen.blockers, std::string(planned.rev->id)};
        // After a lock timeout the replay waits at most 1 ms for each lock: never a second queue.
        auto const line =
            locate_in(steps, range.begin, range.end, {},
                      lock_timeout ? std::optional(std::chrono::milliseconds(1)) : std::nullopt);
        throw failure(planned, e, line, resume.stays, seen);
      }
    });
  });
}

bool revision_runner::built_before_the_stop(step const& st) {
  if (st.index.empty()) return false;
  // A kill during CREATE INDEX CONCURRENTLY leaves the index INVALID: drop it and build again.
  session& s = m_session;
  auto const q = s.quoting();
  auto const valid = s.exec("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(" +
                            q.literal(std::string(st.index)) + ")");
  if (valid.empty()) return false;
  if (valid[0][0].as<bool>()) {
    s.log(fmt::format("The index {} was built before the stop: its statement is not run again",
                      st.index));
    return true;
  }
  s.log(
      fmt::format("Dropping the invalid index {} a stopped run left, to build it again", st.index));
  auto const dot = st.index.view().find('.');
  s.exec(fmt::format("DROP INDEX CONCURRENTLY IF EXISTS {}.{}",
                     q.identifier(std::string(st.index.view().substr(0, dot))),
                     q.identifier(std::string(st.index.view().substr(dot + 1)))));
  return false;
}

void revision_runner::run_outside(plan_step const& planned, phase_script const& phase,
                                  step const& st, phase_resume const& resume) {
  session& s = m_session;
  if (resume.first && built_before_the_stop(st)) return;
  observed_wait seen;
  try {
    watched_exec(phase.message, seen);
  } catch (pqxx::sql_error const& e) {
    if (s.interrupted()) throw interruption(planned, resume.stays);
    throw failure(planned, e, st.line, resume.stays + invalid_index_note(), seen);
  }
}

}  // namespace migc::runtime::detail
