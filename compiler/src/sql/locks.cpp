// statement_lock: PostgreSQL 15's table locks of raw statements (docs: "Table-Level Locks").
#include "locks.hpp"

#include <algorithm>
#include <array>

namespace migc::compiler::sql {
namespace {

constexpr std::string_view access_exclusive = "ACCESS EXCLUSIVE";

/// PostgreSQL's lock modes, weakest first (LockStmt.mode numbers them 1..8 in this order).
constexpr std::array<std::string_view, 10> ranked{
    "none",  "ACCESS SHARE",        "ROW SHARE", "ROW EXCLUSIVE",    "SHARE UPDATE EXCLUSIVE",
    "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE", "unknown"};

std::size_t rank(std::string_view lock) {
  auto const it = std::find(ranked.begin(), ranked.end(), lock);
  return it == ranked.end() ? ranked.size() - 1 : static_cast<std::size_t>(it - ranked.begin());
}

/// ALTER TABLE subcommands weaker than ACCESS EXCLUSIVE (AlterTableGetLockLevel, tablecmds.c).
std::string_view subcommand_lock(node const& cmd) {
  std::string const sub = cmd.enumeration("subtype");
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> weaker{{
      {"AT_SetStatistics", "SHARE UPDATE EXCLUSIVE"},
      {"AT_SetOptions", "SHARE UPDATE EXCLUSIVE"},
      {"AT_ResetOptions", "SHARE UPDATE EXCLUSIVE"},
      {"AT_SetRelOptions", "SHARE UPDATE EXCLUSIVE"},
      {"AT_ResetRelOptions", "SHARE UPDATE EXCLUSIVE"},
      {"AT_ValidateConstraint", "SHARE UPDATE EXCLUSIVE"},
      {"AT_ClusterOn", "SHARE UPDATE EXCLUSIVE"},
      {"AT_DropCluster", "SHARE UPDATE EXCLUSIVE"},
      {"AT_AttachPartition", "SHARE UPDATE EXCLUSIVE"},
      {"AT_EnableTrig", "SHARE ROW EXCLUSIVE"},
      {"AT_DisableTrig", "SHARE ROW EXCLUSIVE"},
      {"AT_EnableAlwaysTrig", "SHARE ROW EXCLUSIVE"},
      {"AT_EnableReplicaTrig", "SHARE ROW EXCLUSIVE"},
      {"AT_DisableTrigAll", "SHARE ROW EXCLUSIVE"},
  }};
  for (auto const& [name, lock] : weaker) {
    if (name == sub) return lock;
  }
  if (sub == "AT_DetachPartition" && cmd["def"].flag("concurrent")) return "SHARE UPDATE EXCLUSIVE";
  // A foreign key blocks writes on both tables, not reads.
  if (sub == "AT_AddConstraint" && cmd["def"].enumeration("contype") == "CONSTR_FOREIGN")
    return "SHARE ROW EXCLUSIVE";
  return access_exclusive;
}

/// Subcommands that rewrite the table whatever the model says.
bool subcommand_rewrites(node const& cmd) {
  std::string const sub = cmd.enumeration("subtype");
  return sub == "AT_SetLogged" || sub == "AT_SetUnLogged" || sub == "AT_SetAccessMethod" ||
         sub == "AT_DropExpression";
}

lock_info alter_table_lock(node const& stmt) {
  lock_info out{"none", false};
  for (auto const& cmd : stmt.list("cmds")) {
    out.lock = stronger(out.lock, subcommand_lock(cmd));
    out.rewrites = out.rewrites || subcommand_rewrites(cmd);
  }
  return out;
}

/// Locks of statements whose node type says it all.
std::optional<lock_info> by_type(node const& stmt) {
  std::string_view const type = stmt.type();
  if (type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt" || type == "MergeStmt" ||
      type == "CopyStmt")
    return lock_info{"ROW EXCLUSIVE", false};
  if (type == "SelectStmt")
    return lock_info{stmt.list("lockingClause").empty() ? "ACCESS SHARE" : "ROW SHARE", false};
  if (type == "TruncateStmt") return lock_info{access_exclusive, true};
  if (type == "DoStmt" || type == "CallStmt") return lock_info{"unknown", false};
  if (type == "VacuumStmt") {
    bool full = false;
    for (auto const& option : stmt.list("options")) full = full || option.text("defname") == "full";
    return full ? lock_info{access_exclusive, true} : lock_info{"SHARE UPDATE EXCLUSIVE", false};
  }
  if (type == "ClusterStmt") return lock_info{access_exclusive, true};
  if (type == "ReindexStmt") {
    bool concurrently = false;
    for (auto const& option : stmt.list("params"))
      concurrently = concurrently || option.text("defname") == "concurrently";
    return lock_info{concurrently ? "SHARE UPDATE EXCLUSIVE" : access_exclusive, false};
  }
  if (type == "RefreshMatViewStmt")
    return lock_info{stmt.flag("concurrent") ? "EXCLUSIVE" : access_exclusive, false};
  if (type == "LockStmt") {
    auto const mode = static_cast<std::size_t>(stmt.integer("mode"));
    return lock_info{mode >= 1 && mode <= 8 ? ranked[mode] : access_exclusive, false};
  }
  if (type == "CreateTrigStmt") return lock_info{"SHARE ROW EXCLUSIVE", false};
  if (type == "CommentStmt") return lock_info{"SHARE UPDATE EXCLUSIVE", false};
  if (type == "CreatePolicyStmt" || type == "AlterPolicyStmt" || type == "RuleStmt")
    return lock_info{access_exclusive, false};
  if (type == "CreateStatsStmt") return lock_info{"SHARE UPDATE EXCLUSIVE", false};
  if (type == "GrantStmt" || type == "AlterOwnerStmt" || type == "CreateFunctionStmt" ||
      type == "ViewStmt" || type == "CreateSeqStmt" || type == "CreateEnumStmt" ||
      type == "AlterEnumStmt" || type == "CreateSchemaStmt" || type == "CreateExtensionStmt" ||
      type == "CreateDomainStmt" || type == "CompositeTypeStmt" || type == "CreateRangeStmt")
    return lock_info{"none", false};
  return std::nullopt;
}

/// Object changes the declarative lock table does not cover.
std::string_view change_lock(change::object_change const& c) {
  return std::visit(
      [](auto const& x) -> std::string_view {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, change::create_trigger>) return "SHARE ROW EXCLUSIVE";
        if constexpr (std::is_same_v<T, change::comment_on>) return "SHARE UPDATE EXCLUSIVE";
        if constexpr (std::is_same_v<T, change::create_sequence> ||
                      std::is_same_v<T, change::create_view> ||
                      std::is_same_v<T, change::create_function> ||
                      std::is_same_v<T, change::create_type> ||
                      std::is_same_v<T, change::rename_enum_value> ||
                      std::is_same_v<T, change::forget>)
          return "none";
        return access_exclusive;
      },
      c);
}

}  // namespace

std::string_view stronger(std::string_view a, std::string_view b) {
  return rank(a) >= rank(b) ? a : b;
}

lock_info statement_lock(raw_statement const& statement, translation const& t,
                         model::schema const& before) {
  node const root = statement.root();
  if (root.is("AlterTableStmt")) {
    lock_info out = alter_table_lock(root);
    for (auto const& c : t.changes) {
      if (auto const* step = std::get_if<dsl::ast::step>(&c))
        out.rewrites = out.rewrites || lock_of(*step, before).rewrites;
    }
    return out;
  }
  if (auto known = by_type(root)) return *known;
  lock_info out{"none", false};
  for (auto const& c : t.changes) {
    if (auto const* step = std::get_if<dsl::ast::step>(&c)) {
      auto const lock = lock_of(*step, before);
      out.lock = stronger(out.lock, lock.lock);
      out.rewrites = out.rewrites || lock.rewrites;
    } else {
      out.lock = stronger(out.lock, change_lock(std::get<change::object_change>(c)));
    }
  }
  return out;
}

}  // namespace migc::compiler::sql
