// One PostgreSQL lexer loop and the functions built on it: canonical, split, transactions.
#include <algorithm>
#include <array>
#include <migc/dsl/sql_text.hpp>
#include <optional>

#include "text_util.hpp"

namespace migc::dsl::sql {
namespace {

enum class token_kind { blank, comment, literal, word, semicolon, symbol };

struct token {
  token_kind kind;
  std::size_t begin;
  std::size_t end;
  bool unterminated = false;
};

// Words also carry '$' after their first byte: PostgreSQL identifiers may
// contain it, so `a$b$` is one word and not the start of a dollar quote.
constexpr bool is_word_continue(char c) {
  return detail::is_word(c) || c == '$';
}
constexpr bool is_dollar_tag_start(char c) {
  return detail::is_ascii_letter(c) || c == '_' || detail::is_high(c);
}

/// Splits SQL text into tokens; the only loop over SQL bytes in migc.
class lexer {
 public:
  explicit lexer(std::string_view text) : m_text(text) {}

  std::optional<token> next() {
    if (m_pos >= m_text.size()) return std::nullopt;
    std::size_t const begin = m_pos;
    char const c = m_text[m_pos];
    if (detail::is_space(c)) return blank(begin);
    if (at("--")) return line_comment(begin);
    if (at("/*")) return block_comment(begin);
    if (c == '\'' || c == '"') return quoted(begin, begin + 1, c, false);
    if ((c == 'e' || c == 'E') && peek(1) == '\'') return quoted(begin, begin + 2, '\'', true);
    if (c == '$') {
      if (auto t = dollar_quoted(begin)) return t;
      if (detail::is_digit(peek(1))) return word(begin);  // $1: a parameter
    }
    if (c == ';') return single(begin, token_kind::semicolon);
    if (detail::is_word(c)) return word(begin);
    return single(begin, token_kind::symbol);
  }

 private:
  bool at(std::string_view s) const { return m_text.substr(m_pos, s.size()) == s; }
  char peek(std::size_t ahead) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }
  token finish(token_kind kind, std::size_t begin, bool unterminated = false) const {
    return {kind, begin, m_pos, unterminated};
  }

  token single(std::size_t begin, token_kind kind) {
    ++m_pos;
    return finish(kind, begin);
  }

  token blank(std::size_t begin) {
    while (m_pos < m_text.size() && detail::is_space(m_text[m_pos])) ++m_pos;
    return finish(token_kind::blank, begin);
  }

  token word(std::size_t begin) {
    ++m_pos;
    while (m_pos < m_text.size() && is_word_continue(m_text[m_pos])) ++m_pos;
    return finish(token_kind::word, begin);
  }

  token line_comment(std::size_t begin) {
    std::size_t const newline = m_text.find('\n', m_pos);
    m_pos = newline == std::string_view::npos ? m_text.size() : newline;
    return finish(token_kind::comment, begin);
  }

  // PostgreSQL nests block comments: `/* a /* b */ c */` is one comment.
  token block_comment(std::size_t begin) {
    std::size_t depth = 0;
    while (m_pos < m_text.size()) {
      if (at("/*")) {
        ++depth;
        m_pos += 2;
      } else if (at("*/")) {
        m_pos += 2;
        if (--depth == 0) return finish(token_kind::comment, begin);
      } else {
        ++m_pos;
      }
    }
    return finish(token_kind::comment, begin, true);
  }

  // '...' and "..." double the quote to escape it; E'...' also escapes with a backslash.
  token quoted(std::size_t begin, std::size_t content, char quote, bool backslash_escapes) {
    m_pos = content;
    while (m_pos < m_text.size()) {
      char const c = m_text[m_pos];
      if (backslash_escapes && c == '\\') {
        m_pos = std::min(m_pos + 2, m_text.size());
      } else if (c == quote && peek(1) == quote) {
        m_pos += 2;
      } else if (c == quote) {
        ++m_pos;
        return finish(token_kind::literal, begin);
      } else {
        ++m_pos;
      }
    }
    return finish(token_kind::literal, begin, true);
  }

  std::optional<token> dollar_quoted(std::size_t begin) {
    std::size_t tag_end = begin + 1;
    if (tag_end < m_text.size() && is_dollar_tag_start(m_text[tag_end])) {
      while (tag_end < m_text.size() && detail::is_word(m_text[tag_end])) ++tag_end;
    }
    if (tag_end >= m_text.size() || m_text[tag_end] != '$') return std::nullopt;
    std::string_view const delimiter = m_text.substr(begin, tag_end + 1 - begin);
    std::size_t const close = m_text.find(delimiter, tag_end + 1);
    if (close == std::string_view::npos) {
      m_pos = m_text.size();
      return finish(token_kind::literal, begin, true);
    }
    m_pos = close + delimiter.size();
    return finish(token_kind::literal, begin);
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

/// Whitespace and (terminated) comments separate tokens and mean nothing else.
bool is_insignificant(token const& t) {
  return t.kind == token_kind::blank || (t.kind == token_kind::comment && !t.unterminated);
}

void append_without_cr_before_lf(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
}

}  // namespace

std::string canonical(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool separated = false;
  lexer lex(sql);
  while (std::optional<token> const t = lex.next()) {
    if (is_insignificant(*t)) {
      separated = true;
      continue;
    }
    if (separated && !out.empty()) out += ' ';
    separated = false;
    append_without_cr_before_lf(out, sql.substr(t->begin, t->end - t->begin));
  }
  return out;
}

parentheses_match match_parentheses(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  lexer lex(text);
  while (std::optional<token> const t = lex.next()) {
    if (t->kind != token_kind::symbol) continue;
    char const c = text[t->begin];
    if (c == '(' && ++depth > max_depth) return {parentheses_match::outcome::too_deep, t->begin};
    if (c == ')' && --depth == 0) return {parentheses_match::outcome::closed, t->end};
  }
  return {parentheses_match::outcome::unterminated, text.size()};
}

}  // namespace migc::dsl::sql
