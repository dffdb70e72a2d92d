// Backfills: batch after batch by primary key, each batch its own short transaction that also
// records the batch's last key, so that a stopped run continues after the last batch it did.
#include <fmt/format.h>

#include <pqxx/transaction>

#include "presentation.hpp"
#include "revision_runner.hpp"

namespace migc::runtime::detail {
namespace {

using clock = std::chrono::steady_clock;

/// How many times a batch that did not get its locks within lock_timeout is tried again.
constexpr int batch_lock_retries = 5;

/// The planner's row count of `table` ("schema.name"); nullopt before the first ANALYZE.
std::optional<std::int64_t> estimated_rows(session& s, std::string_view table) {
  try {
    auto const r = s.exec("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(" +
                          s.quoting().literal(std::string(table)) + ")");
    if (r.empty() || r[0][0].is_null() || r[0][0].as<std::int64_t>() < 0) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  } catch (pqxx::sql_error const&) {
    return std::nullopt;
  }
}

}  // namespace

void revision_runner::report_backfill(backfill_progress const& p, clock::time_point& last_line) {
  session& s = m_session;
  if (s.opts.progress) {
    s.opts.progress(p);
    return;
  }
  auto const now = clock::now();
  if (!p.done && now - last_line < std::chrono::seconds(5)) return;
  last_line = now;
  s.log(backfill_line(p));
}

void revision_runner::run_backfill(plan_step const& planned, step const& st,
                                   phase_script const& phase, phase_resume const& resume) {
  session& s = m_session;
  auto const q = s.quoting();
  std::string const record = fmt::format(
      "UPDATE {} SET backfill_key = $1, backfill_rows = backfill_rows + $2, updated_at = "
      "clock_timestamp(){}",
      qualified(q, progress_table(s.ctx.version_table)), progress_where(q, planned));
  // A resumed backfill continues after the last batch a stopped run committed.
  std::optional<std::string> key = resume.first ? resume.progress->backfill_key : std::nullopt;
  backfill_progress report;
  report.revision = std::string(planned.rev->id);
  report.table = std::string(st.objects);
  report.rows = resume.first ? resume.progress->backfill_rows : 0;
  report.estimated_rows = estimated_rows(s, st.objects);
  auto const started = clock::now();
  auto last_line = started;
  std::string const stays = resume.stays +
                            "; the batches done so far stay committed and the next run continues "
                            "after the last one";
  lock_wait_state turn;
  for (int attempt = 0;;) {
    if (s.interrupted()) throw interruption(planned, stays);
    try {
      pqxx::work tx(s.cx);
      tx.exec(phase.guard);
      tx.exec(lock_timeout_sql(q, s.opts.lock_timeout, true));
      if (!s.opts.role.empty()) tx.exec(set_role_sql(q, s.opts.role, true));
      auto const batch = tx.exec_params(std::string(st.sql), key ? key->c_str() : nullptr);
      if (!s.opts.role.empty()) tx.exec("RESET ROLE");
      if (batch.empty() || batch[0][0].is_null()) {  // no row left
        tx.commit();
        break;
      }
      std::string next = batch[0][0].c_str();
      auto const rows = batch[0][1].as<std::int64_t>();
      tx.exec_params(record, next, rows);
      tx.commit();
      key = std::move(next);
      report.rows += rows;
      report.rows_this_run += rows;
      attempt = 0;
    } catch (pqxx::sql_error const& e) {
      if (s.interrupted()) throw interruption(planned, stays);
      try {
        check_guard(planned, e);
      } catch (lock_busy const&) {
        wait_for_migration_lock(s, turn);
        continue;
      }
      if (e.sqlstate() != "55P03" || attempt >= batch_lock_retries)
        throw failure(planned, e, st.line, stays, {});
      auto const delay = s.opts.retry_backoff * (1LL << attempt++);
      s.log(
          fmt::format("A backfill batch of {} in {} did not get its locks within {} ms; retry {} "
                      "of {} in {:.1f} s",
                      report.table, report.revision, s.opts.lock_timeout.count(), attempt,
                      batch_lock_retries, static_cast<double>(delay.count()) / 1000));
      s.sleep_interruptibly(delay, stays);
      continue;
    }
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
    report_backfill(report, last_line);
  }
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  report.done = true;
  report_backfill(report, last_line);
}

}  // namespace migc::runtime::detail
