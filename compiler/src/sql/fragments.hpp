// The SQL fragments of declarative steps (defaults, checks, index predicates, USING
// expressions): found in the syntax tree and checked with PostgreSQL's parser.
#pragma once

#include <functional>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>

namespace migc::compiler::sql {

/// Calls `visit` on every SQL fragment a declarative step holds, in source order.
void for_each_fragment(dsl::ast::step const& step,
                       std::function<void(dsl::ast::sql_fragment const&)> const& visit);

/// Where `fragment.text` starts in `file` (a fragment's span includes its parentheses).
[[nodiscard]] std::uint32_t text_offset(dsl::source_file const& file,
                                        dsl::ast::sql_fragment const& fragment);

/**
 * Parses every fragment of `block` as one SQL expression (sql::parse_expression)
 * and reports each that is not, as `sql-syntax` at the exact place in `file`
 * with PostgreSQL's message. Returns false when one was reported.
 */
bool check_fragments(dsl::source_file const& file, dsl::ast::block const& block,
                     dsl::diagnostic_engine& out);

}  // namespace migc::compiler::sql
