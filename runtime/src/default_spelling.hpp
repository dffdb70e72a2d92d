// Internal: column defaults compared as the server spells them, for verify's drift check.
#pragma once

#include <map>
#include <optional>
#include <pqxx/transaction>
#include <string>
#include <utility>

#include "drift.hpp"

namespace pqxx {
class connection_base;
}

namespace migc::runtime {

/**
 * Tells whether a column's default in the model (as its revision wrote it: `'x'`, `'0'`,
 * `(1 + 2)`) and its live default (as pg_get_expr prints it: `'x'::text`, `false`, `3`) mean
 * the same, without reading SQL in migrate: the server spells both. Each expression, cast to its
 * column's type, is planned by `EXPLAIN (VERBOSE, COSTS OFF) SELECT (expression)::type`; the
 * planner folds constants and prints the result's expression (PostgreSQL docs, "EXPLAIN":
 * VERBOSE shows the output column list of each plan node), so both sides come out in one
 * spelling. Nothing runs: EXPLAIN does not execute the query, in a read-only transaction (a
 * standby can be verified). An expression the server refuses (e.g. it calls a function the
 * database lost) has no spelling and differs from everything but its own text.
 *
 * Costs one round trip per distinct (expression, type) whose text differs; equal texts cost
 * nothing. Keeps its read-only transaction open while it lives.
 */
class default_spelling {
 public:
  /**
   * Opens the read-only transaction on `cx` (which must have no other
   * transaction open) with the search_path `pg_catalog, <visible_schema>`:
   * the one read_live_schema reads the live defaults under, so that a type
   * of that schema (a tenant's enum) is found unqualified on both sides.
   */
  default_spelling(pqxx::connection_base& cx, std::string const& visible_schema);

  /// True when the two columns' defaults (db_object::default_value, "" for none) are the same.
  [[nodiscard]] bool same(db_object const& model_column, db_object const& live_column);

 private:
  /// The server's spelling of `expression` ("" for none: NULL) as a value of `type`.
  std::optional<std::string> const& spelled(std::string const& expression, std::string const& type);

  pqxx::read_transaction m_tx;
  std::map<std::pair<std::string, std::string>, std::optional<std::string>> m_spelled;
};

}  // namespace migc::runtime
