// The `migrate` command line: parses arguments with CLI11 and drives migc::runtime::migrator.
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <migc/runtime/cli.hpp>
#include <migc/runtime/connection.hpp>
#include <migc/runtime/detail/cli_io.hpp>
#include <migc/runtime/detail/version_store.hpp>
#include <migc/runtime/error.hpp>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <pqxx/connection_base>
#include <pqxx/except>
#include <sstream>
#include <thread>

namespace migc::runtime {
namespace detail {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_pending = 3;

/// Everything the command line says, filled in by CLI11.
struct cli_options {
  std::string database_url;
  bool database_url_given = false;
  std::string version_table;
  std::string lock_timeout = "10s";
  std::string lock_wait = "forever";
  int lock_retries = 0;
  std::string role;
  bool allow_checksum_mismatch = false;
  bool single_transaction = false;
  bool resolved_applied = false;
  bool resolved_rolled_back = false;
  bool colour = false;  ///< ANSI colours on stdout (a terminal, NO_COLOR unset): not a flag
  std::string format = "text";
  bool check = false;
  std::string upgrade_target = "head";
  std::string downgrade_target;
  std::string revision_id;
  std::string range;
};

// ---- signals ------------------------------------------------------------------------------

/**
 * Write end of the self-pipe of the one installed signal_watch, -1 when none.
 * This is the only global state: a signal handler can reach nothing but
 * globals, and write(2) on a pipe is all it may safely do (no locks, no
 * allocation, no libpq).
 */
std::atomic<int> g_signal_pipe{-1};

extern "C" void on_stop_signal(int signo) {
  int const saved = errno;  // the handler must not clobber the interrupted code's errno
  int const fd = g_signal_pipe.load();
  if (fd >= 0) {
    auto const byte = static_cast<unsigned char>(signo);
    [[maybe_unused]] auto n = ::write(fd, &byte, 1);
  }
  errno = saved;
}

/**
 * SIGINT/SIGTERM while a database command runs: the handler writes the signal
 * to a self-pipe; a watcher thread reads it, sets the flag the migrator
 * checks (lock polling, between revisions and statements) and cancels the
 * running statement with libpq's cancel request (cancel_query opens its own
 * socket to the server, so it is safe beside the busy connection). The
 * revision then fails, is rolled back, the lock is released and migrate
 * exits 1 with "interrupted". Previous handlers come back afterwards. Only
 * one watch is installed at a time (a second, concurrent run_cli in the same
 * process goes without).
 */
class signal_watch {
 public:
  explicit signal_watch(pqxx::connection_base& cx) : m_cx(cx) {
    if (::pipe(m_pipe) != 0) return;
    int expected = -1;
    if (!g_signal_pipe.compare_exchange_strong(expected, m_pipe[1])) {
      close_pipe();
      return;
    }
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &m_old_int);
    sigaction(SIGTERM, &action, &m_old_term);
    m_installed = true;
    m_thread = std::thread([this] { watch(); });
  }

  ~signal_watch() {
    if (!m_installed) return;
    sigaction(SIGINT, &m_old_int, nullptr);
    sigaction(SIGTERM, &m_old_term, nullptr);
    g_signal_pipe.store(-1);
    unsigned char const stop = 0;  // 0 is no signal: tells the watcher to end
    [[maybe_unused]] auto n = ::write(m_pipe[1], &stop, 1);
    m_thread.join();
    close_pipe();
  }

  signal_watch(signal_watch const&) = delete;
  signal_watch& operator=(signal_watch const&) = delete;

  [[nodiscard]] std::atomic<bool> const* flag() const { return &m_fired; }
  [[nodiscard]] bool fired() const { return m_fired.load(); }
  [[nodiscard]] char const* signal_name() const {
    return m_signal.load() == SIGINT ? "SIGINT" : "SIGTERM";
  }

 private:
  void watch() noexcept {
    for (;;) {
      unsigned char byte = 0;
      auto const n = ::read(m_pipe[0], &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || byte == 0) return;
      m_signal = byte;
      m_fired = true;
      try {
        m_cx.cancel_query();  // every signal cancels again: a second Ctrl-C is never ignored
      } catch (...) {  // nothing running, or the server is gone: the flag still stops the run
      }
    }
  }

  void close_pipe() noexcept {
    ::close(m_pipe[0]);
    ::close(m_pipe[1]);
  }

  pqxx::connection_base& m_cx;
  int m_pipe[2] = {-1, -1};
  bool m_installed = false;
  std::atomic<bool> m_fired{false};
  std::atomic<int> m_signal{0};
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
  std::thread m_thread;
};

/// A usage error found after CLI11's parse (bad target, bad duration): exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `text` in an ANSI SGR colour (31 red, 32 green, 33 yellow) when `on`.
std::string paint(std::string_view text, int sgr, bool on) {
  if (!on) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", sgr, text);
}

/// A progress line coloured by what it says: done green, reverted/waiting/retrying yellow.
std::string paint_progress(std::string_view line, bool on) {
  auto starts = [&](std::string_view p) { return line.rfind(p, 0) == 0; };
  if (starts("Applied ") || starts("Database is already") || starts("Resolved ")) {
    return paint(line, 32, on);
  }
  if (starts("Reverted ") || starts("Waiting ") || starts("Revision ") || starts("Warning") ||
      starts("Accepting ")) {
    return paint(line, 33, on);
  }
  return std::string(line);
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_or_null(std::optional<std::string> const& value) {
  return value ? json_string(*value) : std::string("null");
}

std::string format_duration(double ms) {
  if (ms < 1000) return fmt::format("{:.0f} ms", ms);
  if (ms < 60000) return fmt::format("{:.1f} s", ms / 1000);
  return fmt::format("{} min {} s", static_cast<long>(ms / 60000),
                     static_cast<long>(ms / 1000) % 60);
}

std::string_view head_id(catalog const& cat) {
  return cat.revisions.empty() ? std::string_view("base")
                               : cat.revisions[cat.revisions.size - 1].id;
}

/// Prints rows as aligned columns (the last column is not padded).
void print_table(std::ostream& out, std::vector<std::vector<std::string>> const& rows) {
  std::vector<std::size_t> widths;
  for (auto const& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (auto const& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }
}

// ---- offline commands ---------------------------------------------------------------------

/// Whether revision `index` is applied at `at` (the current revision included).
bool applied_at(position at, std::size_t index) {
  return at && index <= *at;
}

/**
 * `online`: the database's position when one was reachable (nullopt: offline).
 * Online, text rows note "applied"/"current" and JSON gains "current" and a
 * per-revision "applied".
 */
void cmd_list(catalog const& cat, bool json, std::optional<position> const& online,
              std::ostream& out) {
  if (json) {
    out << "{\"format_version\":1,\"head\":"
        << (cat.revisions.empty() ? std::string("null") : json_string(head_id(cat)))
        << ",\"chain_hash\":" << json_string(cat.chain_hash);
    if (online) {
      out << ",\"current\":"
          << (*online ? json_string(cat.revisions[**online].id) : std::string("null"));
    }
    out << ",\"revisions\":[";
    for (std::size_t i = 0; i < cat.revisions.size; ++i) {
      revision const& r = cat.revisions[i];
      out << (i ? "," : "") << "{\"id\":" << json_string(r.id)
          << ",\"parent\":" << (r.parent.empty() ? std::string("null") : json_string(r.parent))
          << ",\"description\":" << json_string(r.description)
          << ",\"source_file\":" << json_string(r.source_file)
          << ",\"source_line\":" << r.source_line << ",\"checksum\":" << json_string(r.checksum)
          << ",\"transactional\":" << (r.transactional ? "true" : "false")
          << ",\"reversible\":" << (r.reversible ? "true" : "false");
      if (online) out << ",\"applied\":" << (applied_at(*online, i) ? "true" : "false");
      out << "}";
    }
    out << "]}\n";
    return;
  }
  std::vector<std::vector<std::string>> rows{{"REVISION", "DESCRIPTION", "SOURCE", "NOTES"}};
  for (revision const& r : cat.revisions) {
    std::string notes;
    auto const index = static_cast<std::size_t>(&r - cat.revisions.begin());
    if (online && *online == position(index)) {
      notes += "current ";
    } else if (online && applied_at(*online, index)) {
      notes += "applied ";
    }
    if (!r.transactional) notes += "non-transactional ";
    if (!r.reversible) notes += "irreversible ";
    if (&r == &cat.revisions[cat.revisions.size - 1]) notes += "head";
    rows.push_back({std::string(r.id), std::string(r.description), source_location(cat, r), notes});
  }
  print_table(out, rows);
}

revision const& revision_or_throw(catalog const& cat, std::string_view id) {
  auto index = find_revision(cat, id);
  if (!index) throw usage_error(fmt::format("unknown revision '{}'", id));
  return cat.revisions[*index];
}

/// `-- line 5, lock: ACCESS EXCLUSIVE, rewrites the table` (lock part only when the catalog knows
/// it).
void print_steps(std::ostream& out, array_view<step> steps) {
  for (step const& s : steps) {
    std::string const lock = lock_note(s);
    out << "-- line " << s.line << (lock.empty() ? "" : ", ") << lock << "\n" << terminated(s.sql);
  }
}

void cmd_show(catalog const& cat, std::string_view id, std::ostream& out) {
  revision const& r = revision_or_throw(cat, id);
  out << "-- revision " << r.id << " \"" << r.description << "\"\n"
      << "-- source: " << source_location(cat, r) << "\n"
      << "-- parent: " << (r.parent.empty() ? std::string_view("base") : r.parent) << "\n"
      << "-- checksum: " << r.checksum << "\n"
      << (r.transactional ? "" : "-- runs outside a transaction\n") << "\n-- upgrade\n";
  print_steps(out, r.upgrade);
  out << "\n-- downgrade\n";
  if (!r.reversible) {
    out << "-- irreversible\n";
  } else {
    print_steps(out, r.downgrade);
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

/// `migrate sql [FROM:]TO`: the exact scripts upgrade/downgrade would send, no database.
void cmd_sql(catalog const& cat, cli_options const& o, std::chrono::milliseconds lock_timeout,
             std::ostream& out) {
  auto const colon = o.range.find(':');
  std::string const from_text = colon == std::string::npos ? "base" : o.range.substr(0, colon);
  std::string const to_text = colon == std::string::npos ? o.range : o.range.substr(colon + 1);
  position const from = position_of(cat, from_text);
  position const to = position_of(cat, to_text);
  std::size_t const from_level = from ? *from + 1 : 0;
  std::size_t const to_level = to ? *to + 1 : 0;
  direction const dir = to_level >= from_level ? direction::upgrade : direction::downgrade;
  target goal;
  goal.what = to ? target::kind::id : target::kind::base;
  if (to) goal.id = std::string(cat.revisions[*to].id);
  auto const steps = plan(cat, from, dir, goal);

  quoter const q = offline_quoter();
  script_context ctx;
  ctx.version_table = version_table_for(o.version_table, cat);
  ctx.lock_timeout = lock_timeout;
  ctx.build_id = std::string(cat.chain_hash);

  out << "-- migrate sql " << position_name(cat, from) << ":" << position_name(cat, to) << " ("
      << steps.size() << " revision" << (steps.size() == 1 ? "" : "s") << ", " << to_string(dir)
      << ")\n";
  if (!from) {
    out << "-- run only when missing (migrate creates them under its lock):\n"
        << create_version_table_sql(q, ctx.version_table) << ";\n"
        << create_history_table_sql(q, ctx.version_table) << ";\n";
  }
  std::optional<std::string> expected =
      from ? std::optional<std::string>(cat.revisions[*from].id) : std::nullopt;
  for (plan_step const& s : steps) {
    out << "\n-- " << to_string(s.dir) << " " << s.rev->id << " \"" << s.rev->description << "\" ("
        << source_location(cat, *s.rev) << ")\n";
    if (s.rev->transactional) {
      out << revision_script(q, ctx, *s.rev, s.dir, expected, true);
    } else {
      out << "-- outside a transaction, statement by statement:\n"
          << lock_timeout_sql(q, lock_timeout, false) << ";\n";
      print_steps(out, s.dir == direction::upgrade ? s.rev->upgrade : s.rev->downgrade);
      out << "RESET lock_timeout;\nBEGIN;\n"
          << version_update_sql(q, ctx, expected, version_after(*s.rev, s.dir)) << ";\n"
          << history_insert_sql(q, ctx, std::string(s.rev->id), to_string(s.dir), s.rev->checksum,
                                s.rev->description)
          << ";\nCOMMIT;\n";
    }
    expected = version_after(*s.rev, s.dir);
  }
}

std::string dot_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// Online, applied revisions are filled grey and the current one has a bold border.
void cmd_graph(catalog const& cat, std::optional<position> const& online, std::ostream& out) {
  out << "digraph migrations {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (std::size_t i = 0; i < cat.revisions.size; ++i) {
    revision const& r = cat.revisions[i];
    bool const applied = online && applied_at(*online, i);
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

// ---- database commands --------------------------------------------------------------------

void cmd_status(migrator& m, catalog const& cat, bool json, bool colour, std::ostream& out,
                status_report const& s) {
  if (json) {
    out << "{\"format_version\":1,\"version_table\":" << json_string(m.version_table())
        << ",\"current\":" << json_or_null(s.current)
        << ",\"head\":" << (cat.revisions.empty() ? std::string("null") : json_string(head_id(cat)))
        << ",\"up_to_date\":" << (s.pending.empty() ? "true" : "false") << ",\"pending\":[";
    for (std::size_t i = 0; i < s.pending.size(); ++i) {
      out << (i ? "," : "") << "{\"id\":" << json_string(s.pending[i]->id)
          << ",\"description\":" << json_string(s.pending[i]->description) << "}";
    }
    out << "]}\n";
    return;
  }
  auto describe = [&](position at) {
    if (!at) return std::string("base");
    return fmt::format("{} \"{}\"", cat.revisions[*at].id, cat.revisions[*at].description);
  };
  out << "Version table:    " << m.version_table()
      << (s.version_table_exists ? "" : " (not created yet)") << "\n"
      << "Current revision: " << describe(s.at) << "\n"
      << "Head revision:    "
      << (cat.revisions.empty() ? std::string("base") : describe(cat.revisions.size - 1)) << "\n";
  if (s.dirty) out << paint("Dirty: " + describe_dirty(cat, *s.dirty), 31, colour) << "\n";
  if (s.pending.empty()) {
    out << paint("Database is up to date.", 32, colour) << "\n";
    return;
  }
  out << paint(fmt::format("{} pending revision{}:", s.pending.size(),
                           s.pending.size() == 1 ? "" : "s"),
               33, colour)
      << "\n";
  std::vector<std::vector<std::string>> rows;
  for (revision const* r : s.pending) {
    rows.push_back(
        {"  " + std::string(r->id), std::string(r->description), source_location(cat, *r)});
  }
  print_table(out, rows);
}

void cmd_history(std::vector<history_entry> const& rows, bool json, std::ostream& out) {
  if (json) {
    out << "{\"format_version\":1,\"history\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      history_entry const& h = rows[i];
      out << (i ? "," : "") << "{\"id\":" << h.id << ",\"applied_at\":" << json_string(h.applied_at)
          << ",\"direction\":" << json_string(h.direction)
          << ",\"revision\":" << json_or_null(h.revision)
          << ",\"description\":" << json_string(h.description)
          << ",\"duration_ms\":" << fmt::format("{:.3f}", h.duration_ms)
          << ",\"checksum\":" << json_string(h.checksum)
          << ",\"applied_by\":" << json_string(h.applied_by)
          << ",\"build_id\":" << json_string(h.build_id) << "}";
    }
    out << "]}\n";
    return;
  }
  if (rows.empty()) {
    out << "No history recorded yet.\n";
    return;
  }
  std::vector<std::vector<std::string>> table{
      {"APPLIED AT", "DIRECTION", "REVISION", "DURATION", "BY", "CHECKSUM", "DESCRIPTION"}};
  for (history_entry const& h : rows) {
    table.push_back({h.applied_at, h.direction, h.revision ? *h.revision : "base",
                     format_duration(h.duration_ms), h.applied_by, h.checksum.substr(0, 19),
                     h.description});
  }
  print_table(out, table);
}

std::string json_record(std::optional<applied_record> const& r) {
  if (!r) return "null";
  return "{\"checksum\":" + json_string(r->checksum) + ",\"build_id\":" + json_string(r->build_id) +
         ",\"description\":" + json_string(r->description) + "}";
}

std::string_view drift_status_name(drift_report::state s) {
  switch (s) {
    case drift_report::state::skipped:
      return "skipped";
    case drift_report::state::checked:
      return "checked";
  }
  return "skipped";
}

std::string_view finding_name(drift_finding::kind k) {
  switch (k) {
    case drift_finding::kind::drift:
      return "drift";
    case drift_finding::kind::not_modelled:
      return "not_modelled";
    case drift_finding::kind::raw_sql:
      return "raw_sql";
  }
  return "drift";
}

std::string drift_json(drift_report const& d) {
  std::string out = "{\"status\":" + json_string(drift_status_name(d.status)) +
                    ",\"at\":" + json_string(d.at) +
                    ",\"drift\":" + (d.has_drift() ? "true" : "false") +
                    ",\"objects\":" + std::to_string(d.objects) + ",\"findings\":[";
  for (std::size_t i = 0; i < d.findings.size(); ++i) {
    drift_finding const& f = d.findings[i];
    out += (i ? "," : "") + std::string("{\"kind\":") + json_string(finding_name(f.what)) +
           ",\"object\":" + json_string(f.object) + ",\"name\":" + json_string(f.name) +
           ",\"message\":" + json_string(f.message) + "}";
  }
  return out + "]}";
}

/// "revision 003", or "base" (the empty model).
std::string model_revision(drift_report const& d) {
  return d.at == "base" ? d.at : "revision " + d.at;
}

/// The drift half of `verify` as text: a summary line, then one line per finding.
void print_drift(drift_report const& d, std::ostream& out) {
  switch (d.status) {
    case drift_report::state::skipped:
      out << "Schema drift: not checked (the database is dirty or at an unknown revision).\n";
      return;
    case drift_report::state::checked:
      break;
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
    out << "Not counted as drift (raw SQL created or changed these):\n";
    for (auto const* f : lenient) out << "  " << f->message << "\n";
  }
}

/// `migrate verify`: every applied revision's recorded checksum against the embedded one.
void cmd_verify(catalog const& cat, verify_report const& v, bool json, std::ostream& out) {
  if (json) {
    out << "{\"format_version\":1,\"ok\":" << (v.ok() ? "true" : "false")
        << ",\"current\":" << json_or_null(v.current)
        << ",\"unknown\":" << (v.unknown.empty() ? std::string("null") : json_string(v.unknown))
        << ",\"dirty\":"
        << (v.dirty ? json_string(describe_dirty(cat, *v.dirty)) : std::string("null"))
        << ",\"revisions\":[";
    for (std::size_t i = 0; i < v.applied.size(); ++i) {
      verify_entry const& e = v.applied[i];
      out << (i ? "," : "") << "{\"id\":" << json_string(e.rev->id) << ",\"status\":"
          << json_string(!e.recorded ? "unrecorded"
                         : e.matches ? "ok"
                                     : "mismatch")
          << ",\"embedded_checksum\":" << json_string(e.rev->checksum)
          << ",\"source\":" << json_string(source_location(cat, *e.rev))
          << ",\"recorded\":" << json_record(e.recorded) << "}";
    }
    out << "],\"drift\":" << drift_json(v.drift) << "}\n";
    return;
  }
  if (!v.unknown.empty()) out << v.unknown << "\n";
  if (v.dirty) out << describe_dirty(cat, *v.dirty) << "\n";
  std::vector<std::vector<std::string>> rows{
      {"REVISION", "STATUS", "RECORDED", "EMBEDDED", "SOURCE"}};
  std::size_t mismatches = 0;
  for (verify_entry const& e : v.applied) {
    if (!e.matches) ++mismatches;
    rows.push_back({std::string(e.rev->id),
                    !e.recorded ? "unrecorded"
                    : e.matches ? "ok"
                                : "MISMATCH",
                    e.recorded ? e.recorded->checksum : "-", std::string(e.rev->checksum),
                    source_location(cat, *e.rev)});
  }
  if (!v.applied.empty()) print_table(out, rows);
  if (v.unknown.empty()) {
    out << (v.applied.empty() ? std::string("No revisions applied.")
                              : fmt::format("{} applied revision{} checked, {} mismatch{}.",
                                            v.applied.size(), v.applied.size() == 1 ? "" : "s",
                                            mismatches, mismatches == 1 ? "" : "es"))
        << "\n";
  }
  print_drift(v.drift, out);
}

void print_run_json(run_result const& r, std::ostream& out) {
  out << "{\"format_version\":1,\"from\":" << json_string(r.from) << ",\"to\":" << json_string(r.to)
      << ",\"applied\":[";
  for (std::size_t i = 0; i < r.applied.size(); ++i) {
    out << (i ? "," : "") << "{\"id\":" << json_string(r.applied[i].rev->id)
        << ",\"direction\":" << json_string(to_string(r.applied[i].dir))
        << ",\"duration_ms\":" << r.applied[i].duration.count() << "}";
  }
  out << "]}\n";
}

/// Builds the CLI11 app; `o` receives the values.
void define_cli(CLI::App& app, cli_options& o) {
  app.fallthrough();  // global options work before or after the command (inherited)
  app.require_subcommand(1);
  app.add_option("--database-url", o.database_url,
                 "libpq URL or key=value conninfo (default: $DATABASE_URL, else PG* variables)");
  app.add_option("--version-table", o.version_table,
                 "version table, optionally schema.table (default: the catalog's)");
  app.add_option("--lock-timeout", o.lock_timeout,
                 "bound on each table lock wait, e.g. 10s, 500ms, 0 = none")
      ->capture_default_str();
  app.add_option("--lock-wait", o.lock_wait,
                 "bound on the wait for the migration lock held by another run, e.g. 30s; "
                 "exceeded: exit 1 naming the holder (default: forever)")
      ->capture_default_str();
  app.add_option("--lock-retries", o.lock_retries,
                 "retry a revision whose table lock wait hit --lock-timeout (rolled back, "
                 "retried after 0.5 s, 1 s, 2 s ...)")
      ->check(CLI::Range(0, 20))
      ->capture_default_str();
  app.add_option("--role", o.role,
                 "run the revisions under SET LOCAL ROLE ROLE, so new objects belong to it");
  app.add_flag("--allow-checksum-mismatch", o.allow_checksum_mismatch,
               "DANGEROUS: accept applied revisions whose checksum differs from this binary's "
               "(an edited revision, or another branch's); the database keeps what the old SQL "
               "did, and a 'repair' history row stops later runs from refusing");
  app.add_option("--format", o.format, "output format of status, history, list, verify")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  auto* status = app.add_subcommand("status", "current revision, head, pending revisions");
  status->add_flag("--check", o.check, "exit with 3 when revisions are pending");
  auto* upgrade = app.add_subcommand("upgrade", "apply pending revisions");
  upgrade->add_option("target", o.upgrade_target, "head (default) | <id> | +N");
  auto* downgrade = app.add_subcommand("downgrade", "revert revisions");
  downgrade->add_option("target", o.downgrade_target, "<id> | -N | base")->required();
  for (auto* run : {upgrade, downgrade}) {
    run->add_flag("--single-transaction", o.single_transaction,
                  "run every revision in ONE transaction, committed together or not at all "
                  "(refused when one runs without a transaction)");
  }
  app.add_subcommand("history", "applied revisions: when, how long, checksum, by whom");
  app.add_subcommand("list",
                     "the embedded revisions (applied and current marked when a database answers)");
  app.add_subcommand("show", "the SQL of one revision, both directions")
      ->add_option("id", o.revision_id, "revision id")
      ->required();
  app.add_subcommand("sql", "offline: the SQL script for a range, no database")
      ->add_option("range", o.range, "[FROM:]TO, each base | head | <id>")
      ->required();
  app.add_subcommand("stamp", "set the version without running anything")
      ->add_option("id", o.revision_id, "<id> | base")
      ->required();
  app.add_subcommand(
      "graph", "the chain as Graphviz DOT (applied revisions filled when a database answers)");
  auto* resolve = app.add_subcommand(
      "resolve", "clear the dirty mark a non-transactional revision left when it stopped midway");
  resolve->add_option("id", o.revision_id, "the dirty revision")->required();
  auto* applied = resolve->add_flag("--applied", o.resolved_applied,
                                    "its remaining statements were completed by hand");
  auto* rolled_back =
      resolve->add_flag("--rolled-back", o.resolved_rolled_back, "what it ran was undone by hand");
  applied->excludes(rolled_back);
  app.add_subcommand(
      "verify",
      "applied revisions' recorded checksums vs the embedded ones; at head, the live "
      "schema vs the compiler's model (exit 1 on a difference or drift)");
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
}

int run_with(migrator& m, std::string const& command, cli_options const& o, catalog const& cat,
             bool json, std::ostream& out);

int run_database_command(std::string const& command, cli_options const& o, catalog const& cat,
                         std::chrono::milliseconds lock_timeout,
                         std::optional<std::chrono::milliseconds> lock_wait, std::ostream& out,
                         std::ostream& err) {
  bool const json = o.format == "json";
  // Validate targets before connecting: a typo is a usage error, not a failed run.
  try {
    if (command == "upgrade") (void)parse_upgrade_target(o.upgrade_target);
    if (command == "downgrade") (void)parse_downgrade_target(o.downgrade_target);
  } catch (target_error const& e) {
    throw usage_error(e.what());
  }

  std::string const conninfo = resolve_conninfo(
      o.database_url_given ? std::optional<std::string>(o.database_url) : std::nullopt);
  auto cx = connect(conninfo);
  options opts;
  opts.version_table = o.version_table;
  opts.lock_timeout = lock_timeout;
  opts.lock_wait = lock_wait;
  opts.lock_retries = o.lock_retries;
  opts.role = o.role;
  opts.allow_checksum_mismatch = o.allow_checksum_mismatch;
  opts.single_transaction = o.single_transaction;
  opts.conninfo = conninfo;
  // Progress goes to stdout for people; with --format json stdout is reserved for the JSON.
  std::ostream& progress = json ? err : out;
  bool const colour = o.colour && !json;
  opts.log = [&progress, colour](std::string_view line) {
    progress << paint_progress(line, colour) << std::endl;
  };
  opts.notice = [&err](std::string_view line) { err << "migrate: server: " << line << "\n"; };
  // Only runs that change the database have something to roll back and a lock to release; a
  // read-only command (status, history, verify) ends with the signal's default action, and its
  // start-up skips the watcher thread (status is measured against psql: bench/README.md).
  bool const changes_database = command != "status" && command != "history" && command != "verify";
  std::optional<signal_watch> signals;
  if (changes_database) signals.emplace(*cx);
  opts.interrupted = signals ? signals->flag() : nullptr;
  migrator m(*cx, cat, opts);
  try {
    return run_with(m, command, o, cat, json, out);
  } catch (interrupted_error const&) {
    throw;
  } catch (error const& e) {
    if (!signals || !signals->fired()) throw;
    // The cancel hit a statement of migc's own (bookkeeping, lock polling): still an interrupt.
    throw interrupted_error(fmt::format("interrupted ({}): {}", signals->signal_name(), e.what()));
  }
}

int run_with(migrator& m, std::string const& command, cli_options const& o, catalog const& cat,
             bool json, std::ostream& out) {
  if (command == "status") {
    status_report const s = m.status();
    cmd_status(m, cat, json, o.colour, out, s);
    return o.check && !s.pending.empty() ? exit_pending : exit_ok;
  }
  if (command == "history") {
    cmd_history(m.history(), json, out);
    return exit_ok;
  }
  if (command == "verify") {
    verify_report const v = m.verify();
    cmd_verify(cat, v, json, out);
    return v.ok() ? exit_ok : exit_failure;
  }
  run_result r;
  if (command == "upgrade") r = m.upgrade(o.upgrade_target);
  if (command == "downgrade") r = m.downgrade(o.downgrade_target);
  if (command == "stamp") r = m.stamp(o.revision_id);
  if (command == "resolve") r = m.resolve(o.revision_id, o.resolved_applied);
  if (json) print_run_json(r, out);
  return exit_ok;
}

/**
 * Best effort for list and graph: the database's position when a database is
 * configured (--database-url, DATABASE_URL, PGHOST, PGDATABASE or PGSERVICE)
 * and answers within a few seconds; nullopt otherwise, and those commands
 * stay offline. Any failure (no server, no version table's permission, an
 * unknown revision) is silent: these commands describe the binary first.
 */
std::optional<position> probe_position(cli_options const& o, catalog const& cat) {
  bool configured = o.database_url_given;
  for (char const* name : {"DATABASE_URL", "PGHOST", "PGDATABASE", "PGSERVICE"}) {
    if (char const* v = std::getenv(name); v != nullptr && *v != '\0') configured = true;
  }
  if (!configured) return std::nullopt;
  try {
    std::string conninfo = resolve_conninfo(
        o.database_url_given ? std::optional<std::string>(o.database_url) : std::nullopt);
    if (conninfo.find("connect_timeout") == std::string::npos &&
        std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
      conninfo += conninfo.rfind("postgres", 0) == 0
                      ? std::string(conninfo.find('?') == std::string::npos ? "?" : "&") +
                            "connect_timeout=3"
                      : std::string(" connect_timeout=3");
    }
    auto cx = connect(conninfo);
    options opts;
    opts.version_table = o.version_table;
    return migrator(*cx, cat, opts).status().at;
  } catch (...) {
    return std::nullopt;
  }
}

int dispatch(std::string const& command, cli_options const& o, catalog const& cat,
             std::ostream& out, std::ostream& err) {
  auto const lock_timeout = parse_duration(o.lock_timeout);
  if (!lock_timeout) {
    throw usage_error(
        fmt::format("invalid --lock-timeout '{}': expected a number with unit ms, s, min or h",
                    o.lock_timeout));
  }
  if (command == "resolve" && !o.resolved_applied && !o.resolved_rolled_back) {
    throw usage_error("resolve needs --applied or --rolled-back: say what became of the revision");
  }
  std::optional<std::chrono::milliseconds> lock_wait;
  if (o.lock_wait != "forever") {
    lock_wait = parse_duration(o.lock_wait);
    if (!lock_wait) {
      throw usage_error(fmt::format(
          "invalid --lock-wait '{}': expected forever, 0, or a number with unit ms, s, min or h",
          o.lock_wait));
    }
  }
  bool const json = o.format == "json";
  if (command == "list") {
    cmd_list(cat, json, probe_position(o, cat), out);
    return exit_ok;
  }
  if (command == "show") {
    cmd_show(cat, o.revision_id, out);
    return exit_ok;
  }
  if (command == "sql") {
    cmd_sql(cat, o, *lock_timeout, out);
    return exit_ok;
  }
  if (command == "graph") {
    cmd_graph(cat, probe_position(o, cat), out);
    return exit_ok;
  }
  return run_database_command(command, o, cat, *lock_timeout, lock_wait, out, err);
}

/// Password-free text of the current exception, whatever its type.
std::string describe_error(std::exception const& e, cli_options const& o) {
  std::string message = sanitize(e.what(), o.database_url);
  if (char const* env = std::getenv("DATABASE_URL"); env != nullptr) {
    message = sanitize(message, env);
  }
  return message;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  long long const n = std::stoll(std::string(text.substr(0, digits)));
  std::string_view const unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "min") return std::chrono::milliseconds(n * 60 * 1000);
  if (unit == "h") return std::chrono::milliseconds(n * 3600 * 1000);
  return std::nullopt;
}

int run_cli(std::vector<std::string> const& args, catalog const& embedded, std::ostream& out,
            std::ostream& err, bool colour) noexcept {
  cli_options o;
  o.colour = colour;
  try {
    CLI::App app{"Applies the revisions embedded in this binary to a PostgreSQL database.",
                 "migrate"};
    define_cli(app, o);
    try {
      std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
      app.parse(reversed);
    } catch (CLI::CallForHelp const&) {
      out << app.help();
      return exit_ok;
    } catch (CLI::CallForAllHelp const&) {
      out << app.help("", CLI::AppFormatMode::All);
      return exit_ok;
    } catch (CLI::ParseError const& e) {
      if (e.get_exit_code() == 0) return exit_ok;
      err << "migrate: error: " << e.what() << "\nRun 'migrate --help' for usage.\n";
      return exit_usage;
    }
    o.database_url_given = app.get_option("--database-url")->count() > 0;
    std::string const command = app.get_subcommands().front()->get_name();
    try {
      return dispatch(command, o, embedded, out, err);
    } catch (usage_error const& e) {
      err << "migrate: error: " << e.what() << "\n";
      return exit_usage;
    } catch (error const& e) {
      err << "migrate: error: " << describe_error(e, o) << "\n";
      if (!e.applied().empty()) {
        std::string done;
        for (auto const& id : e.applied()) done += (done.empty() ? "" : ", ") + id;
        err << "migrate: note: completed before the failure: " << done << "\n";
      }
      return exit_failure;
    }
  } catch (std::exception const& e) {
    try {
      err << "migrate: error: " << describe_error(e, o) << "\n";
    } catch (...) {
    }
    return exit_failure;
  } catch (...) {
    return exit_failure;
  }
}

}  // namespace detail

int run_cli(int argc, char** argv, catalog const& embedded) noexcept {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  // Colour only for a terminal, and never when NO_COLOR is set to anything (no-color.org).
  char const* no_color = std::getenv("NO_COLOR");
  bool const colour = ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  return detail::run_cli(args, embedded, std::cout, std::cerr, colour);
}

}  // namespace migc::runtime
