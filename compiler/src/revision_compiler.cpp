// The per-revision pipeline: lint, replay, SQL generation, derived downgrade, downgrade proof.
#include "revision_compiler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <migc/compiler/checksum.hpp>
#include <variant>

#include "lint.hpp"
#include "render.hpp"
#include "replay.hpp"
#include "sql/locks.hpp"
#include "sql/raw_sql.hpp"
#include "sql/translate.hpp"

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

// Only the revision being compiled holds parse trees (sql::with_trees), so memory does not grow
// with the chain.
using raw_blocks = sql::raw_block;

class revision_compiler {
 public:
  revision_compiler(parsed_revision const& r, dsl::diagnostic_engine& out, model::schema& model)
      : m_r(r),
        m_file(*r.file),
        m_out(out),
        m_model(model),
        m_upgrade_sql(sql::with_trees(r.syntax.upgrade, r.syntax.transactional)),
        m_downgrade_sql(r.syntax.downgrade
                            ? sql::with_trees(*r.syntax.downgrade, r.syntax.transactional)
                            : raw_blocks{}) {}

  compiled_revision run() {
    std::size_t const errors = m_out.error_count();
    compiled_revision out = header();
    // The upgrade's journal holds, for each object the upgrade touched, its
    // value before the revision: what the downgrade proof compares with.
    m_model.open_journal();
    upgrade(out);
    m_upgrade_sql.clear();  // its parse trees: the checksum is taken, the model has the rest
    model::journal const before = m_model.take_journal();
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
    auto const& steps = m_r.syntax.upgrade.steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto const& step = steps[i];
      if (is_irreversible(step)) continue;
      m_inverses.push_back(inverse_of(step, m_model));
      if (is_raw(step)) {
        upgrade_raw(*m_upgrade_sql.at(i), out);
        continue;
      }
      compiled_step compiled = compile_step(m_file, step, m_model);
      // Lint findings of a step that does not fit the model would only
      // repeat its error: they are kept aside until the step applied.
      dsl::diagnostic_engine findings(false, 0);
      lint_step(step, compiled.sql, m_model,
                {&m_file, m_r.number, m_r.syntax.transactional, &findings});
      if (apply_step(m_model, step, context())) {
        for (auto const& d : findings.diagnostics()) m_out.report(d);
      }
      out.upgrade.push_back(std::move(compiled));
    }
  }

  void upgrade_raw(sql::raw_step const& raw, compiled_revision& out) {
    for (auto const& statement : raw.statements) {
      auto const translation = translation_of(statement, m_temporaries);
      lint_context const lint{&m_file, m_r.number, m_r.syntax.transactional, &m_out, true};
      lint_statement(statement, m_model, lint);
      // The lint of each declarative step the statement means, against the model before it.
      dsl::diagnostic_engine findings(false, 0);
      model::schema const& before = m_model;
      for (auto const& c : translation.changes) {
        if (auto const* step = std::get_if<ast::step>(&c))
          lint_step(*step, statement.sql, before,
                    {&m_file, m_r.number, m_r.syntax.transactional, &findings, true});
      }
      out.upgrade.push_back(compile_statement(m_file, statement, translation, m_model));
      if (apply_statement(m_model, translation.changes, context())) {
        for (auto const& d : findings.diagnostics()) m_out.report(d);
      }
    }
  }

  /// Replays the downgrade on the model under its own journal, proves it, then
  /// puts the model back as the upgrade left it.
  void downgrade(compiled_revision& out, model::journal const& before) {
    auto const& explicit_block = m_r.syntax.downgrade;
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
          apply_statement(m_model, translation.changes, replay);
        }
        continue;
      }
      out.downgrade.push_back(compile_step(m_file, step, m_model));
      apply_step(m_model, step, replay);
    }
    model::journal const undone = m_model.take_journal();
    if (!scratch.has_errors()) {
      prove(before, undone,
            explicit_block ? static_cast<ast::node const&>(*explicit_block) : m_r.syntax.id);
    }
    m_model.restore(undone);
  }

  /// The inverses of the upgrade steps, last step first; reports the steps that have none.
  std::vector<ast::step> derived() {
    std::vector<ast::step> steps;
    auto const& upgrade = m_r.syntax.upgrade.steps;
    std::size_t k = m_inverses.size();  // one per upgrade step but irreversible ones
    for (auto it = upgrade.rbegin(); it != upgrade.rend(); ++it) {
      if (is_irreversible(*it)) continue;
      inverse const& inv = m_inverses[--k];
      if (is_raw(*it)) continue;  // raw sql without downgrade is reported as missing-downgrade
      if (inv.impossible) {
        m_derivable = false;
        report_underivable(*it, *inv.impossible);
      }
      steps.insert(steps.end(), inv.steps.begin(), inv.steps.end());
    }
    return steps;
  }

  void report_underivable(ast::step const& step, std::string const& why) {
    dsl::diagnostic d;
    d.code = "no-inverse";
    d.where = {&m_file, ast::node_of(step).where};
    d.message = fmt::format(
        "revision '{}' has no downgrade block, and this step has no derivable inverse: {}",
        m_r.syntax.id.digits, why);
    d.help = "add a 'downgrade { ... }' block, or 'downgrade { irreversible }'";
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
  dsl::source_file const& m_file;
  dsl::diagnostic_engine& m_out;
  model::schema& m_model;
  raw_blocks
      m_upgrade_sql;  ///< the raw steps with their parse trees, until the upgrade is replayed
  raw_blocks const m_downgrade_sql;
  std::vector<inverse> m_inverses;
  std::vector<std::string> m_temporaries;  ///< temporary tables raw SQL of the revision created
  bool m_derivable = true;
};

}  // namespace

std::vector<compiled_revision> compile_revisions(std::vector<parsed_revision const*> const& chain,
                                                 dsl::diagnostic_engine& diagnostics,
                                                 model::schema& head) {
  std::vector<compiled_revision> out;
  out.reserve(chain.size());
  for (auto const* r : chain) out.push_back(revision_compiler(*r, diagnostics, head).run());
  return out;
}

}  // namespace migc::compiler
