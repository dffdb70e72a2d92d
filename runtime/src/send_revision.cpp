// Sending a transactional revision in one round trip, retrying lost lock races, and telling the
// user which step failed and why.
#include <fmt/format.h>

#include <pqxx/transaction>

#include "blocker_watch.hpp"
#include "privileges.hpp"
#include "revision_runner.hpp"

namespace migc::runtime::detail {

std::chrono::microseconds revision_runner::apply_in_transaction(
    plan_step const& planned, std::optional<std::string> const& expected) {
  std::chrono::microseconds took{0};
  with_lock_retries("was", expected, [&](int retries_left) {
    std::string const script =
        revision_script(m_session.quoting(), m_session.ctx, m_session.cat, planned, expected);
    std::string const stays =
        fmt::format("rolled back, the database stays at {}", version_name(expected));
    took = taking_turns([&] {
      return send({planned, script, {}, stays, true}, retries_left);
    });  // BEGIN...COMMIT
  });
  return took;
}

std::chrono::microseconds revision_runner::send(revision_send const& send, int retries_left) {
  observed_wait seen;
  session& s = m_session;
  std::string const id(send.planned.rev->id);
  try {
    return recorded_duration(watched_exec(send.script, seen));
  } catch (pqxx::sql_error const& e) {
    s.rollback_quietly();
    if (s.interrupted()) throw interruption(send.planned, send.stays);
    check_guard(send.planned, e);
    if (e.sqlstate() == "55P03" && retries_left > 0) throw lock_retry{seen.blockers, id};
    // A lock timeout is not replayed: the replay would queue for the lock a second time.
    auto line = e.sqlstate() == "55P03" ? step_waiting_for(send.planned, seen.waiting_for)
                                        : locate_failure(send.planned, send.earlier);
    // No step names the relation (raw SQL): a replay that waits at most 1 ms for each lock.
    if (!line && e.sqlstate() == "55P03") {
      line = locate_failure(send.planned, send.earlier, std::chrono::milliseconds(1));
    }
    throw failure(send.planned, e, line, send.stays, seen);
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

pqxx::result revision_runner::watched_exec(std::string const& sql, observed_wait& seen) {
  session& s = m_session;
  // Behind a pooler each transaction may run on another server process: found by its text.
  blocker_watch watch(s.conninfo, s.pooled ? 0 : s.server_pid, sql.substr(0, 200),
                      s.opts.lock_timeout);
  try {
    return s.exec(sql);
  } catch (...) {
    seen = {watch.blockers(), watch.waiting_for()};
    throw;
  }
}

void revision_runner::check_guard(plan_step const& planned, pqxx::sql_error const& e) const {
  std::string const& state = e.sqlstate();
  if (state == sqlstate_lock_busy) throw lock_busy{};
  if (state == sqlstate_version_moved) throw version_moved{std::string(planned.rev->id)};
  if (state == sqlstate_phase_moved) throw phase_moved{};
  if (state != sqlstate_session_moved) return;
  revision const& rev = *planned.rev;
  throw refusal(
      refusal_reason::pooled_session,
      fmt::format("{} of revision {} \"{}\" refused: the server process running its transaction "
                  "does not hold the migration lock, which the run took on server process {}; "
                  "something between migrate and PostgreSQL (a pooler in transaction or "
                  "statement mode) moved the session between transactions. Nothing of {} ran. "
                  "Connect directly or through session pooling; the session lock stays with "
                  "server process {} until that server connection ends (SQLSTATE {})",
                  direction_name(planned.dir), rev.id, rev.description, m_session.server_pid,
                  rev.id, m_session.server_pid, e.sqlstate()),
      {e.sqlstate(), std::string(rev.id), source_location(m_session.cat, rev), {}});
}

pqxx::result revision_runner::send_guarded(plan_step const& planned, std::string const& sql) {
  return taking_turns([&] {
    try {
      return m_session.exec(sql);
    } catch (pqxx::sql_error const& e) {
      m_session.rollback_quietly();
      check_guard(planned, e);
      throw;
    }
  });
}

std::optional<std::uint32_t> revision_runner::step_waiting_for(
    plan_step const& planned, std::string const& waiting_for) const {
  auto const at = waiting_for.rfind(' ');
  if (waiting_for.find(" on relation ") == std::string::npos || at == std::string::npos) {
    return std::nullopt;
  }
  std::string const relation = waiting_for.substr(at + 1);  // as regclass prints it
  auto const names = [&](std::string_view objects) {
    for (std::size_t pos = 0; pos <= objects.size();) {
      std::size_t end = objects.find(", ", pos);
      if (end == std::string_view::npos) end = objects.size();
      std::string_view const name = objects.substr(pos, end - pos);
      auto const dot = name.rfind('.');
      if (name == relation || (dot != std::string_view::npos && name.substr(dot + 1) == relation)) {
        return true;
      }
      pos = end + 2;
    }
    return false;
  };
  for (step const& st :
       planned.dir == direction::upgrade ? planned.rev->upgrade : planned.rev->downgrade) {
    if (st.lock != lock_level::none && names(st.objects.view())) return st.line;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> revision_runner::locate_failure(
    plan_step const& planned, std::string const& earlier,
    std::optional<std::chrono::milliseconds> lock_timeout) {
  auto const steps = steps_of(planned);
  return locate_in(steps, 0, steps.size, earlier, lock_timeout);
}

std::optional<std::uint32_t> revision_runner::locate_in(
    array_view<step> steps, std::size_t begin, std::size_t end, std::string const& earlier,
    std::optional<std::chrono::milliseconds> lock_timeout) {
  session& s = m_session;
  std::optional<std::uint32_t> line;
  s.notices.mute(true);
  try {
    pqxx::work tx(s.cx);
    if (!earlier.empty()) tx.exec(earlier);
    tx.exec(lock_timeout_sql(s.quoting(), lock_timeout.value_or(s.opts.lock_timeout), true));
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
                                        observed_wait const& seen) const {
  revision const& rev = *planned.rev;
  std::string const location = source_location(m_session.cat, rev, line ? *line : 0);
  std::string message =
      fmt::format("{} of revision {} \"{}\" failed at {}: {}; {}", direction_name(planned.dir),
                  rev.id, rev.description, location, with_sqlstate(e), consequence);
  message += permission_note(m_session, e);
  if (e.sqlstate() == "55P03") {
    message += fmt::format(" (a lock{} was not granted within lock_timeout {} ms; {})",
                           seen.waiting_for.empty() ? std::string() : " (" + seen.waiting_for + ")",
                           m_session.opts.lock_timeout.count(),
                           seen.blockers.empty()
                               ? std::string("the blocking session ended before it could be named")
                               : "blocked by:" + seen.blockers);
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
