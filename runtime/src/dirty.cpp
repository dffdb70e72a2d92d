// Revisions that run outside a transaction under a dirty marker, and `resolve`, which clears it.
#include "dirty.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "migration_lock.hpp"
#include "phases.hpp"
#include "recorded_plan.hpp"
#include "revision_runner.hpp"
#include "state_reader.hpp"

namespace migc::runtime::detail {

std::chrono::microseconds revision_runner::apply_outside_transaction(
    plan_step const& planned, std::optional<std::string> const& expected,
    std::optional<std::size_t> continued_from) {
  session& s = m_session;
  revision const& rev = *planned.rev;
  auto const q = s.quoting();
  auto const script =
      outside_transaction_messages(q, s.ctx, s.cat, planned, expected, continued_from);
  s.exec_quietly(dirty_table_script(q, s.ctx));  // IF NOT EXISTS: quiet when it exists
  send_guarded(planned, script.mark);
  std::size_t done = continued_from.value_or(0);
  std::size_t const total = script.statements.size();
  auto const& steps = planned.dir == direction::upgrade ? rev.upgrade : rev.downgrade;
  for (; done < total; ++done) {
    observed_wait seen;
    try {
      if (s.interrupted()) throw interruption(planned, "");
      // The statement a stop interrupted may have built its index after all.
      bool const built =
          continued_from && done == *continued_from && built_before_the_stop(steps[done]);
      if (!built) exec_retrying(planned, script.statements[done], seen);
    } catch (pqxx::sql_error const& e) {
      best_effort(script.reset);
      best_effort(dirty_error_sql(q, s.ctx, rev, with_sqlstate(e)));
      std::string const consequence = fmt::format(
          "this revision runs outside a transaction: {} of {} statements ran and stay "
          "applied, and the database is marked dirty at {} (the version stays at {}){}; "
          "run `migrate resolve {} --continue` once the cause is fixed, or repair it by hand, "
          "then `--applied` or `--rolled-back`",
          done, total, rev.id, version_name(expected), invalid_index_note(), rev.id);
      if (s.interrupted()) throw interruption(planned, consequence);
      throw failure(planned, e, steps[done].line, consequence, seen);
    } catch (interrupted_error const&) {
      best_effort(script.reset);
      best_effort(dirty_error_sql(q, s.ctx, rev, "interrupted"));
      throw interruption(
          planned,
          fmt::format(
              "{} of {} statements ran and stay applied; the database is marked dirty at {}", done,
              total, rev.id));
    }
    best_effort(script.progress[done]);  // the marker is there: the state stays dirty either way
  }
  best_effort(script.reset);
  try {
    return recorded_duration(s.exec(script.record));
  } catch (pqxx::sql_error const& e) {
    s.rollback_quietly();
    throw failure(planned, e, std::nullopt,
                  fmt::format("its steps ran, but the version stays at {} and the database is "
                              "marked dirty at {}",
                              version_name(expected), rev.id),
                  {});
  }
}

namespace {

/// Invalid indexes (pg_index.indisvalid false) as regclass prints them: quoted and qualified as
/// DROP INDEX takes them.
std::vector<std::string> invalid_index_names(session& s) {
  std::vector<std::string> names;
  for (auto const& row :
       s.exec("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid ORDER BY 1")) {
    names.emplace_back(row[0].c_str());
  }
  return names;
}

}  // namespace

void revision_runner::exec_retrying(plan_step const& planned, std::string const& statement,
                                    observed_wait& seen) {
  session& s = m_session;
  auto delay = s.opts.retry_backoff;
  for (int retries_left = s.opts.lock_retries;; --retries_left) {
    std::vector<std::string> const before =
        retries_left > 0 ? invalid_index_names(s) : std::vector<std::string>{};
    try {
      watched_exec(statement, seen);
      return;
    } catch (pqxx::sql_error const& e) {
      if (e.sqlstate() != "55P03" || retries_left == 0 || s.interrupted()) throw;
      std::vector<std::string> dropped;
      for (std::string const& name : invalid_index_names(s)) {
        if (std::find(before.begin(), before.end(), name) != before.end()) continue;
        s.exec("DROP INDEX CONCURRENTLY IF EXISTS " + name);
        dropped.push_back(name);
      }
      s.log(fmt::format(
          "Lock timeout in revision {} (outside a transaction, {}): {}retrying in {} ({} "
          "retr{} left)",
          planned.rev->id, seen.waiting_for.empty() ? "lock_not_available" : seen.waiting_for,
          dropped.empty() ? std::string()
                          : "dropped the invalid index it left, " + comma_list(dropped) + "; ",
          format_duration(delay), retries_left - 1, retries_left - 1 == 1 ? "y" : "ies"));
      s.sleep_interruptibly(delay, "waiting to retry revision " + std::string(planned.rev->id));
      delay *= 2;
    }
  }
}

void revision_runner::best_effort(std::string const& sql) noexcept {
  try {
    m_session.exec(sql);
  } catch (...) {  // the connection is gone or the statement cancelled: nothing more to do
  }
}

std::string revision_runner::invalid_index_note() {
  try {
    auto const names = invalid_indexes(m_session);
    if (names.empty()) return {};
    return "; invalid indexes left behind (pg_index.indisvalid = false): " + comma_list(names);
  } catch (...) {
    return {};
  }
}

namespace {

/// Refuses `resolve --continue` while the marker's server process still runs a statement, or
/// when this binary's revision is not the one that stopped (another checksum, other statements).
void refuse_continue_unless_safe(session& s, dirty_marker const& dirty, revision const& rev,
                                 std::size_t total) {
  if (dirty.backend_state == "active") {
    throw refusal(refusal_reason::dirty,
                  fmt::format("the {} of {} is still running: server process {} runs statement "
                              "{} (sent at {}); wait for it to end, or cancel it (SELECT "
                              "pg_cancel_backend({})), then run `migrate resolve {} --continue`",
                              dirty.direction, rev.id, dirty.pid, dirty.statements_done + 1,
                              dirty.statement_started_at, dirty.pid, rev.id),
                  {{}, dirty.revision, {}, {}});
  }
  auto const q = s.quoting();
  auto const recorded =
      s.exec("SELECT coalesce(checksum, '') FROM " + qualified(q, s.dirty_name()) +
             " WHERE revision = " + q.literal(dirty.revision));
  std::string const checksum = recorded.empty() ? "" : recorded[0][0].c_str();
  bool const same = checksum.empty() || rev.has_checksum(checksum);
  if (!same || static_cast<std::int64_t>(total) != dirty.statements_total) {
    throw refusal(
        refusal_reason::edited_revision,
        fmt::format("cannot continue the {} of {}: the run that stopped had another version of "
                    "it (checksum {}, {} statements; this binary's: {}, {} statements). Continue "
                    "with the binary that started it, or repair the database by hand and run "
                    "`migrate resolve {} --applied` or `--rolled-back`",
                    dirty.direction, rev.id, checksum, dirty.statements_total, rev.checksum, total,
                    rev.id),
        {{}, dirty.revision, {}, {}});
  }
}

/// `resolve --continue` of a dirty marker: the rest of its revision, then its record.
run_result continue_dirty(session& s, dirty_marker const& dirty, revision const& rev,
                          bool embedded) {
  plan_step const planned{
      &rev, dirty.direction == "downgrade" ? direction::downgrade : direction::upgrade};
  std::size_t const total = steps_of(planned).size;
  refuse_continue_unless_safe(s, dirty, rev, total);
  auto const before = read_current(s);
  auto const first = static_cast<std::size_t>(dirty.statements_done);
  s.log(fmt::format("Continuing the {} of {} at statement {} of {} (resolve --continue)",
                    dirty.direction, rev.id, std::min(first + 1, total), total));
  auto const took = revision_runner(s).apply_outside_transaction(planned, before, first);
  auto const after = version_after(rev, planned.dir);
  s.log(done_line(rev, planned.dir, took) + " (resolve --continue)");
  run_result result{version_name(before), version_name(after), {}, {}};
  if (embedded) result.applied.push_back({&rev, planned.dir, took});
  return result;
}

}  // namespace

run_result resolve(session& s, std::string_view id, resolution how) {
  migration_lock lock(s);
  ensure_tables(s);
  auto const dirty = read_dirty(s);
  bool const applied = how == resolution::applied;
  if (!dirty) {
    if (how == resolution::continued) {
      if (auto finished = continue_phases(s, id)) return std::move(*finished);
    } else if (auto settled = resolve_phases(s, id, applied)) {
      return std::move(*settled);
    }
    throw refusal(refusal_reason::not_dirty,
                  fmt::format("database is not dirty: nothing to resolve for {}", id));
  }
  if (revision_id_value(id) != revision_id_value(dirty->revision)) {
    throw refusal(refusal_reason::not_dirty,
                  fmt::format("database is dirty at {}, not at {}", dirty->revision, id),
                  {{}, dirty->revision, {}, {}});
  }
  direction const dir = dirty->direction == "downgrade" ? direction::downgrade : direction::upgrade;
  auto const index = find_revision(s.cat, dirty->revision);
  // A recorded downgrade (--use-recorded-downgrades) that stopped midway: its record says where
  // the version goes.
  std::unique_ptr<recorded_revision> const recorded =
      index || dir != direction::downgrade ? nullptr : recorded_revision_of(s, dirty->revision);
  if (!index && !recorded) {
    throw refusal(
        refusal_reason::database_ahead,
        fmt::format("database is dirty at {}, which this binary does not know", dirty->revision),
        {{}, dirty->revision, {}, {}});
  }
  revision const& rev = index ? s.cat.revisions[*index] : recorded->get();
  if (how == resolution::continued) return continue_dirty(s, *dirty, rev, index.has_value());
  auto const before = read_current(s);
  std::optional<std::string> const after = applied ? version_after(rev, dir) : before;
  s.run_in_transaction(resolve_script(s.quoting(), s.ctx, rev, dir, applied, before));
  s.log(fmt::format("Resolved the {} of {} as {}: the database is at {}", dirty->direction, rev.id,
                    applied ? "applied" : "rolled back", version_name(after)));
  if (!dirty->invalid_indexes.empty()) {
    s.log("Warning: invalid indexes remain (pg_index.indisvalid = false): " +
          comma_list(dirty->invalid_indexes));
  }
  return {version_name(before), version_name(after), {}, {}};
}

}  // namespace migc::runtime::detail
