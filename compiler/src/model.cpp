// Schema model lookups and the structural comparison that proves a downgrade restores its revision's start.
#include "model.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace migc::compiler::model {
namespace {

template <typename Items>
auto find_named(Items& items, std::string const& name) -> decltype(&items.front()) {
  auto const it = std::find_if(items.begin(), items.end(), [&](auto const& i) { return i.name == name; });
  return it == items.end() ? nullptr : &*it;
}

std::string type_key(dsl::ast::type_name const& t) {
  std::string out = t.schema + "." + t.name;
  for (auto const m : t.modifiers) out += fmt::format(",{}", m);
  return out + std::string(t.array_dims * 2, '[');
}

bool same_column(column const& a, column const& b) {
  return a.name == b.name && type_key(a.type) == type_key(b.type) && a.not_null == b.not_null &&
         a.default_sql == b.default_sql && a.identity_always == b.identity_always;
}

bool same_constraint(constraint const& a, constraint const& b) {
  return a.name == b.name && a.kind == b.kind && a.columns == b.columns && a.ref_table == b.ref_table &&
         a.ref_columns == b.ref_columns && a.on_delete == b.on_delete && a.check_sql == b.check_sql;
}

std::string shown(object_key const& key) { return key.first + "." + key.second; }

std::optional<std::string> table_difference(table const& a, table const& b) {
  std::string const name = shown(a.key);
  for (auto const& c : a.columns) {
    column const* other = b.find_column(c.name);
    if (!other) return fmt::format("column '{}.{}' is missing", name, c.name);
    if (!same_column(c, *other)) return fmt::format("column '{}.{}' differs", name, c.name);
  }
  for (auto const& c : b.columns) {
    if (!a.find_column(c.name)) return fmt::format("column '{}.{}' is left over", name, c.name);
  }
  for (auto const& c : a.constraints) {
    constraint const* other = b.find_constraint(c.name);
    if (!other) return fmt::format("constraint '{}' on '{}' is missing", c.name, name);
    if (!same_constraint(c, *other)) return fmt::format("constraint '{}' on '{}' differs", c.name, name);
  }
  for (auto const& c : b.constraints) {
    if (!a.find_constraint(c.name)) return fmt::format("constraint '{}' on '{}' is left over", c.name, name);
  }
  return std::nullopt;
}

/// Compares two maps by key, then each pair of values with `differ`.
template <typename Map, typename Differ>
std::optional<std::string> map_difference(Map const& a, Map const& b, std::string_view what, Differ differ) {
  for (auto const& [key, value] : a) {
    auto const it = b.find(key);
    if (it == b.end()) return fmt::format("{} '{}' is missing", what, shown(key));
    if (auto d = differ(value, it->second)) return d;
  }
  for (auto const& [key, value] : b) {
    if (a.count(key) == 0) return fmt::format("{} '{}' is left over", what, shown(key));
  }
  return std::nullopt;
}

template <typename Map>
std::optional<std::string> name_difference(Map const& a, Map const& b, std::string_view what) {
  for (auto const& [name, value] : a) {
    if (b.count(name) == 0) return fmt::format("{} '{}' is missing", what, name);
  }
  for (auto const& [name, value] : b) {
    if (a.count(name) == 0) return fmt::format("{} '{}' is left over", what, name);
  }
  return std::nullopt;
}

}  // namespace

column const* table::find_column(std::string const& name) const { return find_named(columns, name); }
column* table::find_column(std::string const& name) { return find_named(columns, name); }
constraint const* table::find_constraint(std::string const& name) const {
  return find_named(constraints, name);
}
constraint const* table::primary_key() const {
  auto const it = std::find_if(constraints.begin(), constraints.end(),
                               [](constraint const& c) { return c.kind == constraint_kind::primary_key; });
  return it == constraints.end() ? nullptr : &*it;
}

schema::schema() { schemas.emplace("public", origin{}); }

std::optional<std::string> first_difference(schema const& expected, schema const& actual) {
  if (auto d = name_difference(expected.schemas, actual.schemas, "schema")) return d;
  if (auto d = name_difference(expected.extensions, actual.extensions, "extension")) return d;
  if (auto d = map_difference(expected.tables, actual.tables, "table", table_difference)) return d;
  auto const index_difference = [](index const& a, index const& b) -> std::optional<std::string> {
    if (a.table == b.table && a.columns == b.columns && a.unique == b.unique && a.where_sql == b.where_sql)
      return std::nullopt;
    return fmt::format("index '{}' differs", shown(a.key));
  };
  if (auto d = map_difference(expected.indexes, actual.indexes, "index", index_difference)) return d;
  auto const enum_difference = [](enum_type const& a, enum_type const& b) -> std::optional<std::string> {
    if (a.values == b.values) return std::nullopt;
    return fmt::format("the values of type '{}' differ", shown(a.key));
  };
  return map_difference(expected.enums, actual.enums, "type", enum_difference);
}

}  // namespace migc::compiler::model
