// Safe plans: NOT VALID then VALIDATE, set not null through a validated check, unique keys
// through a concurrent unique index, indexes CONCURRENTLY, backfills in batches.
#include "safe_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "backfill.hpp"
#include "lint.hpp"
#include "naming.hpp"
#include "overloaded.hpp"
#include "render.hpp"
#include "replay.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;
using planned = std::vector<std::pair<compiled_step, placement>>;

/// The code of the marker that keeps a step's plain form: the table is known to be small.
constexpr std::string_view small_table = "small-table";

class planner {
 public:
  planner(compiled_step const& plain, model::schema const& before, plan_context const& context)
      : m_plain(plain), m_before(before), m_context(context) {}

  planned run(ast::step const& step) {
    bool const opted_out = has_marker(ast::node_of(step));
    std::visit(overloaded{
                   [&](ast::backfill_step const& s) { backfill(s); },
                   [&](ast::create_index_step const& s) {
                     if (!opted_out && !s.concurrently && live(s.table)) index(s);
                   },
                   [&](ast::drop_index_step const& s) {
                     if (!opted_out && !s.concurrently) drop_index(s);
                   },
                   [&](ast::add_constraint_step const& s) {
                     if (!opted_out && live(s.table)) constraint(s);
                   },
                   [&](ast::alter_column_step const& s) {
                     auto const* n = std::get_if<ast::set_not_null>(&s.action);
                     if (!opted_out && n && n->not_null && live(s.column.table))
                       not_null(s.column.table, s.column.column.name);
                   },
                   [&](auto const&) {},
               },
               step);
    if (m_out.empty()) add(m_plain.sql, m_plain.lock, placement::same);
    return std::move(m_out);
  }

 private:
  [[nodiscard]] bool has_marker(ast::node const& at) const {
    auto const codes = allowed_codes(*m_context.file, at.where);
    return std::find(codes.begin(), codes.end(), small_table) != codes.end();
  }

  /// A table created in an earlier revision serves traffic; so may one the model does not know.
  [[nodiscard]] bool live(ast::qualified_name const& name) const {
    auto const it = m_before.tables.find(key_of(name));
    if (it == m_before.tables.end()) return true;
    return it->second.defined.revision < m_context.revision;
  }

  compiled_step& add(std::string sql, std::string_view lock, placement where) {
    compiled_step s = m_plain;
    s.sql = std::move(sql);
    s.lock = std::string(lock);
    s.rewrites = false;
    m_out.emplace_back(std::move(s), where);
    return m_out.back().first;
  }

  void backfill(ast::backfill_step const& s) {
    auto const it = m_before.tables.find(key_of(s.table));
    if (it == m_before.tables.end() || !it->second.primary_key()) return;  // reported by replay
    compiled_step& batch =
        add(backfill_batch_sql(s, it->second), "ROW EXCLUSIVE", placement::backfill);
    batch.kind = runtime::statement_kind::data;
    batch.objects = model::qualified(key_of(s.table));
  }

  void index(ast::create_index_step s) {
    s.concurrently = true;
    add(step_sql(s), "SHARE UPDATE EXCLUSIVE", placement::outside_transaction).index =
        model::qualified({key_of(s.table).first, s.name.name});
  }

  void drop_index(ast::drop_index_step s) {
    auto const it = m_before.indexes.find(key_of(s.name));
    if (it == m_before.indexes.end() ||
        !live(ast::qualified_name{{}, s.name.schema, it->second.table})) {
      return;
    }
    // IF EXISTS: a run resumed after the index went (the model says it exists) finds nothing.
    s.concurrently = true;
    s.if_exists = true;
    add(step_sql(s), "SHARE UPDATE EXCLUSIVE", placement::outside_transaction);
  }

  void constraint(ast::add_constraint_step const& s) {
    std::string const table = relation_sql(s.table);
    std::string const name = quote_identifier(s.name.name);
    if (auto const* key = std::get_if<ast::key_columns>(&s.body)) {
      unique_key(s, *key, table, name);
      return;
    }
    bool const fk = std::holds_alternative<ast::foreign_key>(s.body);
    // NOT VALID: new rows are checked at once, existing ones by the scan that follows.
    add(step_sql(s) + " NOT VALID", fk ? "SHARE ROW EXCLUSIVE" : "ACCESS EXCLUSIVE",
        placement::same);
    add(fmt::format("ALTER TABLE {} VALIDATE CONSTRAINT {}", table, name), "SHARE UPDATE EXCLUSIVE",
        placement::scan);
  }

  void unique_key(ast::add_constraint_step const& s, ast::key_columns const& key,
                  std::string const& table, std::string const& name) {
    if (key.primary) {
      // ADD PRIMARY KEY USING INDEX would SET NOT NULL each nullable column with a full scan.
      for (auto const& c : key.columns) not_null(s.table, c.name);
    }
    ast::create_index_step index;
    index.unique = true;
    index.concurrently = true;
    index.name = s.name;
    index.table = s.table;
    for (auto const& c : key.columns) {
      ast::index_key k;
      k.target = c;
      index.keys.push_back(std::move(k));
    }
    add(step_sql(index), "SHARE UPDATE EXCLUSIVE", placement::outside_transaction).index =
        model::qualified({key_of(s.table).first, s.name.name});
    add(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}", table, name,
                    key.primary ? "PRIMARY KEY" : "UNIQUE", name),
        "ACCESS EXCLUSIVE", placement::new_transaction);
  }

  /// `set not null` on a live table, in four statements; nothing when the column is not null.
  void not_null(ast::qualified_name const& table_name, std::string const& column) {
    auto const it = m_before.tables.find(key_of(table_name));
    if (it == m_before.tables.end()) return;
    model::table const& t = it->second;
    model::column const* c = t.find_column(column);
    if (!c || c->not_null) return;
    std::string const check = choose_name(t.key.second, column, "not_null", [&](auto const& n) {
      return t.find_constraint(n) != nullptr || taken(n);
    });
    m_checks.push_back(check);
    std::string const table = relation_sql(table_name);
    std::string const quoted = quote_identifier(check);
    add(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID", table,
                    quoted, quote_identifier(column)),
        "ACCESS EXCLUSIVE", placement::same);
    add(fmt::format("ALTER TABLE {} VALIDATE CONSTRAINT {}", table, quoted),
        "SHARE UPDATE EXCLUSIVE", placement::scan);
    add(fmt::format("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL", table, quote_identifier(column)),
        "ACCESS EXCLUSIVE", placement::new_transaction);
    add(fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", table, quoted), "ACCESS EXCLUSIVE",
        placement::same);
  }

  [[nodiscard]] bool taken(std::string const& name) const {
    return std::find(m_checks.begin(), m_checks.end(), name) != m_checks.end();
  }

  compiled_step const& m_plain;
  model::schema const& m_before;
  plan_context const& m_context;
  std::vector<std::string> m_checks;  ///< names of the checks this plan adds
  planned m_out;
};

}  // namespace

void phase_planner::place(compiled_step& s, placement where) {
  s.outside_transaction = s.outside_transaction || where == placement::outside_transaction;
  s.backfill = where == placement::backfill;
  if (!m_transactional) return;
  bool const alone = where == placement::outside_transaction || where == placement::backfill ||
                     where == placement::scan;
  if (m_used && (m_closed || where != placement::same)) ++m_phase;
  s.phase = m_phase;
  m_used = true;
  m_closed = alone;
}

planned plan_step(ast::step const& step, compiled_step const& plain, model::schema const& before,
                  plan_context const& context) {
  return planner(plain, before, context).run(step);
}

}  // namespace migc::compiler
