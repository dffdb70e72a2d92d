// schema_ddl: the schema model printed as the DDL that rebuilds it.
#include "schema_ddl.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "render.hpp"
#include "replay.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

using model::object_key;

std::string name_sql(object_key const& key) {
  return (key.first == "public" ? std::string() : quote_identifier(key.first) + ".") +
         quote_identifier(key.second);
}

void statement(std::string& out, std::string const& sql) {
  out += sql + ";\n\n";
}

/// The statement that made an object, then its rename since (`created` -> `now`), if any.
void made_then_renamed(std::string& out, std::string const& sql, std::string_view what,
                       object_key const& created, object_key const& now,
                       std::string const& arguments = {}) {
  // As written: re-indenting would change function bodies (pg_proc.prosrc).
  statement(out, sql);
  if (created != now) {
    statement(out, fmt::format("ALTER {} {}{} RENAME TO {}", what, name_sql(created), arguments,
                               quote_identifier(now.second)));
  }
}

}  // namespace

std::string trigger_sql(object_key const& table, model::trigger const& t) {
  std::string timing = t.timing;
  std::string const rows = timing.substr(timing.rfind(" for each "));
  timing.erase(timing.size() - rows.size());
  std::transform(timing.begin(), timing.end(), timing.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  if (!t.update_columns.empty()) {
    std::vector<std::string> quoted;
    for (auto const& c : t.update_columns) quoted.push_back(quote_identifier(c));
    auto const update = timing.find("UPDATE");
    timing.insert(update + 6, " OF " + fmt::format("{}", fmt::join(quoted, ", ")));
  }
  std::vector<std::string> arguments;
  for (auto const& a : t.arguments) arguments.push_back(quote_literal(a));
  return fmt::format("CREATE TRIGGER {} {} ON {} FOR EACH {}{} EXECUTE FUNCTION {}({})",
                     quote_identifier(t.name), timing, name_sql(table),
                     rows == " for each row" ? "ROW" : "STATEMENT",
                     t.when_sql.empty() ? std::string() : " WHEN (" + t.when_sql + ")",
                     name_sql(t.function), fmt::join(arguments, ", "));
}

namespace {

void comment(std::string& out, std::string_view what, std::string const& target,
             model::comment const& remark) {
  if (remark)
    statement(out, fmt::format("COMMENT ON {} {} IS {}", what, target, quote_literal(*remark)));
}

/**
 * A serial column spelled out as pg_dump does: its storage type, NOT NULL, and a default that
 * names its sequence (printed on its own, so that the sequence is visible under the name it has
 * now, renames included).
 */
void spell_out_serials(model::schema const& m, dsl::ast::create_table_step& table) {
  object_key const key{table.table.schema.empty() ? "public" : table.table.schema,
                       table.table.name};
  for (auto& element : table.elements) {
    auto* column = std::get_if<dsl::ast::column_def>(&element);
    if (!column || !column->type.schema.empty() || !is_serial(normalized(column->type).name))
      continue;
    auto const* seq = m.sequence_owned_by(key, column->name.name);
    if (!seq) continue;
    column->type.name = std::string(storage_type(normalized(column->type).name));
    dsl::ast::default_value next;
    next.expression.text =
        fmt::format("nextval({}::regclass)", quote_literal(model::qualified(seq->key)));
    column->constraints.insert(column->constraints.begin(), next);
    bool const stated =
        std::any_of(column->constraints.begin(), column->constraints.end(),
                    [](auto const& c) { return std::holds_alternative<dsl::ast::nullability>(c); });
    if (!stated)
      column->constraints.insert(column->constraints.begin(), dsl::ast::nullability{{}, true});
  }
}

void table_comments(std::string& out, model::table const& t) {
  std::string const table = name_sql(t.key);
  comment(out, "TABLE", table, t.remark);
  for (auto const& c : t.columns)
    comment(out, "COLUMN", table + "." + quote_identifier(c.name), c.remark);
  for (auto const& c : t.constraints)
    comment(out, "CONSTRAINT", quote_identifier(c.name) + " ON " + table, c.remark);
  for (auto const& tr : t.triggers)
    comment(out, "TRIGGER", quote_identifier(tr.name) + " ON " + table, tr.remark);
}

}  // namespace

std::string schema_ddl(model::schema const& m) {
  std::string out;
  auto const steps = rebuild_steps(m);
  // Schemas and extensions lead the rebuild steps; types and functions may need them.
  std::size_t first_table = 0;
  while (first_table < steps.size() &&
         (std::holds_alternative<dsl::ast::create_schema_step>(steps[first_table]) ||
          std::holds_alternative<dsl::ast::create_extension_step>(steps[first_table]) ||
          std::holds_alternative<dsl::ast::create_enum_step>(steps[first_table])))
    statement(out, step_sql(steps[first_table++]));
  for (auto const& [key, t] : m.types) made_then_renamed(out, t.sql, "TYPE", t.created_as, key);
  for (auto const& [key, f] : m.functions) {
    made_then_renamed(out, f.sql, f.procedure ? "PROCEDURE" : "FUNCTION", f.created_as,
                      {key.first, f.name}, "(" + f.arguments + ")");
  }
  for (auto const& [key, s] : m.sequences)
    statement(out, fmt::format("CREATE SEQUENCE {} AS {}", name_sql(key), s.type));
  for (std::size_t i = first_table; i < steps.size(); ++i) {
    auto step = steps[i];
    if (auto* table = std::get_if<dsl::ast::create_table_step>(&step)) spell_out_serials(m, *table);
    statement(out, step_sql(step));
  }
  for (auto const& [key, s] : m.sequences) {
    if (s.owned_by)
      statement(out,
                fmt::format("ALTER SEQUENCE {} OWNED BY {}.{}", name_sql(key),
                            name_sql(s.owned_by->first), quote_identifier(s.owned_by->second)));
  }
  for (auto const& [key, v] : m.views) {
    made_then_renamed(out, v.sql, v.materialized ? "MATERIALIZED VIEW" : "VIEW", v.created_as, key);
  }
  for (auto const& [key, t] : m.tables) {
    for (auto const& tr : t.triggers) statement(out, trigger_sql(key, tr));
  }
  for (auto const& [name, s] : m.schemas) comment(out, "SCHEMA", quote_identifier(name), s.remark);
  for (auto const& [name, e] : m.extensions)
    comment(out, "EXTENSION", quote_identifier(name), e.remark);
  for (auto const& [key, t] : m.tables) table_comments(out, t);
  for (auto const& [key, i] : m.indexes) comment(out, "INDEX", name_sql(key), i.remark);
  for (auto const& [key, e] : m.enums) comment(out, "TYPE", name_sql(key), e.remark);
  for (auto const& [key, t] : m.types) comment(out, "TYPE", name_sql(key), t.remark);
  for (auto const& [key, s] : m.sequences) comment(out, "SEQUENCE", name_sql(key), s.remark);
  for (auto const& [key, v] : m.views)
    comment(out, v.materialized ? "MATERIALIZED VIEW" : "VIEW", name_sql(key), v.remark);
  for (auto const& [key, f] : m.functions) {
    comment(out, f.procedure ? "PROCEDURE" : "FUNCTION",
            name_sql({key.first, f.name}) + "(" + f.arguments + ")", f.remark);
  }
  for (auto const& [key, u] : m.unknown) {
    out += fmt::format("-- not modelled: {} (named by {})\n",
                       key.second.empty() ? "schema " + key.first : model::qualified(key),
                       u.statement);
  }
  return out;
}

}  // namespace migc::compiler
