// sql::node: reads libpg_query's JSON parse trees.
#include "tree.hpp"

#include <algorithm>
#include <cctype>

namespace migc::compiler::sql {
namespace {

/// libpg_query wraps a `Node *` in an object with one member named after its type, and node
/// type names start with an upper-case letter (struct members never do).
bool is_wrapped(nlohmann::json const& value) {
  if (!value.is_object() || value.size() != 1) return false;
  auto const first = value.begin();
  std::string const& key = first.key();
  return !key.empty() && std::isupper(static_cast<unsigned char>(key.front())) &&
         first.value().is_object();
}

nlohmann::json const* member(nlohmann::json const* body, std::string_view field) {
  if (!body) return nullptr;
  auto const it = body->find(field);
  return it == body->end() ? nullptr : &*it;
}

}  // namespace

node::node(nlohmann::json const& value) : m_value(&value) {
  if (is_wrapped(value)) {
    auto const it = value.begin();
    m_type = it.key();
    m_body = &it.value();
  } else if (value.is_object()) {
    m_body = &value;
  } else {
    m_value = nullptr;
  }
}

bool node::has(std::string_view field) const { return member(m_body, field) != nullptr; }

node node::operator[](std::string_view field) const {
  auto const* value = member(m_body, field);
  return value ? node(*value) : node();
}

std::vector<node> node::list(std::string_view field) const {
  std::vector<node> out;
  auto const* value = member(m_body, field);
  if (!value || !value->is_array()) return out;
  out.reserve(value->size());
  for (auto const& item : *value) out.emplace_back(item);
  return out;
}

std::string node::text(std::string_view field) const {
  auto const* value = member(m_body, field);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

std::int64_t node::integer(std::string_view field) const {
  auto const* value = member(m_body, field);
  return value && value->is_number_integer() ? value->get<std::int64_t>() : 0;
}

bool node::flag(std::string_view field) const {
  auto const* value = member(m_body, field);
  return value && value->is_boolean() && value->get<bool>();
}

std::optional<std::uint32_t> node::location() const {
  auto const* value = member(m_body, "location");
  if (!value || !value->is_number_integer() || value->get<std::int64_t>() < 0) return std::nullopt;
  return value->get<std::uint32_t>();
}

std::vector<std::string> node::fields() const {
  std::vector<std::string> out;
  if (!m_body) return out;
  for (auto const& item : m_body->items()) out.push_back(item.key());
  return out;
}

std::string node::string_value() const {
  return is("String") ? text("sval") : std::string();
}

std::vector<std::string> node::names(std::string_view field) const {
  std::vector<std::string> out;
  for (auto const& n : list(field)) out.push_back(n.string_value());
  return out;
}

void node::walk(std::function<bool(node const&)> const& visit) const {
  if (!m_body) return;
  // Values still to look at; objects become nodes, arrays are opened.
  std::vector<nlohmann::json const*> pending{m_value};
  while (!pending.empty()) {
    nlohmann::json const* value = pending.back();
    pending.pop_back();
    if (value->is_array()) {
      for (auto it = value->rbegin(); it != value->rend(); ++it) pending.push_back(&*it);
      continue;
    }
    if (!value->is_object()) continue;
    node const n(*value);
    if (!visit(n)) continue;
    std::size_t const mark = pending.size();
    for (auto const& [key, child] : n.m_body->items()) {
      if (child.is_object() || child.is_array()) pending.push_back(&child);
    }
    std::reverse(pending.begin() + static_cast<std::ptrdiff_t>(mark), pending.end());
  }
}

std::optional<std::uint32_t> node::first_location() const {
  std::optional<std::uint32_t> first;
  walk([&](node const& n) {
    if (auto const at = n.location(); at && (!first || *at < *first)) first = at;
    return true;
  });
  return first;
}

std::size_t node::depth(std::size_t limit) const {
  if (!m_value) return 0;
  std::size_t deepest = 0;
  std::vector<std::pair<nlohmann::json const*, std::size_t>> pending{{m_value, 1}};
  while (!pending.empty() && deepest < limit) {
    auto const [value, level] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, level);
    if (!value->is_structured()) continue;
    for (auto const& child : *value) {
      if (child.is_structured()) pending.emplace_back(&child, level + 1);
    }
  }
  return std::min(deepest, limit);
}

std::vector<node> relations_in(node const& root) {
  std::vector<node> out;
  root.walk([&](node const& n) {
    if (n.is("RangeVar")) out.push_back(n);
    for (char const* field : {"relation", "sequence", "view", "rel"}) {
      node const bare = n[field];
      if (bare && bare.type().empty() && !bare.text("relname").empty()) out.push_back(bare);
    }
    return true;
  });
  return out;
}

std::string canonical_text(nlohmann::json const& tree) {
  nlohmann::json copy = tree;
  std::vector<nlohmann::json*> pending{&copy};
  while (!pending.empty()) {
    nlohmann::json* value = pending.back();
    pending.pop_back();
    if (value->is_object()) {
      value->erase("location");
      value->erase("stmt_location");
      value->erase("stmt_len");
    }
    if (!value->is_structured()) continue;
    for (auto& child : *value) {
      if (child.is_structured()) pending.push_back(&child);
    }
  }
  return copy.dump();
}

}  // namespace migc::compiler::sql
