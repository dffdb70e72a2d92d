// Internal: reading the database's state (version row, applied revisions, dirty marker) and
// creating the bookkeeping tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "session.hpp"
#include "validation.hpp"

namespace migc::runtime::detail {

/// Which of the version, history and dirty tables exist.
struct table_presence {
  bool version = false;
  bool history = false;
  bool dirty = false;
  /// The history table has the columns of recorded downgrades (false for a table created before
  /// them, which ensure_tables() brings up to date).
  bool history_records_downgrades = false;
};

/// One round trip: which tables exist.
[[nodiscard]] table_presence probe_tables(session& s);

/**
 * Refuses (refusal new_version_table, nothing changed) an options::version_table
 * given explicitly that does not exist (`present.version` false) in a schema
 * that already has tables other than the version table's own (its history,
 * dirty and progress tables): a mistyped `--version-table` must not start a
 * second history from base. The message names the schema, up to ten of its
 * tables and --new-version-table, which (options::new_version_table)
 * confirms a new history. The schema is the name's, else current_schema()
 * (where CREATE TABLE puts an unqualified name; PostgreSQL docs, "The Schema
 * Search Path").
 */
void refuse_unconfirmed_version_table(session& s, table_presence const& present);
/// What refuse_unconfirmed_version_table() would throw, as a value (status reports it).
[[nodiscard]] std::optional<refusal> unconfirmed_version_table(session& s,
                                                               table_presence const& present);

/// Refuses what refuse_unconfirmed_version_table() refuses, then creates the version and
/// history tables when missing, and adds the columns of recorded
/// downgrades to an older history table, in one transaction under the transaction-scoped
/// migration lock (so there is no creation race, behind a pooler too).
table_presence ensure_tables(session& s);

/**
 * The version rows, the applied revisions (latest 'upgrade' or 'repair'
 * history row per revision value, so "1" and "001" are one revision), and
 * the dirty marker with the invalid indexes, from whichever of the tables
 * `present` says exist: one query (none when no table exists).
 */
[[nodiscard]] database_state read_state(session& s, table_presence const& present);

/**
 * The error for a read of migrate's own tables the server refused (SQLSTATE
 * 42501): names the tables, the SQLSTATE, and the GRANT that lets this login
 * read them (SELECT on each, or membership in the role that owns them, as
 * `--role` sets up; PostgreSQL docs, "Privileges").
 */
[[nodiscard]] error unreadable_own_tables(session& s, pqxx::sql_error const& e);

/// Runs `read`, a read of migrate's own tables (status, verify, history); a permission error
/// becomes unreadable_own_tables(), anything else passes through.
template <typename Read>
auto reading_own_tables(session& s, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (pqxx::sql_error const& e) {
    if (e.sqlstate() != "42501") throw;
    throw unreadable_own_tables(s, e);
  }
}

/// The version row; throws refusal (several_versions) for more than one.
[[nodiscard]] std::optional<std::string> read_current(session& s);

/// The dirty marker with the invalid indexes, when there is one.
[[nodiscard]] std::optional<dirty_marker> read_dirty(session& s);

/// Indexes the server marks invalid (a failed CREATE INDEX CONCURRENTLY leaves one behind).
[[nodiscard]] std::vector<std::string> invalid_indexes(session& s);

/// A database_state with check()'s verdict on it.
struct checked_state {
  database_state state;
  validation verdict;
};

/// The state as status reports it: the position and every problem, without refusing.
struct observed_state {
  database_state state;
  position at;                    ///< nullopt: base, or a revision this binary does not know
  std::vector<refusal> problems;  ///< find_problems(): what a run would refuse
};

/// The fast path when it decides (no problem), else the whole state and find_problems().
[[nodiscard]] observed_state observe_state(session& s, table_presence const& present);

/**
 * The state and its verdict: the fast path (read_verified_state) when it
 * decides, else the whole state and check(), which throws the refusal.
 */
[[nodiscard]] checked_state read_checked_state(session& s, table_presence const& present,
                                               validation_options rules);

}  // namespace migc::runtime::detail
