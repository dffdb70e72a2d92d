// apply_step: each declarative step checked against the schema model, then applied to it.
#include "replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <variant>

#include "backfill.hpp"
#include "naming.hpp"
#include "overloaded.hpp"
#include "render.hpp"
#include "replay_base.hpp"
#include "sql/expression.hpp"
#include "sql/raw_sql.hpp"
#include "type_changes.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

using namespace replay_support;

std::vector<std::string> expression_columns(std::string const& text) {
  return sql::columns_of(text);
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

void remove_constraint(model::table& t, std::string const& name) {
  t.constraints.erase(std::remove_if(t.constraints.begin(), t.constraints.end(),
                                     [&](model::constraint const& c) { return c.name == name; }),
                      t.constraints.end());
}

/**
 * Reports and checks on behalf of one step. Reads go through `m_model`
 * (const); every change goes through `m_change`, whose member functions
 * journal it and keep the model's lookup indexes in step. Lookups are not
 * made inside an edit (the edited object is out of the indexes then).
 */
/// Replays one declarative step (or a declarative step translated from raw SQL).
class replayer : replay_base {
 public:
  using replay_base::replay_base;

  bool apply(ast::step const& step) {
    return std::visit(
        overloaded{
            [&](ast::raw_sql_step const&) { return true; },  // see apply_statement
            [&](ast::irreversible_step const&) { return true; },
            [&](ast::backfill_step const& s) { return check_backfill(m_change, s, m_context); },
            [&](auto const& s) { return apply_declarative(s); },
        },
        step);
  }

 private:
  // ------------------------------------------------------------ columns

  /// Builds a column and the constraints it declares inline; false on error.
  bool build_column(model::table const& table, ast::identifier const& name,
                    ast::type_name const& type,
                    std::vector<ast::column_constraint> const& constraints,
                    std::vector<model::constraint>& out) {
    auto const resolved = resolve_type(type);
    if (!resolved) return false;
    model::column column;
    column.name = name.name;
    column.type = *resolved;
    column.defined = here(name);
    std::optional<bool> nullability;
    bool ok = true;
    for (auto const& c : constraints) {
      ok = std::visit(
               overloaded{
                   [&](ast::nullability const& n) {
                     if (nullability && *nullability != n.not_null) {
                       return error("conflicting-constraints", n,
                                    fmt::format("column '{}' is declared both null and not null",
                                                name.name));
                     }
                     nullability = n.not_null;
                     column.not_null = n.not_null;
                     return true;
                   },
                   [&](ast::default_value const& d) {
                     set_default_of(column, d.expression.text);
                     return true;
                   },
                   [&](ast::key_marker const& k) {
                     out.push_back(key_constraint(table, k.primary, {name.name}, std::nullopt, k));
                     if (k.primary) column.not_null = true;
                     return true;
                   },
                   [&](ast::references_clause const& r) {
                     auto fk =
                         foreign_key_constraint(table, {name.name}, r, std::nullopt, r, &column);
                     if (fk) out.push_back(std::move(*fk));
                     return fk.has_value() || !m_model.complete;
                   },
                   [&](ast::check_clause const& c) {
                     model::constraint check;
                     check.kind = model::constraint_kind::check;
                     check.name = choose_constraint_name(table, {name.name}, "check", out);
                     check.check_sql = c.expression.text;
                     check.columns = sorted(expression_columns(c.expression.text));
                     check.defined = here(c);
                     out.push_back(std::move(check));
                     return true;
                   },
                   [&](ast::generated_clause const& g) {
                     column.generated_sql = g.expression.text;
                     return true;
                   },
                   [&](ast::identity_clause const& i) {
                     auto const storage = column.type.name;
                     if (storage != "smallint" && storage != "integer" && storage != "bigint") {
                       return error(
                           "identity-type", i,
                           fmt::format("identity column '{}' must be smallint, integer or bigint",
                                       name.name));
                     }
                     column.identity_always = i.always;
                     column.not_null = true;
                     return true;
                   },
               },
               c) &&
           ok;
    }
    if (column.identity_always && column.default_sql) {
      ok = error("conflicting-constraints", name,
                 fmt::format("identity column '{}' cannot also have a default", name.name));
    }
    if (ok) m_new_columns.push_back(std::move(column));
    return ok;
  }

  // ------------------------------------------------------------ constraints

  /// The names in use: constraint names in the table's schema (and pending), and for a
  /// constraint with an index also the schema's relation names.
  std::string choose_constraint_name(model::table const& table,
                                     std::vector<std::string> const& columns,
                                     std::string_view label,
                                     std::vector<model::constraint> const& pending) const {
    std::string const& schema = table.key.first;
    bool const is_index = label == "pkey" || label == "key";
    auto const used = [&](std::string const& name) {
      object_key const key{schema, name};
      if (!m_model.tables_with_constraint(key).empty()) return true;
      if (std::any_of(pending.begin(), pending.end(),
                      [&](model::constraint const& c) { return c.name == name; }))
        return true;
      return is_index && (m_model.tables.count(key) != 0 || m_model.indexes.count(key) != 0);
    };
    std::string const joined_columns = label == "pkey" ? std::string() : join_names(columns);
    return choose_name(table.key.second, joined_columns, label, used);
  }

  model::constraint key_constraint(model::table const& table, bool primary,
                                   std::vector<std::string> columns,
                                   std::optional<std::string> name, ast::node const& at) {
    model::constraint c;
    c.kind = primary ? model::constraint_kind::primary_key : model::constraint_kind::unique;
    c.columns = std::move(columns);
    c.name = name ? *name
                  : choose_constraint_name(table, c.columns, primary ? "pkey" : "key",
                                           m_new_constraints);
    c.defined = here(at);
    return c;
  }

  /// Checks a foreign key; `pending` is the column being defined (not yet in the table).
  std::optional<model::constraint> foreign_key_constraint(
      model::table const& table, std::vector<std::string> columns, ast::references_clause const& r,
      std::optional<std::string> name, ast::node const& at, model::column const* pending) {
    object_key const target_key = key_of(r.table);
    model::table const* target = target_key == table.key ? &table : find_table(target_key);
    if (!target) {
      bool missing_ok = false;
      require_table(r.table, missing_ok);
      return std::nullopt;
    }
    std::vector<std::string> ref_columns = names_of(r.columns);
    if (ref_columns.empty()) {
      model::constraint const* pk = target->primary_key();
      if (!pk) {
        error("foreign-key-target", r,
              fmt::format("table '{}' has no primary key to reference", shown(target_key)),
              "name the referenced columns: references t (column)");
        return std::nullopt;
      }
      ref_columns = pk->columns;
    }
    if (ref_columns.size() != columns.size()) {
      error("foreign-key-columns", r,
            fmt::format("foreign key has {} column(s) but references {}", columns.size(),
                        ref_columns.size()));
      return std::nullopt;
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      model::column const* mine =
          pending && pending->name == columns[i] ? pending : table.find_column(columns[i]);
      model::column const* theirs = target->find_column(ref_columns[i]);
      if (!theirs && target == &table) theirs = find_pending(ref_columns[i]);
      if (!theirs) {
        error("foreign-key-target", r,
              fmt::format("foreign key references column '{}', which does not exist in table '{}'",
                          ref_columns[i], shown(target_key)),
              std::nullopt,
              defined_here(target->defined,
                           fmt::format("table '{}' is created here", shown(target_key))));
        return std::nullopt;
      }
      if (!mine) mine = find_pending(columns[i]);
      if (mine && !foreign_key_accepts(theirs->type, mine->type)) {
        error("foreign-key-type", r,
              fmt::format("foreign key column '{}' is of type '{}' but references '{}.{}' of type "
                          "'{}', which PostgreSQL cannot compare with it by the key's index",
                          columns[i], mine->type.name, shown(target_key), theirs->name,
                          theirs->type.name),
              "give both columns the same type (or types of one family: smallint, integer, "
              "bigint)",
              defined_here(theirs->defined, fmt::format("'{}.{}' is defined here",
                                                        shown(target_key), theirs->name)));
        return std::nullopt;
      }
    }
    if (!is_unique_key(*target, ref_columns)) {
      error("foreign-key-target", r,
            fmt::format(
                "no primary key or unique constraint on '{}' ({}) for the foreign key to reference",
                shown(target_key), fmt::join(ref_columns, ", ")),
            "add a unique constraint on the referenced columns");
      return std::nullopt;
    }
    model::constraint c;
    c.kind = model::constraint_kind::foreign_key;
    c.columns = columns;
    c.ref_table = target_key;
    c.ref_columns = ref_columns;
    c.on_delete = r.actions.on_delete;
    c.on_update = r.actions.on_update;
    c.name = name ? *name : choose_constraint_name(table, columns, "fkey", m_new_constraints);
    c.defined = here(at);
    return c;
  }

  bool is_unique_key(model::table const& target, std::vector<std::string> const& columns) const {
    auto const matches = [&](model::constraint const& c) {
      return (c.kind == model::constraint_kind::primary_key ||
              c.kind == model::constraint_kind::unique) &&
             c.columns == columns;
    };
    return std::any_of(target.constraints.begin(), target.constraints.end(), matches) ||
           std::any_of(m_new_constraints.begin(), m_new_constraints.end(), matches);
  }

  model::column const* find_pending(std::string const& name) const {
    auto const it = std::find_if(m_new_columns.begin(), m_new_columns.end(),
                                 [&](model::column const& c) { return c.name == name; });
    return it == m_new_columns.end() ? nullptr : &*it;
  }

  /// A table-level constraint of `table` (columns must exist, in the table or pending).
  std::optional<model::constraint> table_constraint(model::table const& table,
                                                    ast::constraint_body const& body,
                                                    std::optional<std::string> name,
                                                    ast::node const& at) {
    auto const check_columns = [&](std::vector<ast::identifier> const& columns) {
      for (auto const& c : columns) {
        if (!table.find_column(c.name) && !find_pending(c.name)) {
          error("unknown-column", c,
                fmt::format("column '{}' does not exist in table '{}'", c.name, shown(table.key)));
          return false;
        }
      }
      return true;
    };
    return std::visit(
        overloaded{
            [&](ast::key_columns const& k) -> std::optional<model::constraint> {
              if (!check_columns(k.columns)) return std::nullopt;
              return key_constraint(table, k.primary, names_of(k.columns), name, at);
            },
            [&](ast::foreign_key const& f) -> std::optional<model::constraint> {
              if (!check_columns(f.columns)) return std::nullopt;
              return foreign_key_constraint(table, names_of(f.columns), f.references, name, at,
                                            nullptr);
            },
            [&](ast::check_clause const& c) -> std::optional<model::constraint> {
              auto const columns = expression_columns(c.expression.text);
              if (!name && !m_context.from_sql) {
                error("unnamed-check", c, "a table-level check constraint needs a name",
                      "write 'constraint <name> check (...)'");
                return std::nullopt;
              }
              model::constraint check;
              check.kind = model::constraint_kind::check;
              // PostgreSQL names it after the first column it reads (AddRelationNewConstraints).
              check.name = name ? *name
                                : choose_constraint_name(
                                      table,
                                      columns.empty() ? std::vector<std::string>{}
                                                      : std::vector<std::string>{columns.front()},
                                      "check", m_new_constraints);
              check.check_sql = c.expression.text;
              check.columns = sorted(columns);
              check.defined = here(at);
              return check;
            },
        },
        body);
  }

  /// Adds new constraints to a table: one primary key, unique names.
  bool add_constraints(model::table& table, std::vector<model::constraint> constraints) {
    bool ok = true;
    for (auto& c : constraints) {
      if (auto const* existing = table.find_constraint(c.name)) {
        ok = error(
            "duplicate-constraint", node_at(c),
            fmt::format("constraint '{}' already exists on table '{}'", c.name, shown(table.key)),
            std::nullopt,
            defined_here(existing->defined, fmt::format("'{}' is created here", c.name)));
        continue;
      }
      if (c.kind == model::constraint_kind::primary_key && table.primary_key()) {
        ok = error("duplicate-primary-key", node_at(c),
                   fmt::format("table '{}' already has a primary key", shown(table.key)),
                   std::nullopt,
                   defined_here(table.primary_key()->defined, "the primary key is defined here"));
        continue;
      }
      if (c.kind == model::constraint_kind::primary_key) {
        for (auto const& name : c.columns) {
          if (auto* column = table.find_column(name)) column->not_null = true;
        }
      }
      table.constraints.push_back(std::move(c));
    }
    return ok;
  }

  /// The span a constraint was defined at, as a node to point diagnostics at.
  static ast::node node_at(model::constraint const& c) { return ast::node{c.defined.where.range}; }

  // ------------------------------------------------------------ steps

  bool apply_declarative(ast::create_table_step const& s) {
    object_key const key = key_of(s.table);
    if (!require_schema(key.first, s.table)) return false;
    if (s.if_not_exists && m_model.relation(key)) return true;
    if (!relation_names_free(key, s.table, "table")) return false;
    model::table table;
    table.key = key;
    table.defined = here(s.table);
    bool ok = true;
    for (auto const& element : s.elements) {
      if (auto const* c = std::get_if<ast::column_def>(&element)) {
        if (find_pending(c->name.name)) {
          ok = error("duplicate-column", c->name,
                     fmt::format("column '{}' is defined twice", c->name.name));
          continue;
        }
        ok = build_column(table, c->name, c->type, c->constraints, m_new_constraints) && ok;
      }
    }
    for (auto const& element : s.elements) {
      if (auto const* c = std::get_if<ast::table_constraint>(&element)) {
        std::optional<std::string> name;
        if (c->name) name = c->name->name;
        auto constraint = table_constraint(table, c->body, name, *c);
        if (constraint) m_new_constraints.push_back(std::move(*constraint));
        ok = (constraint.has_value() || !m_model.complete) && ok;
      }
    }
    if (!ok) return false;
    table.columns = std::move(m_new_columns);
    if (!add_constraints(table, std::move(m_new_constraints))) return false;
    auto const columns = table.columns;
    m_change.add_table(std::move(table));
    for (auto const& c : columns) add_serial_sequence(key, c);
    return true;
  }

  /// A serial column owns a sequence PostgreSQL names `table_column_seq` (made unique like
  /// every relation name) and reads its default from (CREATE TABLE, "Serial Types").
  void add_serial_sequence(object_key const& table, model::column const& column) {
    if (!column.type.schema.empty() || !is_serial(normalized(column.type).name)) return;
    model::sequence seq;
    seq.key = {table.first,
               choose_name(table.second, column.name, "seq", [&](std::string const& n) {
                 return m_model.relation({table.first, n}).has_value();
               })};
    seq.type = std::string(storage_type(normalized(column.type).name));
    seq.owned_by = std::pair{table, column.name};
    seq.defined = column.defined;
    m_change.add_sequence(std::move(seq));
  }

  /// Foreign keys of other tables that reference `key` (optionally only `column`).
  /// In table key order, then constraint order. The pointers go stale when the model changes.
  std::vector<std::pair<model::table const*, model::constraint const*>> referencing(
      object_key const& key, std::string const* column = nullptr) const {
    std::vector<std::pair<model::table const*, model::constraint const*>> found;
    for (auto const& [k, n] : m_model.tables_referencing(key)) {
      model::table const& t = m_model.tables.at(k);
      for (auto const& c : t.constraints) {
        if (c.kind != model::constraint_kind::foreign_key || c.ref_table != key) continue;
        if (k == key && !column) continue;  // self-reference goes with the table
        bool const uses =
            !column || std::count(c.ref_columns.begin(), c.ref_columns.end(), *column);
        if (uses) found.emplace_back(&t, &c);
      }
    }
    return found;
  }

  /// Removes the foreign keys `referencing` found (collected first: removing one moves the others).
  void remove_foreign_keys(
      std::vector<std::pair<model::table const*, model::constraint const*>> const& found) {
    std::vector<std::pair<object_key, std::string>> doomed;
    for (auto const& [other, fk] : found) doomed.emplace_back(other->key, fk->name);
    for (auto const& entry : doomed) {
      // Not a structured binding: C++17 lambdas cannot capture those (clang rejects it).
      std::string const& name = entry.second;
      m_change.edit_table(entry.first, [&](model::table& t) { remove_constraint(t, name); });
    }
  }

  bool apply_declarative(ast::drop_table_step const& s) {
    object_key const key = key_of(s.table);
    if (s.if_exists && !find_table(key)) return true;
    bool missing_ok = false;
    model::table const* table = require_table(s.table, missing_ok);
    if (!table) return missing_ok;
    auto const users = referencing(key);
    if (!users.empty() && !s.cascade) {
      auto const& [other, fk] = users.front();
      return error("table-in-use", s.table,
                   fmt::format("table '{}' is referenced by foreign key '{}' of table '{}'",
                               shown(key), fk->name, shown(other->key)),
                   "drop the foreign key first, or write 'drop table ... cascade'",
                   defined_here(fk->defined, fmt::format("'{}' is defined here", fk->name)));
    }
    if (!views_allow_drop(key, s.table, s.cascade, "table")) return false;
    remove_foreign_keys(users);
    drop_indexes_of(key, nullptr);
    drop_owned_sequences(key, nullptr);
    m_change.erase_table(key);
    return true;
  }

  /// Without cascade, a relation a view reads cannot go; with it, the views go too.
  bool views_allow_drop(object_key const& key, ast::node const& at, bool cascade,
                        std::string_view what) {
    std::vector<object_key> readers;
    for (auto const& [k, v] : m_model.views) {
      if (v.reads.count(key)) readers.push_back(k);
    }
    if (readers.empty()) return true;
    if (!cascade) {
      auto const& v = m_model.views.at(readers.front());
      return error("table-in-use", at,
                   fmt::format("{} '{}' is read by view '{}'", what, shown(key), shown(v.key)),
                   "drop or change the view first, or drop with cascade",
                   defined_here(v.defined, fmt::format("'{}' is created here", shown(v.key))));
    }
    for (auto const& k : readers) m_change.erase_view(k);
    return true;
  }

  /// Sequences owned by a column of `table` (only `column`, if given) go with it.
  void drop_owned_sequences(object_key const& table, std::string const* column) {
    std::vector<object_key> doomed;
    for (auto const& [k, seq] : m_model.sequences) {
      if (seq.owned_by && seq.owned_by->first == table &&
          (!column || seq.owned_by->second == *column))
        doomed.push_back(k);
    }
    for (auto const& k : doomed) m_change.erase_sequence(k);
  }

  /// Indexes on table `key` (optionally only those using `column`).
  std::vector<object_key> indexes_of(object_key const& table, std::string const* column) const {
    std::vector<object_key> found;
    for (auto const& [k, n] : m_model.indexes_on(table)) {
      auto const& i = m_model.indexes.at(k);
      if (!column || i.columns.count(*column)) found.push_back(k);
    }
    return found;
  }

  void drop_indexes_of(object_key const& table, std::string const* column) {
    for (auto const& k : indexes_of(table, column)) m_change.erase_index(k);
  }

  bool apply_declarative(ast::rename_table_step const& s) {
    object_key const key = key_of(s.table);
    bool missing_ok = false;
    model::table const* table = require_table(s.table, missing_ok);
    if (!table) return missing_ok;
    object_key const target{key.first, s.to.name};
    if (!relation_names_free(target, s.to, "relation")) return false;
    for (auto const& k : keys_in(m_model.tables_referencing(key))) {
      m_change.edit_table(k, [&](model::table& t) {
        for (auto& c : t.constraints) {
          if (c.ref_table == key) c.ref_table = target;
        }
      });
    }
    for (auto const& k : keys_in(m_model.indexes_on(key))) {
      m_change.edit_index(k, [&](model::index& i) { i.table = target.second; });
    }
    retarget_dependents(key, target);
    model::table moved = m_model.tables.at(key);
    moved.key = target;
    m_change.erase_table(key);
    m_change.add_table(std::move(moved));
    return true;
  }

  /// Sequences owned by, and views reading, relation `from` follow it to `to` (PostgreSQL keeps
  /// them by OID).
  void retarget_dependents(object_key const& from, object_key const& to) {
    std::vector<object_key> sequences;
    for (auto const& [k, seq] : m_model.sequences) {
      if (seq.owned_by && seq.owned_by->first == from) sequences.push_back(k);
    }
    for (auto const& k : sequences)
      m_change.edit_sequence(k, [&](model::sequence& seq) { seq.owned_by->first = to; });
    retarget_views(from, to);
  }

  bool apply_declarative(ast::add_column_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.column.table, missing_ok);
    if (!table) return missing_ok;
    if (auto const* existing = table->find_column(s.column.column.name)) {
      if (s.if_not_exists) return true;
      return error(
          "duplicate-column", s.column.column,
          fmt::format("column '{}' already exists in table '{}'", s.column.column.name,
                      shown(table->key)),
          std::nullopt,
          defined_here(existing->defined, fmt::format("'{}' is defined here", existing->name)));
    }
    if (!build_column(*table, s.column.column, s.type, s.constraints, m_new_constraints))
      return false;
    bool ok = true;
    model::column const column = m_new_columns.front();
    object_key const key = table->key;
    m_change.edit_table(key, [&](model::table& t) {
      t.columns.push_back(std::move(m_new_columns.front()));
      ok = add_constraints(t, std::move(m_new_constraints));
    });
    if (ok) add_serial_sequence(key, column);
    return ok;
  }

  bool apply_declarative(ast::drop_column_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.column.table, missing_ok);
    if (!table) return missing_ok;
    std::string const& name = s.column.column.name;
    if (s.if_exists && !table->find_column(name)) return true;
    if (!require_column(*table, s.column.column)) return false;
    if (!s.cascade && !column_unused(*table, s.column.column)) return false;
    // PostgreSQL drops the table's own indexes and constraints that involve the column, and the
    // sequences it owns (ALTER TABLE ... DROP COLUMN); foreign keys of other tables, views and
    // triggers that read it need cascade, and go with it.
    for (auto const& v : views_reading(table->key, name)) m_change.erase_view(v);
    std::vector<std::string> const triggers = triggers_reading(*table, name);
    remove_foreign_keys(referencing(table->key, &name));
    drop_indexes_of(table->key, &name);
    drop_owned_sequences(table->key, &name);
    m_change.edit_table(table->key, [&](model::table& t) {
      std::vector<std::string> involved;
      for (auto const& c : t.constraints) {
        if (std::count(c.columns.begin(), c.columns.end(), name)) involved.push_back(c.name);
      }
      for (auto const& c : involved) remove_constraint(t, c);
      t.triggers.erase(std::remove_if(t.triggers.begin(), t.triggers.end(),
                                      [&](model::trigger const& tr) {
                                        return std::count(triggers.begin(), triggers.end(),
                                                          tr.name) > 0;
                                      }),
                       t.triggers.end());
      t.columns.erase(std::remove_if(t.columns.begin(), t.columns.end(),
                                     [&](model::column const& c) { return c.name == name; }),
                      t.columns.end());
    });
    return true;
  }

  /// A generated column of `table` computed from column `name`, if any (PostgreSQL refuses to
  /// change that column's type, and to drop it without cascade).
  static model::column const* generated_user(model::table const& table, std::string const& name) {
    for (auto const& c : table.columns) {
      if (!c.generated_sql || c.name == name) continue;
      auto const reads = expression_columns(*c.generated_sql);
      if (std::find(reads.begin(), reads.end(), name) != reads.end()) return &c;
    }
    return nullptr;
  }

  /// Views whose query reads column `name` of table `key`: by name, or through `*` (PostgreSQL
  /// records a dependency on each column a view's query uses, pg_depend).
  std::vector<object_key> views_reading(object_key const& key, std::string const& name) const {
    std::vector<object_key> out;
    for (auto const& [k, v] : m_model.views) {
      if (!v.reads.count(key)) continue;
      auto const columns = sql::columns_in_statements(v.sql);
      if (std::count(columns.begin(), columns.end(), name) ||
          std::count(columns.begin(), columns.end(), "*"))
        out.push_back(k);
    }
    return out;
  }

  /// Triggers of `table` that name column `name` in UPDATE OF or in WHEN (PostgreSQL records
  /// both as dependencies of the trigger on the column, CREATE TRIGGER).
  static std::vector<std::string> triggers_reading(model::table const& table,
                                                   std::string const& name) {
    std::vector<std::string> out;
    for (auto const& tr : table.triggers) {
      auto const when =
          tr.when_sql.empty() ? std::vector<std::string>() : expression_columns(tr.when_sql);
      if (std::count(tr.update_columns.begin(), tr.update_columns.end(), name) ||
          std::count(when.begin(), when.end(), name))
        out.push_back(tr.name);
    }
    return out;
  }

  /// Without cascade a column that another table's foreign key references, a generated column,
  /// a view or a trigger reads, cannot go (PostgreSQL: "cannot drop column ... because other
  /// objects depend on it", ALTER TABLE ... DROP COLUMN); the table's own indexes and
  /// constraints can.
  bool column_unused(model::table const& table, ast::identifier const& column) {
    std::string const& name = column.name;
    if (auto const views = views_reading(table.key, name); !views.empty()) {
      auto const& v = m_model.views.at(views.front());
      return error("column-in-use", column,
                   fmt::format("column '{}' is read by view '{}'", name, shown(v.key)),
                   "drop the view first (and create it again without the column), or write "
                   "'drop column ... cascade', which drops the view too",
                   defined_here(v.defined, fmt::format("'{}' is created here", shown(v.key))));
    }
    if (auto const triggers = triggers_reading(table, name); !triggers.empty()) {
      auto const& tr = *table.find_trigger(triggers.front());
      return error(
          "column-in-use", column,
          fmt::format("column '{}' is named by trigger '{}' (UPDATE OF or WHEN)", name, tr.name),
          "drop the trigger first (and create it again without the column), or write "
          "'drop column ... cascade', which drops the trigger too",
          defined_here(tr.defined, fmt::format("'{}' is created here", tr.name)));
    }
    if (auto const* user = generated_user(table, name)) {
      return error("column-in-use", column,
                   fmt::format("column '{}' is read by generated column '{}'", name, user->name),
                   "drop the generated column first, or write 'drop column ... cascade'",
                   defined_here(user->defined, fmt::format("'{}' is defined here", user->name)));
    }
    if (auto const users = referencing(table.key, &name); !users.empty()) {
      auto const& [other, fk] = users.front();
      if (other->key != table.key) {
        return error("column-in-use", column,
                     fmt::format("column '{}' is referenced by foreign key '{}' of table '{}'",
                                 name, fk->name, shown(other->key)),
                     "drop the foreign key first, or write 'drop column ... cascade'",
                     defined_here(fk->defined, fmt::format("'{}' is defined here", fk->name)));
      }
    }
    return true;
  }

  bool apply_declarative(ast::rename_column_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.column.table, missing_ok);
    if (!table) return missing_ok;
    model::column const* column = require_column(*table, s.column.column);
    if (!column) return false;
    std::string const from = column->name;
    std::string const& to = s.to.name;
    if (auto const* existing = table->find_column(to)) {
      return error("duplicate-column", s.to,
                   fmt::format("column '{}' already exists in table '{}'", to, shown(table->key)),
                   std::nullopt,
                   defined_here(existing->defined, fmt::format("'{}' is defined here", to)));
    }
    object_key const key = table->key;
    auto const rename = [&](std::vector<std::string>& names) {
      std::replace(names.begin(), names.end(), from, to);
    };
    // Stored expressions refer to the column by number: PostgreSQL's show the new name.
    auto const rename_in = [&](std::string& text) {
      if (!text.empty()) text = sql::rename_column_in(text, from, to);
    };
    m_change.edit_table(key, [&](model::table& t) {
      t.find_column(from)->name = to;
      for (auto& c : t.columns) {
        if (c.generated_sql) rename_in(*c.generated_sql);
      }
      for (auto& c : t.constraints) {
        rename(c.columns);
        if (c.kind != model::constraint_kind::check) continue;
        rename_in(c.check_sql);
        std::sort(c.columns.begin(), c.columns.end());
      }
    });
    std::vector<object_key> sequences;
    for (auto const& [k, seq] : m_model.sequences) {
      if (seq.owned_by && *seq.owned_by == std::make_pair(key, from)) sequences.push_back(k);
    }
    for (auto const& k : sequences)
      m_change.edit_sequence(k, [&](model::sequence& seq) { seq.owned_by->second = to; });
    for (auto const& k : keys_in(m_model.tables_referencing(key))) {
      m_change.edit_table(k, [&](model::table& t) {
        for (auto& c : t.constraints) {
          if (c.ref_table == key) rename(c.ref_columns);
        }
      });
    }
    for (auto const& k : keys_in(m_model.indexes_on(key))) {
      m_change.edit_index(k, [&](model::index& i) {
        for (auto& k : i.keys) {
          if (k.column == from) k.column = to;
          rename_in(k.expression);
        }
        rename_in(i.where_sql);
        std::replace(i.include.begin(), i.include.end(), from, to);
        if (i.columns.erase(from)) i.columns.insert(to);
      });
    }
    return true;
  }

  bool is_enum(ast::type_name const& type) const {
    return !type.schema.empty() && m_model.enums.count({type.schema, type.name}) != 0;
  }

  /// PostgreSQL rebuilds the CHECK constraints and index expressions and predicates that read a
  /// column for its new type from their text: across type categories they no longer resolve
  /// (`expressions_survive`), and the type change fails.
  bool expressions_carry_over(model::table const& table, model::column const& column,
                              ast::type_name const& to, ast::alter_column_step const& s) {
    if (expressions_survive(column.type, to, is_enum(column.type), is_enum(to))) return true;
    auto const fails = [&](std::string const& what, std::string const& text,
                           model::origin const& at) {
      return error(
          "expression-cast", s.column.column,
          fmt::format("column '{}' cannot become {}: {} compares or computes it as {} ({}), and "
                      "PostgreSQL rebuilds it for the new type, where that operator or function "
                      "does not exist",
                      column.name, type_sql(to), what, type_sql(column.type), text),
          fmt::format("drop the {} first, change the type, then create it again for the new type",
                      what.substr(0, what.find(' '))),
          defined_here(at, fmt::format("{} is defined here", what)));
    };
    auto const reads = [&](std::string const& text) {
      auto const columns = text.empty() ? std::vector<std::string>() : sql::columns_typed_in(text);
      return std::count(columns.begin(), columns.end(), column.name) > 0;
    };
    for (auto const& c : table.constraints) {
      if (c.kind == model::constraint_kind::check && reads(c.check_sql))
        return fails(fmt::format("check '{}'", c.name), c.check_sql, c.defined);
    }
    for (auto const& [key, n] : m_model.indexes_on(table.key)) {
      auto const& index = m_model.indexes.at(key);
      if (reads(index.where_sql))
        return fails(fmt::format("index '{}'", key.second), index.where_sql, index.defined);
      for (auto const& k : index.keys) {
        if (!k.expression.empty() && reads(k.expression))
          return fails(fmt::format("index '{}'", key.second), k.expression, index.defined);
      }
    }
    return true;
  }

  /// PostgreSQL casts a column's default to the new type without the USING expression, with
  /// assignment casts only (type_changes.hpp): a default it cannot cast fails the upgrade.
  bool default_carries_over(model::table const& table, model::column const& column,
                            ast::type_name const& to, ast::alter_column_step const& s) {
    bool const serial = column.type.schema.empty() && is_serial(normalized(column.type).name);
    if ((!column.default_sql && !serial) || column.identity_always) return true;
    // The default's own type: the implicit casts earlier type changes put on it are stripped.
    ast::type_name from = column.default_type.value_or(column.type);
    if (serial) from.name = "bigint";  // nextval() returns bigint
    if (default_survives(from, to, is_enum(from), is_enum(to))) return true;
    std::string const shown_column = shown(table.key) + "." + column.name;
    std::string const value = serial ? "nextval(...)" : *column.default_sql;
    return error(
        "default-cast", s.column.column,
        fmt::format("PostgreSQL cannot cast the default of '{}' ({}) to type {}: ALTER COLUMN "
                    "... TYPE converts the default by assignment cast, not 'using'",
                    shown_column, value, type_sql(to)),
        fmt::format("drop the default first ('alter column {} drop default'), change the type, "
                    "then set a default of the new type ('alter column {} set default ...')",
                    shown_column, shown_column),
        defined_here(column.defined, fmt::format("'{}' is defined here", column.name)));
  }

  /// ALTER COLUMN ... TYPE without USING converts the values with an assignment cast, as it
  /// does the default (PostgreSQL docs, ALTER TABLE, "SET DATA TYPE": "if omitted, the default
  /// conversion is the same as an assignment cast from old data type to new"); PostgreSQL
  /// refuses the change otherwise ("column ... cannot be cast automatically to type ...").
  bool converts_without_using(model::table const& table, model::column const& column,
                              ast::set_type const& t, ast::type_name const& to) {
    if (t.using_expression) return true;
    ast::type_name from = column.type;
    if (from.schema.empty() && is_serial(normalized(from).name))
      from.name = std::string(storage_type(normalized(from).name));
    if (default_survives(from, to, is_enum(from), is_enum(to))) return true;
    std::string const shown_column = shown(table.key) + "." + column.name;
    return error(
        "using-required", t.type,
        fmt::format("column '{}' cannot change from {} to {} without 'using': PostgreSQL "
                    "converts the values by assignment cast, and there is none",
                    shown_column, type_sql(from), type_sql(to)),
        fmt::format("say how to convert them: 'alter column {} type {} using ({}::{})'",
                    shown_column, type_sql(to), quote_identifier(column.name), type_sql(to)),
        defined_here(column.defined, fmt::format("'{}' is defined here", column.name)));
  }

  /// The storage type of column `column` of table `key`, if the model knows it.
  /// The type of `column` in table `key`; nothing when the model does not know it.
  std::optional<ast::type_name> column_type(object_key const& key,
                                            std::string const& column) const {
    auto const* t = find_table(key);
    auto const* c = t ? t->find_column(column) : nullptr;
    if (!c) return std::nullopt;
    return c->type;
  }

  /// A foreign key's two sides must stay comparable (as `foreign_key_constraint` requires when it
  /// is made, `foreign_key_accepts`): PostgreSQL checks the pair again when either column changes
  /// type and refuses otherwise ("foreign key constraint ... cannot be implemented").
  bool foreign_keys_still_match(model::table const& table, std::string const& column,
                                ast::type_name const& to, ast::alter_column_step const& s) {
    auto const mismatch = [&](model::constraint const& fk, std::string const& other_table,
                              std::string const& other_column) {
      return error(
          "foreign-key-type", s.column.column,
          fmt::format("column '{}.{}' cannot become {}: foreign key '{}' pairs it with '{}.{}', "
                      "whose type PostgreSQL cannot compare with it by the key's index",
                      shown(table.key), column, type_sql(to), fk.name, other_table, other_column),
          "drop the foreign key first, change both columns, then add it again",
          defined_here(fk.defined, fmt::format("'{}' is defined here", fk.name)));
    };
    for (auto const& fk : table.constraints) {
      if (fk.kind != model::constraint_kind::foreign_key) continue;
      for (std::size_t i = 0; i < fk.columns.size() && i < fk.ref_columns.size(); ++i) {
        if (fk.columns[i] != column) continue;
        bool const self = fk.ref_table == table.key && fk.ref_columns[i] == column;
        auto const theirs = column_type(fk.ref_table, fk.ref_columns[i]);
        if (theirs && !self && !foreign_key_accepts(*theirs, to))
          return mismatch(fk, shown(fk.ref_table), fk.ref_columns[i]);
      }
    }
    for (auto const& [other, fk] : referencing(table.key, &column)) {
      for (std::size_t i = 0; i < fk->columns.size() && i < fk->ref_columns.size(); ++i) {
        if (fk->ref_columns[i] != column) continue;
        auto const theirs = column_type(other->key, fk->columns[i]);
        if (theirs && !foreign_key_accepts(to, *theirs) &&
            !(other->key == table.key && fk->columns[i] == column))
          return mismatch(*fk, shown(other->key), fk->columns[i]);
      }
    }
    return true;
  }

  /// Gives a column its new type. A serial column keeps its sequence: it stays serial (of the
  /// new width, and the sequence follows: compile_step adds ALTER SEQUENCE ... AS) while its type
  /// is an integer, else it keeps reading the sequence as an ordinary default.
  void retype_column(object_key const& table, model::column const& column,
                     ast::type_name const& to) {
    ast::type_name type = to;
    std::optional<std::string> default_sql = column.default_sql;
    std::optional<ast::type_name> default_type = column.default_type;
    bool const serial = column.type.schema.empty() && is_serial(normalized(column.type).name);
    std::string const base = to.schema.empty() && to.array_dims == 0 ? to.name : std::string();
    bool const integer = base == "smallint" || base == "integer" || base == "bigint";
    auto const* follows =
        m_context.from_sql || !integer ? nullptr : width_sequence(m_model, table, column);
    if (follows) {
      if (serial) type.name = std::string(serial_type_of(base));
      m_change.edit_sequence(follows->key, [&](model::sequence& q) { q.type = base; });
    } else if (auto const* seq = serial ? m_model.sequence_owned_by(table, column.name) : nullptr) {
      // No longer a serial of the sequence's width: it reads the sequence as a plain default.
      default_sql = nextval_sql(seq->key);
      default_type = ast::type_name{};
      default_type->name = "bigint";
    }
    std::string const name = column.name;
    m_change.edit_table(table, [&](model::table& t) {
      auto* c = t.find_column(name);
      c->type = type;
      c->default_sql = default_sql;
      c->default_type = default_type;
    });
  }

  bool apply_declarative(ast::alter_column_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.column.table, missing_ok);
    if (!table) return missing_ok;
    model::column const* column = require_column(*table, s.column.column);
    if (!column) return false;
    std::string const name = column->name;
    auto const change_column = [&](auto&& change) {
      m_change.edit_table(table->key, [&](model::table& t) { change(*t.find_column(name)); });
    };
    return std::visit(
        overloaded{
            [&](ast::set_type const& t) {
              auto const resolved = resolve_type(t.type);
              if (!resolved) return false;
              if (auto const* user = generated_user(*table, name)) {
                return error(
                    "column-in-use", s.column.column,
                    fmt::format("the type of column '{}' cannot change: generated column '{}' "
                                "is computed from it",
                                name, user->name),
                    "drop the generated column first and add it again after the change",
                    defined_here(user->defined, fmt::format("'{}' is defined here", user->name)));
              }
              std::string const to = resolved->schema.empty() ? resolved->name : "";
              if (column->identity_always &&
                  (resolved->array_dims != 0 ||
                   (to != "smallint" && to != "integer" && to != "bigint"))) {
                return error(
                    "identity-type", t.type,
                    fmt::format("identity column '{}' must be smallint, integer or bigint", name),
                    "drop the identity first: 'alter column ... drop identity' in raw sql");
              }
              if (!converts_without_using(*table, *column, t, *resolved)) return false;
              if (!default_carries_over(*table, *column, *resolved, s)) return false;
              if (!expressions_carry_over(*table, *column, *resolved, s)) return false;
              if (!foreign_keys_still_match(*table, name, *resolved, s)) return false;
              retype_column(table->key, *column, *resolved);
              return true;
            },
            [&](ast::set_not_null const& n) {
              model::constraint const* pk = table->primary_key();
              if (!n.not_null && pk &&
                  std::count(pk->columns.begin(), pk->columns.end(), column->name)) {
                return error("column-in-primary-key", s.column.column,
                             fmt::format("column '{}' is in the primary key and cannot be nullable",
                                         column->name),
                             std::nullopt,
                             defined_here(pk->defined, "the primary key is defined here"));
              }
              change_column([&](model::column& c) { c.not_null = n.not_null; });
              return true;
            },
            [&](ast::set_default const& d) {
              change_column([&](model::column& c) {
                if (d.expression) {
                  set_default_of(c, d.expression->text);
                } else {
                  c.default_sql.reset();
                  c.default_type.reset();
                }
              });
              return true;
            },
        },
        s.action);
  }

  /// One key of an index in the model, its columns added to `columns`; nothing (reported)
  /// when a column does not exist.
  std::optional<model::index_key> index_key_of(model::table const& table, ast::index_key const& k,
                                               std::set<std::string>& columns,
                                               std::vector<std::string>& name_parts) {
    model::index_key key;
    key.descending = k.descending;
    key.nulls_first = k.nulls_first;
    if (k.opclass)
      key.opclass =
          k.opclass->schema.empty() ? k.opclass->name : k.opclass->schema + "." + k.opclass->name;
    if (auto const* c = std::get_if<ast::identifier>(&k.target)) {
      if (!require_column(table, *c)) return std::nullopt;
      key.column = c->name;
      columns.insert(c->name);
      name_parts.push_back(c->name);
      return key;
    }
    auto const& e = std::get<ast::sql_fragment>(k.target);
    key.expression = e.text;
    auto const parsed = sql::parse_expression(e.text);
    if (auto const* x = std::get_if<sql::expression>(&parsed)) {
      if (!columns_exist(table, x->columns, e)) return std::nullopt;
      columns.insert(x->columns.begin(), x->columns.end());
      name_parts.push_back(sql::figure_column_name(*x).value_or("expr"));
    }
    return key;
  }

  /// Every column an expression of `table` names exists (else reported at `at`).
  bool columns_exist(model::table const& table, std::vector<std::string> const& names,
                     ast::node const& at) {
    for (auto const& name : names) {
      if (table.find_column(name)) continue;
      ast::identifier id;
      id.where = at.where;
      id.name = name;
      return require_column(table, id) != nullptr;
    }
    return true;
  }

  bool apply_declarative(ast::create_index_step const& s) {
    if (auto const view = m_model.views.find(key_of(s.table));
        view != m_model.views.end() && view->second.materialized) {
      // An index on a materialized view: kept by the raw statement, not followed.
      object_key const index{key_of(s.table).first, s.name.name};
      m_change.add_unknown(index, {"CREATE INDEX", here(s)});
      report(dsl::severity::note, "sql-not-modelled", s,
             fmt::format("the schema model does not follow this CREATE INDEX (it now ignores "
                         "{}): the model does not follow indexes of materialized views",
                         shown(index)));
      return true;
    }
    bool missing_ok = false;
    model::table const* table = require_table(s.table, missing_ok);
    if (!table) return missing_ok;
    model::index index;
    index.table = table->key.second;
    index.unique = s.unique;
    if (s.method) index.method = s.method->name;
    std::vector<std::string> name_parts;
    for (auto const& k : s.keys) {
      auto key = index_key_of(*table, k, index.columns, name_parts);
      if (!key) return false;
      index.keys.push_back(std::move(*key));
    }
    if (s.include) {
      for (auto const& c : *s.include) {
        if (!require_column(*table, c)) return false;
        index.include.push_back(c.name);
        index.columns.insert(c.name);
      }
    }
    if (s.where_clause) {
      index.where_sql = s.where_clause->text;
      auto const columns = expression_columns(index.where_sql);
      if (!columns_exist(*table, columns, *s.where_clause)) return false;
      index.columns.insert(columns.begin(), columns.end());
    }
    // CREATE INDEX ON t (...) without a name: PostgreSQL's ChooseIndexName.
    std::string const name =
        s.name.name.empty()
            ? choose_name(table->key.second, join_names(name_parts), "idx",
                          [&](std::string const& n) {
                            return m_model.relation({table->key.first, n}).has_value();
                          })
            : s.name.name;
    object_key const key{table->key.first, name};
    if (s.if_not_exists && m_model.relation(key)) return true;
    if (!relation_names_free(key, s.name, "relation")) return false;
    index.key = key;
    index.defined = here(s.name.name.empty() ? static_cast<ast::node const&>(s.table) : s.name);
    m_change.add_index(std::move(index));
    return true;
  }

  bool apply_declarative(ast::drop_index_step const& s) {
    object_key const key = key_of(s.name);
    if (m_change.erase_index(key) || s.if_exists || !m_model.complete) return true;
    if (auto const existing = m_model.relation(key)) {
      return error("not-an-index", s.name,
                   fmt::format("'{}' is not an index that 'drop index' can drop", shown(key)),
                   "an index behind a primary key or unique constraint goes with 'drop constraint'",
                   defined_here(*existing, fmt::format("'{}' is created here", key.second)));
    }
    return error("unknown-index", s.name, fmt::format("index '{}' does not exist", shown(key)));
  }

  bool apply_declarative(ast::add_constraint_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.table, missing_ok);
    if (!table) return missing_ok;
    bool const has_index = !std::holds_alternative<ast::foreign_key>(s.body) &&
                           !std::holds_alternative<ast::check_clause>(s.body);
    if (has_index && !s.name.name.empty() &&
        !relation_names_free({table->key.first, s.name.name}, s.name, "relation"))
      return false;
    std::optional<std::string> name;
    if (!s.name.name.empty()) name = s.name.name;
    auto constraint = table_constraint(*table, s.body, name, s.name);
    if (!constraint) return !m_model.complete;
    bool ok = true;
    m_change.edit_table(
        table->key, [&](model::table& t) { ok = add_constraints(t, {std::move(*constraint)}); });
    return ok;
  }

  bool apply_declarative(ast::drop_constraint_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.table, missing_ok);
    if (!table) return missing_ok;
    model::constraint const* c = table->find_constraint(s.name.name);
    if (!c) {
      if (!m_model.complete) return true;
      return error("unknown-constraint", s.name,
                   fmt::format("constraint '{}' does not exist on table '{}'", s.name.name,
                               shown(table->key)));
    }
    for (auto const& [other, fk] : referencing(table->key)) {
      if (fk->ref_columns == c->columns && c->kind != model::constraint_kind::check &&
          c->kind != model::constraint_kind::foreign_key) {
        return error("constraint-in-use", s.name,
                     fmt::format("constraint '{}' is needed by foreign key '{}' of table '{}'",
                                 c->name, fk->name, shown(other->key)),
                     "drop the foreign key first",
                     defined_here(fk->defined, fmt::format("'{}' is defined here", fk->name)));
      }
    }
    m_change.edit_table(table->key, [&](model::table& t) { remove_constraint(t, s.name.name); });
    return true;
  }

  bool apply_declarative(ast::create_enum_step const& s) {
    object_key const key = key_of(s.name);
    if (!require_schema(key.first, s.name)) return false;
    if (auto const existing = m_model.enums.find(key); existing != m_model.enums.end()) {
      return error(
          "duplicate-type", s.name, fmt::format("type '{}' already exists", shown(key)),
          std::nullopt,
          defined_here(existing->second.defined, fmt::format("'{}' is created here", shown(key))));
    }
    model::enum_type e;
    e.key = key;
    e.defined = here(s.name);
    for (auto const& v : s.values) {
      if (std::count(e.values.begin(), e.values.end(), v.value)) {
        return error("duplicate-enum-value", v,
                     fmt::format("value '{}' appears twice in type '{}'", v.value, shown(key)));
      }
      e.values.push_back(v.value);
    }
    m_change.add_enum(std::move(e));
    return true;
  }

  bool apply_declarative(ast::drop_type_step const& s) {
    object_key const key = key_of(s.name);
    if (!m_model.enums.count(key)) {
      if (s.if_exists || !m_model.complete) return true;
      return error("unknown-type", s.name, fmt::format("type '{}' does not exist", shown(key)));
    }
    for (auto const& [k, n] : m_model.tables_using_type(key)) {
      for (auto const& c : m_model.tables.at(k).columns) {
        if (c.uses_type(key)) {
          bool const by_default = c.type.schema != key.first || c.type.name != key.second;
          return error("type-in-use", s.name,
                       fmt::format("type '{}' is used by {}column '{}.{}'", shown(key),
                                   by_default ? "the default of " : "", shown(k), c.name),
                       by_default ? "drop or set the column's default first"
                                  : "drop or change the column first",
                       defined_here(c.defined, fmt::format("'{}' is defined here", c.name)));
        }
      }
    }
    m_change.erase_enum(key);
    return true;
  }

  bool apply_declarative(ast::add_enum_value_step const& s) {
    object_key const key = key_of(s.type);
    auto const it = m_model.enums.find(key);
    if (it == m_model.enums.end()) {
      if (!m_model.complete) return true;
      return error("unknown-type", s.type, fmt::format("type '{}' does not exist", shown(key)));
    }
    auto const& values = it->second.values;
    if (std::count(values.begin(), values.end(), s.value.value)) {
      return error(
          "duplicate-enum-value", s.value,
          fmt::format("type '{}' already has the value '{}'", shown(key), s.value.value),
          std::nullopt,
          defined_here(it->second.defined, fmt::format("'{}' is created here", shown(key))));
    }
    auto where = values.end();
    if (s.position) {
      where = std::find(values.begin(), values.end(), s.position->neighbour.value);
      if (where == values.end()) {
        return error(
            "unknown-enum-value", s.position->neighbour,
            fmt::format("type '{}' has no value '{}'", shown(key), s.position->neighbour.value));
      }
      if (!s.position->before) ++where;
    }
    auto const position = where - values.begin();
    m_change.edit_enum(key, [&](model::enum_type& e) {
      e.values.insert(e.values.begin() + position, s.value.value);
      e.value_added_in[s.value.value] = m_context.revision;
    });
    return true;
  }

  bool apply_declarative(ast::create_schema_step const& s) {
    if (auto const existing = m_model.schemas.find(s.name.name);
        existing != m_model.schemas.end()) {
      if (s.if_not_exists) return true;
      return error(
          "duplicate-schema", s.name, fmt::format("schema '{}' already exists", s.name.name),
          std::nullopt,
          defined_here(existing->second.defined, fmt::format("'{}' is created here", s.name.name)));
    }
    m_change.add_schema(s.name.name, {std::nullopt, here(s.name)});
    return true;
  }

  bool apply_declarative(ast::drop_schema_step const& s) {
    if (!m_model.schemas.count(s.name.name)) {
      if (s.if_exists || !m_model.complete) return true;
      return error("unknown-schema", s.name,
                   fmt::format("schema '{}' does not exist", s.name.name));
    }
    // Keys sort by schema first: a schema's objects are one range of each map.
    auto const in_schema = [&](auto const& map) {
      std::vector<object_key> keys;
      for (auto it = map.lower_bound({s.name.name, ""});
           it != map.end() && it->first.first == s.name.name; ++it)
        keys.push_back(it->first);
      return keys;
    };
    auto const tables = in_schema(m_model.tables);
    auto const enums = in_schema(m_model.enums);
    if ((!tables.empty() || !enums.empty()) && !s.cascade) {
      return error("schema-in-use", s.name, fmt::format("schema '{}' is not empty", s.name.name),
                   "drop its objects first, or write 'drop schema ... cascade'");
    }
    for (auto const& k : tables) m_change.erase_table(k);
    for (auto const& k : in_schema(m_model.indexes)) m_change.erase_index(k);
    for (auto const& k : enums) m_change.erase_enum(k);
    m_change.erase_schema(s.name.name);
    return true;
  }

  bool apply_declarative(ast::create_extension_step const& s) {
    if (s.name.name == model::built_in_extension) {
      if (s.if_not_exists) return true;
      return error("duplicate-extension", s.name,
                   fmt::format("extension '{}' already exists", s.name.name),
                   "every database has PL/pgSQL from the start: leave the statement out, or "
                   "write 'if not exists'");
    }
    if (auto const existing = m_model.extensions.find(s.name.name);
        existing != m_model.extensions.end()) {
      if (s.if_not_exists) return true;
      return error(
          "duplicate-extension", s.name, fmt::format("extension '{}' already exists", s.name.name),
          std::nullopt,
          defined_here(existing->second.defined, fmt::format("'{}' is created here", s.name.name)));
    }
    m_change.add_extension(s.name.name, {std::nullopt, here(s.name)});
    return true;
  }

  bool apply_declarative(ast::drop_extension_step const& s) {
    if (m_change.erase_extension(s.name.name) || s.if_exists || !m_model.complete) return true;
    return error("unknown-extension", s.name,
                 fmt::format("extension '{}' does not exist", s.name.name));
  }

  /// Columns and constraints of the step under construction, before they join their table.
  std::vector<model::column> m_new_columns;
  std::vector<model::constraint> m_new_constraints;
};

}  // namespace

namespace replay_support {

std::optional<object_key> sequence_of_default(std::string const& sql) {
  auto const parsed = sql::parse_expression(sql);
  auto const* e = std::get_if<sql::expression>(&parsed);
  if (!e) return std::nullopt;
  sql::node const call(e->tree);
  auto const names = call.names("funcname");
  auto const args = call.list("args");
  if (!call.is("FuncCall") || names.empty() || names.back() != "nextval" || args.size() != 1)
    return std::nullopt;
  sql::node const literal = args[0].is("TypeCast") ? args[0]["arg"] : args[0];
  if (!literal.is("A_Const") || !literal["sval"]) return std::nullopt;
  std::string const text = literal["sval"].text("sval");
  auto const dot = text.find('.');
  if (dot == std::string::npos) return object_key{"public", text};
  return object_key{text.substr(0, dot), text.substr(dot + 1)};
}

std::string nextval_sql(object_key const& key) {
  std::string const name =
      (key.first == "public" ? std::string() : quote_identifier(key.first) + ".") +
      quote_identifier(key.second);
  return "nextval(" + quote_literal(name) + "::regclass)";
}

std::string_view serial_type_of(std::string_view integer) {
  if (integer == "smallint") return "smallserial";
  if (integer == "integer") return "serial";
  return "bigserial";
}

std::string default_as_modelled(std::string const& sql) {
  auto const sequence = sequence_of_default(sql);
  return sequence ? nextval_sql(*sequence) : sql;
}

namespace {

/// The value boolin() reads from `text` (PostgreSQL's src/backend/utils/adt/bool.c: any
/// case, surrounding blanks, and any unique prefix of true/false/yes/no, on/off, 1/0).
std::optional<bool> boolean_text(std::string text) {
  auto const blank = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && blank(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && blank(static_cast<unsigned char>(text[start]))) ++start;
  text = text.substr(start);
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text.empty()) return std::nullopt;
  auto const prefix_of = [&](std::string_view word, std::size_t least) {
    return text.size() >= least && word.substr(0, text.size()) == text;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || text == "on" || text == "1") return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || text == "0")
    return false;
  return std::nullopt;
}

}  // namespace

std::string default_for(ast::type_name const& type, std::string const& sql) {
  if (!type.schema.empty() || type.array_dims != 0 || normalized(type).name != "boolean")
    return default_as_modelled(sql);
  // A boolean written as text or a number ('0', 'yes': as ORMs render it): the server stores
  // and prints the constant false / true.
  auto const parsed = sql::parse_expression(sql);
  auto const* e = std::get_if<sql::expression>(&parsed);
  if (!e) return sql;
  sql::node const value(e->tree);
  std::optional<bool> b;
  if (value.is("A_Const") && value["sval"]) b = boolean_text(value["sval"].text("sval"));
  if (b) return *b ? "true" : "false";
  return sql;
}

std::optional<default_cast> cast_of(std::string const& sql) {
  auto const parsed = sql::parse_expression(sql);
  auto const* e = std::get_if<sql::expression>(&parsed);
  if (!e) return std::nullopt;
  sql::node const root(e->tree);
  if (!root.is("TypeCast")) return std::nullopt;
  auto const names = root["typeName"].names("names");
  if (names.empty()) return std::nullopt;
  default_cast out;
  out.type.name = names.back();
  if (names.size() >= 2) out.type.schema = names[names.size() - 2];
  out.type.array_dims = static_cast<std::uint32_t>(root["typeName"].list("arrayBounds").size());
  sql::node const arg = root["arg"];
  if (arg.is("A_Const") && arg["sval"]) out.constant = arg["sval"].text("sval");
  return out;
}

}  // namespace replay_support

model::sequence const* width_sequence(model::schema const& schema, model::object_key const& table,
                                      model::column const& column) {
  auto const* seq = schema.sequence_owned_by(table, column.name);
  if (!seq || !column.type.schema.empty() || column.type.array_dims != 0) return nullptr;
  std::string const type(storage_type(normalized(column.type).name));
  if (is_serial(normalized(column.type).name)) return seq;
  bool const reads =
      column.default_sql && replay_support::sequence_of_default(*column.default_sql) == seq->key;
  return reads && seq->type == type ? seq : nullptr;
}

model::object_key key_of(ast::qualified_name const& name) {
  return {name.schema.empty() ? "public" : name.schema, name.name};
}

bool apply_statement(model::schema& model, std::vector<change::any> const& changes,
                     step_context const& context) {
  step_context from_sql = context;
  from_sql.from_sql = true;
  model.open_journal();
  for (auto const& c : changes) {
    bool const ok = std::visit(
        overloaded{
            [&](ast::step const& step) { return replayer(model, from_sql).apply(step); },
            [&](change::object_change const& o) { return apply_change(model, o, from_sql); },
        },
        c);
    if (!ok) {
      model.roll_back_journal();
      return false;
    }
  }
  model.commit_journal();
  return true;
}

bool apply_step(model::schema& model, ast::step const& step, step_context const& context) {
  // Journal the step so a failed step leaves the model as it was.
  model.open_journal();
  if (!replayer(model, context).apply(step)) {
    model.roll_back_journal();
    return false;
  }
  model.commit_journal();
  return true;
}

}  // namespace migc::compiler
