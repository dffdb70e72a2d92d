// Planning a downgrade through revisions this binary does not embed, from their recorded
// downgrades.
#include "recorded_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "presentation.hpp"
#include "validation.hpp"

namespace migc::runtime::detail {
namespace {

/// One revision of the database's chain this binary does not embed, top first.
struct unknown_revision {
  std::string id;
  std::unique_ptr<recorded_revision> rebuilt;  ///< null when `unusable`
  std::optional<refusal> unusable;             ///< why its record cannot be used
};

/// The walk down from the current revision.
struct walk {
  std::vector<unknown_revision> unknown;
  std::optional<std::string> stop;  ///< where the binary's chain takes over (nullopt: base)
};

/// The latest applied row of the database's revision `id`, by value.
applied_record const* applied_row(database_state const& state, std::uint64_t value) {
  applied_record const* found = nullptr;
  for (auto const& [stored, record] : state.applied) {
    if (revision_id_value(stored) == value) found = &record;
  }
  return found;
}

/**
 * Whether the database's revision `id` is one this binary embeds: it has the
 * id, and the history recorded it with the embedded checksum, or with none,
 * or with the embedded description (an edited revision: still this binary's,
 * which check() then refuses as edited_revision, as always).
 */
bool embeds(catalog const& cat, database_state const& state, std::string const& id) {
  auto const index = find_revision(cat, id);
  if (!index) return false;
  revision const& rev = cat.revisions[*index];
  applied_record const* row = applied_row(state, rev.number);
  if (row == nullptr || row->checksum.empty() || rev.has_checksum(row->checksum)) return true;
  return row->description.empty() || row->description == rev.description;
}

refusal no_record(std::string const& id, downgrade_record const* row) {
  std::string const why =
      row == nullptr ? std::string("the history has no row that applied it")
                     : fmt::format("history row {} applied it before migrate recorded downgrades",
                                   row->row_id);
  return refusal(
      refusal_reason::no_recorded_downgrade,
      fmt::format("revision {} is not in this binary and has no recorded downgrade ({}); "
                  "nothing was reverted. Downgrade it with a binary that embeds {}",
                  id, why, id),
      {{}, id, {}, {}});
}

/// The unknown revision `id` with its record, rebuilt when usable.
unknown_revision examine(std::string const& id, downgrade_record const* row) {
  unknown_revision u{id, nullptr, std::nullopt};
  if (row == nullptr || !row->json) {
    u.unusable = no_record(id, row);
  } else if (!row->intact) {
    u.unusable = refusal(
        refusal_reason::recorded_downgrade_mismatch,
        fmt::format("the downgrade the history recorded for revision {} (history row {}) does not "
                    "match its checksum: it was changed after it was recorded; nothing was "
                    "reverted. Downgrade {} with a binary that embeds it",
                    id, row->row_id, id),
        {{}, id, {}, {}});
  } else {
    try {
      u.rebuilt = std::make_unique<recorded_revision>(*row);
    } catch (refusal& r) {
      u.unusable = std::move(r);
    }
  }
  return u;
}

walk walk_down(session& s, database_state const& state, bool history_records_downgrades) {
  walk w;
  // A history table from before recorded downgrades (a dry run does not bring it up to date).
  auto const records = history_records_downgrades ? read_downgrade_records(s)
                                                  : std::map<std::uint64_t, downgrade_record>();
  std::set<std::uint64_t> seen;
  std::optional<std::string> at = state.current;
  while (at) {
    auto const value = revision_id_value(*at);
    if (!value || embeds(s.cat, state, *at)) break;
    if (!seen.insert(*value).second) {  // a parent loop: only an edited record says so
      w.unknown.back().unusable =
          refusal(refusal_reason::recorded_downgrade_mismatch,
                  fmt::format("the recorded downgrades of revisions {} and below form a loop", *at),
                  {{}, *at, {}, {}});
      w.unknown.back().rebuilt.reset();
      return w;
    }
    auto const row = records.find(*value);
    w.unknown.push_back(examine(*at, row == records.end() ? nullptr : &row->second));
    if (!w.unknown.back().rebuilt) return w;  // nothing below it can be named
    revision const& rev = w.unknown.back().rebuilt->get();
    at = rev.parent.empty() ? std::nullopt : std::optional<std::string>(rev.parent);
  }
  w.stop = at;
  return w;
}

std::string id_list(std::vector<unknown_revision> const& unknown) {
  std::string out;
  for (auto const& u : unknown) out += (out.empty() ? "" : ", ") + u.id;
  return out;
}

std::string target_text(target const& goal) {
  switch (goal.what) {
    case target::kind::base:
      return "base";
    case target::kind::relative:
      return std::to_string(goal.n);
    default:
      return goal.id;
  }
}

/// How many unknown revisions `goal` crosses, and the target left for the embedded chain.
std::pair<std::size_t, std::optional<target>> split_goal(walk const& w, target const& goal) {
  std::size_t const size = w.unknown.size();
  if (goal.what == target::kind::id) {
    for (std::size_t i = 0; i < size; ++i) {
      if (revision_id_value(w.unknown[i].id) == revision_id_value(goal.id)) return {i, {}};
    }
  } else if (goal.what == target::kind::relative) {
    auto const n = static_cast<std::size_t>(-goal.n);
    if (n <= size) return {n, {}};
    return {size, target{target::kind::relative, {}, -static_cast<std::int64_t>(n - size)}};
  }
  return {size, goal};
}

refusal irreversible_record(recorded_revision const& rec, target const& goal) {
  revision const& rev = rec.get();
  std::string message = fmt::format(
      "cannot downgrade to {}: revision {} \"{}\" (not in this binary; recorded by {}) "
      "is irreversible",
      target_text(goal), rev.id, rev.description,
      rec.record().build_id.empty() ? std::string("an unknown build")
                                    : "build " + short_hash(rec.record().build_id));
  if (!rev.irreversible_reason.empty()) message += ": " + std::string(rev.irreversible_reason);
  return refusal(refusal_reason::irreversible, message, {{}, std::string(rev.id), {}, {}});
}

}  // namespace

std::map<std::uint64_t, downgrade_record> read_downgrade_records(session& s) {
  std::map<std::uint64_t, downgrade_record> out;
  auto const rows = s.exec(
      "SELECT id, revision::text, coalesce(checksum, ''), coalesce(build_id, ''), "
      "downgrade::text, coalesce(downgrade_checksum = " +
      downgrade_checksum_sql("downgrade") + ", false) FROM " +
      qualified(s.quoting(), s.history_name()) +
      " WHERE direction IN ('upgrade', 'repair') AND revision IS NOT NULL ORDER BY id");
  for (auto const& row : rows) {
    auto const value = revision_id_value(row[1].c_str());
    if (!value) continue;
    downgrade_record r;
    r.row_id = row[0].as<std::int64_t>();
    r.revision = row[1].as<std::string>();
    r.checksum = row[2].as<std::string>();
    r.build_id = row[3].as<std::string>();
    if (!row[4].is_null()) r.json = row[4].as<std::string>();
    r.intact = row[5].as<bool>();
    out[*value] = std::move(r);  // ordered by id: the latest row wins
  }
  return out;
}

recorded_plan plan_recorded_downgrade(session& s, target const& goal, refusal const& original,
                                      validation_options rules,
                                      std::vector<std::unique_ptr<recorded_revision>>& kept) {
  recorded_plan out;
  table_presence const present = probe_tables(s);
  out.checked.state = read_state(s, present);
  walk w = walk_down(s, out.checked.state, present.history_records_downgrades);
  if (w.unknown.empty()) throw original;
  if (!s.opts.use_recorded_downgrades) {
    throw refusal(
        original.reason(),
        fmt::format("{}; revision{} {} {} not in this binary: `migrate downgrade {} "
                    "--use-recorded-downgrades` reverts {} with the downgrade{} the history "
                    "table recorded when {} applied",
                    original.what(), w.unknown.size() == 1 ? "" : "s", id_list(w.unknown),
                    w.unknown.size() == 1 ? "is" : "are", target_text(goal),
                    w.unknown.size() == 1 ? "it" : "them", w.unknown.size() == 1 ? "" : "s",
                    w.unknown.size() == 1 ? "it was" : "they were"),
        {{}, w.unknown.front().id, {}, {}});
  }
  auto const [crossed, rest] = split_goal(w, goal);
  for (std::size_t i = 0; i < crossed; ++i) {
    unknown_revision& u = w.unknown[i];
    if (u.unusable) throw *u.unusable;
    if (!u.rebuilt->get().reversible) throw irreversible_record(*u.rebuilt, goal);
  }
  std::vector<plan_step> embedded;
  if (rest) {
    database_state below = out.checked.state;
    below.current = w.stop;
    out.checked.verdict = check(s.cat, below, rules);
    embedded = plan(s.cat, out.checked.verdict.at, direction::downgrade, *rest);
  }
  for (std::size_t i = 0; i < crossed; ++i) {
    kept.push_back(std::move(w.unknown[i].rebuilt));
    out.recorded.push_back(kept.back().get());
    out.steps.push_back({&kept.back()->get(), direction::downgrade});
  }
  out.steps.insert(out.steps.end(), embedded.begin(), embedded.end());
  return out;
}

std::unique_ptr<recorded_revision> recorded_revision_of(session& s, std::string_view id) {
  auto const value = revision_id_value(id);
  if (!value || !probe_tables(s).history_records_downgrades) return nullptr;
  auto const records = read_downgrade_records(s);
  auto const row = records.find(*value);
  if (row == records.end() || !row->second.json || !row->second.intact) return nullptr;
  try {
    return std::make_unique<recorded_revision>(row->second);
  } catch (refusal const&) {
    return nullptr;
  }
}

std::vector<std::string> recorded_downgrade_lines(recorded_revision const& rec) {
  revision const& rev = rec.get();
  downgrade_record const& row = rec.record();
  std::vector<std::string> lines{fmt::format(
      "Revision {} \"{}\" is not in this binary: its downgrade as recorded by {} (history row "
      "{}, checksum {}){}:",
      rev.id, rev.description,
      row.build_id.empty() ? std::string("an unknown build") : "build " + short_hash(row.build_id),
      row.row_id, short_hash(rev.checksum), rev.transactional ? "" : ", without transaction")};
  for (step const& st : rev.downgrade) {
    lines.push_back("  -- " + lock_note(st) +
                    (st.outside_transaction ? ", outside a transaction" : ""));
    std::string sql = terminated(st.sql);
    if (!sql.empty() && sql.back() == '\n') sql.pop_back();
    lines.push_back("  " + sql);
  }
  if (rev.downgrade.empty()) lines.emplace_back("  (no statements)");
  return lines;
}

}  // namespace migc::runtime::detail
