// Byte scanners for the tokens of the language: blanks, keywords, numbers, strings, $$.
#include "scan.hpp"

#include <array>
#include <migc/dsl/sql_text.hpp>

#include "text_util.hpp"

namespace migc::dsl::scan {
namespace {

bool starts_with(char const* first, char const* last, std::string_view s) {
  return static_cast<std::size_t>(last - first) >= s.size() &&
         std::string_view(first, s.size()) == s;
}

/// The escape sequence starting at the backslash `at` as a message shows it:
/// `'\q'`, or the byte value when the character is not printable UTF-8.
std::string shown_escape(char const* at, char const* last, char const** end) {
  std::string_view const rest(at + 1, static_cast<std::size_t>(last - at - 1));
  std::size_t const n = detail::utf8_sequence_length(rest);
  *end = at + 1 + (n == 0 ? 1 : n);
  if (n == 0 || detail::is_control(rest.front())) {
    static constexpr char hex[] = "0123456789abcdef";
    auto const b = static_cast<unsigned char>(rest.front());
    return std::string("'\\' followed by byte 0x") + hex[b >> 4] + hex[b & 0xf];
  }
  return "'\\" + std::string(rest.substr(0, n)) + "'";
}

constexpr bool is_identifier_start(char c) {
  return detail::is_ascii_letter(c) || c == '_' || detail::is_high(c);
}
constexpr bool is_identifier_continue(char c) {
  return detail::is_word(c) || c == '$';
}

span span_between(char const* origin, char const* first, char const* end) {
  return {static_cast<std::uint32_t>(first - origin), static_cast<std::uint32_t>(end - origin)};
}

char const* read_quoted_identifier(char const* first, char const* last, std::string& name) {
  name.clear();
  for (char const* it = first + 1; it != last; ++it) {
    if (*it == '\n') break;
    if (*it != '"') {
      name += *it;
    } else if (it + 1 != last && it[1] == '"') {
      name += *++it;
    } else if (name.empty()) {
      throw lexical_error{first, it + 1, "zero-length quoted identifier",
                          "a quoted identifier holds at least one character"};
    } else {
      return it + 1;
    }
  }
  throw lexical_error{first, first + 1, "unterminated quoted identifier",
                      "close the identifier with '\"' before the end of the line"};
}

/// The next word after blanks when it is exactly `word` (case-insensitive); nullptr otherwise.
char const* next_keyword(char const* first, char const* last, std::string_view word) {
  return match_keyword(skip_blanks(first, last), last, word);
}

/// Type names of more than one word: the first word, and the words that may follow it.
struct multi_word_type {
  std::string_view first;
  std::string_view second;
};
constexpr std::array<multi_word_type, 4> multi_word_types{
    {{"double", "precision"}, {"character", "varying"}, {"char", "varying"}, {"bit", "varying"}}};

/// `(n[, m ...])` after a type name; returns `first` when there is none.
char const* read_type_modifiers(char const* first, char const* last,
                                std::vector<std::uint32_t>& out) {
  char const* it = skip_blanks(first, last);
  if (it == last || *it != '(') return first;
  char const* const open = it;
  for (;;) {
    it = skip_blanks(it + 1, last);
    char const* const end = match_digits(it, last);
    if (end == nullptr || end - it > 9) {
      throw lexical_error{open, open + 1, "a type modifier must be a number",
                          "write e.g. 'varchar(255)' or 'numeric(10, 2)'"};
    }
    out.push_back(static_cast<std::uint32_t>(std::stoul(std::string(it, end))));
    it = skip_blanks(end, last);
    if (it != last && *it == ')') return it + 1;
    if (it == last || *it != ',') {
      throw lexical_error{open, open + 1, "unterminated type modifier: no ')' matches this '('",
                          std::nullopt};
    }
  }
}

/// `with time zone` / `without time zone` after timestamp or time.
char const* read_time_zone(char const* first, char const* last, std::string& name) {
  for (std::string_view const kind : {"with", "without"}) {
    char const* it = next_keyword(first, last, kind);
    if (it == nullptr) continue;
    char const* const time = next_keyword(it, last, "time");
    char const* const zone = time ? next_keyword(time, last, "zone") : nullptr;
    if (zone == nullptr) return first;
    name += " " + std::string(kind) + " time zone";
    return zone;
  }
  return first;
}

char const* read_array_dims(char const* first, char const* last, std::uint32_t& dims) {
  for (;;) {
    char const* it = skip_blanks(first, last);
    if (it == last || *it != '[') return first;
    it = skip_blanks(it + 1, last);
    if (char const* const size = match_digits(it, last)) it = skip_blanks(size, last);
    if (it == last || *it != ']') return first;
    ++dims;
    first = it + 1;
  }
}

}  // namespace

char const* skip_one_blank(char const* first, char const* last) {
  if (first != last && detail::is_space(*first)) {
    while (first != last && detail::is_space(*first)) ++first;
    return first;
  }
  if (starts_with(first, last, "--")) {
    while (first != last && *first != '\n') ++first;
  }
  return first;
}

char const* skip_blanks(char const* first, char const* last) {
  for (char const* next = skip_one_blank(first, last); next != first;
       next = skip_one_blank(first, last)) {
    first = next;
  }
  return first;
}

char const* match_keyword(char const* first, char const* last, std::string_view word) {
  for (char const expected : word) {
    if (first == last || detail::ascii_lower(*first) != expected) return nullptr;
    ++first;
  }
  return (first != last && detail::is_word(*first)) ? nullptr : first;
}

char const* match_digits(char const* first, char const* last) {
  char const* it = first;
  while (it != last && detail::is_digit(*it)) ++it;
  if (it == first || (it != last && detail::is_word(*it))) return nullptr;
  return it;
}

char const* read_string(char const* first, char const* last, std::string& text) {
  if (first == last || *first != '"') return nullptr;
  text.clear();
  for (char const* it = first + 1; it != last; ++it) {
    char const c = *it;
    if (c == '"') return it + 1;
    if (c == '\n' || c == '\r') break;
    if (c != '\\') {
      text += c;
      continue;
    }
    if (it + 1 != last && (it[1] == '"' || it[1] == '\\')) {
      text += *++it;
      continue;
    }
    if (it + 1 == last || it[1] == '\n' || it[1] == '\r') break;
    char const* end = nullptr;
    std::string const shown = shown_escape(it, last, &end);
    throw lexical_error{it, end, "unknown escape sequence " + shown + " in string",
                        "only '\\\"' and '\\\\' are escapes; write a backslash as '\\\\'"};
  }
  throw lexical_error{first, first + 1, "unterminated string",
                      "close the string with '\"' before the end of the line"};
}

char const* match_dollar_delimiter(char const* first, char const* last) {
  if (first == last || *first != '$') return nullptr;
  char const* it = first + 1;
  if (it != last && (detail::is_ascii_letter(*it) || *it == '_' || detail::is_high(*it))) {
    while (it != last && detail::is_word(*it)) ++it;
  }
  return (it != last && *it == '$') ? it + 1 : nullptr;
}

char const* read_identifier(char const* first, char const* last, char const* origin,
                            ast::identifier& id) {
  if (first == last) return nullptr;
  char const* end = nullptr;
  if (*first == '"') {
    end = read_quoted_identifier(first, last, id.name);
  } else {
    if (!is_identifier_start(*first)) return nullptr;
    end = first + 1;
    while (end != last && is_identifier_continue(*end)) ++end;
    id.name.clear();
    for (char const* it = first; it != end; ++it) id.name += detail::ascii_lower(*it);
  }
  id.where = span_between(origin, first, end);
  return end;
}

char const* read_qualified_name(char const* first, char const* last, char const* origin,
                                ast::qualified_name& name) {
  ast::identifier part;
  char const* end = read_identifier(first, last, origin, part);
  if (end == nullptr) return nullptr;
  name.schema.clear();
  name.name = part.name;
  if (end != last && *end == '.') {
    if (char const* const second = read_identifier(end + 1, last, origin, part)) {
      name.schema = name.name;
      name.name = part.name;
      end = second;
    }
  }
  name.where = span_between(origin, first, end);
  return end;
}

char const* read_column_ref(char const* first, char const* last, char const* origin,
                            ast::column_ref& ref) {
  std::vector<ast::identifier> parts(1);
  char const* end = read_identifier(first, last, origin, parts.back());
  while (end != nullptr && parts.size() < 3 && end != last && *end == '.') {
    ast::identifier next;
    char const* const after = read_identifier(end + 1, last, origin, next);
    if (after == nullptr) break;
    parts.push_back(std::move(next));
    end = after;
  }
  if (end == nullptr || parts.size() < 2) return nullptr;
  ref.column = parts.back();
  ref.table.schema = parts.size() == 3 ? parts[0].name : std::string();
  ref.table.name = parts[parts.size() - 2].name;
  ref.table.where = {parts.front().where.begin, parts[parts.size() - 2].where.end};
  ref.where = span_between(origin, first, end);
  return end;
}

char const* read_type(char const* first, char const* last, char const* origin,
                      ast::type_name& type) {
  ast::qualified_name name;
  char const* end = read_qualified_name(first, last, origin, name);
  if (end == nullptr) return nullptr;
  type.schema = name.schema;
  type.name = name.name;
  type.modifiers.clear();
  type.array_dims = 0;
  if (*first != '"' && name.schema.empty()) {
    for (auto const& t : multi_word_types) {
      if (type.name != t.first) continue;
      if (char const* const more = next_keyword(end, last, t.second)) {
        type.name += " " + std::string(t.second);
        end = more;
      }
    }
  }
  end = read_type_modifiers(end, last, type.modifiers);
  if (type.name == "timestamp" || type.name == "time") end = read_time_zone(end, last, type.name);
  end = read_array_dims(end, last, type.array_dims);
  type.where = span_between(origin, first, end);
  return end;
}

char const* read_sql_string(char const* first, char const* last, char const* origin,
                            ast::sql_string& text) {
  if (first == last || *first != '\'') return nullptr;
  text.value.clear();
  for (char const* it = first + 1; it != last; ++it) {
    if (*it != '\'') {
      text.value += *it;
    } else if (it + 1 != last && it[1] == '\'') {
      text.value += *++it;
    } else {
      text.where = span_between(origin, first, it + 1);
      return it + 1;
    }
  }
  throw lexical_error{first, first + 1, "unterminated string literal",
                      "close the literal with a single quote; write a quote inside it as ''"};
}

namespace {

/// End of the balanced `( ... )` at `first`; throws when unbalanced or too deep.
char const* balanced_end(char const* first, char const* last) {
  auto const match = sql::match_parentheses(
      std::string_view(first, static_cast<std::size_t>(last - first)), max_expression_depth);
  switch (match.result) {
    case sql::parentheses_match::outcome::closed:
      return first + match.end;
    case sql::parentheses_match::outcome::too_deep:
      throw lexical_error{first + match.end, first + match.end + 1,
                          "expression nests parentheses deeper than " +
                              std::to_string(max_expression_depth) + " levels",
                          "simplify the expression, or move it into a raw 'sql' step"};
    case sql::parentheses_match::outcome::unterminated:
      break;
  }
  throw lexical_error{first, first + 1, "unbalanced parentheses: no ')' closes this '('",
                      "close the expression; parentheses inside quotes and comments do not count"};
}

std::string_view trimmed(char const* first, char const* last) {
  while (first != last && detail::is_space(*first)) ++first;
  while (last != first && detail::is_space(last[-1])) --last;
  return {first, static_cast<std::size_t>(last - first)};
}

/// A number: digits with an optional fraction and exponent, optionally signed.
char const* read_number(char const* first, char const* last) {
  char const* it = first;
  if (it != last && (*it == '-' || *it == '+')) ++it;
  char const* const digits = it;
  while (it != last && (detail::is_digit(*it) || *it == '.')) ++it;
  if (it == digits) return nullptr;
  if (it != last && (*it == 'e' || *it == 'E')) {
    char const* exp = it + 1;
    if (exp != last && (*exp == '-' || *exp == '+')) ++exp;
    if (exp != last && detail::is_digit(*exp)) {
      it = exp;
      while (it != last && detail::is_digit(*it)) ++it;
    }
  }
  return (it != last && detail::is_word(*it)) ? nullptr : it;
}

/// One term of a default: literal, number, word or call, or parenthesised expression.
char const* read_default_term(char const* first, char const* last, char const* origin) {
  if (*first == '(') return balanced_end(first, last);
  if (*first == '\'') {
    ast::sql_string ignored;
    return read_sql_string(first, last, origin, ignored);
  }
  if (char const* const number = read_number(first, last)) return number;
  ast::qualified_name word;
  char const* end = read_qualified_name(first, last, origin, word);
  if (end == nullptr) return nullptr;
  char const* const call = skip_blanks(end, last);
  return (call != last && *call == '(') ? balanced_end(call, last) : end;
}

}  // namespace

char const* read_parenthesised(char const* first, char const* last, char const* origin,
                               ast::sql_fragment& fragment) {
  if (first == last || *first != '(') return nullptr;
  char const* const end = balanced_end(first, last);
  fragment.text = std::string(trimmed(first + 1, end - 1));
  fragment.where = span_between(origin, first, end);
  return end;
}

char const* read_default(char const* first, char const* last, char const* origin,
                         ast::sql_fragment& fragment) {
  if (first == last) return nullptr;
  char const* end = read_default_term(first, last, origin);
  if (end == nullptr) return nullptr;
  char const* const cast = skip_blanks(end, last);
  if (last - cast >= 2 && cast[0] == ':' && cast[1] == ':') {
    ast::type_name type;
    char const* const type_end = read_type(skip_blanks(cast + 2, last), last, origin, type);
    if (type_end == nullptr) {
      throw lexical_error{cast, cast + 2, "expected a type after '::'", std::nullopt};
    }
    end = type_end;
  }
  fragment.text = std::string(first, end);
  fragment.where = span_between(origin, first, end);
  return end;
}

}  // namespace migc::dsl::scan
