// The schema model: what the chain's steps and raw SQL have built, replayed revision by revision.
#pragma once

#include <cstdint>
#include <map>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace migc::compiler::model {

/// `(schema, name)`, schema resolved (`public` when not written).
using object_key = std::pair<std::string, std::string>;

/// `schema.name`, always qualified: as the downgrade proof and the drift lines show a key.
[[nodiscard]] std::string qualified(object_key const& key);

/// Where an object was defined, for "note: ... defined here".
struct origin {
  dsl::location where;
  std::uint64_t revision = 0;
};

/// `COMMENT ON ... IS '...'` of an object; none when it has no comment.
using comment = std::optional<std::string>;

struct column {
  std::string name;
  dsl::ast::type_name type;  ///< canonical: aliases resolved, schema resolved for user types
  bool not_null = false;
  std::optional<std::string> default_sql;
  /// The type the default was written for: PostgreSQL keeps the default's own expression under
  /// the implicit casts of later type changes, and strips them again at the next one.
  std::optional<dsl::ast::type_name> default_type;
  std::optional<bool> identity_always;  ///< set for identity columns
  /// `generated always as (expr) stored`: the expression.
  std::optional<std::string> generated_sql;
  comment remark;
  origin defined;

  /// Whether the column depends on user type `key` (schema, name): through its type, or
  /// through a default kept in that type after a type change (PostgreSQL records both as
  /// dependencies: DROP TYPE refuses, ALTER TYPE ... RENAME follows).
  [[nodiscard]] bool uses_type(object_key const& key) const {
    auto const is = [&](dsl::ast::type_name const& t) {
      return t.schema == key.first && t.name == key.second;
    };
    return is(type) || (default_sql && default_type && is(*default_type));
  }
};

enum class constraint_kind { primary_key, unique, foreign_key, check, exclusion };

struct constraint {
  std::string name;
  constraint_kind kind = constraint_kind::check;
  /// Key columns; for a check, the columns its expression reads (sorted).
  std::vector<std::string> columns;
  object_key ref_table;
  std::vector<std::string> ref_columns;
  std::optional<dsl::ast::fk_action> on_delete;
  std::optional<dsl::ast::fk_action> on_update;
  std::string check_sql;
  comment remark;
  origin defined;
};

/// A trigger on a table (PostgreSQL's CREATE TRIGGER).
struct trigger {
  std::string name;
  object_key function;  ///< the trigger function, (schema, name) without arguments
  /// When it fires, as pg_get_triggerdef words it: "before insert or update", "after delete",
  /// "instead of insert"; then "for each row" or "for each statement".
  std::string timing;
  std::vector<std::string> update_columns;  ///< UPDATE OF these columns
  std::string when_sql;                     ///< WHEN (condition), as written
  std::vector<std::string> arguments;       ///< the function's arguments, as written
  comment remark;
  origin defined;
};

struct table {
  object_key key;
  std::vector<column> columns;
  std::vector<constraint> constraints;
  std::vector<trigger> triggers;
  comment remark;
  origin defined;

  [[nodiscard]] column const* find_column(std::string const& name) const;
  [[nodiscard]] column* find_column(std::string const& name);
  [[nodiscard]] constraint const* find_constraint(std::string const& name) const;
  [[nodiscard]] constraint* find_constraint(std::string const& name);
  [[nodiscard]] constraint const* primary_key() const;
  [[nodiscard]] trigger const* find_trigger(std::string const& name) const;
};

/// One key of an index: a column or an expression, with its options.
struct index_key {
  std::string column;      ///< the column, or "" for an expression
  std::string expression;  ///< the expression as written, for an expression key
  bool descending = false;
  std::optional<bool> nulls_first;  ///< NULLS FIRST / LAST when written
  std::string opclass;              ///< operator class when written ("text_pattern_ops")

  friend bool operator==(index_key const& a, index_key const& b) {
    return a.column == b.column && a.expression == b.expression && a.descending == b.descending &&
           a.nulls_first == b.nulls_first && a.opclass == b.opclass;
  }
};

struct index {
  object_key key;  ///< schema = the table's schema
  std::string table;
  std::string method = "btree";
  std::vector<index_key> keys;
  std::vector<std::string> include;
  bool unique = false;
  std::string where_sql;
  /// Every column the index reads: key columns, columns of its expressions and predicate,
  /// included columns (PostgreSQL drops the index with any of them).
  std::set<std::string> columns;
  comment remark;
  origin defined;

  /// The plain column keys, in order ("a", "b"); expressions are left out.
  [[nodiscard]] std::vector<std::string> key_columns() const;
};

struct enum_type {
  object_key key;
  std::vector<std::string> values;
  std::map<std::string, std::uint64_t> value_added_in;  ///< revision that added each later value
  comment remark;
  origin defined;
};

/// A user type other than an enum: a domain, a composite or a range type.
struct user_type {
  object_key key;
  std::string kind;  ///< "domain" | "composite" | "range"
  std::string sql;   ///< the statement that made it, as written (for `migc schema`)
  object_key created_as;
  comment remark;
  origin defined;
};

struct sequence {
  object_key key;
  std::string type = "bigint";  ///< smallint | integer | bigint (`AS`)
  /// The column that owns it (OWNED BY, or a serial column): it goes when the column goes.
  std::optional<std::pair<object_key, std::string>> owned_by;
  comment remark;
  origin defined;
};

struct view {
  object_key key;
  bool materialized = false;
  std::string definition;      ///< canonical parse tree of the query (sql::canonical_text)
  std::set<object_key> reads;  ///< relations the query names
  /// Its columns, in order, when the query names them all (no `*`).
  std::optional<std::vector<std::string>> columns;
  std::string sql;        ///< the statement that made it, as written (for `migc schema`)
  object_key created_as;  ///< its name in that statement (renames follow it)
  comment remark;
  origin defined;
};

/// A function or procedure, identified as PostgreSQL does: name and argument types.
struct function {
  object_key key;         ///< (schema, "name(integer, text)")
  std::string name;       ///< the bare name
  std::string arguments;  ///< input argument types as format_type spells them, ", "-separated
  bool procedure = false;
  std::string language;
  std::string
      returns;  ///< the result type as written ("trigger", "setof integer"), "" for procedures
  std::string body_md5;   ///< md5 of the body as PostgreSQL stores it (pg_proc.prosrc), "" if none
  std::string sql;        ///< the statement that made it, as written (for `migc schema`)
  object_key created_as;  ///< (schema, bare name) in that statement (renames follow it)
  comment remark;
  origin defined;
};

/// A schema or an extension.
struct named_object {
  comment remark;
  origin defined;
};

/// Objects raw SQL named in statements the model does not follow (CREATE FOREIGN TABLE,
/// CREATE AGGREGATE, dynamic SQL ...): a reference to one is never an error, and `verify` does
/// not check it. The note says which statement made it unknown.
struct unknown_object {
  std::string statement;  ///< "CREATE FOREIGN TABLE"
  origin defined;
};

/// The values, before a journal was opened, of the objects changed since
/// then: each recorded the first time it is touched (nothing: it did not
/// exist). Keys in each map are sorted, so walks over them are deterministic.
struct journal {
  std::map<std::string, std::optional<named_object>> schemas;
  std::map<std::string, std::optional<named_object>> extensions;
  std::map<object_key, std::optional<table>> tables;
  std::map<object_key, std::optional<index>> indexes;
  std::map<object_key, std::optional<enum_type>> enums;
  std::map<object_key, std::optional<user_type>> types;
  std::map<object_key, std::optional<sequence>> sequences;
  std::map<object_key, std::optional<view>> views;
  std::map<object_key, std::optional<function>> functions;
  std::map<object_key, std::optional<unknown_object>> unknown;
  std::optional<bool> complete;

  [[nodiscard]] bool empty() const;
};

/// Counts per key: how many times each key contributes to one entry of a lookup index.
using key_counts = std::map<object_key, int>;

/**
 * What PostgreSQL puts in every new database before any revision runs (from template1): the
 * schema `public`, with the comment `standard_public_comment`, and the extension PL/pgSQL. They
 * are no objects of the revisions: older pg_dump versions still write `CREATE EXTENSION IF NOT
 * EXISTS plpgsql` and `COMMENT ON SCHEMA public`, and a baseline made from such a dump must
 * leave the model as a fresh database is (PostgreSQL 15 docs, 5.9.2 "The Public Schema";
 * 43.1 "Overview" of PL/pgSQL: installed by default).
 */
inline constexpr std::string_view built_in_extension = "plpgsql";
inline constexpr std::string_view standard_public_comment = "standard public schema";

/**
 * Everything the chain's declarative steps and raw SQL created. Raw DDL is
 * followed statement by statement (compiler/src/sql/translate.cpp); a
 * statement the model does not follow makes only the objects it names
 * `unknown`. `complete` is cleared after a step failed to apply: the model
 * is then short of what later revisions expect, and references to objects
 * it does not know are accepted instead of reported again.
 *
 * The maps are read directly but changed only through the member functions
 * below: they record each touched object's previous value in the open
 * journal (if any) and keep the lookup indexes in step, so that replaying
 * a step costs what the step touches, not the size of the model.
 */
struct schema {
  std::map<std::string, named_object> schemas;
  std::map<std::string, named_object> extensions;
  std::map<object_key, table> tables;
  std::map<object_key, index> indexes;
  std::map<object_key, enum_type> enums;
  std::map<object_key, user_type> types;
  std::map<object_key, sequence> sequences;
  std::map<object_key, view> views;
  std::map<object_key, function> functions;
  std::map<object_key, unknown_object> unknown;
  bool complete = true;

  schema();

  // ------------------------------------------------------------ changes

  void add_schema(std::string const& name, named_object object);
  void erase_schema(std::string const& name);
  void add_extension(std::string const& name, named_object object);
  /// False when there was no such extension.
  bool erase_extension(std::string const& name);
  void add_table(table t);
  void erase_table(object_key const& key);
  void add_index(index i);
  /// False when there was no such index.
  bool erase_index(object_key const& key);
  void add_enum(enum_type e);
  void erase_enum(object_key const& key);
  void add_type(user_type t);
  void erase_type(object_key const& key);
  void add_sequence(sequence s);
  void erase_sequence(object_key const& key);
  void add_view(view v);
  void erase_view(object_key const& key);
  void add_function(function f);
  void erase_function(object_key const& key);
  void add_unknown(object_key const& key, unknown_object u);
  void mark_incomplete();

  /// Runs `change(object&)` on an existing object, journaled and re-indexed.
  template <typename Change>
  void edit_table(object_key const& key, Change&& change) {
    table& t = begin_table_edit(key);
    change(t);
    end_table_edit(t);
  }
  template <typename Change>
  void edit_index(object_key const& key, Change&& change) {
    index& i = begin_index_edit(key);
    change(i);
    end_index_edit(i);
  }
  template <typename Change>
  void edit_enum(object_key const& key, Change&& change) {
    enum_type& e = begin_enum_edit(key);
    change(e);
    end_enum_edit(e);
  }
  /// Edits of the kinds without lookup indexes: record, then change.
  template <typename Change>
  void edit_sequence(object_key const& key, Change&& change) {
    record_sequence(key);
    change(sequences.at(key));
  }
  template <typename Change>
  void edit_view(object_key const& key, Change&& change) {
    record_view(key);
    change(views.at(key));
  }
  template <typename Change>
  void edit_function(object_key const& key, Change&& change) {
    record_function(key);
    change(functions.at(key));
  }
  template <typename Change>
  void edit_type(object_key const& key, Change&& change) {
    record_type(key);
    change(types.at(key));
  }
  template <typename Change>
  void edit_schema(std::string const& name, Change&& change) {
    record_schema(name);
    change(schemas.at(name));
  }
  template <typename Change>
  void edit_extension(std::string const& name, Change&& change) {
    record_extension(name);
    change(extensions.at(name));
  }

  // ------------------------------------------------------------ journals

  /// Opens a journal on top of the open ones; changes are recorded in the top one.
  void open_journal();
  /// Closes the top journal and keeps its changes: its records join the
  /// journal below for the objects that one had not recorded yet.
  void commit_journal();
  /// Closes the top journal and undoes its changes.
  void roll_back_journal();
  /// Closes the top journal, keeping its changes, and hands it over.
  [[nodiscard]] journal take_journal();
  /// Puts back the values recorded in `j` (a journal taken from this model),
  /// without recording anything.
  void restore(journal const& j);

  // ------------------------------------------------------------ lookups (kept by the changes
  // above)

  /// Tables (sorted) that hold a constraint named `key.second` in schema `key.first`, any kind.
  [[nodiscard]] key_counts const& tables_with_constraint(object_key const& key) const;
  /// Tables (sorted) with a foreign key that references table `key` (the table itself included).
  [[nodiscard]] key_counts const& tables_referencing(object_key const& key) const;
  /// Tables (sorted) with a column of user type `key`.
  [[nodiscard]] key_counts const& tables_using_type(object_key const& key) const;
  /// Indexes (sorted) on table `key`.
  [[nodiscard]] key_counts const& indexes_on(object_key const& key) const;
  /// Enum types (sorted) with a value added in `revision` (see enum_type::value_added_in).
  [[nodiscard]] std::vector<object_key> enums_with_values_added_in(std::uint64_t revision) const;
  /// Tables (sorted) with a trigger that runs function (schema, name) `key`.
  [[nodiscard]] key_counts const& tables_triggering(object_key const& key) const;
  /// The sequence column `column` of table `table` owns (a serial column's, or OWNED BY), if any.
  [[nodiscard]] sequence const* sequence_owned_by(object_key const& table,
                                                  std::string const& column) const;
  /// The relation (table, view, index, sequence, or key constraint's index) named `key`, as the
  /// place it was defined; nothing when the name is free.
  [[nodiscard]] std::optional<origin> relation(object_key const& key) const;

 private:
  table& begin_table_edit(object_key const& key);
  void end_table_edit(table const& t);
  index& begin_index_edit(object_key const& key);
  void end_index_edit(index const& i);
  enum_type& begin_enum_edit(object_key const& key);
  void end_enum_edit(enum_type const& e);

  void record_schema(std::string const& name);
  void record_extension(std::string const& name);
  void record_table(object_key const& key);
  void record_index(object_key const& key);
  void record_enum(object_key const& key);
  void record_type(object_key const& key);
  void record_sequence(object_key const& key);
  void record_view(object_key const& key);
  void record_function(object_key const& key);
  void record_unknown(object_key const& key);

  void index_table(table const& t, int delta);
  void index_index(index const& i, int delta);
  void index_enum(enum_type const& e, int delta);

  /// Calls `f(model map, journal map, reindex)` for every kind of object, in a fixed order.
  template <typename Journal, typename F>
  void for_each_kind(Journal& j, F&& f);

  std::vector<journal> m_journals;
  std::map<object_key, key_counts> m_constraint_names;  ///< (schema, constraint name) -> tables
  std::map<object_key, key_counts>
      m_references;  ///< referenced table -> tables with such foreign keys
  std::map<object_key, key_counts> m_type_users;         ///< user type -> tables with such columns
  std::map<object_key, key_counts> m_table_indexes;      ///< (schema, table name) -> indexes
  std::map<object_key, key_counts> m_trigger_functions;  ///< function (schema, name) -> tables
  std::map<std::uint64_t, key_counts>
      m_added_values;  ///< revision -> enums with a value added in it
};

/// The first difference between two models (ignoring origins and column
/// order, which a re-added column cannot keep), as a phrase for a message;
/// nothing when they are the same.
[[nodiscard]] std::optional<std::string> first_difference(schema const& expected,
                                                          schema const& actual);

/**
 * Every difference between the model before a revision and `actual`, the
 * model after the revision's upgrade and downgrade, when only the objects
 * recorded in `upgrade` (the upgrade's journal: values before the revision)
 * or `downgrade` (the downgrade's journal: values after the upgrade) can
 * differ: one phrase per object, in kind and key order ("table
 * 'public.t' is left over"). Costs what the journals hold.
 */
[[nodiscard]] std::vector<std::string> differences(journal const& upgrade, journal const& downgrade,
                                                   schema const& actual);

}  // namespace migc::compiler::model
