// What every replay of a change on the schema model shares: reporting with notes, lookups that
// report unknown names with a "did you mean", type resolution. Internal to replay*.cpp.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "model.hpp"
#include "naming.hpp"
#include "render.hpp"
#include "replay.hpp"
#include "types.hpp"

namespace migc::compiler::replay_support {

namespace ast = dsl::ast;
using model::object_key;

/// A key as messages show it: `users`, `audit.events`.
inline std::string shown(object_key const& key) {
  return key.first == "public" ? key.second : key.first + "." + key.second;
}

inline std::vector<std::string> names_of(std::vector<ast::identifier> const& ids) {
  std::vector<std::string> out;
  for (auto const& id : ids) out.push_back(id.name);
  return out;
}

/// The keys of a lookup index entry, copied: changing the model changes the entry.
inline std::vector<object_key> keys_in(model::key_counts const& counts) {
  std::vector<object_key> out;
  out.reserve(counts.size());
  for (auto const& [key, n] : counts) out.push_back(key);
  return out;
}

/// The sequence a default `nextval('name')` (or `nextval('name'::regclass)`) reads, if it is one.
std::optional<object_key> sequence_of_default(std::string const& sql);
/// The serial pseudo-type of an integer type (`integer` -> `serial`).
std::string_view serial_type_of(std::string_view integer);

/// `nextval('name'::regclass)` as PostgreSQL prints a default that reads sequence `key`
/// (pg_get_expr: the name as regclass shows it, schema-qualified outside public).
std::string nextval_sql(object_key const& key);

/// A default as the model keeps it: a nextval() call in PostgreSQL's spelling, anything else
/// as written.
std::string default_as_modelled(std::string const& sql);

/// A default of a column of type `type` as the model keeps it: default_as_modelled, and a
/// boolean written as text ('0', 'yes') as the constant PostgreSQL stores (false, true).
std::string default_for(ast::type_name const& type, std::string const& sql);

/// A default written as one cast: the type as written (schema as written, no modifiers), and
/// the string constant cast, if that is what is cast (`('happy')::mood`: mood and "happy").
struct default_cast {
  ast::type_name type;
  std::optional<std::string> constant;
};

/// `sql` as one cast (`('happy')::mood`, `'5'::integer`, `now()::date`); nothing otherwise.
std::optional<default_cast> cast_of(std::string const& sql);

/**
 * Reports and checks on behalf of one change. Reads go through `m_model`
 * (const); every change goes through `m_change`, whose member functions
 * journal it and keep the model's lookup indexes in step. Lookups are not
 * made inside an edit (the edited object is out of the indexes then).
 */
class replay_base {
 public:
  replay_base(model::schema& model, step_context const& context)
      : m_model(model), m_change(model), m_context(context) {}

 protected:
  // ------------------------------------------------------------ reporting

  bool error(std::string code, ast::node const& at, std::string message,
             std::optional<std::string> help = std::nullopt, std::vector<dsl::note> notes = {}) {
    report(dsl::severity::error, std::move(code), at, std::move(message), std::move(help),
           std::move(notes));
    return false;
  }

  void report(dsl::severity level, std::string code, ast::node const& at, std::string message,
              std::optional<std::string> help = std::nullopt, std::vector<dsl::note> notes = {}) {
    dsl::diagnostic d;
    d.level = level;
    d.code = std::move(code);
    d.where = {m_context.file, at.where};
    d.message = std::move(message);
    d.help = std::move(help);
    d.notes = std::move(notes);
    m_context.out->report(std::move(d));
  }

  /// The help for an unknown name: the closest known one, if any.
  static std::optional<std::string> did_you_mean(std::optional<std::string> const& close) {
    if (!close) return std::nullopt;
    return fmt::format("did you mean '{}'?", *close);
  }

  static std::vector<dsl::note> defined_here(model::origin const& origin, std::string what) {
    if (!origin.where.file) return {};
    return {dsl::note{origin.where, std::move(what)}};
  }

  model::origin here(ast::node const& at) const {
    return {{m_context.file, at.where}, m_context.revision};
  }

  // ------------------------------------------------------------ dependents

  /// Views that read relation `from` read `to` after a rename (PostgreSQL keeps them by OID).
  void retarget_views(object_key const& from, object_key const& to) {
    std::vector<object_key> views;
    for (auto const& [k, v] : m_model.views) {
      if (v.reads.count(from)) views.push_back(k);
    }
    for (auto const& k : views) {
      m_change.edit_view(k, [&](model::view& v) {
        v.reads.erase(from);
        v.reads.insert(to);
      });
    }
  }

  // ------------------------------------------------------------ lookups

  /// True when a missing object named `key` is no error: the model stopped being sure after a
  /// failed step, or a statement it does not follow named the object.
  bool unsure_of(object_key const& key) const {
    return !m_model.complete || m_model.unknown.count(key) != 0 ||
           m_model.unknown.count({key.first, ""}) != 0;  // a whole schema
  }

  model::table const* find_table(object_key const& key) const {
    auto const it = m_model.tables.find(key);
    return it == m_model.tables.end() ? nullptr : &it->second;
  }

  /// The table, or an error when the model is sure it does not exist.
  /// `missing_ok` (the model is unsure of it, see unsure_of) is then true.
  model::table const* require_table(ast::qualified_name const& name, bool& missing_ok) {
    object_key const key = key_of(name);
    if (auto* t = find_table(key)) return t;
    missing_ok = unsure_of(key);
    if (missing_ok) return nullptr;
    std::vector<std::string> known;
    for (auto const& [k, t] : m_model.tables) known.push_back(shown(k));
    auto const close = closest_name(shown(key), known);
    std::vector<dsl::note> notes;
    if (m_model.views.count(key)) {
      notes =
          defined_here(m_model.views.at(key).defined, fmt::format("'{}' is a view", shown(key)));
    }
    error("unknown-table", name, fmt::format("table '{}' does not exist", shown(key)),
          did_you_mean(close), std::move(notes));
    return nullptr;
  }

  model::column const* require_column(model::table const& table, ast::identifier const& name) {
    if (auto* c = table.find_column(name.name)) return c;
    std::vector<std::string> known;
    for (auto const& c : table.columns) known.push_back(c.name);
    auto const close = closest_name(name.name, known);
    error("unknown-column", name,
          fmt::format("column '{}' does not exist in table '{}'", name.name, shown(table.key)),
          did_you_mean(close),
          defined_here(table.defined, fmt::format("table '{}' is created here", shown(table.key))));
    return nullptr;
  }

  bool require_schema(std::string const& schema, ast::node const& at) {
    if (m_model.schemas.count(schema) || !m_model.complete) return true;
    return error("unknown-schema", at, fmt::format("schema '{}' does not exist", schema),
                 fmt::format("create it first: 'create schema {}'", schema));
  }

  bool relation_names_free(object_key const& key, ast::node const& at, std::string_view what) {
    auto const existing = m_model.relation(key);
    if (!existing) return true;
    return error("duplicate-name", at, fmt::format("{} '{}' already exists", what, shown(key)),
                 std::nullopt,
                 defined_here(*existing, fmt::format("'{}' is created here", key.second)));
  }

  // ------------------------------------------------------------ types

  /**
   * Gives column `c` the default written `sql` (default_for), with its own type: what a later
   * `alter column ... type` casts, once PostgreSQL has stripped the implicit coercion to the
   * column's type (ALTER TABLE, "SET DATA TYPE"). The constants true and false are boolean
   * (`default false` on a text column turns back into a boolean default). A string constant
   * cast to an enum other than the column's type (`('happy')::mood`, as a derived downgrade
   * sets a default kept in it) is that constant kept in that enum, as a type change leaves it.
   * Anything else is taken as of the column's type (an expression's own type is not modelled).
   */
  void set_default_of(model::column& c, std::string const& sql) const {
    c.default_sql = default_for(c.type, sql);
    c.default_type = c.type;
    if (*c.default_sql == "true" || *c.default_sql == "false") {
      c.default_type = ast::type_name{};
      c.default_type->name = "boolean";
      return;
    }
    auto const cast = cast_of(*c.default_sql);
    if (!cast || !cast->constant || cast->type.array_dims != 0) return;
    object_key const key{cast->type.schema.empty() ? "public" : cast->type.schema, cast->type.name};
    if (!m_model.enums.count(key) || (c.type.schema == key.first && c.type.name == key.second))
      return;
    c.default_sql = quote_literal(*cast->constant);
    c.default_type = ast::type_name{};
    c.default_type->schema = key.first;
    c.default_type->name = key.second;
  }

  /// Resolves a type (aliases, user types' schema) or reports it unknown with the closest known
  /// name.
  std::optional<ast::type_name> resolve_type(ast::type_name const& written) {
    ast::type_name type = normalized(written);
    if (type.schema.empty() && builtin_type(type.name)) return type;
    object_key const key{type.schema.empty() ? "public" : type.schema, type.name};
    if (m_model.enums.count(key) || m_model.types.count(key)) {
      type.schema = key.first;
      return type;
    }
    for (auto const& [extension, object] : m_model.extensions) {
      for (auto const t : extension_types(extension)) {
        if ((type.schema.empty() || type.schema == "public") && t == type.name) {
          type.schema.clear();
          return type;
        }
      }
    }
    if (unsure_of(key)) return type;
    if (auto const extension = extension_of(type.name)) {
      return report_unknown_type(written, key,
                                 fmt::format("type '{}' comes with extension '{}': add 'create "
                                             "extension {}' in this or an earlier revision",
                                             type.name, *extension, *extension));
    }
    std::vector<std::string> known{"string", "str",    "datetime", "long",
                                   "int64",  "double", "float64"};
    for (auto const name : builtin_type_names()) known.emplace_back(name);
    for (auto const& [k, e] : m_model.enums) known.push_back(shown(k));
    for (auto const& [k, t] : m_model.types) known.push_back(shown(k));
    auto close = closest_name(type.name, known);
    if (close) close = suggestion_for(*close);
    return report_unknown_type(written, key, did_you_mean(close));
  }

  std::optional<ast::type_name> report_unknown_type(ast::node const& at, object_key const& key,
                                                    std::optional<std::string> help) {
    error("unknown-type", at, fmt::format("unknown type '{}'", shown(key)), std::move(help));
    return std::nullopt;
  }

  /// Names users bring from other languages map to the PostgreSQL type they mean.
  static std::string suggestion_for(std::string const& name) {
    if (name == "string" || name == "str") return "text";
    if (name == "datetime") return "timestamptz";
    if (name == "long" || name == "int64") return "bigint";
    if (name == "double" || name == "float64") return "double precision";
    return name;
  }

  model::schema const& m_model;
  model::schema& m_change;
  step_context const& m_context;
};

}  // namespace migc::compiler::replay_support
