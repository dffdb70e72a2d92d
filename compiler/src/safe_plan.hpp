// Safe plans: the lock-friendly statements a declarative step compiles to on a table that
// already serves traffic, and the phases (transactions) of a revision they run in.
#pragma once

#include <cstdint>
#include <migc/compiler/compile.hpp>
#include <migc/dsl/ast.hpp>
#include <vector>

#include "model.hpp"

namespace migc::compiler {

/// Where a statement of a revision runs relative to the statements before it.
enum class placement {
  same,             ///< in the current phase's transaction
  new_transaction,  ///< starts a phase (transaction) of its own; later statements may join it
  /// a phase alone in a transaction of its own: a long scan under a weak lock (VALIDATE), which
  /// no statement taking a stronger lock joins (it would hold that lock through the scan's retry)
  scan,
  outside_transaction,  ///< a phase alone, outside any transaction (CONCURRENTLY)
  backfill,             ///< a phase alone: batches, each its own transaction
};

/**
 * Numbers the phases of one direction of a revision (runtime::step::phase).
 * In a transactional revision a statement placed `new_transaction` starts a
 * phase, `outside_transaction` and `backfill` are phases alone, and `same`
 * joins the current phase (or starts one after a phase alone). In a revision
 * `without transaction` every statement commits on its own: phases stay 0.
 */
class phase_planner {
 public:
  explicit phase_planner(bool transactional) : m_transactional(transactional) {}

  /// Sets `s.phase`, and `s.outside_transaction` / `s.backfill` from `where`.
  void place(compiled_step& s, placement where);

 private:
  bool m_transactional;
  std::uint16_t m_phase = 0;
  bool m_used = false;    ///< the current phase holds a statement
  bool m_closed = false;  ///< the current phase is a phase alone
};

/// What deciding a step's plan needs besides the step and the model.
struct plan_context {
  dsl::source_file const* file = nullptr;
  std::uint64_t revision = 0;
};

/**
 * The statements `step` runs, each with its placement: on a table created in
 * an earlier revision (or one the model does not know), the sequence a
 * careful DBA writes (docs/language.md, "Safe plans"):
 *
 *  - `add constraint ... foreign key | check` → `ADD CONSTRAINT ... NOT VALID`,
 *    then `VALIDATE CONSTRAINT` in a transaction alone (PostgreSQL 15
 *    docs, ALTER TABLE: "NOT VALID" and "VALIDATE CONSTRAINT" take SHARE
 *    UPDATE EXCLUSIVE, not ACCESS EXCLUSIVE, for the scan);
 *  - `alter column ... set not null` → a `NOT VALID` check `(c IS NOT NULL)`,
 *    validate it, then `SET NOT NULL` (which skips its scan when a valid check
 *    proves it, PostgreSQL 12+) and drop the check;
 *  - `add constraint ... unique | primary key` → `CREATE UNIQUE INDEX
 *    CONCURRENTLY`, then `ADD CONSTRAINT ... USING INDEX` (a primary key's
 *    nullable columns first get `set not null`'s plan);
 *  - `create index` / `drop index` → `CONCURRENTLY`, outside a transaction;
 *  - `backfill` → its batch statement, always a phase of its own.
 *
 * Anything else, a table created in this revision, or a step with
 * `-- migc:allow(small-table)` above it: `plain`, placed `same`.
 * `plain` is the step's single statement (compile_step).
 */
[[nodiscard]] std::vector<std::pair<compiled_step, placement>> plan_step(
    dsl::ast::step const& step, compiled_step const& plain, model::schema const& before,
    plan_context const& context);

}  // namespace migc::compiler
