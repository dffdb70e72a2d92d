// Pure planning: revision ids, targets, validation of the database state, and the step list.
#pragma once

#include <cstdint>
#include <map>
#include <migc/runtime/catalog.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime {

/// Which way a revision is applied.
enum class direction { upgrade, downgrade };

/// "upgrade" or "downgrade".
[[nodiscard]] std::string_view to_string(direction d) noexcept;

/// Numeric value of a revision id ("003" → 3): revision_id_value, the catalog contract's rule.
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

/// What the history table recorded for one applied revision: its latest 'upgrade' or 'repair' row.
struct applied_record {
  std::string checksum;
  std::string build_id;     ///< chain_hash of the binary that wrote the row ("" when unknown)
  std::string description;  ///< the revision's description as that binary embedded it
};

/**
 * A non-transactional revision that stopped midway: the row of
 * `<version_table>_dirty` (see create_dirty_table_sql for the table).
 */
struct dirty_marker {
  std::string revision;               ///< id of the revision, as stored
  std::string direction;              ///< "upgrade" | "downgrade"
  std::int64_t statements_done = 0;   ///< statements that completed before the stop
  std::int64_t statements_total = 0;  ///< statements of the revision in that direction
  std::string statements;  ///< the SQL of the completed statements, each terminated by `;`
  std::string error;       ///< the server's message, "" when the process died before recording it
  std::string started_at;  ///< ISO 8601
  /// Indexes left invalid (pg_index.indisvalid = false), e.g. by a failed CREATE INDEX
  /// CONCURRENTLY: read from the catalog, not stored in the marker.
  std::vector<std::string> invalid_indexes;
};

/**
 * The database state validate() checks against the catalog.
 */
struct database_state {
  std::optional<std::string> current;  ///< version_num as stored; nullopt = base
  /// Latest 'upgrade' or 'repair' history row per revision id (the id as stored).
  std::map<std::string, applied_record> applied;
  /// Set when a non-transactional revision stopped midway and was not resolved yet.
  std::optional<dirty_marker> dirty;
};

/// An applied revision whose recorded checksum differs from the embedded one.
struct checksum_mismatch {
  /// Why the checksums differ, as far as the history tells.
  enum class kind {
    edited,        ///< same revision (same description): its source was edited after it ran
    other_branch,  ///< another revision with the same id (another description): another branch
  };
  revision const* rev = nullptr;  ///< the embedded revision
  applied_record recorded;
  kind what = kind::edited;
};

/// Which refusals validate() may waive.
struct validation_options {
  /// Accept applied revisions whose checksum differs (`--allow-checksum-mismatch`, dangerous).
  bool allow_checksum_mismatch = false;
  /// Do not refuse a dirty database (status, verify and resolve report it instead).
  bool ignore_dirty = false;
};

/// validate()'s verdict.
struct validation {
  position at;  ///< the database's position
  /// Mismatches waived by allow_checksum_mismatch (the migrator records them as 'repair' rows).
  std::vector<checksum_mismatch> accepted;
};

/**
 * Checks the database against the catalog before anything changes and
 * returns the database's position. Throws refusal. Rules, in order:
 *  0. a dirty marker (a non-transactional revision stopped midway) is
 *     refused until `migrate resolve` clears it, naming the revision, the
 *     statements that ran and the error;
 *  1. a current revision that is not a decimal id (e.g. an Alembic hex id)
 *     is refused: this binary cannot know it;
 *  2. a current revision whose value matches no embedded revision is refused
 *     ("database is at 007, this binary knows up to 005"), followed by why:
 *     below the root (a squashed baseline), ahead of head with every
 *     recorded checksum of our revisions matching (this binary is older
 *     than the database), or ahead of head with one of our revisions
 *     recorded with another checksum (a binary from another branch);
 *     ids compare by value, so "01" is "001";
 *  3. for every revision from the root up to the current one, a recorded
 *     checksum that differs from the embedded checksum is refused, naming
 *     the revision, its file and both checksums: with the same description
 *     it is an edited published revision (fix forward with a new one), with
 *     another description a revision of another branch. With
 *     allow_checksum_mismatch these are returned in `accepted` instead;
 *  4. checksums recorded for revisions above the current one (reverted ones)
 *     and ids the catalog does not know are ignored: they are not applied.
 */
[[nodiscard]] validation check(catalog const& cat, database_state const& db,
                               validation_options const& opts = {});

/// check() with no refusal waived: the database's position. Throws refusal.
[[nodiscard]] position validate(catalog const& cat, database_state const& db);

/// One 'upgrade' or 'repair' history row, as the fast path of validation reads it (views).
struct recorded_checksum {
  std::int64_t row_id = 0;    ///< the history row's id: a later row replaces an earlier one
  std::string_view revision;  ///< as stored
  std::string_view checksum;
};

/**
 * The fast path of check() for the common case, decided from the history's
 * checksums alone: the index of the revision `current` names when it is an
 * embedded revision and every revision from the root up to it has a latest
 * 'upgrade' or 'repair' row (highest row_id among the rows whose id has the
 * same value) carrying exactly the embedded checksum. Then check() would
 * accept the database with nothing to report, whatever its options (the
 * caller has ruled out a dirty marker). nullopt is no verdict, just "not
 * the common case": read the whole state and let check() decide and word
 * the refusal (a revision without a row, e.g. applied by Alembic, lands
 * here too, and check() accepts it).
 */
[[nodiscard]] std::optional<std::size_t> verified_position(
    catalog const& cat, std::string_view current, std::vector<recorded_checksum> const& rows);

/// The refusal message of rule 0 for a dirty database (also used by `status`).
[[nodiscard]] std::string describe_dirty(catalog const& cat, dirty_marker const& dirty);

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
