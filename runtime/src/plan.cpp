// Pure planning: id values, target parsing, validation of the database state, step lists.
#include <fmt/format.h>

#include <migc/runtime/error.hpp>
#include <migc/runtime/plan.hpp>
#include <unordered_map>

namespace migc::runtime {
namespace {

/// Parses "N" (1..2^62) of "+N"/"-N"; nullopt otherwise.
std::optional<std::int64_t> parse_count(std::string_view digits) {
  auto value = parse_id(digits);
  if (!value || *value == 0 || *value > (std::uint64_t{1} << 62)) return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

/// Number of applied revisions at a position (base = 0).
std::size_t level_of(position at) {
  return at ? *at + 1 : 0;
}

std::string describe_level(catalog const& cat, std::size_t level) {
  return level == 0 ? std::string("base") : std::string(cat.revisions[level - 1].id);
}

/// The level (number of applied revisions) a target names, relative to `from`.
std::size_t target_level(catalog const& cat, std::size_t from, target const& goal) {
  std::size_t const size = cat.revisions.size;
  switch (goal.what) {
    case target::kind::head:
      return size;
    case target::kind::base:
      return 0;
    case target::kind::id: {
      auto index = find_revision(cat, goal.id);
      if (!index) {
        std::string known =
            size == 0 ? std::string("no revisions")
                      : fmt::format("{} to {}", cat.revisions[0].id, cat.revisions[size - 1].id);
        throw target_error(
            fmt::format("unknown revision {} (this binary knows {})", goal.id, known));
      }
      return *index + 1;
    }
    case target::kind::relative: {
      auto const n = static_cast<std::size_t>(goal.n < 0 ? -goal.n : goal.n);
      if (goal.n > 0 && n > size - from) {
        throw target_error(fmt::format("cannot upgrade {} revision{}: only {} pending (at {})", n,
                                       n == 1 ? "" : "s", size - from, describe_level(cat, from)));
      }
      if (goal.n < 0 && n > from) {
        throw target_error(fmt::format("cannot downgrade {} revision{}: only {} applied (at {})", n,
                                       n == 1 ? "" : "s", from, describe_level(cat, from)));
      }
      return goal.n > 0 ? from + n : from - n;
    }
  }
  return from;
}

}  // namespace

std::string_view to_string(direction d) noexcept {
  return d == direction::upgrade ? "upgrade" : "downgrade";
}

std::optional<std::uint64_t> parse_id(std::string_view id) noexcept {
  return revision_id_value(id);
}

std::optional<std::size_t> find_revision(catalog const& cat, std::string_view id) {
  auto value = parse_id(id);
  if (!value) return std::nullopt;
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    if (cat.revisions[i].number == *value) return i;
  }
  return std::nullopt;
}

target parse_upgrade_target(std::string_view text) {
  if (text == "head") return {target::kind::head, {}, 0};
  if (!text.empty() && text[0] == '+') {
    if (auto n = parse_count(text.substr(1))) return {target::kind::relative, {}, *n};
  } else if (parse_id(text)) {
    return {target::kind::id, std::string(text), 0};
  }
  throw target_error(
      fmt::format("invalid upgrade target '{}': expected head, a revision id or +N", text));
}

target parse_downgrade_target(std::string_view text) {
  if (text == "base") return {target::kind::base, {}, 0};
  if (!text.empty() && text[0] == '-') {
    if (auto n = parse_count(text.substr(1))) return {target::kind::relative, {}, -*n};
  } else if (parse_id(text)) {
    return {target::kind::id, std::string(text), 0};
  }
  throw target_error(
      fmt::format("invalid downgrade target '{}': expected a revision id, -N or base", text));
}

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
      if (auto value = parse_id(id)) m_by_value.emplace(*value, &record);
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
  if (!record || record->checksum.empty() || record->checksum == rev.checksum) return std::nullopt;
  // Hashes cannot tell an edit from a fork (both change one revision's checksum on the same
  // parent); the description can: an edit keeps the revision, a branch brings another one.
  bool const same_revision = record->description.empty() || record->description == rev.description;
  return checksum_mismatch{
      &rev, *record,
      same_revision ? checksum_mismatch::kind::edited : checksum_mismatch::kind::other_branch};
}

std::string build_of(applied_record const& record) {
  return record.build_id.empty() ? std::string("an unknown build") : "build " + record.build_id;
}

/// The two revisions of an other_branch mismatch: "its revision 002 "..." (checksum ..., build
/// ...) is not this binary's 002 "..." (file:line, checksum ...)".
std::string other_branch_revisions(catalog const& cat, checksum_mismatch const& m) {
  return fmt::format(
      "its revision {} \"{}\" (checksum {}, {}) is not this binary's {} \"{}\" ({}, "
      "checksum {})",
      m.rev->id, m.recorded.description, m.recorded.checksum, build_of(m.recorded), m.rev->id,
      m.rev->description, source_location(cat, *m.rev), m.rev->checksum);
}

refusal mismatch_refusal(catalog const& cat, checksum_mismatch const& m) {
  revision const& rev = *m.rev;
  std::string const location = source_location(cat, rev);
  std::string message;
  if (m.what == checksum_mismatch::kind::edited) {
    message = fmt::format(
        "revision {} \"{}\" was applied with checksum {} ({}), but this binary's {} has "
        "checksum {}: a published revision was edited; restore the file as it was applied and "
        "fix forward with a new revision (or accept the edit with --allow-checksum-mismatch, "
        "dangerous)",
        rev.id, rev.description, m.recorded.checksum, build_of(m.recorded), location, rev.checksum);
  } else {
    message =
        "database was migrated by a binary from another branch: " + other_branch_revisions(cat, m) +
        "; downgrade it with the binary that applied it, or renumber this branch's "
        "revisions on top of it";
  }
  return refusal(message, {{}, std::string(rev.id), location, {}});
}

/// Rule 2: why a database revision this catalog does not embed is unknown.
std::string unknown_revision_reason(catalog const& cat, database_state const& db,
                                    applied_index const& applied, std::uint64_t value,
                                    std::string const& current) {
  std::size_t const size = cat.revisions.size;
  if (value < cat.revisions[0].number) {
    return fmt::format(
        "{} is below this binary's first revision {} (a squashed baseline): "
        "upgrade the database to {} with an older binary first",
        current, cat.revisions[0].id, cat.revisions[0].id);
  }
  for (std::size_t i = 0; i < size; ++i) {
    if (auto m = mismatch_at(cat, applied, i)) {
      return "the database was migrated by a binary from another branch: " +
             other_branch_revisions(cat, *m);
    }
  }
  std::string by = "no history row says which build applied it";
  for (auto const& [id, record] : db.applied) {
    if (parse_id(id) == value) by = current + " was applied by " + build_of(record);
  }
  return fmt::format("this binary is older than the database ({}); run a build that knows {}", by,
                     current);
}

}  // namespace

validation check(catalog const& cat, database_state const& db, validation_options const& opts) {
  // Rule 0: a non-transactional revision stopped midway.
  if (db.dirty && !opts.ignore_dirty) {
    throw refusal(describe_dirty(cat, *db.dirty), {{}, db.dirty->revision, {}, {}});
  }
  if (!db.current) return {std::nullopt, {}};
  std::string const& current = *db.current;
  std::string const knows =
      cat.revisions.empty()
          ? std::string("this binary knows no revisions")
          : fmt::format("this binary knows up to {}", cat.revisions[cat.revisions.size - 1].id);
  // Rule 1: not a migc id at all.
  auto const value = parse_id(current);
  if (!value) {
    throw refusal(
        fmt::format("database is at '{}', which is not a migc revision id; {}", current, knows),
        {{}, current, {}, {}});
  }
  // Rule 2: an id this catalog does not embed.
  auto index = find_revision(cat, current);
  if (!index) {
    std::string message = fmt::format("database is at {}, {}", current, knows);
    if (!cat.revisions.empty()) {
      message += ": " + unknown_revision_reason(cat, db, applied_index(db), *value, current);
    }
    throw refusal(message, {{}, current, {}, {}});
  }
  // Rule 3: applied revisions must be byte-for-byte what was published.
  validation result{index, {}};
  applied_index const applied(db);
  for (std::size_t i = 0; i <= *index; ++i) {
    auto m = mismatch_at(cat, applied, i);
    if (!m) continue;
    if (!opts.allow_checksum_mismatch) throw mismatch_refusal(cat, *m);
    result.accepted.push_back(std::move(*m));
  }
  // Rule 4: everything else (reverted revisions' rows) is not applied and not checked.
  return result;
}

position validate(catalog const& cat, database_state const& db) {
  return check(cat, db).at;
}

std::optional<std::size_t> verified_position(catalog const& cat, std::string_view current,
                                             std::vector<recorded_checksum> const& rows) {
  auto const at = find_revision(cat, current);
  if (!at) return std::nullopt;
  // latest[i]: the newest row for revision i (root first); row_id 0 = none (ids start at 1).
  std::vector<recorded_checksum const*> latest(*at + 1, nullptr);
  std::uint64_t const root = cat.revisions[0].number;
  for (recorded_checksum const& row : rows) {
    auto const value = parse_id(row.revision);
    if (!value || *value < root || *value - root > *at) continue;  // not applied: rule 4
    auto& slot = latest[static_cast<std::size_t>(*value - root)];
    if (slot == nullptr || row.row_id > slot->row_id) slot = &row;
  }
  for (std::size_t i = 0; i <= *at; ++i) {
    revision const& rev = cat.revisions[i];
    // Also guards the index arithmetic above: revision i has the value root + i.
    if (latest[i] == nullptr || rev.number != root + i || latest[i]->checksum != rev.checksum) {
      return std::nullopt;
    }
  }
  return at;
}

std::string describe_dirty(catalog const& cat, dirty_marker const& dirty) {
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
  if (!dirty.invalid_indexes.empty()) {
    std::string names;
    for (auto const& name : dirty.invalid_indexes) names += (names.empty() ? "" : ", ") + name;
    message +=
        fmt::format("; invalid indexes left behind (pg_index.indisvalid = false): {}", names);
  }
  message += fmt::format(
      "; repair the database by hand, then run `migrate resolve {0} --applied` (its remaining "
      "statements were completed) or `migrate resolve {0} --rolled-back` (what ran was undone)",
      dirty.revision);
  return message;
}

std::vector<plan_step> plan(catalog const& cat, position from, direction dir, target const& goal) {
  std::size_t const level = level_of(from);
  std::size_t const goal_level = target_level(cat, level, goal);
  std::vector<plan_step> steps;
  if (dir == direction::upgrade) {
    if (goal_level < level) {
      throw target_error(fmt::format("target {} is behind the current revision {}: use downgrade",
                                     describe_level(cat, goal_level), describe_level(cat, level)));
    }
    for (std::size_t k = level; k < goal_level; ++k) {
      steps.push_back({&cat.revisions[k], direction::upgrade});
    }
    return steps;
  }
  if (goal_level > level) {
    throw target_error(fmt::format("target {} is ahead of the current revision {}: use upgrade",
                                   describe_level(cat, goal_level), describe_level(cat, level)));
  }
  for (std::size_t k = level; k > goal_level; --k) {
    revision const& rev = cat.revisions[k - 1];
    if (!rev.reversible) {
      throw refusal(fmt::format("cannot downgrade to {}: revision {} \"{}\" ({}) is irreversible",
                                describe_level(cat, goal_level), rev.id, rev.description,
                                source_location(cat, rev)),
                    {{}, std::string(rev.id), source_location(cat, rev), {}});
    }
    steps.push_back({&rev, direction::downgrade});
  }
  return steps;
}

std::string source_location(catalog const& cat, revision const& rev, std::uint32_t line) {
  std::uint32_t const at = line != 0 ? line : rev.source_line;
  if (cat.source_dir.empty()) return fmt::format("{}:{}", rev.source_file, at);
  return fmt::format("{}/{}:{}", cat.source_dir, rev.source_file, at);
}

std::string_view position_name(catalog const& cat, position at) {
  return at ? cat.revisions[*at].id : std::string_view("base");
}

}  // namespace migc::runtime
