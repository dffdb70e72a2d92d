// The table of PostgreSQL 15 built-in type names and their aliases.
#include "types.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace migc::compiler {
namespace {

using alias = std::pair<std::string_view, std::string_view>;

// Alias -> canonical name. The canonical name is the short spelling a
// PostgreSQL user writes (`timestamptz`, `varchar`), used in generated SQL,
// in the model and in checksums (so changing one changes checksums).
constexpr std::array<alias, 62> aliases{{
    {"integer", "integer"},
    {"int", "integer"},
    {"int4", "integer"},
    {"bigint", "bigint"},
    {"int8", "bigint"},
    {"smallint", "smallint"},
    {"int2", "smallint"},
    {"serial", "serial"},
    {"serial4", "serial"},
    {"bigserial", "bigserial"},
    {"serial8", "bigserial"},
    {"smallserial", "smallserial"},
    {"serial2", "smallserial"},
    {"real", "real"},
    {"float4", "real"},
    {"double precision", "double precision"},
    {"float8", "double precision"},
    {"float", "double precision"},
    {"numeric", "numeric"},
    {"decimal", "numeric"},
    {"boolean", "boolean"},
    {"bool", "boolean"},
    {"text", "text"},
    {"varchar", "varchar"},
    {"character varying", "varchar"},
    {"char varying", "varchar"},
    {"char", "char"},
    {"character", "char"},
    {"bpchar", "char"},
    {"timestamptz", "timestamptz"},
    {"timestamp with time zone", "timestamptz"},
    {"timestamp", "timestamp"},
    {"timestamp without time zone", "timestamp"},
    {"timetz", "timetz"},
    {"time with time zone", "timetz"},
    {"time", "time"},
    {"time without time zone", "time"},
    {"date", "date"},
    {"interval", "interval"},
    {"json", "json"},
    {"jsonb", "jsonb"},
    {"uuid", "uuid"},
    {"bytea", "bytea"},
    {"inet", "inet"},
    {"cidr", "cidr"},
    {"macaddr", "macaddr"},
    {"macaddr8", "macaddr8"},
    {"money", "money"},
    {"xml", "xml"},
    {"tsvector", "tsvector"},
    {"tsquery", "tsquery"},
    {"oid", "oid"},
    {"bit", "bit"},
    {"varbit", "varbit"},
    {"bit varying", "varbit"},
    {"int4range", "int4range"},
    {"int8range", "int8range"},
    {"numrange", "numrange"},
    {"tsrange", "tsrange"},
    {"tstzrange", "tstzrange"},
    {"daterange", "daterange"},
    {"point", "point"},
}};

struct extension_entry {
  std::string_view extension;
  std::string_view type;
};
constexpr std::array<extension_entry, 6> extension_entries{{{"citext", "citext"},
                                                            {"hstore", "hstore"},
                                                            {"ltree", "ltree"},
                                                            {"vector", "vector"},
                                                            {"postgis", "geometry"},
                                                            {"postgis", "geography"}}};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string_view> builtin_type(std::string_view name) {
  for (auto const& [from, to] : aliases) {
    if (from == name) return to;
  }
  return std::nullopt;
}

dsl::ast::type_name normalized(dsl::ast::type_name type) {
  if (type.schema.empty()) {
    if (auto const canonical = builtin_type(type.name)) type.name = std::string(*canonical);
  }
  return type;
}

std::vector<std::string_view> extension_types(std::string_view extension) {
  std::vector<std::string_view> types;
  for (auto const& e : extension_entries) {
    if (e.extension == extension) types.push_back(e.type);
  }
  return types;
}

std::optional<std::string_view> extension_of(std::string_view type) {
  for (auto const& e : extension_entries) {
    if (e.type == type) return e.extension;
  }
  return std::nullopt;
}

std::vector<std::string_view> builtin_type_names() {
  std::vector<std::string_view> names;
  for (auto const& [from, to] : aliases) names.push_back(from);
  return names;
}

std::optional<std::string> closest_name(std::string_view name,
                                        std::vector<std::string> const& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (auto const& candidate : candidates) {
    std::size_t const d = edit_distance(name, candidate);
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A typo changes a few characters; anything further is a different word.
  std::size_t const limit = std::max<std::size_t>(1, name.size() / 3);
  return (best && best_distance <= limit) ? best : std::nullopt;
}

std::string_view storage_type(std::string_view base) {
  if (base == "serial") return "integer";
  if (base == "bigserial") return "bigint";
  if (base == "smallserial") return "smallint";
  return base;
}

bool is_serial(std::string_view base) {
  return storage_type(base) != base;
}

}  // namespace migc::compiler
