// Internal: `migrate stairway`, every revision up, verified, down, verified and up again, on a
// scratch database (pytest-alembic's up/down consistency test, one revision at a time).
#pragma once

#include <chrono>
#include <functional>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime::detail {

/// The five steps of one revision's stair, in the order they run.
enum class stairway_step { up, verify_up, down, verify_down, reup };

/// "up", "verify_up", "down", "verify_down", "reup": as JSON names the step.
[[nodiscard]] std::string_view stairway_step_name(stairway_step step) noexcept;

/// One `verify` of the stairway.
struct stairway_check {
  std::chrono::microseconds took{0};  ///< wall clock of the verify (introspection included)
  std::string at;                     ///< the revision the model was taken at, "base" for none
  /// Drift findings that were not in the database before the stairway started (empty: ok).
  std::vector<drift_finding> drift;
  [[nodiscard]] bool ok() const { return drift.empty(); }
};

/// One revision's stair; a step that did not run (a failure before it, an irreversible
/// revision's downgrade) is nullopt.
struct stairway_row {
  revision const* rev = nullptr;
  std::optional<std::chrono::microseconds> up;  ///< the upgrade's recorded duration
  std::optional<stairway_check> verify_up;
  std::optional<std::chrono::microseconds> down;  ///< the downgrade's recorded duration
  std::optional<stairway_check> verify_down;
  std::optional<std::chrono::microseconds> reup;  ///< the second upgrade's recorded duration
  bool irreversible = false;  ///< declared `irreversible`: not downgraded, the stairway goes on
};

/// Why the stairway stopped: a step that failed on the server, or a verify that found drift.
struct stairway_failure {
  std::string revision;  ///< id of the revision whose stair failed
  stairway_step step = stairway_step::up;
  std::string message;               ///< a whole sentence naming the revision and what went wrong
  std::string sqlstate;              ///< the server's, when a statement failed
  std::string location;              ///< `file:line` of the failing statement, when one failed
  std::vector<drift_finding> drift;  ///< the differences, when a verify failed
};

/// What the stairway did, row by row.
struct stairway_report {
  std::string from;  ///< where the database was before ("base" unless --force)
  std::string to;    ///< where it is now
  std::vector<stairway_row> rows;
  /// Drift findings present before the stairway started (accepted with --force, then ignored).
  std::vector<drift_finding> preexisting;
  /// The verify at the end, once every revision went up again (nullopt after a failure).
  std::optional<stairway_check> final_check;
  std::optional<stairway_failure> failure;
  std::chrono::microseconds elapsed{0};  ///< wall clock of the whole stairway
  [[nodiscard]] bool ok() const { return !failure; }
  /// Rows of irreversible revisions (their downgrade was not run).
  [[nodiscard]] std::size_t irreversible_count() const;
};

/**
 * Runs the stairway on the database `m` is connected to: for each revision
 * after the database's current one, in chain order, upgrade to it, `verify`,
 * downgrade to its parent, `verify`, upgrade to it again; then `verify` at
 * head. A revision declared `irreversible` is not downgraded (the row says
 * so) and the stairway goes on. Stops at the first step that fails on the
 * server (revision_error) or verify that finds drift, and says so in
 * report.failure; `on_row` receives each row as it is complete (also the
 * failing one).
 *
 * The database must be a scratch one: `verify` at the start finds nothing
 * in it (no table, view, sequence, type, function, trigger, schema other
 * than public, extension other than plpgsql, or comment outside the system
 * schemas; docs/migrate.md "stairway") and no revision applied (migrate's
 * own tables at base are fine). Otherwise throws refusal (not_empty) naming
 * what it found, unless `force`: then the objects found are accepted (not
 * reported as drift later) and the stairway starts at the database's
 * revision. A dirty database or one at a revision this binary does not know
 * is refused as every run refuses it. Other runtime errors (connection,
 * lock, interrupt) propagate.
 */
[[nodiscard]] stairway_report run_stairway(migrator& m, catalog const& cat, bool force,
                                           std::function<void(stairway_row const&)> const& on_row);

}  // namespace migc::runtime::detail
