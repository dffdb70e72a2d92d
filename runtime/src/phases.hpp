// Internal: phased revisions (docs/migrate.md, "Phased revisions"): the progress table, the
// messages of each phase, and what a run does with a revision a kill left between phases.
#pragma once

#include <cstdint>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/error.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "script.hpp"
#include "version_store.hpp"

namespace migc::runtime::detail {

struct session;

/// The steps of `planned`'s direction.
[[nodiscard]] array_view<step> steps_of(plan_step const& planned);

/// One phase: steps [begin, end) of a direction.
struct phase_range {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// The phases of `steps`: runs of consecutive steps with the same step::phase.
[[nodiscard]] std::vector<phase_range> phases_of(array_view<step> steps);

/**
 * Whether `planned` runs phase by phase: a transactional revision with more
 * than one phase, a step outside a transaction, or a backfill.
 */
[[nodiscard]] bool phased(plan_step const& planned);

/**
 * Why `planned` cannot run behind a connection pooler ("" when it can): a
 * revision without a transaction, or a phased one with a backfill or a phase
 * outside a transaction. Those rely on one server session (session
 * settings, the session migration lock between statements); a phased
 * revision of transaction phases only is guarded phase by phase instead.
 */
[[nodiscard]] std::string_view session_bound(plan_step const& planned);

/// What the progress table recorded of a phased revision.
struct phase_progress {
  std::string revision;
  std::string direction;
  std::int64_t phases_done = 0;
  std::int64_t phases_total = 0;
  std::optional<std::string> backfill_key;  ///< a running backfill's last key (JSON array)
  std::int64_t backfill_rows = 0;           ///< rows that backfill updated so far
};

/// ` WHERE revision = '002' AND direction = 'upgrade'`: the progress row of `planned`.
[[nodiscard]] std::string progress_where(quoter const& q, plan_step const& planned);

/// What one phase sends. Built once, for a run and for `migrate sql` alike.
struct phase_script {
  enum class kind { transaction, outside, backfill };
  kind what = kind::transaction;
  /// outside, backfill: a transaction passing the phase's guard, then the session settings
  std::string before;
  /// transaction: BEGIN, the phase's guard ... the progress update ... COMMIT; outside: the
  /// one statement; backfill: one batch as `migrate sql` shows it (a run binds `$1` instead)
  std::string message;
  /// outside, backfill: resets the session, then records the phase done after the guard
  std::string after;
  std::string guard;  ///< backfill: the guard each batch's transaction sends first
};

/// How a phase starts: where the run resumes and what a failure leaves.
struct phase_resume {
  bool first = false;  ///< the first phase this run runs (a resumed run may find it begun)
  phase_progress const* progress = nullptr;  ///< what the progress table held
  std::string stays;                         ///< what a failure leaves, for messages
  std::optional<std::string> expected;       ///< the version row before the revision
};

/// The progress row, if the table exists and holds one.
[[nodiscard]] std::optional<phase_progress> read_progress(session& s);

/// The phases_pending refusal for a revision the progress table says stopped between phases.
[[nodiscard]] refusal phases_pending_refusal(phase_progress const& progress);

/**
 * Refuses (phases_pending) a plan that does not start with the revision and
 * direction a stopped phased run left in the progress table: its phases must
 * be finished (a run resumes them) or settled with `resolve` first.
 */
void check_progress(session& s, std::vector<plan_step> const& steps);

/**
 * The messages of a phased revision, as `migrate sql` prints them and a run
 * sends them (a backfill's batch is sent once per batch, with `$1` bound).
 */
[[nodiscard]] std::vector<std::string> phased_messages(quoter const& q, script_context const& ctx,
                                                       catalog const& cat, plan_step const& planned,
                                                       std::optional<std::string> const& expected);

/**
 * `resolve <id>` of a phased revision that stopped between phases:
 * `applied` records it as applied (the remaining phases were done by hand)
 * and moves the version; otherwise its done phases were undone by hand and
 * the version stays. Deletes the progress row; nullopt when there is none
 * for `id`.
 */
[[nodiscard]] std::optional<run_result> resolve_phases(session& s, std::string_view id,
                                                       bool applied);

/**
 * `resolve <id> --continue` of a phased revision that stopped between (or
 * in) its phases: nullopt when the progress row is not `id`'s; else runs the
 * remaining phases as the next upgrade or downgrade would, and its record.
 */
[[nodiscard]] std::optional<run_result> continue_phases(session& s, std::string_view id);

}  // namespace migc::runtime::detail
