// The embedded chain as a plan sees it: id values, target parsing, step lists.
#include "plan.hpp"

#include <fmt/format.h>

#include <migc/runtime/error.hpp>

namespace migc::runtime::detail {
namespace {

/// Parses "N" (1..2^62) of "+N"/"-N"; nullopt otherwise.
std::optional<std::int64_t> parse_count(std::string_view digits) {
  auto value = revision_id_value(digits);
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

/// The refusal of a downgrade that would revert `rev`, with the reason its author gave.
refusal irreversible_refusal(catalog const& cat, revision const& rev, std::size_t goal_level) {
  std::string const location = source_location(cat, rev);
  std::string message =
      fmt::format("cannot downgrade to {}: revision {} \"{}\" ({}) is irreversible",
                  describe_level(cat, goal_level), rev.id, rev.description, location);
  if (!rev.irreversible_reason.empty()) message += fmt::format(": {}", rev.irreversible_reason);
  return refusal(refusal_reason::irreversible, message, {{}, std::string(rev.id), location, {}});
}

}  // namespace

std::string_view direction_name(direction d) noexcept {
  return d == direction::upgrade ? "upgrade" : "downgrade";
}

std::optional<std::size_t> find_revision(catalog const& cat, std::string_view id) {
  auto value = revision_id_value(id);
  if (!value) return std::nullopt;
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    if (cat.revisions[i].number == *value) return i;
  }
  return std::nullopt;
}

std::string_view position_name(catalog const& cat, position at) {
  return at ? cat.revisions[*at].id : std::string_view("base");
}

std::string_view head_name(catalog const& cat) {
  return cat.revisions.empty() ? std::string_view("base")
                               : cat.revisions[cat.revisions.size - 1].id;
}

std::string version_name(std::optional<std::string> const& version) {
  return version ? *version : std::string("base");
}

std::string source_location(catalog const& cat, revision const& rev, std::uint32_t line) {
  std::uint32_t const at = line != 0 ? line : rev.source_line;
  if (cat.source_dir.empty()) return fmt::format("{}:{}", rev.source_file, at);
  return fmt::format("{}/{}:{}", cat.source_dir, rev.source_file, at);
}

std::optional<std::string> version_after(revision const& rev, direction dir) {
  if (dir == direction::upgrade) return std::string(rev.id);
  if (rev.parent.empty()) return std::nullopt;
  return std::string(rev.parent);
}

target parse_upgrade_target(std::string_view text) {
  if (text == "head") return {target::kind::head, {}, 0};
  if (!text.empty() && text[0] == '+') {
    if (auto n = parse_count(text.substr(1))) return {target::kind::relative, {}, *n};
  } else if (revision_id_value(text)) {
    return {target::kind::id, std::string(text), 0};
  }
  throw target_error(
      fmt::format("invalid upgrade target '{}': expected head, a revision id or +N", text));
}

target parse_downgrade_target(std::string_view text) {
  if (text == "base") return {target::kind::base, {}, 0};
  if (!text.empty() && text[0] == '-') {
    if (auto n = parse_count(text.substr(1))) return {target::kind::relative, {}, -*n};
  } else if (revision_id_value(text)) {
    return {target::kind::id, std::string(text), 0};
  }
  throw target_error(
      fmt::format("invalid downgrade target '{}': expected a revision id, -N or base", text));
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
    if (!rev.reversible) throw irreversible_refusal(cat, rev, goal_level);
    steps.push_back({&rev, direction::downgrade});
  }
  return steps;
}

}  // namespace migc::runtime::detail
