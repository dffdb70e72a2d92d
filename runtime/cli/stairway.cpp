// `migrate stairway`: each revision up, verified, down, verified, up again, through the migrator's
// own upgrade, downgrade and verify.
#include "stairway.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "presentation.hpp"
#include "validation.hpp"

namespace migc::runtime::detail {
namespace {

using wall_clock = std::chrono::steady_clock;

/// How many findings a refusal names before "and N more".
constexpr std::size_t named_findings = 5;

std::chrono::microseconds since(wall_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(wall_clock::now() - start);
}

/// "table public.users, extension postgis and 3 more".
std::string found_objects(std::vector<drift_finding> const& findings) {
  std::string out;
  for (std::size_t i = 0; i < findings.size() && i < named_findings; ++i) {
    if (i > 0) out += ", ";
    out += findings[i].object + " " + findings[i].name;
  }
  if (findings.size() > named_findings) {
    out += fmt::format(" and {} more", findings.size() - named_findings);
  }
  return out;
}

/// The refusal of a database that is not a scratch one.
refusal not_empty(verify_report const& start) {
  std::vector<std::string> what;
  if (start.current) what.push_back(fmt::format("revision {} applied", *start.current));
  if (!start.drift.findings.empty()) what.push_back(found_objects(start.drift.findings));
  return refusal(
      refusal_reason::not_empty,
      fmt::format("the database is not empty ({}): the stairway upgrades and downgrades every "
                  "revision and needs a scratch database; create an empty one, or pass --force "
                  "to run on this one anyway (the objects found are then not reported as drift)",
                  comma_list(what)));
}

/// `003 "Backfill users.full_name"`.
std::string revision_name(revision const& rev) {
  return fmt::format("{} \"{}\"", rev.id, rev.description);
}

std::string parent_target(revision const& rev) {
  return rev.parent.empty() ? std::string("base") : std::string(rev.parent);
}

/// What "after the downgrade of 003" calls each verify step.
std::string_view step_noun(stairway_step step) {
  switch (step) {
    case stairway_step::up:
    case stairway_step::verify_up:
      return "upgrade";
    case stairway_step::down:
    case stairway_step::verify_down:
      return "downgrade";
    case stairway_step::reup:
      break;
  }
  return "second upgrade";
}

class stairway_runner {
 public:
  stairway_runner(migrator& m, catalog const& cat,
                  std::function<void(stairway_row const&)> const& on_row)
      : m_m(m), m_cat(cat), m_on_row(on_row) {}

  /// Refuses a database that is not a scratch one (unless `force`); returns the first revision
  /// to climb.
  std::size_t start(bool force) {
    verify_report const start = m_m.verify();
    if (start.dirty) throw dirty_refusal(m_cat, *start.dirty);
    if (start.unknown) throw *start.unknown;
    if (!force && (start.current || !start.drift.findings.empty())) throw not_empty(start);
    m_report.preexisting = start.drift.findings;
    for (auto const& f : start.drift.findings) m_preexisting.insert(f.message);
    m_report.from = m_report.to = start.drift.at;
    return start.applied.size();
  }

  stairway_report run(bool force) {
    auto const began = wall_clock::now();
    for (std::size_t i = start(force); i < m_cat.revisions.size; ++i) {
      if (!climb(m_cat.revisions[i])) break;
    }
    if (m_report.ok() && !m_cat.revisions.empty()) {
      auto check = verify();
      if (!check.ok()) {
        fail_drift(m_cat.revisions[m_cat.revisions.size - 1], stairway_step::reup, check);
      }
      m_report.final_check = std::move(check);
    }
    m_report.elapsed = since(began);
    return std::move(m_report);
  }

 private:
  /// One revision's stair; false when it failed (the row is reported either way).
  bool climb(revision const& rev) {
    stairway_row row;
    row.rev = &rev;
    row.irreversible = !rev.reversible;
    bool const done = steps(rev, row);
    m_report.rows.push_back(row);
    if (m_on_row) m_on_row(m_report.rows.back());
    return done;
  }

  /// Up, verify, down, verify, up again (an irreversible revision: up and verify only); false
  /// at the first step that fails.
  bool steps(revision const& rev, stairway_row& row) {
    std::string const id(rev.id);
    std::string const parent = parent_target(rev);
    auto const upgrade = [&] { return m_m.upgrade(id); };
    auto const downgrade = [&] { return m_m.downgrade(parent); };
    if (!apply(rev, stairway_step::up, upgrade, row.up)) return false;
    if (!checked(rev, stairway_step::verify_up, row.verify_up)) return false;
    if (row.irreversible) return true;
    if (!apply(rev, stairway_step::down, downgrade, row.down)) return false;
    if (!checked(rev, stairway_step::verify_down, row.verify_down)) return false;
    return apply(rev, stairway_step::reup, upgrade, row.reup);
  }

  /// Runs one upgrade or downgrade; a revision that fails on the server stops the stairway.
  template <typename Run>
  bool apply(revision const& rev, stairway_step step, Run const& run,
             std::optional<std::chrono::microseconds>& took) {
    try {
      run_result const result = run();
      m_report.to = result.to;
      took = result.applied.empty() ? std::chrono::microseconds{0} : result.applied.back().duration;
      return true;
    } catch (revision_error const& e) {
      // The runtime's message names the revision, direction, file:line, SQLSTATE and hint.
      stairway_failure failure;
      failure.revision = std::string(rev.id);
      failure.step = step;
      failure.message = step == stairway_step::reup
                            ? fmt::format("after its downgrade, {}", e.what())
                            : std::string(e.what());
      failure.sqlstate = e.sqlstate();
      failure.location = e.location();
      m_report.failure = std::move(failure);
      return false;
    }
  }

  /// Runs verify after a step; drift stops the stairway.
  bool checked(revision const& rev, stairway_step step, std::optional<stairway_check>& check) {
    check = verify();
    if (check->ok()) return true;
    fail_drift(rev, step, *check);
    return false;
  }

  /// verify, without the findings the database had before the stairway.
  stairway_check verify() {
    auto const began = wall_clock::now();
    verify_report const report = m_m.verify();
    stairway_check check;
    check.at = report.drift.at;
    for (auto const& f : report.drift.findings) {
      if (f.what == drift_finding::kind::drift && !m_preexisting.count(f.message))
        check.drift.push_back(f);
    }
    check.took = since(began);
    return check;
  }

  void fail_drift(revision const& rev, stairway_step step, stairway_check const& check) {
    std::size_t const n = check.drift.size();
    m_report.failure = stairway_failure{
        std::string(rev.id),
        step,
        fmt::format("after the {} of revision {}, the database differs from the model at {} "
                    "({} difference{}: {})",
                    step_noun(step), revision_name(rev), check.at, n, n == 1 ? "" : "s",
                    check.drift.front().message),
        {},
        {},
        check.drift};
  }

  migrator& m_m;
  catalog const& m_cat;
  std::function<void(stairway_row const&)> const& m_on_row;
  stairway_report m_report;
  std::set<std::string> m_preexisting;  ///< messages of the findings before the start
};

}  // namespace

std::string_view stairway_step_name(stairway_step step) noexcept {
  switch (step) {
    case stairway_step::up:
      return "up";
    case stairway_step::verify_up:
      return "verify_up";
    case stairway_step::down:
      return "down";
    case stairway_step::verify_down:
      return "verify_down";
    case stairway_step::reup:
      break;
  }
  return "reup";
}

std::size_t stairway_report::irreversible_count() const {
  return static_cast<std::size_t>(std::count_if(
      rows.begin(), rows.end(), [](stairway_row const& r) { return r.irreversible; }));
}

stairway_report run_stairway(migrator& m, catalog const& cat, bool force,
                             std::function<void(stairway_row const&)> const& on_row) {
  return stairway_runner(m, cat, on_row).run(force);
}

}  // namespace migc::runtime::detail
