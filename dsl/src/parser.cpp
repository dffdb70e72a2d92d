// parse_revision: runs the X3 grammar over one file; a failure becomes one "syntax" error.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <migc/dsl/parser.hpp>
#include <utility>

#include "config.hpp"
#include "grammar.hpp"
#include "scan.hpp"
#include "sql_help.hpp"
#include "text_util.hpp"

namespace migc::dsl {
namespace {

namespace x3 = boost::spirit::x3;

constexpr std::size_t max_shown_token_bytes = 40;

/// What the parser found where it expected something else, as shown in
/// "expected X, found <shown>", and the bytes to underline.
struct found_token {
  span where;
  std::string shown;
};

std::string byte_name(char c) {
  static constexpr char hex[] = "0123456789abcdef";
  auto const b = static_cast<unsigned char>(c);
  return std::string("byte 0x") + hex[b >> 4] + hex[b & 0xf];
}

/// At the end of the input the caret goes just after the last non-blank
/// byte before `offset`, which is where the missing token belongs.
found_token end_of_file_at(std::string_view text, std::size_t offset) {
  while (offset > 0 && detail::is_space(text[offset - 1])) --offset;
  auto const at = static_cast<std::uint32_t>(offset);
  return {{at, at}, "end of file"};
}

/// Length of the token at the start of `rest`: a word (at most
/// max_shown_token_bytes, cut on a character boundary) or one character.
std::size_t token_length(std::string_view rest) {
  if (!detail::is_word(rest.front()))
    return std::max<std::size_t>(1, detail::utf8_sequence_length(rest));
  std::size_t n = 0;
  while (n < rest.size() && detail::is_word(rest[n])) ++n;
  if (n <= max_shown_token_bytes) return n;
  n = max_shown_token_bytes;
  while (n > 0 && detail::is_utf8_continuation(rest[n])) --n;
  return n;
}

/// The code point of the well-formed UTF-8 sequence of `length` bytes at the start of `s`.
char32_t code_point(std::string_view s, std::size_t length) {
  auto const byte = [&](std::size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i]));
  };
  if (length == 1) return byte(0);
  char32_t c = byte(0) & (0x7Fu >> length);
  for (std::size_t i = 1; i < length; ++i) c = (c << 6) | (byte(i) & 0x3Fu);
  return c;
}

/// The Unicode name of a character that shows as nothing or as a plain space, which a reader
/// cannot tell from what is meant (a byte order mark inside the text, a no-break space).
std::optional<std::string_view> invisible_name(char32_t c) {
  static constexpr std::array<std::pair<char32_t, std::string_view>, 20> names{{
      {0x00A0, "NO-BREAK SPACE"},
      {0x00AD, "SOFT HYPHEN"},
      {0x1680, "OGHAM SPACE MARK"},
      {0x2000, "EN QUAD"},
      {0x2001, "EM QUAD"},
      {0x2002, "EN SPACE"},
      {0x2003, "EM SPACE"},
      {0x2007, "FIGURE SPACE"},
      {0x2009, "THIN SPACE"},
      {0x200A, "HAIR SPACE"},
      {0x200B, "ZERO WIDTH SPACE"},
      {0x200C, "ZERO WIDTH NON-JOINER"},
      {0x200D, "ZERO WIDTH JOINER"},
      {0x2028, "LINE SEPARATOR"},
      {0x2029, "PARAGRAPH SEPARATOR"},
      {0x202F, "NARROW NO-BREAK SPACE"},
      {0x205F, "MEDIUM MATHEMATICAL SPACE"},
      {0x2060, "WORD JOINER"},
      {0x3000, "IDEOGRAPHIC SPACE"},
      {0xFEFF, "ZERO WIDTH NO-BREAK SPACE (byte order mark)"},
  }};
  for (auto const& [code, name] : names) {
    if (code == c) return name;
  }
  return std::nullopt;
}

/// The first invisible character (invisible_name) in the valid UTF-8 `token` starting at byte
/// `begin` of the text, shown by its code point and name ("U+00A0 NO-BREAK SPACE in 'a b'").
std::optional<found_token> invisible_in(std::string_view token, std::uint32_t begin) {
  for (std::size_t i = 0; i < token.size();) {
    std::size_t const n = std::max<std::size_t>(1, detail::utf8_sequence_length(token.substr(i)));
    char32_t const c = code_point(token.substr(i), n);
    if (auto const name = invisible_name(c)) {
      auto const at = static_cast<std::uint32_t>(begin + i);
      return found_token{{at, static_cast<std::uint32_t>(at + n)},
                         fmt::format("an invisible character, U+{:04X} {}, in '{}'",
                                     static_cast<std::uint32_t>(c), *name, token)};
    }
    i += n;
  }
  return std::nullopt;
}

found_token token_at(std::string_view text, std::size_t offset) {
  char const* const first = scan::skip_blanks(text.data() + offset, text.data() + text.size());
  std::size_t const at = static_cast<std::size_t>(first - text.data());
  if (at >= text.size()) return end_of_file_at(text, offset);
  std::string_view const token = text.substr(at, token_length(text.substr(at)));
  auto const begin = static_cast<std::uint32_t>(at);
  bool const printable = detail::is_valid_utf8(token) && !detail::is_control(token.front());
  if (!printable) return {{begin, begin + 1}, byte_name(token.front())};
  if (auto invisible = invisible_in(token, begin)) return std::move(*invisible);
  return {{begin, static_cast<std::uint32_t>(at + token.size())}, "'" + std::string(token) + "'"};
}

/// A `help:` for expectations with an obvious fix; keyed by rule name.
std::optional<std::string> help_for(std::string_view expected) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> helps{{
      {"revision id", "a revision id is a decimal number, e.g. 'revision 002 revises 001'"},
      {"description string",
       "describe the revision in double quotes, e.g. \"add users.full_name\""},
      {"dollar-quoted SQL body", "put the SQL between dollar quotes: sql $$ ... $$"},
      {"adopted version string",
       "write the version in double quotes, as the version table holds it: adopts "
       "\"5bfaba76d76e\""},
      {grammar::repeated_action, "keep one 'on delete' and one 'on update' clause at most"},
      {"'{'", "a block's steps go between braces: upgrade { ... }"},
      {"end of file",
       "a file holds one revision: an 'upgrade' block and an optional 'downgrade' block"},
  }};
  for (auto const& [name, help] : helps) {
    if (name == expected) return std::string(help);
  }
  return std::nullopt;
}

diagnostic syntax_error(source_file const& file, span where, std::string message,
                        std::optional<std::string> help) {
  diagnostic d;
  d.level = severity::error;
  d.code = "syntax";
  d.where = {&file, where};
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

/**
 * A file in UTF-16 (it starts with the byte order mark FF FE or FE FF, or its first character
 * has a zero byte, as ASCII text in UTF-16 does): migc reads UTF-8, and every byte after would
 * be an error of its own.
 */
std::optional<diagnostic> utf16_file(source_file const& file) {
  std::string_view const text = file.text();
  if (text.size() < 2) return std::nullopt;
  auto const b0 = static_cast<unsigned char>(text[0]);
  auto const b1 = static_cast<unsigned char>(text[1]);
  bool const bom = (b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF);
  if (!bom && b0 != 0 && b1 != 0) return std::nullopt;
  return syntax_error(file, {0, 2},
                      bom ? fmt::format("the file is UTF-16 (it starts with the byte order mark "
                                        "{:02X} {:02X}); revisions are read as UTF-8",
                                        b0, b1)
                          : "the file looks like UTF-16 (its first character has a zero byte); "
                            "revisions are read as UTF-8",
                      "save the file as UTF-8 (with or without a byte order mark)");
}

/// A dollar-quote delimiter (`$$`, `$tag$`) that ends at `end` (exclusive), if one does.
std::optional<std::string_view> delimiter_ending_at(std::string_view text, std::size_t end) {
  if (end < 2 || text[end - 1] != '$') return std::nullopt;
  std::size_t const open = text.rfind('$', end - 2);
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view const candidate = text.substr(open, end - open);
  char const* const matched =
      scan::match_dollar_delimiter(candidate.data(), candidate.data() + candidate.size());
  if (matched != candidate.data() + candidate.size()) return std::nullopt;
  return candidate;
}

/// A dollar-quote tag `text` does not contain (`$body$`, else `$sql$`, `$migc$`, `$q1$`, ...):
/// one that can quote it.
std::string free_dollar_tag(std::string_view text) {
  for (std::string_view const tag : {"$body$", "$sql$", "$migc$"}) {
    if (text.find(tag) == std::string_view::npos) return std::string(tag);
  }
  for (unsigned n = 1;; ++n) {
    std::string tag = fmt::format("$q{}$", n);
    if (text.find(tag) == std::string_view::npos) return tag;
  }
}

bool ends_with_sql_keyword(std::string_view text, std::size_t end) {
  while (end > 0 && detail::is_space(text[end - 1])) --end;
  if (end < 3 || detail::ascii_lower(text[end - 3]) != 's' ||
      detail::ascii_lower(text[end - 2]) != 'q' || detail::ascii_lower(text[end - 1]) != 'l')
    return false;
  return end == 3 || !detail::is_word(text[end - 4]);
}

/**
 * When the parser fails right after a `sql` step's closing delimiter, that delimiter was most
 * likely meant to be inside the SQL (`sql $$ DO $$ ... $$ $$`): the error then points at it and
 * names the step it ended. (tests/language/bad/case_nested_dollar_quote_error)
 */
std::optional<diagnostic> nested_dollar_quote(source_file const& file, std::size_t offset,
                                              found_token const& found) {
  if (found.shown == "end of file") return std::nullopt;  // a missing '}', not SQL after the step
  std::string_view const text = file.text();
  std::size_t end = offset;
  while (end > 0 && detail::is_space(text[end - 1])) --end;
  auto const closing = delimiter_ending_at(text, end);
  if (!closing) return std::nullopt;
  std::size_t const close_at = end - closing->size();
  std::size_t const open_at =
      close_at == 0 ? std::string_view::npos : text.rfind(*closing, close_at - 1);
  if (open_at == std::string_view::npos || !ends_with_sql_keyword(text, open_at))
    return std::nullopt;
  auto const opened = file.position(static_cast<std::uint32_t>(open_at));
  auto const closed = file.position(static_cast<std::uint32_t>(close_at));
  std::string const tag = free_dollar_tag(text.substr(open_at));
  diagnostic d = syntax_error(
      file, {static_cast<std::uint32_t>(close_at), static_cast<std::uint32_t>(end)},
      fmt::format("'{}' at {}:{} ends the sql step opened at {}:{}, and what follows is not a step",
                  *closing, closed.line, closed.column, opened.line, opened.column),
      fmt::format("the SQL holds '{}' itself: quote the step with a tag it does not contain, e.g. "
                  "sql {} ... {}",
                  *closing, tag, tag));
  d.notes.push_back({{&file, found.where}, "the parser stopped here, at " + found.shown});
  d.notes.push_back({{&file,
                      {static_cast<std::uint32_t>(open_at),
                       static_cast<std::uint32_t>(open_at + closing->size())}},
                     "the sql step opens here"});
  return d;
}

diagnostic expectation_error(source_file const& file, std::size_t offset,
                             std::string const& expected) {
  found_token const found = token_at(file.text(), offset);
  if (auto hint = nested_dollar_quote(file, offset, found)) return std::move(*hint);
  auto help = sql_in_block_help(file.text(), found.where.begin, expected);
  return syntax_error(file, found.where, "expected " + expected + ", found " + found.shown,
                      help ? std::move(help) : help_for(expected));
}

}  // namespace

std::optional<ast::revision> parse_revision(source_file const& file,
                                            diagnostic_engine& diagnostics) {
  if (auto utf16 = utf16_file(file)) {
    diagnostics.report(std::move(*utf16));
    return std::nullopt;
  }
  std::string const& text = file.text();
  grammar::iterator_type const begin = text.data();
  grammar::iterator_type const end = begin + text.size();
  grammar::iterator_type it = begin;
  ast::revision revision;
  try {
    auto const parser = x3::with<grammar::source_begin_tag>(begin)[grammar::file()];
    if (x3::phrase_parse(it, end, parser, grammar::skipper_parser{}, revision) && it == end)
      return revision;
    // Unreachable with `eps >` at the start of the grammar; kept so that a
    // later grammar change cannot turn a failure into silence.
    diagnostics.report(expectation_error(file, static_cast<std::size_t>(it - begin), "'revision'"));
  } catch (x3::expectation_failure<grammar::iterator_type> const& failure) {
    diagnostics.report(expectation_error(file, static_cast<std::size_t>(failure.where() - begin),
                                         failure.which()));
  } catch (scan::lexical_error const& error) {
    span const where{static_cast<std::uint32_t>(error.first - begin),
                     static_cast<std::uint32_t>(error.last - begin)};
    diagnostics.report(syntax_error(file, where, error.message, error.help));
  }
  return std::nullopt;
}

}  // namespace migc::dsl
