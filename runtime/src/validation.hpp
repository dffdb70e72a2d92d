// Internal: validation of the database state against the catalog, a pure function of both.
#pragma once

#include <cstdint>
#include <map>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/error.hpp>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"

namespace migc::runtime::detail {

/// The database state validation checks against the catalog.
struct database_state {
  std::optional<std::string> current;  ///< version_num as stored; nullopt = base
  std::size_t version_rows = 0;        ///< rows of the version table (more than one is refused)
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

/**
 * Everything wrong with the database for a run, in the order of the rules
 * (each a refusal a run throws):
 *  0. a dirty marker (a non-transactional revision stopped midway) until
 *     `migrate resolve` clears it, naming the revision, the statements that
 *     ran and the error (dirty);
 *  1. more than one version row: migc manages a single chain (several_versions);
 *  2. a current revision that is not a decimal id, e.g. an Alembic hex id, and that the root
 *     does not adopt (`adopts "..."`, adoption.hpp):
 *     this binary cannot know it (not_a_revision_id);
 *  3. a current revision whose value matches no embedded revision ("database
 *     is at 007, this binary knows up to 005"), followed by why: below the
 *     root, a squashed baseline (below_first_revision); ahead of head with one
 *     of our revisions recorded with another checksum, a binary from another
 *     branch (other_branch); ahead of head otherwise, this binary is older
 *     than the database (database_ahead); ids compare by value, "01" is "001";
 *  4. for every revision from the root up to the current one, a recorded
 *     checksum that differs from the embedded one, naming the revision, its
 *     file and both checksums: with the same description an edited published
 *     revision (edited_revision), with another description a revision of
 *     another branch (other_branch);
 *  5. checksums recorded for revisions above the current one (reverted ones)
 *     and ids the catalog does not know are ignored: they are not applied.
 * `mismatches` receives the mismatches of rule 4 (one per refusal there).
 */
[[nodiscard]] std::vector<refusal> find_problems(catalog const& cat, database_state const& db,
                                                 std::vector<checksum_mismatch>* mismatches = {});

/// Which refusals check() may waive.
struct validation_options {
  /// Accept applied revisions whose checksum differs (`--allow-checksum-mismatch`, dangerous).
  bool allow_checksum_mismatch = false;
  /// Do not refuse a dirty database (verify and resolve report it instead).
  bool ignore_dirty = false;
};

/// check()'s verdict.
struct validation {
  position at;  ///< the database's position
  /// Mismatches waived by allow_checksum_mismatch (the migrator records them as 'repair' rows).
  std::vector<checksum_mismatch> accepted;
};

/**
 * Checks the database against the catalog before anything changes and
 * returns the database's position: throws the first of find_problems()
 * that `opts` does not waive.
 */
[[nodiscard]] validation check(catalog const& cat, database_state const& db,
                               validation_options const& opts = {});

/// The position of an embedded current revision (nullopt for base or an unknown one).
[[nodiscard]] position known_position(catalog const& cat,
                                      std::optional<std::string> const& current);

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

/// The refusal of rule 0 for a dirty database.
[[nodiscard]] refusal dirty_refusal(catalog const& cat, dirty_marker const& dirty);

}  // namespace migc::runtime::detail
