// What one SQL statement is, from its parse tree: its kind, whether it can run in a transaction
// block, and whether migrate may run it at all.
#pragma once

#include <migc/runtime/catalog.hpp>
#include <optional>
#include <string>

#include "tree.hpp"

namespace migc::compiler::sql {

/// Why a statement can never be part of a revision, and what to write instead.
struct refusal {
  std::string code;     ///< diagnostic code: "sql-transaction", "sql-copy", "sql-session"
  std::string message;  ///< e.g. "raw sql changes the session: SET without LOCAL"
  std::string help;
};

/// What the compiler knows about one statement before looking at the schema model.
struct statement_info {
  runtime::statement_kind kind = runtime::statement_kind::schema;
  /// PostgreSQL refuses it inside a transaction block (PostgreSQL 15 docs of each command:
  /// CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE, ALTER SYSTEM, ...).
  bool outside_transaction = false;
  std::optional<refusal> refused;
  /// The temporary table, view or sequence it creates (without ON COMMIT DROP): it outlives the
  /// revision unless the revision drops it (see temporary_objects_left).
  std::optional<std::string> temporary;
  /// The statement as messages name it, in PostgreSQL's command-tag style ("CREATE INDEX
  /// CONCURRENTLY", "SET", "COPY FROM STDIN").
  std::string name;
};

/**
 * Classifies one top-level statement (a node such as `{"CreateStmt": ...}`):
 *
 *  - refused: transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT,
 *    PREPARE TRANSACTION, ...); COPY FROM STDIN / TO STDOUT (migrate feeds
 *    no data and reads none); session state that would outlive the revision
 *    (SET and RESET without LOCAL, SET ROLE, SET SESSION AUTHORIZATION,
 *    DISCARD, LISTEN, PREPARE, LOAD, DECLARE ... WITH HOLD,
 *    `set_config(..., false)`, session-level advisory locks);
 *  - temporary tables, views and sequences without ON COMMIT DROP are kind
 *    data with `temporary` set: scratch space the revision must drop itself;
 *  - data: INSERT, UPDATE, DELETE, MERGE, SELECT (not SELECT INTO), CALL,
 *    EXPLAIN, COPY from or to a file, DO, NOTIFY;
 *  - maintenance: VACUUM, ANALYZE, REINDEX, CLUSTER, REFRESH MATERIALIZED
 *    VIEW, LOCK, CHECKPOINT;
 *  - privileges: GRANT, REVOKE, ALTER ... OWNER TO, roles, default privileges,
 *    security labels;
 *  - schema: every other statement (whether the model follows it is decided
 *    when it is applied to the model).
 */
[[nodiscard]] statement_info classify(node const& statement);

/// True for `COPY ... FROM STDIN`: rows the client sends after the statement (psql: the lines
/// up to `\.`), never a file or program on the server.
[[nodiscard]] bool copies_from_client(node const& statement);

}  // namespace migc::compiler::sql
