// The rules and lint warnings of upgrade steps; warnings name the marker that silences them.
#include "lint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <variant>

#include "render.hpp"
#include "replay.hpp"
#include "sql/expression.hpp"
#include "sql/pg_parser.hpp"
#include "sql/raw_sql.hpp"
#include "style_lint.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

constexpr std::string_view marker = "-- migc:allow(";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// Codes listed in one `-- migc:allow(a, b)` line.
void parse_marker(std::string_view line, std::vector<std::string>& codes) {
  if (line.substr(0, marker.size()) != marker) return;
  line.remove_prefix(marker.size());
  std::size_t const close = line.find(')');
  if (close == std::string_view::npos) return;
  line = line.substr(0, close);
  while (!line.empty()) {
    std::size_t const comma = line.find(',');
    codes.emplace_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
}

/// A rule or warning found at one place.
struct finding {
  dsl::severity level = dsl::severity::warning;
  std::string code;
  dsl::location where;
  std::string message;
  std::string help;
};

/// Reports `f` unless it is a warning that `allowed` (the codes of the markers above its
/// place) silences; a warning's help ends with the marker that would.
void report_finding(finding f, std::vector<std::string> const& allowed,
                    dsl::diagnostic_engine& out) {
  bool const warning = f.level == dsl::severity::warning;
  if (warning && std::count(allowed.begin(), allowed.end(), f.code)) return;
  if (warning)
    f.help +=
        fmt::format("; if intended, put '-- migc:allow({})' on the line above the step", f.code);
  dsl::diagnostic d;
  d.level = f.level;
  d.code = std::move(f.code);
  d.where = f.where;
  d.message = std::move(f.message);
  d.help = std::move(f.help);
  out.report(std::move(d));
}

/// The string a node is when it is a string constant (`'archived'`), else nothing.
std::optional<std::string> string_constant(sql::node const& n) {
  if (!n.is("A_Const") || !n["sval"]) return std::nullopt;
  return n["sval"].text("sval");
}

/// The enum type (schema, name) of column `column` of a table `statement` names, if any.
std::optional<model::object_key> enum_column_type(model::schema const& m,
                                                  std::vector<model::object_key> const& tables,
                                                  std::string const& column) {
  for (auto const& key : tables) {
    auto const t = m.tables.find(key);
    if (t == m.tables.end()) continue;
    auto const* c = t->second.find_column(column);
    if (!c || c->type.schema.empty()) continue;
    model::object_key const type{c->type.schema, c->type.name};
    if (m.enums.count(type)) return type;
  }
  return std::nullopt;
}

model::object_key relation_key(sql::node const& range_var) {
  std::string const schema = range_var.text("schemaname");
  return {schema.empty() ? "public" : schema, range_var.text("relname")};
}

/**
 * The places where `statement` uses a string constant as a value of an enum type: cast to it
 * (`'x'::mood`), assigned to a column of it (UPDATE SET, INSERT, SET DEFAULT), or compared with
 * one (`state = 'x'`). Each as (type, value, node); a literal that only meets text columns is
 * none of these (tests/language/good/case_enum_value_literal_false_positive).
 */
std::vector<std::tuple<model::object_key, std::string, sql::node>> enum_uses(
    model::schema const& m, sql::node const& statement) {
  std::vector<model::object_key> tables;
  for (auto const& r : sql::relations_in(statement)) tables.push_back(relation_key(r));
  std::vector<std::tuple<model::object_key, std::string, sql::node>> out;
  auto const use = [&](std::optional<model::object_key> const& type, sql::node const& value) {
    auto const text = string_constant(value);
    if (type && text) out.emplace_back(*type, *text, value);
  };
  auto const column_type = [&](sql::node const& ref) -> std::optional<model::object_key> {
    auto const fields = ref.list("fields");
    if (!ref.is("ColumnRef") || fields.empty()) return std::nullopt;
    return enum_column_type(m, tables, fields.back().string_value());
  };
  statement.walk([&](sql::node const& n) {
    if (n.is("TypeCast")) {
      auto names = n["typeName"].names("names");
      if (!names.empty()) {
        model::object_key const type{names.size() > 1 ? names[names.size() - 2] : "public",
                                     names.back()};
        if (m.enums.count(type)) use(type, n["arg"]);
      }
    } else if (n.is("A_Expr")) {
      use(column_type(n["lexpr"]), n["rexpr"]);
      use(column_type(n["rexpr"]), n["lexpr"]);
      for (auto const& item : n["rexpr"].list("items"))
        use(column_type(n["lexpr"]), item);  // IN (...)
    } else if (n.is("UpdateStmt")) {
      for (auto const& target : n.list("targetList"))
        use(enum_column_type(m, tables, target.text("name")), target["val"]);
    } else if (n.is("InsertStmt")) {
      auto const columns = n.list("cols");
      for (auto const& row : n["selectStmt"].list("valuesLists")) {
        auto const values = row.list("items");
        for (std::size_t i = 0; i < values.size() && i < columns.size(); ++i)
          use(enum_column_type(m, tables, columns[i].text("name")), values[i]);
      }
    } else if (n.is("ColumnDef")) {  // CREATE TABLE / ADD COLUMN ... DEFAULT 'x'
      auto const names = n["typeName"].names("names");
      if (!names.empty()) {
        model::object_key const type{names.size() > 1 ? names[names.size() - 2] : "public",
                                     names.back()};
        for (auto const& c : n.list("constraints")) {
          if (m.enums.count(type) && c.enumeration("contype") == "CONSTR_DEFAULT")
            use(type, c["raw_expr"]);
        }
      }
    } else if (n.is("AlterTableCmd") && n.enumeration("subtype") == "AT_ColumnDefault") {
      use(enum_column_type(m, tables, n.text("name")), n["def"]);
    }
    return true;
  });
  return out;
}

constexpr std::string_view new_value_help =
    "PostgreSQL cannot use a new enum value before the transaction that added it commits: move "
    "the use to a later revision, or mark this revision 'without transaction'";

/// The uses in `statement` (enum_uses) of values added in the revision being compiled, to the
/// types `added` (enums_with_values_added_in that revision: the callers ask the model first,
/// which is cheap, and read the statement only when it lists a type).
std::vector<std::tuple<model::object_key, std::string, sql::node>> new_enum_values_in(
    model::schema const& before, std::vector<model::object_key> const& added,
    sql::node const& statement, lint_context const& context) {
  std::vector<std::tuple<model::object_key, std::string, sql::node>> out;
  for (auto& use : enum_uses(before, statement)) {
    auto const& [type, value, at] = use;
    if (std::find(added.begin(), added.end(), type) == added.end()) continue;
    auto const& added_in = before.enums.at(type).value_added_in;
    auto const revision = added_in.find(value);
    if (revision != added_in.end() && revision->second == context.revision)
      out.push_back(std::move(use));
  }
  return out;
}

class linter {
 public:
  linter(ast::step const& step, model::schema const& before, lint_context const& context)
      : m_step(step),
        m_before(before),
        m_context(context),
        m_allowed(allowed_codes(*context.file, ast::node_of(step).where)) {
    m_allowed.insert(m_allowed.end(), context.allowed.begin(), context.allowed.end());
  }

  void run(std::string const& sql) {
    std::visit([&](auto const& s) { check(s); }, m_step);
    if (m_context.style) {
      for (auto& f : style_findings(m_step, m_before, m_context.from_sql, *m_context.style))
        report_finding({dsl::severity::warning,
                        std::move(f.code),
                        {m_context.file, f.where},
                        std::move(f.message),
                        std::move(f.help)},
                       m_allowed, *m_context.out);
    }
    // Raw SQL gets the parse-tree rule (new_enum_values_used_in).
    if (!m_context.from_sql) check_enum_values(sql);
  }

 private:
  void report(dsl::severity level, std::string code, ast::node const& at, std::string message,
              std::string help) {
    report_finding(
        {level, std::move(code), {m_context.file, at.where}, std::move(message), std::move(help)},
        m_allowed, *m_context.out);
  }

  /// A table created in an earlier revision holds data and serves traffic.
  [[nodiscard]] bool existing_table(ast::qualified_name const& name) const {
    auto const it = m_before.tables.find(key_of(name));
    if (it == m_before.tables.end()) return !m_before.complete;
    return it->second.defined.revision < m_context.revision;
  }

  void check_not_null_default(ast::add_column_step const& s) {
    bool not_null = false;
    bool filled = is_serial(normalized(s.type).name);
    for (auto const& c : s.constraints) {
      if (auto const* n = std::get_if<ast::nullability>(&c)) not_null = n->not_null;
      if (auto const* k = std::get_if<ast::key_marker>(&c)) not_null = not_null || k->primary;
      filled = filled || std::holds_alternative<ast::default_value>(c) ||
               std::holds_alternative<ast::identity_clause>(c);
    }
    if (not_null && !filled && existing_table(s.column.table)) {
      report(dsl::severity::warning, "not-null-without-default", s,
             fmt::format("not null column '{}' without a default fails on a table that has rows",
                         s.column.column.name),
             "add a default, or add the column nullable, backfill it, then 'set not null'");
    }
  }

  /// Functions PostgreSQL marks volatile (pg_proc.provolatile = 'v') that defaults commonly
  /// call; a volatile default fills every existing row by a table rewrite (PostgreSQL 15 docs,
  /// ALTER TABLE, Notes).
  void check(ast::add_column_step const& s) {
    check_not_null_default(s);
    if (!existing_table(s.column.table)) return;
    for (auto const& c : s.constraints) {
      auto const* d = std::get_if<ast::default_value>(&c);
      if (!d || !sql::calls_volatile(d->expression.text)) continue;
      report(dsl::severity::warning, "volatile-default", s,
             fmt::format("the volatile default of '{}.{}' fills every existing row: the table is "
                         "rewritten under an ACCESS EXCLUSIVE lock",
                         s.column.table.name, s.column.column.name),
             "add the column without a default (or with a constant one), set the default in "
             "another step, then backfill the existing rows in batches");
    }
  }

  void check(ast::rename_column_step const& s) {
    if (!existing_table(s.column.table)) return;
    report(dsl::severity::warning, "rename-column", s,
           fmt::format("renaming column '{}.{}' breaks the deployed code that still reads it",
                       s.column.table.name, s.column.column.name),
           "add the new column, write both, backfill, move the readers, then drop the old one");
  }

  void check(ast::rename_table_step const& s) {
    if (!existing_table(s.table)) return;
    report(dsl::severity::warning, "rename-table", s,
           fmt::format("renaming table '{}' breaks the deployed code that still reads it",
                       s.table.name),
           "create the new table (or a view under the new name) and move the readers first");
  }

  void check(ast::create_index_step const& s) {
    if (s.concurrently) {
      require_no_transaction(s, "create index concurrently");
    } else if (m_context.from_sql && existing_table(s.table)) {
      // A declarative `create index` on such a table is built concurrently (safe_plan.hpp).
      report(dsl::severity::warning, "index-not-concurrent", s,
             fmt::format("index '{}' is built without 'concurrently' and blocks writes to '{}' "
                         "while it builds",
                         s.name.name, s.table.name),
             "write the declarative step 'create index', which migc builds concurrently in a "
             "phase of its own, or CREATE INDEX CONCURRENTLY in a revision marked 'without "
             "transaction'");
    }
  }

  void check(ast::drop_index_step const& s) {
    if (s.concurrently) require_no_transaction(s, "drop index concurrently");
  }

  void require_no_transaction(ast::node const& at, std::string_view what) {
    if (!m_context.transactional || m_context.from_sql) return;
    report(dsl::severity::error, "concurrently-in-transaction", at,
           fmt::format("'{}' cannot run inside a transaction block, and this revision runs in one",
                       what),
           "leave 'concurrently' out: on a table an earlier revision created, migc runs the "
           "index build concurrently in a phase of its own; or mark the revision 'without "
           "transaction'");
  }

  /// Batches commit one by one: they need a revision whose phases the runtime records.
  void check(ast::backfill_step const& s) {
    if (m_context.transactional) return;
    report(dsl::severity::error, "backfill-without-transaction", s,
           "a backfill cannot run in a revision marked 'without transaction'",
           "move the backfill to a revision without 'without transaction': it runs there in "
           "batches outside the revision's DDL transaction");
  }

  void check(ast::alter_column_step const& s) {
    auto const* n = std::get_if<ast::set_not_null>(&s.action);
    if (n && n->not_null && m_context.from_sql && existing_table(s.column.table)) {
      // The declarative step goes through a validated check instead (safe_plan.hpp).
      report(dsl::severity::warning, "set-not-null", s,
             fmt::format("SET NOT NULL on '{}.{}' scans the whole table under an ACCESS "
                         "EXCLUSIVE lock",
                         s.column.table.name, s.column.column.name),
             "write the declarative step 'alter column ... set not null', which migc runs "
             "through a NOT VALID check validated in a phase of its own");
    }
    if (!std::holds_alternative<ast::set_type>(s.action)) return;
    if (!lock_of(m_step, m_before).rewrites || !existing_table(s.column.table)) return;
    report(
        dsl::severity::warning, "table-rewrite", s,
        fmt::format(
            "changing the type of '{}.{}' rewrites the whole table under an ACCESS EXCLUSIVE lock",
            s.column.table.name, s.column.column.name),
        "add a new column, backfill it in batches, then swap the columns");
  }

  void check(ast::drop_column_step const& s) {
    report(dsl::severity::warning, "drop-column", s,
           fmt::format("dropping column '{}.{}' deletes its data", s.column.table.name,
                       s.column.column.name),
           "make sure no deployed code still reads it");
  }

  void check(ast::drop_table_step const& s) {
    report(dsl::severity::warning, "drop-table", s,
           fmt::format("dropping table '{}' deletes its data", s.table.name),
           "make sure no deployed code still reads it");
  }

  template <typename Step>
  void check(Step const&) {}

  /// PostgreSQL refuses a new enum value before the transaction that added it commits: the
  /// step's statement, read like raw SQL (new_enum_values_in).
  void check_enum_values(std::string const& sql) {
    if (!m_context.transactional || std::holds_alternative<ast::add_enum_value_step>(m_step))
      return;
    auto const added = m_before.enums_with_values_added_in(m_context.revision);
    if (added.empty()) return;  // before the parse: this runs for every declarative step
    auto const parsed = sql::parse(sql);
    if (!parsed.problems.empty() || parsed.statements.size() != 1) return;
    for (auto const& [type, value, at] : new_enum_values_in(
             m_before, added, sql::node(parsed.statements.front().tree), m_context)) {
      report(dsl::severity::error, "enum-value-same-revision", ast::node_of(m_step),
             fmt::format("enum value '{}' of type '{}' is used in the revision that adds it", value,
                         model::qualified(type)),
             std::string(new_value_help));
    }
  }

  ast::step const& m_step;
  model::schema const& m_before;
  lint_context const& m_context;
  std::vector<std::string> m_allowed;
};

}  // namespace

std::vector<std::string> allowed_codes(dsl::source_file const& file, dsl::span where) {
  std::vector<std::string> codes;
  std::uint32_t line = file.position(where.begin).line;
  while (line > 1) {
    std::string_view const text = trim(file.line_text(--line));
    if (text.substr(0, 2) != "--") break;
    parse_marker(text, codes);
  }
  return codes;
}

namespace {

/// PostgreSQL refuses a new enum value before the transaction that added it commits
/// ("unsafe use of new value"): a raw statement of the same transactional revision using it.
void new_enum_values_used_in(sql::raw_statement const& statement, model::schema const& before,
                             lint_context const& context) {
  if (!context.transactional) return;
  auto const added = before.enums_with_values_added_in(context.revision);
  if (added.empty()) return;
  for (auto const& [type, value, at] :
       new_enum_values_in(before, added, statement.root(), context)) {
    dsl::diagnostic d;
    d.code = "enum-value-same-revision";
    d.where = {context.file, statement.at(at, static_cast<std::uint32_t>(value.size() + 2))};
    d.message = fmt::format("enum value '{}' of type '{}' is used in the revision that adds it",
                            value, model::qualified(type));
    d.help = std::string(new_value_help);
    context.out->report(std::move(d));
  }
}

/// A table created in an earlier revision (or one the model does not know) serves traffic.
bool live_table(model::schema const& before, model::object_key const& key,
                lint_context const& context) {
  auto const it = before.tables.find(key);
  if (it == before.tables.end()) return !before.complete;
  return it->second.defined.revision < context.revision;
}

/// What one raw statement does to a table that serves traffic, as lint findings
/// (docs/language.md, "Online safety"): constraints added without NOT VALID or
/// without a concurrently built index, VALIDATE in the transaction of its NOT
/// VALID, stored generated columns, DROP INDEX without CONCURRENTLY.
std::vector<finding> online_findings(sql::raw_statement const& statement,
                                     model::schema const& before, lint_context const& context) {
  std::vector<finding> out;
  sql::node const root = statement.root();
  auto const add = [&](std::string code, sql::node const& at, std::string message,
                       std::string help) {
    out.push_back({dsl::severity::warning,
                   std::move(code),
                   {context.file, statement.at(at, 1)},
                   std::move(message),
                   std::move(help)});
  };
  if (root.is("DropStmt") && root.enumeration("removeType") == "OBJECT_INDEX" &&
      !root.flag("concurrent") && context.transactional) {
    add("index-not-concurrent", root,
        "DROP INDEX without CONCURRENTLY blocks reads and writes of "
        "its table until it commits",
        "write the declarative step 'drop index', which migc runs concurrently in a phase of "
        "its own, or DROP INDEX CONCURRENTLY in a revision marked 'without transaction'");
  }
  if (!root.is("AlterTableStmt") || root.enumeration("objtype") != "OBJECT_TABLE") return out;
  model::object_key const table = relation_key(root["relation"]);
  if (!live_table(before, table, context)) return out;
  std::string const shown = model::qualified(table);
  for (auto const& cmd : root.list("cmds")) {
    std::string const sub = cmd.enumeration("subtype");
    sql::node const def = cmd["def"];
    if (sub == "AT_AddConstraint") {
      std::string const kind = def.enumeration("contype");
      bool const validated = !def.flag("skip_validation");
      if ((kind == "CONSTR_FOREIGN" || kind == "CONSTR_CHECK") && validated) {
        add("constraint-not-valid", cmd,
            fmt::format("adding a {} to '{}' without NOT VALID scans the table while it holds "
                        "a lock that blocks writes",
                        kind == "CONSTR_FOREIGN" ? "foreign key" : "check", shown),
            "add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction; or write the "
            "declarative step 'add constraint', which migc plans that way");
      }
      if ((kind == "CONSTR_UNIQUE" || kind == "CONSTR_PRIMARY") && def.text("indexname").empty()) {
        add("unique-not-concurrent", cmd,
            fmt::format("adding a {} to '{}' builds its index under an ACCESS EXCLUSIVE lock",
                        kind == "CONSTR_PRIMARY" ? "primary key" : "unique constraint", shown),
            "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX; or write the "
            "declarative step 'add constraint', which migc plans that way");
      }
    }
    if (sub == "AT_ValidateConstraint" && context.transactional) {
      auto const t = before.tables.find(table);
      auto const* c =
          t == before.tables.end() ? nullptr : t->second.find_constraint(cmd.text("name"));
      if (c && c->defined.revision == context.revision) {
        add("validate-in-same-transaction", cmd,
            fmt::format("constraint '{}' is validated in the transaction that added it NOT VALID: "
                        "the ACCESS EXCLUSIVE lock of the ADD is held through the whole scan",
                        cmd.text("name")),
            "validate it in a later revision, or write the declarative step 'add constraint', "
            "whose VALIDATE migc runs in a phase of its own");
      }
    }
    if (sub == "AT_AddColumn") {
      for (auto const& c : def.list("constraints")) {
        if (c.enumeration("contype") != "CONSTR_GENERATED") continue;
        add("generated-column", cmd,
            fmt::format("adding the stored generated column '{}' rewrites '{}' under an ACCESS "
                        "EXCLUSIVE lock",
                        def.text("colname"), shown),
            "add a plain column, fill it with a backfill step and keep it current with a "
            "trigger; or accept the rewrite on a small table");
      }
    }
  }
  return out;
}

}  // namespace

std::string enum_value_entry(model::object_key const& type, std::string const& value) {
  return model::qualified(type) + " " + quote_literal(value);
}

std::vector<std::string> added_enum_values_used(sql::raw_statement const& statement,
                                                model::schema const& before) {
  std::vector<std::string> out;
  for (auto const& [type, value, at] : enum_uses(before, statement.root())) {
    auto const e = before.enums.find(type);
    if (e == before.enums.end() || !e->second.value_added_in.count(value)) continue;
    std::string entry = enum_value_entry(type, value);
    if (std::find(out.begin(), out.end(), entry) == out.end()) out.push_back(std::move(entry));
  }
  return out;
}

void lint_statement(sql::raw_statement const& statement, model::schema const& before,
                    lint_context const& context) {
  new_enum_values_used_in(statement, before, context);
  auto allowed = allowed_codes(*context.file, statement.where);
  auto const above_step = allowed_codes(*context.file, statement.step);
  allowed.insert(allowed.end(), above_step.begin(), above_step.end());
  for (auto& f : online_findings(statement, before, context))
    report_finding(std::move(f), allowed, *context.out);
  std::string deleted;
  statement.root().walk([&](sql::node const& n) {
    if (n.is("DeleteStmt")) deleted = "DELETE";
    if (n.is("TruncateStmt")) deleted = "TRUNCATE";
    return deleted.empty();
  });
  if (deleted.empty()) return;
  report_finding({dsl::severity::warning,
                  "data-deletion",
                  {context.file, statement.where},
                  fmt::format("raw sql deletes data ({})", deleted),
                  "deletes belong in an operational task, not in a migration"},
                 allowed, *context.out);
}

void lint_step(ast::step const& step, std::string const& sql, model::schema const& before,
               lint_context const& context) {
  linter(step, before, context).run(sql);
}

}  // namespace migc::compiler
