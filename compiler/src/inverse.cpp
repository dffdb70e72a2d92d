// Derived downgrades (each step's inverse, rebuilt from the model before it) and PostgreSQL 15 lock
// levels.
#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "naming.hpp"
#include "overloaded.hpp"
#include "render.hpp"
#include "replay.hpp"
#include "sql/expression.hpp"
#include "type_changes.hpp"
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
      d.expression = fragment(default_as_stored(c));
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
  return {{}, std::move(why), std::nullopt};
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

/**
 * Why re-adding serial column `column` of `table` would not bring its sequence back under the
 * name it has: PostgreSQL names a new serial's sequence `table_column_seq` (made unique), and a
 * renamed column or table keeps the old name. Nothing when the names agree (or it is no serial).
 */
std::optional<std::string> serial_sequence_renamed(model::schema const& before,
                                                   object_key const& table,
                                                   model::column const& column) {
  if (!column.type.schema.empty() || !is_serial(normalized(column.type).name)) return std::nullopt;
  auto const* seq = before.sequence_owned_by(table, column.name);
  if (!seq) return std::nullopt;
  std::string const chosen =
      choose_name(table.second, column.name, "seq", [&](std::string const& name) {
        object_key const key{table.first, name};
        return key != seq->key && before.relation(key).has_value();
      });
  if (object_key{table.first, chosen} == seq->key) return std::nullopt;
  return "serial column '" + column.name + "' would get a new sequence '" + chosen +
         "', not its own '" + seq->key.second + "' (renamed since it was made)";
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
  for (auto const& c : t->columns) {
    if (auto const why = serial_sequence_renamed(before, key, c)) return impossible(*why);
  }
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
  if (auto const why = serial_sequence_renamed(before, key, *c)) return impossible(*why);
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

/// A numeric constant's text as written (`100`, `100.0`), if `n` is one.
std::optional<std::string> number_text(sql::node const& n) {
  if (!n.is("A_Const")) return std::nullopt;
  if (n["ival"]) return std::to_string(n["ival"].integer("ival"));
  if (n["fval"]) return n["fval"].text("fval");
  return std::nullopt;
}

/// True when `n` reads column `column` (a plain reference).
bool reads_column(sql::node const& n, std::string const& column) {
  auto const fields = n.list("fields");
  return n.is("ColumnRef") && fields.size() == 1 && fields[0].string_value() == column;
}

/// The scale of a numeric type (digits after the point), 0 for integer types; nothing for other
/// types. An unconstrained numeric keeps every digit a division by a power of ten makes (its
/// result has at least 16 fractional digits, select_div_scale in numeric.c).
std::optional<std::uint32_t> decimal_scale(ast::type_name const& t) {
  std::string_view const base = t.schema.empty() ? storage_type(t.name) : std::string_view{};
  if (base == "smallint" || base == "integer" || base == "bigint") return 0u;
  if (base != "numeric") return std::nullopt;
  if (t.modifiers.empty()) return 16u;
  return t.modifiers.size() > 1 ? t.modifiers[1] : 0u;
}

/// k when `text` is 10^k written as a number (`100`: 2, `100.0`: 2, `0.01`: -2).
std::optional<int> power_of_ten(std::string const& text) {
  std::string_view digits(text);
  int exponent = 0;
  if (auto const point = digits.find('.'); point != std::string_view::npos) {
    std::string_view const fraction = digits.substr(point + 1);
    digits = digits.substr(0, point);
    auto const one = fraction.find_first_not_of('0');
    if (one != std::string_view::npos) {
      // 0.0..01: the integer part is 0 and the fraction one 1 after zeros.
      if (digits.find_first_not_of('0') != std::string_view::npos || fraction[one] != '1' ||
          one + 1 != fraction.size())
        return std::nullopt;
      return -static_cast<int>(one + 1);
    }
  }
  if (digits.empty() || digits[0] != '1' ||
      digits.find_first_not_of('0', 1) != std::string_view::npos)
    return std::nullopt;
  exponent = static_cast<int>(digits.size() - 1);
  return exponent;
}

/// True when a type change without `using` from `from` to `to` either keeps a value or fails on
/// it (so a cast back gives every value back): an integer into a narrower integer ("integer out
/// of range"), a string into a shorter varchar ("value too long"). Rounding (numeric, times),
/// time zones and json's normalisation lose values silently.
bool keeps_or_fails(ast::type_name const& from, ast::type_name const& to) {
  if (!from.schema.empty() || !to.schema.empty() || from.array_dims != to.array_dims) return false;
  auto const integer = [](std::string_view t) {
    return t == "smallint" || t == "integer" || t == "bigint";
  };
  auto const text = [](std::string_view t) { return t == "text" || t == "varchar"; };
  std::string_view const a = storage_type(from.name);
  std::string_view const b = storage_type(to.name);
  return (integer(a) && integer(b)) || (text(a) && text(b));
}

/// A time type's fractional-second digits (6 unless limited).
std::uint32_t time_precision(ast::type_name const& t) {
  return t.modifiers.empty() ? 6u : t.modifiers[0];
}

/**
 * The expression that undoes `using` for column `column` of type `from`, changed to `to`, when it
 * is one of the forms whose inverse is known and gives back every value exactly: `c * n` (an
 * integer n) into an integer or numeric type with at least the old scale, or `c * 0.01` into one
 * with 2 more fractional digits, undone by `c / n`; `c / 10^k` as a numeric division (the column
 * or the constant is numeric: `c / 100.0`) into a numeric with k more fractional digits, undone
 * by `c * 10^k`; `c at time zone 'z'` into a type
 * with at least the old fractional seconds, undone by the same shift from the other type.
 * Nothing otherwise: integer division (`c / 100` of an integer), rounding into a smaller scale,
 * `real` or `double precision`, fewer fractional seconds lose values.
 */
std::optional<std::string> inverse_using(std::string const& text, std::string const& column,
                                         ast::type_name const& from, ast::type_name const& to) {
  auto const parsed = sql::parse_expression(text);
  auto const* e = std::get_if<sql::expression>(&parsed);
  if (!e) return std::nullopt;
  sql::node const root(e->tree);
  std::string const c = quote_identifier(column);
  auto const old_scale = decimal_scale(from);
  auto const new_scale = decimal_scale(to);
  if (root.is("A_Expr") && root.enumeration("kind") == "AEXPR_OP" &&
      reads_column(root["lexpr"], column) && old_scale && new_scale && from.array_dims == 0 &&
      to.array_dims == 0) {
    auto const op = root.names("name");
    auto const n = number_text(root["rexpr"]);
    bool const integer_constant = root["rexpr"].is("A_Const") && root["rexpr"]["ival"];
    auto const power = n ? power_of_ten(*n) : std::nullopt;
    int const k = power.value_or(0);
    // The scale the result needs to keep every digit: a product by 10^-k gains k digits, a
    // numeric division by 10^k gains k (an integer division keeps none: it truncates).
    auto const keeps = [&](int gained) {
      return static_cast<int>(*new_scale) >= static_cast<int>(*old_scale) + std::max(gained, 0);
    };
    bool const numeric_division = !integer_constant || storage_type(from.name) == "numeric";
    if (n && op.size() == 1 && op[0] == "*" && *n != "0" &&
        ((integer_constant && keeps(0)) || (power && keeps(-k))))
      return c + " / " + *n;
    if (n && op.size() == 1 && op[0] == "/" && numeric_division && power && keeps(k))
      return c + " * " + *n;
  }
  auto const args = root.list("args");
  auto const names = root.names("funcname");
  if (root.is("FuncCall") && !names.empty() && names.back() == "timezone" && args.size() == 2 &&
      reads_column(args[1], column) && args[0].is("A_Const") && args[0]["sval"] &&
      time_precision(to) >= time_precision(from)) {
    return c + " at time zone " + quote_literal(args[0]["sval"].text("sval"));
  }
  return std::nullopt;
}

/// The inverse of a type change: a cast back when the change keeps every value, else none,
/// with the downgrade to write when its expression is known.
inverse set_type_inverse(builder const& b, model::column const& c, object_key const& table,
                         ast::set_type const& change) {
  std::string const shown =
      (table.first == "public" ? "" : table.first + ".") + table.second + "." + c.name;
  ast::type_name const old_type = normalized(c.type);
  ast::type_name back_type = old_type;
  back_type.name = std::string(storage_type(old_type.name));  // ALTER ... TYPE serial is no type
  std::string const cast_back = quote_identifier(c.name) + "::" + type_sql(back_type);
  if (!change.using_expression && widens(old_type, normalized(change.type))) {
    auto back = b.node<ast::alter_column_step>();
    back.column = b.column(table, c.name);
    auto t = b.node<ast::set_type>();
    t.type = back_type;
    // An explicit cast: not every type change back has an assignment cast.
    t.using_expression = b.fragment(cast_back);
    back.action = t;
    return {{back}, std::nullopt, std::nullopt};
  }
  inverse out;
  out.impossible =
      change.using_expression
          ? fmt::format(
                "the type change of '{}' converts its values 'using ({})', which a cast "
                "back does not undo",
                shown, change.using_expression->text)
          : fmt::format(
                "changing '{}' from {} to {} does not keep every value (a cast back "
                "rounds, truncates or depends on the session's time zone)",
                shown, type_sql(old_type), type_sql(normalized(change.type)));
  std::optional<std::string> expression;
  if (change.using_expression) {
    if (auto const undo =
            inverse_using(change.using_expression->text, c.name, old_type, normalized(change.type)))
      expression = "(" + *undo + ")::" + type_sql(back_type);
  } else if (keeps_or_fails(old_type, normalized(change.type))) {
    expression = cast_back;
  }
  if (expression) {
    out.help = fmt::format("write the downgrade: 'alter column {} type {} using ({})'", shown,
                           type_sql(back_type), *expression);
  } else {
    out.impossible->append(", and no expression that gives back every value is known");
  }
  return out;
}

inverse alter_inverse(builder const& b, model::schema const& before,
                      ast::alter_column_step const& s) {
  object_key const key = key_of(s.column.table);
  model::table const* t = table_at(before, key);
  model::column const* c = t ? t->find_column(s.column.column.name) : nullptr;
  if (!c) return impossible("the schema model does not know column '" + s.column.column.name + "'");
  if (auto const* change = std::get_if<ast::set_type>(&s.action))
    return set_type_inverse(b, *c, t->key, *change);
  auto back = b.node<ast::alter_column_step>();
  back.column = b.column(key, c->name);
  if (std::holds_alternative<ast::set_not_null>(s.action)) {
    auto n = b.node<ast::set_not_null>();
    n.not_null = c->not_null;
    back.action = n;
  } else {
    auto d = b.node<ast::set_default>();
    if (c->default_sql) d.expression = b.fragment(default_as_stored(*c));
    back.action = d;
  }
  return {{back}, std::nullopt, std::nullopt};
}

}  // namespace

inverse inverse_of(ast::step const& step, model::schema const& before) {
  builder const b(ast::node_of(step).where);
  return std::visit(
      overloaded{
          [&](ast::raw_sql_step const&) { return impossible("raw sql has no derivable inverse"); },
          [&](ast::irreversible_step const&) { return inverse{}; },
          // Rows only: the model is as it was (revision_compiler decides whether values matter).
          [&](ast::backfill_step const&) { return inverse{}; },
          [&](ast::create_table_step const& s) {
            if (s.if_not_exists && has_relation(before, key_of(s.table))) return inverse{};
            auto d = b.node<ast::drop_table_step>();
            d.table = b.qname(key_of(s.table));
            return inverse{{d}, std::nullopt, std::nullopt};
          },
          [&](ast::drop_table_step const& s) { return drop_table_inverse(b, before, s); },
          [&](ast::rename_table_step const& s) {
            object_key const key = key_of(s.table);
            auto r = b.node<ast::rename_table_step>();
            r.table = b.qname({key.first, s.to.name});
            r.to = b.ident(key.second);
            return inverse{{r}, std::nullopt, std::nullopt};
          },
          [&](ast::add_column_step const& s) {
            model::table const* t = table_at(before, key_of(s.column.table));
            if (s.if_not_exists && t && t->find_column(s.column.column.name)) return inverse{};
            auto d = b.node<ast::drop_column_step>();
            d.column = b.column(key_of(s.column.table), s.column.column.name);
            return inverse{{d}, std::nullopt, std::nullopt};
          },
          [&](ast::drop_column_step const& s) { return drop_column_inverse(b, before, s); },
          [&](ast::rename_column_step const& s) {
            auto r = b.node<ast::rename_column_step>();
            r.column = b.column(key_of(s.column.table), s.to.name);
            r.to = b.ident(s.column.column.name);
            return inverse{{r}, std::nullopt, std::nullopt};
          },
          [&](ast::alter_column_step const& s) { return alter_inverse(b, before, s); },
          [&](ast::create_index_step const& s) {
            model::table const* t = table_at(before, key_of(s.table));
            object_key const key{t ? t->key.first : key_of(s.table).first, s.name.name};
            if (s.if_not_exists && has_relation(before, key)) return inverse{};
            auto d = b.node<ast::drop_index_step>();
            d.concurrently = s.concurrently;
            d.name = b.qname(key);
            return inverse{{d}, std::nullopt, std::nullopt};
          },
          [&](ast::drop_index_step const& s) {
            auto const it = before.indexes.find(key_of(s.name));
            if (it == before.indexes.end())
              return s.if_exists && before.complete
                         ? inverse{}
                         : impossible("the schema model does not know index '" + s.name.name + "'");
            return inverse{{b.create_index(it->second)}, std::nullopt, std::nullopt};
          },
          [&](ast::add_constraint_step const& s) {
            auto d = b.node<ast::drop_constraint_step>();
            d.name = b.ident(s.name.name);
            d.table = b.qname(key_of(s.table));
            return inverse{{d}, std::nullopt, std::nullopt};
          },
          [&](ast::drop_constraint_step const& s) {
            model::table const* t = table_at(before, key_of(s.table));
            model::constraint const* c = t ? t->find_constraint(s.name.name) : nullptr;
            if (!c)
              return impossible("the schema model does not know constraint '" + s.name.name + "'");
            return inverse{{b.add_constraint(t->key, *c)}, std::nullopt, std::nullopt};
          },
          [&](ast::create_enum_step const& s) {
            auto d = b.node<ast::drop_type_step>();
            d.name = b.qname(key_of(s.name));
            return inverse{{d}, std::nullopt, std::nullopt};
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
            return inverse{{c}, std::nullopt, std::nullopt};
          },
          [&](ast::add_enum_value_step const&) {
            return impossible("PostgreSQL cannot remove a value from an enum type");
          },
          [&](ast::create_schema_step const& s) {
            if (s.if_not_exists && before.schemas.count(s.name.name)) return inverse{};
            auto d = b.node<ast::drop_schema_step>();
            d.name = b.ident(s.name.name);
            return inverse{{d}, std::nullopt, std::nullopt};
          },
          [&](ast::create_extension_step const& s) {
            if (s.if_not_exists && before.extensions.count(s.name.name)) return inverse{};
            auto d = b.node<ast::drop_extension_step>();
            d.name = b.ident(s.name.name);
            return inverse{{d}, std::nullopt, std::nullopt};
          },
          [&](ast::drop_schema_step const& s) {
            if (!before.schemas.count(s.name.name))
              return impossible("the schema model does not know schema '" + s.name.name + "'");
            if (s.cascade) return impossible("objects that 'cascade' dropped cannot be derived");
            auto c = b.node<ast::create_schema_step>();
            c.name = b.ident(s.name.name);
            return inverse{{c}, std::nullopt, std::nullopt};
          },
          [&](ast::drop_extension_step const& s) {
            if (!before.extensions.count(s.name.name))
              return impossible("the schema model does not know extension '" + s.name.name + "'");
            auto c = b.node<ast::create_extension_step>();
            c.name = b.ident(s.name.name);
            return inverse{{c}, std::nullopt, std::nullopt};
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
      rewrites = rewrites || sql::calls_volatile(d->expression.text);
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
          // Each batch: ROW EXCLUSIVE on the table and row locks on its rows, briefly.
          [](ast::backfill_step const&) {
            return lock_info{"ROW EXCLUSIVE", false};
          },
          // drop/rename table, drop/rename column, drop constraint.
          [](auto const&) {
            return lock_info{access_exclusive, false};
          },
      },
      step);
}

}  // namespace migc::compiler
