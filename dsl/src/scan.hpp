// Byte-level scanners for the tokens of the revision language (no X3 here).
#pragma once

#include <migc/dsl/ast.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace migc::dsl::scan {

/// A malformed token: thrown by the scanners, turned into a "syntax"
/// diagnostic by parse_revision. [first, last) is the part to underline.
struct lexical_error {
  char const* first;
  char const* last;
  std::string message;
  std::optional<std::string> help;
};

/// One step of the skipper: a whitespace run or one `--` comment (to the end
/// of the line). Returns `first` when there is nothing to skip.
char const* skip_one_blank(char const* first, char const* last);

/// Skips all whitespace and comments.
char const* skip_blanks(char const* first, char const* last);

/// End of keyword `word` (lower case) at `first`, matched ASCII
/// case-insensitively and not followed by a word byte; nullptr otherwise.
char const* match_keyword(char const* first, char const* last, std::string_view word);

/// End of one or more ASCII digits at `first` that are not followed by a
/// word byte (`001abc` is not a number); nullptr otherwise.
char const* match_digits(char const* first, char const* last);

/// A double-quoted string at `first`: returns its end and stores the text
/// with `\"` and `\\` resolved in `text`; nullptr when `first` is not at '"'.
/// Throws lexical_error for an unknown escape or a string that reaches the
/// end of the line or of the input.
char const* read_string(char const* first, char const* last, std::string& text);

/// End of an opening dollar-quote delimiter (`$$`, `$tag$`) at `first`;
/// nullptr otherwise. A tag is letters, digits, '_' or bytes >= 0x80 and
/// does not start with a digit, as in PostgreSQL.
char const* match_dollar_delimiter(char const* first, char const* last);

/// Deepest parenthesis nesting accepted in a check, where, using or default.
inline constexpr std::size_t max_expression_depth = 200;

// The scanners below read SQL-side tokens of declarative steps. `origin` is
// the first byte of the file, so they can fill the spans of nested nodes.

/// An identifier at `first`: unquoted (letters, digits, '_', '$', bytes >=
/// 0x80; folded to lower case) or "quoted" (kept verbatim, "" is a quote).
/// Fills name and span; nullptr when there is none. Throws lexical_error for
/// an unterminated or empty quoted identifier.
char const* read_identifier(char const* first, char const* last, char const* origin,
                            ast::identifier& id);

/// `[schema.]name`.
char const* read_qualified_name(char const* first, char const* last, char const* origin,
                                ast::qualified_name& name);

/// `[schema.]table.column`.
char const* read_column_ref(char const* first, char const* last, char const* origin,
                            ast::column_ref& ref);

/// A type: `[schema.]name`, the known multi-word names (`double precision`,
/// `character varying`, `timestamp [(p)] with[out] time zone`, ...), an
/// optional `(n[, m])` and any number of `[]`.
char const* read_type(char const* first, char const* last, char const* origin,
                      ast::type_name& type);

/// A SQL string literal `'...'` ('' is a quote). Throws when unterminated.
char const* read_sql_string(char const* first, char const* last, char const* origin,
                            ast::sql_string& text);

/// `( ... )` with balanced parentheses (literals and comments respected);
/// stores the text between the outer parentheses. Throws lexical_error when
/// unbalanced or nested deeper than max_expression_depth.
char const* read_parenthesised(char const* first, char const* last, char const* origin,
                               ast::sql_fragment& fragment);

/// A default: a literal ('...', number, -number), a word or function call
/// (`now()`, `current_timestamp`, `gen_random_uuid()`), or `( ... )`, each
/// optionally followed by `::type`. Stores the text as written.
char const* read_default(char const* first, char const* last, char const* origin,
                         ast::sql_fragment& fragment);

}  // namespace migc::dsl::scan
