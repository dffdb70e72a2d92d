// `migc`: the migration compiler's command line (build, check, schema, new).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/emit.hpp>
#include <migc/compiler/lint_rules.hpp>
#include <migc/compiler/outputs.hpp>
#include <migc/compiler/revision_files.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/dsl/printer.hpp>

#include "diagnostics_output.hpp"
#include "diff/command.hpp"
#include "import/command.hpp"
#include "revision_writer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace migc;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct common_options {
  std::string folder = "migrations";
  bool werror = false;
  std::string format = "text";
  std::vector<std::string> lint;  ///< --lint values (lint_rules.hpp), each a list
};

struct build_options {
  std::string out_dir;
  std::string name;
  std::string cpp_namespace;
  std::string version_table = "alembic_version";
  std::string source_label;
  std::string depfile;
  std::string depfile_target;
};

/// Parses and checks a folder, rendering every diagnostic; the chain when it is sound.
std::optional<compiler::compiled_chain> compile(common_options const& common,
                                                compiler::source_set& sources,
                                                dsl::diagnostic_engine& diagnostics) {
  compiler::compile_options options;
  for (auto const& list : common.lint) options.lint.merge(compiler::parse_lint_selection(list));
  auto chain = compiler::compile_folder(common.folder, sources, diagnostics, options);
  compiler::render_diagnostics(diagnostics, common.format);
  return diagnostics.has_errors() ? std::nullopt : std::move(chain);
}

int run_build(common_options const& common, build_options const& build) {
  compiler::source_set sources;
  dsl::diagnostic_engine diagnostics(common.werror);
  auto const chain = compile(common, sources, diagnostics);
  if (!chain) return exit_failure;
  compiler::emit_options emit;
  emit.cpp_namespace = build.cpp_namespace.empty() ? build.name : build.cpp_namespace;
  emit.header_name = build.name + "_catalog.hpp";
  emit.version_table = build.version_table;
  emit.source_dir =
      build.source_label.empty() ? fs::path(common.folder).filename().string() : build.source_label;
  fs::path const out(build.out_dir);
  compiler::write_if_changed(out / emit.header_name, compiler::emit_header(emit));
  compiler::write_if_changed(out / (build.name + "_catalog.cpp"),
                             compiler::emit_catalog(*chain, emit));
  compiler::write_if_changed(out / (build.name + "_main.cpp"), compiler::emit_main(emit));
  compiler::write_if_changed(out / (build.name + "_schema.sql"), chain->schema_sql);
  if (!build.depfile.empty()) {
    // The folder itself is a dependency: adding or deleting a file changes its
    // modification time, so new revisions are noticed without re-running cmake.
    std::vector<fs::path> inputs{fs::absolute(common.folder)};
    for (auto const& input : chain->inputs) inputs.push_back(fs::absolute(input));
    std::string const target = build.depfile_target.empty()
                                   ? (out / (build.name + "_catalog.cpp")).string()
                                   : build.depfile_target;
    compiler::write_if_changed(build.depfile, compiler::make_depfile(target, inputs));
  }
  return exit_ok;
}

int run_check(common_options const& common) {
  compiler::source_set sources;
  dsl::diagnostic_engine diagnostics(common.werror);
  auto const chain = compile(common, sources, diagnostics);
  if (!chain) return exit_failure;
  if (common.format == "text") {
    std::string const head = chain->revisions.empty() ? "none" : chain->revisions.back().id;
    std::cout << fmt::format("{}: {} revisions, head {}\n", common.folder, chain->revisions.size(),
                             head);
  }
  return exit_ok;
}

/// Prints the head schema (the model after the last revision) as SQL DDL.
int run_schema(common_options const& common) {
  compiler::source_set sources;
  dsl::diagnostic_engine diagnostics(common.werror);
  auto const chain = compile(common, sources, diagnostics);
  if (!chain) return exit_failure;
  std::cout << chain->schema_sql;
  return exit_ok;
}

/// The header line of a new revision, written by the language's printer (a line break in the
/// description becomes a blank: a string of the language ends at its line).
std::string new_revision_header(std::string const& id, std::string const& parent,
                                std::string const& description) {
  dsl::ast::revision header;
  header.id.digits = id;
  if (!parent.empty()) {
    header.parent.emplace();
    header.parent->digits = parent;
  }
  header.description = description;
  return dsl::header_text(header);
}

int run_new(common_options const& common, std::string const& description) {
  dsl::diagnostic_engine diagnostics(false);
  auto const next = compiler::next_revision_of(common.folder, diagnostics);
  compiler::render_diagnostics(diagnostics, common.format);
  if (!next) {
    std::cerr << "migc: error: fix the chain before adding a revision to it\n";
    return exit_failure;
  }
  std::string const id = compiler::format_revision_id(next->number);
  std::string const header = new_revision_header(id, next->parent, description);
  fs::path const path = compiler::revision_path(common.folder, id, description);
  // Steps are left to the author; the comments show the two kinds. A
  // downgrade block is only needed for steps the compiler cannot invert.
  std::string const body = header +
                           "\n\nupgrade {\n"
                           "    -- declarative steps, e.g.: add column memories.tags text[]\n"
                           "    -- or raw SQL:              sql $$ UPDATE ... $$\n"
                           "}\n";
  compiler::write_if_changed(path, body);
  std::cout << path.string() << "\n";
  return exit_ok;
}

void add_common(CLI::App& command, common_options& common) {
  command.add_option("--dir,-d", common.folder, "migrations folder")->capture_default_str();
  command.add_flag("--werror", common.werror, "treat warnings as errors");
  command.add_option("--format", common.format, "diagnostics format")
      ->check(CLI::IsMember({"text", "json"}));
  command
      .add_option("--lint", common.lint,
                  "opt-in lint rules, comma-separated: style (all of them), prefer-text, "
                  "prefer-timestamptz, prefer-bigint, prefer-identity, prefer-idempotent")
      ->check([](std::string const& list) {
        try {
          (void)compiler::parse_lint_selection(list);
          return std::string();
        } catch (std::invalid_argument const& e) {
          return std::string(e.what());
        }
      });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migc: the migration compiler for PostgreSQL"};
  app.set_version_flag("--version", "migc " MIGC_VERSION);
  app.require_subcommand(1);
  common_options common;
  build_options build;
  std::string description;

  auto* build_command =
      app.add_subcommand("build", "check a migrations folder and generate its C++ catalog");
  add_common(*build_command, common);
  build_command->add_option("--out-dir", build.out_dir, "folder for the generated files")
      ->required();
  build_command->add_option("--name", build.name, "base name of the generated files")->required();
  build_command->add_option("--namespace", build.cpp_namespace, "C++ namespace of the catalog");
  build_command->add_option("--version-table", build.version_table, "default version table");
  build_command->add_option("--source-label", build.source_label,
                            "migrations folder as shown at run time");
  build_command->add_option("--depfile", build.depfile, "write a Makefile-style depfile");
  build_command->add_option("--depfile-target", build.depfile_target, "the depfile's target path");

  auto* check_command = app.add_subcommand("check", "check a migrations folder; generate nothing");
  add_common(*check_command, common);

  auto* schema_command =
      app.add_subcommand("schema", "print the head schema of a migrations folder as SQL DDL");
  add_common(*schema_command, common);

  auto* new_command = app.add_subcommand("new", "write the next revision file of a chain");
  new_command->add_option("description", description, "what the revision does")->required();
  new_command->add_option("--dir,-d", common.folder, "migrations folder (created when missing)")
      ->capture_default_str();

  compiler::import::import_options import;
  auto* import_command = app.add_subcommand(
      "import", "write a baseline revision from a live database or a pg_dump --schema-only file");
  import_command->add_option("--dir,-d", import.folder, "migrations folder (created when missing)")
      ->capture_default_str();
  import_command->add_option("--from-database", import.from_database,
                             "connection URL of the database to read (read-only)");
  import_command->add_option("--from-sql", import.from_sql,
                             "a pg_dump --schema-only file or any DDL script");
  import_command->add_option("--schema", import.schemas, "only this schema (repeatable)");
  import_command->add_option("--version-table", import.version_tables,
                             "another version table whose value to adopt (repeatable)");
  import_command->add_option("--name", import.description, "the revision's description");
  import_command->add_option("--format", import.format, "diagnostics format")
      ->check(CLI::IsMember({"text", "json"}));

  compiler::diff::diff_options diff;
  auto* diff_command = app.add_subcommand(
      "diff", "write the next revision: from the chain's head to a schema (DDL) or a database");
  diff_command->add_option("--dir,-d", diff.folder, "migrations folder")->capture_default_str();
  diff_command->add_option("--to", diff.to_sql, "the desired schema as PostgreSQL DDL");
  diff_command->add_option("--from-database", diff.from_database,
                           "a database whose schema is the desired one (read-only)");
  diff_command->add_option("--schema", diff.schemas,
                           "only this schema of the database (repeatable)");
  diff_command->add_option("--name", diff.description, "the revision's description");
  diff_command->add_option("--format", diff.format, "diagnostics format")
      ->check(CLI::IsMember({"text", "json"}));

  try {
    app.parse(argc, argv);
  } catch (CLI::ParseError const& e) {
    int const code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }
  try {
    if (*build_command) return run_build(common, build);
    if (*check_command) return run_check(common);
    if (*schema_command) return run_schema(common);
    if (*import_command) return compiler::import::run_import(import);
    if (*diff_command) return compiler::diff::run_diff(diff);
    return run_new(common, description);
  } catch (std::exception const& e) {
    std::cerr << "migc: error: " << e.what() << "\n";
    return exit_failure;
  }
}
