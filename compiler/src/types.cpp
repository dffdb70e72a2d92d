// The table of PostgreSQL 15 built-in type names and their aliases.
#include "types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "render.hpp"

namespace migc::compiler {
namespace {

using alias = std::pair<std::string_view, std::string_view>;

// Alias -> canonical name. The canonical name is the short spelling a
// PostgreSQL user writes (`timestamptz`, `varchar`), used in generated SQL,
// in the model and in checksums (so changing one changes checksums).
constexpr std::array<alias, 93> aliases{{
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
    {"name", "name"},
    {"regclass", "regclass"},
    {"regproc", "regproc"},
    {"regprocedure", "regprocedure"},
    {"regoper", "regoper"},
    {"regtype", "regtype"},
    {"regconfig", "regconfig"},
    {"regdictionary", "regdictionary"},
    {"regnamespace", "regnamespace"},
    {"regrole", "regrole"},
    {"xid", "xid"},
    {"xid8", "xid8"},
    {"cid", "cid"},
    {"tid", "tid"},
    {"pg_lsn", "pg_lsn"},
    {"pg_snapshot", "pg_snapshot"},
    {"txid_snapshot", "txid_snapshot"},
    {"box", "box"},
    {"circle", "circle"},
    {"line", "line"},
    {"lseg", "lseg"},
    {"path", "path"},
    {"polygon", "polygon"},
    {"int4multirange", "int4multirange"},
    {"int8multirange", "int8multirange"},
    {"nummultirange", "nummultirange"},
    {"tsmultirange", "tsmultirange"},
    {"tstzmultirange", "tstzmultirange"},
    {"datemultirange", "datemultirange"},
    {"jsonpath", "jsonpath"},
    {"refcursor", "refcursor"},
}};

struct extension_entry {
  std::string_view extension;
  std::string_view type;
};
constexpr std::array<extension_entry, 11> extension_entries{{{"citext", "citext"},
                                                             {"hstore", "hstore"},
                                                             {"ltree", "ltree"},
                                                             {"ltree", "lquery"},
                                                             {"ltree", "ltxtquery"},
                                                             {"cube", "cube"},
                                                             {"seg", "seg"},
                                                             {"isn", "isbn"},
                                                             {"vector", "vector"},
                                                             {"postgis", "geometry"},
                                                             {"postgis", "geography"}}};

std::string modifiers_of(dsl::ast::type_name const& t) {
  if (t.modifiers.empty()) return {};
  std::string out = "(";
  for (std::size_t i = 0; i < t.modifiers.size(); ++i)
    out += (i ? "," : "") + std::to_string(t.modifiers[i]);
  return out + ")";
}

/// format_type()'s spelling of a canonical built-in type (search_path = pg_catalog, public).
std::string builtin_spelling(dsl::ast::type_name const& t) {
  std::string const base(storage_type(t.name));
  std::string const mods = modifiers_of(t);
  auto with_zone = [&](std::string_view name, std::string_view zone) {
    return fmt::format("{}{} {}", name, mods, zone);
  };
  if (base == "varchar") return "character varying" + mods;
  if (base == "char") return "character" + (mods.empty() ? std::string("(1)") : mods);
  if (base == "bit") return "bit" + (mods.empty() ? std::string("(1)") : mods);
  if (base == "varbit") return "bit varying" + mods;
  if (base == "timestamptz") return with_zone("timestamp", "with time zone");
  if (base == "timestamp") return with_zone("timestamp", "without time zone");
  if (base == "timetz") return with_zone("time", "with time zone");
  if (base == "time") return with_zone("time", "without time zone");
  if (base == "numeric" && t.modifiers.size() == 1)
    return fmt::format("numeric({},0)", t.modifiers[0]);
  return base + mods;
}

std::string type_spelling(dsl::ast::type_name const& type, bool with_modifiers) {
  dsl::ast::type_name t = normalized(type);
  if (!with_modifiers) t.modifiers.clear();
  std::string out;
  if (t.schema.empty() && builtin_type(t.name)) {
    out = builtin_spelling(t);
  } else {
    bool const visible = t.schema.empty() || t.schema == "public";
    out = (visible ? std::string() : quote_identifier(t.schema) + ".") + quote_identifier(t.name) +
          modifiers_of(t);
  }
  if (t.array_dims > 0) out += "[]";  // format_type shows any number of dimensions as one []
  return out;
}

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

std::string format_type(dsl::ast::type_name const& type, bool with_modifiers) {
  return type_spelling(type, with_modifiers);
}

bool is_serial(std::string_view base) {
  return storage_type(base) != base;
}

}  // namespace migc::compiler
