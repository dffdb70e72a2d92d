// The migrator: lock, ensure tables, validate, plan, apply each revision in one round trip.
#include <migc/runtime/migrator.hpp>

#include <thread>

#include <fmt/format.h>
#include <pqxx/connection_base>
#include <pqxx/errorhandler>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include <migc/runtime/detail/version_store.hpp>

namespace migc::runtime {
namespace {

using clock_type = std::chrono::steady_clock;

/// Forwards server notices to the options' hook; muted while migc sends its own ROLLBACK.
class notice_forwarder final : public pqxx::errorhandler {
 public:
  notice_forwarder(pqxx::connection_base& cx, std::function<void(std::string_view)> sink)
      : pqxx::errorhandler(cx), m_sink(std::move(sink)) {}

  bool operator()(char const message[]) noexcept override {
    if (m_muted || !m_sink) return false;
    try {
      std::string_view text(message);
      while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
      m_sink(text);
    } catch (...) {  // a logging failure must not break a migration
    }
    return false;  // handled: older handlers (libpqxx's stderr default) stay quiet
  }

  void mute(bool muted) noexcept { m_muted = muted; }

 private:
  std::function<void(std::string_view)> m_sink;
  bool m_muted = false;
};

/// First line of a libpq error without its "ERROR:  " prefix (the rest points into our script).
std::string server_message(std::string_view what) {
  std::string_view line = what.substr(0, what.find('\n'));
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (line.rfind(prefix, 0) == 0) line.remove_prefix(prefix.size());
  }
  return std::string(line);
}

std::string name_of(std::optional<std::string> const& version) {
  return version ? *version : std::string("base");
}

std::vector<std::string> ids_of(std::vector<applied_revision> const& done) {
  std::vector<std::string> ids;
  for (auto const& a : done) ids.emplace_back(a.rev->id);
  return ids;
}

}  // namespace

struct migrator::impl {
  pqxx::connection_base& cx;
  catalog const& cat;
  options opts;
  detail::script_context ctx;
  notice_forwarder notices;

  impl(pqxx::connection_base& connection, catalog const& embedded, options o)
      : cx(connection), cat(embedded), opts(std::move(o)), notices(connection, opts.notice) {
    std::string_view name = opts.version_table;
    if (name.empty()) name = cat.version_table;
    if (name.empty()) name = "alembic_version";
    ctx.version_table = detail::parse_table_name(name);
    ctx.lock_timeout = opts.lock_timeout;
    ctx.build_id = std::string(cat.chain_hash);
  }

  void log(std::string const& line) const {
    if (opts.log) opts.log(line);
  }

  detail::quoter quoting() { return detail::connection_quoter(cx); }

  /// One statement string, one round trip, autocommit unless the string says BEGIN.
  pqxx::result exec(std::string const& sql) {
    pqxx::nontransaction tx(cx);
    return tx.exec(sql);
  }

  /// After a failed one-string script the session sits in an aborted transaction block.
  void rollback_quietly() noexcept {
    notices.mute(true);  // "no transaction in progress" when COMMIT itself failed
    try {
      exec("ROLLBACK");
    } catch (...) {  // the connection may be gone: the server then rolled back anyway
    }
    notices.mute(false);
  }

  // ---- migration lock -------------------------------------------------------------------

  std::int64_t lock_key() const { return detail::advisory_lock_key(ctx.version_table); }

  /// Who holds the lock, from pg_locks (a bigint key is classid = high, objid = low 32 bits).
  std::string lock_holder() {
    auto const key = static_cast<std::uint64_t>(lock_key());
    auto rows = exec(fmt::format(
        "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
        "coalesce(a.client_addr::text, 'local socket'), "
        "to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SSTZH:TZM'), coalesce(a.state, '') "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid = {}::oid AND l.objid = {}::oid",
        key >> 32, key & 0xffffffffULL));
    if (rows.empty()) return "another session";
    auto const r = rows[0];
    return fmt::format("pid {} ({}, user {}, {}, connected since {}, {})", r[0].c_str(),
                       r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].c_str());
  }

  /**
   * Takes the session-level advisory lock. Waiters poll pg_try_advisory_lock
   * rather than block in pg_advisory_lock: a session blocked on the lock
   * keeps a transaction open, and the holder's CREATE INDEX CONCURRENTLY
   * waits for every open transaction, so both would wait forever.
   */
  void acquire_lock() {
    std::string const sql = fmt::format("SELECT pg_try_advisory_lock({})", lock_key());
    bool announced = false;
    while (!exec(sql)[0][0].as<bool>()) {
      if (!announced) {
        log(fmt::format("Waiting for the migration lock on {}: held by {}",
                        detail::display_name(ctx.version_table), lock_holder()));
        announced = true;
      }
      std::this_thread::sleep_for(opts.lock_poll_interval);
    }
  }

  void release_lock() noexcept {
    try {
      exec(fmt::format("SELECT pg_advisory_unlock({})", lock_key()));
    } catch (...) {  // a lost connection released it already
    }
  }

  /// Holds the migration lock for one run, released on every way out.
  struct lock_guard {
    impl& owner;
    explicit lock_guard(impl& o) : owner(o) { owner.acquire_lock(); }
    ~lock_guard() { owner.release_lock(); }
    lock_guard(lock_guard const&) = delete;
    lock_guard& operator=(lock_guard const&) = delete;
  };

  // ---- reading the database -------------------------------------------------------------

  bool exists(detail::table_name const& name) {
    auto q = quoting();
    return exec("SELECT to_regclass(" + q.literal(detail::qualified(q, name)) + ") IS NOT NULL")
        [0][0]
        .as<bool>();
  }

  /// Creates whatever is missing in one transaction (under the lock, so no creation race).
  void ensure_tables() {
    auto q = quoting();
    std::string ddl;
    if (!exists(ctx.version_table)) ddl += detail::create_version_table_sql(q, ctx.version_table) + ";\n";
    if (!exists(detail::history_table(ctx.version_table))) {
      ddl += detail::create_history_table_sql(q, ctx.version_table) + ";\n";
    }
    if (ddl.empty()) return;
    try {
      exec("BEGIN;\n" + ddl + "COMMIT;");
    } catch (...) {
      rollback_quietly();
      throw;
    }
  }

  std::optional<std::string> read_current() {
    auto q = quoting();
    auto rows = exec("SELECT version_num FROM " + detail::qualified(q, ctx.version_table));
    if (rows.size() > 1) {
      throw refusal(fmt::format("version table {} has {} rows: migc manages a single chain "
                                "(merge the Alembic branches first)",
                                detail::display_name(ctx.version_table), rows.size()));
    }
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  }

  /// Latest 'upgrade' checksum per revision, for validate() rule 3.
  std::map<std::string, std::string> read_checksums() {
    auto q = quoting();
    std::map<std::string, std::string> out;
    auto rows = exec("SELECT DISTINCT ON (revision) revision, checksum FROM " +
                     detail::qualified(q, detail::history_table(ctx.version_table)) +
                     " WHERE direction = 'upgrade' AND revision IS NOT NULL AND checksum IS NOT "
                     "NULL ORDER BY revision, id DESC");
    for (auto const& row : rows) out[row[0].as<std::string>()] = row[1].as<std::string>();
    return out;
  }

  database_state read_state(bool version_exists, bool history_exists) {
    database_state state;
    if (version_exists) state.current = read_current();
    if (history_exists) state.applied_checksums = read_checksums();
    return state;
  }

  // ---- applying -------------------------------------------------------------------------

  /// Replays the steps one by one in a transaction that is always rolled back: the failing step.
  std::optional<std::uint32_t> locate_failure(revision const& rev, direction dir) {
    std::optional<std::uint32_t> line;
    notices.mute(true);
    try {
      pqxx::work tx(cx);
      tx.exec(detail::lock_timeout_sql(quoting(), opts.lock_timeout, true));
      for (step const& s : dir == direction::upgrade ? rev.upgrade : rev.downgrade) {
        try {
          tx.exec(std::string(s.sql));
        } catch (pqxx::sql_error const&) {
          line = s.line;
          break;
        }
      }
      tx.abort();
    } catch (...) {  // best effort: without it the error points at the revision header
    }
    notices.mute(false);
    return line;
  }

  /// Sessions in this database with an open transaction: the likely holders of a table lock.
  std::string open_transactions() {
    try {
      auto rows = exec(
          "SELECT pid, coalesce(application_name, ''), coalesce(state, ''), "
          "to_char(xact_start, 'YYYY-MM-DD HH24:MI:SSTZH:TZM'), left(query, 80) "
          "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
          "AND xact_start IS NOT NULL ORDER BY xact_start LIMIT 3");
      std::string out;
      for (auto const& r : rows) {
        out += fmt::format("\n  pid {} ({}, {}, transaction open since {}): {}", r[0].c_str(),
                           r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str());
      }
      return out.empty() ? out : "; sessions with open transactions:" + out;
    } catch (...) {
      return {};
    }
  }

  revision_error failure(revision const& rev, direction dir, pqxx::sql_error const& e,
                         std::optional<std::uint32_t> line, std::string const& consequence) {
    std::string const location = source_location(cat, rev, line ? *line : 0);
    std::string message = fmt::format(
        "{} of revision {} \"{}\" failed at {}: {}{}; {}", to_string(dir), rev.id,
        rev.description, location, server_message(e.what()),
        e.sqlstate().empty() ? std::string() : " (SQLSTATE " + e.sqlstate() + ")", consequence);
    if (e.sqlstate() == "55P03") {
      message += fmt::format(" (a lock was not granted within lock_timeout {}ms{})",
                             opts.lock_timeout.count(), open_transactions());
    }
    return revision_error(message, {e.sqlstate(), std::string(rev.id), location, {}});
  }

  void apply_in_transaction(revision const& rev, direction dir,
                            std::optional<std::string> const& expected) {
    std::string const script = detail::revision_script(quoting(), ctx, rev, dir, expected);
    try {
      exec(script);  // BEGIN ... COMMIT: one round trip, all or nothing
    } catch (pqxx::sql_error const& e) {
      rollback_quietly();
      auto const line = locate_failure(rev, dir);
      throw failure(rev, dir, e, line,
                    fmt::format("rolled back, the database stays at {}", name_of(expected)));
    } catch (pqxx::in_doubt_error const& e) {
      throw commit_unknown_error(
          fmt::format("connection lost while committing revision {}: it may or may not be "
                      "applied; run `migrate status` before retrying ({})",
                      rev.id, server_message(e.what())),
          {{}, std::string(rev.id), {}, {}});
    } catch (pqxx::broken_connection const& e) {
      throw commit_unknown_error(
          fmt::format("connection lost while applying revision {}: it may or may not be "
                      "applied; run `migrate status` before retrying ({})",
                      rev.id, server_message(e.what())),
          {{}, std::string(rev.id), {}, {}});
    }
  }

  /**
   * A revision that cannot run in a transaction (CREATE INDEX CONCURRENTLY):
   * steps run one by one in autocommit, then the version and history rows
   * are written in their own transaction. A failure in between leaves the
   * earlier steps applied and the version unchanged; the error says so.
   */
  void apply_outside_transaction(revision const& rev, direction dir,
                                 std::optional<std::string> const& expected) {
    auto q = quoting();
    auto const started = clock_type::now();
    exec(detail::lock_timeout_sql(q, opts.lock_timeout, false));
    for (step const& s : dir == direction::upgrade ? rev.upgrade : rev.downgrade) {
      try {
        exec(std::string(s.sql));
      } catch (pqxx::sql_error const& e) {
        exec("RESET lock_timeout");
        throw failure(rev, dir, e, s.line,
                      fmt::format("this revision runs outside a transaction: steps before line "
                                  "{} stay applied, the version stays at {}",
                                  s.line, name_of(expected)));
      }
    }
    exec("RESET lock_timeout");
    auto const took =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
    std::string const bookkeeping =
        "BEGIN;\n" + detail::version_update_sql(q, ctx, expected, detail::version_after(rev, dir)) +
        ";\n" +
        detail::history_insert_sql(q, ctx, std::string(rev.id), to_string(dir), rev.checksum,
                                   rev.description, took) +
        ";\nCOMMIT;";
    try {
      exec(bookkeeping);
    } catch (pqxx::sql_error const& e) {
      rollback_quietly();
      throw failure(rev, dir, e, std::nullopt,
                    fmt::format("its steps ran, but the version stays at {}", name_of(expected)));
    }
  }

  run_result run(direction dir, target const& goal) {
    lock_guard lock(*this);
    ensure_tables();
    database_state const state = read_state(true, true);
    position const at = validate(cat, state);
    std::string const head =
        cat.revisions.empty() ? "base" : std::string(cat.revisions[cat.revisions.size - 1].id);
    log("Current database version: " + std::string(position_name(cat, at)));
    log("Latest migration version: " + head);
    auto const steps = plan(cat, at, dir, goal);
    run_result result{std::string(position_name(cat, at)), std::string(position_name(cat, at)),
                      {}};
    if (steps.empty()) {
      log(goal.what == target::kind::head ? std::string("Database is already at latest version")
                                          : "Database is already at " + result.from);
      return result;
    }
    std::optional<std::string> expected = state.current;
    try {
      for (plan_step const& s : steps) {
        auto const started = clock_type::now();
        if (s.rev->transactional) {
          apply_in_transaction(*s.rev, s.dir, expected);
        } else {
          apply_outside_transaction(*s.rev, s.dir, expected);
        }
        auto const took =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
        result.applied.push_back({s.rev, s.dir, took});
        expected = detail::version_after(*s.rev, s.dir);
        result.to = name_of(expected);
        log(fmt::format("{} {} \"{}\" in {} ms",
                        s.dir == direction::upgrade ? "Applied" : "Reverted", s.rev->id,
                        s.rev->description, took.count()));
      }
    } catch (error& e) {
      e.set_applied(ids_of(result.applied));
      throw;
    }
    return result;
  }

  run_result stamp(std::optional<std::size_t> index) {
    lock_guard lock(*this);
    ensure_tables();
    auto const before = read_current();  // no validation: stamping is how a broken state is fixed
    auto q = quoting();
    revision const* rev = index ? &cat.revisions[*index] : nullptr;
    std::string script = "BEGIN;\nDELETE FROM " + detail::qualified(q, ctx.version_table) + ";\n";
    if (rev) {
      script += "INSERT INTO " + detail::qualified(q, ctx.version_table) +
                " (version_num) VALUES (" + q.literal(std::string(rev->id)) + ");\n";
    }
    script += detail::history_insert_sql(
                  q, ctx, rev ? std::optional<std::string>(rev->id) : std::nullopt, "stamp",
                  rev ? rev->checksum : std::string_view(),
                  rev ? rev->description : std::string_view()) +
              ";\nCOMMIT;";
    try {
      exec(script);
    } catch (...) {
      rollback_quietly();
      throw;
    }
    std::string const after = rev ? std::string(rev->id) : "base";
    log(fmt::format("Stamped {} (was {})", after, name_of(before)));
    return {name_of(before), after, {}};
  }
};

namespace {

/// Maps libpqxx's exceptions to the runtime's family; runtime errors pass through.
template <typename F>
auto translated(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (error const&) {
    throw;
  } catch (pqxx::in_doubt_error const& e) {
    throw commit_unknown_error(std::string("commit state unknown: ") + server_message(e.what()));
  } catch (pqxx::broken_connection const& e) {
    throw connection_error(std::string("connection lost: ") + server_message(e.what()));
  } catch (pqxx::sql_error const& e) {
    throw error(server_message(e.what()) + " (SQLSTATE " + e.sqlstate() + ")",
                {e.sqlstate(), {}, {}, {}});
  } catch (std::exception const& e) {
    throw error(server_message(e.what()));
  }
}

}  // namespace

migrator::migrator(pqxx::connection_base& cx, catalog const& embedded, options opts)
    : m_impl(std::make_unique<impl>(cx, embedded, std::move(opts))) {}

migrator::~migrator() = default;

std::string migrator::version_table() const {
  return detail::display_name(m_impl->ctx.version_table);
}

status_report migrator::status() {
  return translated([&] {
    status_report report;
    report.version_table_exists = m_impl->exists(m_impl->ctx.version_table);
    bool const history_exists =
        m_impl->exists(detail::history_table(m_impl->ctx.version_table));
    database_state const state = m_impl->read_state(report.version_table_exists, history_exists);
    report.current = state.current;
    report.at = validate(m_impl->cat, state);
    for (std::size_t i = report.at ? *report.at + 1 : 0; i < m_impl->cat.revisions.size; ++i) {
      report.pending.push_back(&m_impl->cat.revisions[i]);
    }
    return report;
  });
}

run_result migrator::upgrade(std::string_view target_text) {
  target const goal = parse_upgrade_target(target_text);
  return translated([&] { return m_impl->run(direction::upgrade, goal); });
}

run_result migrator::downgrade(std::string_view target_text) {
  target const goal = parse_downgrade_target(target_text);
  return translated([&] { return m_impl->run(direction::downgrade, goal); });
}

run_result migrator::stamp(std::string_view id) {
  std::optional<std::size_t> index;
  if (id != "base") {
    index = find_revision(m_impl->cat, id);
    if (!index) throw target_error(fmt::format("cannot stamp unknown revision {}", id));
  }
  return translated([&] { return m_impl->stamp(index); });
}

std::vector<history_entry> migrator::history() {
  return translated([&] {
    std::vector<history_entry> out;
    auto const table = detail::history_table(m_impl->ctx.version_table);
    if (!m_impl->exists(table)) return out;
    auto q = m_impl->quoting();
    auto rows = m_impl->exec(
        "SELECT id, to_char(applied_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), direction, revision, "
        "coalesce(checksum, ''), coalesce(description, ''), "
        "coalesce(extract(epoch FROM duration) * 1000, 0)::float8, applied_by, "
        "coalesce(build_id, '') FROM " +
        detail::qualified(q, table) + " ORDER BY id");
    for (auto const& r : rows) {
      history_entry h;
      h.id = r[0].as<std::int64_t>();
      h.applied_at = r[1].as<std::string>();
      h.direction = r[2].as<std::string>();
      if (!r[3].is_null()) h.revision = r[3].as<std::string>();
      h.checksum = r[4].as<std::string>();
      h.description = r[5].as<std::string>();
      h.duration_ms = r[6].as<double>();
      h.applied_by = r[7].as<std::string>();
      h.build_id = r[8].as<std::string>();
      out.push_back(std::move(h));
    }
    return out;
  });
}

run_result upgrade(pqxx::connection_base& cx, catalog const& embedded, options const& opts) {
  return migrator(cx, embedded, opts).upgrade("head");
}

}  // namespace migc::runtime
