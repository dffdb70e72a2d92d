// classify(): statement kinds and the statements migrate must never run, from the parse tree.
#include "statements.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace migc::compiler::sql {
namespace {

using runtime::statement_kind;

statement_info of(statement_kind kind, std::string name) {
  statement_info info;
  info.kind = kind;
  info.name = std::move(name);
  return info;
}

statement_info refused(std::string name, std::string code, std::string message, std::string help) {
  statement_info info = of(statement_kind::schema, std::move(name));
  info.refused = refusal{std::move(code), std::move(message), std::move(help)};
  return info;
}

constexpr std::string_view set_local_help =
    "every revision starts from the same session state: use SET LOCAL (or "
    "set_config(..., true)), which ends with the revision's transaction; the SET "
    "preamble of a pg_dump file is not needed at all";

statement_info session(std::string name, std::string what, std::string_view help = set_local_help) {
  return refused(
      std::move(name), "sql-session",
      "raw sql changes the session, and the change would outlive its revision: " + std::move(what),
      std::string(help));
}

statement_info outside(statement_kind kind, std::string name) {
  statement_info info = of(kind, std::move(name));
  info.outside_transaction = true;
  return info;
}

bool has_option(node const& n, std::string_view field, std::string_view option) {
  auto const options = n.list(field);
  return std::any_of(options.begin(), options.end(),
                     [&](node const& o) { return o.is("DefElem") && o.text("defname") == option; });
}

statement_info transaction_control(node const& stmt) {
  std::string const kind = stmt.enumeration("kind");
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> names{{
      {"TRANS_STMT_BEGIN", "BEGIN"},
      {"TRANS_STMT_START", "START TRANSACTION"},
      {"TRANS_STMT_COMMIT", "COMMIT"},
      {"TRANS_STMT_ROLLBACK", "ROLLBACK"},
      {"TRANS_STMT_SAVEPOINT", "SAVEPOINT"},
      {"TRANS_STMT_RELEASE", "RELEASE SAVEPOINT"},
      {"TRANS_STMT_ROLLBACK_TO", "ROLLBACK TO SAVEPOINT"},
      {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION"},
      {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED"},
      {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED"},
      {"", "BEGIN"},
  }};
  std::string name = "transaction control";
  for (auto const& [k, n] : names) {
    if (k == kind) name = n;
  }
  return refused(name, "sql-transaction", "raw sql controls the transaction: " + name,
                 "migrate runs each revision in its own transaction (or, 'without transaction', "
                 "each statement on its own): remove the statement; to run statements outside a "
                 "transaction, mark the revision 'without transaction'");
}

bool on_the_server(node const& copy) {
  return !copy.text("filename").empty() || copy.flag("is_program");
}

statement_info copy(node const& stmt) {
  if (on_the_server(stmt)) return of(statement_kind::data, "COPY");
  bool const from = stmt.flag("is_from");
  std::string const name = from ? "COPY FROM STDIN" : "COPY TO STDOUT";
  return refused(name, "sql-copy",
                 from ? "raw sql reads rows from the client (COPY FROM STDIN), which migrate "
                        "never sends"
                      : "raw sql writes rows to the client (COPY TO STDOUT), which migrate never "
                        "reads",
                 from
                     ? "write the rows as INSERT INTO ... VALUES (...), or load them from a server "
                       "file with COPY ... FROM 'path'"
                     : "remove the statement");
}

statement_info variable_set(node const& stmt) {
  std::string const kind = stmt.enumeration("kind");
  std::string const name = stmt.text("name");
  if (stmt.flag("is_local")) return of(statement_kind::schema, "SET LOCAL");
  if (kind == "VAR_SET_MULTI" && name == "TRANSACTION")
    return of(statement_kind::schema, "SET TRANSACTION");
  if (kind == "VAR_RESET_ALL") return session("RESET ALL", "RESET ALL");
  if (kind == "VAR_RESET") return session("RESET", "RESET " + name);
  if (name == "role")
    return session("SET ROLE", "SET ROLE (migrate's --role sets the role of a run)");
  if (name == "session_authorization")
    return session("SET SESSION AUTHORIZATION", "SET SESSION AUTHORIZATION");
  if (kind == "VAR_SET_MULTI") return session("SET", "SET " + name);
  return session("SET", "SET " + name + " without LOCAL");
}

/**
 * `ALTER ROLE|DATABASE ... SET search_path` (or RESET it, or RESET ALL): the
 * search_path of every later session of that role or database, migrate's next
 * runs included, where unqualified names then resolve in another schema than
 * the build's model puts them (PostgreSQL docs, ALTER ROLE: "the specified
 * value becomes the session default in subsequent sessions"). nullopt for
 * other settings.
 */
std::optional<statement_info> later_sessions_search_path(node const& stmt, std::string name) {
  node const setting = stmt["setstmt"];
  if (!setting) return std::nullopt;
  bool const all = setting.enumeration("kind") == "VAR_RESET_ALL";
  if (!all && setting.text("name") != "search_path") return std::nullopt;
  return refused(
      name + " search_path", "sql-session",
      "raw sql changes the search_path of later sessions (" + name +
          "): migrate's next runs would create and find unqualified names in another schema "
          "than the build's model puts them",
      "change a role's or database's search_path outside the revisions (by hand, or per "
      "connection with options=-csearch_path=...), and qualify names in revisions that need "
      "another schema");
}

/// A SELECT (or any query) calling set_config(..., false) or a session-level advisory lock.
std::optional<statement_info> session_function(node const& stmt) {
  std::optional<statement_info> found;
  stmt.walk([&](node const& n) {
    if (found || !n.is("FuncCall")) return !found;
    auto const name = n.names("funcname");
    std::string const function = name.empty() ? std::string() : name.back();
    auto const args = n.list("args");
    if (function == "set_config" && args.size() == 3 && args[2].is("A_Const") &&
        args[2]["boolval"] && !args[2]["boolval"].flag("boolval")) {
      found = session("SELECT set_config",
                      "set_config(..., false) changes the setting for the session");
    } else if (function == "pg_advisory_lock" || function == "pg_advisory_lock_shared" ||
               function == "pg_try_advisory_lock" || function == "pg_try_advisory_lock_shared") {
      found = refused("SELECT " + function, "sql-session",
                      "raw sql takes a session-level advisory lock (" + function +
                          "), held after its revision ends",
                      "use the transaction-level form, pg_advisory_xact_lock(...)");
    }
    return !found;
  });
  return found;
}

bool temporary(node const& relation) {
  return relation.text("relpersistence") == "t";
}

statement_info temporary_object(std::string name, node const& relation) {
  statement_info info = of(statement_kind::data, std::move(name));
  info.temporary = relation.text("relname");
  return info;
}

statement_info reindex(node const& stmt) {
  std::string const kind = stmt.enumeration("kind");
  if (has_option(stmt, "params", "concurrently"))
    return outside(statement_kind::maintenance, "REINDEX CONCURRENTLY");
  if (kind == "REINDEX_OBJECT_SYSTEM" || kind == "REINDEX_OBJECT_DATABASE")
    return outside(
        statement_kind::maintenance,
        "REINDEX " + std::string(kind == "REINDEX_OBJECT_SYSTEM" ? "SYSTEM" : "DATABASE"));
  return of(statement_kind::maintenance, "REINDEX");
}

statement_info alter_table(node const& stmt) {
  for (auto const& cmd : stmt.list("cmds")) {
    if (cmd["def"].is("PartitionCmd") && cmd["def"].flag("concurrent"))
      return outside(statement_kind::schema, "ALTER TABLE ... DETACH PARTITION CONCURRENTLY");
  }
  return of(statement_kind::schema, "ALTER TABLE");
}

/// Statements with nothing to look at beyond their node type.
std::optional<statement_info> by_type(std::string_view type) {
  struct entry {
    std::string_view type;
    statement_kind kind;
    bool outside;
    std::string_view name;
  };
  static constexpr std::array<entry, 31> table{{
      {"InsertStmt", statement_kind::data, false, "INSERT"},
      {"UpdateStmt", statement_kind::data, false, "UPDATE"},
      {"DeleteStmt", statement_kind::data, false, "DELETE"},
      {"MergeStmt", statement_kind::data, false, "MERGE"},
      {"CallStmt", statement_kind::data, false, "CALL"},
      {"ExplainStmt", statement_kind::data, false, "EXPLAIN"},
      {"NotifyStmt", statement_kind::data, false, "NOTIFY"},
      {"DoStmt", statement_kind::data, false, "DO"},
      {"ClusterStmt", statement_kind::maintenance, false, "CLUSTER"},
      {"RefreshMatViewStmt", statement_kind::maintenance, false, "REFRESH MATERIALIZED VIEW"},
      {"LockStmt", statement_kind::maintenance, false, "LOCK"},
      {"CheckPointStmt", statement_kind::maintenance, false, "CHECKPOINT"},
      {"GrantStmt", statement_kind::privileges, false, "GRANT"},
      {"GrantRoleStmt", statement_kind::privileges, false, "GRANT ROLE"},
      {"AlterOwnerStmt", statement_kind::privileges, false, "ALTER OWNER"},
      {"AlterDefaultPrivilegesStmt", statement_kind::privileges, false, "ALTER DEFAULT PRIVILEGES"},
      {"CreateRoleStmt", statement_kind::privileges, false, "CREATE ROLE"},
      {"AlterRoleStmt", statement_kind::privileges, false, "ALTER ROLE"},
      {"AlterRoleSetStmt", statement_kind::privileges, false, "ALTER ROLE SET"},
      {"DropRoleStmt", statement_kind::privileges, false, "DROP ROLE"},
      {"ReassignOwnedStmt", statement_kind::privileges, false, "REASSIGN OWNED"},
      {"SecLabelStmt", statement_kind::privileges, false, "SECURITY LABEL"},
      {"CreatedbStmt", statement_kind::schema, true, "CREATE DATABASE"},
      {"DropdbStmt", statement_kind::schema, true, "DROP DATABASE"},
      {"AlterSystemStmt", statement_kind::schema, true, "ALTER SYSTEM"},
      {"CreateTableSpaceStmt", statement_kind::schema, true, "CREATE TABLESPACE"},
      {"DropTableSpaceStmt", statement_kind::schema, true, "DROP TABLESPACE"},
      {"CreateSubscriptionStmt", statement_kind::schema, true, "CREATE SUBSCRIPTION"},
      {"DropSubscriptionStmt", statement_kind::schema, true, "DROP SUBSCRIPTION"},
      {"AlterDatabaseStmt", statement_kind::schema, false, "ALTER DATABASE"},
      {"AlterDatabaseSetStmt", statement_kind::schema, false, "ALTER DATABASE SET"},
  }};
  for (auto const& e : table) {
    if (e.type == type)
      return e.outside ? outside(e.kind, std::string(e.name)) : of(e.kind, std::string(e.name));
  }
  return std::nullopt;
}

/// The command-tag style name of a DDL node type: "CreateStmt" -> "CREATE TABLE" for the few
/// whose node name says too little, else the node name itself.
std::string ddl_name(node const& stmt) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> names{{
      {"CreateStmt", "CREATE TABLE"},
      {"IndexStmt", "CREATE INDEX"},
      {"DropStmt", "DROP"},
      {"RenameStmt", "ALTER ... RENAME"},
      {"CreateEnumStmt", "CREATE TYPE ... AS ENUM"},
      {"AlterEnumStmt", "ALTER TYPE"},
      {"CreateSeqStmt", "CREATE SEQUENCE"},
      {"AlterSeqStmt", "ALTER SEQUENCE"},
      {"ViewStmt", "CREATE VIEW"},
      {"CreateTableAsStmt", "CREATE TABLE AS"},
      {"CreateFunctionStmt", "CREATE FUNCTION"},
      {"CreateTrigStmt", "CREATE TRIGGER"},
      {"CommentStmt", "COMMENT"},
      {"CreateSchemaStmt", "CREATE SCHEMA"},
      {"CreateExtensionStmt", "CREATE EXTENSION"},
      {"AlterObjectSchemaStmt", "ALTER ... SET SCHEMA"},
      {"CreateDomainStmt", "CREATE DOMAIN"},
      {"CompositeTypeStmt", "CREATE TYPE"},
      {"CreateRangeStmt", "CREATE TYPE ... AS RANGE"},
      {"CreatePolicyStmt", "CREATE POLICY"},
      {"RuleStmt", "CREATE RULE"},
      {"DefineStmt", "CREATE"},
      {"AlterFunctionStmt", "ALTER FUNCTION"},
      {"AlterExtensionStmt", "ALTER EXTENSION"},
  }};
  for (auto const& [type, name] : names) {
    if (type == stmt.type()) return std::string(name);
  }
  return std::string(stmt.type());
}

}  // namespace

bool copies_from_client(node const& statement) {
  return statement.is("CopyStmt") && statement.flag("is_from") && !on_the_server(statement);
}

statement_info classify(node const& stmt) {
  std::string_view const type = stmt.type();
  if (type == "TransactionStmt") return transaction_control(stmt);
  if (type == "CopyStmt") return copy(stmt);
  if (type == "VariableSetStmt") return variable_set(stmt);
  if (type == "DiscardStmt")
    return session("DISCARD", "DISCARD resets the session",
                   "remove it; to drop your own temporary tables, drop them by name");
  if (type == "ListenStmt" || type == "UnlistenStmt")
    return session(type == "ListenStmt" ? "LISTEN" : "UNLISTEN", "LISTEN/UNLISTEN");
  if (type == "PrepareStmt" || type == "DeallocateStmt")
    return session("PREPARE", "a prepared statement lives as long as the session");
  if (type == "LoadStmt") return session("LOAD", "LOAD loads a library into the session");
  if (type == "DeclareCursorStmt" && (stmt.integer("options") & 0x0020) != 0)  // CURSOR_OPT_HOLD
    return session("DECLARE ... WITH HOLD", "a cursor WITH HOLD outlives the transaction");
  if (auto const f = session_function(stmt)) return *f;
  if (type == "AlterRoleSetStmt" || type == "AlterDatabaseSetStmt") {
    std::string const name = type == "AlterRoleSetStmt" ? "ALTER ROLE SET" : "ALTER DATABASE SET";
    if (auto const search_path = later_sessions_search_path(stmt, name)) return *search_path;
  }
  if (type == "CreateStmt" && temporary(stmt["relation"])) {
    if (stmt.enumeration("oncommit") == "ONCOMMIT_DROP")
      return of(statement_kind::data, "CREATE TEMPORARY TABLE");
    return temporary_object("CREATE TEMPORARY TABLE", stmt["relation"]);
  }
  if (type == "ViewStmt" && temporary(stmt["view"]))
    return temporary_object("CREATE TEMPORARY VIEW", stmt["view"]);
  if (type == "CreateSeqStmt" && temporary(stmt["sequence"]))
    return temporary_object("CREATE TEMPORARY SEQUENCE", stmt["sequence"]);
  if (type == "SelectStmt") {
    if (!stmt["intoClause"]) return of(statement_kind::data, "SELECT");
    if (temporary(stmt["intoClause"]["rel"]))
      return temporary_object("SELECT INTO TEMPORARY", stmt["intoClause"]["rel"]);
    return of(statement_kind::schema, "SELECT INTO");
  }
  if (type == "CreateTableAsStmt" && temporary(stmt["into"]["rel"])) {
    if (stmt["into"].enumeration("onCommit") == "ONCOMMIT_DROP")
      return of(statement_kind::data, "CREATE TEMPORARY TABLE AS");
    return temporary_object("CREATE TEMPORARY TABLE AS", stmt["into"]["rel"]);
  }
  if (type == "VacuumStmt") {
    if (stmt.flag("is_vacuumcmd")) return outside(statement_kind::maintenance, "VACUUM");
    return of(statement_kind::maintenance, "ANALYZE");
  }
  if (type == "ReindexStmt") return reindex(stmt);
  if (type == "IndexStmt" && stmt.flag("concurrent"))
    return outside(statement_kind::schema, "CREATE INDEX CONCURRENTLY");
  if (type == "DropStmt" && stmt.flag("concurrent"))
    return outside(statement_kind::schema, "DROP INDEX CONCURRENTLY");
  if (type == "AlterTableStmt") return alter_table(stmt);
  if (type == "ClusterStmt" && !stmt["relation"])
    return outside(statement_kind::maintenance, "CLUSTER");
  if (auto const known = by_type(type)) return *known;
  return of(statement_kind::schema, ddl_name(stmt));
}

}  // namespace migc::compiler::sql
