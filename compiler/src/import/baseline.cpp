// build_baseline: statements in, revision steps out; declarative where nothing is lost, folded
// the way a person writes a schema by hand.
#include "baseline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "../naming.hpp"
#include "../overloaded.hpp"
#include "../replay_base.hpp"
#include "../sql/expression.hpp"
#include "../sql/translate.hpp"
#include "../types.hpp"
#include "fidelity.hpp"

namespace migc::compiler::import {
namespace {

namespace ast = dsl::ast;
using model::object_key;
using sql::node;

/// One step being built: declarative, or one raw statement with the reason it is raw.
struct item {
  std::optional<ast::step> step;
  std::string sql;
  std::string why;
  bool removed = false;
};

/// A CREATE SEQUENCE, and whether it is exactly what a serial column makes.
struct sequence_candidate {
  std::size_t item = 0;
  std::string type = "bigint";
  bool plain = true;  ///< every option PostgreSQL's default (START 1, INCREMENT 1, CACHE 1, ...)
  std::optional<std::pair<object_key, std::string>> owner;
  std::optional<std::size_t> owner_item;
  std::string name;  ///< SEQUENCE NAME of an identity column's options, as written
};

/// What kind of object a statement makes, as the summary counts it; "" for a change.
std::string label_of(node const& root) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> labels{{
      {"CreateStmt", "table"},
      {"IndexStmt", "index"},
      {"CreateSeqStmt", "sequence"},
      {"ViewStmt", "view"},
      {"CreateTrigStmt", "trigger"},
      {"CreateEnumStmt", "type"},
      {"CreateDomainStmt", "domain"},
      {"CompositeTypeStmt", "type"},
      {"CreateRangeStmt", "type"},
      {"CreateSchemaStmt", "schema"},
      {"CreateExtensionStmt", "extension"},
      {"CommentStmt", "comment"},
      {"RuleStmt", "rule"},
      {"CreatePolicyStmt", "policy"},
  }};
  for (auto const& [type, label] : labels) {
    if (root.is(type)) return std::string(label);
  }
  if (root.is("CreateFunctionStmt")) return root.flag("is_procedure") ? "procedure" : "function";
  if (root.is("CreateTableAsStmt"))
    return root.enumeration("objtype") == "OBJECT_MATVIEW" ? "materialized view" : "table";
  if (root.is("DefineStmt") && root.enumeration("kind") == "OBJECT_AGGREGATE") return "aggregate";
  if (root.is("AlterTableStmt")) {
    for (auto const& cmd : root.list("cmds")) {
      if (cmd.enumeration("subtype") == "AT_AddConstraint") return "constraint";
    }
  }
  return {};
}

/// Why a statement the declarative steps cannot say at all is raw SQL.
std::string why_raw(node const& root, sql::translation const& t) {
  for (auto const& c : t.changes) {
    auto const* o = std::get_if<change::object_change>(&c);
    if (auto const* f = o ? std::get_if<change::forget>(o) : nullptr) return f->why;
  }
  if (root.is("CreateFunctionStmt"))
    return root.flag("is_procedure") ? "the language has no procedure step"
                                     : "the language has no function step";
  if (root.is("ViewStmt") || root.is("CreateTableAsStmt")) return "the language has no view step";
  if (root.is("CreateTrigStmt")) return "the language has no trigger step";
  if (root.is("CreateSeqStmt") || root.is("AlterSeqStmt"))
    return "the language has no sequence step (serial and identity columns make their own)";
  if (root.is("CreateDomainStmt") || root.is("CompositeTypeStmt") || root.is("CreateRangeStmt"))
    return "the language creates enum types only";
  return "the language has no step for " + sql::classify(root).name;
}

/// The options of CREATE SEQUENCE (or of an identity column): whether they are all PostgreSQL's
/// defaults, the sequence a serial or identity column would make.
void read_sequence_options(node const& root, sequence_candidate& c) {
  for (auto const& option : root.list("options")) {
    std::string const name = option.text("defname");
    node const arg = option["arg"];
    if (name == "as") {
      auto names = arg.names("names");
      c.type = names.empty() ? "?" : std::string(builtin_type(names.back()).value_or(names.back()));
    } else if (name == "start" || name == "increment" || name == "cache") {
      c.plain = c.plain && arg.is("Integer") && arg.integer("ival") == 1;
    } else if (name == "minvalue" || name == "maxvalue") {
      c.plain = c.plain && !arg;  // NO MINVALUE / NO MAXVALUE
    } else if (name == "cycle") {
      c.plain = c.plain && !arg.flag("boolval");
    } else if (name == "sequence_name") {
      auto const names = arg.names("items");
      c.name = names.empty() ? std::string() : names.back();
    } else if (name != "owned_by") {
      c.plain = false;
    }
  }
}

ast::column_def* find_column(ast::create_table_step& table, std::string const& name) {
  for (auto& e : table.elements) {
    auto* c = std::get_if<ast::column_def>(&e);
    if (c && c->name.name == name) return c;
  }
  return nullptr;
}

template <typename Constraint>
void remove_constraints(ast::column_def& c) {
  auto& cs = c.constraints;
  cs.erase(std::remove_if(cs.begin(), cs.end(),
                          [](auto const& k) { return std::holds_alternative<Constraint>(k); }),
           cs.end());
}

/// True when a primary key or unique constraint of `table` has exactly `columns` (none: the
/// primary key).
bool has_key(ast::create_table_step const& table, std::vector<ast::identifier> const& columns) {
  std::set<std::string> wanted;
  for (auto const& c : columns) wanted.insert(c.name);
  for (auto const& e : table.elements) {
    if (auto const* c = std::get_if<ast::column_def>(&e)) {
      for (auto const& k : c->constraints) {
        auto const* key = std::get_if<ast::key_marker>(&k);
        if (key && ((wanted.empty() && key->primary) || wanted == std::set{c->name.name}))
          return true;
      }
    } else if (auto const* t = std::get_if<ast::table_constraint>(&e)) {
      auto const* key = std::get_if<ast::key_columns>(&t->body);
      if (!key) continue;
      std::set<std::string> have;
      for (auto const& c : key->columns) have.insert(c.name);
      if ((wanted.empty() && key->primary) || have == wanted) return true;
    }
  }
  return false;
}

/// Types as the language names them (`int8` -> `bigint`); index builds never concurrent in a
/// baseline (its tables are new).
void prepare(ast::step& step) {
  std::visit(overloaded{
                 [](ast::create_table_step& s) {
                   for (auto& e : s.elements) {
                     if (auto* c = std::get_if<ast::column_def>(&e)) c->type = normalized(c->type);
                   }
                 },
                 [](ast::add_column_step& s) { s.type = normalized(s.type); },
                 [](ast::create_index_step& s) { s.concurrently = false; },
                 [](auto&) {},
             },
             step);
}

class builder {
 public:
  explicit builder(model::schema const& model) : m_model(model) {}

  baseline run(std::vector<sql::raw_statement> const& statements) {
    for (auto const& s : statements) add(s);
    fold_serials();
    return finish();
  }

 private:
  void count(std::string const& label, bool declarative) {
    if (label.empty()) return;
    auto& c = m_out.objects[label];
    (declarative ? c.declarative : c.raw) += 1;
  }

  void add(sql::raw_statement const& s) {
    node const root = s.root();
    std::string const label = label_of(root);
    if (root.is("CommentStmt")) {
      m_comments.push_back(s.sql);
      return count(label, false);
    }
    auto const t = sql::translate(s);
    std::vector<ast::step> steps;
    bool only_steps = !t.changes.empty();
    for (auto const& c : t.changes) {
      if (auto const* step = std::get_if<ast::step>(&c)) {
        steps.push_back(*step);
      } else {
        only_steps = false;
      }
    }
    if (only_steps) {
      for (auto& step : steps) prepare(step);
      auto const lost = lost_by(s, steps);
      if (!lost) {
        for (auto& step : steps) place(std::move(step));
        return count(label, true);
      }
      return raw(s, "the language cannot say " + *lost, label);
    }
    if (fold_identity(root)) return;
    raw(s, why_raw(root, t), label);
  }

  void raw(sql::raw_statement const& s, std::string why, std::string const& label) {
    node const root = s.root();
    std::size_t const at = m_items.size();
    m_items.push_back({std::nullopt, s.sql, std::move(why), false});
    count(label, false);
    // A raw change of a table's columns: constraints may no longer move up into its CREATE TABLE.
    if (root.is("AlterTableStmt")) m_dirty.insert(key_of_relation(root["relation"]));
    if (root.is("CreateFunctionStmt")) note_function(root, at);
    if (root.is("CreateSeqStmt")) {
      sequence_candidate c;
      c.item = at;
      read_sequence_options(root, c);
      if (auto const owner = owner_of(root)) {
        c.owner = owner;
        c.owner_item = at;
      }
      m_sequences[key_of_relation(root["sequence"])] = c;
    }
    if (root.is("AlterSeqStmt")) note_owner(root, at);
  }

  static object_key key_of_relation(node const& range_var) {
    std::string const schema = range_var.text("schemaname");
    return {schema.empty() ? "public" : schema, range_var.text("relname")};
  }

  /// OWNED BY table.column of CREATE/ALTER SEQUENCE.
  static std::optional<std::pair<object_key, std::string>> owner_of(node const& root) {
    for (auto const& option : root.list("options")) {
      if (option.text("defname") != "owned_by") continue;
      auto names = option["arg"].names("items");
      if (names.size() < 2) return std::nullopt;
      std::string const column = names.back();
      names.pop_back();
      std::string const table = names.back();
      std::string const schema = names.size() >= 2 ? names[names.size() - 2] : "public";
      return std::make_pair(object_key{schema, table}, column);
    }
    return std::nullopt;
  }

  void note_owner(node const& root, std::size_t at) {
    auto const it = m_sequences.find(key_of_relation(root["sequence"]));
    auto const owner = owner_of(root);
    if (it == m_sequences.end() || !owner || root.list("options").size() != 1) return;
    it->second.owner = owner;
    it->second.owner_item = at;
  }

  void note_function(node const& root, std::size_t at) {
    auto const names = root.names("funcname");
    if (!names.empty()) m_functions.emplace(names.back(), at);
    bool sql_language = false;
    for (auto const& option : root.list("options")) {
      if (option.text("defname") == "language")
        sql_language = option["arg"].string_value() == "sql";
    }
    // A body in quotes is checked at creation time (check_function_bodies), BEGIN ATOMIC always.
    if (sql_language && !root["sql_body"]) m_sql_functions = true;
  }

  // ------------------------------------------------------------ placing and folding

  void place(ast::step step) {
    if (auto* table = std::get_if<ast::create_table_step>(&step)) {
      name_checks(*table);
      m_hosts[key_of(table->table)] = m_items.size();
    } else if (auto* c = std::get_if<ast::add_constraint_step>(&step)) {
      if (fold_constraint(*c)) return;
    } else if (auto* a = std::get_if<ast::alter_column_step>(&step)) {
      if (fold_column(*a)) return;
    }
    m_items.push_back({std::move(step), {}, {}, false});
  }

  /// Unnamed table checks under the names PostgreSQL gave them (the language needs a name).
  void name_checks(ast::create_table_step& table) {
    auto const it = m_model.tables.find(key_of(table.table));
    if (it == m_model.tables.end()) return;
    for (auto& e : table.elements) {
      auto* t = std::get_if<ast::table_constraint>(&e);
      auto const* check = t ? std::get_if<ast::check_clause>(&t->body) : nullptr;
      if (!check || t->name) continue;
      for (auto const& c : it->second.constraints) {
        if (c.kind == model::constraint_kind::check && c.check_sql == check->expression.text) {
          t->name.emplace();
          t->name->name = c.name;
        }
      }
    }
  }

  /// The CREATE TABLE of `key` when later statements may fold into it.
  ast::create_table_step* host(object_key const& key, std::size_t* at = nullptr) {
    auto const it = m_hosts.find(key);
    if (it == m_hosts.end() || m_dirty.count(key)) return nullptr;
    if (at) *at = it->second;
    return std::get_if<ast::create_table_step>(&*m_items[it->second].step);
  }

  bool fold_constraint(ast::add_constraint_step const& s) {
    std::size_t at = 0;
    auto* table = host(key_of(s.table), &at);
    if (!table) return false;
    if (auto const* fk = std::get_if<ast::foreign_key>(&s.body)) {
      object_key const target = key_of(fk->references.table);
      std::size_t target_at = 0;
      auto const* referenced = host(target, &target_at);
      if (!referenced || target_at > at || !has_key(*referenced, fk->references.columns))
        return false;
    }
    ast::table_constraint c;
    if (!s.name.name.empty()) c.name = s.name;
    c.body = s.body;
    table->elements.emplace_back(std::move(c));
    name_checks(*table);
    return true;
  }

  /// True when what a default reads (sequences, functions) exists before item `at`.
  bool ready_before(std::string const& text, std::size_t at) const {
    if (auto const sequence = replay_support::sequence_of_default(text)) {
      auto const it = m_sequences.find(*sequence);
      if (it != m_sequences.end() && it->second.item > at) return false;
    }
    auto const parsed = sql::parse_expression(text);
    if (auto const* e = std::get_if<sql::expression>(&parsed)) {
      for (auto const& f : e->functions) {
        auto const it = m_functions.find(f);
        if (it != m_functions.end() && it->second > at) return false;
      }
    }
    return true;
  }

  bool fold_column(ast::alter_column_step const& s) {
    std::size_t at = 0;
    auto* table = host(key_of(s.column.table), &at);
    auto* column = table ? find_column(*table, s.column.column.name) : nullptr;
    if (!column) return false;
    if (auto const* d = std::get_if<ast::set_default>(&s.action)) {
      if (d->expression && !ready_before(d->expression->text, at)) return false;
      remove_constraints<ast::default_value>(*column);
      if (d->expression) column->constraints.emplace_back(ast::default_value{{}, *d->expression});
      return true;
    }
    if (auto const* n = std::get_if<ast::set_not_null>(&s.action)) {
      remove_constraints<ast::nullability>(*column);
      column->constraints.emplace_back(ast::nullability{{}, n->not_null});
      return true;
    }
    return false;
  }

  /// ALTER TABLE ... ALTER COLUMN c ADD GENERATED ... AS IDENTITY with every sequence option
  /// PostgreSQL's default (as pg_dump writes identity columns): the column's identity clause.
  bool fold_identity(node const& root) {
    if (!root.is("AlterTableStmt") || root.list("cmds").size() != 1) return false;
    node const cmd = root.list("cmds").front();
    if (cmd.enumeration("subtype") != "AT_AddIdentity") return false;
    object_key const key = key_of_relation(root["relation"]);
    auto* table = host(key);
    auto* column = table ? find_column(*table, cmd.text("name")) : nullptr;
    if (!column) return false;
    node const def = cmd["def"];
    sequence_candidate options;
    read_sequence_options(def, options);
    if (!options.plain ||
        (!options.name.empty() && options.name != choose_name(key.second, column->name.name, "seq",
                                                              std::vector<std::string>{})))
      return false;
    ast::identity_clause identity;
    identity.always = def.text("generated_when") != "d";
    column->constraints.emplace_back(identity);
    return true;
  }

  /// A plain sequence owned by a NOT NULL integer column whose default reads it, under the name
  /// PostgreSQL gives a serial column's sequence, is that column's serial type.
  void fold_serials() {
    for (auto const& [key, c] : m_sequences) {
      if (!c.plain || !c.owner || m_items[c.item].removed) continue;
      auto const& [table_key, column_name] = *c.owner;
      auto const hosted = m_hosts.find(table_key);
      if (hosted == m_hosts.end()) continue;
      auto* table = std::get_if<ast::create_table_step>(&*m_items[hosted->second].step);
      auto* column = find_column(*table, column_name);
      if (!column || key.first != table_key.first ||
          key.second !=
              choose_name(table_key.second, column_name, "seq", std::vector<std::string>{}))
        continue;
      auto const serial = serial_type(normalized(column->type), c.type);
      if (!serial || !is_not_null(*column)) continue;
      auto const default_at = default_reading(*column, table_key, column_name, key);
      if (!default_at) continue;
      column->type = ast::type_name{};
      column->type.name = *serial;
      remove_constraints<ast::default_value>(*column);
      remove_constraints<ast::nullability>(*column);
      m_items[c.item].removed = true;
      if (c.owner_item) m_items[*c.owner_item].removed = true;
      if (*default_at != no_item) m_items[*default_at].removed = true;
      m_out.objects["sequence"].raw -= 1;
    }
  }

  static constexpr std::size_t no_item = ~std::size_t{0};

  /// Where the column's default reads `sequence`: in the column (no_item), or the index of the
  /// ALTER COLUMN ... SET DEFAULT item that sets it; nothing when it does not.
  std::optional<std::size_t> default_reading(ast::column_def const& column, object_key const& table,
                                             std::string const& name,
                                             object_key const& sequence) const {
    for (auto const& k : column.constraints) {
      auto const* d = std::get_if<ast::default_value>(&k);
      if (d && replay_support::sequence_of_default(d->expression.text) == sequence) return no_item;
    }
    for (std::size_t i = 0; i < m_items.size(); ++i) {
      auto const& it = m_items[i];
      auto const* a = it.step ? std::get_if<ast::alter_column_step>(&*it.step) : nullptr;
      if (!a || it.removed || key_of(a->column.table) != table || a->column.column.name != name)
        continue;
      auto const* d = std::get_if<ast::set_default>(&a->action);
      if (d && d->expression &&
          replay_support::sequence_of_default(d->expression->text) == sequence)
        return i;
    }
    return std::nullopt;
  }

  static bool is_not_null(ast::column_def const& column) {
    return std::any_of(column.constraints.begin(), column.constraints.end(), [](auto const& k) {
      auto const* n = std::get_if<ast::nullability>(&k);
      return n && n->not_null;
    });
  }

  /// `serial`, `bigserial` or `smallserial` when a column of `type` and a sequence of
  /// `sequence_type` are what that serial type makes.
  static std::optional<std::string> serial_type(ast::type_name const& type,
                                                std::string const& sequence_type) {
    if (!type.schema.empty() || !type.modifiers.empty() || type.array_dims != 0)
      return std::nullopt;
    if (type.name != sequence_type) return std::nullopt;
    if (type.name == "integer") return "serial";
    if (type.name == "bigint") return "bigserial";
    if (type.name == "smallint") return "smallserial";
    return std::nullopt;
  }

  // ------------------------------------------------------------ the steps

  baseline finish() {
    if (m_sql_functions) {
      m_out.steps.push_back(
          {{"as pg_dump does: SQL function bodies are checked when they run, not when they are",
            "created, since a function may read tables created further down"},
           std::vector<std::string>{"SET LOCAL check_function_bodies = false"}});
    }
    std::string last_why;
    for (auto const& it : m_items) {
      if (it.removed) continue;
      if (it.step) {
        m_out.steps.push_back({{}, *it.step});
        last_why.clear();
        continue;
      }
      auto* previous = m_out.steps.empty()
                           ? nullptr
                           : std::get_if<std::vector<std::string>>(&m_out.steps.back().what);
      if (previous && it.why == last_why) {
        previous->push_back(it.sql);
        continue;
      }
      m_out.steps.push_back({{"raw SQL: " + it.why}, std::vector<std::string>{it.sql}});
      last_why = it.why;
    }
    if (!m_comments.empty()) {
      m_out.steps.push_back({{"raw SQL: the language has no comment step"}, m_comments});
    }
    return std::move(m_out);
  }

  model::schema const& m_model;
  baseline m_out;
  std::vector<item> m_items;
  std::vector<std::string> m_comments;
  std::map<object_key, std::size_t> m_hosts;  ///< table -> its declarative CREATE TABLE item
  std::set<object_key> m_dirty;               ///< tables a raw ALTER TABLE changed
  std::map<object_key, sequence_candidate> m_sequences;
  std::map<std::string, std::size_t> m_functions;  ///< function name -> its item
  bool m_sql_functions = false;
};

}  // namespace

baseline build_baseline(std::vector<sql::raw_statement> const& statements,
                        model::schema const& model) {
  return builder(model).run(statements);
}

std::string describe_counts(std::map<std::string, object_count> const& counts, bool raw) {
  // Comments are objects' remarks, not objects: the summary counts them on their own.
  static constexpr std::array<std::string_view, 16> order{
      "schema",   "extension", "type",       "domain", "function", "procedure",         "aggregate",
      "sequence", "table",     "constraint", "index",  "view",     "materialized view", "trigger",
      "rule",     "policy"};
  std::vector<std::string> parts;
  auto const add = [&](std::string const& kind, int n) {
    if (n <= 0) return;
    std::string plural = kind;
    if (n != 1) plural = kind == "index" ? "indexes" : kind == "policy" ? "policies" : kind + "s";
    parts.push_back(fmt::format("{} {}", n, plural));
  };
  for (auto const kind : order) {
    auto const it = counts.find(std::string(kind));
    if (it != counts.end()) add(it->first, raw ? it->second.raw : it->second.declarative);
  }
  for (auto const& [kind, c] : counts) {
    if (kind != "comment" && std::find(order.begin(), order.end(), kind) == order.end())
      add(kind, raw ? c.raw : c.declarative);
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace migc::compiler::import
