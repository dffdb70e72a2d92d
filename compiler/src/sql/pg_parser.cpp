// libpg_query behind RAII: parse trees as JSON, syntax errors as byte offsets, error recovery.
#include "pg_parser.hpp"

#include <pg_query.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include "statements.hpp"
#include "tree.hpp"

namespace migc::compiler::sql {
namespace {

/// Frees a libpg_query result with the library's own call when it goes out of scope.
template <typename Result, void (*Free)(Result)>
class owned {
 public:
  explicit owned(Result r) : m_result(r) {}
  owned(owned const&) = delete;
  owned& operator=(owned const&) = delete;
  ~owned() { Free(m_result); }
  Result const* operator->() const { return &m_result; }

 private:
  Result m_result;
};

using owned_parse = owned<PgQueryParseResult, pg_query_free_parse_result>;
using owned_split = owned<PgQuerySplitResult, pg_query_free_split_result>;
using owned_plpgsql = owned<PgQueryPlpgsqlParseResult, pg_query_free_plpgsql_parse_result>;

constexpr bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

/// Byte offset of the first invalid UTF-8 sequence, or nothing.
std::optional<std::uint32_t> invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto const c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    bool ok = n != 0 && i + n <= s.size() && !(n == 2 && c < 0xC2);
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = is_continuation(static_cast<unsigned char>(s[i + k]));
    if (ok && n == 3) {
      auto const c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      auto const c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90) && c <= 0xF4;
    }
    if (!ok) return static_cast<std::uint32_t>(i);
    i += n;
  }
  return std::nullopt;
}

/// PostgreSQL reports an error position as a 1-based character count; the byte offset it means.
std::uint32_t byte_offset_of(std::string_view text, int cursorpos) {
  if (cursorpos <= 1) return 0;
  int chars = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(static_cast<unsigned char>(text[i]))) continue;
    if (chars == cursorpos) return static_cast<std::uint32_t>(i);
    ++chars;
  }
  return static_cast<std::uint32_t>(text.size());
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// [begin, end) without blank bytes at either end.
std::pair<std::uint32_t, std::uint32_t> trimmed(std::string_view text, std::uint32_t begin,
                                                std::uint32_t end) {
  while (begin < end && is_blank(text[begin])) ++begin;
  while (end > begin && is_blank(text[end - 1])) --end;
  return {begin, end};
}

/// The first byte at or after `begin` that is neither blank nor in a comment. Only for the
/// stretch the parser reports before a statement's first token, where nothing but blanks and
/// comments (`--` to the end of the line, nested `/* */`) can be: no literal starts there.
std::uint32_t skip_leading_comments(std::string_view text, std::uint32_t begin, std::uint32_t end) {
  while (begin < end) {
    if (is_blank(text[begin])) {
      ++begin;
    } else if (text.compare(begin, 2, "--") == 0) {
      std::size_t const eol = text.find('\n', begin);
      begin = eol == std::string_view::npos
                  ? end
                  : std::min<std::uint32_t>(end, static_cast<std::uint32_t>(eol));
    } else if (text.compare(begin, 2, "/*") == 0) {
      int depth = 0;
      do {
        if (text.compare(begin, 2, "/*") == 0) {
          ++depth;
          begin += 2;
        } else if (text.compare(begin, 2, "*/") == 0) {
          --depth;
          begin += 2;
        } else {
          ++begin;
        }
      } while (depth > 0 && begin < end);
    } else {
      break;
    }
  }
  return std::min(begin, end);
}

/// Start of the line holding `offset`, and end of that line (its '\n' excluded).
std::pair<std::uint32_t, std::uint32_t> line_around(std::string_view text, std::uint32_t offset) {
  std::size_t const start = offset == 0 ? 0 : text.rfind('\n', offset - 1);
  std::size_t const stop = text.find('\n', offset);
  return {
      start == std::string_view::npos || offset == 0 ? 0 : static_cast<std::uint32_t>(start + 1),
      stop == std::string_view::npos ? static_cast<std::uint32_t>(text.size())
                                     : static_cast<std::uint32_t>(stop)};
}

/// The end of the rows psql sends after `COPY ... FROM STDIN;` when they start at `begin`: after
/// the line `\.` that ends them (psql's format, "COPY" in the psql docs), or `to` without one.
std::uint32_t end_of_copy_rows(std::string_view text, std::uint32_t begin, std::uint32_t to) {
  for (std::uint32_t line = begin; line < to;) {
    auto const [start, stop] = line_around(text, line);
    auto const [first, last] = trimmed(text, start, stop);
    if (text.substr(first, last - first) == "\\.") return std::min(stop, to);
    line = stop + 1;
  }
  return to;
}

/// The token at `offset` to underline: up to the next blank, at least one byte.
std::uint32_t token_end(std::string_view text, std::uint32_t offset) {
  std::uint32_t end = offset;
  while (end < text.size() && !is_blank(text[end]) && end - offset < 40) ++end;
  while (end < text.size() && is_continuation(static_cast<unsigned char>(text[end]))) ++end;
  return std::max(end,
                  std::min<std::uint32_t>(offset + 1, static_cast<std::uint32_t>(text.size())));
}

/**
 * The parser over one range of the text: every byte outside [from, to) is
 * blanked in a copy of the same length, so offsets in the trees and errors
 * stay offsets into the original text.
 */
class range_parser {
 public:
  range_parser(std::string_view text, parse_outcome& out) : m_text(text), m_out(out) {}

  void parse(std::uint32_t from, std::uint32_t to, int depth) {
    auto const [first, last] = trimmed(m_text, from, to);
    if (first == last || m_out.problems.size() >= max_problems) return;
    std::string const buffer = blanked(from, to);
    owned_parse const result(pg_query_parse(buffer.c_str()));
    if (!result->error) {
      add_statements(result->parse_tree, from, to);
      return;
    }
    std::uint32_t const at = std::clamp(byte_offset_of(buffer, result->error->cursorpos), from, to);
    // Bison's stack limit (10,000 levels): say what it means.
    std::string const message =
        std::string_view(result->error->message).rfind("memory exhausted", 0) == 0
            ? "statement nests too deeply for PostgreSQL's parser (" +
                  std::string(result->error->message) + ")"
            : std::string(result->error->message);
    // Give up recovering on pathological input rather than recurse without bound.
    if (depth > max_depth) return report(syntax_problem::kind::syntax, message, at);
    recover(from, to, at, message, depth);
  }

 private:
  static constexpr int max_depth = 200;
  /// Beyond this many problems in one text the rest is not parsed (each retry copies the text).
  static constexpr std::size_t max_problems = 50;

  std::string blanked(std::uint32_t from, std::uint32_t to) const {
    std::string buffer(m_text);
    for (std::uint32_t i = 0; i < buffer.size(); ++i) {
      if ((i < from || i >= to) && buffer[i] != '\n') buffer[i] = ' ';
    }
    return buffer;
  }

  void report(syntax_problem::kind kind, std::string message, std::uint32_t at) {
    std::uint32_t const end = kind == syntax_problem::kind::psql_meta_command
                                  ? line_around(m_text, at).second
                                  : token_end(m_text, at);
    m_out.problems.push_back({kind, std::move(message), at, end});
  }

  /**
   * The statement around the error is reported; the ones before and after it are parsed again.
   * A `\` outside a literal is where psql reads a meta-command, up to the end of its line, at the
   * start of a line (`\connect`) or after a query it sends (`SELECT ... \gexec`). The rows psql
   * sends after `COPY ... FROM STDIN;` are no SQL: they are skipped (the COPY itself is refused
   * when it is classified).
   */
  void recover(std::uint32_t from, std::uint32_t to, std::uint32_t at, std::string const& message,
               int depth) {
    if (m_text[at] == '\\') {
      auto const line_end = line_around(m_text, at).second;
      report(syntax_problem::kind::psql_meta_command, "psql meta-command", at);
      parse(from, at, depth + 1);
      parse(std::min(line_end, to), to, depth + 1);
      return;
    }
    auto const around = statement_around(from, to, at);
    if (around.before && copies_from_client(*around.before, around.begin)) {
      parse(from, around.begin, depth + 1);
      parse(end_of_copy_rows(m_text, around.begin, to), to, depth + 1);
      return;
    }
    report(syntax_problem::kind::syntax, message, at);
    parse(from, around.begin, depth + 1);
    parse(around.end, to, depth + 1);
  }

  /// A failing statement's place: [begin, end), and where the statement before it starts.
  struct failing_statement {
    std::uint32_t begin;
    std::uint32_t end;
    std::optional<std::uint32_t> before;
  };

  /// The statement (by PostgreSQL's scanner) of [from, to) that holds `at`: from the end of the
  /// statement before it to the start of the one after it (the scanner leaves out some
  /// statements it cannot read, so the gap between its neighbours is what failed).
  failing_statement statement_around(std::uint32_t from, std::uint32_t to, std::uint32_t at) const {
    std::string const buffer = blanked(from, to);
    owned_split const split(pg_query_split_with_scanner(buffer.c_str()));
    if (split->error) return {from, to, std::nullopt};
    failing_statement out{from, to, std::nullopt};
    for (int i = 0; i < split->n_stmts; ++i) {
      auto const first = static_cast<std::uint32_t>(split->stmts[i]->stmt_location);
      auto const last = first + static_cast<std::uint32_t>(split->stmts[i]->stmt_len);
      // The statement's `;` (if any) belongs to it, so that the next parse starts after it.
      std::uint32_t const stop = last < to && m_text[last] == ';' ? last + 1 : last;
      if (at >= first && at <= stop) {
        return {std::max(first, from), std::min(stop, to), out.before};
      }
      if (stop <= at && stop >= out.begin) {
        out.begin = stop;
        out.before = std::max(first, from);
      }
      if (first > at) out.end = std::min(out.end, first);
    }
    return out;
  }

  /// True when [begin, end) parses as statements the last of which is `COPY ... FROM STDIN`.
  bool copies_from_client(std::uint32_t begin, std::uint32_t end) const {
    owned_parse const result(pg_query_parse(blanked(begin, end).c_str()));
    if (result->error) return false;
    auto const document = read_json(result->parse_tree);
    if (!document) return false;
    auto const stmts = document->FindMember("stmts");
    if (stmts == document->MemberEnd() || !stmts->value.IsArray() || stmts->value.Empty())
      return false;
    auto const& last = stmts->value[stmts->value.Size() - 1];
    auto const statement = last.FindMember("stmt");
    return statement != last.MemberEnd() && sql::copies_from_client(node(statement->value));
  }

  void add_statements(char const* text, std::uint32_t from, std::uint32_t to) {
    auto const document = read_json(text);
    if (!document) return;  // libpg_query's own output: never happens
    m_out.documents.push_back(document);
    auto const stmts = document->FindMember("stmts");
    if (stmts == document->MemberEnd() || !stmts->value.IsArray()) return;
    for (auto const& entry : stmts->value.GetArray()) {
      auto const number = [&](char const* name) {
        auto const it = entry.FindMember(name);
        return it != entry.MemberEnd() && it->value.IsUint() ? it->value.GetUint() : 0u;
      };
      auto const location = number("stmt_location");
      auto const length = number("stmt_len");
      auto const statement = entry.FindMember("stmt");
      if (statement == entry.MemberEnd()) continue;
      // stmt_len 0 means "to the end of the text".
      std::uint32_t const end = length == 0 ? to : location + length;
      auto const [begin, stop] = trimmed(m_text, std::max(location, from), std::min(end, to));
      m_out.statements.push_back({sql::tree(document, &statement->value),
                                  skip_leading_comments(m_text, begin, stop), stop});
    }
  }

  std::string_view m_text;
  parse_outcome& m_out;
};

}  // namespace

parse_outcome parse(std::string_view text) {
  parse_outcome out;
  if (auto const bad = invalid_utf8(text)) {
    out.problems.push_back(
        {syntax_problem::kind::encoding, "invalid UTF-8 in SQL", *bad, *bad + 1});
    return out;
  }
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    out.problems.push_back({syntax_problem::kind::syntax, "SQL text is larger than 4 GiB", 0, 1});
    return out;
  }
  range_parser(text, out).parse(0, static_cast<std::uint32_t>(text.size()), 0);
  std::sort(out.statements.begin(), out.statements.end(),
            [](parsed_statement const& a, parsed_statement const& b) { return a.begin < b.begin; });
  std::sort(out.problems.begin(), out.problems.end(),
            [](syntax_problem const& a, syntax_problem const& b) { return a.where < b.where; });
  return out;
}

sql::tree parse_plpgsql(std::string_view body) {
  if (invalid_utf8(body)) return {};
  // libpg_query reads PL/pgSQL from a CREATE FUNCTION statement: wrap the body in one, with a
  // dollar tag the body cannot contain.
  std::string tag = "$migc_body$";
  while (body.find(tag) != std::string_view::npos) tag.insert(tag.size() - 1, "_");
  std::string const function =
      "CREATE FUNCTION migc_do() RETURNS void LANGUAGE plpgsql AS " + tag + std::string(body) + tag;
  owned_plpgsql const result(pg_query_parse_plpgsql(function.c_str()));
  if (result->error || !result->plpgsql_funcs) return {};
  auto const functions = read_json(result->plpgsql_funcs);
  if (!functions || !functions->IsArray() || functions->Empty()) return {};
  return sql::tree(functions, &(*functions)[0]);
}

}  // namespace migc::compiler::sql
