// Schema model changes, journals and lookups, and the structural comparison that proves a
// downgrade restores its revision's start.
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
         a.default_sql == b.default_sql && a.identity_always == b.identity_always &&
         a.generated_sql == b.generated_sql && a.remark == b.remark;
}

bool same_constraint(constraint const& a, constraint const& b) {
  return a.name == b.name && a.kind == b.kind && a.columns == b.columns &&
         a.ref_table == b.ref_table && a.ref_columns == b.ref_columns &&
         a.on_delete == b.on_delete && a.on_update == b.on_update && a.check_sql == b.check_sql &&
         a.remark == b.remark;
}

bool same_trigger(trigger const& a, trigger const& b) {
  return a.name == b.name && a.function == b.function && a.timing == b.timing &&
         a.remark == b.remark;
}

/// Appends, for the named children of one kind (columns, constraints, triggers), what differs.
template <typename Items, typename Same>
void child_differences(Items const& a, Items const& b, std::string_view what,
                       std::string const& owner, Same same, std::vector<std::string>& out) {
  for (auto const& x : a) {
    auto const* other = find_named(b, x.name);
    if (!other) {
      out.push_back(fmt::format("{} '{}' of '{}' is missing", what, x.name, owner));
    } else if (!same(x, *other)) {
      out.push_back(fmt::format("{} '{}' of '{}' differs", what, x.name, owner));
    }
  }
  for (auto const& x : b) {
    if (!find_named(a, x.name))
      out.push_back(fmt::format("{} '{}' of '{}' is left over", what, x.name, owner));
  }
}

void table_differences(table const& a, table const& b, std::vector<std::string>& out) {
  std::string const name = qualified(a.key);
  child_differences(a.columns, b.columns, "column", name, same_column, out);
  child_differences(a.constraints, b.constraints, "constraint", name, same_constraint, out);
  child_differences(a.triggers, b.triggers, "trigger", name, same_trigger, out);
  if (a.remark != b.remark) out.push_back(fmt::format("the comment on table '{}' differs", name));
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
void keyed_differences(Keys const& keys, Expected expected, Actual actual, std::string_view what,
                       Differ differ, std::vector<std::string>& out) {
  for (auto const& key : keys) {
    auto const* e = expected(key);
    if (!e) continue;
    auto const* a = actual(key);
    if (!a) {
      out.push_back(fmt::format("{} '{}' is missing", what, qualified(key)));
    } else {
      differ(*e, *a, out);
    }
  }
  for (auto const& key : keys) {
    if (actual(key) && !expected(key))
      out.push_back(fmt::format("{} '{}' is left over", what, qualified(key)));
  }
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

/// A differ for objects compared as a whole by `same`.
template <typename Same>
auto whole(std::string_view what, Same same) {
  return [what, same](auto const& a, auto const& b, std::vector<std::string>& out) {
    if (!same(a, b)) out.push_back(fmt::format("{} '{}' differs", what, qualified(a.key)));
  };
}

auto const named_differ = [](named_object const& a, named_object const& b,
                             std::vector<std::string>& out) {
  if (a.remark != b.remark) out.push_back("the comment of a schema or extension differs");
};

bool same_index(index const& a, index const& b) {
  return a.table == b.table && a.method == b.method && a.keys == b.keys && a.include == b.include &&
         a.unique == b.unique && a.where_sql == b.where_sql && a.remark == b.remark;
}
bool same_enum(enum_type const& a, enum_type const& b) {
  return a.values == b.values && a.remark == b.remark;
}
bool same_type(user_type const& a, user_type const& b) {
  return a.kind == b.kind && a.remark == b.remark;
}
bool same_sequence(sequence const& a, sequence const& b) {
  return a.type == b.type && a.owned_by == b.owned_by && a.remark == b.remark;
}
/// Views compare by what they read, not by their query's text: a query names tables as they
/// were called when it was written, and renames since change nothing in PostgreSQL (it keeps
/// the view by OID).
bool same_view(view const& a, view const& b) {
  return a.materialized == b.materialized && a.reads == b.reads && a.remark == b.remark;
}
bool same_function(function const& a, function const& b) {
  return a.procedure == b.procedure && a.language == b.language && a.returns == b.returns &&
         a.body_md5 == b.body_md5 && a.remark == b.remark;
}

/// Calls `f(model map, journal map, what, differ)` with member pointers for each kind the
/// downgrade proof compares (unknown objects are not: the model knows nothing of them).
template <typename F>
void compared_kinds(F f) {
  f(&schema::schemas, &journal::schemas, "schema", named_differ);
  f(&schema::extensions, &journal::extensions, "extension", named_differ);
  f(&schema::tables, &journal::tables, "table",
    [](table const& a, table const& b, std::vector<std::string>& out) {
      table_differences(a, b, out);
    });
  f(&schema::indexes, &journal::indexes, "index", whole("index", same_index));
  f(&schema::enums, &journal::enums, "type", whole("type", same_enum));
  f(&schema::types, &journal::types, "type", whole("type", same_type));
  f(&schema::sequences, &journal::sequences, "sequence", whole("sequence", same_sequence));
  f(&schema::views, &journal::views, "view", whole("view", same_view));
  f(&schema::functions, &journal::functions, "function", whole("function", same_function));
}

/// Calls `f(journal map)` with a member pointer for every kind a journal records.
template <typename F>
void journal_kinds(F f) {
  f(&journal::schemas);
  f(&journal::extensions);
  f(&journal::tables);
  f(&journal::indexes);
  f(&journal::enums);
  f(&journal::types);
  f(&journal::sequences);
  f(&journal::views);
  f(&journal::functions);
  f(&journal::unknown);
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

auto const no_reindex = [](auto const&, int) {};

/// Puts `object` at `key`, replacing the one there, and keeps the lookups in step.
template <typename Map, typename Reindex>
void put_indexed(Map& map, typename Map::key_type const& key, typename Map::mapped_type object,
                 Reindex reindex) {
  erase_indexed(map, key, reindex);
  reindex(object, +1);
  map.emplace(key, std::move(object));
}

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

column const* table::find_column(std::string const& name) const {
  return find_named(columns, name);
}
column* table::find_column(std::string const& name) {
  return find_named(columns, name);
}
constraint const* table::find_constraint(std::string const& name) const {
  return find_named(constraints, name);
}
constraint* table::find_constraint(std::string const& name) {
  return find_named(constraints, name);
}
constraint const* table::primary_key() const {
  auto const it = std::find_if(constraints.begin(), constraints.end(), [](constraint const& c) {
    return c.kind == constraint_kind::primary_key;
  });
  return it == constraints.end() ? nullptr : &*it;
}
trigger const* table::find_trigger(std::string const& name) const {
  return find_named(triggers, name);
}

std::vector<std::string> index::key_columns() const {
  std::vector<std::string> out;
  for (auto const& k : keys) {
    if (!k.column.empty()) out.push_back(k.column);
  }
  return out;
}

std::string qualified(object_key const& key) {
  return key.first + "." + key.second;
}

bool journal::empty() const {
  bool none = !complete.has_value();
  journal_kinds([&](auto member) { none = none && (this->*member).empty(); });
  return none;
}

schema::schema() {
  schemas.emplace("public", named_object{});
}

template <typename Journal, typename F>
void schema::for_each_kind(Journal& j, F&& f) {
  f(schemas, j.schemas, no_reindex);
  f(extensions, j.extensions, no_reindex);
  f(tables, j.tables, reindexer(*this, &schema::index_table));
  f(indexes, j.indexes, reindexer(*this, &schema::index_index));
  f(enums, j.enums, reindexer(*this, &schema::index_enum));
  f(types, j.types, no_reindex);
  f(sequences, j.sequences, no_reindex);
  f(views, j.views, no_reindex);
  f(functions, j.functions, no_reindex);
  f(unknown, j.unknown, no_reindex);
}

// ------------------------------------------------------------ changes

void schema::add_schema(std::string const& name, named_object object) {
  record_schema(name);
  schemas[name] = std::move(object);
}

void schema::erase_schema(std::string const& name) {
  record_schema(name);
  schemas.erase(name);
}

void schema::add_extension(std::string const& name, named_object object) {
  record_extension(name);
  extensions[name] = std::move(object);
}

bool schema::erase_extension(std::string const& name) {
  if (!extensions.count(name)) return false;
  record_extension(name);
  extensions.erase(name);
  return true;
}

void schema::add_table(table t) {
  record_table(t.key);
  auto const key = t.key;
  put_indexed(tables, key, std::move(t), reindexer(*this, &schema::index_table));
}

void schema::erase_table(object_key const& key) {
  if (!tables.count(key)) return;
  record_table(key);
  erase_indexed(tables, key, reindexer(*this, &schema::index_table));
}

void schema::add_index(index i) {
  record_index(i.key);
  auto const key = i.key;
  put_indexed(indexes, key, std::move(i), reindexer(*this, &schema::index_index));
}

bool schema::erase_index(object_key const& key) {
  if (!indexes.count(key)) return false;
  record_index(key);
  erase_indexed(indexes, key, reindexer(*this, &schema::index_index));
  return true;
}

void schema::add_enum(enum_type e) {
  record_enum(e.key);
  auto const key = e.key;
  put_indexed(enums, key, std::move(e), reindexer(*this, &schema::index_enum));
}

void schema::erase_enum(object_key const& key) {
  if (!enums.count(key)) return;
  record_enum(key);
  erase_indexed(enums, key, reindexer(*this, &schema::index_enum));
}

void schema::add_type(user_type t) {
  record_type(t.key);
  auto const key = t.key;
  types.insert_or_assign(key, std::move(t));
}
void schema::erase_type(object_key const& key) {
  record_type(key);
  types.erase(key);
}
void schema::add_sequence(sequence s) {
  record_sequence(s.key);
  auto const key = s.key;
  sequences.insert_or_assign(key, std::move(s));
}
void schema::erase_sequence(object_key const& key) {
  record_sequence(key);
  sequences.erase(key);
}
void schema::add_view(view v) {
  record_view(v.key);
  auto const key = v.key;
  views.insert_or_assign(key, std::move(v));
}
void schema::erase_view(object_key const& key) {
  record_view(key);
  views.erase(key);
}
void schema::add_function(function f) {
  record_function(f.key);
  auto const key = f.key;
  functions.insert_or_assign(key, std::move(f));
}
void schema::erase_function(object_key const& key) {
  record_function(key);
  functions.erase(key);
}
void schema::add_unknown(object_key const& key, unknown_object u) {
  if (unknown.count(key)) return;
  record_unknown(key);
  unknown.emplace(key, std::move(u));
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
void schema::record_type(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().types, types, key);
}
void schema::record_sequence(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().sequences, sequences, key);
}
void schema::record_view(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().views, views, key);
}
void schema::record_function(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().functions, functions, key);
}
void schema::record_unknown(object_key const& key) {
  if (!m_journals.empty()) record(m_journals.back().unknown, unknown, key);
}

void schema::open_journal() {
  m_journals.emplace_back();
}

void schema::commit_journal() {
  journal top = std::move(m_journals.back());
  m_journals.pop_back();
  if (m_journals.empty()) return;
  journal& below = m_journals.back();
  journal_kinds([&](auto member) { merge(below.*member, top.*member); });
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
  for_each_kind(
      j, [](auto& map, auto const& journaled, auto reindex) { put_back(journaled, map, reindex); });
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
    if (c.default_sql && c.default_type && !c.default_type->schema.empty() &&
        (c.default_type->schema != c.type.schema || c.default_type->name != c.type.name))
      add_count(m_type_users, object_key{c.default_type->schema, c.default_type->name}, t.key,
                delta);
  }
  for (auto const& tr : t.triggers) add_count(m_trigger_functions, tr.function, t.key, delta);
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
key_counts const& schema::tables_triggering(object_key const& key) const {
  return counts_of(m_trigger_functions, key);
}

std::vector<object_key> schema::enums_with_values_added_in(std::uint64_t revision) const {
  std::vector<object_key> out;
  for (auto const& [key, n] : counts_of(m_added_values, revision)) out.push_back(key);
  return out;
}

sequence const* schema::sequence_owned_by(object_key const& table,
                                          std::string const& column) const {
  for (auto const& [key, s] : sequences) {
    if (s.owned_by && s.owned_by->first == table && s.owned_by->second == column) return &s;
  }
  return nullptr;
}

std::optional<origin> schema::relation(object_key const& key) const {
  if (auto const t = tables.find(key); t != tables.end()) return t->second.defined;
  if (auto const i = indexes.find(key); i != indexes.end()) return i->second.defined;
  if (auto const v = views.find(key); v != views.end()) return v->second.defined;
  if (auto const s = sequences.find(key); s != sequences.end()) return s->second.defined;
  // The tables of the schema, in key order, with a constraint of that name backed by an index.
  for (auto const& [k, n] : tables_with_constraint(key)) {
    for (auto const& c : tables.at(k).constraints) {
      bool const has_index = c.kind == constraint_kind::primary_key ||
                             c.kind == constraint_kind::unique ||
                             c.kind == constraint_kind::exclusion;
      if (has_index && c.name == key.second) return c.defined;
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------ comparison

std::optional<std::string> first_difference(schema const& expected, schema const& actual) {
  std::vector<std::string> out;
  compared_kinds([&](auto model_member, auto, std::string_view what, auto differ) {
    auto const& e = expected.*model_member;
    auto const& a = actual.*model_member;
    if (out.empty()) keyed_differences(key_union(e, a), in(e), in(a), what, differ, out);
  });
  if (out.empty()) return std::nullopt;
  return out.front();
}

std::vector<std::string> differences(journal const& upgrade, journal const& downgrade,
                                     schema const& actual) {
  std::vector<std::string> out;
  // The two journals give the keys that can differ, and the values before the revision.
  compared_kinds([&](auto model_member, auto journal_member, std::string_view what, auto differ) {
    auto const& up = upgrade.*journal_member;
    auto const& down = downgrade.*journal_member;
    keyed_differences(key_union(up, down), before_revision(up, down), in(actual.*model_member),
                      what, differ, out);
  });
  return out;
}

}  // namespace migc::compiler::model
