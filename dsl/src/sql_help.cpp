// sql_in_block_help: read the SQL the author wrote with the language's own token scanners, and
// name the sql step or the declarative step it means.
#include "sql_help.hpp"

#include <algorithm>
#include <array>
#include <migc/dsl/ast.hpp>

#include "scan.hpp"
#include "text_util.hpp"

namespace migc::dsl {
namespace {

constexpr std::string_view wrap = "SQL goes in a sql step: sql $$ ... $$";

/// The tokens after `ALTER TABLE`, read with the language's scanners (never a SQL lexer: this
/// only recognises the few shapes the declarative steps have).
class reader {
 public:
  reader(std::string_view text, std::size_t at)
      : m_origin(text.data()), m_it(text.data() + at), m_last(text.data() + text.size()) {}

  bool keyword(std::string_view word) {
    char const* const end = scan::match_keyword(scan::skip_blanks(m_it, m_last), m_last, word);
    if (end == nullptr) return false;
    m_it = end;
    return true;
  }
  /// `[schema.]name` as written, or "" (also for a name that does not scan, e.g. an
  /// unterminated quoted identifier: the help is a guess, the parser reports the error).
  std::string name() {
    char const* const first = scan::skip_blanks(m_it, m_last);
    ast::qualified_name q;
    char const* end = nullptr;
    try {
      end = scan::read_qualified_name(first, m_last, m_origin, q);
    } catch (scan::lexical_error const&) {
      return {};
    }
    if (end == nullptr) return {};
    m_it = end;
    return std::string(first, end);
  }
  /// The rest of the line, blanks and a final ';' trimmed.
  std::string rest_of_line() {
    char const* first = m_it;
    while (first != m_last && (*first == ' ' || *first == '\t')) ++first;
    char const* end = first;
    while (end != m_last && *end != '\n' && *end != ';') ++end;
    while (end != first && detail::is_space(end[-1])) --end;
    return std::string(first, end);
  }

 private:
  char const* m_origin;
  char const* m_it;
  char const* m_last;
};

std::string with_rest(std::string step, std::string const& rest) {
  return rest.empty() ? step : step + " " + rest;
}

/// The declarative step an `ALTER TABLE` (read from after TABLE) means, or "".
std::string declarative_alter_table(reader r) {
  r.keyword("only");
  if (r.keyword("if")) r.keyword("exists");
  std::string const table = r.name();
  if (table.empty()) return {};
  if (r.keyword("add")) {
    if (r.keyword("constraint")) {
      std::string const name = r.name();
      return with_rest("add constraint " + name + " on " + table, r.rest_of_line());
    }
    r.keyword("column");
    if (r.keyword("if") && r.keyword("not")) r.keyword("exists");
    std::string const column = r.name();
    return column.empty() ? std::string()
                          : with_rest("add column " + table + "." + column, r.rest_of_line());
  }
  if (r.keyword("drop")) {
    if (r.keyword("constraint")) return "drop constraint " + r.name() + " on " + table;
    r.keyword("column");
    if (r.keyword("if")) r.keyword("exists");
    std::string const column = r.name();
    return column.empty() ? std::string() : "drop column " + table + "." + column;
  }
  if (r.keyword("rename")) {
    if (r.keyword("to")) return "rename table " + table + " to " + r.name();
    r.keyword("column");
    std::string const from = r.name();
    if (from.empty() || !r.keyword("to")) return {};
    return "rename column " + table + "." + from + " to " + r.name();
  }
  if (r.keyword("alter")) {
    r.keyword("column");
    std::string const column = r.name();
    return column.empty() ? std::string()
                          : with_rest("alter column " + table + "." + column, r.rest_of_line());
  }
  return {};
}

/// The word at `at` lower-cased ("" when no word starts there).
std::string word_at(std::string_view text, std::size_t at) {
  std::string out;
  while (at < text.size() && detail::is_word(text[at])) out += detail::ascii_lower(text[at++]);
  return out;
}

/// The word that ends right before `at` (blanks skipped), lower-cased.
std::string word_before(std::string_view text, std::size_t at) {
  while (at > 0 && detail::is_space(text[at - 1])) --at;
  std::size_t begin = at;
  while (begin > 0 && detail::is_word(text[begin - 1])) --begin;
  return word_at(text.substr(0, at), begin);
}

bool is_statement_word(std::string_view word) {
  static constexpr std::array<std::string_view, 20> words{
      "insert",  "update",  "delete",  "select", "with",    "truncate", "comment",
      "grant",   "revoke",  "do",      "set",    "merge",   "copy",     "vacuum",
      "analyze", "reindex", "refresh", "call",   "cluster", "lock"};
  for (auto const w : words) {
    if (w == word) return true;
  }
  return false;
}

/// A word after CREATE / ALTER / DROP that names what only SQL makes (`create view`), not a
/// misspelt step (`create tabel`).
bool is_sql_object_word(std::string_view word) {
  static constexpr std::array<std::string_view, 17> words{
      "view",     "materialized", "function", "procedure", "trigger", "sequence",
      "domain",   "rule",         "policy",   "role",      "user",    "aggregate",
      "operator", "or",           "temp",     "temporary", "unlogged"};
  return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

std::optional<std::string> sql_in_block_help(std::string_view text, std::size_t found_at,
                                             std::string_view expected) {
  std::string const found = word_at(text, found_at);
  if (found.empty()) return std::nullopt;
  std::string const before = word_before(text, found_at);
  if (before == "alter" && found == "table") {
    std::string const step = declarative_alter_table(reader(text, found_at + found.size()));
    if (step.empty()) return std::string(wrap);
    return std::string(wrap) + "; or write the declarative step it means: " + step;
  }
  if ((before == "alter" || before == "create" || before == "drop") && is_sql_object_word(found)) {
    return std::string(wrap) + " (the declarative steps " + before +
           " tables, columns, indexes, constraints, enum types, schemas and extensions)";
  }
  if (expected.rfind("step", 0) == 0 && is_statement_word(found)) return std::string(wrap);
  return std::nullopt;
}

}  // namespace migc::dsl
