// Internal: planning a downgrade that passes revisions this binary does not embed, from the
// downgrades the history recorded when they were applied (recorded_downgrade.hpp).
#pragma once

#include <memory>
#include <migc/runtime/error.hpp>
#include <string>
#include <vector>

#include "plan.hpp"
#include "recorded_downgrade.hpp"
#include "session.hpp"
#include "state_reader.hpp"

namespace migc::runtime::detail {

/// The recorded downgrades of the history, by revision value: each revision's latest 'upgrade'
/// or 'repair' row, with whether its record still matches its checksum. One query.
[[nodiscard]] std::map<std::uint64_t, downgrade_record> read_downgrade_records(session& s);

/// A downgrade plan whose first steps revert revisions this binary does not embed.
struct recorded_plan {
  /// The database's state (current: the unknown revision it is at) and the verdict on the
  /// embedded revisions below the recorded ones (their checksums checked as usual).
  checked_state checked;
  /// Recorded downgrades first (their rev points into `kept`), then the binary's own.
  std::vector<plan_step> steps;
  /// The revisions rebuilt from records that `steps` reverts, top first.
  std::vector<recorded_revision const*> recorded;
};

/**
 * Plans `goal` for a database check() refused as `original` (database_ahead
 * or other_branch): walks down from the current revision through the
 * revisions this binary does not embed — an id it lacks, or its id recorded
 * with another checksum and another description (another branch's revision) —
 * using each one's recorded parent, to the first revision it embeds (or
 * base). Rethrows `original` when there is no such revision. Without
 * options::use_recorded_downgrades, throws `original`'s reason naming them
 * and the flag. Each revision the plan crosses must have an intact record of
 * a reversible downgrade (else refusal: no_recorded_downgrade,
 * recorded_downgrade_mismatch, irreversible); the embedded part is checked
 * and planned as usual. Rebuilt revisions are moved into `kept`, which must
 * outlive the plan and the run's result.
 */
[[nodiscard]] recorded_plan plan_recorded_downgrade(
    session& s, target const& goal, refusal const& original, validation_options rules,
    std::vector<std::unique_ptr<recorded_revision>>& kept);

/**
 * The revision `id` (this binary does not embed it) rebuilt from its intact
 * record, for `resolve` of a recorded downgrade that stopped midway; null
 * when the history holds no usable record of it.
 */
[[nodiscard]] std::unique_ptr<recorded_revision> recorded_revision_of(session& s,
                                                                      std::string_view id);

/// Log lines showing a recorded downgrade before it runs: where it comes from, then each
/// statement after its lock note.
[[nodiscard]] std::vector<std::string> recorded_downgrade_lines(recorded_revision const& rec);

}  // namespace migc::runtime::detail
