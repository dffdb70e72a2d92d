// The schema model: what the chain's declarative steps have built, replayed revision by revision.
#pragma once

#include <cstdint>
#include <map>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <optional>
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

struct column {
  std::string name;
  dsl::ast::type_name type;  ///< canonical: aliases resolved, schema resolved for user types
  bool not_null = false;
  std::optional<std::string> default_sql;
  std::optional<bool> identity_always;  ///< set for identity columns
  origin defined;
};

enum class constraint_kind { primary_key, unique, foreign_key, check };

struct constraint {
  std::string name;
  constraint_kind kind = constraint_kind::check;
  std::vector<std::string> columns;
  object_key ref_table;
  std::vector<std::string> ref_columns;
  std::optional<dsl::ast::fk_action> on_delete;
  std::optional<dsl::ast::fk_action> on_update;
  std::string check_sql;
  origin defined;
};

struct table {
  object_key key;
  std::vector<column> columns;
  std::vector<constraint> constraints;
  origin defined;

  [[nodiscard]] column const* find_column(std::string const& name) const;
  [[nodiscard]] column* find_column(std::string const& name);
  [[nodiscard]] constraint const* find_constraint(std::string const& name) const;
  [[nodiscard]] constraint const* primary_key() const;
};

struct index {
  object_key key;  ///< schema = the table's schema
  std::string table;
  std::vector<std::string> columns;
  bool unique = false;
  std::string where_sql;
  origin defined;
};

struct enum_type {
  object_key key;
  std::vector<std::string> values;
  std::map<std::string, std::uint64_t> value_added_in;  ///< revision that added each later value
  origin defined;
};

/// The values, before a journal was opened, of the objects changed since
/// then: each recorded the first time it is touched (nothing: it did not
/// exist). Keys in each map are sorted, so walks over them are deterministic.
struct journal {
  std::map<std::string, std::optional<origin>> schemas;
  std::map<std::string, std::optional<origin>> extensions;
  std::map<object_key, std::optional<table>> tables;
  std::map<object_key, std::optional<index>> indexes;
  std::map<object_key, std::optional<enum_type>> enums;
  std::optional<bool> complete;

  [[nodiscard]] bool empty() const;
};

/// Counts per key: how many times each key contributes to one entry of a lookup index.
using key_counts = std::map<object_key, int>;

/**
 * Everything the chain's declarative steps created. Raw SQL is opaque: the
 * first raw step clears `complete`, after which a reference to an object
 * the model does not know is accepted (it may have come from that SQL)
 * instead of being an error.
 *
 * The maps are read directly but changed only through the member functions
 * below: they record each touched object's previous value in the open
 * journal (if any) and keep the lookup indexes in step, so that replaying
 * a step costs what the step touches, not the size of the model.
 */
struct schema {
  std::map<std::string, origin> schemas;
  std::map<std::string, origin> extensions;
  std::map<object_key, table> tables;
  std::map<object_key, index> indexes;
  std::map<object_key, enum_type> enums;
  bool complete = true;

  schema();

  // ------------------------------------------------------------ changes

  void add_schema(std::string const& name, origin const& where);
  void erase_schema(std::string const& name);
  void add_extension(std::string const& name, origin const& where);
  /// False when there was no such extension.
  bool erase_extension(std::string const& name);
  void add_table(table t);
  void erase_table(object_key const& key);
  void add_index(index i);
  /// False when there was no such index.
  bool erase_index(object_key const& key);
  void add_enum(enum_type e);
  void erase_enum(object_key const& key);
  void mark_incomplete();

  /// Runs `change(table&)` on an existing table, journaled and re-indexed.
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

  void index_table(table const& t, int delta);
  void index_index(index const& i, int delta);
  void index_enum(enum_type const& e, int delta);

  std::vector<journal> m_journals;
  std::map<object_key, key_counts> m_constraint_names;  ///< (schema, constraint name) -> tables
  std::map<object_key, key_counts>
      m_references;  ///< referenced table -> tables with such foreign keys
  std::map<object_key, key_counts> m_type_users;     ///< user type -> tables with such columns
  std::map<object_key, key_counts> m_table_indexes;  ///< (schema, table name) -> indexes
  std::map<std::uint64_t, key_counts>
      m_added_values;  ///< revision -> enums with a value added in it
};

/// The first difference between two models (ignoring origins and column
/// order, which a re-added column cannot keep), as a phrase for a message;
/// nothing when they are the same.
[[nodiscard]] std::optional<std::string> first_difference(schema const& expected,
                                                          schema const& actual);

/**
 * first_difference between the model before a revision and `actual`, the
 * model after the revision's upgrade and downgrade, when only the objects
 * recorded in `upgrade` (the upgrade's journal: values before the revision)
 * or `downgrade` (the downgrade's journal: values after the upgrade) can
 * differ. Costs what the journals hold.
 */
[[nodiscard]] std::optional<std::string> first_difference(journal const& upgrade,
                                                          journal const& downgrade,
                                                          schema const& actual);

}  // namespace migc::compiler::model
