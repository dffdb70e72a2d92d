// Lexical work on PostgreSQL text: canonical form, statement split, transaction control.
#pragma once

#include <migc/dsl/source_file.hpp>
#include <string>
#include <string_view>
#include <vector>

/// Functions over raw SQL (the body of `sql $$ ... $$`). They share one
/// hand-written lexer that knows PostgreSQL's comments (`--`, nested `/* */`)
/// and literals ('...', E'...', "...", $tag$...$tag$); they never parse SQL
/// and never fail: unterminated constructs run to the end of the text.
namespace migc::dsl::sql {

/**
 * The form of `sql` that revision checksums hash, so that reformatting SQL
 * does not change a checksum. Defined as, and frozen (changing it changes
 * every checksum):
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

/**
 * Byte ranges (into `sql`) of the top-level statements: split at `;`
 * outside literals and comments, the `;` excluded, each range trimmed of
 * leading and trailing whitespace and comments, empty statements dropped.
 * Like psql, a `;` inside `BEGIN ... END` of a `CREATE [OR REPLACE]
 * FUNCTION|PROCEDURE` (SQL-standard routine body) does not split.
 */
[[nodiscard]] std::vector<span> split_statements(std::string_view sql);

/**
 * True when a top-level statement starts with BEGIN, START TRANSACTION,
 * COMMIT, END, ROLLBACK (but not ROLLBACK TO [SAVEPOINT]) or ABORT, in any
 * letter case: such SQL would break the transaction migc wraps a revision in.
 */
[[nodiscard]] bool contains_transaction_control(std::string_view sql);

/// True when a top-level statement is DISCARD TEMP, DISCARD TEMPORARY or
/// DISCARD ALL (any letter case): it drops the temporary objects of the
/// session, among them migrate's own bookkeeping function.
[[nodiscard]] bool contains_temp_discard(std::string_view sql);

/// The first `count` words of a statement, lower-cased; stops at the first
/// token that is not a word (so `DELETE FROM t` gives {"delete", "from"}).
[[nodiscard]] std::vector<std::string> leading_words(std::string_view statement, std::size_t count);

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
