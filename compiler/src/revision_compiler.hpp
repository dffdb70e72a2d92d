// Compiling a linked chain revision by revision on the schema model: SQL, locks, derived
// downgrades, proofs.
#pragma once

#include <migc/compiler/compile.hpp>
#include <migc/compiler/lint_rules.hpp>
#include <vector>

#include "model.hpp"

namespace migc::compiler {

/**
 * Replays `chain` (root first) on a fresh schema model. For each revision:
 * lint and apply every upgrade step, turn each into its SQL, derive the
 * downgrade when there is no downgrade block, then prove the downgrade by
 * replaying it on the model after the upgrade: it must give back the model
 * before it (unless it holds raw sql, which the model cannot follow). The
 * model is never copied: the upgrade and the downgrade each run under a
 * journal (model::journal), the proof compares only the objects they
 * touched, and the downgrade's journal then puts the upgrade's result back.
 * Every problem is reported; `head` receives the model after the last revision. `lint`: the
 * opt-in lint rules to check on upgrade steps (none by default).
 */
[[nodiscard]] std::vector<compiled_revision> compile_revisions(
    std::vector<parsed_revision const*> const& chain, dsl::diagnostic_engine& diagnostics,
    model::schema& head, lint_selection const& lint = {});

}  // namespace migc::compiler
