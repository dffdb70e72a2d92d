// Validation of the database state against the catalog: every rule in one pure function.
#include "validation.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "adoption.hpp"
#include "presentation.hpp"

namespace migc::runtime::detail {
namespace {

/**
 * The recorded rows of `db.applied` by id value, built once per check (a
 * lookup per embedded revision would otherwise scan the whole map: O(N²) at
 * thousands of revisions). When two stored ids have one value ("1" and
 * "001"), the first in the map's order wins, as a scan would find it.
 */
class applied_index {
 public:
  explicit applied_index(database_state const& db) {
    m_by_value.reserve(db.applied.size());
    for (auto const& [id, record] : db.applied) {
      if (auto value = revision_id_value(id)) m_by_value.emplace(*value, &record);
    }
  }

  /// The recorded row for an embedded revision (ids compare by value), or nullptr.
  [[nodiscard]] applied_record const* find(revision const& rev) const {
    auto const it = m_by_value.find(rev.number);
    return it == m_by_value.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::uint64_t, applied_record const*> m_by_value;
};

/// A recorded checksum differing from the embedded one for revision `index`, if any.
std::optional<checksum_mismatch> mismatch_at(catalog const& cat, applied_index const& applied,
                                             std::size_t index) {
  revision const& rev = cat.revisions[index];
  applied_record const* record = applied.find(rev);
  if (!record || record->checksum.empty() || rev.has_checksum(record->checksum))
    return std::nullopt;
  // Hashes cannot tell an edit from a fork (both change one revision's checksum on the same
  // parent); the description can: an edit keeps the revision, a branch brings another one.
  bool const same_revision = record->description.empty() || record->description == rev.description;
  return checksum_mismatch{
      &rev, *record,
      same_revision ? checksum_mismatch::kind::edited : checksum_mismatch::kind::other_branch};
}

std::string build_of(applied_record const& record) {
  return record.build_id.empty() ? std::string("an unknown build")
                                 : "build " + short_hash(record.build_id);
}

/// The two revisions of an other_branch mismatch: "its revision 002 "..." (checksum ..., build
/// ...) is not this binary's 002 "..." (file:line, checksum ...)".
std::string other_branch_revisions(catalog const& cat, checksum_mismatch const& m) {
  return fmt::format(
      "its revision {} \"{}\" (checksum {}, {}) is not this binary's {} \"{}\" ({}, "
      "checksum {})",
      m.rev->id, m.recorded.description, short_hash(m.recorded.checksum, m.rev->checksum),
      build_of(m.recorded), m.rev->id, m.rev->description, source_location(cat, *m.rev),
      short_hash(m.rev->checksum, m.recorded.checksum));
}

refusal mismatch_refusal(catalog const& cat, checksum_mismatch const& m) {
  revision const& rev = *m.rev;
  std::string const location = source_location(cat, rev);
  error_context context{{}, std::string(rev.id), location, {}};
  if (m.what == checksum_mismatch::kind::edited) {
    return refusal(
        refusal_reason::edited_revision,
        fmt::format(
            "revision {} \"{}\" was applied with checksum {} ({}), but this binary's {} has "
            "checksum {}: a published revision was edited; restore the file as it was applied "
            "and fix forward with a new revision (or accept the edit with "
            "--allow-checksum-mismatch, dangerous)",
            rev.id, rev.description, short_hash(m.recorded.checksum, rev.checksum),
            build_of(m.recorded), location, short_hash(rev.checksum, m.recorded.checksum)),
        context);
  }
  return refusal(
      refusal_reason::other_branch,
      "database was migrated by a binary from another branch: " + other_branch_revisions(cat, m) +
          "; downgrade it with the binary that applied it, or renumber this branch's "
          "revisions on top of it",
      context);
}

/// "this binary knows up to 005" (or "knows no revisions").
std::string what_this_binary_knows(catalog const& cat) {
  return cat.revisions.empty() ? std::string("this binary knows no revisions")
                               : fmt::format("this binary knows up to {}", head_name(cat));
}

/// Rule 3: a database revision this catalog does not embed, and why.
refusal unknown_revision(catalog const& cat, database_state const& db, std::uint64_t value,
                         std::string const& current) {
  std::string const prefix =
      fmt::format("database is at {}, {}", current, what_this_binary_knows(cat));
  error_context const context{{}, current, {}, {}};
  if (cat.revisions.empty()) return refusal(refusal_reason::database_ahead, prefix, context);
  if (value < cat.revisions[0].number) {
    return refusal(refusal_reason::below_first_revision,
                   fmt::format("{}: {} is below this binary's first revision {} (a squashed "
                               "baseline): upgrade the database to {} with an older binary first",
                               prefix, current, cat.revisions[0].id, cat.revisions[0].id),
                   context);
  }
  applied_index const applied(db);
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    if (auto m = mismatch_at(cat, applied, i)) {
      return refusal(refusal_reason::other_branch,
                     prefix + ": the database was migrated by a binary from another branch: " +
                         other_branch_revisions(cat, *m),
                     context);
    }
  }
  std::string by = "no history row says which build applied it";
  for (auto const& [id, record] : db.applied) {
    if (revision_id_value(id) == value) by = current + " was applied by " + build_of(record);
  }
  return refusal(refusal_reason::database_ahead,
                 fmt::format("{}: this binary is older than the database ({}); run a build that "
                             "knows {}",
                             prefix, by, current),
                 context);
}

/// Rules 2 and 3: the current revision when it is not an embedded one.
std::optional<refusal> current_problem(catalog const& cat, database_state const& db) {
  if (!db.current) return std::nullopt;
  std::string const& current = *db.current;
  auto const value = revision_id_value(current);
  if (!value) {
    if (adopting_revision(cat, current)) return std::nullopt;
    return foreign_version_refusal(cat, current);
  }
  if (find_revision(cat, current)) return std::nullopt;
  return unknown_revision(cat, db, *value, current);
}

}  // namespace

position known_position(catalog const& cat, std::optional<std::string> const& current) {
  if (!current) return std::nullopt;
  if (auto const at = find_revision(cat, *current)) return at;
  return adopting_revision(cat, *current);
}

std::vector<refusal> find_problems(catalog const& cat, database_state const& db,
                                   std::vector<checksum_mismatch>* mismatches) {
  std::vector<refusal> problems;
  if (db.dirty) problems.push_back(dirty_refusal(cat, *db.dirty));
  if (db.version_rows > 1) {
    problems.emplace_back(refusal_reason::several_versions,
                          fmt::format("version table has {} rows: migc manages a single chain "
                                      "(merge the Alembic branches first)",
                                      db.version_rows));
  }
  if (auto problem = current_problem(cat, db)) {
    problems.push_back(std::move(*problem));
    return problems;
  }
  auto const at = known_position(cat, db.current);
  applied_index const applied(db);
  for (std::size_t i = 0; at && i <= *at; ++i) {
    auto m = mismatch_at(cat, applied, i);
    if (!m) continue;
    problems.push_back(mismatch_refusal(cat, *m));
    if (mismatches) mismatches->push_back(std::move(*m));
  }
  return problems;
}

validation check(catalog const& cat, database_state const& db, validation_options const& opts) {
  std::vector<checksum_mismatch> mismatches;
  validation result{known_position(cat, db.current), {}};
  for (refusal& problem : find_problems(cat, db, &mismatches)) {
    bool const waived = (problem.reason() == refusal_reason::dirty && opts.ignore_dirty) ||
                        (opts.allow_checksum_mismatch &&
                         (problem.reason() == refusal_reason::edited_revision ||
                          problem.reason() == refusal_reason::other_branch) &&
                         result.at);
    if (!waived) throw std::move(problem);
  }
  if (opts.allow_checksum_mismatch) result.accepted = std::move(mismatches);
  return result;
}

std::optional<std::size_t> verified_position(catalog const& cat, std::string_view current,
                                             std::vector<recorded_checksum> const& rows) {
  auto const at = find_revision(cat, current);
  if (!at) return std::nullopt;
  // latest[i]: the newest row for revision i (root first); row_id 0 = none (ids start at 1).
  std::vector<recorded_checksum const*> latest(*at + 1, nullptr);
  std::uint64_t const root = cat.revisions[0].number;
  for (recorded_checksum const& row : rows) {
    auto const value = revision_id_value(row.revision);
    if (!value || *value < root || *value - root > *at) continue;  // not applied: rule 5
    auto& slot = latest[static_cast<std::size_t>(*value - root)];
    if (slot == nullptr || row.row_id > slot->row_id) slot = &row;
  }
  for (std::size_t i = 0; i <= *at; ++i) {
    revision const& rev = cat.revisions[i];
    // Also guards the index arithmetic above: revision i has the value root + i.
    if (latest[i] == nullptr || rev.number != root + i || !rev.has_checksum(latest[i]->checksum)) {
      return std::nullopt;
    }
  }
  return at;
}

namespace {

/// "; statement 3 (line 12) was sent at T to server process 4242, which is gone: ...", what the
/// marker says of the statement a stop interrupted; "" for a marker an older migrate wrote.
std::string interrupted_statement(revision const* rev, dirty_marker const& dirty) {
  if (dirty.statement_started_at.empty()) return {};
  if (dirty.statements_done >= dirty.statements_total) {
    return "; every statement ran, the record of the revision did not";
  }
  auto const next = static_cast<std::size_t>(dirty.statements_done);
  auto const steps = !rev                             ? array_view<step>{}
                     : dirty.direction == "downgrade" ? rev->downgrade
                                                      : rev->upgrade;
  std::string const line = next < steps.size ? fmt::format(" (line {})", steps[next].line) : "";
  std::string const sent = fmt::format("; statement {}{} was sent at {} to server process {}, ",
                                       next + 1, line, dirty.statement_started_at, dirty.pid);
  if (dirty.backend_state.empty()) {
    return sent + "which is gone: whether that statement finished is not known";
  }
  if (dirty.backend_state == "active") {
    return sent + fmt::format(
                      "which is still running a statement: wait for it to end, or cancel it "
                      "(SELECT pg_cancel_backend({}))",
                      dirty.pid);
  }
  return sent + "which is " + dirty.backend_state;
}

}  // namespace

refusal dirty_refusal(catalog const& cat, dirty_marker const& dirty) {
  auto const index = find_revision(cat, dirty.revision);
  std::string const what = index ? fmt::format("revision {} \"{}\" ({})", cat.revisions[*index].id,
                                               cat.revisions[*index].description,
                                               source_location(cat, cat.revisions[*index]))
                                 : "revision " + dirty.revision;
  std::string message = fmt::format(
      "database is dirty: the {} of {}, which runs outside a transaction, stopped after {} of "
      "{} statements (started {})",
      dirty.direction, what, dirty.statements_done, dirty.statements_total, dirty.started_at);
  if (!dirty.error.empty()) message += ": " + dirty.error;
  message += interrupted_statement(index ? &cat.revisions[*index] : nullptr, dirty);
  if (!dirty.invalid_indexes.empty()) {
    std::string names;
    for (auto const& name : dirty.invalid_indexes) names += (names.empty() ? "" : ", ") + name;
    message +=
        fmt::format("; invalid indexes left behind (pg_index.indisvalid = false): {}", names);
  }
  message += fmt::format(
      "; run `migrate resolve {0} --continue` to run the rest (from the statement a stop "
      "interrupted; an index a stopped CREATE INDEX CONCURRENTLY left invalid is built again), "
      "or repair the database by hand, then run `migrate resolve {0} --applied` (its remaining "
      "statements were completed) or `migrate resolve {0} --rolled-back` (what ran was undone)",
      dirty.revision);
  return refusal(refusal_reason::dirty, message, {{}, dirty.revision, {}, {}});
}

}  // namespace migc::runtime::detail
