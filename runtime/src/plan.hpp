// Internal: the embedded chain as a plan sees it: positions, targets, and the revisions a run
// applies.
#pragma once

#include <cstdint>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime::detail {

/// "upgrade" or "downgrade".
[[nodiscard]] std::string_view direction_name(direction d) noexcept;

/**
 * Position of the database in the catalog: nullopt = base (no row in the
 * version table), else the index of the current revision.
 */
using position = std::optional<std::size_t>;

/// Index of the revision whose id has the same value as `id` ("01" finds "001"), or nullopt.
[[nodiscard]] std::optional<std::size_t> find_revision(catalog const& cat, std::string_view id);

/// Id shown for a position: the revision's id, or "base".
[[nodiscard]] std::string_view position_name(catalog const& cat, position at);

/// Id of the last revision, "base" for an empty catalog.
[[nodiscard]] std::string_view head_name(catalog const& cat);

/// A version row as shown: the id, or "base" for none.
[[nodiscard]] std::string version_name(std::optional<std::string> const& version);

/// `source_dir/source_file:line` of a revision's header (without source_dir when it is empty).
[[nodiscard]] std::string source_location(catalog const& cat, revision const& rev,
                                          std::uint32_t line = 0);

/// The version row after applying `rev` in `dir` (downgrade → its parent, "" parent → base).
[[nodiscard]] std::optional<std::string> version_after(revision const& rev, direction dir);

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
 * Ordered steps that take the database from `from` to `goal` in direction
 * `dir`. Throws target_error for unknown ids, a target on the wrong side of
 * the current revision, or N beyond the chain; throws refusal (irreversible)
 * when a downgrade would revert an irreversible revision, naming it and the
 * reason it gave. An empty plan means there is nothing to do.
 */
[[nodiscard]] std::vector<plan_step> plan(catalog const& cat, position from, direction dir,
                                          target const& goal);

}  // namespace migc::runtime::detail
