// One renderer, two styles: hand-written-looking SQL for the server, and the frozen canonical text
// for checksums.
#include "render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <variant>

#include "overloaded.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

// PostgreSQL 15 keywords that are not UNRESERVED_KEYWORD (reserved,
// col_name and type_func_name): quote_ident() quotes exactly these. Sorted.
constexpr std::array<std::string_view, 151> quoted_keywords{{
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
}};

bool needs_quotes(std::string_view name) {
  if (name.empty()) return true;
  auto const lower_or_underscore = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  if (!lower_or_underscore(name.front())) return true;
  bool const plain = std::all_of(name.begin(), name.end(), [&](char c) {
    return lower_or_underscore(c) || (c >= '0' && c <= '9') || c == '$';
  });
  return !plain || std::binary_search(quoted_keywords.begin(), quoted_keywords.end(), name);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

/// The pieces both styles share; `canonical` picks the style.
class writer {
 public:
  /// `fragments`: the canonical form of SQL fragments (canonical style only).
  explicit writer(bool canonical, fragment_form const* fragments = nullptr)
      : m_canonical(canonical), m_fragments(fragments) {}

  [[nodiscard]] bool canonical() const { return m_canonical; }

  /// Keywords: lower case in the canonical form, upper case in SQL.
  [[nodiscard]] std::string kw(std::string_view words) const {
    return m_canonical ? std::string(words) : upper(words);
  }
  /// `kw(words)` followed by a space when `on`, else nothing.
  [[nodiscard]] std::string flag(bool on, std::string_view words) const {
    return on ? kw(words) + " " : std::string();
  }

  [[nodiscard]] std::string ident(std::string_view name) const {
    if (!m_canonical) return quote_identifier(name);
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }

  [[nodiscard]] std::string qname(std::string const& schema, std::string const& name) const {
    if (m_canonical) return ident(schema.empty() ? "public" : schema) + "." + ident(name);
    if (schema.empty() || schema == "public") return ident(name);
    return ident(schema) + "." + ident(name);
  }
  [[nodiscard]] std::string qname(ast::qualified_name const& n) const {
    return qname(n.schema, n.name);
  }

  [[nodiscard]] std::string type(ast::type_name const& t) const {
    ast::type_name const n = normalized(t);
    std::string out = builtin_type(n.name) && n.schema.empty() ? n.name : qname(n.schema, n.name);
    if (!n.modifiers.empty()) {
      out += "(";
      for (std::size_t i = 0; i < n.modifiers.size(); ++i)
        out += (i ? ", " : "") + std::to_string(n.modifiers[i]);
      out += ")";
    }
    for (std::uint32_t i = 0; i < n.array_dims; ++i) out += "[]";
    return out;
  }

  [[nodiscard]] std::string fragment(ast::sql_fragment const& f) const {
    return m_canonical && m_fragments ? (*m_fragments)(f) : f.text;
  }
  [[nodiscard]] std::string parenthesised(ast::sql_fragment const& f) const {
    return "(" + fragment(f) + ")";
  }

  [[nodiscard]] std::string columns(std::vector<ast::identifier> const& names) const {
    std::string out = "(";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + ident(names[i].name);
    return out + ")";
  }

  [[nodiscard]] std::string references(ast::references_clause const& r) const {
    std::string out = kw("references") + " " + qname(r.table);
    if (!r.columns.empty()) out += " " + columns(r.columns);
    // Always in this order, whatever the source's: the canonical form must not depend on it.
    if (r.actions.on_delete)
      out += " " + kw("on delete") + " " + kw(action_words(*r.actions.on_delete));
    if (r.actions.on_update)
      out += " " + kw("on update") + " " + kw(action_words(*r.actions.on_update));
    return out;
  }

  [[nodiscard]] std::string column_constraint(ast::column_constraint const& c) const {
    return std::visit(
        overloaded{
            [&](ast::nullability const& n) { return kw(n.not_null ? "not null" : "null"); },
            [&](ast::default_value const& d) {
              return kw("default") + " " + fragment(d.expression);
            },
            [&](ast::key_marker const& k) { return kw(k.primary ? "primary key" : "unique"); },
            [&](ast::references_clause const& r) { return references(r); },
            [&](ast::check_clause const& c) {
              return kw("check") + " " + parenthesised(c.expression);
            },
            [&](ast::identity_clause const& i) {
              return kw(i.always ? "generated always as identity"
                                 : "generated by default as identity");
            },
            [&](ast::generated_clause const& g) {
              return kw("generated always as") + " " + parenthesised(g.expression) + " " +
                     kw("stored");
            },
        },
        c);
  }

  [[nodiscard]] std::string column(std::string const& name, ast::type_name const& t,
                                   std::vector<ast::column_constraint> const& constraints) const {
    std::string out = ident(name) + " " + type(t);
    for (auto const& c : constraints) out += " " + column_constraint(c);
    return out;
  }

  [[nodiscard]] std::string constraint_body(ast::constraint_body const& body) const {
    return std::visit(
        overloaded{
            [&](ast::key_columns const& k) {
              return kw(k.primary ? "primary key" : "unique") + " " + columns(k.columns);
            },
            [&](ast::foreign_key const& f) {
              return kw("foreign key") + " " + columns(f.columns) + " " + references(f.references);
            },
            [&](ast::check_clause const& c) {
              return kw("check") + " " + parenthesised(c.expression);
            },
        },
        body);
  }

  [[nodiscard]] std::string table_constraint(ast::table_constraint const& c) const {
    std::string out;
    if (c.name) out = kw("constraint") + " " + ident(c.name->name) + " ";
    return out + constraint_body(c.body);
  }

  [[nodiscard]] std::string table_element(ast::table_element const& e) const {
    return std::visit(
        overloaded{
            [&](ast::column_def const& c) { return column(c.name.name, c.type, c.constraints); },
            [&](ast::table_constraint const& c) { return table_constraint(c); },
        },
        e);
  }

  [[nodiscard]] std::string literal(std::string_view text) const { return quote_literal(text); }

 private:
  bool m_canonical;
  fragment_form const* m_fragments;
};

/// `CREATE TABLE t (\n    a ...,\n    b ...\n)` in SQL; one line in the canonical form.
std::string create_table(writer const& w, ast::create_table_step const& s) {
  std::string const separator = w.canonical() ? ", " : ",\n    ";
  std::string out = w.kw("create table") + " " + w.flag(s.if_not_exists, "if not exists") +
                    w.qname(s.table) + (w.canonical() ? " (" : " (\n    ");
  for (std::size_t i = 0; i < s.elements.size(); ++i) {
    out += (i ? separator : "") + w.table_element(s.elements[i]);
  }
  return out + (w.canonical() ? ")" : "\n)");
}

std::string alter_action_sql(writer const& w, ast::alter_action const& action) {
  return std::visit(overloaded{
                        [&](ast::set_type const& t) {
                          std::string out = w.kw("type") + " " + w.type(t.type);
                          if (t.using_expression)
                            out += " " + w.kw("using") + " " + w.fragment(*t.using_expression);
                          return out;
                        },
                        [&](ast::set_not_null const& n) {
                          return w.kw(n.not_null ? "set not null" : "drop not null");
                        },
                        [&](ast::set_default const& d) {
                          return d.expression
                                     ? w.kw("set default") + " " + w.fragment(*d.expression)
                                     : w.kw("drop default");
                        },
                    },
                    action);
}

std::string enum_values(writer const& w, std::vector<ast::sql_string> const& values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + w.literal(values[i].value);
  return out + ")";
}

std::string enum_position(writer const& w, std::optional<ast::enum_position> const& position) {
  if (!position) return "";
  return " " + w.kw(position->before ? "before" : "after") + " " +
         w.literal(position->neighbour.value);
}

std::string index_key(writer const& w, ast::index_key const& k) {
  std::string out = std::visit(overloaded{
                                   [&](ast::identifier const& c) { return w.ident(c.name); },
                                   [&](ast::sql_fragment const& e) { return w.parenthesised(e); },
                               },
                               k.target);
  if (k.opclass) out += " " + w.qname(*k.opclass);
  if (k.descending) out += " " + w.kw("desc");
  if (k.nulls_first) out += " " + w.kw(*k.nulls_first ? "nulls first" : "nulls last");
  return out;
}

/// `[USING method] (keys) [INCLUDE (...)] [WHERE ...]`; a plain column index reads as it always
/// did, so the canonical form of such steps is unchanged.
std::string index_tail(writer const& w, ast::create_index_step const& s) {
  std::string out = s.method ? w.kw("using") + " " + w.ident(s.method->name) + " (" : "(";
  for (std::size_t i = 0; i < s.keys.size(); ++i) out += (i ? ", " : "") + index_key(w, s.keys[i]);
  out += ")";
  if (s.include) out += " " + w.kw("include") + " " + w.columns(*s.include);
  if (s.where_clause) out += " " + w.kw("where") + " " + w.fragment(*s.where_clause);
  return out;
}

/// The shared statements whose SQL and canonical shapes coincide up to style.
std::string common_step(writer const& w, ast::step const& step) {
  return std::visit(overloaded{
                        [&](ast::create_table_step const& s) { return create_table(w, s); },
                        [&](ast::drop_table_step const& s) {
                          return w.kw("drop table") + " " + w.flag(s.if_exists, "if exists") +
                                 w.qname(s.table) + (s.cascade ? " " + w.kw("cascade") : "");
                        },
                        [&](ast::create_index_step const& s) {
                          return w.kw("create") + " " + w.flag(s.unique, "unique") + w.kw("index") +
                                 " " + w.flag(s.concurrently, "concurrently") +
                                 w.flag(s.if_not_exists, "if not exists") + w.ident(s.name.name) +
                                 " " + w.kw("on") + " " + w.qname(s.table) + " " + index_tail(w, s);
                        },
                        [&](ast::drop_index_step const& s) {
                          return w.kw("drop index") + " " + w.flag(s.concurrently, "concurrently") +
                                 w.flag(s.if_exists, "if exists") + w.qname(s.name);
                        },
                        [&](ast::create_enum_step const& s) {
                          return w.kw("create type") + " " + w.qname(s.name) + " " +
                                 w.kw("as enum") + " " + enum_values(w, s.values);
                        },
                        [&](ast::drop_type_step const& s) {
                          return w.kw("drop type") + " " + w.flag(s.if_exists, "if exists") +
                                 w.qname(s.name);
                        },
                        [&](ast::create_schema_step const& s) {
                          return w.kw("create schema") + " " +
                                 w.flag(s.if_not_exists, "if not exists") + w.ident(s.name.name);
                        },
                        [&](ast::create_extension_step const& s) {
                          return w.kw("create extension") + " " +
                                 w.flag(s.if_not_exists, "if not exists") + w.ident(s.name.name);
                        },
                        [&](ast::drop_schema_step const& s) {
                          return w.kw("drop schema") + " " + w.flag(s.if_exists, "if exists") +
                                 w.ident(s.name.name) + (s.cascade ? " " + w.kw("cascade") : "");
                        },
                        [&](ast::drop_extension_step const& s) {
                          return w.kw("drop extension") + " " + w.flag(s.if_exists, "if exists") +
                                 w.ident(s.name.name);
                        },
                        [&](auto const&) { return std::string(); },
                    },
                    step);
}

std::string alter_table(writer const& w, ast::qualified_name const& table) {
  return w.kw("alter table") + " " + w.qname(table) + " ";
}

}  // namespace

std::string_view action_words(dsl::ast::fk_action action) {
  switch (action) {
    case dsl::ast::fk_action::no_action:
      return "no action";
    case dsl::ast::fk_action::restrict:
      return "restrict";
    case dsl::ast::fk_action::cascade:
      return "cascade";
    case dsl::ast::fk_action::set_null:
      return "set null";
    case dsl::ast::fk_action::set_default:
      return "set default";
  }
  return "no action";
}

std::string quote_identifier(std::string_view name) {
  if (!needs_quotes(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string type_sql(ast::type_name const& type) {
  return writer(false).type(type);
}

std::string step_sql(ast::step const& step) {
  writer const w(false);
  return std::visit(
      overloaded{
          [&](ast::rename_table_step const& s) {
            return alter_table(w, s.table) + "RENAME TO " + w.ident(s.to.name);
          },
          [&](ast::add_column_step const& s) {
            return alter_table(w, s.column.table) + "ADD COLUMN " +
                   w.flag(s.if_not_exists, "if not exists") +
                   w.column(s.column.column.name, s.type, s.constraints);
          },
          [&](ast::drop_column_step const& s) {
            return alter_table(w, s.column.table) + "DROP COLUMN " +
                   w.flag(s.if_exists, "if exists") + w.ident(s.column.column.name) +
                   (s.cascade ? " CASCADE" : "");
          },
          [&](ast::rename_column_step const& s) {
            return alter_table(w, s.column.table) + "RENAME COLUMN " +
                   w.ident(s.column.column.name) + " TO " + w.ident(s.to.name);
          },
          [&](ast::alter_column_step const& s) {
            return alter_table(w, s.column.table) + "ALTER COLUMN " +
                   w.ident(s.column.column.name) + " " + alter_action_sql(w, s.action);
          },
          [&](ast::add_constraint_step const& s) {
            return alter_table(w, s.table) + "ADD CONSTRAINT " + w.ident(s.name.name) + " " +
                   w.constraint_body(s.body);
          },
          [&](ast::drop_constraint_step const& s) {
            return alter_table(w, s.table) + "DROP CONSTRAINT " + w.ident(s.name.name);
          },
          [&](ast::add_enum_value_step const& s) {
            return "ALTER TYPE " + w.qname(s.type) + " ADD VALUE " + w.literal(s.value.value) +
                   enum_position(w, s.position);
          },
          [&](auto const&) { return common_step(w, step); },
      },
      step);
}

std::string step_canonical(ast::step const& step, fragment_form const& fragments) {
  writer const w(true, &fragments);
  auto const column = [&](ast::column_ref const& c) {
    return w.qname(c.table) + "." + w.ident(c.column.name);
  };
  return std::visit(
      overloaded{
          [&](ast::rename_table_step const& s) {
            return "rename table " + w.qname(s.table) + " to " + w.ident(s.to.name);
          },
          [&](ast::add_column_step const& s) {
            std::string out = "add column " + w.flag(s.if_not_exists, "if not exists") +
                              column(s.column) + " " + w.type(s.type);
            for (auto const& c : s.constraints) out += " " + w.column_constraint(c);
            return out;
          },
          [&](ast::drop_column_step const& s) {
            return "drop column " + w.flag(s.if_exists, "if exists") + column(s.column) +
                   (s.cascade ? " cascade" : "");
          },
          [&](ast::rename_column_step const& s) {
            return "rename column " + column(s.column) + " to " + w.ident(s.to.name);
          },
          [&](ast::alter_column_step const& s) {
            return "alter column " + column(s.column) + " " + alter_action_sql(w, s.action);
          },
          [&](ast::add_constraint_step const& s) {
            return "add constraint " + w.ident(s.name.name) + " on " + w.qname(s.table) + " " +
                   w.constraint_body(s.body);
          },
          [&](ast::drop_constraint_step const& s) {
            return "drop constraint " + w.ident(s.name.name) + " on " + w.qname(s.table);
          },
          [&](ast::add_enum_value_step const& s) {
            return "add value " + w.literal(s.value.value) + " to type " + w.qname(s.type) +
                   enum_position(w, s.position);
          },
          [&](ast::backfill_step const& s) {
            std::string out = "backfill " + w.qname(s.table) + " set " + w.ident(s.column.name) +
                              " = " + w.fragment(s.value);
            if (s.where_clause) out += " where " + w.parenthesised(*s.where_clause);
            if (s.batch) out += " batch " + std::to_string(*s.batch);
            return out;
          },
          [&](auto const&) { return common_step(w, step); },
      },
      step);
}

std::string relation_sql(ast::qualified_name const& name) {
  return writer(false).qname(name);
}

}  // namespace migc::compiler
