// Derived downgrades (each step's inverse, rebuilt from the model before it) and PostgreSQL 15 lock
// levels.
#include <algorithm>
#include <variant>

#include "overloaded.hpp"
#include "render.hpp"
#include "replay.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;
using model::object_key;

/// Builds AST nodes that all point at one source span (the step being inverted).
class builder {
 public:
  explicit builder(dsl::span where) : m_where(where) {}

  template <typename Node>
  Node node() const {
    Node n{};
    n.where = m_where;
    return n;
  }

  ast::identifier ident(std::string name) const {
    auto n = node<ast::identifier>();
    n.name = std::move(name);
    return n;
  }
  std::vector<ast::identifier> idents(std::vector<std::string> const& names) const {
    std::vector<ast::identifier> out;
    for (auto const& name : names) out.push_back(ident(name));
    return out;
  }
  ast::qualified_name qname(object_key const& key) const {
    auto n = node<ast::qualified_name>();
    n.schema = key.first;
    n.name = key.second;
    return n;
  }
  ast::column_ref column(object_key const& table, std::string name) const {
    auto n = node<ast::column_ref>();
    n.table = qname(table);
    n.column = ident(std::move(name));
    return n;
  }
  ast::sql_fragment fragment(std::string text) const {
    auto n = node<ast::sql_fragment>();
    n.text = std::move(text);
    return n;
  }

  /// The inline part of a column definition: nullability, default, identity.
  std::vector<ast::column_constraint> column_constraints(model::column const& c) const {
    std::vector<ast::column_constraint> out;
    if (c.not_null && !c.identity_always) {
      auto n = node<ast::nullability>();
      n.not_null = true;
      out.emplace_back(n);
    }
    if (c.default_sql) {
      auto d = node<ast::default_value>();
      d.expression = fragment(*c.default_sql);
      out.emplace_back(d);
    }
    if (c.identity_always) {
      auto i = node<ast::identity_clause>();
      i.always = *c.identity_always;
      out.emplace_back(i);
    }
    if (c.generated_sql) {
      auto g = node<ast::generated_clause>();
      g.expression = fragment(*c.generated_sql);
      out.emplace_back(g);
    }
    return out;
  }

  ast::constraint_body body(model::constraint const& c) const {
    switch (c.kind) {
      case model::constraint_kind::primary_key:
      case model::constraint_kind::unique: {
        auto k = node<ast::key_columns>();
        k.primary = c.kind == model::constraint_kind::primary_key;
        k.columns = idents(c.columns);
        return k;
      }
      case model::constraint_kind::foreign_key: {
        auto f = node<ast::foreign_key>();
        f.columns = idents(c.columns);
        f.references = node<ast::references_clause>();
        f.references.table = qname(c.ref_table);
        f.references.columns = idents(c.ref_columns);
        f.references.actions = {c.on_delete, c.on_update};
        return f;
      }
      case model::constraint_kind::check:
      case model::constraint_kind::exclusion:  // never modelled: its table becomes unknown
        break;
    }
    auto check = node<ast::check_clause>();
    check.expression = fragment(c.check_sql);
    return check;
  }

  ast::step add_constraint(object_key const& table, model::constraint const& c) const {
    auto s = node<ast::add_constraint_step>();
    s.name = ident(c.name);
    s.table = qname(table);
    s.body = body(c);
    return s;
  }

  ast::index_key index_key(model::index_key const& k) const {
    auto key = node<ast::index_key>();
    if (k.column.empty()) {
      key.target = fragment(k.expression);
    } else {
      key.target = ident(k.column);
    }
    if (!k.opclass.empty()) {
      auto const dot = k.opclass.rfind('.');
      auto opclass = node<ast::qualified_name>();
      opclass.schema = dot == std::string::npos ? "" : k.opclass.substr(0, dot);
      opclass.name = dot == std::string::npos ? k.opclass : k.opclass.substr(dot + 1);
      key.opclass = opclass;
    }
    key.descending = k.descending;
    key.nulls_first = k.nulls_first;
    return key;
  }

  ast::step create_index(model::index const& i) const {
    auto s = node<ast::create_index_step>();
    s.unique = i.unique;
    s.name = ident(i.key.second);
    s.table = qname({i.key.first, i.table});
    if (i.method != "btree") s.method = ident(i.method);
    for (auto const& k : i.keys) s.keys.push_back(index_key(k));
    if (!i.include.empty()) s.include = idents(i.include);
    if (!i.where_sql.empty()) s.where_clause = fragment(i.where_sql);
    return s;
  }

  ast::step create_table(model::table const& t, bool with_foreign_keys = true) const {
    auto s = node<ast::create_table_step>();
    s.table = qname(t.key);
    for (auto const& c : t.columns) {
      auto column = node<ast::column_def>();
      column.name = ident(c.name);
      column.type = c.type;
      column.constraints = column_constraints(c);
      s.elements.emplace_back(column);
    }
    for (auto const& c : t.constraints) {
      if (!with_foreign_keys && c.kind == model::constraint_kind::foreign_key) continue;
      auto constraint = node<ast::table_constraint>();
      constraint.name = ident(c.name);
      constraint.body = body(c);
      s.elements.emplace_back(constraint);
    }
    return s;
  }

 private:
  dsl::span m_where;
};

model::table const* table_at(model::schema const& m, object_key const& key) {
  auto const it = m.tables.find(key);
  return it == m.tables.end() ? nullptr : &it->second;
}

bool has_relation(model::schema const& m, object_key const& key) {
  return m.tables.count(key) || m.indexes.count(key);
}

inverse impossible(std::string why) {
  return {{}, std::move(why)};
}

/// Foreign keys of other tables that point at `table` (optionally at one column of it).
bool is_referenced(model::schema const& m, object_key const& table, std::string const* column) {
  for (auto const& [k, n] : m.tables_referencing(table)) {
    for (auto const& c : m.tables.at(k).constraints) {
      if (c.kind != model::constraint_kind::foreign_key || c.ref_table != table ||
          (k == table && !column))
        continue;
      if (!column || std::count(c.ref_columns.begin(), c.ref_columns.end(), *column)) return true;
    }
  }
  return false;
}

/// Why the declarative steps cannot rebuild `t` as it is (raw SQL gave it what they cannot say).
std::optional<std::string> not_declarative(model::schema const& m, model::table const& t) {
  std::string const name = model::qualified(t.key);
  if (!t.triggers.empty()) return "table '" + name + "' has triggers, which only raw sql creates";
  bool const commented =
      t.remark || std::any_of(t.columns.begin(), t.columns.end(),
                              [](auto const& c) { return c.remark.has_value(); });
  if (commented) return "the comments on table '" + name + "' cannot be derived";
  for (auto const& [k, v] : m.views) {
    if (v.reads.count(t.key))
      return "view '" + model::qualified(k) + "' reads table '" + name + "'";
  }
  return std::nullopt;
}

inverse drop_table_inverse(builder const& b, model::schema const& before,
                           ast::drop_table_step const& s) {
  object_key const key = key_of(s.table);
  model::table const* t = table_at(before, key);
  if (!t)
    return s.if_exists && before.complete
               ? inverse{}
               : impossible("the schema model does not know table '" + key.second + "'");
  if (is_referenced(before, key, nullptr)) {
    return impossible("foreign keys of other tables that 'cascade' dropped cannot be derived");
  }
  if (auto const why = not_declarative(before, *t)) return impossible(*why);
  inverse out;
  out.steps.push_back(b.create_table(*t));
  for (auto const& [k, n] : before.indexes_on(key))
    out.steps.push_back(b.create_index(before.indexes.at(k)));
  return out;
}

inverse drop_column_inverse(builder const& b, model::schema const& before,
                            ast::drop_column_step const& s) {
  object_key const key = key_of(s.column.table);
  model::table const* t = table_at(before, key);
  std::string const& name = s.column.column.name;
  model::column const* c = t ? t->find_column(name) : nullptr;
  if (!c)
    return s.if_exists && t ? inverse{}
                            : impossible("the schema model does not know column '" + name + "'");
  if (c->not_null && !c->default_sql && !c->identity_always && !is_serial(c->type.name)) {
    return impossible("column '" + name +
                      "' is not null without a default: re-adding it fails on a table with rows");
  }
  if (is_referenced(before, key, &name)) {
    return impossible("foreign keys of other tables that 'cascade' dropped cannot be derived");
  }
  if (c->remark) return impossible("the comment on column '" + name + "' cannot be derived");
  inverse out;
  auto add = b.node<ast::add_column_step>();
  add.column = b.column(key, name);
  add.type = c->type;
  add.constraints = b.column_constraints(*c);
  out.steps.emplace_back(add);
  for (auto const& constraint : t->constraints) {
    if (std::count(constraint.columns.begin(), constraint.columns.end(), name))
      out.steps.push_back(b.add_constraint(key, constraint));
  }
  for (auto const& [k, n] : before.indexes_on(key)) {
    auto const& i = before.indexes.at(k);
    if (i.columns.count(name)) out.steps.push_back(b.create_index(i));
  }
  return out;
}

inverse alter_inverse(builder const& b, model::schema const& before,
                      ast::alter_column_step const& s) {
  object_key const key = key_of(s.column.table);
  model::table const* t = table_at(before, key);
  model::column const* c = t ? t->find_column(s.column.column.name) : nullptr;
  if (!c) return impossible("the schema model does not know column '" + s.column.column.name + "'");
  auto back = b.node<ast::alter_column_step>();
  back.column = b.column(key, c->name);
  back.action = std::visit(
      overloaded{
          [&](ast::set_type const&) -> ast::alter_action {
            auto t2 = b.node<ast::set_type>();
            t2.type = c->type;
            // An explicit cast: not every type change back has an assignment cast.
            t2.using_expression = b.fragment(quote_identifier(c->name) + "::" + type_sql(c->type));
            return t2;
          },
          [&](ast::set_not_null const&) -> ast::alter_action {
            auto n = b.node<ast::set_not_null>();
            n.not_null = c->not_null;
            return n;
          },
          [&](ast::set_default const&) -> ast::alter_action {
            auto d = b.node<ast::set_default>();
            if (c->default_sql) d.expression = b.fragment(*c->default_sql);
            return d;
          },
      },
      s.action);
  return {{back}, std::nullopt};
}

}  // namespace

inverse inverse_of(ast::step const& step, model::schema const& before) {
  builder const b(ast::node_of(step).where);
  return std::visit(
      overloaded{
          [&](ast::raw_sql_step const&) { return impossible("raw sql has no derivable inverse"); },
          [&](ast::irreversible_step const&) { return inverse{}; },
          [&](ast::create_table_step const& s) {
            if (s.if_not_exists && has_relation(before, key_of(s.table))) return inverse{};
            auto d = b.node<ast::drop_table_step>();
            d.table = b.qname(key_of(s.table));
            return inverse{{d}, std::nullopt};
          },
          [&](ast::drop_table_step const& s) { return drop_table_inverse(b, before, s); },
          [&](ast::rename_table_step const& s) {
            object_key const key = key_of(s.table);
            auto r = b.node<ast::rename_table_step>();
            r.table = b.qname({key.first, s.to.name});
            r.to = b.ident(key.second);
            return inverse{{r}, std::nullopt};
          },
          [&](ast::add_column_step const& s) {
            model::table const* t = table_at(before, key_of(s.column.table));
            if (s.if_not_exists && t && t->find_column(s.column.column.name)) return inverse{};
            auto d = b.node<ast::drop_column_step>();
            d.column = b.column(key_of(s.column.table), s.column.column.name);
            return inverse{{d}, std::nullopt};
          },
          [&](ast::drop_column_step const& s) { return drop_column_inverse(b, before, s); },
          [&](ast::rename_column_step const& s) {
            auto r = b.node<ast::rename_column_step>();
            r.column = b.column(key_of(s.column.table), s.to.name);
            r.to = b.ident(s.column.column.name);
            return inverse{{r}, std::nullopt};
          },
          [&](ast::alter_column_step const& s) { return alter_inverse(b, before, s); },
          [&](ast::create_index_step const& s) {
            model::table const* t = table_at(before, key_of(s.table));
            object_key const key{t ? t->key.first : key_of(s.table).first, s.name.name};
            if (s.if_not_exists && has_relation(before, key)) return inverse{};
            auto d = b.node<ast::drop_index_step>();
            d.concurrently = s.concurrently;
            d.name = b.qname(key);
            return inverse{{d}, std::nullopt};
          },
          [&](ast::drop_index_step const& s) {
            auto const it = before.indexes.find(key_of(s.name));
            if (it == before.indexes.end())
              return s.if_exists && before.complete
                         ? inverse{}
                         : impossible("the schema model does not know index '" + s.name.name + "'");
            return inverse{{b.create_index(it->second)}, std::nullopt};
          },
          [&](ast::add_constraint_step const& s) {
            auto d = b.node<ast::drop_constraint_step>();
            d.name = b.ident(s.name.name);
            d.table = b.qname(key_of(s.table));
            return inverse{{d}, std::nullopt};
          },
          [&](ast::drop_constraint_step const& s) {
            model::table const* t = table_at(before, key_of(s.table));
            model::constraint const* c = t ? t->find_constraint(s.name.name) : nullptr;
            if (!c)
              return impossible("the schema model does not know constraint '" + s.name.name + "'");
            return inverse{{b.add_constraint(t->key, *c)}, std::nullopt};
          },
          [&](ast::create_enum_step const& s) {
            auto d = b.node<ast::drop_type_step>();
            d.name = b.qname(key_of(s.name));
            return inverse{{d}, std::nullopt};
          },
          [&](ast::drop_type_step const& s) {
            auto const it = before.enums.find(key_of(s.name));
            if (it == before.enums.end())
              return s.if_exists && before.complete
                         ? inverse{}
                         : impossible("the schema model does not know type '" + s.name.name + "'");
            auto c = b.node<ast::create_enum_step>();
            c.name = b.qname(it->first);
            for (auto const& v : it->second.values) {
              auto label = b.node<ast::sql_string>();
              label.value = v;
              c.values.push_back(label);
            }
            return inverse{{c}, std::nullopt};
          },
          [&](ast::add_enum_value_step const&) {
            return impossible("PostgreSQL cannot remove a value from an enum type");
          },
          [&](ast::create_schema_step const& s) {
            if (s.if_not_exists && before.schemas.count(s.name.name)) return inverse{};
            auto d = b.node<ast::drop_schema_step>();
            d.name = b.ident(s.name.name);
            return inverse{{d}, std::nullopt};
          },
          [&](ast::create_extension_step const& s) {
            if (s.if_not_exists && before.extensions.count(s.name.name)) return inverse{};
            auto d = b.node<ast::drop_extension_step>();
            d.name = b.ident(s.name.name);
            return inverse{{d}, std::nullopt};
          },
          [&](ast::drop_schema_step const& s) {
            if (!before.schemas.count(s.name.name))
              return impossible("the schema model does not know schema '" + s.name.name + "'");
            if (s.cascade) return impossible("objects that 'cascade' dropped cannot be derived");
            auto c = b.node<ast::create_schema_step>();
            c.name = b.ident(s.name.name);
            return inverse{{c}, std::nullopt};
          },
          [&](ast::drop_extension_step const& s) {
            if (!before.extensions.count(s.name.name))
              return impossible("the schema model does not know extension '" + s.name.name + "'");
            auto c = b.node<ast::create_extension_step>();
            c.name = b.ident(s.name.name);
            return inverse{{c}, std::nullopt};
          },
      },
      step);
}

std::vector<ast::step> rebuild_steps(model::schema const& schema) {
  builder const b(dsl::span{});
  std::vector<ast::step> steps;
  for (auto const& [name, origin] : schema.schemas) {
    if (name == "public") continue;
    auto s = b.node<ast::create_schema_step>();
    s.name = b.ident(name);
    steps.emplace_back(s);
  }
  for (auto const& [name, origin] : schema.extensions) {
    auto s = b.node<ast::create_extension_step>();
    s.name = b.ident(name);
    steps.emplace_back(s);
  }
  for (auto const& [key, e] : schema.enums) {
    ast::drop_type_step drop;
    drop.name = b.qname(key);
    steps.push_back(inverse_of(drop, schema).steps.front());
  }
  for (auto const& [key, t] : schema.tables) steps.push_back(b.create_table(t, false));
  for (auto const& [key, t] : schema.tables) {
    for (auto const& c : t.constraints) {
      if (c.kind == model::constraint_kind::foreign_key) steps.push_back(b.add_constraint(key, c));
    }
  }
  for (auto const& [key, i] : schema.indexes) steps.push_back(b.create_index(i));
  return steps;
}

namespace {

constexpr std::string_view access_exclusive = "ACCESS EXCLUSIVE";

/// Functions whose default value differs per row: adding a column with one rewrites the table.
bool is_volatile_default(std::string const& sql) {
  for (std::string_view const f : {"random(", "gen_random_uuid(", "uuid_generate_v4(",
                                   "clock_timestamp(", "nextval(", "timeofday("}) {
    if (sql.find(f) != std::string::npos) return true;
  }
  return false;
}

/// True when changing `from` to `to` needs no rewrite (binary-coercible, as PostgreSQL 15 decides
/// it).
bool coercible_without_rewrite(ast::type_name const& from, ast::type_name const& to) {
  if (from.array_dims != to.array_dims) return false;
  if (from.name == to.name && from.schema == to.schema) {
    if (to.modifiers.empty())
      return from.name == "varchar" || from.name == "numeric" || from.modifiers.empty();
    if (from.name == "varchar")
      return !from.modifiers.empty() && to.modifiers[0] >= from.modifiers[0];
    if (from.name == "numeric") {
      return from.modifiers.size() == 2 && to.modifiers.size() == 2 &&
             to.modifiers[1] == from.modifiers[1] && to.modifiers[0] >= from.modifiers[0];
    }
    return from.modifiers == to.modifiers;
  }
  return from.name == "varchar" && to.name == "text";
}

lock_info alter_lock(ast::alter_column_step const& s, model::schema const& before) {
  auto const* type = std::get_if<ast::set_type>(&s.action);
  if (!type) return {access_exclusive, false};
  model::table const* t = table_at(before, key_of(s.column.table));
  model::column const* c = t ? t->find_column(s.column.column.name) : nullptr;
  bool const rewrites =
      !c || type->using_expression || !coercible_without_rewrite(c->type, normalized(type->type));
  return {access_exclusive, rewrites};
}

lock_info add_column_lock(ast::add_column_step const& s) {
  bool rewrites = is_serial(normalized(s.type).name);
  for (auto const& c : s.constraints) {
    if (auto const* d = std::get_if<ast::default_value>(&c))
      rewrites = rewrites || is_volatile_default(d->expression.text);
    if (std::holds_alternative<ast::identity_clause>(c)) rewrites = true;
  }
  return {access_exclusive, rewrites};
}

bool has_foreign_key(ast::create_table_step const& s) {
  for (auto const& e : s.elements) {
    if (auto const* c = std::get_if<ast::table_constraint>(&e)) {
      if (std::holds_alternative<ast::foreign_key>(c->body)) return true;
    }
    if (auto const* c = std::get_if<ast::column_def>(&e)) {
      for (auto const& k : c->constraints) {
        if (std::holds_alternative<ast::references_clause>(k)) return true;
      }
    }
  }
  return false;
}

}  // namespace

lock_info lock_of(ast::step const& step, model::schema const& before) {
  return std::visit(
      overloaded{
          [](ast::raw_sql_step const&) {
            return lock_info{"unknown", false};
          },
          // A new table is invisible to others; a foreign key locks the referenced table.
          [](ast::create_table_step const& s) {
            return lock_info{has_foreign_key(s) ? "SHARE ROW EXCLUSIVE" : "none", false};
          },
          [](ast::add_column_step const& s) { return add_column_lock(s); },
          [&](ast::alter_column_step const& s) { return alter_lock(s, before); },
          [](ast::create_index_step const& s) {
            return lock_info{s.concurrently ? "SHARE UPDATE EXCLUSIVE" : "SHARE", false};
          },
          [](ast::drop_index_step const& s) {
            return lock_info{s.concurrently ? "SHARE UPDATE EXCLUSIVE" : access_exclusive, false};
          },
          [](ast::add_constraint_step const& s) {
            // A foreign key blocks writes on both tables but not reads.
            bool const fk = std::holds_alternative<ast::foreign_key>(s.body);
            return lock_info{fk ? "SHARE ROW EXCLUSIVE" : access_exclusive, false};
          },
          [](ast::create_enum_step const&) {
            return lock_info{"none", false};
          },
          [](ast::drop_type_step const&) {
            return lock_info{"none", false};
          },
          [](ast::add_enum_value_step const&) {
            return lock_info{"none", false};
          },
          [](ast::create_schema_step const&) {
            return lock_info{"none", false};
          },
          [](ast::create_extension_step const&) {
            return lock_info{"none", false};
          },
          [](ast::drop_schema_step const&) {
            return lock_info{access_exclusive, false};
          },
          [](ast::drop_extension_step const&) {
            return lock_info{access_exclusive, false};
          },
          [](ast::irreversible_step const&) {
            return lock_info{"none", false};
          },
          // drop/rename table, drop/rename column, drop constraint.
          [](auto const&) {
            return lock_info{access_exclusive, false};
          },
      },
      step);
}

}  // namespace migc::compiler
