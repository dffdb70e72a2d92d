// The JSON renderers of migrate's commands. Every document starts with "format_version": 1.
#include "json_output.hpp"

#include <ostream>

#include "adoption.hpp"
#include "validation.hpp"

namespace migc::runtime::detail {
namespace {

json document() {
  return json{{"format_version", 1}};
}

json text_or_null(std::string_view text) {
  return text.empty() ? json(nullptr) : json(std::string(text));
}

json optional_text(std::optional<std::string> const& text) {
  return text ? json(*text) : json(nullptr);
}

/// Milliseconds with microsecond precision, as the history table stores durations.
double milliseconds(std::chrono::microseconds d) {
  return static_cast<double>(d.count()) / 1000;
}

json problem_json(refusal const& problem) {
  return {{"reason", std::string(problem.reason_name())},
          {"message", problem.what()},
          {"revision", text_or_null(problem.revision())}};
}

json dirty_json(catalog const& cat, dirty_marker const& d) {
  return {{"revision", d.revision},
          {"direction", d.direction},
          {"statements_done", d.statements_done},
          {"statements_total", d.statements_total},
          {"error", text_or_null(d.error)},
          {"started_at", d.started_at},
          {"invalid_indexes", d.invalid_indexes},
          // The statement a stop interrupted: sent when, to which server process, and what
          // pg_stat_activity says of that process now (null: gone).
          {"pid", d.pid == 0 ? json(nullptr) : json(d.pid)},
          {"statement_started_at", text_or_null(d.statement_started_at)},
          {"backend_state", text_or_null(d.backend_state)},
          {"message", dirty_refusal(cat, d).what()}};
}

json record_json(std::optional<applied_record> const& r) {
  if (!r) return nullptr;
  return {{"checksum", r->checksum}, {"build_id", r->build_id}, {"description", r->description}};
}

std::string_view drift_status_name(drift_report::state s) {
  return s == drift_report::state::checked ? "checked" : "skipped";
}

std::string_view finding_name(drift_finding::kind k) {
  switch (k) {
    case drift_finding::kind::drift:
      return "drift";
    case drift_finding::kind::not_modelled:
      break;
  }
  return "not_modelled";
}

json findings_json(std::vector<drift_finding> const& findings) {
  json out = json::array();
  for (drift_finding const& f : findings) {
    out.push_back({{"kind", std::string(finding_name(f.what))},
                   {"object", f.object},
                   {"name", f.name},
                   {"message", f.message}});
  }
  return out;
}

json drift_json(drift_report const& d) {
  return {{"status", std::string(drift_status_name(d.status))},
          {"at", d.at},
          {"drift", d.has_drift()},
          {"objects", d.objects},
          {"findings", findings_json(d.findings)},
          {"schema", d.schema.empty() ? json(nullptr) : json(d.schema)},
          {"model_schema", d.model_schema.empty() ? json(nullptr) : json(d.model_schema)}};
}

json duration_or_null(std::optional<std::chrono::microseconds> const& d) {
  return d ? json(milliseconds(*d)) : json(nullptr);
}

json check_json(std::optional<stairway_check> const& c) {
  if (!c) return nullptr;
  return {{"at", c->at},
          {"ok", c->ok()},
          {"ms", milliseconds(c->took)},
          {"drift", findings_json(c->drift)}};
}

json stairway_row_json(stairway_row const& row) {
  return {{"id", std::string(row.rev->id)},
          {"description", std::string(row.rev->description)},
          {"irreversible", row.irreversible},
          {"up_ms", duration_or_null(row.up)},
          {"verify_up", check_json(row.verify_up)},
          {"down_ms", duration_or_null(row.down)},
          {"verify_down", check_json(row.verify_down)},
          {"reup_ms", duration_or_null(row.reup)}};
}

json stairway_failure_json(std::optional<stairway_failure> const& f) {
  if (!f) return nullptr;
  return {{"revision", f->revision},
          {"step", std::string(stairway_step_name(f->step))},
          {"message", f->message},
          {"sqlstate", text_or_null(f->sqlstate)},
          {"location", text_or_null(f->location)},
          {"drift", findings_json(f->drift)}};
}

std::string_view verify_status(verify_entry const& e) {
  if (!e.recorded) return "unrecorded";
  return e.matches ? "ok" : "mismatch";
}

}  // namespace

void write_json(std::ostream& out, json const& document) {
  out << document.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

json list_json(catalog const& cat, std::optional<position> const& online) {
  json doc = document();
  doc["head"] = cat.revisions.empty() ? json(nullptr) : json(std::string(head_name(cat)));
  doc["chain_hash"] = std::string(cat.chain_hash);
  if (online) doc["current"] = *online ? json(std::string(position_name(cat, *online))) : nullptr;
  json revisions = json::array();
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    revision const& r = cat.revisions[i];
    json entry{{"id", std::string(r.id)},
               {"parent", text_or_null(r.parent)},
               {"description", std::string(r.description)},
               {"source_file", std::string(r.source_file)},
               {"source_line", r.source_line},
               {"checksum", std::string(r.checksum)},
               {"transactional", r.transactional},
               {"reversible", r.reversible},
               {"irreversible_reason", text_or_null(r.irreversible_reason)}};
    if (online) entry["applied"] = *online && i <= **online;
    revisions.push_back(std::move(entry));
  }
  doc["revisions"] = std::move(revisions);
  return doc;
}

json status_json(catalog const& cat, status_report const& s, std::string const& version_table) {
  json pending = json::array();
  for (revision const* r : s.pending) {
    pending.push_back({{"id", std::string(r->id)}, {"description", std::string(r->description)}});
  }
  json problems = json::array();
  for (refusal const& p : s.problems) problems.push_back(problem_json(p));
  json doc = document();
  doc["version_table"] = version_table;
  doc["current"] = optional_text(s.current);
  // The revision an adopted version row (another tool's id) stands for; null otherwise.
  doc["adopted_by"] = s.current && s.at && is_adopted(cat, *s.current)
                          ? json(std::string(cat.revisions[*s.at].id))
                          : json(nullptr);
  doc["head"] = cat.revisions.empty() ? json(nullptr) : json(std::string(head_name(cat)));
  doc["up_to_date"] = s.pending.empty() && s.problems.empty();
  doc["pending"] = std::move(pending);
  doc["dirty"] = s.dirty ? dirty_json(cat, *s.dirty) : json(nullptr);
  doc["problems"] = std::move(problems);
  doc["running"] = s.running ? json(*s.running) : json(nullptr);
  return doc;
}

json history_json(std::vector<history_entry> const& rows) {
  json history = json::array();
  for (history_entry const& h : rows) {
    history.push_back({{"id", h.id},
                       {"applied_at", h.applied_at},
                       {"direction", h.direction},
                       {"revision", optional_text(h.revision)},
                       {"description", h.description},
                       {"duration_ms", h.duration ? json(milliseconds(*h.duration)) : nullptr},
                       {"checksum", h.checksum},
                       {"applied_by", h.applied_by},
                       {"build_id", h.build_id}});
  }
  json doc = document();
  doc["history"] = std::move(history);
  return doc;
}

json verify_json(catalog const& cat, verify_report const& v) {
  json revisions = json::array();
  for (verify_entry const& e : v.applied) {
    revisions.push_back({{"id", std::string(e.rev->id)},
                         {"status", std::string(verify_status(e))},
                         {"embedded_checksum", std::string(e.rev->checksum)},
                         {"source", source_location(cat, *e.rev)},
                         {"recorded", record_json(e.recorded)}});
  }
  json doc = document();
  doc["ok"] = v.ok();
  doc["current"] = optional_text(v.current);
  doc["unknown"] = v.unknown ? json(v.unknown->what()) : json(nullptr);
  doc["unknown_reason"] = v.unknown ? json(std::string(v.unknown->reason_name())) : nullptr;
  doc["dirty"] = v.dirty ? json(dirty_refusal(cat, *v.dirty).what()) : json(nullptr);
  doc["revisions"] = std::move(revisions);
  doc["drift"] = drift_json(v.drift);
  return doc;
}

json run_json(run_result const& r) {
  json applied = json::array();
  for (applied_revision const& a : r.applied) {
    applied.push_back({{"id", std::string(a.rev->id)},
                       {"direction", std::string(direction_name(a.dir))},
                       {"duration_ms", milliseconds(a.duration)}});
  }
  json doc = document();
  doc["from"] = r.from;
  doc["to"] = r.to;
  doc["applied"] = std::move(applied);
  doc["standby_lsn"] = text_or_null(r.standby_lsn);
  return doc;
}

json stairway_json(stairway_report const& r) {
  json revisions = json::array();
  for (stairway_row const& row : r.rows) revisions.push_back(stairway_row_json(row));
  json doc = document();
  doc["ok"] = r.ok();
  doc["from"] = r.from;
  doc["to"] = r.to;
  doc["elapsed_ms"] = milliseconds(r.elapsed);
  doc["revisions"] = std::move(revisions);
  doc["final_verify"] = check_json(r.final_check);
  doc["preexisting"] = findings_json(r.preexisting);
  doc["failure"] = stairway_failure_json(r.failure);
  return doc;
}

json version_json(catalog const& cat, std::string_view libpq_version) {
  json doc = document();
  doc["version"] = MIGC_VERSION;
  doc["head"] = cat.revisions.empty() ? json(nullptr) : json(std::string(head_name(cat)));
  doc["revisions"] = cat.revisions.size;
  doc["chain_hash"] = std::string(cat.chain_hash);
  doc["libpq"] = std::string(libpq_version);
  return doc;
}

json error_json(std::string_view kind, std::string const& message, error const* e) {
  json err{{"kind", std::string(kind)}};
  auto const* refused = dynamic_cast<refusal const*>(e);
  err["reason"] = refused ? json(std::string(refused->reason_name())) : json(nullptr);
  err["message"] = message;
  err["revision"] = e ? text_or_null(e->revision()) : json(nullptr);
  err["location"] = e ? text_or_null(e->location()) : json(nullptr);
  err["sqlstate"] = e ? text_or_null(e->sqlstate()) : json(nullptr);
  err["applied"] = e ? json(e->applied()) : json::array();
  json doc = document();
  doc["error"] = std::move(err);
  return doc;
}

}  // namespace migc::runtime::detail
