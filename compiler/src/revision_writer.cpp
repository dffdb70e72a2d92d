// The revision writer: chain position, file name and text of a revision written for the author.
#include "revision_writer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <migc/compiler/compile.hpp>
#include <migc/compiler/revision_files.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/dsl/printer.hpp>

namespace migc::compiler {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view indent = "    ";

std::string raw_text(std::vector<std::string> const& statements) {
  // Verbatim: re-indenting would change string literals and function bodies (pg_proc.prosrc).
  dsl::ast::raw_sql_step step;
  step.body = "\n";
  for (auto const& s : statements) step.body += std::string(indent) + "    " + s + ";\n";
  step.body += indent;
  return dsl::step_text(step, indent);
}

void append_steps(std::string& out, std::vector<written_step> const& steps) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto const& s = steps[i];
    // A step with comments is set apart from the one before it.
    if (i > 0 && !s.comments.empty()) out += "\n";
    for (auto const& c : s.comments) out += std::string(indent) + "-- " + c + "\n";
    out += indent;
    if (auto const* step = std::get_if<dsl::ast::step>(&s.what)) {
      out += dsl::step_text(*step, indent);
    } else {
      out += raw_text(std::get<std::vector<std::string>>(s.what));
    }
    out += "\n";
  }
}

}  // namespace

std::optional<next_revision> next_revision_of(fs::path const& folder, dsl::diagnostic_engine& out) {
  fs::create_directories(folder);
  if (scan_migrations_folder(folder).revisions.empty()) return next_revision{};
  source_set sources;
  auto const chain = compile_folder(folder, sources, out);
  if (!chain || out.has_errors()) return std::nullopt;
  return next_revision{chain->revisions.back().number + 1, chain->revisions.back().id};
}

std::string utc_timestamp() {
  std::time_t const now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d_%H%M", &parts);
  return text;
}

fs::path revision_path(fs::path const& folder, std::string const& id,
                       std::string const& description) {
  return folder / fmt::format("{}-{}_{}.mig", utc_timestamp(), id, slugify(description));
}

std::string revision_text(written_revision const& r) {
  dsl::ast::revision header;
  header.id.digits = r.id;
  if (!r.parent.empty()) {
    header.parent.emplace();
    header.parent->digits = r.parent;
  }
  header.description = r.description;
  if (r.adopts) {
    header.adopts.emplace();
    header.adopts->id = *r.adopts;
  }
  std::string out = dsl::header_text(header) + "\n";
  if (!r.comments.empty()) out += "\n";
  for (auto const& c : r.comments) out += "-- " + c + "\n";
  out += "\nupgrade {\n";
  append_steps(out, r.upgrade);
  out += "}\n";
  if (r.irreversible) {
    out += "\ndowngrade {\n" + std::string(indent) + "irreversible " +
           dsl::string_text(*r.irreversible) + "\n}\n";
  } else if (!r.downgrade.empty()) {
    out += "\ndowngrade {\n";
    append_steps(out, r.downgrade);
    out += "}\n";
  }
  return out;
}

}  // namespace migc::compiler
