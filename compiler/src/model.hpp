// The schema model: what the chain's declarative steps have built, replayed revision by revision.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>

namespace migc::compiler::model {

/// `(schema, name)`, schema resolved (`public` when not written).
using object_key = std::pair<std::string, std::string>;

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

/**
 * Everything the chain's declarative steps created. Raw SQL is opaque: the
 * first raw step clears `complete`, after which a reference to an object
 * the model does not know is accepted (it may have come from that SQL)
 * instead of being an error.
 */
struct schema {
  std::map<std::string, origin> schemas;
  std::map<std::string, origin> extensions;
  std::map<object_key, table> tables;
  std::map<object_key, index> indexes;
  std::map<object_key, enum_type> enums;
  bool complete = true;

  schema();
};

/// The first difference between two models (ignoring origins and column
/// order, which a re-added column cannot keep), as a phrase for a message;
/// nothing when they are the same.
[[nodiscard]] std::optional<std::string> first_difference(schema const& expected, schema const& actual);

}  // namespace migc::compiler::model
