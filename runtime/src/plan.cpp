// Pure planning: id values, target parsing, validation of the database state, step lists.
#include <migc/runtime/plan.hpp>

#include <fmt/format.h>

#include <migc/runtime/error.hpp>

namespace migc::runtime {
namespace {

/// Parses "N" (1..2^62) of "+N"/"-N"; nullopt otherwise.
std::optional<std::int64_t> parse_count(std::string_view digits) {
  auto value = parse_id(digits);
  if (!value || *value == 0 || *value > (std::uint64_t{1} << 62)) return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

/// Number of applied revisions at a position (base = 0).
std::size_t level_of(position at) { return at ? *at + 1 : 0; }

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
        std::string known = size == 0 ? std::string("no revisions")
                                      : fmt::format("{} to {}", cat.revisions[0].id,
                                                    cat.revisions[size - 1].id);
        throw target_error(fmt::format("unknown revision {} (this binary knows {})", goal.id,
                                       known));
      }
      return *index + 1;
    }
    case target::kind::relative: {
      auto const n = static_cast<std::size_t>(goal.n < 0 ? -goal.n : goal.n);
      if (goal.n > 0 && n > size - from) {
        throw target_error(fmt::format("cannot upgrade {} revision{}: only {} pending (at {})", n,
                                       n == 1 ? "" : "s", size - from,
                                       describe_level(cat, from)));
      }
      if (goal.n < 0 && n > from) {
        throw target_error(fmt::format("cannot downgrade {} revision{}: only {} applied (at {})",
                                       n, n == 1 ? "" : "s", from, describe_level(cat, from)));
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
  if (id.empty() || id.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
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

position validate(catalog const& cat, database_state const& db) {
  if (!db.current) return std::nullopt;
  std::string const& current = *db.current;
  std::string const knows =
      cat.revisions.empty()
          ? std::string("this binary knows no revisions")
          : fmt::format("this binary knows up to {}", cat.revisions[cat.revisions.size - 1].id);
  // Rule 1: not a migc id at all.
  if (!parse_id(current)) {
    throw refusal(fmt::format("database is at '{}', which is not a migc revision id; {}", current,
                              knows),
                  {{}, current, {}, {}});
  }
  // Rule 2: an id this catalog does not embed.
  auto index = find_revision(cat, current);
  if (!index) {
    throw refusal(fmt::format("database is at {}, {}", current, knows), {{}, current, {}, {}});
  }
  // Rule 3: applied revisions must be byte-for-byte what was published.
  for (std::size_t i = 0; i <= *index; ++i) {
    revision const& rev = cat.revisions[i];
    for (auto const& [id, checksum] : db.applied_checksums) {
      auto value = parse_id(id);
      if (!value || *value != rev.number || checksum == rev.checksum) continue;
      std::string const location = source_location(cat, rev);
      throw refusal(fmt::format("revision {} was applied with checksum {}, but {} now has {}: "
                                "a published revision was edited",
                                rev.id, checksum, location, rev.checksum),
                    {{}, std::string(rev.id), location, {}});
    }
  }
  // Rule 4: everything else (reverted revisions' rows) is not applied and not checked.
  return index;
}

std::vector<plan_step> plan(catalog const& cat, position from, direction dir,
                            target const& goal) {
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
      throw refusal(
          fmt::format("cannot downgrade to {}: revision {} \"{}\" ({}) is irreversible",
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
