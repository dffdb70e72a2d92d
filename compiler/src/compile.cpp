// The compiler driver: folder scan, parse, per-revision checks, chain linking, checksums.
#include <fmt/format.h>

#include <algorithm>
#include <migc/compiler/checksum.hpp>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/revision_files.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/dsl/parser.hpp>
#include <migc/runtime/catalog.hpp>
#include <set>
#include <system_error>
#include <variant>

#include "adoption.hpp"
#include "head_model.hpp"
#include "revision_compiler.hpp"
#include "schema_ddl.hpp"
#include "sql/fragments.hpp"
#include "sql/raw_sql.hpp"

namespace migc::compiler {
namespace {

namespace fs = std::filesystem;
namespace ast = dsl::ast;

dsl::diagnostic make(dsl::severity level, std::string code, dsl::location where,
                     std::string message, std::optional<std::string> help = std::nullopt) {
  dsl::diagnostic d;
  d.level = level;
  d.code = std::move(code);
  d.where = where;
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

dsl::location span_of(dsl::source_file const& file, ast::node const& node) {
  return {&file, node.where};
}

void report_stray(fs::path const& path, dsl::diagnostic_engine& out) {
  std::string const name = path.filename().string();
  if (looks_like_revision_file(name)) {
    // Named like a revision: skipping it would silently drop a revision from the build.
    out.report(
        make(dsl::severity::error, "stray-revision", {},
             fmt::format("'{}' is named like a revision but does not end in '.mig'", path.string()),
             "rename it to end in '.mig', or move it out of the migrations folder"));
  } else {
    // Anything else is probably harmless (notes, scripts), but worth knowing about.
    out.report(make(
        dsl::severity::warning, "stray-file", {},
        fmt::format("'{}' in the migrations folder is not a revision file; ignored", path.string()),
        "revision files are named YYYYMMDD_HHMM-NNN_slug.mig"));
  }
}

/// The value of an id under the catalog contract's rule, or an error saying which limit it breaks.
std::optional<std::uint64_t> checked_number(dsl::source_file const& file,
                                            ast::revision_id const& id,
                                            dsl::diagnostic_engine& out) {
  auto const number = revision_number(id.digits);
  if (!number) {
    bool const too_long = id.digits.size() > runtime::max_revision_id_length;
    out.report(make(dsl::severity::error, "revision-id", span_of(file, id),
                    too_long ? fmt::format("revision id '{}' is longer than {} digits", id.digits,
                                           runtime::max_revision_id_length)
                             : fmt::format("revision id '{}' is too large", id.digits),
                    too_long ? "the version table stores at most 32 characters (varchar(32))"
                             : "the value must fit 64 bits (at most 18446744073709551615)"));
  }
  return number;
}

/// Checks the file name against the declared id; fills the numeric ids.
bool check_identity(dsl::source_file const& file, parsed_revision& r, dsl::diagnostic_engine& out) {
  auto const& id = r.syntax.id;
  auto const number = checked_number(file, id, out);
  if (!number) return false;
  r.number = *number;
  if (r.syntax.parent) {
    auto const parent = checked_number(file, *r.syntax.parent, out);
    if (!parent) return false;
    r.parent = parent;
  }
  if (id.digits.size() < 3) {
    out.report(make(dsl::severity::warning, "short-id", span_of(file, id),
                    fmt::format("revision id '{}' is shorter than three digits", id.digits),
                    fmt::format("write it as '{}'", format_revision_id(*number))));
  }
  std::string const name = fs::path(file.path()).filename().string();
  auto const parts = parse_revision_file_name(name);
  if (!parts) {
    out.report(make(dsl::severity::error, "file-name", span_of(file, id),
                    fmt::format("file name '{}' does not follow YYYYMMDD_HHMM-NNN_slug.mig", name),
                    fmt::format("rename it, e.g. to '20250101_0900-{}_{}.mig'",
                                format_revision_id(*number), slugify(r.syntax.description))));
    return false;
  }
  if (revision_number(parts->id_digits) != number) {
    out.report(make(dsl::severity::error, "file-name", span_of(file, id),
                    fmt::format("file name says revision '{}' but the file declares '{}'",
                                parts->id_digits, id.digits),
                    fmt::format("rename the file to '{}-{}_{}.mig', or fix the id",
                                parts->timestamp, id.digits, parts->slug)));
    return false;
  }
  return true;
}

/// The reason of a downgrade block that is `irreversible "reason"`, "" otherwise.
std::string irreversible_reason(ast::revision const& rev) {
  if (!rev.downgrade) return {};
  for (auto const& step : rev.downgrade->steps) {
    if (auto const* irreversible = std::get_if<ast::irreversible_step>(&step)) {
      return irreversible->reason.value_or("");
    }
  }
  return {};
}

bool is_irreversible(ast::step const& step) {
  return std::holds_alternative<ast::irreversible_step>(step);
}
bool is_raw_sql(ast::step const& step) {
  return std::holds_alternative<ast::raw_sql_step>(step);
}

/// Reads every raw sql step of `block` with PostgreSQL's parser (reporting what it finds) and
/// parses every expression of its declarative steps.
void read_block_sql(dsl::source_file const& file, ast::revision const& rev, ast::block const& block,
                    dsl::diagnostic_engine& out) {
  std::vector<sql::raw_step> steps;
  steps.reserve(block.steps.size());
  for (auto const& step : block.steps) {
    if (auto const* sql_step = std::get_if<ast::raw_sql_step>(&step))
      steps.push_back(sql::read_raw_step(*sql_step, {&file, rev.transactional, &out}));
  }
  std::vector<sql::raw_step const*> raw;
  for (auto const& s : steps) raw.push_back(&s);
  sql::check_temporary_objects(raw, {&file, rev.transactional, &out});
  sql::check_fragments(file, block, out);
}

void check_body(dsl::source_file const& file, ast::revision const& rev,
                dsl::diagnostic_engine& out) {
  for (auto const& step : rev.upgrade.steps) {
    if (is_irreversible(step)) {
      out.report(make(dsl::severity::error, "irreversible-place",
                      span_of(file, std::get<ast::irreversible_step>(step)),
                      "'irreversible' in an upgrade block", "it belongs in the downgrade block"));
    }
  }
  if (rev.upgrade.steps.empty()) {
    out.report(make(dsl::severity::warning, "empty-upgrade", span_of(file, rev.upgrade),
                    "upgrade block is empty"));
  }
  if (rev.downgrade) {
    auto const& steps = rev.downgrade->steps;
    bool const has_irreversible = std::any_of(steps.begin(), steps.end(), is_irreversible);
    if (has_irreversible && steps.size() > 1) {
      out.report(make(dsl::severity::error, "irreversible-place", span_of(file, *rev.downgrade),
                      "'irreversible' must be the only step of its downgrade block"));
    }
  } else if (std::any_of(rev.upgrade.steps.begin(), rev.upgrade.steps.end(), is_raw_sql)) {
    // Raw SQL is opaque: its inverse cannot be derived from it.
    out.report(
        make(dsl::severity::error, "missing-downgrade", span_of(file, rev.id),
             fmt::format("revision '{}' has no downgrade block, and its raw sql steps have no "
                         "derivable inverse",
                         rev.id.digits),
             "add 'downgrade { sql $$ ... $$ }', or 'downgrade { irreversible }'"));
  }
}

/// The text of `path` when it is one of the unsaved files (compile_options::unsaved).
std::string const* unsaved_text(fs::path const& path, compile_options const& options) {
  for (auto const& [where, text] : options.unsaved) {
    if (where == path) return &text;
  }
  return nullptr;
}

std::optional<parsed_revision> read_revision(fs::path const& path, source_set& sources,
                                             dsl::diagnostic_engine& out,
                                             compile_options const& options) {
  try {
    if (auto const* text = unsaved_text(path, options))
      sources.emplace_back(path.string(), *text);
    else
      sources.push_back(dsl::source_file::load(path.string(), path.string()));
  } catch (std::system_error const& e) {
    out.report(make(dsl::severity::error, "io", {},
                    fmt::format("cannot read '{}': {}", path.string(), e.code().message()),
                    "a revision must be a readable file (check a link's target, the permissions)"));
    return std::nullopt;
  }
  dsl::source_file const& file = sources.back();
  auto syntax = dsl::parse_revision(file, out);
  if (!syntax) return std::nullopt;
  parsed_revision r{&file, std::move(*syntax), 0, std::nullopt};
  if (!check_identity(file, r, out)) return std::nullopt;
  check_adoption(file, r.syntax, out);
  check_body(file, r.syntax, out);
  read_sql(r, out);
  return r;
}

std::string chain_hash(std::vector<compiled_revision> const& revisions) {
  // Each link hashes the previous link with the next checksum, so the hash
  // names the whole history, not just the set of revisions.
  std::string link = sha256_hex("migc-chain-v1");
  for (auto const& r : revisions) link = sha256_hex(link + "\n" + r.checksum);
  return "sha256:" + link;
}

}  // namespace

void read_sql(parsed_revision const& r, dsl::diagnostic_engine& out) {
  read_block_sql(*r.file, r.syntax, r.syntax.upgrade, out);
  if (r.syntax.downgrade) read_block_sql(*r.file, r.syntax, *r.syntax.downgrade, out);
}

std::optional<compiled_chain> compile_folder(fs::path const& folder, source_set& sources,
                                             dsl::diagnostic_engine& diagnostics,
                                             compile_options const& options) {
  model::schema head;
  return compile_folder(folder, sources, diagnostics, head, options);
}

std::optional<compiled_chain> compile_folder(fs::path const& folder, source_set& sources,
                                             dsl::diagnostic_engine& diagnostics,
                                             model::schema& head, compile_options const& options) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    diagnostics.report(make(dsl::severity::error, "folder", {},
                            fmt::format("migrations folder '{}' does not exist", folder.string()),
                            "check add_migrations(... DIRECTORY ...) or the path given to migc"));
    return std::nullopt;
  }
  folder_scan scan = scan_migrations_folder(folder);
  for (auto const& [path, text] : options.unsaved) {
    if (std::find(scan.revisions.begin(), scan.revisions.end(), path) == scan.revisions.end())
      scan.revisions.push_back(path);
  }
  std::sort(scan.revisions.begin(), scan.revisions.end());
  for (auto const& stray : scan.strays) report_stray(stray, diagnostics);

  compiled_chain chain;
  chain.inputs = scan.revisions;
  std::vector<parsed_revision> parsed;
  parsed.reserve(scan.revisions.size());
  std::set<std::uint64_t> unreadable;
  for (auto const& path : scan.revisions) {
    if (auto r = read_revision(path, sources, diagnostics, options)) {
      parsed.push_back(std::move(*r));
    } else if (auto const name = parse_revision_file_name(path.filename().string())) {
      if (auto const number = revision_number(name->id_digits)) unreadable.insert(*number);
    }
  }
  if (scan.revisions.empty()) {
    diagnostics.report(make(dsl::severity::warning, "empty-folder", {},
                            fmt::format("migrations folder '{}' has no revisions", folder.string()),
                            "create the first one with 'migc new \"Initial schema\"'"));
  }
  auto const line = link_chain(parsed, diagnostics, unreadable);
  if (!line || diagnostics.has_errors()) return std::nullopt;
  chain.revisions = compile_revisions(*line, diagnostics, head, options.lint);
  if (diagnostics.has_errors()) return std::nullopt;
  for (std::size_t i = 0; i < line->size(); ++i) {
    chain.revisions[i].irreversible_reason = irreversible_reason((*line)[i]->syntax);
  }
  chain.chain_hash = chain_hash(chain.revisions);
  chain.schema_sql = schema_ddl(head);
  chain.head_schema = schema_objects(head);
  return chain;
}

}  // namespace migc::compiler
