// The backfill step: checks against the schema model, and the statement of one batch.
#include "backfill.hpp"

#include <fmt/format.h>

#include "render.hpp"
#include "replay_base.hpp"
#include "sql/expression.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;
using replay_support::shown;

class backfill_checker : replay_support::replay_base {
 public:
  using replay_base::replay_base;

  bool check(ast::backfill_step const& s) {
    bool missing_ok = false;
    model::table const* table = require_table(s.table, missing_ok);
    if (!table) return missing_ok;
    bool ok = require_column(*table, s.column) != nullptr;
    if (s.batch && *s.batch == 0) {
      ok = error("backfill-batch", s, "a backfill batch must hold at least one row",
                 fmt::format("write 'batch {}', or leave 'batch' out", default_backfill_batch));
    }
    if (!table->primary_key()) {
      ok = error("backfill-without-primary-key", s.table,
                 fmt::format("table '{}' has no primary key: a backfill walks it batch by batch",
                             shown(table->key)),
                 "add a primary key first, or update the rows with raw sql",
                 defined_here(table->defined,
                              fmt::format("table '{}' is created here", shown(table->key))));
    }
    ok = known_columns(*table, s.value) && ok;
    if (s.where_clause) ok = known_columns(*table, *s.where_clause) && ok;
    return ok;
  }

 private:
  /// Every column `fragment` names is a column of `table` (the statement reads no other).
  bool known_columns(model::table const& table, ast::sql_fragment const& fragment) {
    for (auto const& name : sql::columns_of(fragment.text)) {
      if (table.find_column(name)) continue;
      return error(
          "unknown-column", fragment,
          fmt::format("column '{}' does not exist in table '{}'", name, shown(table.key)),
          "a backfill reads the columns of the table it updates",
          defined_here(table.defined, fmt::format("table '{}' is created here", shown(table.key))));
    }
    return true;
  }
};

/// `a, b`: the key columns, each as SQL writes it, with `prefix` before each.
std::string key_list(std::vector<std::string> const& key, std::string_view suffix = "") {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i)
    out += (i ? ", " : "") + quote_identifier(key[i]) + std::string(suffix);
  return out;
}

/// `($1::jsonb->>0)::bigint, ...`: the previous batch's last key, column by column.
std::string previous_key(model::table const& table, std::vector<std::string> const& key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    out += fmt::format("{}($1::jsonb->>{})::{}", i ? ", " : "", i,
                       type_sql(table.find_column(key[i])->type));
  }
  return out;
}

}  // namespace

bool check_backfill(model::schema& model, ast::backfill_step const& step,
                    step_context const& context) {
  return backfill_checker(model, context).check(step);
}

std::string backfill_batch_sql(ast::backfill_step const& step, model::table const& table) {
  auto const& key = table.primary_key()->columns;
  std::string const name = relation_sql(step.table);
  std::string const condition =
      step.where_clause ? " AND (" + step.where_clause->text + ")" : std::string();
  return fmt::format(
      "WITH batch AS (\n"
      "  SELECT {0} FROM {1}\n"
      "  WHERE ($1::jsonb IS NULL OR ({0}) > ({2})){3}\n"
      "  ORDER BY {0} LIMIT {4}\n"
      "), updated AS (\n"
      "  UPDATE {1} SET {5} = {6}\n"
      "  WHERE ({0}) IN (SELECT {0} FROM batch){3}\n"
      "  RETURNING 1\n"
      ")\n"
      "SELECT (SELECT jsonb_build_array({0}) FROM batch ORDER BY {7} LIMIT 1)::text AS last_key,\n"
      "       (SELECT count(*) FROM updated) AS rows",
      key_list(key), name, previous_key(table, key), condition,
      step.batch.value_or(default_backfill_batch), quote_identifier(step.column.name),
      step.value.text, key_list(key, " DESC"));
}

}  // namespace migc::compiler
