// Byte scanners for the tokens of the language: blanks, keywords, numbers, strings, $$.
#include "scan.hpp"

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

}  // namespace migc::dsl::scan
