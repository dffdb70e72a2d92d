// sql::node: reads libpg_query's JSON parse trees (in RapidJSON documents).
#include "tree.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace migc::compiler::sql {
namespace {

std::string_view name_of(json const& key) {
  return {key.GetString(), key.GetStringLength()};
}

/// libpg_query wraps a `Node *` in an object with one member named after its type, and node
/// type names start with an upper-case letter (struct members never do).
bool is_wrapped(json const& value) {
  if (!value.IsObject() || value.MemberCount() != 1) return false;
  auto const first = value.MemberBegin();
  std::string_view const key = name_of(first->name);
  return !key.empty() && std::isupper(static_cast<unsigned char>(key.front())) &&
         first->value.IsObject();
}

json const* member(json const* body, std::string_view field) {
  if (!body) return nullptr;
  for (auto it = body->MemberBegin(); it != body->MemberEnd(); ++it) {
    if (name_of(it->name) == field) return &it->value;
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<rapidjson::Document const> read_json(char const* text) {
  auto document = std::make_shared<rapidjson::Document>();
  document->Parse(text);
  if (document->HasParseError()) return nullptr;
  return document;
}

node::node(json const& value) : m_value(&value) {
  if (is_wrapped(value)) {
    auto const it = value.MemberBegin();
    m_type = name_of(it->name);
    m_body = &it->value;
  } else if (value.IsObject()) {
    m_body = &value;
  } else {
    m_value = nullptr;
  }
}

bool node::has(std::string_view field) const {
  return member(m_body, field) != nullptr;
}

node node::operator[](std::string_view field) const {
  auto const* value = member(m_body, field);
  return value ? node(*value) : node();
}

std::vector<node> node::list(std::string_view field) const {
  std::vector<node> out;
  auto const* value = member(m_body, field);
  if (!value || !value->IsArray()) return out;
  out.reserve(value->Size());
  for (auto const& item : value->GetArray()) out.emplace_back(item);
  return out;
}

std::string node::text(std::string_view field) const {
  auto const* value = member(m_body, field);
  return value && value->IsString() ? std::string(value->GetString(), value->GetStringLength())
                                    : std::string();
}

std::int64_t node::integer(std::string_view field) const {
  auto const* value = member(m_body, field);
  return value && value->IsInt64() ? value->GetInt64() : 0;
}

bool node::flag(std::string_view field) const {
  auto const* value = member(m_body, field);
  return value && value->IsBool() && value->GetBool();
}

std::optional<std::uint32_t> node::location() const {
  auto const* value = member(m_body, "location");
  if (!value || !value->IsInt64() || value->GetInt64() < 0) return std::nullopt;
  return static_cast<std::uint32_t>(value->GetInt64());
}

std::vector<std::string> node::fields() const {
  std::vector<std::string> out;
  if (!m_body) return out;
  for (auto it = m_body->MemberBegin(); it != m_body->MemberEnd(); ++it)
    out.emplace_back(name_of(it->name));
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
  std::vector<json const*> pending{m_value};
  while (!pending.empty()) {
    json const* value = pending.back();
    pending.pop_back();
    if (value->IsArray()) {
      for (auto it = value->End(); it != value->Begin();) pending.push_back(&*--it);
      continue;
    }
    if (!value->IsObject()) continue;
    node const n(*value);
    if (!visit(n)) continue;
    std::size_t const mark = pending.size();
    for (auto it = n.m_body->MemberBegin(); it != n.m_body->MemberEnd(); ++it) {
      if (it->value.IsObject() || it->value.IsArray()) pending.push_back(&it->value);
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
  std::vector<std::pair<json const*, std::size_t>> pending{{m_value, 1}};
  while (!pending.empty() && deepest < limit) {
    auto const [value, level] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, level);
    if (value->IsObject()) {
      for (auto it = value->MemberBegin(); it != value->MemberEnd(); ++it) {
        if (it->value.IsObject() || it->value.IsArray())
          pending.emplace_back(&it->value, level + 1);
      }
    } else if (value->IsArray()) {
      for (auto const& child : value->GetArray()) {
        if (child.IsObject() || child.IsArray()) pending.emplace_back(&child, level + 1);
      }
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

namespace {

bool is_location(std::string_view key, bool top) {
  return key == "location" || key == "stmt_location" || key == "stmt_len" ||
         (top && key == "version");
}

/// A RapidJSON output stream that hands its bytes to a text_sink in pieces.
class sink_stream {
 public:
  using Ch = char;
  explicit sink_stream(text_sink const& sink) : m_sink(sink) { m_buffer.reserve(capacity); }
  sink_stream(sink_stream const&) = delete;
  sink_stream& operator=(sink_stream const&) = delete;
  ~sink_stream() { Flush(); }

  void Put(char c) {
    m_buffer.push_back(c);
    if (m_buffer.size() == capacity) Flush();
  }
  void Flush() {
    if (m_buffer.empty()) return;
    m_written += m_buffer.size();
    m_sink(m_buffer);
    m_buffer.clear();
  }
  [[nodiscard]] std::size_t written() const { return m_written + m_buffer.size(); }

 private:
  static constexpr std::size_t capacity = 64 * 1024;
  text_sink const& m_sink;
  std::string m_buffer;
  std::size_t m_written = 0;
};

/// Writes `value` as compact JSON without location members. Recursive: parse trees are
/// depth-limited before they get here (sql::raw_sql's max_tree_depth).
template <typename Writer>
void write_canonical(json const& value, Writer& out, bool top) {
  if (value.IsObject()) {
    out.StartObject();
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      if (is_location(name_of(it->name), top)) continue;
      out.Key(it->name.GetString(), it->name.GetStringLength());
      write_canonical(it->value, out, false);
    }
    out.EndObject();
  } else if (value.IsArray()) {
    out.StartArray();
    for (auto const& item : value.GetArray()) write_canonical(item, out, false);
    out.EndArray();
  } else {
    value.Accept(out);
  }
}

}  // namespace

std::string canonical_text(json const& tree) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  write_canonical(tree, writer, true);
  return {buffer.GetString(), buffer.GetSize()};
}

std::size_t write_canonical(json const& tree, text_sink const& sink) {
  sink_stream stream(sink);
  rapidjson::Writer<sink_stream> writer(stream);
  write_canonical(tree, writer, true);
  stream.Flush();
  return stream.written();
}

}  // namespace migc::compiler::sql
