// The SQL expressions inside declarative steps (defaults, `check (...)`, `where (...)`,
// `using (...)`), read by PostgreSQL's parser.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "json.hpp"
#include "tree.hpp"

namespace migc::compiler::sql {

/// One expression, parsed.
struct expression {
  sql::tree tree;  ///< the expression node, e.g. `{"A_Expr": {...}}`
  /// The columns it names (the last part of each column reference, as PostgreSQL folds it), each
  /// once, in the order they first appear.
  std::vector<std::string> columns;
  /// Function names it calls, lower case, without schema ("now", "nextval", "random").
  std::set<std::string> functions;
};

/// Why an expression did not parse: PostgreSQL's message and the byte offset into the text.
struct expression_error {
  std::string message;
  std::uint32_t where = 0;
};

/**
 * Parses `text` as exactly one SQL value expression (a `SELECT` target),
 * nothing before or after it: `1); DROP TABLE t; SELECT (1` is refused,
 * since a fragment is pasted into generated SQL. Sub-queries are refused
 * too (PostgreSQL refuses them in defaults, checks and index predicates).
 * Returns the expression, or the error with its offset into `text`.
 */
[[nodiscard]] std::variant<expression, expression_error> parse_expression(std::string_view text);

/**
 * The name PostgreSQL gives the result of `e` when nothing names it
 * (FigureColname, parser/parse_target.c): a column's name, a function's
 * name, `case`, `coalesce`, ...; nothing for operators and most else. Index
 * names built from expressions use it ("expr" when nothing).
 */
[[nodiscard]] std::optional<std::string> figure_column_name(expression const& e);
/// figure_column_name of any expression node.
[[nodiscard]] std::optional<std::string> figure_name(node const& expression);

/**
 * `text` as a column default in the form every generated `DEFAULT` accepts: as it is when
 * PostgreSQL reads it whole after DEFAULT (a b_expr: constants, calls, casts, arithmetic), in
 * parentheses otherwise (`(a < b) AND (b < c)`, `x IS NULL`, `'x' COLLATE "C"`): the grammar's
 * ColConstraintElem takes `DEFAULT b_expr` (src/backend/parser/gram.y).
 */
[[nodiscard]] std::string default_text(std::string text);

/**
 * True when expression `text` calls a volatile function PostgreSQL evaluates once per row when
 * it fills a new column (clock_timestamp, gen_random_uuid, nextval, random, timeofday, the
 * uuid-ossp generators): ADD COLUMN with such a default rewrites the table (PostgreSQL docs,
 * ALTER TABLE, Notes). Read from the parse tree: `my_random()` or a string `'random()'` is none.
 */
[[nodiscard]] bool calls_volatile(std::string_view text);

/// The columns `text` names (expression::columns); none when it does not parse.
[[nodiscard]] std::vector<std::string> columns_of(std::string_view text);

/// The columns `text` reads through an operator or function of their type: those it names,
/// less the ones only tested `IS [NOT] NULL` (which takes any type, so the expression stays
/// valid when the column's type changes); none when it does not parse.
[[nodiscard]] std::vector<std::string> columns_typed_in(std::string_view text);

/**
 * The columns the statements in `sql` name anywhere (the last part of each column reference, each
 * once), plus "*" when one selects every column (`*`, `t.*`): what a view's query reads, which
 * PostgreSQL records as dependencies on those columns (a `*` on all of them). Empty when `sql`
 * does not parse.
 */
[[nodiscard]] std::vector<std::string> columns_in_statements(std::string_view sql);

/**
 * `text` (an expression) with every reference to column `from` (bare, or qualified by its
 * table) naming column `to` instead (quoted where the old name was, or where `to` needs it):
 * what PostgreSQL's stored expressions do when a column is renamed (they refer to it by
 * number). `text` unchanged when it does not parse.
 */
[[nodiscard]] std::string rename_column_in(std::string const& text, std::string const& from,
                                           std::string const& to);

}  // namespace migc::compiler::sql
