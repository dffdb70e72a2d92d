// The commands that read only the embedded catalog: show, sql, graph.
#include "offline_commands.hpp"

#include <fmt/format.h>

#include <ostream>

#include "failure.hpp"
#include "phases.hpp"
#include "script.hpp"

namespace migc::runtime::detail {
namespace {

revision const& revision_or_throw(catalog const& cat, std::string_view id) {
  auto index = find_revision(cat, id);
  if (!index) throw usage_error(fmt::format("unknown revision '{}'", id));
  return cat.revisions[*index];
}

/// `-- line 5, lock: ACCESS EXCLUSIVE, rewrites the table`, then the statement.
void print_step(std::ostream& out, step const& s) {
  out << "-- line " << s.line << ", " << lock_note(s) << "\n" << terminated(s.sql);
}

/// How a phase runs: `in a transaction of its own`, `outside a transaction block`, ...
std::string_view phase_kind(step const& first) {
  if (first.backfill) return "a backfill in batches, each batch a transaction of its own";
  if (first.outside_transaction) return "outside a transaction block";
  return "in a transaction of its own";
}

/// The steps of one direction; a phased revision's under a `-- phase 2 of 4: ...` line each.
void print_steps(std::ostream& out, revision const& r, direction dir) {
  plan_step const planned{&r, dir};
  auto const steps = steps_of(planned);
  if (!phased(planned)) {
    for (step const& s : steps) print_step(out, s);
    return;
  }
  auto const phases = phases_of(steps);
  for (std::size_t i = 0; i < phases.size(); ++i) {
    out << "-- phase " << i + 1 << " of " << phases.size() << ": "
        << phase_kind(steps[phases[i].begin]) << "\n";
    for (std::size_t k = phases[i].begin; k < phases[i].end; ++k) print_step(out, steps[k]);
  }
}

position position_of(catalog const& cat, std::string_view text) {
  if (text == "base") return std::nullopt;
  if (text == "head") {
    if (cat.revisions.empty()) return std::nullopt;
    return cat.revisions.size - 1;
  }
  auto index = find_revision(cat, text);
  if (!index) throw usage_error(fmt::format("unknown revision '{}' in sql range", text));
  return index;
}

std::string dot_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void show_revision(std::ostream& out, catalog const& cat, std::string_view id) {
  revision const& r = revision_or_throw(cat, id);
  out << "-- revision " << r.id << " \"" << r.description << "\"\n"
      << "-- source: " << source_location(cat, r) << "\n"
      << "-- parent: " << (r.parent.empty() ? std::string_view("base") : r.parent) << "\n"
      << "-- checksum: " << r.checksum << "\n"
      << (r.transactional ? "" : "-- runs outside a transaction\n") << "\n-- upgrade\n";
  print_steps(out, r, direction::upgrade);
  out << "\n-- downgrade\n";
  if (!r.reversible) {
    out << "-- irreversible" << (r.irreversible_reason.empty() ? "" : ": ") << r.irreversible_reason
        << "\n";
  } else {
    print_steps(out, r, direction::downgrade);
  }
}

void print_sql(std::ostream& out, catalog const& cat, cli_options const& o,
               cli_durations const& durations) {
  auto const colon = o.range.find(':');
  std::string const from_text = colon == std::string::npos ? "base" : o.range.substr(0, colon);
  std::string const to_text = colon == std::string::npos ? o.range : o.range.substr(colon + 1);
  position const from = position_of(cat, from_text);
  position const to = position_of(cat, to_text);
  direction const dir =
      (to ? *to + 1 : 0) >= (from ? *from + 1 : 0) ? direction::upgrade : direction::downgrade;
  target goal;
  goal.what = to ? target::kind::id : target::kind::base;
  if (to) goal.id = std::string(cat.revisions[*to].id);
  auto const steps = plan(cat, from, dir, goal);

  script_context ctx;
  ctx.version_table = version_table_for(o.version_table, cat);
  ctx.lock_timeout = durations.lock_timeout;
  ctx.concurrent_lock_timeout = durations.concurrent_lock_timeout;
  ctx.build_id = std::string(cat.chain_hash);
  ctx.role = o.role;
  out << "-- migrate sql " << position_name(cat, from) << ":" << position_name(cat, to) << " ("
      << steps.size() << " revision" << (steps.size() == 1 ? "" : "s") << ", "
      << direction_name(dir) << "): the messages " << direction_name(dir)
      << " sends, in order; run them in one session (psql -f)\n\n"
      << "SELECT pg_advisory_lock(" << advisory_lock_key(ctx.version_table)
      << ");  -- the migration lock, as a run holds it (until the session ends)\n";
  std::optional<std::string> const expected =
      from ? std::optional<std::string>(cat.revisions[*from].id) : std::nullopt;
  for (std::string const& message :
       run_script(offline_quoter(), ctx, cat, steps, expected, !from)) {
    out << "\n" << message;
  }
}

void print_graph(std::ostream& out, catalog const& cat, std::optional<position> const& online) {
  out << "digraph migrations {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    revision const& r = cat.revisions[i];
    bool const applied = online && *online && i <= **online;
    std::string style;
    if (!r.reversible) style = "dashed";
    if (applied) style += std::string(style.empty() ? "" : ",") + "filled";
    out << "  \"" << dot_escape(r.id) << "\" [label=\"" << dot_escape(r.id) << "\\n"
        << dot_escape(r.description) << "\""
        << (style.empty() ? std::string() : ", style=\"" + style + "\"")
        << (applied ? ", fillcolor=lightgrey" : "")
        << (online && *online == position(i) ? ", penwidth=3" : "")
        << (r.transactional ? "" : ", color=orange") << "];\n";
  }
  for (revision const& r : cat.revisions) {
    if (!r.parent.empty()) {
      out << "  \"" << dot_escape(r.parent) << "\" -> \"" << dot_escape(r.id) << "\";\n";
    }
  }
  out << "}\n";
}

}  // namespace migc::runtime::detail
