// One migrate command over a fleet of databases: a thin layer that runs the per-database command
// for each URL on a thread of its own, then reports.
#include "fleet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <migc/runtime/migrator.hpp>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include "connection.hpp"
#include "database_commands.hpp"
#include "failure.hpp"
#include "json_output.hpp"
#include "presentation.hpp"
#include "signal_watch.hpp"
#include "text_output.hpp"

namespace migc::runtime::detail {
namespace {

using clock = std::chrono::steady_clock;

/// The commands a fleet runs; the others act on one database (resolve, stamp: a decision about
/// that database; history, list, graph: a listing) or none (show, sql).
bool fleet_command(std::string const& command) {
  return command == "upgrade" || command == "downgrade" || command == "status" ||
         command == "verify";
}

/// How one database of the fleet ended.
struct member_result {
  std::string label;     ///< database_label of its URL
  bool started = false;  ///< false: not started (--fail-fast after a failure, or a signal)
  int exit = exit_ok;
  std::string result;  ///< ok | pending | attention | failed | interrupted | not started
  std::string from;    ///< "" when unknown
  std::string to;
  std::string detail;  ///< the rest of its line: what it did or why it failed
  std::chrono::microseconds duration{0};
  json output;  ///< what `migrate --format json <command>` prints for this database alone
};

/// The migrators running now, so that a signal can cancel each one's statement.
class running_set {
 public:
  void add(migrator* m) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_running.insert(m);
  }
  void remove(migrator* m) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_running.erase(m);
  }
  void cancel_all() {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (migrator* m : m_running) m->cancel();
  }

 private:
  std::mutex m_mutex;
  std::set<migrator*> m_running;
};

/// Registers a migrator in a running_set for its lifetime.
class running_entry {
 public:
  running_entry(running_set& set, migrator& m) : m_set(set), m_migrator(&m) { set.add(&m); }
  ~running_entry() { m_set.remove(m_migrator); }
  running_entry(running_entry const&) = delete;
  running_entry& operator=(running_entry const&) = delete;

 private:
  running_set& m_set;
  migrator* m_migrator;
};

std::string text_of(json const& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

/// "1 revision", "2 revisions"; `plural_form` for words that take another ending.
std::string plural(std::size_t n, std::string_view word, std::string_view plural_form = {}) {
  if (n == 1) return fmt::format("1 {}", word);
  return plural_form.empty() ? fmt::format("{} {}s", n, word)
                             : fmt::format("{} {}", n, plural_form);
}

/// from, to and the detail of a database that ended with a document (not an error).
void describe_outcome(std::string const& command, member_result& r) {
  json const& doc = r.output;
  if (command == "status") {
    r.from =
        doc.contains("current") && doc["current"].is_string() ? text_of(doc["current"]) : "base";
    r.to = text_of(doc["head"]);
    auto const& problems = doc["problems"];
    if (!problems.empty()) {
      r.detail = text_of(problems[0]["message"]);
    } else {
      std::size_t const pending = doc["pending"].size();
      r.detail = pending == 0 ? "up to date" : plural(pending, "revision") + " pending";
    }
    return;
  }
  if (command == "verify") {
    r.from = r.to = text_of(doc["drift"]["at"]);
    std::size_t drift = 0;
    for (auto const& f : doc["drift"]["findings"]) drift += f["kind"] == "drift" ? 1 : 0;
    std::size_t mismatched = 0;
    for (auto const& rev : doc["revisions"]) mismatched += rev["status"] == "mismatch" ? 1 : 0;
    if (!doc["unknown"].is_null()) {
      r.detail = text_of(doc["unknown"]);
    } else if (!doc["dirty"].is_null()) {
      r.detail = text_of(doc["dirty"]);
    } else if (drift + mismatched == 0) {
      r.detail = fmt::format("no drift, checksums match ({} compared)",
                             plural(doc["drift"]["objects"].get<std::size_t>(), "object"));
    } else {
      r.detail = fmt::format("{}, {}", plural(drift, "drift finding"),
                             plural(mismatched, "checksum mismatch", "checksum mismatches"));
    }
    return;
  }
  r.from = text_of(doc["from"]);
  r.to = text_of(doc["to"]);
  std::size_t const n = doc["applied"].size();
  r.detail = n == 0 ? "nothing to do"
                    : plural(n, "revision") + (command == "upgrade" ? " applied" : " reverted");
}

/// The result word of a finished database.
std::string result_word(member_result const& r) {
  // ok | pending | attention (status) | drift (verify) | failed | interrupted
  if (r.output.contains("error")) {
    return r.output["error"]["kind"] == "interrupted" ? "interrupted" : "failed";
  }
  switch (r.exit) {
    case exit_ok:
      return "ok";
    case exit_pending:
      return "pending";
    case exit_attention:
      return "attention";
    default:
      return "drift";  // verify: the one command that exits 1 without an error
  }
}

/// Runs the command on one database, as `migrate --format json --database-url URL <command>`
/// would, with its output captured. Never throws.
member_result run_member(cli_options const& fleet, cli_durations const& durations,
                         catalog const& cat, std::string const& url,
                         std::atomic<bool> const* interrupted, running_set& running) {
  member_result r;
  r.label = database_label(url);
  r.started = true;
  cli_options o = fleet;
  o.database_url = url;
  o.database_url_given = true;
  o.database_urls = {url};
  o.format = "json";
  std::ostringstream out;
  std::ostringstream err;  // progress lines, notices and the error's text: not shown
  output const io{out, err, true, false, false};
  auto const started = clock::now();
  try {
    try {
      options opts = runtime_options(o, durations, io);
      opts.interrupted = interrupted;
      migrator m(resolve_conninfo(url), cat, std::move(opts));
      running_entry const entry(running, m);
      r.exit = run_command(m, o, cat, io);
    } catch (interrupted_error const&) {
      throw;
    } catch (error const& e) {
      if (!interrupted->load()) throw;
      // The cancel hit a statement of migc's own (bookkeeping, lock polling): still an interrupt.
      throw interrupted_error(fmt::format("interrupted: {}", e.what()));
    }
  } catch (...) {
    r.exit = report_failure(io, o);
  }
  r.duration = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started);
  try {
    r.output = json::parse(out.str());
  } catch (std::exception const&) {  // nothing printed: keep the text of stderr
    r.output = {{"error", {{"kind", "other"}, {"message", password_free(err.str(), o)}}}};
  }
  r.result = result_word(r);
  if (r.output.contains("error")) {
    r.detail = text_of(r.output["error"]["message"]);
    auto const& applied = r.output["error"]["applied"];
    if (applied.is_array() && !applied.empty()) {
      r.to = text_of(applied.back());
      r.detail +=
          " (completed before the failure: " + comma_list(applied.get<std::vector<std::string>>()) +
          ")";
    }
  } else {
    describe_outcome(o.command, r);
  }
  return r;
}

member_result not_started(std::string const& url) {
  member_result r;
  r.label = database_label(url);
  r.exit = exit_failure;
  r.result = "not started";
  r.detail = "not started: an earlier database failed (--fail-fast) or migrate was interrupted";
  r.output = nullptr;
  return r;
}

std::string span_of(member_result const& r) {
  if (r.from.empty() && r.to.empty()) return "-";
  if (r.from == r.to || r.to.empty()) return r.from.empty() ? "? → " + r.to : r.from;
  return (r.from.empty() ? "?" : r.from) + " → " + r.to;
}

/// The line printed when a database ends: "[label] ok: 001 → 020, 19 revisions applied (1.2 s)".
/// The label is masked already; the detail is masked here (a server message may echo a URL).
std::string member_line(member_result const& r, cli_options const& all) {
  bool const says_result = r.detail.rfind(r.result, 0) == 0;  // "interrupted: ..."
  if (!r.started || says_result) {
    return fmt::format("[{}] {}{}", r.label, password_free(r.detail, all),
                       r.started ? fmt::format(" ({})", format_duration(r.duration)) : "");
  }
  return fmt::format("[{}] {}: {}{} ({})", r.label, r.result,
                     span_of(r) == "-" ? "" : span_of(r) + ", ", password_free(r.detail, all),
                     format_duration(r.duration));
}

void print_summary(std::ostream& out, std::vector<member_result> const& results,
                   std::chrono::microseconds total, int jobs) {
  std::vector<std::vector<std::string>> rows{{"DATABASE", "FROM → TO", "RESULT", "DURATION"}};
  std::map<std::string, std::size_t> counts;
  for (auto const& r : results) {
    rows.push_back({r.label, span_of(r), r.result, r.started ? format_duration(r.duration) : "-"});
    ++counts[r.result];
  }
  out << "\n";
  print_table(out, rows);
  std::vector<std::string> parts;
  for (auto const& [word, n] : counts) parts.push_back(fmt::format("{} {}", n, word));
  out << fmt::format("{}: {} in {} (--jobs {})\n", plural(results.size(), "database"),
                     comma_list(parts), format_duration(total), jobs);
}

std::int64_t milliseconds_of(std::chrono::microseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

json report_json(cli_options const& o, std::vector<member_result> const& results,
                 std::chrono::microseconds total, int exit) {
  json databases = json::array();
  std::map<std::string, std::size_t> counts;
  for (auto const& r : results) {
    ++counts[r.result];
    databases.push_back({{"database", r.label},
                         {"result", r.result},
                         {"exit_code", r.started ? json(r.exit) : json(nullptr)},
                         {"from", r.from.empty() ? json(nullptr) : json(r.from)},
                         {"to", r.to.empty() ? json(nullptr) : json(r.to)},
                         {"duration_ms", r.started ? json(milliseconds_of(r.duration)) : nullptr},
                         {"output", r.output}});
  }
  json doc{{"format_version", 1}};
  doc["command"] = o.command;
  doc["jobs"] = o.jobs;
  doc["fail_fast"] = o.fail_fast;
  doc["exit_code"] = exit;
  doc["duration_ms"] = milliseconds_of(total);
  doc["counts"] = counts;
  doc["databases"] = std::move(databases);
  return doc;
}

/// Every URL of the fleet: the --database-url ones, then the file's.
std::vector<std::string> fleet_urls(cli_options const& o) {
  std::vector<std::string> urls = o.database_urls;
  if (!o.database_urls_file.empty()) {
    auto const more = read_urls_file(o.database_urls_file);
    urls.insert(urls.end(), more.begin(), more.end());
  }
  if (urls.empty()) {
    throw usage_error(
        fmt::format("no database URL in --database-urls-file '{}'", o.database_urls_file));
  }
  return urls;
}

/// The databases of `urls`, o.jobs at a time; `print` gets each result when it ends.
template <typename Print>
std::vector<member_result> run_members(cli_options const& o, cli_durations const& durations,
                                       catalog const& cat, std::vector<std::string> const& urls,
                                       Print const& print) {
  std::vector<member_result> results(urls.size());
  running_set running;
  signal_watch signals;
  signals.start([&running] { running.cancel_all(); });
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (std::size_t i = next++; i < urls.size(); i = next++) {
      if ((o.fail_fast && failed) || signals.fired()) {
        results[i] = not_started(urls[i]);
      } else {
        results[i] = run_member(o, durations, cat, urls[i], signals.flag(), running);
        if (results[i].exit == exit_failure) failed = true;
      }
      print(results[i]);
    }
  };
  std::vector<std::thread> threads;
  auto const n = std::min<std::size_t>(static_cast<std::size_t>(o.jobs), urls.size());
  for (std::size_t t = 0; t < n; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace

bool is_fleet(cli_options const& o) {
  return o.database_urls.size() > 1 || !o.database_urls_file.empty() || !o.report.empty();
}

std::vector<std::string> read_urls_file(std::string const& path) {
  std::ifstream in(path);
  if (!in) {
    throw usage_error(
        fmt::format("cannot read --database-urls-file '{}': {}", path, std::strerror(errno)));
  }
  std::vector<std::string> urls;
  for (std::string line; std::getline(in, line);) {
    auto const first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto const last = line.find_last_not_of(" \t\r");
    urls.push_back(line.substr(first, last - first + 1));
  }
  if (in.bad()) {
    throw usage_error(
        fmt::format("cannot read --database-urls-file '{}': {}", path, std::strerror(errno)));
  }
  return urls;
}

std::string database_label(std::string const& url) {
  return url.empty() ? std::string("(PG* variables)") : redact(url);
}

int worse_exit(int a, int b) {
  auto rank = [](int code) {
    switch (code) {
      case exit_ok:
        return 0;
      case exit_pending:
        return 1;
      case exit_attention:
        return 2;
      default:
        return 3;
    }
  };
  return rank(b) > rank(a) ? b : a;
}

int run_fleet(cli_options const& o, cli_durations const& durations, catalog const& cat,
              output const& io) {
  if (!fleet_command(o.command)) {
    throw usage_error(fmt::format(
        "'{}' acts on one database: give one --database-url (fleets run upgrade, downgrade, "
        "status and verify)",
        o.command));
  }
  check_targets(o);
  cli_options all = o;
  all.database_urls = fleet_urls(o);  // every password, for password_free
  std::ofstream report;
  if (!o.report.empty()) {  // before anything runs: a typo in the path loses no report
    report.open(o.report, std::ios::trunc);
    if (!report) {
      throw usage_error(
          fmt::format("cannot write --report '{}': {}", o.report, std::strerror(errno)));
    }
  }
  std::mutex print_mutex;
  std::ostream& lines = io.json ? io.err : io.out;
  auto const started = clock::now();
  auto const results =
      run_members(all, durations, cat, all.database_urls, [&](member_result const& r) {
        std::lock_guard<std::mutex> lock(print_mutex);
        lines << member_line(r, all) << std::endl;
      });
  auto const total = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started);
  int exit = exit_ok;
  for (auto const& r : results) exit = worse_exit(exit, r.exit);
  json const doc = report_json(all, results, total, exit);
  if (io.json) {
    write_json(io.out, doc);
  } else {
    print_summary(io.out, results, total, o.jobs);
  }
  if (report.is_open()) {
    write_json(report, doc);
    report.flush();
    if (!report) {
      io.err << "migrate: error: could not write the report to '" << o.report << "'\n";
      exit = worse_exit(exit, exit_failure);
    }
  }
  return exit;
}

}  // namespace migc::runtime::detail
