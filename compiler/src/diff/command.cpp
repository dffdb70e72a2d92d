// run_diff: chain head and desired schema as models, the diff between them as a revision file.
#include "command.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <migc/compiler/revision_files.hpp>
#include <migc/compiler/revision_id.hpp>

#include "../checked_write.hpp"
#include "../diagnostics_output.hpp"
#include "../head_model.hpp"
#include "../import/introspect.hpp"
#include "../import/script_model.hpp"
#include "../replay.hpp"
#include "diff.hpp"

namespace migc::compiler::diff {
namespace {

namespace fs = std::filesystem;

/// True when the compiler derives the downgrade of every step (no raw SQL, every inverse known
/// from the model before the step) and that downgrade replays on the model after them (the
/// compiler refuses a derived downgrade PostgreSQL would refuse: `no-inverse`).
bool derivable(std::vector<written_step> const& steps, model::schema const& from) {
  model::schema model = from;
  dsl::diagnostic_engine scratch(false, 0);
  dsl::source_file const nowhere("diff", "");
  step_context const context{&nowhere, 1, &scratch};
  std::vector<dsl::ast::step> undo;
  for (auto const& s : steps) {
    auto const* step = std::get_if<dsl::ast::step>(&s.what);
    if (!step) return false;
    auto inverse = inverse_of(*step, model);
    if (inverse.impossible) return false;
    undo.insert(undo.begin(), inverse.steps.begin(), inverse.steps.end());
    apply_step(model, *step, context);
  }
  for (auto const& step : undo) apply_step(model, step, context);
  return !scratch.has_errors();
}

/// The desired schema's model, read from a DDL file or a database; nothing after errors
/// (printed).
std::optional<model::schema> desired(diff_options const& options, std::string& label,
                                     std::unique_ptr<dsl::source_file>& file) {
  if (!options.to_sql.empty()) {
    file =
        std::make_unique<dsl::source_file>(dsl::source_file::load(options.to_sql, options.to_sql));
    label = options.to_sql;
  } else {
    auto read = import::introspect(options.from_database, options.schemas, {});
    label = "database " + read.database;
    file = std::make_unique<dsl::source_file>("<database " + read.database + ">",
                                              std::move(read.script));
  }
  dsl::diagnostic_engine diagnostics(false);
  auto const script = import::read_script(*file, {}, diagnostics);
  model::schema out;
  if (diagnostics.has_errors() || !import::replay_script(script, *file, out, diagnostics)) {
    render_diagnostics(diagnostics, options.format);
    return std::nullopt;
  }
  return out;
}

std::string summary(std::vector<written_step> const& steps) {
  int declarative = 0;
  int statements = 0;
  for (auto const& s : steps) {
    if (std::holds_alternative<dsl::ast::step>(s.what)) {
      ++declarative;
    } else {
      statements += static_cast<int>(std::get<std::vector<std::string>>(s.what).size());
    }
  }
  return fmt::format("{} declarative step{}, {} raw SQL statement{}", declarative,
                     declarative == 1 ? "" : "s", statements, statements == 1 ? "" : "s");
}

}  // namespace

int run_diff(diff_options const& options) {
  if (options.to_sql.empty() == options.from_database.empty()) {
    std::cerr << "migc diff: error: give one desired schema, --to FILE or --from-database URL\n";
    return 1;
  }
  fs::create_directories(options.folder);
  model::schema head;
  std::string parent;
  std::uint64_t number = 1;
  if (!scan_migrations_folder(options.folder).revisions.empty()) {
    source_set sources;
    dsl::diagnostic_engine diagnostics(false);
    auto const chain = compile_folder(options.folder, sources, diagnostics, head);
    if (!chain) {
      render_diagnostics(diagnostics, options.format);
      std::cerr << "migc diff: error: fix the chain before adding a revision to it\n";
      return 1;
    }
    parent = chain->revisions.back().id;
    number = chain->revisions.back().number + 1;
  }
  std::string label;
  std::unique_ptr<dsl::source_file> file;
  auto const target = desired(options, label, file);
  if (!target) {
    std::cerr << "migc diff: error: " << label << " does not build a schema migc can check\n";
    return 1;
  }
  plan const forward = diff_models(head, *target);
  for (auto const& w : forward.warnings) std::cerr << "migc diff: warning: " << w << "\n";
  if (forward.steps.empty()) {
    std::cout << "the chain's head already has the schema of " << label << ": nothing written\n";
    return 0;
  }
  written_revision r;
  r.id = format_revision_id(number);
  r.parent = parent;
  r.description = options.description.empty() ? "Changes to match " + label : options.description;
  r.comments.push_back(fmt::format("Written by `migc diff` from {} to {}.",
                                   parent.empty() ? "an empty schema" : "revision " + parent,
                                   label));
  r.upgrade = forward.steps;
  if (forward.adds_enum_values) {
    r.irreversible = "PostgreSQL cannot remove the enum values this revision adds";
  } else if (!derivable(forward.steps, head)) {
    r.downgrade = diff_models(*target, head).steps;
  }
  fs::path const path = revision_path(options.folder, r.id, r.description);
  if (fs::exists(path)) {
    std::cerr << "migc diff: error: " << path.string() << " exists; nothing written\n";
    return 1;
  }
  // Checked before it is written: nothing is written when the chain would not build with it.
  if (!write_if_chain_builds(options.folder, path, revision_text(r), options.format)) {
    std::cerr << "migc diff: error: the revision it would write, " << path.string()
              << ", does not build (above): nothing written; please report this, and write the "
                 "revision by hand (migc new)\n";
    return 1;
  }
  std::cout << path.string() << "\n" << summary(forward.steps) << "\n";
  return 0;
}

}  // namespace migc::compiler::diff
