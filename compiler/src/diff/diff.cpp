// diff_models: two schema models compared object by object, and the steps between them in an
// order PostgreSQL accepts.
#include "diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <migc/dsl/printer.hpp>
#include <set>

#include "../naming.hpp"
#include "../render.hpp"
#include "../replay.hpp"
#include "../replay_base.hpp"
#include "../schema_ddl.hpp"
#include "../sql/expression.hpp"
#include "../sql/pg_parser.hpp"
#include "../sql/tree.hpp"
#include "../type_changes.hpp"
#include "../types.hpp"

namespace migc::compiler::diff {
namespace {

namespace ast = dsl::ast;
using model::object_key;

/// `name` or `schema.name`, quoted where needed.
std::string relation_sql(object_key const& key) {
  return (key.first == "public" ? std::string() : quote_identifier(key.first) + ".") +
         quote_identifier(key.second);
}

/// An expression by its parse tree: layout, parentheses and keyword case do not count.
std::string canonical(std::string const& text) {
  if (auto const sequence = replay_support::sequence_of_default(text))
    return "nextval:" + model::qualified(*sequence);
  auto const parsed = sql::parse_expression(text);
  if (auto const* e = std::get_if<sql::expression>(&parsed))
    return sql::canonical_text(e->tree.value());
  return text;
}

std::string canonical(std::optional<std::string> const& text) {
  return text ? canonical(*text) : std::string();
}

/// The sequence that column `column` of `table` owns in `m`, if any.
model::sequence const* owned_sequence(model::schema const& m, object_key const& table,
                                      std::string const& column) {
  for (auto const& [key, s] : m.sequences) {
    if (s.owned_by && s.owned_by->first == table && s.owned_by->second == column) return &s;
  }
  return nullptr;
}

/// A column as PostgreSQL stores it, for comparison: a serial column spelled out.
struct column_shape {
  std::string type;
  bool not_null = false;
  std::string default_key;
  std::optional<bool> identity;
  std::string generated_key;

  friend bool operator==(column_shape const& a, column_shape const& b) {
    return a.type == b.type && a.not_null == b.not_null && a.default_key == b.default_key &&
           a.identity == b.identity && a.generated_key == b.generated_key;
  }
};

column_shape shape_of(model::schema const& m, object_key const& table, model::column const& c) {
  column_shape out;
  auto const type = normalized(c.type);
  out.type = format_type(type, true);
  out.not_null = c.not_null;
  out.default_key = canonical(c.default_sql);
  out.identity = c.identity_always;
  out.generated_key = canonical(c.generated_sql);
  if (type.schema.empty() && is_serial(type.name)) {
    out.not_null = true;
    auto const* seq = owned_sequence(m, table, c.name);
    object_key const key = seq ? seq->key
                               : object_key{table.first, choose_name(table.second, c.name, "seq",
                                                                     std::vector<std::string>{})};
    out.default_key = "nextval:" + model::qualified(key);
  }
  return out;
}

/// `serial`, `bigserial` or `smallserial` when column `c` of `table` in `m` is what that type
/// makes: an integer NOT NULL column whose default reads the sequence it owns, of its type,
/// under PostgreSQL's name for it.
std::optional<std::string> serial_pattern(model::schema const& m, object_key const& table,
                                          model::column const& c) {
  auto const type = normalized(c.type);
  if (!type.schema.empty() || !type.modifiers.empty() || type.array_dims || !c.not_null ||
      !c.default_sql)
    return std::nullopt;
  auto const read = replay_support::sequence_of_default(*c.default_sql);
  auto const* seq = owned_sequence(m, table, c.name);
  if (!read || !seq || *read != seq->key || seq->type != type.name ||
      seq->key != object_key{table.first,
                             choose_name(table.second, c.name, "seq", std::vector<std::string>{})})
    return std::nullopt;
  if (type.name == "integer") return "serial";
  if (type.name == "bigint") return "bigserial";
  if (type.name == "smallint") return "smallserial";
  return std::nullopt;
}

/// A column definition written as its serial type when it is one in spelled-out form.
void as_serial(model::schema const& m, object_key const& table, ast::column_def& def) {
  model::table const& t = m.tables.at(table);
  model::column const* c = t.find_column(def.name.name);
  if (!c) return;
  auto const serial = serial_pattern(m, table, *c);
  if (!serial) return;
  def.type = ast::type_name{};
  def.type.name = *serial;
  auto& cs = def.constraints;
  cs.erase(std::remove_if(cs.begin(), cs.end(),
                          [](auto const& k) {
                            return std::holds_alternative<ast::default_value>(k) ||
                                   std::holds_alternative<ast::nullability>(k);
                          }),
           cs.end());
}

bool same_constraint(model::constraint const& a, model::constraint const& b) {
  return a.kind == b.kind && a.columns == b.columns && a.ref_table == b.ref_table &&
         a.ref_columns == b.ref_columns && a.on_delete == b.on_delete &&
         a.on_update == b.on_update && canonical(a.check_sql) == canonical(b.check_sql);
}

bool same_index(model::index const& a, model::index const& b) {
  if (a.table != b.table || a.method != b.method || a.include != b.include ||
      a.unique != b.unique || canonical(a.where_sql) != canonical(b.where_sql) ||
      a.keys.size() != b.keys.size())
    return false;
  for (std::size_t i = 0; i < a.keys.size(); ++i) {
    auto const& x = a.keys[i];
    auto const& y = b.keys[i];
    if (x.column != y.column || canonical(x.expression) != canonical(y.expression) ||
        x.descending != y.descending || x.nulls_first != y.nulls_first || x.opclass != y.opclass)
      return false;
  }
  return true;
}

bool same_trigger(model::trigger const& a, model::trigger const& b) {
  return a.function == b.function && a.timing == b.timing && a.update_columns == b.update_columns &&
         canonical(a.when_sql) == canonical(b.when_sql) && a.arguments == b.arguments;
}

/// The statement that made an object, then its rename since (as `migc schema` prints it).
std::vector<std::string> made_then_renamed(std::string const& sql, std::string_view what,
                                           object_key const& created, object_key const& now,
                                           std::string const& arguments = {}) {
  std::vector<std::string> out{sql};
  if (created != now)
    out.push_back(fmt::format("ALTER {} {}{} RENAME TO {}", what, relation_sql(created), arguments,
                              quote_identifier(now.second)));
  return out;
}

/// A function's CREATE statement as CREATE OR REPLACE (its first word is CREATE).
std::string or_replace(std::string sql) {
  std::string head = sql.substr(0, 6);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  if (head != "CREATE") return sql;
  std::string rest = sql.substr(6);
  std::string probe = rest.substr(0, 16);
  std::transform(probe.begin(), probe.end(), probe.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  if (probe.find("OR REPLACE") != std::string::npos) return sql;
  return "CREATE OR REPLACE" + rest;
}

/// The phases of a diff, in the order their steps run.
enum class phase : std::size_t {
  drops_first,   ///< views, triggers, constraints, indexes that go or change
  namespaces,    ///< schemas, extensions
  types,         ///< enum types and values, other types
  functions,     ///< functions and procedures
  sequences,     ///< sequences tables read
  tables,        ///< new tables; columns and key/check constraints of the others
  table_drops,   ///< tables `to` no longer has
  foreign_keys,  ///< foreign keys, once every table is there
  indexes,       ///< indexes
  dependents,    ///< sequence owners, views, triggers
  comments,      ///< COMMENT ON
  drops_last,    ///< functions, types, sequences, extensions, schemas `to` no longer has
  count,
};

class differ {
 public:
  differ(model::schema const& from, model::schema const& to) : m_from(from), m_to(to) {
    for (auto& step : rebuild_steps(to)) {
      if (auto* t = std::get_if<ast::create_table_step>(&step)) {
        m_tables.emplace(key_of(t->table), std::move(*t));
      } else if (auto* c = std::get_if<ast::add_constraint_step>(&step)) {
        m_foreign_keys.emplace(std::pair{key_of(c->table), c->name.name}, std::move(*c));
      } else if (auto* i = std::get_if<ast::create_index_step>(&step)) {
        m_indexes.emplace(object_key{key_of(i->table).first, i->name.name}, std::move(*i));
      } else if (auto* e = std::get_if<ast::create_enum_step>(&step)) {
        m_enums.emplace(key_of(e->name), std::move(*e));
      }
    }
  }

  plan run() {
    unknown_objects();
    namespaces_and_extensions();
    enums();
    user_types();
    functions();
    tables_and_columns();
    indexes();
    sequences();
    views();
    plan out = std::move(m_plan);
    for (auto& phase : m_phases) {
      for (auto& step : phase) append(out.steps, std::move(step));
    }
    return out;
  }

 private:
  // ------------------------------------------------------------ building steps

  void declarative(phase p, ast::step step, std::vector<std::string> comments = {}) {
    m_phases[static_cast<std::size_t>(p)].push_back({std::move(comments), std::move(step)});
  }

  void raw(phase p, std::vector<std::string> statements, std::string why) {
    m_phases[static_cast<std::size_t>(p)].push_back({{"raw SQL: " + why}, std::move(statements)});
  }

  /// Adds a step, merging raw SQL into the step before it when both give the same reason.
  static void append(std::vector<written_step>& steps, written_step step) {
    auto* previous =
        steps.empty() ? nullptr : std::get_if<std::vector<std::string>>(&steps.back().what);
    auto const* next = std::get_if<std::vector<std::string>>(&step.what);
    if (previous && next && steps.back().comments == step.comments) {
      previous->insert(previous->end(), next->begin(), next->end());
      return;
    }
    steps.push_back(std::move(step));
  }

  void warn(std::string text) { m_plan.warnings.push_back(std::move(text)); }

  static ast::qualified_name name_of(object_key const& key) {
    ast::qualified_name n;
    n.schema = key.first;
    n.name = key.second;
    return n;
  }
  static ast::identifier ident(std::string name) {
    ast::identifier i;
    i.name = std::move(name);
    return i;
  }
  static ast::column_ref column_ref(object_key const& table, std::string const& column) {
    ast::column_ref c;
    c.table = name_of(table);
    c.column = ident(column);
    return c;
  }

  void comment(std::string target, model::comment const& before, model::comment const& after) {
    if (before == after) return;
    raw(phase::comments,
        {fmt::format("COMMENT ON {} IS {}", target, after ? quote_literal(*after) : "NULL")},
        "the language has no comment step");
  }

  // ------------------------------------------------------------ objects the model does not follow

  void unknown_objects() {
    std::set<object_key> seen;
    for (auto const* m : {&m_from, &m_to}) {
      for (auto const& [key, u] : m->unknown) {
        if (!seen.insert(key).second) continue;
        warn(fmt::format("not compared: {} (named by {}, which the model does not follow)",
                         key.second.empty() ? "schema " + key.first : model::qualified(key),
                         u.statement));
      }
    }
  }

  // ------------------------------------------------------------ schemas and extensions

  void namespaces_and_extensions() {
    for (auto const& [name, s] : m_to.schemas) {
      auto const it = m_from.schemas.find(name);
      if (it == m_from.schemas.end()) {
        ast::create_schema_step step;
        step.name = ident(name);
        declarative(phase::namespaces, step);
      }
      comment("SCHEMA " + quote_identifier(name),
              it == m_from.schemas.end() ? std::nullopt : it->second.remark, s.remark);
    }
    for (auto const& [name, s] : m_from.schemas) {
      if (name == "public" || m_to.schemas.count(name)) continue;
      ast::drop_schema_step step;
      step.name = ident(name);
      declarative(phase::drops_last, step);
    }
    for (auto const& [name, e] : m_to.extensions) {
      auto const it = m_from.extensions.find(name);
      if (it == m_from.extensions.end()) {
        ast::create_extension_step step;
        step.if_not_exists = true;
        step.name = ident(name);
        declarative(phase::namespaces, step);
      }
      comment("EXTENSION " + quote_identifier(name),
              it == m_from.extensions.end() ? std::nullopt : it->second.remark, e.remark);
    }
    for (auto const& [name, e] : m_from.extensions) {
      if (m_to.extensions.count(name)) continue;
      ast::drop_extension_step step;
      step.name = ident(name);
      declarative(phase::drops_last, step);
    }
  }

  // ------------------------------------------------------------ types

  void enums() {
    for (auto const& [key, e] : m_to.enums) {
      auto const it = m_from.enums.find(key);
      if (it == m_from.enums.end()) {
        declarative(phase::types, m_enums.at(key));
      } else {
        enum_values(key, it->second.values, e.values);
      }
      comment("TYPE " + relation_sql(key),
              it == m_from.enums.end() ? std::nullopt : it->second.remark, e.remark);
    }
    for (auto const& [key, e] : m_from.enums) {
      if (m_to.enums.count(key)) continue;
      ast::drop_type_step step;
      step.name = name_of(key);
      declarative(phase::drops_last, step);
    }
  }

  /// `add value` for each new label, placed after the label before it (or before the first).
  void enum_values(object_key const& key, std::vector<std::string> const& before,
                   std::vector<std::string> const& after) {
    std::vector<std::string> kept;
    for (auto const& v : after) {
      if (std::count(before.begin(), before.end(), v)) kept.push_back(v);
    }
    if (kept != before) {
      warn(
          fmt::format("type '{}': PostgreSQL cannot remove or reorder enum values ({} -> {}); "
                      "only the new values are added",
                      model::qualified(key), fmt::join(before, ", "), fmt::join(after, ", ")));
    }
    std::vector<std::string> present = before;
    for (std::size_t i = 0; i < after.size(); ++i) {
      if (std::count(present.begin(), present.end(), after[i])) continue;
      ast::add_enum_value_step step;
      step.value.value = after[i];
      step.type = name_of(key);
      ast::enum_position position;
      if (i > 0) {
        position.before = false;
        position.neighbour.value = after[i - 1];
        step.position = position;
      } else if (!present.empty()) {
        position.before = true;
        position.neighbour.value = present.front();
        step.position = position;
      }
      declarative(phase::types, step);
      present.push_back(after[i]);
      m_plan.adds_enum_values = true;
    }
  }

  void user_types() {
    for (auto const& [key, t] : m_to.types) {
      auto const it = m_from.types.find(key);
      bool const changed = it != m_from.types.end() &&
                           (it->second.kind != t.kind ||
                            canonical_statement(it->second.sql) != canonical_statement(t.sql));
      if (changed) {
        warn(
            fmt::format("type '{}' changed: it is dropped and created again, which fails while "
                        "columns use it",
                        model::qualified(key)));
        raw(phase::drops_first, {drop_type_sql(key, it->second)},
            "the language creates enum types only");
      }
      if (it == m_from.types.end() || changed)
        raw(phase::types,
            made_then_renamed(t.sql, t.kind == "domain" ? "DOMAIN" : "TYPE", t.created_as, key),
            "the language creates enum types only");
      comment("TYPE " + relation_sql(key),
              it == m_from.types.end() || changed ? std::nullopt : it->second.remark, t.remark);
    }
    for (auto const& [key, t] : m_from.types) {
      if (!m_to.types.count(key))
        raw(phase::drops_last, {drop_type_sql(key, t)}, "the language creates enum types only");
    }
  }

  static std::string drop_type_sql(object_key const& key, model::user_type const& t) {
    return fmt::format("DROP {} {}", t.kind == "domain" ? "DOMAIN" : "TYPE", relation_sql(key));
  }

  /// A statement by its parse tree (a type's or a view's), the name it had aside.
  static std::string canonical_statement(std::string const& sql) {
    auto const parsed = sql::parse(sql);
    return parsed.statements.empty() ? sql
                                     : sql::canonical_text(parsed.statements.front().tree.value());
  }

  // ------------------------------------------------------------ functions

  static std::string function_target(object_key const& key, model::function const& f) {
    return fmt::format("{} {}({})", f.procedure ? "PROCEDURE" : "FUNCTION",
                       relation_sql({key.first, f.name}), f.arguments);
  }

  void functions() {
    for (auto const& [key, f] : m_to.functions) {
      auto const it = m_from.functions.find(key);
      bool const is_new = it == m_from.functions.end();
      bool const changed =
          !is_new && (it->second.body_md5 != f.body_md5 || it->second.language != f.language ||
                      it->second.returns != f.returns || it->second.procedure != f.procedure);
      std::string const what = f.procedure ? "PROCEDURE" : "FUNCTION";
      std::string const why =
          f.procedure ? "the language has no procedure step" : "the language has no function step";
      if (is_new) {
        raw(phase::functions,
            made_then_renamed(f.sql, what, f.created_as, {key.first, f.name},
                              "(" + f.arguments + ")"),
            why);
      } else if (changed && it->second.returns == f.returns &&
                 it->second.procedure == f.procedure) {
        raw(phase::functions, {or_replace(f.sql)}, why);
      } else if (changed) {
        // A new result type: CREATE OR REPLACE cannot change it; what calls it is made again.
        m_recreated_functions.insert({key.first, f.name});
        raw(phase::drops_first, {"DROP " + function_target(key, it->second)}, why);
        raw(phase::functions, {f.sql}, why);
      }
      comment(function_target(key, f), is_new ? std::nullopt : it->second.remark, f.remark);
    }
    for (auto const& [key, f] : m_from.functions) {
      if (m_to.functions.count(key)) continue;
      raw(phase::drops_last, {"DROP " + function_target(key, f)},
          f.procedure ? "the language has no procedure step" : "the language has no function step");
    }
  }

  // ------------------------------------------------------------ tables

  /// Tables whose key constraints (primary key, unique) `to` changes: foreign keys that
  /// reference them are dropped first and added again.
  void changed_keys() {
    for (auto const& [key, t] : m_from.tables) {
      auto const it = m_to.tables.find(key);
      if (it == m_to.tables.end()) continue;
      for (auto const& c : t.constraints) {
        if (c.kind != model::constraint_kind::primary_key &&
            c.kind != model::constraint_kind::unique)
          continue;
        auto const* other = it->second.find_constraint(c.name);
        if (!other || !same_constraint(c, *other)) m_rekeyed.insert(key);
      }
    }
  }

  void tables_and_columns() {
    changed_keys();
    std::vector<object_key> created;
    std::vector<object_key> dropped;
    for (auto const& [key, t] : m_to.tables) {
      if (m_from.tables.count(key)) {
        alter_table(m_from.tables.at(key), t);
      } else {
        created.push_back(key);
        create_table(t);
      }
    }
    for (auto const& [key, t] : m_from.tables) {
      if (!m_to.tables.count(key)) dropped.push_back(key);
    }
    for (auto const& key : dropped) drop_table(key, created);
  }

  void create_table(model::table const& t) {
    auto step = m_tables.at(t.key);
    for (auto& e : step.elements) {
      if (auto* c = std::get_if<ast::column_def>(&e)) as_serial(m_to, t.key, *c);
    }
    declarative(phase::tables, step);
    for (auto const& c : t.constraints) {
      if (c.kind == model::constraint_kind::foreign_key)
        declarative(phase::foreign_keys, m_foreign_keys.at({t.key, c.name}));
    }
    for (auto const& tr : t.triggers) {
      raw(phase::dependents, {trigger_sql(t.key, tr)}, "the language has no trigger step");
    }
    table_comments(nullptr, t);
  }

  /// Columns of `t` with the same definitions as `columns` (by name and shape).
  std::vector<std::string> shapes(model::schema const& m, model::table const& t) const {
    std::vector<std::string> out;
    for (auto const& c : t.columns) {
      auto const s = shape_of(m, t.key, c);
      out.push_back(c.name + " " + s.type);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void drop_table(object_key const& key, std::vector<object_key> const& created) {
    std::vector<std::string> comments{
        fmt::format("loses data: drops table {} and its rows", model::qualified(key))};
    for (auto const& c : created) {
      if (shapes(m_from, m_from.tables.at(key)) != shapes(m_to, m_to.tables.at(c))) continue;
      std::string const hint = fmt::format(
          "table '{}' is dropped and '{}' created with the same columns: if it was renamed, write "
          "'rename table {} to {}' instead (a drop and a create lose its rows)",
          model::qualified(key), model::qualified(c), dsl::qualified_name_text(name_of(key)),
          dsl::identifier_text(c.second));
      warn(hint);
      comments.push_back("likely a rename: write 'rename table " +
                         dsl::qualified_name_text(name_of(key)) + " to " +
                         dsl::identifier_text(c.second) + "' instead");
    }
    comments.push_back("migc:allow(drop-table)");
    ast::drop_table_step step;
    step.table = name_of(key);
    declarative(phase::table_drops, step, comments);
  }

  ast::column_def const& column_def_of(object_key const& table, std::string const& name) const {
    for (auto const& e : m_tables.at(table).elements) {
      auto const* c = std::get_if<ast::column_def>(&e);
      if (c && c->name.name == name) return *c;
    }
    throw std::logic_error("no column " + name);
  }

  void alter_table(model::table const& from, model::table const& to) {
    object_key const& key = to.key;
    std::vector<std::string> added;
    std::vector<std::string> removed;
    for (auto const& c : to.columns) {
      auto const* old = from.find_column(c.name);
      if (!old) {
        added.push_back(c.name);
        add_column(key, c.name);
      } else {
        alter_column(key, *old, c);
      }
    }
    for (auto const& c : from.columns) {
      if (!to.find_column(c.name)) removed.push_back(c.name);
    }
    for (auto const& name : removed) drop_column(from, to, name, added);
    constraints(from, to);
    triggers(from, to);
    table_comments(&from, to);
  }

  void add_column(object_key const& table, std::string const& name) {
    auto def = column_def_of(table, name);
    as_serial(m_to, table, def);
    ast::add_column_step step;
    step.column = column_ref(table, name);
    step.type = def.type;
    step.constraints = def.constraints;
    declarative(phase::tables, step);
  }

  void drop_column(model::table const& from, model::table const& to, std::string const& name,
                   std::vector<std::string> const& added) {
    std::string const type = shape_of(m_from, from.key, *from.find_column(name)).type;
    std::vector<std::string> comments{fmt::format("loses data: drops column {}.{} and its values",
                                                  model::qualified(from.key), name)};
    for (auto const& a : added) {
      if (shape_of(m_to, to.key, *to.find_column(a)).type != type) continue;
      std::string const step =
          fmt::format("rename column {}.{} to {}", dsl::qualified_name_text(name_of(from.key)),
                      dsl::identifier_text(name), dsl::identifier_text(a));
      warn(
          fmt::format("column '{}.{}' is dropped and '{}' added, both {}: if it was renamed, "
                      "write '{}' instead (a drop and an add lose its values)",
                      model::qualified(from.key), name, a, type, step));
      comments.push_back("likely a rename: write '" + step + "' instead");
    }
    comments.push_back("migc:allow(drop-column)");
    ast::drop_column_step step;
    step.column = column_ref(from.key, name);
    declarative(phase::tables, step, comments);
  }

  void alter_column(object_key const& table, model::column const& from, model::column const& to) {
    auto const a = shape_of(m_from, table, from);
    auto const b = shape_of(m_to, table, to);
    if (a.generated_key != b.generated_key) {
      // PostgreSQL 15 cannot change a generation expression: the column is made again.
      ast::drop_column_step drop;
      drop.column = column_ref(table, to.name);
      declarative(phase::tables, drop,
                  {"a generated column's expression changes: it is made again"});
      add_column(table, to.name);
      return;
    }
    bool default_again = false;
    if (a.type != b.type) {
      ast::set_type t;
      t.type = normalized(to.type);
      if (is_serial(t.type.name)) t.type.name = std::string(storage_type(t.type.name));
      // The values, and the default, are converted by assignment cast (type_changes.hpp): where
      // there is none, the values get a cast of their own and the default is set again after.
      if (!assignment_converts(storage_of(from.type), t.type)) {
        ast::sql_fragment cast;
        cast.text = fmt::format("{}::{}", quote_identifier(to.name), type_sql(t.type));
        t.using_expression = cast;
      }
      if (!a.default_key.empty() && !assignment_converts(default_type_of(from), t.type)) {
        alter(table, to.name, ast::set_default{});
        default_again = true;
      }
      alter(table, to.name, t);
    }
    // A default kept through a type change stays in its old type, and depends on it (type_in_use):
    // set again when the desired one is of another type.
    auto const sequence = [](column_shape const& c) {
      return c.default_key.rfind("nextval:", 0) == 0;
    };
    default_again = default_again || (!sequence(a) && !sequence(b) &&
                                      format_type(default_type_of(from), false) !=
                                          format_type(default_type_of(to), false));
    if (a.default_key != b.default_key || (default_again && !b.default_key.empty())) {
      ast::set_default d;
      if (!b.default_key.empty()) {
        ast::sql_fragment f;
        f.text = to.default_sql
                     ? default_as_stored(to)
                     : replay_support::nextval_sql(object_key{
                           table.first, b.default_key.substr(b.default_key.find('.') + 1)});
        d.expression = f;
      }
      alter(table, to.name, d);
    }
    if (a.not_null != b.not_null && a.identity == b.identity) {
      ast::set_not_null n;
      n.not_null = b.not_null;
      alter(table, to.name, n);
    }
    if (a.identity != b.identity) identity(table, to.name, a.identity, b.identity);
  }

  /// Whether ALTER COLUMN ... TYPE converts a value of type `from` to `to` without USING.
  bool assignment_converts(ast::type_name const& from, ast::type_name const& to) const {
    auto const is_enum = [&](ast::type_name const& t) {
      return !t.schema.empty() && (m_from.enums.count({t.schema, t.name}) != 0 ||
                                   m_to.enums.count({t.schema, t.name}) != 0);
    };
    return default_survives(from, to, is_enum(from), is_enum(to));
  }

  /// A serial type as the integer type it stores.
  static ast::type_name storage_of(ast::type_name type) {
    type = normalized(type);
    if (type.schema.empty() && is_serial(type.name))
      type.name = std::string(storage_type(type.name));
    return type;
  }

  /// The type of column `c`'s default: the one it was written for, nextval()'s bigint for a
  /// serial column.
  static ast::type_name default_type_of(model::column const& c) {
    ast::type_name type = c.default_type.value_or(c.type);
    if (normalized(c.type).schema.empty() && is_serial(normalized(c.type).name)) {
      type = ast::type_name{};
      type.name = "bigint";
    }
    return type;
  }

  void alter(object_key const& table, std::string const& column, ast::alter_action action) {
    ast::alter_column_step step;
    step.column = column_ref(table, column);
    step.action = std::move(action);
    declarative(phase::tables, step);
  }

  void identity(object_key const& table, std::string const& column, std::optional<bool> from,
                std::optional<bool> to) {
    std::string const head = fmt::format("ALTER TABLE {} ALTER COLUMN {}", relation_sql(table),
                                         quote_identifier(column));
    std::string sql;
    if (!to) {
      sql = head + " DROP IDENTITY";
    } else if (!from) {
      sql = head +
            (*to ? " ADD GENERATED ALWAYS AS IDENTITY" : " ADD GENERATED BY DEFAULT AS IDENTITY");
    } else {
      sql = head + (*to ? " SET GENERATED ALWAYS" : " SET GENERATED BY DEFAULT");
    }
    raw(phase::tables, {sql}, "the language has no step that changes an identity column");
  }

  ast::constraint_body body_of(object_key const& table, std::string const& name) const {
    for (auto const& e : m_tables.at(table).elements) {
      auto const* c = std::get_if<ast::table_constraint>(&e);
      if (c && c->name && c->name->name == name) return c->body;
    }
    throw std::logic_error("no constraint " + name);
  }

  void constraints(model::table const& from, model::table const& to) {
    for (auto const& c : from.constraints) {
      auto const* other = to.find_constraint(c.name);
      bool const rekeyed =
          c.kind == model::constraint_kind::foreign_key && m_rekeyed.count(c.ref_table);
      if (other && same_constraint(c, *other) && !rekeyed) continue;
      if (c.kind == model::constraint_kind::exclusion) continue;  // not modelled in full
      ast::drop_constraint_step step;
      step.name = ident(c.name);
      step.table = name_of(from.key);
      declarative(phase::drops_first, step);
    }
    for (auto const& c : to.constraints) {
      auto const* old = from.find_constraint(c.name);
      bool const rekeyed =
          c.kind == model::constraint_kind::foreign_key && m_rekeyed.count(c.ref_table);
      if ((old && same_constraint(*old, c) && !rekeyed) ||
          c.kind == model::constraint_kind::exclusion)
        continue;
      if (c.kind == model::constraint_kind::foreign_key) {
        declarative(phase::foreign_keys, m_foreign_keys.at({to.key, c.name}));
        continue;
      }
      ast::add_constraint_step step;
      step.name = ident(c.name);
      step.table = name_of(to.key);
      step.body = body_of(to.key, c.name);
      declarative(phase::tables, step);
    }
  }

  void triggers(model::table const& from, model::table const& to) {
    for (auto const& tr : from.triggers) {
      auto const* other = to.find_trigger(tr.name);
      if (other && same_trigger(tr, *other) && !m_recreated_functions.count(tr.function)) continue;
      raw(phase::drops_first,
          {fmt::format("DROP TRIGGER {} ON {}", quote_identifier(tr.name), relation_sql(from.key))},
          "the language has no trigger step");
    }
    for (auto const& tr : to.triggers) {
      auto const* old = from.find_trigger(tr.name);
      if (old && same_trigger(*old, tr) && !m_recreated_functions.count(tr.function)) continue;
      raw(phase::dependents, {trigger_sql(to.key, tr)}, "the language has no trigger step");
    }
  }

  void table_comments(model::table const* from, model::table const& to) {
    std::string const table = relation_sql(to.key);
    comment("TABLE " + table, from ? from->remark : std::nullopt, to.remark);
    for (auto const& c : to.columns) {
      auto const* old = from ? from->find_column(c.name) : nullptr;
      comment("COLUMN " + table + "." + quote_identifier(c.name), old ? old->remark : std::nullopt,
              c.remark);
    }
    for (auto const& c : to.constraints) {
      auto const* old = from ? from->find_constraint(c.name) : nullptr;
      comment("CONSTRAINT " + quote_identifier(c.name) + " ON " + table,
              old && same_constraint(*old, c) ? old->remark : std::nullopt, c.remark);
    }
    for (auto const& t : to.triggers) {
      auto const* old = from ? from->find_trigger(t.name) : nullptr;
      comment("TRIGGER " + quote_identifier(t.name) + " ON " + table,
              old && same_trigger(*old, t) ? old->remark : std::nullopt, t.remark);
    }
  }

  // ------------------------------------------------------------ indexes

  void indexes() {
    for (auto const& [key, i] : m_from.indexes) {
      object_key const table{key.first, i.table};
      if (!m_to.tables.count(table)) continue;  // goes with its table
      auto const it = m_to.indexes.find(key);
      if (it != m_to.indexes.end() && same_index(i, it->second)) continue;
      // An index on a dropped column goes with it; dropping it first keeps the drop explicit.
      ast::drop_index_step step;
      step.name = name_of(key);
      declarative(phase::drops_first, step);
    }
    for (auto const& [key, i] : m_to.indexes) {
      auto const it = m_from.indexes.find(key);
      bool const same = it != m_from.indexes.end() && same_index(it->second, i) &&
                        m_from.tables.count({key.first, i.table});
      if (!same) declarative(phase::indexes, m_indexes.at(key));
      comment("INDEX " + relation_sql(key), same ? it->second.remark : std::nullopt, i.remark);
    }
  }

  // ------------------------------------------------------------ sequences

  /// True when a column `to` adds (or a table it creates) is serial and makes sequence `key`.
  bool made_by_serial_column(object_key const& key, model::sequence const& s) const {
    if (!s.owned_by) return false;
    auto const& [table, column] = *s.owned_by;
    auto const t = m_to.tables.find(table);
    if (t == m_to.tables.end()) return false;
    auto const* c = t->second.find_column(column);
    if (!c) return false;
    auto const type = normalized(c->type);
    bool const serial = (type.schema.empty() && is_serial(type.name)) ||
                        serial_pattern(m_to, table, *c).has_value();
    (void)key;
    auto const f = m_from.tables.find(table);
    bool const new_column = f == m_from.tables.end() || !f->second.find_column(column);
    return serial && new_column;
  }

  /// True when sequence `s` of `from` goes away with a column or table `to` no longer has.
  bool goes_with_owner(model::sequence const& s) const {
    if (!s.owned_by) return false;
    auto const& [table, column] = *s.owned_by;
    auto const t = m_to.tables.find(table);
    return t == m_to.tables.end() || !t->second.find_column(column);
  }

  /// The type sequence `s` of `from` has once the tables phase changed its column: a sequence
  /// that follows its column's width (width_sequence) takes the column's new integer type.
  std::string type_after_columns(model::sequence const& s) const {
    if (!s.owned_by) return s.type;
    auto const from_table = m_from.tables.find(s.owned_by->first);
    auto const to_table = m_to.tables.find(s.owned_by->first);
    if (from_table == m_from.tables.end() || to_table == m_to.tables.end()) return s.type;
    auto const* before = from_table->second.find_column(s.owned_by->second);
    auto const* after = to_table->second.find_column(s.owned_by->second);
    if (!before || !after || !after->type.schema.empty() || after->type.array_dims != 0 ||
        width_sequence(m_from, from_table->first, *before) != &s)
      return s.type;
    std::string const type(storage_type(normalized(after->type).name));
    bool const integer = type == "smallint" || type == "integer" || type == "bigint";
    return integer ? type : s.type;
  }

  void sequences() {
    std::string const why =
        "the language has no sequence step (serial and identity columns make their own)";
    for (auto const& [key, s] : m_to.sequences) {
      auto const it = m_from.sequences.find(key);
      if (it == m_from.sequences.end()) {
        if (made_by_serial_column(key, s)) continue;
        raw(phase::sequences, {fmt::format("CREATE SEQUENCE {} AS {}", relation_sql(key), s.type)},
            why);
        if (s.owned_by) raw(phase::dependents, {owner_sql(key, s)}, why);
      } else {
        // A sequence a column's type change takes along is set after that change.
        std::string const followed = type_after_columns(it->second);
        if (followed != s.type)
          raw(followed == it->second.type ? phase::sequences : phase::dependents,
              {fmt::format("ALTER SEQUENCE {} AS {}", relation_sql(key), s.type)}, why);
        if (it->second.owned_by != s.owned_by) raw(phase::dependents, {owner_sql(key, s)}, why);
      }
      comment("SEQUENCE " + relation_sql(key),
              it == m_from.sequences.end() ? std::nullopt : it->second.remark, s.remark);
    }
    for (auto const& [key, s] : m_from.sequences) {
      if (m_to.sequences.count(key) || goes_with_owner(s)) continue;
      raw(phase::drops_last, {"DROP SEQUENCE " + relation_sql(key)}, why);
    }
  }

  static std::string owner_sql(object_key const& key, model::sequence const& s) {
    return fmt::format(
        "ALTER SEQUENCE {} OWNED BY {}", relation_sql(key),
        s.owned_by ? relation_sql(s.owned_by->first) + "." + quote_identifier(s.owned_by->second)
                   : std::string("NONE"));
  }

  // ------------------------------------------------------------ views

  /// Tables whose columns this diff drops or changes: the views that read them are made again.
  std::set<object_key> changed_tables() const {
    std::set<object_key> out;
    for (auto const& [key, t] : m_from.tables) {
      auto const it = m_to.tables.find(key);
      if (it == m_to.tables.end()) {
        out.insert(key);
        continue;
      }
      for (auto const& c : t.columns) {
        auto const* other = it->second.find_column(c.name);
        if (!other || shape_of(m_from, key, c).type != shape_of(m_to, key, *other).type)
          out.insert(key);
      }
    }
    return out;
  }

  void views() {
    std::set<object_key> const tables = changed_tables();
    std::set<object_key> remade;
    for (auto const& [key, v] : m_to.views) {
      auto const it = m_from.views.find(key);
      if (it == m_from.views.end()) continue;
      bool const reads_changed = std::any_of(
          v.reads.begin(), v.reads.end(), [&](object_key const& r) { return tables.count(r) > 0; });
      if (it->second.materialized != v.materialized || it->second.definition != v.definition ||
          reads_changed)
        remade.insert(key);
    }
    // A view that reads a view made again or dropped is made again too.
    for (bool grew = true; grew;) {
      grew = false;
      for (auto const& [key, v] : m_from.views) {
        if (remade.count(key) || !m_to.views.count(key)) continue;
        for (auto const& r : v.reads) {
          if ((remade.count(r) || (m_from.views.count(r) && !m_to.views.count(r))) &&
              remade.insert(key).second)
            grew = true;
        }
      }
    }
    std::vector<object_key> drops;
    for (auto const& [key, v] : m_from.views) {
      if (!m_to.views.count(key) || remade.count(key)) drops.push_back(key);
    }
    // Readers first.
    for (auto const& key : dependency_order(m_from, drops, true)) {
      auto const& v = m_from.views.at(key);
      raw(phase::drops_first,
          {fmt::format("DROP {} {}", v.materialized ? "MATERIALIZED VIEW" : "VIEW",
                       relation_sql(key))},
          "the language has no view step");
    }
    std::vector<object_key> creates;
    for (auto const& [key, v] : m_to.views) {
      if (!m_from.views.count(key) || remade.count(key)) creates.push_back(key);
    }
    for (auto const& key : dependency_order(m_to, creates, false)) {
      auto const& v = m_to.views.at(key);
      raw(phase::dependents,
          made_then_renamed(v.sql, v.materialized ? "MATERIALIZED VIEW" : "VIEW", v.created_as,
                            key),
          "the language has no view step");
    }
    for (auto const& [key, v] : m_to.views) {
      auto const it = m_from.views.find(key);
      bool const kept = it != m_from.views.end() && !remade.count(key);
      comment(std::string(v.materialized ? "MATERIALIZED VIEW " : "VIEW ") + relation_sql(key),
              kept ? it->second.remark : std::nullopt, v.remark);
    }
  }

  /// `keys` with every view after the views it reads (`readers_first`: before them).
  static std::vector<object_key> dependency_order(model::schema const& m,
                                                  std::vector<object_key> const& keys,
                                                  bool readers_first) {
    std::vector<object_key> out;
    std::set<object_key> done;
    std::set<object_key> const wanted(keys.begin(), keys.end());
    std::function<void(object_key const&)> visit = [&](object_key const& key) {
      if (!done.insert(key).second) return;
      for (auto const& r : m.views.at(key).reads) {
        if (wanted.count(r)) visit(r);
      }
      out.push_back(key);
    };
    for (auto const& key : keys) visit(key);
    if (readers_first) std::reverse(out.begin(), out.end());
    return out;
  }

  model::schema const& m_from;
  model::schema const& m_to;
  plan m_plan;
  std::vector<written_step> m_phases[static_cast<std::size_t>(phase::count)];
  std::map<object_key, ast::create_table_step> m_tables;
  std::map<std::pair<object_key, std::string>, ast::add_constraint_step> m_foreign_keys;
  std::map<object_key, ast::create_index_step> m_indexes;
  std::map<object_key, ast::create_enum_step> m_enums;
  std::set<object_key> m_rekeyed;              ///< tables whose key constraints change
  std::set<object_key> m_recreated_functions;  ///< (schema, name) dropped and created again
};

}  // namespace

plan diff_models(model::schema const& from, model::schema const& to) {
  return differ(from, to).run();
}

}  // namespace migc::compiler::diff
