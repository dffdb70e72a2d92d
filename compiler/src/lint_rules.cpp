// The opt-in lint rules and how a build names them.
#include <fmt/format.h>

#include <migc/compiler/lint_rules.hpp>
#include <stdexcept>

namespace migc::compiler {

std::vector<opt_in_rule> const& opt_in_rules() {
  static std::vector<opt_in_rule> const rules = {
      {"prefer-text", "varchar(n) or char(n) column: text (with a check on its length if needed)"},
      {"prefer-timestamptz", "timestamp without time zone column: timestamptz"},
      {"prefer-bigint", "integer or smallint key (primary key or identity column): bigint"},
      {"prefer-identity", "serial column: generated always as identity"},
      {"prefer-idempotent", "a create without 'if not exists', a drop without 'if exists'"},
  };
  return rules;
}

namespace {

constexpr std::string_view style_group = "style";

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string known_names() {
  std::string out(style_group);
  for (auto const& rule : opt_in_rules()) out += fmt::format(", {}", rule.code);
  return out;
}

}  // namespace

lint_selection parse_lint_selection(std::string_view list) {
  lint_selection out;
  while (!list.empty()) {
    std::size_t const end = list.find_first_of(",;");
    std::string_view const name = trimmed(list.substr(0, end));
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    if (name.empty()) continue;
    if (name == style_group) {
      for (auto const& rule : opt_in_rules()) out.emplace(rule.code);
      continue;
    }
    bool known = false;
    for (auto const& rule : opt_in_rules()) known = known || rule.code == name;
    if (!known)
      throw std::invalid_argument(
          fmt::format("unknown lint rule '{}'; known: {}", name, known_names()));
    out.emplace(name);
  }
  return out;
}

}  // namespace migc::compiler
