// Column defaults compared as the server spells them (see default_spelling.hpp).
#include "default_spelling.hpp"

#include <pqxx/connection_base>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/subtransaction>
#include <string_view>

namespace migc::runtime {

namespace {

/// The text after "Output: " in EXPLAIN VERBOSE's rows (the Result node's only output column).
std::optional<std::string> output_of(pqxx::result const& plan) {
  constexpr std::string_view label = "Output: ";
  for (auto const& row : plan) {
    std::string_view const line = row[0].c_str();
    auto const at = line.find(label);
    if (at != std::string_view::npos) return std::string(line.substr(at + label.size()));
  }
  return std::nullopt;
}

}  // namespace

default_spelling::default_spelling(pqxx::connection_base& cx, std::string const& visible_schema)
    : m_tx(cx) {
  m_tx.exec("SET LOCAL search_path = pg_catalog, " + m_tx.quote_name(visible_schema));
}

bool default_spelling::same(db_object const& model_column, db_object const& live_column) {
  if (model_column.default_value == live_column.default_value) return true;
  auto const& model = spelled(model_column.default_value, model_column.type);
  auto const& live = spelled(live_column.default_value, live_column.type);
  return model && live && *model == *live;
}

std::optional<std::string> const& default_spelling::spelled(std::string const& expression,
                                                            std::string const& type) {
  auto const key = std::pair(expression, type);
  if (auto const it = m_spelled.find(key); it != m_spelled.end()) return it->second;
  std::optional<std::string> spelling;
  try {
    pqxx::subtransaction probe(m_tx, "default_spelling");
    // Line breaks around the expression: a trailing comment in it cannot swallow the cast.
    spelling = output_of(probe.exec("EXPLAIN (VERBOSE, COSTS OFF) SELECT (\n" +
                                    (expression.empty() ? std::string("NULL") : expression) +
                                    "\n)::" + type));
    probe.commit();
  } catch (pqxx::sql_error const&) {
    // Refused: no spelling (the subtransaction rolled back; the transaction goes on).
  }
  return m_spelled.emplace(key, std::move(spelling)).first->second;
}

}  // namespace migc::runtime
