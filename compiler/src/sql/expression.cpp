// parse_expression: one SQL expression of a declarative step through PostgreSQL's parser.
#include "expression.hpp"

#include <algorithm>
#include <cctype>

#include "../render.hpp"
#include "pg_parser.hpp"
#include "tree.hpp"

namespace migc::compiler::sql {
namespace {

/// The expression is parsed as the one target of `SELECT (<text>)`: the parentheses keep a
/// trailing `-- comment` or a `;` from passing as part of it.
constexpr std::string_view prefix = "SELECT (";
constexpr auto prefix_length = static_cast<std::uint32_t>(prefix.size());

expression_error error(std::string message, std::uint32_t where) {
  return {std::move(message), where};
}

std::uint32_t in_text(std::uint32_t location, std::string_view text) {
  return location < prefix_length
             ? 0
             : std::min<std::uint32_t>(location - prefix_length,
                                       static_cast<std::uint32_t>(text.size()));
}

/// The one target of a plain `SELECT (...)`, or nothing when the statement is anything more.
node single_target(node const& select) {
  if (!select.is("SelectStmt")) return {};
  for (auto const& field : select.fields()) {
    if (field != "targetList" && field != "limitOption" && field != "op") return {};
  }
  auto const targets = select.list("targetList");
  if (targets.size() != 1 || !targets[0].text("name").empty()) return {};
  return targets[0]["val"];
}

/// The column a ColumnRef names: its last field ("*" for `t.*`, "" for none).
std::string column_name_of(node const& column_ref) {
  auto const fields = column_ref.list("fields");
  if (fields.empty()) return {};
  return fields.back().is("A_Star") ? "*" : fields.back().string_value();
}

}  // namespace

std::variant<expression, expression_error> parse_expression(std::string_view text) {
  std::string query(prefix);
  query += text;
  query += ')';
  parse_outcome parsed = parse(query);
  if (!parsed.problems.empty()) {
    auto const& p = parsed.problems.front();
    return error(p.message, in_text(p.where, text));
  }
  if (parsed.statements.size() != 1) return error("not a single expression", 0);
  node const value = single_target(node(parsed.statements.front().tree));
  if (!value) return error("not a single expression", 0);
  expression out;
  std::optional<std::uint32_t> subquery;
  value.walk([&](node const& n) {
    if (n.is("ColumnRef")) {
      std::string const name = column_name_of(n);
      if (!name.empty() && name != "*" &&
          std::find(out.columns.begin(), out.columns.end(), name) == out.columns.end())
        out.columns.push_back(name);
    } else if (n.is("FuncCall")) {
      auto const names = n.names("funcname");
      if (!names.empty()) out.functions.insert(names.back());
    } else if (n.is("SubLink") && !subquery) {
      subquery = n.location().value_or(prefix_length);
    }
    return true;
  });
  if (subquery) return error("a sub-query is not allowed here", in_text(*subquery, text));
  out.tree = parsed.statements.front().tree.at(*value.value());
  return out;
}

namespace {

std::optional<std::string> figure(node const& n, int depth) {
  if (depth > 64) return std::nullopt;
  if (n.is("ColumnRef")) {
    auto const fields = n.list("fields");
    if (!fields.empty() && fields.back().is("String")) return fields.back().string_value();
    return std::nullopt;
  }
  if (n.is("FuncCall")) {
    auto const names = n.names("funcname");
    return names.empty() ? std::nullopt : std::optional<std::string>(names.back());
  }
  if (n.is("TypeCast")) {
    if (auto inner = figure(n["arg"], depth + 1)) return inner;
    auto const names = n["typeName"].names("names");
    return names.empty() ? std::nullopt : std::optional<std::string>(names.back());
  }
  if (n.is("A_Indirection")) {
    auto const indirection = n.list("indirection");
    if (!indirection.empty() && indirection.back().is("String"))
      return indirection.back().string_value();
    return figure(n["arg"], depth + 1);
  }
  if (n.is("CaseExpr")) return std::string("case");
  if (n.is("A_ArrayExpr")) return std::string("array");
  if (n.is("RowExpr")) return std::string("row");
  if (n.is("CoalesceExpr")) return std::string("coalesce");
  if (n.is("NullIfExpr")) return std::string("nullif");
  if (n.is("MinMaxExpr"))
    return std::string(n.enumeration("op") == "IS_GREATEST" ? "greatest" : "least");
  return std::nullopt;
}

}  // namespace

std::optional<std::string> figure_column_name(expression const& e) {
  return figure(node(e.tree), 0);
}

std::optional<std::string> figure_name(node const& expression) {
  return figure(expression, 0);
}

std::string default_text(std::string text) {
  auto const alone = parse_expression(text);
  auto const* e = std::get_if<expression>(&alone);
  if (!e) return text;  // reported where it is read
  parse_outcome const parsed = parse("CREATE TABLE t (c int DEFAULT " + text + "\n)");
  bool bare = false;
  if (parsed.problems.empty() && parsed.statements.size() == 1) {
    auto const columns = node(parsed.statements.front().tree).list("tableElts");
    auto const constraints =
        columns.size() == 1 ? columns.front().list("constraints") : std::vector<node>{};
    node const read = constraints.size() == 1 ? constraints.front()["raw_expr"] : node();
    bare = read && !columns.front()["collClause"] &&
           canonical_text(*read.value()) == canonical_text(e->tree.value());
  }
  return bare ? text : "(" + text + ")";
}

std::vector<std::string> columns_in_statements(std::string_view sql) {
  parse_outcome const parsed = parse(sql);
  std::vector<std::string> out;
  if (!parsed.problems.empty()) return out;
  auto const add = [&](std::string name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(std::move(name));
  };
  for (auto const& statement : parsed.statements) {
    node(statement.tree).walk([&](node const& n) {
      if (n.is("ColumnRef")) add(column_name_of(n));
      return true;
    });
  }
  return out;
}

std::vector<std::string> columns_typed_in(std::string_view text) {
  auto const parsed = parse_expression(text);
  auto const* e = std::get_if<expression>(&parsed);
  std::vector<std::string> out;
  if (!e) return out;
  node(e->tree).walk([&](node const& n) {
    if (n.is("NullTest") && n["arg"].is("ColumnRef")) return false;
    if (n.is("ColumnRef") && column_name_of(n) != "*") out.push_back(column_name_of(n));
    return true;
  });
  return out;
}

bool calls_volatile(std::string_view text) {
  static constexpr std::string_view known[] = {
      "clock_timestamp",  "gen_random_uuid",    "nextval",         "random", "timeofday",
      "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4"};
  auto const parsed = parse_expression(text);
  auto const* e = std::get_if<expression>(&parsed);
  if (!e) return false;
  return std::any_of(std::begin(known), std::end(known),
                     [&](std::string_view f) { return e->functions.count(std::string(f)) > 0; });
}

std::vector<std::string> columns_of(std::string_view text) {
  auto parsed = parse_expression(text);
  auto* e = std::get_if<expression>(&parsed);
  return e ? std::move(e->columns) : std::vector<std::string>();
}

namespace {

/// The length of the identifier token starting at `at` in `text` ("quoted" or bare).
std::size_t identifier_length(std::string_view text, std::size_t at) {
  std::size_t i = at;
  if (i < text.size() && text[i] == '"') {
    for (++i; i < text.size(); ++i) {
      if (text[i] != '"') continue;
      if (i + 1 < text.size() && text[i + 1] == '"') {
        ++i;
      } else {
        return i + 1 - at;
      }
    }
    return text.size() - at;
  }
  while (i < text.size()) {
    auto const c = static_cast<unsigned char>(text[i]);
    if (!(std::isalnum(c) || c == '_' || c == '$' || c >= 0x80)) break;
    ++i;
  }
  return i - at;
}

}  // namespace

std::string rename_column_in(std::string const& text, std::string const& from,
                             std::string const& to) {
  std::string query(prefix);
  query += text;
  query += ')';
  parse_outcome parsed = parse(query);
  if (!parsed.problems.empty() || parsed.statements.size() != 1) return text;
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // (offset in text, length)
  node(parsed.statements.front().tree).walk([&](node const& n) {
    if (!n.is("ColumnRef")) return true;
    auto const fields = n.list("fields");
    auto const location = n.location();
    if (fields.empty() || fields.size() > 2 || fields.back().string_value() != from || !location ||
        *location < prefix_length)
      return true;
    std::size_t at = *location - prefix_length;
    if (fields.size() == 2) {  // table.column: skip the table and the dot
      at += identifier_length(text, at);
      while (at < text.size() &&
             (std::isspace(static_cast<unsigned char>(text[at])) || text[at] == '.'))
        ++at;
    }
    spans.emplace_back(at, identifier_length(text, at));
    return true;
  });
  std::sort(spans.begin(), spans.end());
  std::string out = text;
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    // Written as the old name was: a quoted name stays quoted.
    bool const quoted = it->first < out.size() && out[it->first] == '"';
    std::string written = quote_identifier(to);
    if (quoted && written.front() != '"') written = '"' + written + '"';
    out.replace(it->first, it->second, written);
  }
  return out;
}

}  // namespace migc::compiler::sql
