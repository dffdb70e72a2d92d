// apply_change: the object changes only raw SQL makes (sequences, views, functions, triggers,
// other types, comments, renames, identity, unknown objects), checked like declarative steps.
#include <algorithm>
#include <variant>

#include "changes.hpp"
#include "overloaded.hpp"
#include "replay_base.hpp"
#include "types.hpp"

namespace migc::compiler {

std::string_view change::name_of(object_kind kind) {
  switch (kind) {
    case object_kind::table:
      return "table";
    case object_kind::column:
      return "column";
    case object_kind::index:
      return "index";
    case object_kind::constraint:
      return "constraint";
    case object_kind::sequence:
      return "sequence";
    case object_kind::view:
      return "view";
    case object_kind::materialized_view:
      return "materialized view";
    case object_kind::function:
      return "function";
    case object_kind::procedure:
      return "procedure";
    case object_kind::trigger:
      return "trigger";
    case object_kind::type:
      return "type";
    case object_kind::schema:
      return "schema";
    case object_kind::extension:
      return "extension";
  }
  return "object";
}

namespace {

using namespace replay_support;
using change::object_kind;

/// "name(argument types)": how the model keys a function (PostgreSQL's identity of one).
std::string function_identity(std::string const& name, std::string const& arguments) {
  return name + "(" + arguments + ")";
}

class object_replayer : replay_base {
 public:
  using replay_base::replay_base;

  bool apply(change::object_change const& c) {
    return std::visit([&](auto const& x) { return apply_change(x); }, c);
  }

 private:
  // ------------------------------------------------------------ lookups

  /// The function a target names: with its argument types, or the only one of its name.
  std::optional<object_key> find_function(change::target const& t, bool report) {
    object_key const base = key_of(t.name);
    if (t.arguments) {
      object_key const key{base.first, function_identity(base.second, *t.arguments)};
      if (m_model.functions.count(key)) return key;
    } else {
      std::vector<object_key> found;
      for (auto it = m_model.functions.lower_bound({base.first, base.second + "("});
           it != m_model.functions.end() && it->first.first == base.first &&
           it->second.name == base.second;
           ++it)
        found.push_back(it->first);
      if (found.size() == 1) return found.front();
      if (found.size() > 1) {
        if (report)
          error("ambiguous-function", t.name,
                fmt::format("function name '{}' is not unique", shown(base)),
                "write its argument types: name(integer, text)");
        return std::nullopt;
      }
    }
    if (report && !unsure_of(base)) {
      error("unknown-function", t.name,
            fmt::format("function '{}' does not exist",
                        t.arguments ? function_identity(shown(base), *t.arguments) : shown(base)));
    }
    return std::nullopt;
  }

  model::table const* table_of(change::target const& t, bool& missing_ok) {
    if (!t.on) {
      missing_ok = true;
      return nullptr;
    }
    return require_table(*t.on, missing_ok);
  }

  /// Reports a name already taken by another relation; true when it is free.
  bool relation_free(object_key const& key, ast::node const& at, std::string_view what) {
    return relation_names_free(key, at, what);
  }

  // ------------------------------------------------------------ sequences

  bool owner_exists(ast::column_ref const& owner) {
    bool missing_ok = false;
    model::table const* table = require_table(owner.table, missing_ok);
    if (!table) return missing_ok;
    return require_column(*table, owner.column) != nullptr;
  }

  std::pair<object_key, std::string> owner_key(ast::column_ref const& owner) const {
    return {key_of(owner.table), owner.column.name};
  }

  bool apply_change(change::create_sequence const& c) {
    object_key const key = key_of(c.name);
    if (!require_schema(key.first, c.name)) return false;
    if (c.if_not_exists && m_model.relation(key)) return true;
    if (!relation_free(key, c.name, "relation")) return false;
    model::sequence s;
    s.key = key;
    s.type = c.type;
    if (c.owned_by) {
      if (!owner_exists(*c.owned_by)) return false;
      s.owned_by = owner_key(*c.owned_by);
    }
    s.defined = here(c.name);
    m_change.add_sequence(std::move(s));
    return true;
  }

  /// A serial column whose sequence gets another type than the column's (ALTER SEQUENCE ... AS)
  /// is no serial any more: it reads the sequence as a plain default, as a column widened by raw
  /// ALTER TABLE ... TYPE does (replay.cpp, retype_column), so both spell one database alike.
  void unserial_owner(model::sequence const& s, std::string const& type) {
    if (!s.owned_by) return;
    auto const* table = find_table(s.owned_by->first);
    auto const* column = table ? table->find_column(s.owned_by->second) : nullptr;
    if (!column || !column->type.schema.empty() || !is_serial(normalized(column->type).name) ||
        storage_type(normalized(column->type).name) == type)
      return;
    object_key const key = s.key;
    std::string const name = s.owned_by->second;
    m_change.edit_table(table->key, [&](model::table& t) {
      auto* c = t.find_column(name);
      c->type.name = std::string(storage_type(normalized(c->type).name));
      c->default_sql = nextval_sql(key);
      c->default_type = ast::type_name{};
      c->default_type->name = "bigint";
    });
  }

  bool apply_change(change::alter_sequence const& c) {
    object_key const key = key_of(c.name);
    if (!m_model.sequences.count(key)) {
      if (c.if_exists || unsure_of(key)) return true;
      return error("unknown-sequence", c.name,
                   fmt::format("sequence '{}' does not exist", shown(key)));
    }
    if (c.owned_by && *c.owned_by && !owner_exists(**c.owned_by)) return false;
    if (c.type) unserial_owner(m_model.sequences.at(key), *c.type);
    m_change.edit_sequence(key, [&](model::sequence& s) {
      if (c.type) s.type = *c.type;
      if (c.owned_by) {
        if (*c.owned_by) {
          s.owned_by = owner_key(**c.owned_by);
        } else {
          s.owned_by.reset();
        }
      }
    });
    return true;
  }

  // ------------------------------------------------------------ views

  bool apply_change(change::create_view const& c) {
    object_key const key = key_of(c.name);
    if (!require_schema(key.first, c.name)) return false;
    auto const existing = m_model.views.find(key);
    bool const replace = existing != m_model.views.end() &&
                         (c.or_replace && existing->second.materialized == c.materialized);
    if (existing != m_model.views.end() && c.if_not_exists) return true;
    if (!replace && !relation_free(key, c.name, "relation")) return false;
    if (replace && !keeps_columns(existing->second, c)) return false;
    model::view v;
    v.key = key;
    v.materialized = c.materialized;
    v.definition = c.definition;
    for (auto const& r : c.reads) {
      object_key const read = key_of(r);
      if (m_model.tables.count(read) || m_model.views.count(read)) v.reads.insert(read);
    }
    v.sql = c.sql;
    v.created_as = key;
    v.columns = c.columns;
    v.remark = replace ? existing->second.remark : std::nullopt;
    v.defined = replace ? existing->second.defined : here(c.name);
    m_change.add_view(std::move(v));
    return true;
  }

  /// CREATE OR REPLACE VIEW may add columns at the end, never drop, rename or reorder them
  /// (PostgreSQL: "cannot drop columns from view", "cannot change name of view column").
  bool keeps_columns(model::view const& old, change::create_view const& c) {
    if (!old.columns || !c.columns) return true;
    auto const& was = *old.columns;
    auto const& now = *c.columns;
    for (std::size_t i = 0; i < was.size(); ++i) {
      if (i < now.size() && now[i] == was[i]) continue;
      return error(
          "view-columns", c.name,
          i < now.size()
              ? fmt::format("CREATE OR REPLACE VIEW cannot rename column '{}' of view '{}' to '{}'",
                            was[i], shown(old.key), now[i])
              : fmt::format("CREATE OR REPLACE VIEW cannot drop column '{}' of view '{}'", was[i],
                            shown(old.key)),
          "a replaced view keeps its columns and may add some at the end: DROP VIEW, then CREATE "
          "VIEW",
          defined_here(old.defined, "the view is created here"));
    }
    return true;
  }

  // ------------------------------------------------------------ functions and triggers

  bool apply_change(change::create_function const& c) {
    object_key const base = key_of(c.name);
    if (!require_schema(base.first, c.name)) return false;
    object_key const key{base.first, function_identity(base.second, c.arguments)};
    auto const existing = m_model.functions.find(key);
    if (existing != m_model.functions.end() && !c.or_replace) {
      return error("duplicate-function", c.name,
                   fmt::format("{} '{}' already exists", c.procedure ? "procedure" : "function",
                               function_identity(shown(base), c.arguments)),
                   "write CREATE OR REPLACE to change it",
                   defined_here(existing->second.defined, "it is created here"));
    }
    model::function f;
    f.key = key;
    f.name = base.second;
    f.arguments = c.arguments;
    f.procedure = c.procedure;
    f.language = c.language;
    f.returns = c.returns;
    f.body_md5 = c.body_md5;
    f.sql = c.sql;
    f.created_as = base;
    bool const replaced = existing != m_model.functions.end();
    f.remark = replaced ? existing->second.remark : std::nullopt;
    f.defined = replaced ? existing->second.defined : here(c.name);
    m_change.add_function(std::move(f));
    return true;
  }

  bool apply_change(change::create_trigger const& c) {
    bool missing_ok = false;
    model::table const* table = require_table(c.table, missing_ok);
    if (!table) return missing_ok;
    auto const* existing = table->find_trigger(c.name.name);
    if (existing && !c.or_replace) {
      return error(
          "duplicate-trigger", c.name,
          fmt::format("trigger '{}' already exists on table '{}'", c.name.name, shown(table->key)),
          "write CREATE OR REPLACE TRIGGER to change it",
          defined_here(existing->defined, "it is created here"));
    }
    model::trigger t;
    t.name = c.name.name;
    t.function = key_of(c.function);
    t.timing = c.timing;
    t.update_columns = c.update_columns;
    t.when_sql = c.when_sql;
    t.arguments = c.arguments;
    t.remark = existing ? existing->remark : std::nullopt;
    t.defined = existing ? existing->defined : here(c.name);
    m_change.edit_table(table->key, [&](model::table& tb) {
      tb.triggers.erase(std::remove_if(tb.triggers.begin(), tb.triggers.end(),
                                       [&](model::trigger const& x) { return x.name == t.name; }),
                        tb.triggers.end());
      tb.triggers.push_back(std::move(t));
    });
    return true;
  }

  // ------------------------------------------------------------ types

  bool apply_change(change::create_type const& c) {
    object_key const key = key_of(c.name);
    if (!require_schema(key.first, c.name)) return false;
    if (auto const it = m_model.types.find(key); it != m_model.types.end()) {
      return error("duplicate-type", c.name, fmt::format("type '{}' already exists", shown(key)),
                   std::nullopt, defined_here(it->second.defined, "it is created here"));
    }
    if (auto const it = m_model.enums.find(key); it != m_model.enums.end()) {
      return error("duplicate-type", c.name, fmt::format("type '{}' already exists", shown(key)),
                   std::nullopt, defined_here(it->second.defined, "it is created here"));
    }
    m_change.add_type({key, c.kind, c.sql, key, std::nullopt, here(c.name)});
    return true;
  }

  /// A column of some table that uses type `key`, if any.
  std::optional<std::pair<object_key, model::column const*>> type_user(
      object_key const& key) const {
    for (auto const& [k, n] : m_model.tables_using_type(key)) {
      for (auto const& c : m_model.tables.at(k).columns) {
        if (c.uses_type(key)) return std::pair{k, &c};
      }
    }
    return std::nullopt;
  }

  // ------------------------------------------------------------ drops

  bool apply_change(change::drop_object const& c) {
    switch (c.what.kind) {
      case object_kind::sequence:
        return drop_keyed(m_model.sequences, c,
                          [&](object_key const& k) { m_change.erase_sequence(k); });
      case object_kind::view:
      case object_kind::materialized_view:
        return drop_view(c);
      case object_kind::function:
      case object_kind::procedure:
        return drop_function(c);
      case object_kind::trigger:
        return drop_trigger(c);
      case object_kind::type:
        return drop_type(c);
      default:
        return true;  // the declarative steps drop the other kinds
    }
  }

  template <typename Map, typename Erase>
  bool drop_keyed(Map const& map, change::drop_object const& c, Erase erase) {
    object_key const key = key_of(c.what.name);
    if (!map.count(key)) {
      if (c.if_exists || unsure_of(key)) return true;
      return error(fmt::format("unknown-{}", change::name_of(c.what.kind)), c.what.name,
                   fmt::format("{} '{}' does not exist", change::name_of(c.what.kind), shown(key)));
    }
    erase(key);
    return true;
  }

  bool drop_view(change::drop_object const& c) {
    object_key const key = key_of(c.what.name);
    for (auto const& [k, v] : m_model.views) {
      if (!v.reads.count(key)) continue;
      if (!c.cascade) {
        return error("view-in-use", c.what.name,
                     fmt::format("view '{}' is read by view '{}'", shown(key), shown(k)),
                     "drop that view first, or write DROP VIEW ... CASCADE",
                     defined_here(v.defined, "it is created here"));
      }
    }
    return drop_keyed(m_model.views, c, [&](object_key const& k) {
      std::vector<object_key> readers;
      for (auto const& [other, v] : m_model.views) {
        if (v.reads.count(k)) readers.push_back(other);
      }
      for (auto const& r : readers) m_change.erase_view(r);
      m_change.erase_view(k);
    });
  }

  bool drop_function(change::drop_object const& c) {
    auto const key = find_function(c.what, !c.if_exists);
    if (!key) return c.if_exists || unsure_of(key_of(c.what.name));
    object_key const trigger_key{key->first, m_model.functions.at(*key).name};
    if (auto const users = keys_in(m_model.tables_triggering(trigger_key)); !users.empty()) {
      if (!c.cascade) {
        return error("function-in-use", c.what.name,
                     fmt::format("function '{}' is run by a trigger of table '{}'", shown(*key),
                                 shown(users.front())),
                     "drop the trigger first, or write DROP FUNCTION ... CASCADE");
      }
      for (auto const& t : users) {
        m_change.edit_table(t, [&](model::table& tb) {
          tb.triggers.erase(
              std::remove_if(tb.triggers.begin(), tb.triggers.end(),
                             [&](model::trigger const& x) { return x.function == trigger_key; }),
              tb.triggers.end());
        });
      }
    }
    m_change.erase_function(*key);
    return true;
  }

  bool drop_trigger(change::drop_object const& c) {
    bool missing_ok = false;
    model::table const* table = table_of(c.what, missing_ok);
    if (!table) return missing_ok || c.if_exists;
    std::string const& name = c.what.name.name;
    if (!table->find_trigger(name)) {
      if (c.if_exists || unsure_of(table->key)) return true;
      return error(
          "unknown-trigger", c.what.name,
          fmt::format("trigger '{}' does not exist on table '{}'", name, shown(table->key)));
    }
    m_change.edit_table(table->key, [&](model::table& t) {
      t.triggers.erase(std::remove_if(t.triggers.begin(), t.triggers.end(),
                                      [&](model::trigger const& x) { return x.name == name; }),
                       t.triggers.end());
    });
    return true;
  }

  bool drop_type(change::drop_object const& c) {
    object_key const key = key_of(c.what.name);
    bool const is_enum = m_model.enums.count(key) != 0;
    if (!is_enum && !m_model.types.count(key)) {
      if (c.if_exists || unsure_of(key)) return true;
      return error("unknown-type", c.what.name,
                   fmt::format("type '{}' does not exist", shown(key)));
    }
    if (auto const user = type_user(key)) {
      if (!c.cascade) {
        return error("type-in-use", c.what.name,
                     fmt::format("type '{}' is used by column '{}.{}'", shown(key),
                                 shown(user->first), user->second->name),
                     "drop or change the column first",
                     defined_here(user->second->defined,
                                  fmt::format("'{}' is defined here", user->second->name)));
      }
    }
    if (is_enum) {
      m_change.erase_enum(key);
    } else {
      m_change.erase_type(key);
    }
    return true;
  }

  // ------------------------------------------------------------ renames

  bool apply_change(change::rename_object const& c) {
    object_key const key = key_of(c.what.name);
    object_key const to{key.first, c.to.name};
    switch (c.what.kind) {
      case object_kind::index:
        return rename_index(c, key, to);
      case object_kind::constraint:
        return rename_constraint(c);
      case object_kind::sequence:
        return rename_relation(m_model.sequences, c, key, to, [&](model::sequence s) {
          m_change.erase_sequence(key);
          s.key = to;
          m_change.add_sequence(std::move(s));
          follow_sequence_rename(key, to);
        });
      case object_kind::view:
      case object_kind::materialized_view:
        return rename_relation(m_model.views, c, key, to, [&](model::view v) {
          m_change.erase_view(key);
          v.key = to;
          m_change.add_view(std::move(v));
          retarget_views(key, to);
        });
      case object_kind::function:
      case object_kind::procedure:
        return rename_function(c);
      case object_kind::trigger:
        return rename_trigger(c);
      case object_kind::type:
        return rename_type(c, key, to);
      case object_kind::schema:
        return forget_renamed_schema(c);
      default:
        return true;
    }
  }

  /// Defaults that call nextval() on a sequence name it by OID: PostgreSQL shows its new name
  /// after a rename, and so does the model.
  void follow_sequence_rename(object_key const& from, object_key const& to) {
    std::vector<std::pair<object_key, std::string>> users;
    for (auto const& [k, t] : m_model.tables) {
      for (auto const& c : t.columns) {
        if (c.default_sql && sequence_of_default(*c.default_sql) == from)
          users.emplace_back(k, c.name);
      }
    }
    std::string const renamed = nextval_sql(to);
    for (auto const& [table, column] : users) {
      std::string const name =
          column;  // not the structured binding: C++17 lambdas cannot capture it
      m_change.edit_table(table,
                          [&](model::table& t) { t.find_column(name)->default_sql = renamed; });
    }
  }

  template <typename Map, typename Move>
  bool rename_relation(Map const& map, change::rename_object const& c, object_key const& key,
                       object_key const& to, Move move) {
    auto const it = map.find(key);
    if (it == map.end()) {
      if (c.if_exists || unsure_of(key)) return true;
      return error(fmt::format("unknown-{}", change::name_of(c.what.kind)), c.what.name,
                   fmt::format("{} '{}' does not exist", change::name_of(c.what.kind), shown(key)));
    }
    if (!relation_free(to, c.to, "relation")) return false;
    move(it->second);
    return true;
  }

  bool rename_index(change::rename_object const& c, object_key const& key, object_key const& to) {
    if (m_model.indexes.count(key)) {
      return rename_relation(m_model.indexes, c, key, to, [&](model::index i) {
        m_change.erase_index(key);
        i.key = to;
        m_change.add_index(std::move(i));
      });
    }
    // ALTER INDEX on the index of a primary key or unique constraint renames the constraint.
    for (auto const& [k, n] : m_model.tables_with_constraint(key)) {
      if (!relation_free(to, c.to, "relation")) return false;
      m_change.edit_table(k, [&](model::table& t) {
        if (auto* constraint = t.find_constraint(key.second)) constraint->name = to.second;
      });
      return true;
    }
    if (c.if_exists || unsure_of(key)) return true;
    return error("unknown-index", c.what.name,
                 fmt::format("index '{}' does not exist", shown(key)));
  }

  bool rename_constraint(change::rename_object const& c) {
    bool missing_ok = false;
    model::table const* table = table_of(c.what, missing_ok);
    if (!table) return missing_ok;
    model::constraint const* constraint = table->find_constraint(c.what.name.name);
    if (!constraint) {
      if (unsure_of(table->key)) return true;
      return error("unknown-constraint", c.what.name,
                   fmt::format("constraint '{}' does not exist on table '{}'", c.what.name.name,
                               shown(table->key)));
    }
    bool const has_index = constraint->kind != model::constraint_kind::check &&
                           constraint->kind != model::constraint_kind::foreign_key;
    if (has_index && !relation_free({table->key.first, c.to.name}, c.to, "relation")) return false;
    if (table->find_constraint(c.to.name)) {
      return error("duplicate-constraint", c.to,
                   fmt::format("constraint '{}' already exists on table '{}'", c.to.name,
                               shown(table->key)));
    }
    m_change.edit_table(table->key, [&](model::table& t) {
      t.find_constraint(c.what.name.name)->name = c.to.name;
    });
    return true;
  }

  bool rename_function(change::rename_object const& c) {
    auto const key = find_function(c.what, !c.if_exists);
    if (!key) return c.if_exists || unsure_of(key_of(c.what.name));
    model::function f = m_model.functions.at(*key);
    object_key const to{key->first, function_identity(c.to.name, f.arguments)};
    if (m_model.functions.count(to)) {
      return error("duplicate-function", c.to,
                   fmt::format("function '{}' already exists", shown(to)));
    }
    object_key const old_trigger_key{key->first, f.name};
    m_change.erase_function(*key);
    f.key = to;
    f.name = c.to.name;
    m_change.add_function(std::move(f));
    for (auto const& t : keys_in(m_model.tables_triggering(old_trigger_key))) {
      m_change.edit_table(t, [&](model::table& tb) {
        for (auto& tr : tb.triggers) {
          if (tr.function == old_trigger_key) tr.function = {key->first, c.to.name};
        }
      });
    }
    return true;
  }

  bool rename_trigger(change::rename_object const& c) {
    bool missing_ok = false;
    model::table const* table = table_of(c.what, missing_ok);
    if (!table) return missing_ok;
    if (!table->find_trigger(c.what.name.name)) {
      if (unsure_of(table->key)) return true;
      return error("unknown-trigger", c.what.name,
                   fmt::format("trigger '{}' does not exist on table '{}'", c.what.name.name,
                               shown(table->key)));
    }
    m_change.edit_table(table->key, [&](model::table& t) {
      for (auto& tr : t.triggers) {
        if (tr.name == c.what.name.name) tr.name = c.to.name;
      }
    });
    return true;
  }

  bool rename_type(change::rename_object const& c, object_key const& key, object_key const& to) {
    bool const is_enum = m_model.enums.count(key) != 0;
    if (!is_enum && !m_model.types.count(key)) {
      if (c.if_exists || unsure_of(key)) return true;
      return error("unknown-type", c.what.name,
                   fmt::format("type '{}' does not exist", shown(key)));
    }
    if (m_model.enums.count(to) || m_model.types.count(to)) {
      return error("duplicate-type", c.to, fmt::format("type '{}' already exists", shown(to)));
    }
    for (auto const& t : keys_in(m_model.tables_using_type(key))) {
      m_change.edit_table(t, [&](model::table& tb) {
        for (auto& column : tb.columns) {
          for (auto* t : {&column.type, column.default_type ? &*column.default_type : nullptr}) {
            if (t && t->schema == key.first && t->name == key.second) t->name = to.second;
          }
        }
      });
    }
    if (is_enum) {
      model::enum_type e = m_model.enums.at(key);
      m_change.erase_enum(key);
      e.key = to;
      m_change.add_enum(std::move(e));
    } else {
      model::user_type t = m_model.types.at(key);
      m_change.erase_type(key);
      t.key = to;
      m_change.add_type(std::move(t));
    }
    return true;
  }

  bool forget_renamed_schema(change::rename_object const& c) {
    change::forget f;
    f.where = c.where;
    f.statement = "ALTER SCHEMA ... RENAME";
    f.why = "the model does not follow objects moved between schemas";
    auto const forget_schema = [&](std::string const& schema) {
      auto q = c.what.name;
      q.schema = schema;
      q.name = "";
      f.objects.push_back(q);
    };
    forget_schema(c.what.name.name);
    forget_schema(c.to.name);
    return apply_change(f);
  }

  bool apply_change(change::rename_enum_value const& c) {
    object_key const key = key_of(c.type);
    auto const it = m_model.enums.find(key);
    if (it == m_model.enums.end()) {
      if (unsure_of(key)) return true;
      return error("unknown-type", c.type, fmt::format("type '{}' does not exist", shown(key)));
    }
    auto const& values = it->second.values;
    if (std::find(values.begin(), values.end(), c.from) == values.end()) {
      return error("unknown-enum-value", c.type,
                   fmt::format("type '{}' has no value '{}'", shown(key), c.from));
    }
    if (std::find(values.begin(), values.end(), c.to) != values.end()) {
      return error("duplicate-enum-value", c.type,
                   fmt::format("type '{}' already has the value '{}'", shown(key), c.to));
    }
    m_change.edit_enum(key, [&](model::enum_type& e) {
      std::replace(e.values.begin(), e.values.end(), c.from, c.to);
      if (auto added = e.value_added_in.find(c.from); added != e.value_added_in.end()) {
        auto const revision = added->second;
        e.value_added_in.erase(added);
        e.value_added_in[c.to] = revision;
      }
    });
    return true;
  }

  // ------------------------------------------------------------ comments

  bool apply_change(change::comment_on const& c) {
    object_key const key = key_of(c.what.name);
    auto const missing = [&]() {
      if (unsure_of(key) || (c.what.on && unsure_of(key_of(*c.what.on)))) return true;
      return error(fmt::format("unknown-{}", change::name_of(c.what.kind)), c.what.name,
                   fmt::format("{} '{}' does not exist", change::name_of(c.what.kind), shown(key)));
    };
    auto const set = [&](model::comment& remark) { remark = c.text; };
    switch (c.what.kind) {
      case object_kind::table:
        if (!m_model.tables.count(key)) return missing();
        m_change.edit_table(key, [&](model::table& t) { set(t.remark); });
        return true;
      case object_kind::column:
      case object_kind::constraint:
      case object_kind::trigger:
        return comment_on_table_part(c);
      case object_kind::index:
        if (!m_model.indexes.count(key)) return comment_on_key_index(c, key) || missing();
        m_change.edit_index(key, [&](model::index& i) { set(i.remark); });
        return true;
      case object_kind::sequence:
        if (!m_model.sequences.count(key)) return missing();
        m_change.edit_sequence(key, [&](model::sequence& s) { set(s.remark); });
        return true;
      case object_kind::view:
      case object_kind::materialized_view:
        if (!m_model.views.count(key)) return missing();
        m_change.edit_view(key, [&](model::view& v) { set(v.remark); });
        return true;
      case object_kind::function:
      case object_kind::procedure: {
        auto const f = find_function(c.what, true);
        if (f) m_change.edit_function(*f, [&](model::function& x) { set(x.remark); });
        return f.has_value() || unsure_of(key);
      }
      case object_kind::type:
        if (m_model.enums.count(key)) {
          m_change.edit_enum(key, [&](model::enum_type& e) { set(e.remark); });
          return true;
        }
        if (!m_model.types.count(key)) return missing();
        m_change.edit_type(key, [&](model::user_type& t) { set(t.remark); });
        return true;
      case object_kind::schema:
        if (!m_model.schemas.count(c.what.name.name)) return missing();
        m_change.edit_schema(c.what.name.name, [&](model::named_object& s) {
          // public's own comment is how a fresh database is: no comment of the revisions.
          bool const standard =
              c.what.name.name == "public" && c.text == model::standard_public_comment;
          s.remark = standard ? std::nullopt : c.text;
        });
        return true;
      case object_kind::extension:
        if (c.what.name.name == model::built_in_extension) return true;  // its comment is its own
        if (!m_model.extensions.count(c.what.name.name)) return missing();
        m_change.edit_extension(c.what.name.name, [&](model::named_object& e) { set(e.remark); });
        return true;
    }
    return true;
  }

  /// COMMENT ON INDEX of a key constraint's index: PostgreSQL keeps it on the index, which the
  /// model folds into the constraint.
  bool comment_on_key_index(change::comment_on const& c, object_key const& key) {
    for (auto const& [k, n] : m_model.tables_with_constraint(key)) {
      m_change.edit_table(k, [&](model::table& t) {
        if (auto* constraint = t.find_constraint(key.second)) constraint->remark = c.text;
      });
      return true;
    }
    return false;
  }

  bool comment_on_table_part(change::comment_on const& c) {
    bool missing_ok = false;
    model::table const* table = table_of(c.what, missing_ok);
    if (!table) return missing_ok;
    std::string const& name = c.what.name.name;
    bool const found = (c.what.kind == object_kind::column && table->find_column(name)) ||
                       (c.what.kind == object_kind::constraint && table->find_constraint(name)) ||
                       (c.what.kind == object_kind::trigger && table->find_trigger(name));
    if (!found) {
      if (unsure_of(table->key)) return true;
      return error(fmt::format("unknown-{}", change::name_of(c.what.kind)), c.what.name,
                   fmt::format("{} '{}' does not exist in table '{}'", change::name_of(c.what.kind),
                               name, shown(table->key)));
    }
    m_change.edit_table(table->key, [&](model::table& t) {
      if (auto* column = t.find_column(name); column && c.what.kind == object_kind::column)
        column->remark = c.text;
      if (auto* constraint = t.find_constraint(name);
          constraint && c.what.kind == object_kind::constraint)
        constraint->remark = c.text;
      for (auto& tr : t.triggers) {
        if (tr.name == name && c.what.kind == object_kind::trigger) tr.remark = c.text;
      }
    });
    return true;
  }

  // ------------------------------------------------------------ columns

  template <typename Change>
  bool edit_column(ast::column_ref const& column, bool if_exists, Change change) {
    bool missing_ok = false;
    model::table const* table = require_table(column.table, missing_ok);
    if (!table) return missing_ok;
    if (!table->find_column(column.column.name) && if_exists) return true;
    if (!require_column(*table, column.column)) return false;
    m_change.edit_table(table->key,
                        [&](model::table& t) { change(*t.find_column(column.column.name)); });
    return true;
  }

  bool apply_change(change::set_identity const& c) {
    return edit_column(c.column, c.if_exists, [&](model::column& column) {
      column.identity_always = c.always;
      if (c.always) column.not_null = true;
    });
  }

  bool apply_change(change::drop_expression const& c) {
    return edit_column(c.column, false,
                       [](model::column& column) { column.generated_sql.reset(); });
  }

  bool apply_change(change::constraint_using_index const& c) {
    bool missing_ok = false;
    model::table const* table = require_table(c.table, missing_ok);
    if (!table) return missing_ok;
    object_key const index_key{table->key.first, c.index.name};
    auto const it = m_model.indexes.find(index_key);
    if (it == m_model.indexes.end() || it->second.table != table->key.second) {
      if (unsure_of(index_key)) return true;
      return error(
          "unknown-index", c.index,
          fmt::format("index '{}' does not exist on table '{}'", c.index.name, shown(table->key)));
    }
    model::index const index = it->second;
    if (!index.unique) {
      return error("index-not-unique", c.index,
                   fmt::format("index '{}' is not unique", c.index.name), std::nullopt,
                   defined_here(index.defined, "it is created here"));
    }
    model::constraint constraint;
    constraint.kind =
        c.primary ? model::constraint_kind::primary_key : model::constraint_kind::unique;
    constraint.name = c.name.name.empty() ? c.index.name : c.name.name;
    constraint.columns = index.key_columns();
    constraint.remark = index.remark;
    constraint.defined = here(c.name.name.empty() ? c.index : c.name);
    m_change.erase_index(index_key);
    m_change.edit_table(table->key, [&](model::table& t) {
      if (c.primary) {
        for (auto const& name : constraint.columns) {
          if (auto* column = t.find_column(name)) column->not_null = true;
        }
      }
      t.constraints.push_back(std::move(constraint));
    });
    return true;
  }

  // ------------------------------------------------------------ what the model does not follow

  bool apply_change(change::forget const& c) {
    for (auto const& name : c.objects) {
      object_key const key = key_of(name);
      m_change.erase_table(key);
      m_change.erase_index(key);
      if (m_model.views.count(key)) m_change.erase_view(key);
      if (m_model.sequences.count(key)) m_change.erase_sequence(key);
      m_change.add_unknown(key, {c.statement, here(c)});
    }
    report(dsl::severity::note, "sql-not-modelled", c,
           fmt::format("the schema model does not follow this {}{}: {}", c.statement,
                       c.objects.empty() ? std::string()
                                         : fmt::format(" (it now ignores {})", names(c.objects)),
                       c.why));
    return true;
  }

  static std::string names(std::vector<ast::qualified_name> const& objects) {
    std::string out;
    for (auto const& o : objects) {
      if (!out.empty()) out += ", ";
      out += o.name.empty() ? "schema " + o.schema : shown(key_of(o));
    }
    return out;
  }
};

}  // namespace

bool apply_change(model::schema& model, change::object_change const& c,
                  step_context const& context) {
  model.open_journal();
  if (!object_replayer(model, context).apply(c)) {
    model.roll_back_journal();
    return false;
  }
  model.commit_journal();
  return true;
}

}  // namespace migc::compiler
