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

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = detail::ascii_lower(c);
  return out;
}

void append_without_cr_before_lf(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
}

/**
 * Follows psql's heuristic for SQL-standard routine bodies: inside a
 * statement that starts CREATE [OR REPLACE] FUNCTION|PROCEDURE, a BEGIN
 * outside parentheses opens a block (CASE too, once inside one) that END
 * closes, and a `;` inside such a block does not end the statement.
 */
class routine_body_tracker {
 public:
  [[nodiscard]] bool inside_body() const { return m_depth > 0; }

  void observe(std::string_view text, token const& t) {
    if (t.kind == token_kind::symbol) {
      char const c = text[t.begin];
      if (c == '(') ++m_parens;
      if (c == ')' && m_parens > 0) --m_parens;
      return;
    }
    if (t.kind != token_kind::word) return;
    std::string const word = lower_ascii(text.substr(t.begin, t.end - t.begin));
    if (m_words < m_leading.size()) m_leading[m_words] = word;
    ++m_words;
    if (!is_routine_definition() || m_parens > 0) return;
    if (word == "begin" || (word == "case" && m_depth > 0)) ++m_depth;
    if (word == "end" && m_depth > 0) --m_depth;
  }

 private:
  [[nodiscard]] bool is_routine_definition() const {
    auto const routine = [](std::string const& w) { return w == "function" || w == "procedure"; };
    return m_leading[0] == "create" &&
           (routine(m_leading[1]) ||
            (m_leading[1] == "or" && m_leading[2] == "replace" && routine(m_leading[3])));
  }

  std::array<std::string, 4> m_leading{};
  std::size_t m_words = 0;
  std::size_t m_parens = 0;
  std::size_t m_depth = 0;
};

bool is_transaction_control(std::string_view statement) {
  std::vector<std::string> const words = leading_words(statement, 2);
  if (words.empty()) return false;
  std::string const& verb = words[0];
  std::string const object = words.size() > 1 ? words[1] : std::string();
  if (verb == "begin" || verb == "commit" || verb == "end" || verb == "abort") return true;
  if (verb == "start") return object == "transaction";
  if (verb == "rollback") return object != "to";  // ROLLBACK TO [SAVEPOINT] stays inside
  return false;
}

bool is_temp_discard(std::string_view statement) {
  std::vector<std::string> const words = leading_words(statement, 2);
  return words.size() == 2 && words[0] == "discard" &&
         (words[1] == "temp" || words[1] == "temporary" || words[1] == "all");
}

/// True when a top-level statement of `sql` satisfies `matches`.
template <typename Predicate>
bool any_statement(std::string_view sql, Predicate matches) {
  for (span const& s : split_statements(sql)) {
    if (matches(sql.substr(s.begin, s.end - s.begin))) return true;
  }
  return false;
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

std::vector<span> split_statements(std::string_view sql) {
  std::vector<span> statements;
  std::optional<span> current;
  routine_body_tracker body;
  auto const flush = [&] {
    if (current) statements.push_back(*current);
    current.reset();
    body = {};
  };
  lexer lex(sql);
  while (std::optional<token> const t = lex.next()) {
    if (is_insignificant(*t)) continue;
    if (t->kind == token_kind::semicolon && !body.inside_body()) {
      flush();
      continue;
    }
    body.observe(sql, *t);
    auto const end = static_cast<std::uint32_t>(t->end);
    if (!current) current = span{static_cast<std::uint32_t>(t->begin), end};
    current->end = end;
  }
  flush();
  return statements;
}

std::vector<std::string> leading_words(std::string_view statement, std::size_t count) {
  std::vector<std::string> words;
  lexer lex(statement);
  while (words.size() < count) {
    std::optional<token> const t = lex.next();
    if (!t || (t->kind != token_kind::word && !is_insignificant(*t))) break;
    if (t->kind == token_kind::word)
      words.push_back(lower_ascii(statement.substr(t->begin, t->end - t->begin)));
  }
  return words;
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

bool contains_transaction_control(std::string_view sql) {
  return any_statement(sql, is_transaction_control);
}

bool contains_temp_discard(std::string_view sql) {
  return any_statement(sql, is_temp_discard);
}

}  // namespace migc::dsl::sql
