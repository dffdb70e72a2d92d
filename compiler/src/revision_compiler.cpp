// The per-revision pipeline: lint, replay, SQL generation, derived downgrade, downgrade proof.
#include "revision_compiler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <migc/compiler/checksum.hpp>
#include <set>
#include <variant>

#include "identifier_limits.hpp"
#include "lint.hpp"
#include "render.hpp"
#include "replay.hpp"
#include "safe_plan.hpp"
#include "sql/locks.hpp"
#include "sql/raw_sql.hpp"
#include "sql/translate.hpp"
#include "types.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

bool is_irreversible(ast::step const& step) {
  return std::holds_alternative<ast::irreversible_step>(step);
}
bool is_raw(ast::step const& step) {
  return std::holds_alternative<ast::raw_sql_step>(step);
}

/// What one raw statement does to the model: DDL and DO blocks are translated, the rest is data.
/// `temporaries`: the temporary tables of the revision so far (this one's added).
sql::translation translation_of(sql::raw_statement const& s,
                                std::vector<std::string>& temporaries) {
  if (s.info.temporary) temporaries.push_back(*s.info.temporary);
  bool const followed = s.info.kind == runtime::statement_kind::schema || s.root().is("DoStmt");
  return followed ? sql::translate(s, temporaries) : sql::translation{};
}

/**
 * The index a raw `CREATE INDEX CONCURRENTLY` builds, for step::index: a run
 * resuming at the statement (`migrate resolve --continue`) keeps the index
 * when it is valid and drops and builds it again when a stop left it
 * INVALID. Call before() ahead of applying the statement to the model and
 * after() once it is applied: "schema.name", or "" for any other statement
 * (and for `IF NOT EXISTS` on an index that already existed).
 */
class concurrent_index_build {
 public:
  explicit concurrent_index_build(sql::translation const& t) {
    for (auto const& c : t.changes) {
      auto const* step = std::get_if<ast::step>(&c);
      auto const* index = step ? std::get_if<ast::create_index_step>(step) : nullptr;
      if (index && index->concurrently) m_build = index;
    }
  }

  void before(model::schema const& m) {
    if (!m_build) return;
    for (auto const& entry : m.indexes) m_existing.insert(entry.first);
  }

  /// The one index `m` has that it did not have before (PostgreSQL's name when none was given).
  [[nodiscard]] std::string after(model::schema const& m) const {
    if (!m_build) return {};
    for (auto const& entry : m.indexes) {
      if (m_existing.count(entry.first) == 0) return model::qualified(entry.first);
    }
    return {};
  }

 private:
  ast::create_index_step const* m_build = nullptr;
  std::set<model::object_key> m_existing;
};

bool forgets(sql::translation const& t) {
  return std::any_of(t.changes.begin(), t.changes.end(), [](change::any const& c) {
    auto const* o = std::get_if<change::object_change>(&c);
    return o && std::holds_alternative<change::forget>(*o);
  });
}

/// One statement of a raw step as the catalog holds it; `before`: the model before it.
compiled_step compile_statement(dsl::source_file const& file, sql::raw_statement const& s,
                                sql::translation const& t, model::schema const& before) {
  compiled_step out;
  out.sql = s.sql;
  out.line = file.position(s.where.begin).line;
  auto const lock = sql::statement_lock(s, t, before);
  out.lock = std::string(lock.lock);
  out.rewrites = lock.rewrites;
  out.kind = forgets(t) ? runtime::statement_kind::unmodelled : s.info.kind;
  out.outside_transaction = s.info.outside_transaction;
  out.objects = fmt::format("{}", fmt::join(t.objects, ", "));
  return out;
}

compiled_step compile_step(dsl::source_file const& file, ast::step const& step,
                           model::schema const& before) {
  lock_info const lock = lock_of(step, before);
  compiled_step out;
  out.sql = step_sql(step);
  out.line = file.position(ast::node_of(step).where.begin).line;
  out.lock = std::string(lock.lock);
  out.rewrites = lock.rewrites;
  return out;
}

/**
 * The statement a type change of a serial column (or pg_dump's spelling of one, width_sequence)
 * needs besides its own: PostgreSQL leaves the column's sequence as it was (an integer sequence
 * behind a bigint column still stops at 2147483647), so the sequence follows the column's new
 * width: `ALTER SEQUENCE ... AS bigint`. (An identity column's sequence follows by itself.)
 */
std::optional<compiled_step> sequence_follow_up(dsl::source_file const& file, ast::step const& step,
                                                model::schema const& before) {
  auto const* alter = std::get_if<ast::alter_column_step>(&step);
  auto const* change = alter ? std::get_if<ast::set_type>(&alter->action) : nullptr;
  if (!change || change->type.array_dims != 0) return std::nullopt;
  auto const table = before.tables.find(key_of(alter->column.table));
  if (table == before.tables.end()) return std::nullopt;
  auto const* column = table->second.find_column(alter->column.column.name);
  auto const* seq = column ? width_sequence(before, table->first, *column) : nullptr;
  std::string const to(storage_type(normalized(change->type).name));
  if (!seq || seq->type == to || !change->type.schema.empty() ||
      (to != "smallint" && to != "integer" && to != "bigint"))
    return std::nullopt;
  compiled_step out;
  out.sql = fmt::format("ALTER SEQUENCE {} AS {}",
                        (seq->key.first == "public" ? "" : quote_identifier(seq->key.first) + ".") +
                            quote_identifier(seq->key.second),
                        to);
  out.line = file.position(ast::node_of(step).where.begin).line;
  out.lock = "none";
  return out;
}

// Only the revision being compiled holds parse trees (sql::with_trees), so memory does not grow
// with the chain.
using raw_blocks = sql::raw_block;

class revision_compiler {
 public:
  revision_compiler(parsed_revision const& r, dsl::diagnostic_engine& out, model::schema& model,
                    lint_selection const& lint)
      : m_r(r),
        m_lint(lint),
        m_file(*r.file),
        m_out(out),
        m_model(model),
        m_upgrade_sql(sql::with_trees(r.syntax.upgrade, r.syntax.transactional)),
        m_downgrade_sql(r.syntax.downgrade
                            ? sql::with_trees(*r.syntax.downgrade, r.syntax.transactional)
                            : raw_blocks{}),
        m_upgrade(r.syntax.upgrade),
        m_downgrade(r.syntax.downgrade) {}

  compiled_revision run() {
    std::size_t const errors = m_out.error_count();
    compiled_revision out = header();
    // Names as the server will have them; the checksum (header) hashes them as written.
    truncate_long_identifiers(m_upgrade.steps, m_file, m_out);
    if (m_downgrade) truncate_long_identifiers(m_downgrade->steps, m_file, m_out);
    // The upgrade's journal holds, for each object the upgrade touched, its
    // value before the revision: what the downgrade proof compares with.
    m_model.open_journal();
    upgrade(out);
    m_upgrade_sql.clear();  // its parse trees: the checksum is taken, the model has the rest
    model::journal const before = m_model.take_journal();
    for (auto const& key : m_model.enums_with_values_added_in(m_r.number)) {
      for (auto const& [value, revision] : m_model.enums.at(key).value_added_in) {
        if (revision == m_r.number) out.enum_values_added.push_back(enum_value_entry(key, value));
      }
    }
    out.schema_changes = schema_changes(before, m_model);
    // After a failed upgrade step the downgrade's problems are echoes.
    if (m_out.error_count() == errors) downgrade(out, before);
    // A failed step leaves the model short of what later revisions expect:
    // stop checking references from here on rather than report echoes.
    if (m_out.error_count() != errors) m_model.mark_incomplete();
    return out;
  }

 private:
  compiled_revision header() const {
    auto const& syntax = m_r.syntax;
    compiled_revision out;
    out.id = syntax.id.digits;
    out.number = m_r.number;
    out.parent = syntax.parent ? syntax.parent->digits : "";
    out.description = syntax.description;
    out.source_file = std::filesystem::path(m_file.path()).filename().string();
    out.source_line = m_file.position(syntax.where.begin).line;
    out.checksum = revision_checksum(syntax, m_upgrade_sql, m_downgrade_sql);
    out.previous_checksum = previous_revision_checksum(syntax);
    out.transactional = syntax.transactional;
    if (syntax.adopts) out.adopts = syntax.adopts->id;
    return out;
  }

  step_context context() { return {&m_file, m_r.number, &m_out}; }

  void upgrade(compiled_revision& out) {
    auto const& steps = m_upgrade.steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto const& step = steps[i];
      if (is_irreversible(step)) continue;
      m_inverses.push_back(inverse_of(step, m_model));
      if (is_raw(step)) {
        upgrade_raw(*m_upgrade_sql.at(i), out);
        continue;
      }
      compiled_step compiled = compile_step(m_file, step, m_model);
      auto follow_up = sequence_follow_up(m_file, step, m_model);
      // Lint findings of a step that does not fit the model would only
      // repeat its error: they are kept aside until the step applied.
      dsl::diagnostic_engine findings(false, 0);
      lint_step(step, compiled.sql, m_model,
                {&m_file, m_r.number, m_r.syntax.transactional, &findings, false, &m_lint, {}});
      auto planned = plan_step(step, compiled, m_model, {&m_file, m_r.number});
      if (apply_step(m_model, step, context())) {
        for (auto const& d : findings.diagnostics()) m_out.report(d);
      }
      place(planned, m_upgrade_phases, out.upgrade);
      if (follow_up) place_in_same_phase(std::move(*follow_up), m_upgrade_phases, out.upgrade);
    }
  }

  /// Appends a statement to `out` in the phase of the statement before it.
  static void place_in_same_phase(compiled_step statement, phase_planner& phases,
                                  std::vector<compiled_step>& out) {
    phases.place(statement, placement::same);
    out.push_back(std::move(statement));
  }

  /// Appends the statements of one step's plan to `out`, numbering their phases.
  static void place(std::vector<std::pair<compiled_step, placement>>& planned,
                    phase_planner& phases, std::vector<compiled_step>& out) {
    for (auto& [statement, where] : planned) {
      phases.place(statement, where);
      out.push_back(std::move(statement));
    }
  }

  void upgrade_raw(sql::raw_step const& raw, compiled_revision& out) {
    for (auto const& statement : raw.statements) {
      auto const translation = translation_of(statement, m_temporaries);
      lint_context const lint{&m_file, m_r.number, m_r.syntax.transactional, &m_out, true,
                              &m_lint, {}};
      lint_statement(statement, m_model, lint);
      // The lint of each declarative step the statement means, against the model before it;
      // the markers above the statement and above its sql step allow its findings.
      dsl::diagnostic_engine findings(false, 0);
      model::schema const& before = m_model;
      auto allowed = allowed_codes(m_file, statement.where);
      auto const above_step = allowed_codes(m_file, statement.step);
      allowed.insert(allowed.end(), above_step.begin(), above_step.end());
      for (auto const& c : translation.changes) {
        if (auto const* step = std::get_if<ast::step>(&c))
          lint_step(
              *step, statement.sql, before,
              {&m_file, m_r.number, m_r.syntax.transactional, &findings, true, &m_lint, allowed});
      }
      for (auto& used : added_enum_values_used(statement, m_model)) {
        if (std::find(out.enum_values_used.begin(), out.enum_values_used.end(), used) ==
            out.enum_values_used.end())
          out.enum_values_used.push_back(std::move(used));
      }
      out.upgrade.push_back(compile_statement(m_file, statement, translation, m_model));
      m_upgrade_phases.place(out.upgrade.back(), placement::same);
      concurrent_index_build build(translation);
      build.before(m_model);
      if (apply_statement(m_model, translation.changes, context())) {
        for (auto const& d : findings.diagnostics()) m_out.report(d);
      }
      out.upgrade.back().index = build.after(m_model);
    }
  }

  /// Replays the downgrade on the model under its own journal, proves it, then
  /// puts the model back as the upgrade left it.
  void downgrade(compiled_revision& out, model::journal const& before) {
    auto const& explicit_block = m_downgrade;
    if (explicit_block &&
        std::any_of(explicit_block->steps.begin(), explicit_block->steps.end(), is_irreversible)) {
      out.reversible = false;
      return;
    }
    std::vector<ast::step> const steps = explicit_block ? explicit_block->steps : derived();
    if (!m_derivable) return;
    dsl::diagnostic_engine scratch;
    step_context const replay{&m_file, m_r.number, explicit_block ? &m_out : &scratch};
    m_model.open_journal();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto const& step = steps[i];
      if (is_raw(step)) {
        for (auto const& statement : m_downgrade_sql.at(i)->statements) {
          auto const translation = translation_of(statement, m_temporaries);
          out.downgrade.push_back(compile_statement(m_file, statement, translation, m_model));
          m_downgrade_phases.place(out.downgrade.back(), placement::same);
          concurrent_index_build build(translation);
          build.before(m_model);
          apply_statement(m_model, translation.changes, replay);
          out.downgrade.back().index = build.after(m_model);
        }
        continue;
      }
      auto planned =
          plan_step(step, compile_step(m_file, step, m_model), m_model, {&m_file, m_r.number});
      auto follow_up = sequence_follow_up(m_file, step, m_model);
      apply_step(m_model, step, replay);
      place(planned, m_downgrade_phases, out.downgrade);
      if (follow_up) place_in_same_phase(std::move(*follow_up), m_downgrade_phases, out.downgrade);
    }
    model::journal const undone = m_model.take_journal();
    if (!scratch.has_errors()) {
      prove(before, undone,
            explicit_block ? static_cast<ast::node const&>(*explicit_block) : m_r.syntax.id);
    } else {
      report_refused_derivation(scratch.diagnostics().front());
    }
    m_model.restore(undone);
  }

  /// A derived downgrade the model refuses (e.g. a default PostgreSQL cannot cast back): the
  /// server would refuse it too, so it is no downgrade at all.
  void report_refused_derivation(dsl::diagnostic const& refused) {
    dsl::diagnostic d;
    d.code = "no-inverse";
    d.where = {&m_file, m_r.syntax.id.where};
    d.message = fmt::format(
        "revision '{}' has no downgrade block, and its derived downgrade would fail: {}",
        m_r.syntax.id.digits, refused.message);
    d.help = "add a 'downgrade { ... }' block, or 'downgrade { irreversible }'";
    m_out.report(std::move(d));
  }

  /// The inverses of the upgrade steps, last step first; reports the steps that have none.
  std::vector<ast::step> derived() {
    std::vector<ast::step> steps;
    auto const& upgrade = m_upgrade.steps;
    std::size_t k = m_inverses.size();  // one per upgrade step but irreversible ones
    for (auto it = upgrade.rbegin(); it != upgrade.rend(); ++it) {
      if (is_irreversible(*it)) continue;
      inverse const& inv = m_inverses[--k];
      if (is_raw(*it)) continue;  // raw sql without downgrade is reported as missing-downgrade
      if (overwrites_values(*it)) {
        m_derivable = false;
        inverse lost;
        lost.impossible =
            "a backfill of a column an earlier revision added overwrites values a downgrade "
            "cannot bring back";
        report_underivable(*it, lost);
      }
      if (inv.impossible) {
        m_derivable = false;
        report_underivable(*it, inv);
      }
      steps.insert(steps.end(), inv.steps.begin(), inv.steps.end());
    }
    return steps;
  }

  /// A backfill of a column that existed before this revision: its old values are lost.
  [[nodiscard]] bool overwrites_values(ast::step const& step) const {
    auto const* b = std::get_if<ast::backfill_step>(&step);
    if (!b) return false;
    auto const t = m_model.tables.find(key_of(b->table));
    if (t == m_model.tables.end()) return false;
    auto const* c = t->second.find_column(b->column.name);
    return c && c->defined.revision != m_r.number;
  }

  void report_underivable(ast::step const& step, inverse const& inv) {
    dsl::diagnostic d;
    d.code = "no-inverse";
    d.where = {&m_file, ast::node_of(step).where};
    d.message = fmt::format(
        "revision '{}' has no downgrade block, and this step has no derivable inverse: {}",
        m_r.syntax.id.digits, *inv.impossible);
    d.help = inv.help ? *inv.help + " in a 'downgrade { ... }' block"
                      : "add a 'downgrade { ... }' block, or 'downgrade { irreversible }'";
    m_out.report(std::move(d));
  }

  /// Compares the model after the downgrade with the model before the revision where they can
  /// differ (at the objects either journal recorded) and names every difference. A warning:
  /// real downgrades keep some things on purpose (extensions, data types other revisions use),
  /// which `-- migc:allow(downgrade-mismatch)` above the downgrade block says.
  void prove(model::journal const& before, model::journal const& undone, ast::node const& at) {
    auto const found = model::differences(before, undone, m_model);
    if (found.empty()) return;
    auto const allowed = allowed_codes(m_file, at.where);
    if (std::count(allowed.begin(), allowed.end(), "downgrade-mismatch")) return;
    dsl::diagnostic d;
    d.level = dsl::severity::warning;
    d.code = "downgrade-mismatch";
    d.where = {&m_file, at.where};
    d.message =
        fmt::format("the downgrade of revision '{}' does not restore the schema before it: {}",
                    m_r.syntax.id.digits, fmt::join(found, "; "));
    d.help =
        "make the downgrade undo every upgrade step; if it keeps something on purpose, put "
        "'-- migc:allow(downgrade-mismatch)' on the line above the downgrade block";
    m_out.report(std::move(d));
  }

  parsed_revision const& m_r;
  lint_selection const& m_lint;
  dsl::source_file const& m_file;
  dsl::diagnostic_engine& m_out;
  model::schema& m_model;
  raw_blocks
      m_upgrade_sql;  ///< the raw steps with their parse trees, until the upgrade is replayed
  raw_blocks const m_downgrade_sql;
  /// The revision's blocks with identifiers as PostgreSQL truncates them (identifier_limits.hpp).
  ast::block m_upgrade;
  std::optional<ast::block> m_downgrade;
  std::vector<inverse> m_inverses;
  std::vector<std::string> m_temporaries;  ///< temporary tables raw SQL of the revision created
  phase_planner m_upgrade_phases{m_r.syntax.transactional};
  phase_planner m_downgrade_phases{m_r.syntax.transactional};
  bool m_derivable = true;
};

}  // namespace

std::vector<compiled_revision> compile_revisions(std::vector<parsed_revision const*> const& chain,
                                                 dsl::diagnostic_engine& diagnostics,
                                                 model::schema& head, lint_selection const& lint) {
  std::vector<compiled_revision> out;
  out.reserve(chain.size());
  for (auto const* r : chain) out.push_back(revision_compiler(*r, diagnostics, head, lint).run());
  return out;
}

}  // namespace migc::compiler
