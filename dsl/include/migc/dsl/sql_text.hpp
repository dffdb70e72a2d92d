// Lexical work on PostgreSQL text inside the language: the frozen checksum form of version 1 and
// balanced parentheses. Statements are never split or classified here: the compiler reads SQL
// with PostgreSQL's own parser (compiler/src/sql).
#pragma once

#include <migc/dsl/source_file.hpp>
#include <string>
#include <string_view>
#include <vector>

/// Functions over SQL text. They share one small lexer that knows
/// PostgreSQL's comments (`--`, nested `/* */`) and literals ('...', E'...',
/// "...", $tag$...$tag$): the grammar needs to find the end of a balanced
/// `( ... )` before any parser has seen it, and checksums of format
/// version 1 must stay byte for byte what they were. They never fail:
/// unterminated constructs run to the end of the text.
namespace migc::dsl::sql {

/**
 * The form of `sql` that revision checksums of format version 1 hashed
 * (docs/checksum.md; version 2 hashes parse trees). Defined as, and frozen
 * (databases migrated by earlier releases hold these checksums):
 *
 *  - comments (`-- ...` to end of line, `/ * ... * /` nested) are removed
 *    and count as whitespace;
 *  - every run of whitespace (space, \t, \n, \r, \f, \v) and comments
 *    outside literals becomes one space; none at the start or the end;
 *  - literals ('...' with '' escapes, E'...' with backslash escapes,
 *    "quoted identifiers", $tag$...$tag$ with a tag that does not start
 *    with a digit) are kept byte for byte, except that "\r\n" becomes "\n"
 *    everywhere, so a checkout with CRLF line endings hashes the same;
 *  - an unterminated literal or block comment is kept as written (with the
 *    same "\r\n" rule) up to the end of the text.
 */
[[nodiscard]] std::string canonical(std::string_view sql);

/// What match_parentheses found.
struct parentheses_match {
  enum class outcome { closed, unterminated, too_deep };
  outcome result = outcome::closed;
  std::size_t end = 0;  ///< just past the matching ')' (when closed)
};

/**
 * `text` starts with '(': finds the matching ')' with the same lexer, so
 * parentheses inside literals, quoted identifiers and comments do not
 * count. A loop with a counter, not recursion: nesting deeper than
 * `max_depth` ends in `too_deep` instead of a stack overflow.
 */
[[nodiscard]] parentheses_match match_parentheses(std::string_view text, std::size_t max_depth);

}  // namespace migc::dsl::sql
