// Byte classes and UTF-8 helpers shared by the scanners and the renderers.
#pragma once

#include <cstddef>
#include <string_view>

// Deliberately no <cctype> and no X3 character classes: they are undefined or
// assert for bytes >= 0x80 (a fuzzer found `0A E3` crashes), and the input is
// arbitrary bytes. Every class here is an explicit byte set.
namespace migc::dsl::detail {

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_high(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}
/// Bytes of a word: ASCII letters, digits, '_' and every byte of a non-ASCII
/// UTF-8 character (so `revisionå` is one word, not the keyword `revision`).
constexpr bool is_word(char c) {
  return is_ascii_letter(c) || is_digit(c) || c == '_' || is_high(c);
}
constexpr bool is_control(char c) {
  auto const b = static_cast<unsigned char>(c);
  return b < 0x20 || b == 0x7f;
}
constexpr bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629:
/// no overlongs, no surrogates, nothing above U+10FFFF); 0 when ill-formed.
constexpr std::size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) return 0;
  auto const byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char const lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!is_utf8_continuation(s[i])) return 0;
  }
  return length;
}

constexpr bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    std::size_t const n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

}  // namespace migc::dsl::detail
