// The opt-in style rules: types teams avoid, and steps that cannot run twice.
#include "style_lint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <variant>

#include "replay.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

/// A type as written, for messages: `varchar(40)`, `timestamp`.
std::string shown(ast::type_name const& type) {
  std::string out = type.schema.empty() ? type.name : type.schema + "." + type.name;
  if (!type.modifiers.empty()) out += fmt::format("({})", fmt::join(type.modifiers, ","));
  for (std::uint32_t i = 0; i < type.array_dims; ++i) out += "[]";
  return out;
}

/// The canonical name of a built-in type (`int4` -> `integer`), "" for other types.
std::string builtin_base(ast::type_name const& type) {
  return type.schema.empty() ? normalized(type).name : std::string();
}

bool narrow_integer(std::string_view base) {
  std::string_view const storage = storage_type(base);
  return storage == "integer" || storage == "smallint";
}

/// One column the step gives a type: where the type is written, and whether it is a key.
struct typed_column {
  std::string table;
  std::string column;
  ast::type_name const* type = nullptr;
  bool key = false;
};

bool is_key(std::vector<ast::column_constraint> const& constraints) {
  return std::any_of(constraints.begin(), constraints.end(), [](auto const& c) {
    auto const* k = std::get_if<ast::key_marker>(&c);
    return (k && k->primary) || std::holds_alternative<ast::identity_clause>(c);
  });
}

class style_checker {
 public:
  style_checker(model::schema const& before, bool from_sql, lint_selection const& enabled)
      : m_before(before), m_from_sql(from_sql), m_enabled(enabled) {}

  std::vector<style_finding> run(ast::step const& step) {
    std::visit([&](auto const& s) { check(s); }, step);
    return std::move(m_out);
  }

 private:
  void add(std::string_view code, dsl::span where, std::string message, std::string help) {
    if (!m_enabled.count(code)) return;
    m_out.push_back({std::string(code), where, std::move(message), std::move(help)});
  }

  /// What SQL or language text to write: `IF NOT EXISTS` in raw SQL, `if not exists` in a step.
  [[nodiscard]] std::string spelled(std::string const& text) const {
    if (!m_from_sql) return text;
    std::string out = text;
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
  }

  void check_column(typed_column const& c) {
    std::string const base = builtin_base(*c.type);
    std::string const name = fmt::format("{}.{}", c.table, c.column);
    dsl::span const at = c.type->where;
    std::string const type = shown(c.type->schema.empty() ? normalized(*c.type) : *c.type);
    if (base == "varchar" && !c.type->modifiers.empty()) {
      add("prefer-text", at,
          fmt::format("column '{}' is {}: the length limit saves nothing over text, and "
                      "changing it later is an ALTER COLUMN TYPE",
                      name, type),
          fmt::format("write '{}' instead, with '{} (length({}) <= {})' if the limit is a rule",
                      spelled("text"), spelled("check"), c.column, c.type->modifiers.front()));
    } else if (base == "char") {
      add("prefer-text", at,
          fmt::format("column '{}' is {}: char(n) pads values with blanks to its length", name,
                      type),
          fmt::format("write '{}' instead", spelled("text")));
    }
    if (base == "timestamp") {
      add("prefer-timestamptz", at,
          fmt::format("column '{}' is timestamp without time zone: it stores a wall-clock reading, "
                      "not an instant, and compares wrongly across time zones and DST changes",
                      name),
          fmt::format("write '{}' (timestamp with time zone) instead", spelled("timestamptz")));
    }
    bool const widen = c.key && narrow_integer(base) && m_enabled.count("prefer-bigint");
    std::string const identity =
        spelled(fmt::format("{} generated always as identity",
                            widen ? std::string_view("bigint") : storage_type(base)));
    if (is_serial(base)) {
      add("prefer-identity", at,
          fmt::format("column '{}' is {}: its sequence is a separate object with its own "
                      "grants, and inserts can write the column past it",
                      name, type),
          fmt::format("write '{}' instead", identity));
    }
    if (widen) {
      bool const identity_too = is_serial(base) && m_enabled.count("prefer-identity");
      add("prefer-bigint", at,
          fmt::format("key column '{}' is {}: it runs out at {}, and widening it rewrites the "
                      "table and every table that references it",
                      name, type, storage_type(base) == "smallint" ? "32767" : "2147483647"),
          fmt::format("write '{}' instead",
                      identity_too ? identity : spelled(is_serial(base) ? "bigserial" : "bigint")));
    }
  }

  void check(ast::create_table_step const& s) {
    std::vector<std::string> primary;
    for (auto const& e : s.elements) {
      auto const* c = std::get_if<ast::table_constraint>(&e);
      auto const* k = c ? std::get_if<ast::key_columns>(&c->body) : nullptr;
      if (k && k->primary)
        for (auto const& col : k->columns) primary.push_back(col.name);
    }
    if (!s.if_not_exists)
      missing_guard(s, fmt::format("create table '{}'", s.table.name),
                    "create table if not exists");
    for (auto const& e : s.elements) {
      auto const* c = std::get_if<ast::column_def>(&e);
      if (!c) continue;
      bool const key =
          is_key(c->constraints) || std::count(primary.begin(), primary.end(), c->name.name) > 0;
      check_column({s.table.name, c->name.name, &c->type, key});
    }
  }

  void check(ast::add_column_step const& s) {
    if (!s.if_not_exists)
      missing_guard(s, fmt::format("add column '{}.{}'", s.column.table.name, s.column.column.name),
                    "add column if not exists");
    check_column({s.column.table.name, s.column.column.name, &s.type, is_key(s.constraints)});
  }

  /// A key column of the model: in the table's primary key, or an identity column.
  [[nodiscard]] bool model_key(ast::column_ref const& ref) const {
    auto const t = m_before.tables.find(key_of(ref.table));
    if (t == m_before.tables.end()) return false;
    auto const* column = t->second.find_column(ref.column.name);
    if (column && column->identity_always) return true;
    auto const* pk = t->second.primary_key();
    return pk && std::count(pk->columns.begin(), pk->columns.end(), ref.column.name) > 0;
  }

  void check(ast::alter_column_step const& s) {
    auto const* change = std::get_if<ast::set_type>(&s.action);
    if (!change) return;
    check_column({s.column.table.name, s.column.column.name, &change->type, model_key(s.column)});
  }

  /// `add constraint ... primary key (...)` making integer columns a key.
  void check(ast::add_constraint_step const& s) {
    auto const* k = std::get_if<ast::key_columns>(&s.body);
    auto const t = m_before.tables.find(key_of(s.table));
    if (!k || !k->primary || t == m_before.tables.end()) return;
    for (auto const& name : k->columns) {
      auto const* column = t->second.find_column(name.name);
      if (!column || !column->type.schema.empty() || !narrow_integer(column->type.name)) continue;
      add("prefer-bigint", name.where,
          fmt::format("key column '{}.{}' is {}: it runs out at {}", s.table.name, name.name,
                      column->type.name,
                      storage_type(column->type.name) == "smallint" ? "32767" : "2147483647"),
          fmt::format("make it bigint first ('alter column {}.{} type bigint') while the table is "
                      "small, or accept the limit",
                      s.table.name, name.name));
    }
  }

  void check(ast::create_index_step const& s) {
    if (s.if_not_exists) return;
    if (s.name.name.empty()) {
      add("prefer-idempotent", s.where, "an index without a name cannot be created idempotently",
          "name it and write CREATE INDEX IF NOT EXISTS <name> ON ...");
      return;
    }
    missing_guard(s, fmt::format("create index '{}'", s.name.name), "create index if not exists");
  }
  void check(ast::create_schema_step const& s) {
    if (!s.if_not_exists)
      missing_guard(s, fmt::format("create schema '{}'", s.name.name),
                    "create schema if not exists");
  }
  void check(ast::create_extension_step const& s) {
    if (!s.if_not_exists)
      missing_guard(s, fmt::format("create extension '{}'", s.name.name),
                    "create extension if not exists");
  }
  void check(ast::drop_table_step const& s) {
    if (!s.if_exists)
      missing_guard(s, fmt::format("drop table '{}'", s.table.name), "drop table if exists");
  }
  void check(ast::drop_column_step const& s) {
    if (!s.if_exists)
      missing_guard(s,
                    fmt::format("drop column '{}.{}'", s.column.table.name, s.column.column.name),
                    "drop column if exists");
  }
  void check(ast::drop_index_step const& s) {
    if (!s.if_exists)
      missing_guard(s, fmt::format("drop index '{}'", s.name.name), "drop index if exists");
  }
  void check(ast::drop_type_step const& s) {
    if (!s.if_exists)
      missing_guard(s, fmt::format("drop type '{}'", s.name.name), "drop type if exists");
  }
  void check(ast::drop_schema_step const& s) {
    if (!s.if_exists)
      missing_guard(s, fmt::format("drop schema '{}'", s.name.name), "drop schema if exists");
  }
  void check(ast::drop_extension_step const& s) {
    if (!s.if_exists)
      missing_guard(s, fmt::format("drop extension '{}'", s.name.name), "drop extension if exists");
  }
  // The language has no `if exists` / `if not exists` for these two; raw SQL has.
  void check(ast::drop_constraint_step const& s) {
    if (m_from_sql && !s.if_exists)
      missing_guard(s, fmt::format("drop constraint '{}'", s.name.name),
                    "drop constraint if exists");
  }
  void check(ast::add_enum_value_step const& s) {
    if (m_from_sql && !s.if_not_exists)
      missing_guard(s, fmt::format("add value '{}'", s.value.value), "add value if not exists");
  }

  template <typename Step>
  void check(Step const&) {}

  void missing_guard(ast::node const& at, std::string what, std::string_view instead) {
    bool const create = instead.find("not exists") != std::string_view::npos;
    add("prefer-idempotent", at.where,
        fmt::format("{} without '{}' fails when the revision runs a second time", what,
                    spelled(create ? "if not exists" : "if exists")),
        fmt::format("write '{} ...'", spelled(std::string(instead))));
  }

  model::schema const& m_before;
  bool m_from_sql;
  lint_selection const& m_enabled;
  std::vector<style_finding> m_out;
};

}  // namespace

std::vector<style_finding> style_findings(ast::step const& step, model::schema const& before,
                                          bool from_sql, lint_selection const& enabled) {
  if (enabled.empty()) return {};
  return style_checker(before, from_sql, enabled).run(step);
}

}  // namespace migc::compiler
