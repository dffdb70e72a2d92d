// Schema model lookups and the structural comparison that proves a downgrade restores its
// revision's start.
#include "model.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace migc::compiler::model {
namespace {

template <typename Items>
auto find_named(Items& items, std::string const& name) -> decltype(&items.front()) {
  auto const it =
      std::find_if(items.begin(), items.end(), [&](auto const& i) { return i.name == name; });
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
  return a.name == b.name && a.kind == b.kind && a.columns == b.columns &&
         a.ref_table == b.ref_table && a.ref_columns == b.ref_columns &&
         a.on_delete == b.on_delete && a.on_update == b.on_update && a.check_sql == b.check_sql;
}

std::optional<std::string> table_difference(table const& a, table const& b) {
  std::string const name = qualified(a.key);
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
    if (!same_constraint(c, *other))
      return fmt::format("constraint '{}' on '{}' differs", c.name, name);
  }
  for (auto const& c : b.constraints) {
    if (!a.find_constraint(c.name))
      return fmt::format("constraint '{}' on '{}' is left over", c.name, name);
  }
  return std::nullopt;
}

/// A schema or extension name, shown as is; keys go through the public overload.
using model::qualified;
std::string const& qualified(std::string const& name) {
  return name;
}

/**
 * Compares two models' objects of one kind at `keys` (sorted; only those can
 * differ): first the expected objects in key order (missing, or differing
 * by `differ`), then the left over ones. `expected(key)` and `actual(key)`
 * give a pointer to the object, null when there is none.
 */
template <typename Keys, typename Expected, typename Actual, typename Differ>
std::optional<std::string> keyed_difference(Keys const& keys, Expected expected, Actual actual,
                                            std::string_view what, Differ differ) {
  for (auto const& key : keys) {
    auto const* e = expected(key);
    if (!e) continue;
    auto const* a = actual(key);
    if (!a) return fmt::format("{} '{}' is missing", what, qualified(key));
    if (auto d = differ(*e, *a)) return d;
  }
  for (auto const& key : keys) {
    if (actual(key) && !expected(key))
      return fmt::format("{} '{}' is left over", what, qualified(key));
  }
  return std::nullopt;
}

template <typename Map>
auto in(Map const& map) {
  return [&map](typename Map::key_type const& key) -> typename Map::mapped_type const* {
    auto const it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  };
}

/// The sorted keys of two maps.
template <typename MapA, typename MapB>
std::vector<typename MapA::key_type> key_union(MapA const& a, MapB const& b) {
  std::vector<typename MapA::key_type> keys;
  keys.reserve(a.size() + b.size());
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() || j != b.end()) {
    if (j == b.end() || (i != a.end() && i->first < j->first)) {
      keys.push_back((i++)->first);
    } else if (i == a.end() || j->first < i->first) {
      keys.push_back((j++)->first);
    } else {
      keys.push_back(i->first);
      ++i;
      ++j;
    }
  }
  return keys;
}

/// The value before the revision: as the upgrade journal recorded it, else
/// (the upgrade did not touch it) as the downgrade journal did.
template <typename Map>
auto before_revision(Map const& upgrade, Map const& downgrade) {
  return [&](typename Map::key_type const& key) -> typename Map::mapped_type::value_type const* {
    auto it = upgrade.find(key);
    if (it == upgrade.end()) it = downgrade.find(key);
    return it->second ? &*it->second : nullptr;
  };
}

auto const no_difference = [](auto const&, auto const&) -> std::optional<std::string> {
  return std::nullopt;
};

std::optional<std::string> index_difference(index const& a, index const& b) {
  if (a.table == b.table && a.columns == b.columns && a.unique == b.unique &&
      a.where_sql == b.where_sql)
    return std::nullopt;
  return fmt::format("index '{}' differs", qualified(a.key));
}

std::optional<std::string> enum_difference(enum_type const& a, enum_type const& b) {
  if (a.values == b.values) return std::nullopt;
  return fmt::format("the values of type '{}' differ", qualified(a.key));
}

/// Adds `delta` to the count of `key` under `entry`, dropping entries that reach zero.
template <typename Index, typename Entry>
void add_count(Index& index, Entry const& entry, object_key const& key, int delta) {
  auto& counts = index[entry];
  if ((counts[key] += delta) == 0) counts.erase(key);
  if (counts.empty()) index.erase(entry);
}

template <typename Index, typename Entry>
key_counts const& counts_of(Index const& index, Entry const& entry) {
  static key_counts const none;
  auto const it = index.find(entry);
  return it == index.end() ? none : it->second;
}

/// Removes the object at `key`, if any, taking it out of the lookups first (`reindex(object, -1)`).
template <typename Map, typename Reindex>
void erase_indexed(Map& map, typename Map::key_type const& key, Reindex reindex) {
  auto const it = map.find(key);
  if (it == map.end()) return;
  reindex(it->second, -1);
  map.erase(it);
}

/// `reindex(object, delta)` for erase_indexed and put_indexed: one of the schema's index_* members.
template <typename Object>
auto reindexer(schema& s, void (schema::*member)(Object const&, int)) {
  return [&s, member](Object const& object, int delta) { (s.*member)(object, delta); };
}

/// Puts `object` at its key, replacing the one there, and keeps the lookups in step.
template <typename Map, typename Reindex>
void put_indexed(Map& map, typename Map::mapped_type object, Reindex reindex) {
  erase_indexed(map, object.key, reindex);
  reindex(object, +1);
  auto const key = object.key;
  map.emplace(key, std::move(object));
}

}  // namespace

column const* table::find_column(std::string const& name) const {
  return find_named(columns, name);
}
column* table::find_column(std::string const& name) {
  return find_named(columns, name);
}
constraint const* table::find_constraint(std::string const& name) const {
  return find_named(constraints, name);
}
constraint const* table::primary_key() const {
  auto const it = std::find_if(constraints.begin(), constraints.end(), [](constraint const& c) {
    return c.kind == constraint_kind::primary_key;
  });
  return it == constraints.end() ? nullptr : &*it;
}

std::string qualified(object_key const& key) {
  return key.first + "." + key.second;
}

bool journal::empty() const {
  return schemas.empty() && extensions.empty() && tables.empty() && indexes.empty() &&
         enums.empty() && !complete.has_value();
}

schema::schema() {
  schemas.emplace("public", origin{});
}

// ------------------------------------------------------------ changes

void schema::add_schema(std::string const& name, origin const& where) {
  record_schema(name);
  schemas[name] = where;
}

void schema::erase_schema(std::string const& name) {
  record_schema(name);
  schemas.erase(name);
}

void schema::add_extension(std::string const& name, origin const& where) {
  record_extension(name);
  extensions[name] = where;
}

bool schema::erase_extension(std::string const& name) {
  if (!extensions.count(name)) return false;
  record_extension(name);
  extensions.erase(name);
  return true;
}

void schema::add_table(table t) {
  record_table(t.key);
  put_indexed(tables, std::move(t), reindexer(*this, &schema::index_table));
}

void schema::erase_table(object_key const& key) {
  if (!tables.count(key)) return;
  record_table(key);
  erase_indexed(tables, key, reindexer(*this, &schema::index_table));
}

void schema::add_index(index i) {
  record_index(i.key);
  put_indexed(indexes, std::move(i), reindexer(*this, &schema::index_index));
}

bool schema::erase_index(object_key const& key) {
  if (!indexes.count(key)) return false;
  record_index(key);
  erase_indexed(indexes, key, reindexer(*this, &schema::index_index));
  return true;
}

void schema::add_enum(enum_type e) {
  record_enum(e.key);
  put_indexed(enums, std::move(e), reindexer(*this, &schema::index_enum));
}

void schema::erase_enum(object_key const& key) {
  if (!enums.count(key)) return;
  record_enum(key);
  erase_indexed(enums, key, reindexer(*this, &schema::index_enum));
}

void schema::mark_incomplete() {
  if (!m_journals.empty() && !m_journals.back().complete) m_journals.back().complete = complete;
  complete = false;
}

table& schema::begin_table_edit(object_key const& key) {
  record_table(key);
  table& t = tables.at(key);
  index_table(t, -1);
  return t;
}
void schema::end_table_edit(table const& t) {
  index_table(t, +1);
}

index& schema::begin_index_edit(object_key const& key) {
  record_index(key);
  index& i = indexes.at(key);
  index_index(i, -1);
  return i;
}
void schema::end_index_edit(index const& i) {
  index_index(i, +1);
}

enum_type& schema::begin_enum_edit(object_key const& key) {
  record_enum(key);
  enum_type& e = enums.at(key);
  index_enum(e, -1);
  return e;
}
void schema::end_enum_edit(enum_type const& e) {
  index_enum(e, +1);
}

// ------------------------------------------------------------ journals

namespace {

template <typename Journaled, typename Map>
void record(Journaled& journaled, Map const& map, typename Map::key_type const& key) {
  if (journaled.count(key)) return;
  auto const it = map.find(key);
  if (it == map.end()) {
    journaled.emplace(key, std::nullopt);
  } else {
    journaled.emplace(key, it->second);
  }
}

/// Moves the records of `from` that `to` lacks into `to`.
template <typename Journaled>
void merge(Journaled& to, Journaled& from) {
  for (auto& [key, value] : from) to.emplace(key, std::move(value));
}

/// Puts back recorded values, keeping the lookups in step with `reindex(object, delta)`.
template <typename Journaled, typename Map, typename Reindex>
void put_back(Journaled const& journaled, Map& map, Reindex reindex) {
  for (auto const& [key, value] : journaled) {
    erase_indexed(map, key, reindex);
    if (value) reindex(map.emplace(key, *value).first->second, +1);
  }
}

}  // namespace

void schema::record_schema(std::string const& name) {
  if (!m_journals.empty()) record(m_journals.back().schemas, schemas, name);
}
void schema::record_extension(std::string const& name) {
  if (!m_journals.empty()) record(m_journals.back().extensions, extensions, name);
}
void schema::record_table(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().tables, tables, key);
}
void schema::record_index(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().indexes, indexes, key);
}
void schema::record_enum(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().enums, enums, key);
}

void schema::open_journal() {
  m_journals.emplace_back();
}

void schema::commit_journal() {
  journal top = std::move(m_journals.back());
  m_journals.pop_back();
  if (m_journals.empty()) return;
  journal& below = m_journals.back();
  merge(below.schemas, top.schemas);
  merge(below.extensions, top.extensions);
  merge(below.tables, top.tables);
  merge(below.indexes, top.indexes);
  merge(below.enums, top.enums);
  if (!below.complete) below.complete = top.complete;
}

void schema::roll_back_journal() {
  journal const top = take_journal();
  restore(top);
}

journal schema::take_journal() {
  journal top = std::move(m_journals.back());
  m_journals.pop_back();
  return top;
}

void schema::restore(journal const& j) {
  auto const nothing = [](auto const&, int) {};
  put_back(j.schemas, schemas, nothing);
  put_back(j.extensions, extensions, nothing);
  put_back(j.tables, tables, reindexer(*this, &schema::index_table));
  put_back(j.indexes, indexes, reindexer(*this, &schema::index_index));
  put_back(j.enums, enums, reindexer(*this, &schema::index_enum));
  if (j.complete) complete = *j.complete;
}

// ------------------------------------------------------------ lookups

void schema::index_table(table const& t, int delta) {
  for (auto const& c : t.constraints) {
    add_count(m_constraint_names, object_key{t.key.first, c.name}, t.key, delta);
    if (c.kind == constraint_kind::foreign_key) add_count(m_references, c.ref_table, t.key, delta);
  }
  for (auto const& c : t.columns) {
    if (!c.type.schema.empty())
      add_count(m_type_users, object_key{c.type.schema, c.type.name}, t.key, delta);
  }
}

void schema::index_index(index const& i, int delta) {
  add_count(m_table_indexes, object_key{i.key.first, i.table}, i.key, delta);
}

void schema::index_enum(enum_type const& e, int delta) {
  for (auto const& [value, revision] : e.value_added_in)
    add_count(m_added_values, revision, e.key, delta);
}

key_counts const& schema::tables_with_constraint(object_key const& key) const {
  return counts_of(m_constraint_names, key);
}
key_counts const& schema::tables_referencing(object_key const& key) const {
  return counts_of(m_references, key);
}
key_counts const& schema::tables_using_type(object_key const& key) const {
  return counts_of(m_type_users, key);
}
key_counts const& schema::indexes_on(object_key const& key) const {
  return counts_of(m_table_indexes, key);
}

std::vector<object_key> schema::enums_with_values_added_in(std::uint64_t revision) const {
  std::vector<object_key> out;
  for (auto const& [key, n] : counts_of(m_added_values, revision)) out.push_back(key);
  return out;
}

// ------------------------------------------------------------ comparison

std::optional<std::string> first_difference(schema const& expected, schema const& actual) {
  if (auto d = keyed_difference(key_union(expected.schemas, actual.schemas), in(expected.schemas),
                                in(actual.schemas), "schema", no_difference))
    return d;
  if (auto d = keyed_difference(key_union(expected.extensions, actual.extensions),
                                in(expected.extensions), in(actual.extensions), "extension",
                                no_difference))
    return d;
  if (auto d = keyed_difference(key_union(expected.tables, actual.tables), in(expected.tables),
                                in(actual.tables), "table", table_difference))
    return d;
  if (auto d = keyed_difference(key_union(expected.indexes, actual.indexes), in(expected.indexes),
                                in(actual.indexes), "index", index_difference))
    return d;
  return keyed_difference(key_union(expected.enums, actual.enums), in(expected.enums),
                          in(actual.enums), "type", enum_difference);
}

std::optional<std::string> first_difference(journal const& upgrade, journal const& downgrade,
                                            schema const& actual) {
  if (auto d = keyed_difference(key_union(upgrade.schemas, downgrade.schemas),
                                before_revision(upgrade.schemas, downgrade.schemas),
                                in(actual.schemas), "schema", no_difference))
    return d;
  if (auto d = keyed_difference(key_union(upgrade.extensions, downgrade.extensions),
                                before_revision(upgrade.extensions, downgrade.extensions),
                                in(actual.extensions), "extension", no_difference))
    return d;
  if (auto d = keyed_difference(key_union(upgrade.tables, downgrade.tables),
                                before_revision(upgrade.tables, downgrade.tables),
                                in(actual.tables), "table", table_difference))
    return d;
  if (auto d = keyed_difference(key_union(upgrade.indexes, downgrade.indexes),
                                before_revision(upgrade.indexes, downgrade.indexes),
                                in(actual.indexes), "index", index_difference))
    return d;
  return keyed_difference(key_union(upgrade.enums, downgrade.enums),
                          before_revision(upgrade.enums, downgrade.enums), in(actual.enums), "type",
                          enum_difference);
}

}  // namespace migc::compiler::model
