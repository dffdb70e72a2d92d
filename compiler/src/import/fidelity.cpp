// lost_by: declarative steps against the statement they translate, compared as PostgreSQL parse
// trees after a trip through the revision language.
#include "fidelity.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <migc/dsl/parser.hpp>
#include <migc/dsl/printer.hpp>

#include "../render.hpp"
#include "../sql/pg_parser.hpp"

namespace migc::compiler::import {
namespace {

using document = rapidjson::Document;
using value = rapidjson::Value;

/// The steps as migrate would send them after the trip through revision-file text; nothing
/// when the language cannot write or read them back.
std::optional<std::string> round_trip_sql(std::vector<dsl::ast::step> const& steps) {
  std::string text = "revision 001 \"import\"\nupgrade {\n";
  try {
    for (auto const& step : steps) text += "    " + dsl::step_text(step) + "\n";
  } catch (std::invalid_argument const&) {
    return std::nullopt;
  }
  text += "}\n";
  dsl::source_file const file("import", text);
  dsl::diagnostic_engine quiet(false, 0);
  auto const revision = dsl::parse_revision(file, quiet);
  if (!revision || revision->upgrade.steps.size() != steps.size()) return std::nullopt;
  std::string sql;
  for (auto const& step : revision->upgrade.steps) sql += step_sql(step) + ";\n";
  return sql;
}

bool is(value const& v, char const* type) {
  return v.IsObject() && v.MemberCount() == 1 && v.HasMember(type);
}

/// Drops `schema` from a String list naming an object ({"public", "t"} -> {"t"}).
void drop_schema(value& names, std::string_view schema) {
  if (!names.IsArray() || names.Size() < 2) return;
  value const& first = names[0];
  if (is(first, "String") && first["String"].HasMember("sval") &&
      std::string_view(first["String"]["sval"].GetString()) == schema)
    names.Erase(names.Begin());
}

/// Drops the `public` schema (the default) from a String list.
void drop_public(value& names) {
  drop_schema(names, "public");
}

bool is_string_member(value const& object, char const* name, std::string_view text) {
  auto const it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() &&
         std::string_view(it->value.GetString()) == text;
}

/// Rewrites what means the same in PostgreSQL into one spelling, everywhere below `v`.
void normalize(value& v, document::AllocatorType& allocator) {
  if (v.IsArray()) {
    for (auto& item : v.GetArray()) normalize(item, allocator);
    return;
  }
  if (!v.IsObject()) return;
  for (auto& member : v.GetObject()) normalize(member.value, allocator);
  if (is_string_member(v, "schemaname", "public")) v.RemoveMember("schemaname");
  v.RemoveMember("inh");         // ALTER TABLE ONLY: no child tables in a new schema
  v.RemoveMember("concurrent");  // a baseline's tables are new: nothing to build around
  if (is_string_member(v, "ordering", "SORTBY_ASC")) v.RemoveMember("ordering");
  for (char const* list : {"names", "opclass", "typeName", "funcname"}) {
    auto const it = v.FindMember(list);
    if (it != v.MemberEnd()) drop_public(it->value);
  }
  // A type name (a TypeName node: it always has `typemod`): `timestamp with time zone` parses
  // to pg_catalog.timestamptz, the same type `timestamptz` names.
  if (auto const names = v.FindMember("names"); names != v.MemberEnd() && v.HasMember("typemod"))
    drop_schema(names->value, "pg_catalog");
  // CREATE EXTENSION ... WITH SCHEMA public: where it goes anyway.
  if (auto const options = v.FindMember("options");
      options != v.MemberEnd() && options->value.IsArray() && v.HasMember("extname")) {
    auto& list = options->value;
    for (auto it = list.Begin(); it != list.End();) {
      bool const public_schema =
          is(*it, "DefElem") && is_string_member((*it)["DefElem"], "defname", "schema") &&
          (*it)["DefElem"].HasMember("arg") && is((*it)["DefElem"]["arg"], "String") &&
          is_string_member((*it)["DefElem"]["arg"]["String"], "sval", "public");
      it = public_schema ? list.Erase(it) : it + 1;
    }
    if (list.Empty()) v.RemoveMember("options");
  }
  // A column's constraints in any order.
  if (auto const constraints = v.FindMember("constraints");
      constraints != v.MemberEnd() && constraints->value.IsArray() && v.HasMember("colname")) {
    auto& list = constraints->value;
    std::sort(list.Begin(), list.End(), [](value const& a, value const& b) {
      return sql::canonical_text(a) < sql::canonical_text(b);
    });
  }
}

/// The statements of `text`, normalised, each ALTER TABLE split into one per subcommand.
std::vector<std::string> normalized_statements(std::vector<sql::parsed_statement> const& parsed) {
  std::vector<std::string> out;
  for (auto const& p : parsed) {
    document d;
    d.CopyFrom(p.tree.value(), d.GetAllocator());
    normalize(d, d.GetAllocator());
    if (is(d, "AlterTableStmt") && d["AlterTableStmt"].HasMember("cmds") &&
        d["AlterTableStmt"]["cmds"].Size() > 1) {
      value cmds(d["AlterTableStmt"]["cmds"], d.GetAllocator());
      for (auto& cmd : cmds.GetArray()) {
        value one(rapidjson::kArrayType);
        one.PushBack(value(cmd, d.GetAllocator()), d.GetAllocator());
        d["AlterTableStmt"]["cmds"] = one;
        out.push_back(sql::canonical_text(d));
      }
      continue;
    }
    out.push_back(sql::canonical_text(d));
  }
  return out;
}

/// The first field where two canonical JSON texts differ: the member name, or an extra list
/// element's node type or constraint type.
std::string first_difference(std::string const& a, std::string const& b) {
  document x;
  document y;
  x.Parse(a.c_str());
  y.Parse(b.c_str());
  std::string found = "the statement";
  std::function<bool(value const&, value const&, std::string const&)> walk =
      [&](value const& p, value const& q, std::string const& field) -> bool {
    if (p == q) return false;
    if (p.IsObject() && q.IsObject()) {
      for (auto const& m : p.GetObject()) {
        auto const other = q.FindMember(m.name);
        if (other == q.MemberEnd()) {
          found = m.name.GetString();
          if (found == "contype" && m.value.IsString()) found = m.value.GetString();
          return true;
        }
        if (walk(m.value, other->value, m.name.GetString())) return true;
      }
      for (auto const& m : q.GetObject()) {
        if (!p.HasMember(m.name)) {
          found = m.name.GetString();
          return true;
        }
      }
    }
    if (p.IsArray() && q.IsArray()) {
      auto const n = std::min(p.Size(), q.Size());
      for (rapidjson::SizeType i = 0; i < n; ++i) {
        if (walk(p[i], q[i], field)) return true;
      }
      value const& extra = p.Size() > n ? p[n] : q[n];
      found = field;
      if (extra.IsObject() && extra.MemberCount() == 1) {
        auto const& inner = extra.MemberBegin()->value;
        auto const contype = inner.IsObject() ? inner.FindMember("contype") : inner.MemberEnd();
        found = inner.IsObject() && contype != inner.MemberEnd() && contype->value.IsString()
                    ? contype->value.GetString()
                    : extra.MemberBegin()->name.GetString();
      }
      return true;
    }
    found = field;
    if (field == "contype" && p.IsString()) found = p.GetString();
    return true;
  };
  walk(x, y, "the statement");
  return found;
}

}  // namespace

std::string clause_name(std::string const& field) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 32> names{{
      {"collClause", "COLLATE"},
      {"deferrable", "DEFERRABLE"},
      {"initdeferred", "INITIALLY DEFERRED"},
      {"CONSTR_ATTR_DEFERRABLE", "DEFERRABLE"},
      {"CONSTR_ATTR_NOT_DEFERRABLE", "NOT DEFERRABLE"},
      {"CONSTR_ATTR_DEFERRED", "INITIALLY DEFERRED"},
      {"CONSTR_ATTR_IMMEDIATE", "INITIALLY IMMEDIATE"},
      {"CONSTR_EXCLUSION", "EXCLUDE constraints"},
      {"skip_validation", "NOT VALID"},
      {"initially_valid", "NOT VALID"},
      {"options", "options (WITH ...)"},
      {"tablespacename", "TABLESPACE"},
      {"relpersistence", "UNLOGGED"},
      {"inhRelations", "INHERITS"},
      {"partspec", "PARTITION BY"},
      {"partbound", "PARTITION OF"},
      {"is_no_inherit", "NO INHERIT"},
      {"nulls_not_distinct", "NULLS NOT DISTINCT"},
      {"fk_matchtype", "MATCH FULL"},
      {"fk_del_set_cols", "ON DELETE SET NULL (columns)"},
      {"storage", "STORAGE"},
      {"compression", "COMPRESSION"},
      {"accessMethod", "a table access method (USING)"},
      {"conname", "a name on a column constraint"},
      {"authrole", "AUTHORIZATION"},
      {"oncommit", "ON COMMIT"},
      {"if_not_exists", "IF NOT EXISTS"},
      {"missing_ok", "IF EXISTS"},
      {"ofTypename", "OF type"},
      {"idxname", "an unnamed index (PostgreSQL chooses its name)"},
      {"newValNeighbor", "BEFORE / AFTER"},
      {"skipIfNewValExists", "IF NOT EXISTS"},
  }};
  for (auto const& [key, name] : names) {
    if (key == field) return std::string(name);
  }
  return "'" + field + "' (in PostgreSQL's parse tree)";
}

std::optional<std::string> lost_by(sql::raw_statement const& statement,
                                   std::vector<dsl::ast::step> const& steps) {
  if (steps.empty()) return std::string("the statement");
  auto const sql = round_trip_sql(steps);
  if (!sql) return std::string("an unnamed object (PostgreSQL chooses its name)");
  auto const rendered = sql::parse(*sql);
  if (!rendered.problems.empty()) return std::string("the statement");
  std::vector<sql::parsed_statement> original;
  original.push_back({statement.tree, 0, 0});
  auto const want = normalized_statements(original);
  auto const got = normalized_statements(rendered.statements);
  if (want == got) return std::nullopt;
  for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    if (want[i] != got[i]) return clause_name(first_difference(want[i], got[i]));
  }
  return std::string("the statement");
}

}  // namespace migc::compiler::import
