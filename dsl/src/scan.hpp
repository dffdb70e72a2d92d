// Byte-level scanners for the tokens of the revision language (no X3 here).
#pragma once

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

}  // namespace migc::dsl::scan
