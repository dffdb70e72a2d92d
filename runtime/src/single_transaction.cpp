// --single-transaction runs: every revision of the plan in one transaction, all or nothing.
#include <fmt/format.h>

#include <map>
#include <string_view>
#include <vector>

#include "revision_runner.hpp"

namespace migc::runtime::detail {

void revision_runner::refuse_non_transactional(std::vector<plan_step> const& steps) const {
  for (plan_step const& s : steps) {
    if (s.rev->transactional && !phased(s)) continue;
    std::string const location = source_location(m_session.cat, *s.rev);
    throw refusal(
        refusal_reason::needs_transaction_free_run,
        fmt::format("--single-transaction: revision {} \"{}\" ({}) runs without a transaction "
                    "or in phases that each commit (e.g. CREATE INDEX CONCURRENTLY, a backfill) "
                    "and cannot be part of one; nothing was "
                    "applied. Run to the revision before it with --single-transaction, then "
                    "this one without it",
                    s.rev->id, s.rev->description, location),
        {{}, std::string(s.rev->id), location, {}});
  }
}

namespace {

/// The lines of a catalog text (revision::enum_values_added and _used).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto const end = text.find('\n');
    out.push_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  return out;
}

}  // namespace

void revision_runner::refuse_new_enum_values_used(std::vector<plan_step> const& steps) const {
  std::map<std::string_view, revision const*> added;  // value -> the revision adding it
  for (plan_step const& s : steps) {
    if (s.dir != direction::upgrade) continue;
    for (auto const value : lines_of(s.rev->enum_values_used)) {
      auto const adder = added.find(value);
      if (adder == added.end()) continue;
      std::string const location = source_location(m_session.cat, *s.rev);
      throw refusal(
          refusal_reason::needs_transaction_free_run,
          fmt::format("--single-transaction: revision {} \"{}\" ({}) uses enum value {}, which "
                      "revision {} adds; PostgreSQL refuses a new enum value in the transaction "
                      "that added it (\"unsafe use of new value\"): nothing was applied. Run to "
                      "revision {} with --single-transaction, then the rest",
                      s.rev->id, s.rev->description, location, value, adder->second->id,
                      adder->second->id),
          {{}, std::string(s.rev->id), location, {}});
    }
    for (auto const value : lines_of(s.rev->enum_values_added)) added.emplace(value, s.rev);
  }
}

/**
 * BEGIN with the first revision's message, one round trip per revision (its
 * steps and bookkeeping, the bookkeeping guard chaining the version from one
 * revision to the next), then COMMIT; lock_retries retry the whole
 * transaction.
 *
 * Finding the failing step of revision k: its steps may depend on the
 * revisions before it in the transaction, which the failure rolled back.
 * locate_failure replays their bodies first (as one string), then k's steps
 * one by one, and rolls back. The alternative, a SAVEPOINT before each
 * revision in the same string, costs on every successful run: psql -1 with
 * 1,000 one-INSERT revisions took 70 ms with a savepoint around each against
 * 38 ms without, and beyond 64 subtransactions every other session's
 * snapshot on the server overflows its subtransaction cache (pg_subtrans
 * lookups) for as long as the transaction is open. The replay costs only a
 * failed run, at most the time of the revisions before the failure once
 * more.
 */
std::vector<std::chrono::microseconds> revision_runner::apply_together(
    std::vector<plan_step> const& steps, std::optional<std::string> const& from) {
  session& s = m_session;
  std::vector<std::chrono::microseconds> took;
  with_lock_retries(
      "the whole transaction (--single-transaction) was", from, [&](int retries_left) {
        std::string const stays = fmt::format(
            "rolled back with the whole run (--single-transaction), the database stays at {}",
            version_name(from));
        took.clear();
        std::string earlier;
        std::optional<std::string> expected = from;
        for (plan_step const& planned : steps) {
          if (s.interrupted()) {
            if (!earlier.empty()) s.rollback_quietly();
            throw interruption(planned, stays);
          }
          auto const q = s.quoting();
          std::string const script =
              revision_script(q, s.ctx, s.cat, planned, expected, earlier.empty(), false);
          revision_send const message{planned, script, earlier, stays, false};
          took.push_back(earlier.empty() ? taking_turns([&] { return send(message, retries_left); })
                                         : send(message, retries_left));
          earlier += revision_script(q, s.ctx, s.cat, planned, expected, false, false);
          expected = version_after(*planned.rev, planned.dir);
        }
        try {
          s.exec(commit_script());
        } catch (pqxx::sql_error const& e) {  // a deferred constraint may still fail it
          s.rollback_quietly();
          throw error(fmt::format("COMMIT of the single transaction up to {} failed: {}; "
                                  "everything was rolled back, the database stays at {}",
                                  version_name(expected), with_sqlstate(e), version_name(from)),
                      {e.sqlstate(), {}, {}, {}});
        } catch (pqxx::broken_connection const& e) {
          throw commit_unknown_error(fmt::format(
              "connection lost while committing the single transaction from {} to {}: it may "
              "or may not be applied; run `migrate status` before retrying ({})",
              version_name(from), version_name(expected), server_message(e.what())));
        }
      });
  return took;
}

}  // namespace migc::runtime::detail
