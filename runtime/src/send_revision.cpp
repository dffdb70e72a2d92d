// Sending a transactional revision in one round trip, retrying lost lock races, and telling the
// user which step failed and why.
#include <fmt/format.h>

#include <pqxx/transaction>

#include "blocker_watch.hpp"
#include "revision_runner.hpp"

namespace migc::runtime::detail {

void revision_runner::prepare_bookkeeping(std::vector<plan_step> const& steps) {
  bool const transactional = std::any_of(steps.begin(), steps.end(),
                                         [](plan_step const& s) { return s.rev->transactional; });
  if (!transactional) return;
  session& s = m_session;
  int const pid = s.cx.backendpid();
  if (s.ctx.bookkeeping_function && pid == s.bookkeeping_pid) return;
  s.ctx.bookkeeping_function = false;
  try {
    s.exec(bookkeeping_function_script(s.quoting(), s.ctx));
    s.ctx.bookkeeping_function = true;
    s.bookkeeping_pid = pid;
  } catch (pqxx::sql_error const&) {  // autocommit: nothing to roll back
  }
}

void revision_runner::forget_bookkeeping_of_a_lost_session() {
  session& s = m_session;
  if (s.ctx.bookkeeping_function && s.cx.backendpid() != s.bookkeeping_pid) {
    s.ctx.bookkeeping_function = false;
  }
}

std::chrono::microseconds revision_runner::apply_in_transaction(
    plan_step const& planned, std::optional<std::string> const& expected) {
  std::chrono::microseconds took{0};
  with_lock_retries("was", expected, [&](int retries_left) {
    forget_bookkeeping_of_a_lost_session();
    std::string const script =
        revision_script(m_session.quoting(), m_session.ctx, m_session.cat, planned, expected);
    std::string const stays =
        fmt::format("rolled back, the database stays at {}", version_name(expected));
    took = send({planned, script, {}, stays, true}, retries_left);  // BEGIN ... COMMIT
  });
  return took;
}

std::chrono::microseconds revision_runner::send(revision_send const& send, int retries_left) {
  std::string blockers;
  session& s = m_session;
  std::string const id(send.planned.rev->id);
  try {
    return recorded_duration(watched_exec(send.script, blockers));
  } catch (pqxx::sql_error const& e) {
    s.rollback_quietly();
    if (s.interrupted()) throw interruption(send.planned, send.stays);
    if (e.sqlstate() == "55P03" && retries_left > 0) throw lock_retry{blockers, id};
    auto const line = locate_failure(send.planned, send.earlier);
    throw failure(send.planned, e, line, send.stays, blockers);
  } catch (pqxx::broken_connection const& e) {
    if (!send.commits) {  // no COMMIT was sent: the server rolled the transaction back
      throw connection_error(
          fmt::format("connection lost while applying revision {}; {}", id, send.stays),
          {{}, id, {}, {}});
    }
    throw commit_unknown_error(
        fmt::format("connection lost while applying revision {}: it may or may not be "
                    "applied; run `migrate status` before retrying ({})",
                    id, server_message(e.what())),
        {{}, id, {}, {}});
  }
}

pqxx::result revision_runner::watched_exec(std::string const& sql, std::string& blockers) {
  session& s = m_session;
  blocker_watch watch(s.conninfo, s.cx.backendpid(), s.opts.lock_timeout);
  try {
    return s.exec(sql);
  } catch (...) {
    blockers = watch.blockers();
    throw;
  }
}

std::optional<std::uint32_t> revision_runner::locate_failure(plan_step const& planned,
                                                             std::string const& earlier) {
  auto const steps = steps_of(planned);
  return locate_in(steps, 0, steps.size, earlier);
}

std::optional<std::uint32_t> revision_runner::locate_in(array_view<step> steps, std::size_t begin,
                                                        std::size_t end,
                                                        std::string const& earlier) {
  session& s = m_session;
  std::optional<std::uint32_t> line;
  s.notices.mute(true);
  try {
    pqxx::work tx(s.cx);
    if (!earlier.empty()) tx.exec(earlier);
    tx.exec(lock_timeout_sql(s.quoting(), s.opts.lock_timeout, true));
    if (!s.opts.role.empty()) tx.exec(set_role_sql(s.quoting(), s.opts.role, true));
    for (std::size_t k = begin; k < end && !line; ++k) {
      try {
        tx.exec(std::string(steps[k].sql));
      } catch (pqxx::sql_error const&) {
        line = steps[k].line;
      }
    }
    tx.abort();
  } catch (...) {  // best effort: without it the error points at the revision header
  }
  s.notices.mute(false);
  return line;
}

revision_error revision_runner::failure(plan_step const& planned, pqxx::sql_error const& e,
                                        std::optional<std::uint32_t> line,
                                        std::string const& consequence,
                                        std::string const& blockers) const {
  revision const& rev = *planned.rev;
  std::string const location = source_location(m_session.cat, rev, line ? *line : 0);
  std::string message =
      fmt::format("{} of revision {} \"{}\" failed at {}: {}; {}", direction_name(planned.dir),
                  rev.id, rev.description, location, with_sqlstate(e), consequence);
  if (e.sqlstate() == "55P03") {
    message += fmt::format(" (a lock was not granted within lock_timeout {} ms; {})",
                           m_session.opts.lock_timeout.count(),
                           blockers.empty() ? std::string("the blocking session ended before "
                                                          "it could be named")
                                            : "blocked by:" + blockers);
  }
  return revision_error(message, {e.sqlstate(), std::string(rev.id), location, {}});
}

interrupted_error revision_runner::interruption(plan_step const& planned,
                                                std::string const& consequence) const {
  revision const& rev = *planned.rev;
  return interrupted_error(
      fmt::format("interrupted: the {} of revision {} \"{}\" was cancelled; {}",
                  direction_name(planned.dir), rev.id, rev.description, consequence),
      {"57014", std::string(rev.id), source_location(m_session.cat, rev), {}});
}

std::chrono::microseconds revision_runner::recorded_duration(pqxx::result const& result) {
  if (result.empty() || result[0][0].is_null()) return std::chrono::microseconds(0);
  return std::chrono::microseconds(result[0][0].as<std::int64_t>());
}

}  // namespace migc::runtime::detail
