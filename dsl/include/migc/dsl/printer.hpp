// The revision language written out: syntax trees back to revision-file text that parses to them.
#pragma once

#include <migc/dsl/ast.hpp>
#include <string>
#include <string_view>

namespace migc::dsl {

/// An identifier as the language reads it back: bare when it is lower-case letters, digits,
/// '_' and '$' (not first) and no keyword of the language, else in double quotes ("" inside).
[[nodiscard]] std::string identifier_text(std::string_view name);

/// `[schema.]name`, the schema left out when it is empty or `public` (the default).
[[nodiscard]] std::string qualified_name_text(ast::qualified_name const& name);

/// A double-quoted string of the language (`\"` and `\\` escaped; a line break becomes a blank,
/// since strings are one line).
[[nodiscard]] std::string string_text(std::string_view text);

/// A type as the language reads it: `varchar(20)[]`, `timestamp(3) with time zone`, `audit.mood`.
[[nodiscard]] std::string type_text(ast::type_name const& type);

/**
 * A step as revision-file text that parses back to the same step (same
 * names, types, flags and SQL fragments; spans aside): lower-case keywords,
 * identifiers quoted only where needed, `public.` left out, a table's
 * elements one a line. Lines after the first are indented by `indent` (the
 * caller writes the first line's indent). A raw `sql` step keeps its body
 * byte for byte, with a dollar-quote tag the body does not contain. Throws
 * std::invalid_argument for what the language cannot write: an unnamed index
 * or constraint (PostgreSQL names those; give the name it chose).
 */
[[nodiscard]] std::string step_text(ast::step const& step, std::string_view indent = "    ");

/// `revision 002 revises 001 "description" [adopts "x"] [without transaction]`.
[[nodiscard]] std::string header_text(ast::revision const& revision);

}  // namespace migc::dsl
