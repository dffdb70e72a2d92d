// run_import: source -> script -> model check -> baseline steps -> revision file -> folder check.
#include "command.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/runtime/catalog.hpp>
#include <numeric>

#include "../checked_write.hpp"
#include "../diagnostics_output.hpp"
#include "../revision_writer.hpp"
#include "baseline.hpp"
#include "introspect.hpp"
#include "script_model.hpp"

namespace migc::compiler::import {
namespace {

namespace fs = std::filesystem;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;

/// What the revision adopts, or the number it takes, from the version tables the source holds.
struct adoption {
  std::optional<std::string> adopts;
  std::optional<std::string> id;  ///< a decimal version: the root is that revision itself
  std::vector<std::string> notes;
};

bool adoptable(std::string const& v) {
  return !v.empty() && v.size() <= runtime::max_revision_id_length &&
         std::all_of(v.begin(), v.end(), [](char c) {
           return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '\\';
         });
}

/// The table migrate reads (Alembic's, or the one --version-table names) decides; another
/// tool's table is noted with the version it holds.
adoption plan_adoption(std::vector<version_table> const& tables, bool root,
                       std::string const& root_id) {
  adoption out;
  for (auto const& t : tables) {
    if (t.tool == "migc") continue;
    bool const ours = t.tool == "Alembic" || t.tool == "migrate (--version-table)";
    if (!ours) {
      if (!t.versions.empty()) {
        out.notes.push_back(fmt::format(
            "{} ({}) is at version {}: migrate keeps its own version table, so once the baseline "
            "is checked, mark that database with `migrate stamp {}`",
            t.name, t.tool, t.versions.back(), root_id));
      }
      continue;
    }
    if (t.versions.size() != 1) {
      out.notes.push_back(
          t.versions.empty()
              ? fmt::format("{} is empty: there is no version to adopt", t.name)
              : fmt::format("{} holds {} versions (Alembic branches): merge them first "
                            "(`alembic merge`); nothing adopted",
                            t.name, t.versions.size()));
      continue;
    }
    std::string const& v = t.versions.front();
    if (!root) {
      out.notes.push_back(fmt::format(
          "{} holds '{}', but the folder has a chain already: only its root may adopt a version",
          t.name, v));
    } else if (auto const value = runtime::revision_id_value(v)) {
      out.id = v.size() >= 3 ? v : format_revision_id(*value);
      out.notes.push_back(
          fmt::format("{} holds {}, a decimal id: the baseline is revision {}, so "
                      "`migrate status` on that database shows it at {}",
                      t.name, v, *out.id, *out.id));
    } else if (adoptable(v)) {
      out.adopts = v;
      out.notes.push_back(
          fmt::format("adopts \"{}\" ({}): `migrate status` on that database shows "
                      "it at revision {}, with nothing to stamp",
                      v, t.name, root_id));
    } else {
      out.notes.push_back(
          fmt::format("{} holds '{}', which no revision can adopt (1 to 32 "
                      "printable characters without blanks or quotes)",
                      t.name, v));
    }
  }
  return out;
}

/// "11 session settings (line 5), 2 psql meta-commands (lines 7, 98)".
std::string left_out_summary(std::vector<left_out> const& left) {
  std::vector<std::pair<left_out_kind, std::vector<std::uint32_t>>> kinds;
  for (auto const& l : left) {
    auto it =
        std::find_if(kinds.begin(), kinds.end(), [&](auto const& k) { return k.first == l.kind; });
    if (it == kinds.end()) it = kinds.insert(kinds.end(), {l.kind, {}});
    it->second.push_back(l.line);
  }
  std::vector<std::string> parts;
  for (auto const& [kind, lines] : kinds) {
    std::string shown;
    for (std::size_t i = 0; i < lines.size() && i < 5; ++i)
      shown += (i ? ", " : "") + std::to_string(lines[i]);
    if (lines.size() > 5) shown += ", ...";
    parts.push_back(fmt::format("{} {} ({} {})", lines.size(), kind_name(kind),
                                lines.size() == 1 ? "line" : "lines", shown));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

int total(std::map<std::string, object_count> const& counts, bool raw) {
  int n = 0;
  for (auto const& [kind, c] : counts) {
    if (kind != "comment") n += raw ? c.raw : c.declarative;
  }
  return n;
}

/// "5 declarative (1 table, 4 indexes)" or "0 raw SQL": one side of the summary.
std::string side_summary(std::map<std::string, object_count> const& counts, bool raw) {
  int const n = total(counts, raw);
  std::string const what = raw ? "raw SQL" : "declarative";
  return n == 0 ? fmt::format("0 {}", what)
                : fmt::format("{} {} ({})", n, what, describe_counts(counts, raw));
}

/// The source read into a script: a file, or the database's schema as DDL.
struct source {
  std::unique_ptr<dsl::source_file> file;
  std::string label;
  std::vector<version_table> versions;
  std::vector<std::string> skipped;
};

source read_source(import_options const& options) {
  source out;
  if (!options.from_sql.empty()) {
    out.file = std::make_unique<dsl::source_file>(
        dsl::source_file::load(options.from_sql, options.from_sql));
    out.label = options.from_sql;
    return out;
  }
  script_options const script{options.version_tables};
  introspection read = introspect(options.from_database, options.schemas, script);
  out.label = "database " + read.database;
  out.file = std::make_unique<dsl::source_file>("<database " + read.database + ">",
                                                std::move(read.script));
  out.versions = std::move(read.versions);
  out.skipped = std::move(read.skipped);
  return out;
}

}  // namespace

int run_import(import_options const& options) {
  if (options.from_sql.empty() == options.from_database.empty()) {
    std::cerr << "migc import: error: give one source, --from-sql FILE or --from-database URL\n";
    return exit_failure;
  }
  source src = read_source(options);
  dsl::diagnostic_engine diagnostics(false);
  script s = read_script(*src.file, {options.version_tables}, diagnostics);
  s.versions.insert(s.versions.end(), src.versions.begin(), src.versions.end());
  model::schema model;
  if (diagnostics.has_errors() || !replay_script(s, *src.file, model, diagnostics)) {
    render_diagnostics(diagnostics, options.format);
    std::cerr << "migc import: error: " << src.label
              << " does not build a schema migc can check; nothing written\n";
    return exit_failure;
  }
  dsl::diagnostic_engine chain_diagnostics(false);
  auto const next = next_revision_of(options.folder, chain_diagnostics);
  if (!next) {
    render_diagnostics(chain_diagnostics, options.format);
    std::cerr << "migc import: error: fix the chain before adding a revision to it\n";
    return exit_failure;
  }
  baseline const steps = build_baseline(s.statements, model);
  bool const root = next->parent.empty();
  std::string id = format_revision_id(next->number);
  adoption const adopted = plan_adoption(s.versions, root, id);
  if (adopted.id) id = *adopted.id;

  written_revision r;
  r.id = id;
  r.parent = next->parent;
  r.description =
      options.description.empty() ? "Baseline imported from " + src.label : options.description;
  r.adopts = adopted.adopts;
  r.comments.push_back(fmt::format("Written by `migc import` from {}.", src.label));
  if (!s.left.empty()) r.comments.push_back("Left out: " + left_out_summary(s.left) + ".");
  for (auto const& skipped : src.skipped) r.comments.push_back("Not imported: " + skipped);
  r.upgrade = steps.steps;
  r.irreversible = "a baseline of an existing database: its downgrade would drop the whole schema";

  fs::path const path = revision_path(options.folder, id, r.description);
  if (fs::exists(path)) {
    std::cerr << "migc import: error: " << path.string() << " exists; nothing written\n";
    return exit_failure;
  }
  // Checked before it is written: nothing is written when the chain would not build with it.
  if (!write_if_chain_builds(options.folder, path, revision_text(r), options.format)) {
    std::cerr << "migc import: error: the revision it would write, " << path.string()
              << ", does not build (above): nothing written; please report this with the "
                 "source schema\n";
    return exit_failure;
  }
  std::cout << path.string() << "\n";
  std::cout << fmt::format("imported {} objects: {}, {}",
                           total(steps.objects, false) + total(steps.objects, true),
                           side_summary(steps.objects, false), side_summary(steps.objects, true));
  if (auto const c = steps.objects.find("comment"); c != steps.objects.end())
    std::cout << fmt::format("; {} comments as raw SQL", c->second.raw);
  std::cout << "\n";
  if (!s.left.empty()) std::cout << "left out: " << left_out_summary(s.left) << "\n";
  for (auto const& skipped : src.skipped) std::cout << "not imported: " << skipped << "\n";
  for (auto const& note : adopted.notes) std::cout << note << "\n";
  return exit_ok;
}

}  // namespace migc::compiler::import
