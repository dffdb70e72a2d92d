// The text renderers of migrate's commands: what people read in a terminal.
#include "text_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "adoption.hpp"
#include "presentation.hpp"
#include "validation.hpp"

namespace migc::runtime::detail {
namespace {

/// "003 "Backfill users.full_name"", or "base".
std::string describe(catalog const& cat, position at) {
  if (!at) return "base";
  return fmt::format("{} \"{}\"", cat.revisions[*at].id, cat.revisions[*at].description);
}

/// "revision 003", or "base" (the empty model); scoped to a schema: "revision 003 (schema
/// tenant_a, as the model's public)".
std::string model_revision(drift_report const& d) {
  std::string out = d.at == "base" ? d.at : "revision " + d.at;
  if (d.schema.empty()) return out;
  out += " (schema " + d.schema;
  if (d.model_schema != d.schema) out += ", as the model's " + d.model_schema;
  return out + ")";
}

/// The drift half of `verify`: a summary line, then one line per finding.
void print_drift(std::ostream& out, drift_report const& d) {
  if (d.status == drift_report::state::skipped) {
    out << "Schema drift: not checked (the database is dirty or at an unknown revision).\n";
    return;
  }
  std::vector<drift_finding const*> drift;
  std::vector<drift_finding const*> lenient;
  for (drift_finding const& f : d.findings) {
    (f.what == drift_finding::kind::drift ? drift : lenient).push_back(&f);
  }
  if (drift.empty()) {
    out << "Schema drift: none (the live schema matches the model at " << model_revision(d) << ", "
        << d.objects << " object" << (d.objects == 1 ? "" : "s") << ").\n";
  } else {
    out << "Schema drift: " << drift.size() << " difference" << (drift.size() == 1 ? "" : "s")
        << " from the model at " << model_revision(d) << ":\n";
    for (auto const* f : drift) out << "  " << f->message << "\n";
  }
  if (!lenient.empty()) {
    out << "Not counted as drift (statements the compiler does not follow named these):\n";
    for (auto const* f : lenient) out << "  " << f->message << "\n";
  }
}

}  // namespace

std::string paint(std::string_view text, fmt::terminal_color colour, bool on) {
  if (!on) return std::string(text);
  return fmt::format(fmt::fg(colour), "{}", text);
}

std::string paint_progress(std::string_view line, bool on) {
  auto starts = [&](std::string_view p) { return line.rfind(p, 0) == 0; };
  if (starts("Applied ") || starts("Database is already") || starts("Resolved ")) {
    return paint(line, fmt::terminal_color::green, on);
  }
  if (starts("Reverted ") || starts("Waiting ") || starts("Revision ") || starts("Warning") ||
      starts("Accepting ")) {
    return paint(line, fmt::terminal_color::yellow, on);
  }
  return std::string(line);
}

namespace {

/// Characters of UTF-8 `text` (bytes that do not continue a character): its width in a
/// terminal for the text migrate prints (no wide or combining characters).
std::size_t text_width(std::string const& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

}  // namespace

void print_table(std::ostream& out, std::vector<std::vector<std::string>> const& rows) {
  std::vector<std::size_t> widths;
  for (auto const& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], text_width(row[i]));
  }
  for (auto const& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - text_width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

void print_list(std::ostream& out, catalog const& cat, std::optional<position> const& online) {
  std::vector<std::vector<std::string>> rows{{"REVISION", "DESCRIPTION", "SOURCE", "NOTES"}};
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    revision const& r = cat.revisions[i];
    std::string notes;
    if (online && *online == position(i)) {
      notes += "current ";
    } else if (online && *online && i <= **online) {
      notes += "applied ";
    }
    if (!r.transactional) notes += "non-transactional ";
    if (!r.reversible) notes += "irreversible ";
    if (i + 1 == cat.revisions.size) notes += "head";
    while (!notes.empty() && notes.back() == ' ') notes.pop_back();
    rows.push_back({std::string(r.id), std::string(r.description), source_location(cat, r), notes});
  }
  print_table(out, rows);
}

void print_status(std::ostream& out, catalog const& cat, status_report const& s,
                  std::string const& version_table, bool colour) {
  std::string current =
      s.current && !s.at ? *s.current + " (not a revision of this binary)" : describe(cat, s.at);
  if (s.current && s.at && is_adopted(cat, *s.current))
    current += fmt::format(" (adopted: the version table holds '{}')", *s.current);
  out << "Version table:    " << version_table
      << (s.version_table_exists ? "" : " (not created yet)") << "\n"
      << "Current revision: " << current << "\n"
      << "Head revision:    "
      << (cat.revisions.empty() ? std::string("base") : describe(cat, cat.revisions.size - 1))
      << "\n";
  if (s.running) out << "Run in progress:  " << *s.running << "\n";
  for (refusal const& problem : s.problems) {
    std::string const label = problem.reason() != refusal_reason::dirty ? "Problem: "
                              : s.running ? "Dirty (most likely the run in progress, still "
                                            "running; no repair needed unless it stops): "
                                          : "Dirty: ";
    out << paint(label + problem.what(), fmt::terminal_color::red, colour) << "\n";
  }
  if (s.pending.empty()) {
    if (s.problems.empty())
      out << paint("Database is up to date.", fmt::terminal_color::green, colour) << "\n";
    return;
  }
  out << paint(fmt::format("{} pending revision{}:", s.pending.size(),
                           s.pending.size() == 1 ? "" : "s"),
               fmt::terminal_color::yellow, colour)
      << "\n";
  std::vector<std::vector<std::string>> rows;
  for (revision const* r : s.pending) {
    rows.push_back(
        {"  " + std::string(r->id), std::string(r->description), source_location(cat, *r)});
  }
  print_table(out, rows);
}

void print_history(std::ostream& out, std::vector<history_entry> const& rows) {
  if (rows.empty()) {
    out << "No history recorded yet.\n";
    return;
  }
  std::vector<std::vector<std::string>> table{
      {"APPLIED AT", "DIRECTION", "REVISION", "DURATION", "BY", "CHECKSUM", "DESCRIPTION"}};
  for (history_entry const& h : rows) {
    table.push_back({h.applied_at, h.direction, h.revision ? *h.revision : "base",
                     h.duration ? format_duration(*h.duration) : "-", h.applied_by,
                     short_hash(h.checksum), h.description});
  }
  print_table(out, table);
}

void print_verify(std::ostream& out, catalog const& cat, verify_report const& v) {
  if (v.unknown) out << v.unknown->what() << "\n";
  if (v.dirty) out << dirty_refusal(cat, *v.dirty).what() << "\n";
  std::vector<std::vector<std::string>> rows{
      {"REVISION", "STATUS", "RECORDED", "EMBEDDED", "SOURCE"}};
  std::size_t mismatches = 0;
  for (verify_entry const& e : v.applied) {
    if (!e.matches) ++mismatches;
    std::string_view const embedded = e.rev->checksum;
    std::string_view const recorded = e.recorded ? std::string_view(e.recorded->checksum) : "";
    rows.push_back({std::string(e.rev->id),
                    !e.recorded ? "unrecorded"
                    : e.matches ? "ok"
                                : "MISMATCH",
                    e.recorded ? short_hash(recorded, embedded) : "-",
                    short_hash(embedded, recorded), source_location(cat, *e.rev)});
  }
  if (!v.applied.empty()) print_table(out, rows);
  if (!v.unknown) {
    out << (v.applied.empty() ? std::string("No revisions applied.")
                              : fmt::format("{} applied revision{} checked, {} mismatch{}.",
                                            v.applied.size(), v.applied.size() == 1 ? "" : "s",
                                            mismatches, mismatches == 1 ? "" : "es"))
        << "\n";
  }
  print_drift(out, v.drift);
}

namespace {

/// "   9 ms", "FAILED" or "-", right-aligned: a step's recorded duration.
std::string stair_duration(std::optional<std::chrono::microseconds> const& took, bool failed) {
  return fmt::format("{:>7}", took ? format_duration(*took) : failed ? "FAILED" : "-");
}

/// "ok", "DRIFT" or "-".
std::string stair_check(std::optional<stairway_check> const& check, bool colour) {
  if (!check) return fmt::format("{:<5}", "-");
  if (check->ok()) return paint(fmt::format("{:<5}", "ok"), fmt::terminal_color::green, colour);
  return paint(fmt::format("{:<5}", "DRIFT"), fmt::terminal_color::red, colour);
}

/// The first step of `row` that did not run: the failing one when `row` failed.
bool first_missing(stairway_row const& row, stairway_step step) {
  switch (step) {
    case stairway_step::up:
      return !row.up;
    case stairway_step::down:
      return row.up && row.verify_up && row.verify_up->ok() && !row.irreversible && !row.down;
    case stairway_step::reup:
      return row.verify_down && row.verify_down->ok() && !row.reup;
    case stairway_step::verify_up:
    case stairway_step::verify_down:
      break;
  }
  return false;
}

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

void print_stairway_row(std::ostream& out, stairway_row const& row, std::size_t id_width,
                        bool colour) {
  std::string const note = row.irreversible ? " (irreversible: not downgraded)" : "";
  out << fmt::format("{:<{}}  up {}  verify {}  down {}  verify {}  re-up {}  {}{}\n",
                     std::string(row.rev->id), id_width,
                     stair_duration(row.up, first_missing(row, stairway_step::up)),
                     stair_check(row.verify_up, colour),
                     stair_duration(row.down, first_missing(row, stairway_step::down)),
                     stair_check(row.verify_down, colour),
                     stair_duration(row.reup, first_missing(row, stairway_step::reup)),
                     std::string(row.rev->description), note);
}

void print_stairway_summary(std::ostream& out, stairway_report const& r, bool colour) {
  std::string const took = format_duration(r.elapsed);
  if (r.failure) {
    if (r.failure->drift.empty()) {
      out << "  " << r.failure->message << "\n";
    } else {
      for (auto const& f : r.failure->drift) out << "  " << f.message << "\n";
    }
    out << paint("Stairway failed", fmt::terminal_color::red, colour) << " at revision "
        << r.failure->revision << " (" << stairway_step_name(r.failure->step) << ") after " << took
        << "; the database is left at " << r.to << ".\n";
    return;
  }
  std::size_t const irreversible = r.irreversible_count();
  std::string const done = r.rows.empty()
                               ? std::string("nothing to climb")
                               : fmt::format("{} up, verified, down, verified and up again",
                                             plural(r.rows.size(), "revision"));
  out << paint("Stairway passed", fmt::terminal_color::green, colour) << ": " << done << ", "
      << r.from << " to " << r.to << ", in " << took;
  if (irreversible > 0) out << " (" << irreversible << " irreversible, not downgraded)";
  if (r.final_check) out << "; verify at " << r.final_check->at << ": no drift";
  if (!r.preexisting.empty()) {
    out << "; " << plural(r.preexisting.size(), "object")
        << " found before the start ignored (--force)";
  }
  out << ".\n";
}

void print_version(std::ostream& out, catalog const& cat, std::string_view libpq_version) {
  out << "migrate (migc " << MIGC_VERSION << ")\n"
      << "head:       " << head_name(cat) << " (" << cat.revisions.size << " revision"
      << (cat.revisions.size == 1 ? "" : "s") << ")\n"
      << "chain hash: " << cat.chain_hash << "\n"
      << "libpq:      " << libpq_version << "\n";
}

}  // namespace migc::runtime::detail
