// The syntax tree of one revision file. Plain structs: no parser headers here.
#pragma once

#include <cstdint>
#include <migc/dsl/source_file.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace migc::dsl::ast {

/// Every node that diagnostics can point at carries its source range.
struct node {
  span where;
};

/// A revision id exactly as written ("001"); compared by numeric value.
struct revision_id : node {
  std::string digits;
};

/// `sql $tag$ ... $tag$`: opaque SQL, run as written.
struct raw_sql_step : node {
  std::string tag;   ///< the dollar-quote tag, "" for `$$`
  std::string body;  ///< text between the delimiters, verbatim
  /// Byte offset of the body's first character in the file, so that a
  /// server error inside the body can be mapped back to a source line.
  std::uint32_t body_offset = 0;
};

/// `irreversible ["reason"]`: only valid as the whole downgrade block.
struct irreversible_step : node {
  std::optional<std::string> reason;
};

// ------------------------------------------------------------ names and text
// Names are stored as PostgreSQL sees them: unquoted identifiers folded to
// lower case, "quoted" ones verbatim (with "" undoubled).

/// One identifier (a column, an index, a constraint, a schema).
struct identifier : node {
  std::string name;
};

/// `[schema.]name`; `schema` is empty when not written (the default, `public`).
struct qualified_name : node {
  std::string schema;
  std::string name;
};

/// `[schema.]table.column`.
struct column_ref : node {
  qualified_name table;
  identifier column;
};

/**
 * A type as written, normalised only lexically: `name` is the folded words
 * joined by one space ("character varying", "timestamp with time zone"),
 * `modifiers` the numbers in parentheses, `array_dims` the `[]` pairs.
 * Aliases (`int4` = `integer`) are resolved by the compiler, which knows
 * which types exist.
 */
struct type_name : node {
  std::string schema;
  std::string name;
  std::vector<std::uint32_t> modifiers;
  std::uint32_t array_dims = 0;
};

/// A piece of SQL kept verbatim: a default, or the inside of `check (...)`,
/// `where (...)`, `using (...)` (without the outer parentheses).
struct sql_fragment : node {
  std::string text;
};

/// A SQL string literal `'...'` (enum labels), with '' undoubled.
struct sql_string : node {
  std::string value;
};

// ------------------------------------------------------------ constraints

enum class fk_action { no_action, restrict, cascade, set_null, set_default };

/// `[on delete action] [on update action]`, in either order, each at most once.
struct fk_actions {
  std::optional<fk_action> on_delete;
  std::optional<fk_action> on_update;
};

/// `references t [(c, ...)] [actions]`; no columns = the primary key.
struct references_clause : node {
  qualified_name table;
  std::vector<identifier> columns;
  fk_actions actions;
};

/// Column constraints, in any order after the type.
struct nullability : node {
  bool not_null = false;
};
struct default_value : node {
  sql_fragment expression;
};
/// `primary key` (primary) or `unique`.
struct key_marker : node {
  bool primary = false;
};
struct check_clause : node {
  sql_fragment expression;
};
/// `generated always|by default as identity`.
struct identity_clause : node {
  bool always = true;
};
/// `generated always as (expression) stored`.
struct generated_clause : node {
  sql_fragment expression;
};
using column_constraint = std::variant<nullability, default_value, key_marker, references_clause,
                                       check_clause, identity_clause, generated_clause>;

/// `name type [constraint ...]`.
struct column_def : node {
  identifier name;
  type_name type;
  std::vector<column_constraint> constraints;
};

/// Table constraint bodies.
struct key_columns : node {
  bool primary = false;  ///< primary key (...) or unique (...)
  std::vector<identifier> columns;
};
struct foreign_key : node {
  std::vector<identifier> columns;
  references_clause references;
};
using constraint_body = std::variant<key_columns, foreign_key, check_clause>;

/// `[constraint name] body`.
struct table_constraint : node {
  std::optional<identifier> name;
  constraint_body body;
};

using table_element = std::variant<column_def, table_constraint>;

// ------------------------------------------------------------ steps

/// `create table [if not exists] t (element, ...)`.
struct create_table_step : node {
  bool if_not_exists = false;
  qualified_name table;
  std::vector<table_element> elements;
};

/// `drop table [if exists] t [cascade]`.
struct drop_table_step : node {
  bool if_exists = false;
  qualified_name table;
  bool cascade = false;
};

/// `rename table t to u`.
struct rename_table_step : node {
  qualified_name table;
  identifier to;
};

/// `add column [if not exists] t.c type [constraint ...]`.
struct add_column_step : node {
  bool if_not_exists = false;
  column_ref column;
  type_name type;
  std::vector<column_constraint> constraints;
};

/// `drop column [if exists] t.c [cascade]`.
struct drop_column_step : node {
  bool if_exists = false;
  column_ref column;
  bool cascade = false;
};

/// `rename column t.a to b`.
struct rename_column_step : node {
  column_ref column;
  identifier to;
};

/// `type T [using (...)]`.
struct set_type : node {
  type_name type;
  std::optional<sql_fragment> using_expression;
};
/// `set not null` (true) or `drop not null` (false).
struct set_not_null : node {
  bool not_null = true;
};
/// `set default ...`, or `drop default` (no expression).
struct set_default : node {
  std::optional<sql_fragment> expression;
};
using alter_action = std::variant<set_type, set_not_null, set_default>;

/// `alter column t.c <action>`.
struct alter_column_step : node {
  column_ref column;
  alter_action action;
};

/// One key of an index: `column` or `(expression)`, then `[opclass] [asc|desc] [nulls first|last]`.
struct index_key : node {
  std::variant<identifier, sql_fragment> target;
  std::optional<qualified_name> opclass;
  bool descending = false;
  std::optional<bool> nulls_first;
};

/**
 * `create [unique] index [concurrently] [if not exists] name on t [using method]
 * (key, ...) [include (c, ...)] [where (...)]`. An empty `name` (only from raw SQL:
 * `CREATE INDEX ON t ...`) lets PostgreSQL choose it.
 */
struct create_index_step : node {
  bool unique = false;
  bool concurrently = false;
  bool if_not_exists = false;
  identifier name;
  qualified_name table;
  std::optional<identifier> method;
  std::vector<index_key> keys;
  std::optional<std::vector<identifier>> include;
  std::optional<sql_fragment> where_clause;
};

/// `drop index [concurrently] [if exists] [schema.]name`.
struct drop_index_step : node {
  bool concurrently = false;
  bool if_exists = false;
  qualified_name name;
};

/// `add constraint name on t primary key (...) | unique (...) | foreign key ... | check (...)`.
/// An empty `name` (only from raw SQL: `ALTER TABLE t ADD UNIQUE (a)`) lets PostgreSQL choose it.
struct add_constraint_step : node {
  identifier name;
  qualified_name table;
  constraint_body body;
};

/// `drop constraint name on t`.
struct drop_constraint_step : node {
  identifier name;
  qualified_name table;
  bool if_exists = false;  ///< only from raw SQL (DROP CONSTRAINT IF EXISTS)
};

/// `create type name as enum ('a', ...)`.
struct create_enum_step : node {
  qualified_name name;
  std::vector<sql_string> values;
};

/// `drop type [if exists] name`.
struct drop_type_step : node {
  bool if_exists = false;
  qualified_name name;
};

/// `before 'x'` (true) or `after 'x'` (false).
struct enum_position : node {
  bool before = true;
  sql_string neighbour;
};

/// `add value 'x' to type name [before|after 'y']`.
struct add_enum_value_step : node {
  sql_string value;
  qualified_name type;
  std::optional<enum_position> position;
  bool if_not_exists = false;  ///< only from raw SQL (ADD VALUE IF NOT EXISTS)
};

/// `create schema [if not exists] name` / `create extension [if not exists] name`.
struct create_schema_step : node {
  bool if_not_exists = false;
  identifier name;
};
struct create_extension_step : node {
  bool if_not_exists = false;
  identifier name;
};
/// `drop schema [if exists] name [cascade]` / `drop extension [if exists] name`.
struct drop_schema_step : node {
  bool if_exists = false;
  identifier name;
  bool cascade = false;
};
struct drop_extension_step : node {
  bool if_exists = false;
  identifier name;
};

/**
 * `backfill t set c = value [where (condition)] [batch n]`: sets a column row
 * by row in batches of `n` rows (by primary key), each batch its own short
 * transaction outside the revision's DDL transaction.
 */
struct backfill_step : node {
  qualified_name table;
  identifier column;
  sql_fragment value;  ///< the new value: a literal, a call, a column, or `(expression)`
  std::optional<sql_fragment> where_clause;
  std::optional<std::uint32_t> batch;  ///< rows per batch; the compiler's default when absent
};

using step =
    std::variant<raw_sql_step, irreversible_step, create_table_step, drop_table_step,
                 rename_table_step, add_column_step, drop_column_step, rename_column_step,
                 alter_column_step, create_index_step, drop_index_step, add_constraint_step,
                 drop_constraint_step, create_enum_step, drop_type_step, add_enum_value_step,
                 create_schema_step, create_extension_step, drop_schema_step, drop_extension_step,
                 backfill_step>;

/// The node of any step (every alternative derives from node).
inline node const& node_of(step const& s) {
  return std::visit([](auto const& n) -> node const& { return n; }, s);
}

/// `upgrade { ... }` or `downgrade { ... }`.
struct block : node {
  std::vector<step> steps;
};

/// `adopts "<id>"`: the version another tool (Alembic) left in the version table, which the
/// root revision stands for.
struct adopted_version : node {
  std::string id;
};

/**
 * One revision file:
 *
 *     revision 003 revises 002 "Backfill users.full_name" [adopts "5bfaba76d76e"]
 *         [without transaction]
 *     upgrade { ... }
 *     [downgrade { ... }]
 */
struct revision : node {
  revision_id id;
  std::optional<revision_id> parent;
  std::string description;
  span description_where;
  std::optional<adopted_version> adopts;
  bool transactional = true;
  block upgrade;
  std::optional<block> downgrade;
};

}  // namespace migc::dsl::ast
