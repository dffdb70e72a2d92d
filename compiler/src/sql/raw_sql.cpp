// read_raw_step: a raw sql body through PostgreSQL's parser, with diagnostics inside the .mig file.
#include "raw_sql.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "expression.hpp"
#include "pg_parser.hpp"

namespace migc::compiler::sql {
namespace {

/// Parse trees nest about two JSON levels per expression level; walks over them are iterative,
/// but canonical JSON output is not: deeper statements are refused.
constexpr std::size_t max_tree_depth = 2000;

dsl::diagnostic error_at(dsl::source_file const* file, dsl::span where, std::string code,
                         std::string message, std::optional<std::string> help = std::nullopt) {
  dsl::diagnostic d;
  d.code = std::move(code);
  d.where = {file, where};
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

/// A psql meta-command as written on its line ("\restrict"), for the message.
std::string meta_command_name(std::string_view body, syntax_problem const& p) {
  std::string_view line = body.substr(p.where, p.end - p.where);
  std::size_t const space = line.find_first_of(" \t\r");
  return std::string(line.substr(0, space));
}

dsl::diagnostic problem_diagnostic(raw_context const& context, std::string_view body,
                                   std::uint32_t offset, syntax_problem const& p) {
  dsl::span const where{offset + p.where, offset + std::max(p.end, p.where + 1)};
  switch (p.what) {
    case syntax_problem::kind::psql_meta_command:
      return error_at(
          context.file, where, "sql-psql-command",
          fmt::format("psql meta-command '{}' in raw sql: only psql understands it, the server "
                      "does not",
                      meta_command_name(body, p)),
          "remove psql-only lines (pg_dump writes \\restrict, \\unrestrict and \\connect; "
          "\\copy and \\i are psql's too): the server runs only SQL");
    case syntax_problem::kind::encoding:
      return error_at(context.file, where, "sql-encoding", "raw sql is not valid UTF-8",
                      "save the file as UTF-8 (PostgreSQL reads revisions as UTF-8)");
    case syntax_problem::kind::syntax:
      break;
  }
  return error_at(context.file, where, "sql-syntax", p.message);
}

std::optional<dsl::diagnostic> statement_diagnostic(raw_context const& context,
                                                    raw_statement const& s) {
  if (s.info.refused) {
    auto const& r = *s.info.refused;
    return error_at(context.file, s.where, r.code, r.message, r.help);
  }
  if (s.info.outside_transaction && context.transactional) {
    return error_at(
        context.file, s.where, "needs-no-transaction",
        fmt::format("'{}' cannot run inside a transaction block, and this revision runs in one",
                    s.info.name),
        "mark the revision 'without transaction' (each of its statements then commits on its "
        "own)");
  }
  return std::nullopt;
}

/**
 * Reports `found` in source order. A run of session-state statements (a pg_dump preamble has a
 * dozen) is one error, its other statements notes, so it does not bury everything else.
 */
void report_in_order(std::vector<dsl::diagnostic> found, dsl::diagnostic_engine& out) {
  std::stable_sort(found.begin(), found.end(),
                   [](dsl::diagnostic const& a, dsl::diagnostic const& b) {
                     return a.where.range.begin < b.where.range.begin;
                   });
  for (std::size_t i = 0; i < found.size();) {
    dsl::diagnostic d = std::move(found[i++]);
    while (d.code == "sql-session" && i < found.size() && found[i].code == "sql-session" &&
           found[i].help == d.help) {
      d.notes.push_back({found[i].where,
                         "and here: " + found[i].message.substr(found[i].message.rfind(": ") + 2)});
      ++i;
    }
    out.report(std::move(d));
  }
}

}  // namespace

void check_temporary_objects(std::vector<raw_step const*> const& steps,
                             raw_context const& context) {
  std::vector<std::pair<std::string, raw_statement const*>> created;
  auto const drop = [&](std::string const& name) {
    created.erase(std::remove_if(created.begin(), created.end(),
                                 [&](auto const& c) { return c.first == name; }),
                  created.end());
  };
  for (auto const* step : steps) {
    for (auto const& s : step->statements) {
      if (s.info.temporary) created.emplace_back(*s.info.temporary, &s);
      if (!s.root().is("DropStmt")) continue;
      for (auto const& object : s.root().list("objects")) {
        auto const names = object.names("items");
        if (!names.empty()) drop(names.back());
      }
    }
  }
  for (auto const& [name, s] : created) {
    context.out->report(
        error_at(context.file, s->where, "sql-session",
                 fmt::format("temporary object '{}' outlives its revision: it stays in the session "
                             "(behind a transaction pooler, on a connection another client gets)",
                             name),
                 "create it with ON COMMIT DROP, or drop it before the revision ends"));
  }
}

void drop_trees(raw_step& step) {
  for (auto& s : step.statements) s.tree = {};
  step.documents.clear();
}

raw_step with_trees(dsl::ast::raw_sql_step const& step, bool transactional) {
  dsl::diagnostic_engine reported_already(false, 0);
  return read_raw_step(step, {nullptr, transactional, &reported_already});
}

raw_block with_trees(dsl::ast::block const& block, bool transactional) {
  raw_block out;
  out.reserve(block.steps.size());
  for (auto const& step : block.steps) {
    auto const* raw = std::get_if<dsl::ast::raw_sql_step>(&step);
    out.push_back(raw ? std::make_shared<raw_step const>(with_trees(*raw, transactional))
                      : nullptr);
  }
  return out;
}

dsl::span raw_statement::at(std::uint32_t location, std::uint32_t length) const {
  std::uint32_t const begin = offset + location;
  return {begin, begin + std::max<std::uint32_t>(length, 1)};
}

dsl::span raw_statement::at(node const& n, std::uint32_t length) const {
  auto const location = n.location();
  return location ? at(*location, length) : where;
}

namespace {

/// The largest `location` in a node and below it.
std::optional<std::uint32_t> last_location(node const& n) {
  std::optional<std::uint32_t> last;
  n.walk([&](node const& child) {
    if (auto const at = child.location(); at && (!last || *at > *last)) last = at;
    return true;
  });
  return last;
}

bool ends_a_term(char c) {
  return c == ',' || c == ')' || c == ';' || c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

}  // namespace

namespace {

/// True when `candidate` is an expression on its own, not a slice of one whose parentheses only
/// balance inside parse_expression's `SELECT (...)`: `a >= 0) AND (b <= 1`, cut from
/// `CHECK ((a >= 0) AND (b <= 1))` (a BoolExpr's location is its AND, not its first token).
bool stands_alone(std::string_view candidate) {
  std::string query = "SELECT ";
  query += candidate;
  query += '\n';  // a trailing `-- comment` ends here
  auto const parsed = parse(query);
  return parsed.problems.empty() && parsed.statements.size() == 1;
}

}  // namespace

std::optional<std::string> raw_statement::text_of(node const& wanted_node) const {
  auto const first = wanted_node.first_location();
  auto const last = last_location(wanted_node);
  if (!first || !last) return std::nullopt;
  std::string const wanted = canonical_text(*wanted_node.value());
  std::string_view const text = sql;
  std::uint32_t const from = in_sql(*first);
  std::uint32_t const past = in_sql(*last) + 1;
  if (from >= text.size() || past > text.size()) return std::nullopt;
  // Opening parentheses directly before the first token may belong to the expression.
  std::vector<std::uint32_t> starts{from};
  for (std::uint32_t i = from; i > 0 && starts.size() < 8;) {
    --i;
    if (text[i] == '(') {
      starts.push_back(i);
    } else if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r') {
      break;
    }
  }
  constexpr int max_tries = 400;
  int tries = 0;
  for (std::uint32_t end = past; end <= text.size() && tries < max_tries; ++end) {
    if (end < text.size() && !ends_a_term(text[end])) continue;
    for (auto const start : starts) {
      ++tries;
      std::string_view const candidate = text.substr(start, end - start);
      auto parsed = parse_expression(candidate);
      auto const* e = std::get_if<expression>(&parsed);
      if (e && canonical_text(e->tree.value()) == wanted && stands_alone(candidate)) {
        std::size_t const a = candidate.find_first_not_of(" \t\r\n");
        std::size_t const b = candidate.find_last_not_of(" \t\r\n");
        return std::string(candidate.substr(a, b - a + 1));
      }
    }
  }
  return std::nullopt;
}

raw_step read_raw_step(dsl::ast::raw_sql_step const& step, raw_context const& context) {
  raw_step out;
  std::string_view const body = step.body;
  parse_outcome parsed = parse(body);
  std::vector<dsl::diagnostic> found;
  for (auto const& problem : parsed.problems)
    found.push_back(problem_diagnostic(context, body, step.body_offset, problem));
  out.statements.reserve(parsed.statements.size());
  for (auto& p : parsed.statements) {
    raw_statement s;
    s.offset = step.body_offset;
    s.where = {step.body_offset + p.begin, step.body_offset + p.end};
    s.step = step.where;
    s.sql = std::string(body.substr(p.begin, p.end - p.begin));
    s.tree = std::move(p.tree);
    if (s.root().depth(max_tree_depth) >= max_tree_depth) {
      found.push_back(error_at(context.file, s.where, "sql-too-deep",
                               "statement nests too deeply for migc to follow",
                               "simplify the statement (PostgreSQL limits nesting as well)"));
      continue;
    }
    s.info = classify(s.root());
    if (auto d = statement_diagnostic(context, s)) found.push_back(std::move(*d));
    out.statements.push_back(std::move(s));
  }
  out.ok = found.empty();
  out.documents = std::move(parsed.documents);
  report_in_order(std::move(found), *context.out);
  if (out.ok && out.statements.empty()) {
    dsl::diagnostic d = error_at(context.file, step.where, "empty-sql",
                                 "sql step holds no statement", "remove the step");
    d.level = dsl::severity::warning;
    context.out->report(std::move(d));
  }
  return out;
}

}  // namespace migc::compiler::sql
