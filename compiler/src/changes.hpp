// Changes to the schema model that raw SQL makes beyond what the declarative steps can say:
// sequences, views, functions, triggers, other user types, comments, renames of any object,
// identity changes, and objects the model does not follow. Made by the SQL front end
// (sql/translate.cpp), applied by apply_change (replay_objects.cpp).
#pragma once

#include <migc/dsl/ast.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace migc::compiler::change {

namespace ast = dsl::ast;

/// The kinds of object a change can name.
enum class object_kind {
  table,
  column,
  index,
  constraint,
  sequence,
  view,
  materialized_view,
  function,
  procedure,
  trigger,
  type,  ///< an enum, domain, composite or range type
  schema,
  extension,
};

/// `materialized view`, `function`, ...: how messages name a kind.
[[nodiscard]] std::string_view name_of(object_kind kind);

/// An object a change names: `name` in `schema`, `on` the table for columns, constraints and
/// triggers; `arguments` the input argument types of a function ("integer, text").
struct target : ast::node {
  object_kind kind = object_kind::table;
  ast::qualified_name name;
  std::optional<ast::qualified_name> on;
  std::optional<std::string> arguments;
};

struct create_sequence : ast::node {
  ast::qualified_name name;
  bool if_not_exists = false;
  std::string type = "bigint";
  std::optional<ast::column_ref> owned_by;
};

/// ALTER SEQUENCE: only what the model knows (type, owner); other options change nothing.
struct alter_sequence : ast::node {
  ast::qualified_name name;
  bool if_exists = false;
  std::optional<std::string> type;
  /// Set when OWNED BY was written: a column, or nothing for OWNED BY NONE.
  std::optional<std::optional<ast::column_ref>> owned_by;
};

struct create_view : ast::node {
  ast::qualified_name name;
  bool or_replace = false;
  bool materialized = false;
  bool if_not_exists = false;
  std::string definition;                           ///< canonical parse tree of the query
  std::string sql;                                  ///< the statement as written
  std::vector<ast::qualified_name> reads;           ///< relations the query names
  std::optional<std::vector<std::string>> columns;  ///< its columns, when no `*` hides them
};

struct create_function : ast::node {
  ast::qualified_name name;
  std::string arguments;  ///< input argument types, format_type spelling, ", "-separated
  bool or_replace = false;
  bool procedure = false;
  std::string language;
  std::string returns;
  std::string body_md5;
  std::string sql;  ///< the statement as written
};

struct create_trigger : ast::node {
  ast::identifier name;
  ast::qualified_name table;
  ast::qualified_name function;
  std::string timing;  ///< model::trigger::timing
  bool or_replace = false;
  std::vector<std::string> update_columns;
  std::string when_sql;
  std::vector<std::string> arguments;
};

/// CREATE DOMAIN, CREATE TYPE ... AS (...), CREATE TYPE ... AS RANGE.
struct create_type : ast::node {
  ast::qualified_name name;
  std::string kind;  ///< "domain" | "composite" | "range"
  std::string sql;   ///< the statement as written
};

/// DROP of a kind the declarative steps do not drop (views, sequences, functions, triggers,
/// domains...). `cascade` drops what depends on it too.
struct drop_object : ast::node {
  target what;
  bool if_exists = false;
  bool cascade = false;
};

/// ALTER ... RENAME TO of a kind the declarative steps do not rename.
struct rename_object : ast::node {
  target what;
  ast::identifier to;
  bool if_exists = false;
};

/// ALTER TYPE ... RENAME VALUE.
struct rename_enum_value : ast::node {
  ast::qualified_name type;
  std::string from;
  std::string to;
};

/// COMMENT ON ... IS '...' (or IS NULL).
struct comment_on : ast::node {
  target what;
  std::optional<std::string> text;
};

/// ALTER COLUMN ... ADD / SET / DROP IDENTITY.
struct set_identity : ast::node {
  ast::column_ref column;
  std::optional<bool> always;  ///< nothing: DROP IDENTITY
  bool if_exists = false;      ///< DROP IDENTITY IF EXISTS
};

/// ALTER COLUMN ... DROP EXPRESSION: a generated column becomes a plain one.
struct drop_expression : ast::node {
  ast::column_ref column;
};

/// ALTER TABLE ... ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE USING INDEX index: the index
/// becomes the constraint's (and takes its name).
struct constraint_using_index : ast::node {
  ast::qualified_name table;
  ast::identifier name;  ///< empty: the index's name
  ast::identifier index;
  bool primary = false;
};

/// A statement the model does not follow: the objects it names become unknown (never an error
/// to refer to, never drift-checked), and a note says so.
struct forget : ast::node {
  std::string statement;  ///< "CREATE FOREIGN TABLE"
  std::vector<ast::qualified_name> objects;
  std::string why;  ///< the note's reason, e.g. "the model does not follow foreign tables"
};

using object_change =
    std::variant<create_sequence, alter_sequence, create_view, create_function, create_trigger,
                 create_type, drop_object, rename_object, rename_enum_value, comment_on,
                 set_identity, drop_expression, constraint_using_index, forget>;

/// What one SQL statement does to the model: declarative steps and object changes, in order.
using any = std::variant<ast::step, object_change>;

}  // namespace migc::compiler::change
