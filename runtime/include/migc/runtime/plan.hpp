// Pure planning: revision ids, targets, validation of the database state, and the step list.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <migc/runtime/catalog.hpp>

namespace migc::runtime {

/// Which way a revision is applied.
enum class direction { upgrade, downgrade };

/// "upgrade" or "downgrade".
[[nodiscard]] std::string_view to_string(direction d) noexcept;

/// Numeric value of a revision id ("003" → 3); nullopt unless it is 1–19 decimal digits.
[[nodiscard]] std::optional<std::uint64_t> parse_id(std::string_view id) noexcept;

/// Index of the revision whose id has the same value as `id` ("01" finds "001"), or nullopt.
[[nodiscard]] std::optional<std::size_t> find_revision(catalog const& cat, std::string_view id);

/// What a user asked for: `head`, `base`, `<id>`, `+N` or `-N`.
struct target {
  enum class kind { head, base, id, relative };
  kind what = kind::head;
  std::string id;      ///< for kind::id, as written
  std::int64_t n = 0;  ///< for kind::relative: +N (upgrade) or -N (downgrade)
};

/// Parses an upgrade target: `head` | `<id>` | `+N` (N ≥ 1). Throws target_error.
[[nodiscard]] target parse_upgrade_target(std::string_view text);
/// Parses a downgrade target: `<id>` | `-N` (N ≥ 1) | `base`. Throws target_error.
[[nodiscard]] target parse_downgrade_target(std::string_view text);

/// One revision to apply in one direction.
struct plan_step {
  revision const* rev = nullptr;
  runtime::direction dir = direction::upgrade;
};

/**
 * Position of the database in the catalog: nullopt = base (no row in the
 * version table), else the index of the current revision.
 */
using position = std::optional<std::size_t>;

/**
 * The database state validate() checks against the catalog.
 */
struct database_state {
  std::optional<std::string> current;  ///< version_num as stored; nullopt = base
  /// Checksum of the latest 'upgrade' history row per revision id, as stored.
  std::map<std::string, std::string> applied_checksums;
};

/**
 * Checks the database against the catalog before anything changes and
 * returns the database's position. Throws refusal. Rules, in order:
 *  1. a current revision that is not a decimal id (e.g. an Alembic hex id)
 *     is refused: this binary cannot know it;
 *  2. a current revision whose value matches no embedded revision is refused
 *     ("database is at 007, this binary knows up to 005"); ids compare by
 *     value, so "01" is "001";
 *  3. for every revision from the root up to the current one, a recorded
 *     'upgrade' checksum that differs from the embedded checksum is refused,
 *     naming the revision, its file and both checksums (a published revision
 *     was edited; fix forward with a new one);
 *  4. checksums recorded for revisions above the current one (reverted ones)
 *     and ids the catalog does not know are ignored: they are not applied.
 */
[[nodiscard]] position validate(catalog const& cat, database_state const& db);

/**
 * Ordered steps that take the database from `from` to `goal` in direction
 * `dir`. Throws target_error for unknown ids, a target on the wrong side of
 * the current revision, or N beyond the chain; throws refusal when a
 * downgrade would revert an irreversible revision (naming it). An empty plan
 * means there is nothing to do.
 */
[[nodiscard]] std::vector<plan_step> plan(catalog const& cat, position from, direction dir,
                                          target const& goal);

/// `source_dir/source_file:line` of a revision's header (without source_dir when it is empty).
[[nodiscard]] std::string source_location(catalog const& cat, revision const& rev,
                                          std::uint32_t line = 0);

/// Id shown for a position: the revision's id, or "base".
[[nodiscard]] std::string_view position_name(catalog const& cat, position at);

}  // namespace migc::runtime
