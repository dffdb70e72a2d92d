// The migrator: lock, ensure tables, validate, plan, apply each revision in one round trip.
#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <migc/runtime/detail/version_store.hpp>
#include <migc/runtime/migrator.hpp>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/connection_base>
#include <pqxx/errorhandler>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>
#include <thread>
#include <unordered_map>
#include <unordered_set>

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

/// A conninfo value quoted for the key=value form ('...' with \\ and \\' escaped).
std::string conninfo_value(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

/**
 * Watches, from a second session, which sessions block `pid` while one
 * revision (or one statement of a non-transactional one) runs, so a
 * lock-timeout error can name the blocker and its query exactly:
 * pg_blocking_pids() only answers while the wait lasts, and the waiting
 * session itself is busy. The second session is opened only when the
 * statement is still running after a quarter of the lock timeout (at most
 * 250 ms), so quick revisions cost one idle thread and no connection.
 */
class blocker_watch {
 public:
  blocker_watch(std::string conninfo, int pid, std::chrono::milliseconds lock_timeout)
      : m_conninfo(std::move(conninfo)), m_pid(pid), m_lock_timeout(lock_timeout) {
    m_thread = std::thread([this] { run(); });
  }
  ~blocker_watch() {
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
  }
  blocker_watch(blocker_watch const&) = delete;
  blocker_watch& operator=(blocker_watch const&) = delete;

  /// The blocking sessions seen last, one "pid N (...): query" per line; "" when none was seen.
  std::string blockers() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_seen;
  }

 private:
  /// Sleeps up to `d`; false when asked to stop.
  bool wait(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(m_mutex);
    return !m_wake.wait_for(lock, d, [this] { return m_stop; });
  }

  void run() noexcept {
    using std::chrono::milliseconds;
    milliseconds const quarter =
        m_lock_timeout.count() > 0 ? m_lock_timeout / 4 : milliseconds(250);
    milliseconds const poll =
        std::clamp(m_lock_timeout.count() > 0 ? m_lock_timeout / 8 : milliseconds(200),
                   milliseconds(10), milliseconds(200));
    if (!wait(std::min(quarter, milliseconds(250)))) return;
    try {
      pqxx::connection cx(m_conninfo);
      std::string const sql = fmt::format(
          "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
          "coalesce(a.state, ''), coalesce(to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SSTZH:TZM'), "
          "'-'), coalesce(a.query, '') FROM unnest(pg_blocking_pids({})) AS b(pid) "
          "JOIN pg_stat_activity a ON a.pid = b.pid ORDER BY a.pid",
          m_pid);
      do {
        auto const rows = pqxx::nontransaction(cx).exec(sql);
        if (rows.empty()) continue;
        std::string seen;
        for (auto const& r : rows) {
          std::string query = r[5].as<std::string>();
          std::replace(query.begin(), query.end(), '\n', ' ');
          seen += fmt::format("\n  pid {} ({}, user {}, {}, transaction open since {}): {}",
                              r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(),
                              query);
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_seen = std::move(seen);
      } while (wait(poll));
    } catch (...) {  // best effort: the error then says the blocker could not be named
    }
  }

  std::string m_conninfo;
  int m_pid;
  std::chrono::milliseconds m_lock_timeout;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::string m_seen;
  std::thread m_thread;
};

/// Thrown inside the migrator when a revision lost a lock race and may be retried.
struct lock_retry {
  std::string blockers;
  std::string revision;  ///< id of the revision that did not get its lock
};

/// "a, b, c".
std::string comma_list(std::vector<std::string> const& items) {
  std::string out;
  for (auto const& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

/// "message (SQLSTATE xxxxx)": a server error as the runtime's messages quote it.
std::string with_sqlstate(pqxx::sql_error const& e) {
  return server_message(e.what()) + " (SQLSTATE " + e.sqlstate() + ")";
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
  /// Server process whose session holds the bookkeeping function (ctx.bookkeeping_function).
  int bookkeeping_pid = 0;

  impl(pqxx::connection_base& connection, catalog const& embedded, options o)
      : cx(connection), cat(embedded), opts(std::move(o)), notices(connection, opts.notice) {
    ctx.version_table = detail::version_table_for(opts.version_table, cat);
    ctx.lock_timeout = opts.lock_timeout;
    ctx.build_id = std::string(cat.chain_hash);
    ctx.role = opts.role;
    ctx.one_message_per_revision = true;  // every revision's script is one exec() below
  }

  void log(std::string const& line) const {
    if (opts.log) opts.log(line);
  }

  bool interrupted() const { return opts.interrupted != nullptr && opts.interrupted->load(); }

  detail::quoter quoting() { return detail::connection_quoter(cx); }

  detail::table_name history_name() const { return detail::history_table(ctx.version_table); }
  detail::table_name dirty_name() const { return detail::dirty_table(ctx.version_table); }

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

  /// Sleeps `d` in short slices; throws interrupted_error as soon as the run is interrupted.
  void sleep_interruptibly(std::chrono::milliseconds d, std::string const& while_doing) {
    auto const until = clock_type::now() + d;
    while (clock_type::now() < until) {
      if (interrupted()) throw interrupted_error("interrupted while " + while_doing);
      std::this_thread::sleep_for(
          std::min<clock_type::duration>(std::chrono::milliseconds(50), until - clock_type::now()));
    }
  }

  /// Where the blocker watch connects: the configured conninfo, else this connection's own keys.
  std::string side_conninfo() const {
    if (!opts.conninfo.empty()) return opts.conninfo;
    std::string out = "fallback_application_name=migrate";
    auto add = [&out](char const* key, char const* value) {
      if (value != nullptr && *value != '\0')
        out += fmt::format(" {}={}", key, conninfo_value(value));
    };
    add("host", cx.hostname());
    add("port", cx.port());
    add("dbname", cx.dbname());
    add("user", cx.username());
    return out;
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
   * keeps a snapshot open, and the holder's CREATE INDEX CONCURRENTLY waits
   * for every such session, so both would wait forever (each poll is a
   * short autocommit statement, which CIC waits out). Bounded by
   * options::lock_wait; interrupted between polls.
   */
  void acquire_lock() {
    std::string const sql = fmt::format("SELECT pg_try_advisory_lock({})", lock_key());
    auto const started = clock_type::now();
    bool announced = false;
    while (!exec(sql)[0][0].as<bool>()) {
      if (opts.lock_wait && clock_type::now() - started >= *opts.lock_wait) {
        throw lock_error(fmt::format(
            "the migration lock on {} was not granted within {} ms (--lock-wait): held by {}",
            detail::display_name(ctx.version_table), opts.lock_wait->count(), lock_holder()));
      }
      if (!announced) {
        log(fmt::format("Waiting for the migration lock on {}: held by {}",
                        detail::display_name(ctx.version_table), lock_holder()));
        announced = true;
      }
      auto delay = opts.lock_poll_interval;
      if (opts.lock_wait) {
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(
            *opts.lock_wait - (clock_type::now() - started));
        delay = std::max(std::chrono::milliseconds(1), std::min(delay, left));
      }
      sleep_interruptibly(delay, "waiting for the migration lock; nothing was changed");
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

  /// SQL: whether `name` resolves to a relation (under the session's search_path).
  std::string exists_sql(detail::table_name const& name) {
    auto q = quoting();
    return "to_regclass(" + q.literal(detail::qualified(q, name)) + ") IS NOT NULL";
  }

  bool exists(detail::table_name const& name) {
    return exec("SELECT " + exists_sql(name))[0][0].as<bool>();
  }

  /// Runs `ddl` (statements ending in ";\n") in one transaction.
  void run_in_transaction(std::string const& sql) {
    try {
      exec("BEGIN;\n" + sql + "COMMIT;");
    } catch (...) {
      rollback_quietly();
      throw;
    }
  }

  /// Which of the version, history and dirty tables exist: one round trip.
  struct table_presence {
    bool version = false;
    bool history = false;
    bool dirty = false;
  };
  table_presence probe_tables() {
    auto const row = exec("SELECT " + exists_sql(ctx.version_table) + ", " +
                          exists_sql(history_name()) + ", " + exists_sql(dirty_name()))[0];
    return {row[0].as<bool>(), row[1].as<bool>(), row[2].as<bool>()};
  }

  /// Creates whatever is missing in one transaction (under the lock, so no creation race).
  table_presence ensure_tables() {
    auto q = quoting();
    table_presence present = probe_tables();
    std::string ddl;
    if (!present.version) ddl += detail::create_version_table_sql(q, ctx.version_table) + ";\n";
    if (!present.history) ddl += detail::create_history_table_sql(q, ctx.version_table) + ";\n";
    if (!ddl.empty()) run_in_transaction(ddl);
    present.version = present.history = true;
    return present;
  }

  /// The dirty-marker table is created only when a non-transactional revision first runs.
  void ensure_dirty_table() {
    if (!exists(dirty_name())) {
      run_in_transaction(detail::create_dirty_table_sql(quoting(), ctx.version_table) + ";\n");
    }
  }

  /**
   * Whether the history table admits 'repair' and 'resolve' rows. Tables
   * created before migc 0.1 have CHECK (direction IN ('upgrade',
   * 'downgrade', 'stamp')); they are never altered (older binaries share
   * them), so repairs go unrecorded and resolutions are recorded as 'stamp'.
   */
  bool history_has_new_kinds() {
    auto q = quoting();
    return exec(
               "SELECT coalesce(bool_or(pg_get_constraintdef(oid) LIKE '%''repair''%'), false) "
               "FROM pg_constraint WHERE contype = 'c' AND conrelid = to_regclass(" +
               q.literal(detail::qualified(q, history_name())) + ")")[0][0]
        .as<bool>();
  }

  refusal too_many_versions(std::size_t rows) const {
    return refusal(
        fmt::format("version table {} has {} rows: migc manages a single chain "
                    "(merge the Alembic branches first)",
                    detail::display_name(ctx.version_table), rows));
  }

  std::optional<std::string> read_current() {
    auto q = quoting();
    auto rows = exec("SELECT version_num FROM " + detail::qualified(q, ctx.version_table));
    if (rows.size() > 1) throw too_many_versions(rows.size());
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  }

  /// The invalid indexes' names and where they come from (also a branch of read_state's query).
  static constexpr char const* invalid_indexes_column = "n.nspname || '.' || c.relname";
  static constexpr char const* invalid_indexes_from =
      "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid";

  /// Indexes the server marks invalid (a failed CREATE INDEX CONCURRENTLY leaves one behind).
  std::vector<std::string> invalid_indexes() {
    std::vector<std::string> out;
    auto rows = exec(std::string("SELECT ") + invalid_indexes_column + " " + invalid_indexes_from +
                     " ORDER BY 1");
    for (auto const& row : rows) out.push_back(row[0].as<std::string>());
    return out;
  }

  /// The dirty marker with the invalid indexes: read_state's dirty branches alone.
  std::optional<dirty_marker> read_dirty() {
    if (!exists(dirty_name())) return std::nullopt;
    table_presence dirty_only;
    dirty_only.dirty = true;
    return read_state(dirty_only).dirty;
  }

  /// The history rows that record an applied revision (read_state and the fast path share it).
  static constexpr char const* applied_rows_filter =
      "direction IN ('upgrade', 'repair') AND revision IS NOT NULL AND checksum IS NOT NULL";

  /**
   * The version row, the applied revisions (latest 'upgrade' or 'repair'
   * history row per revision value, so "1" and "001" are one revision), and
   * the dirty marker with the invalid indexes, from whichever of the tables
   * `present` says exist: one query (none when no table exists). Every part
   * is one branch of a UNION ALL of text columns, told apart by `k` and
   * ordered by `seq` (history id; rank of an invalid index's name).
   */
  database_state read_state(table_presence const& present) {
    auto q = quoting();
    std::vector<std::string> parts;
    if (present.version) {
      parts.push_back(
          "SELECT 0 AS k, 0::bigint AS seq, version_num::text AS a, NULL::text AS b, "
          "NULL::text AS c, NULL::text AS d, NULL::text AS e, NULL::text AS f, "
          "NULL::text AS g FROM " +
          detail::qualified(q, ctx.version_table));
    }
    if (present.history) {
      parts.push_back(
          "SELECT 1, id, revision::text, checksum, coalesce(build_id, ''), "
          "coalesce(description, ''), NULL, NULL, NULL FROM " +
          detail::qualified(q, history_name()) + " WHERE " + applied_rows_filter);
    }
    if (present.dirty) {
      std::string const dirty = detail::qualified(q, dirty_name());
      parts.push_back(
          "(SELECT 2, 0, revision::text, direction, statements_done::text, "
          "statements_total::text, statements, coalesce(error, ''), "
          "to_char(started_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM') FROM " +
          dirty + " ORDER BY started_at LIMIT 1)");
      parts.push_back("SELECT 3, row_number() OVER (ORDER BY " +
                      std::string(invalid_indexes_column) + "), " + invalid_indexes_column +
                      ", NULL, NULL, NULL, NULL, NULL, NULL " + invalid_indexes_from +
                      " AND EXISTS (SELECT 1 FROM " + dirty + ")");
    }
    database_state state;
    if (parts.empty()) return state;
    std::string sql;
    for (auto const& part : parts) sql += (sql.empty() ? "" : " UNION ALL ") + part;
    // No ORDER BY: sorting on the server is a quarter of the query's time (1,000 rows); the
    // client orders the rows by (k, seq) itself, and seq is unique within each k.
    auto const rows = exec(sql);
    std::vector<std::pair<std::pair<int, std::int64_t>, pqxx::result::size_type>> order;
    order.reserve(static_cast<std::size_t>(rows.size()));
    for (pqxx::result::size_type i = 0; i < rows.size(); ++i) {
      order.push_back({{rows[i][0].as<int>(), rows[i][1].as<std::int64_t>()}, i});
    }
    std::sort(order.begin(), order.end());
    std::size_t versions = 0;
    // Value of a revision id -> its key in state.applied: a later row replaces an earlier one
    // stored under another spelling of the same value.
    std::unordered_map<std::uint64_t, std::string> key_of;
    for (auto const& [sort_key, index] : order) {
      auto const row = rows[index];
      switch (sort_key.first) {
        case 0:
          if (versions++ == 0) state.current = row[2].as<std::string>();
          break;
        case 1: {
          std::string id = row[2].as<std::string>();
          if (auto const value = parse_id(id)) {
            auto [it, fresh] = key_of.try_emplace(*value, id);
            if (!fresh && it->second != id) {
              state.applied.erase(it->second);
              it->second = id;
            }
          }
          state.applied[std::move(id)] = {row[3].as<std::string>(), row[4].as<std::string>(),
                                          row[5].as<std::string>()};
          break;
        }
        case 2:
          state.dirty = dirty_marker{row[2].as<std::string>(),  row[3].as<std::string>(),
                                     row[4].as<std::int64_t>(), row[5].as<std::int64_t>(),
                                     row[6].as<std::string>(),  row[7].as<std::string>(),
                                     row[8].as<std::string>(),  {}};
          break;
        default:
          if (state.dirty) state.dirty->invalid_indexes.push_back(row[2].as<std::string>());
      }
    }
    if (versions > 1) throw too_many_versions(versions);
    return state;
  }

  /// A database_state with check()'s verdict on it.
  struct checked_state {
    database_state state;
    validation verdict;
  };

  /**
   * The fast path of validation: the version row and every history row's
   * id, revision, checksum and direction, plus one row per dirty marker, in
   * one plain UNION ALL of columns, which verified_position() (plan.hpp)
   * checks. Why this shape: on a fresh session (every `migrate status`) the
   * server's cost is dominated by catalog lookups for each function,
   * operator and column statistic a query needs, not by 1,000 rows: a WHERE
   * clause, casts, coalesce() or a string_agg() each cost more than
   * sending the rows (measured 1.3 ms for this query, 2.4 ms for
   * read_state's, 1.6 ms for a one-row string_agg() of the same data), so
   * the rows are filtered here, into views, with no map built. The state
   * returned has no `applied` rows (check() would find nothing to report in
   * them); nullopt when this is not the common case (base, or a verified
   * revision, with no dirty marker): the caller then reads the whole state
   * and check() decides.
   */
  std::optional<checked_state> read_verified_state(table_presence const& present) {
    if (!present.version || !present.history) return std::nullopt;
    auto q = quoting();
    std::string sql = "SELECT 0, NULL, version_num, NULL, NULL FROM " +
                      detail::qualified(q, ctx.version_table) +
                      " UNION ALL SELECT 1, id, revision, checksum, direction FROM " +
                      detail::qualified(q, history_name());
    if (present.dirty) {
      sql +=
          " UNION ALL SELECT 2, NULL, NULL, NULL, NULL FROM " + detail::qualified(q, dirty_name());
    }
    auto const rows = exec(sql);
    checked_state checked;
    std::vector<recorded_checksum> recorded;
    recorded.reserve(static_cast<std::size_t>(rows.size()));
    for (auto const& row : rows) {
      switch (row[0].c_str()[0]) {
        case '0':
          if (checked.state.current) return std::nullopt;  // two version rows: check() refuses
          checked.state.current = row[2].as<std::string>();
          break;
        case '1':
          if (is_applied_row(row[2], row[3], row[4])) {
            recorded.push_back({row[1].as<std::int64_t>(),
                                {row[2].c_str(), row[2].size()},
                                {row[3].c_str(), row[3].size()}});
          }
          break;
        default:
          return std::nullopt;  // a dirty marker: check() refuses or status reports it
      }
    }
    if (checked.state.current) {
      checked.verdict.at = verified_position(cat, *checked.state.current, recorded);
      if (!checked.verdict.at) return std::nullopt;
    }
    return checked;
  }

  /// applied_rows_filter on the client: an 'upgrade' or 'repair' row with revision and checksum.
  static bool is_applied_row(pqxx::field const& revision, pqxx::field const& checksum,
                             pqxx::field const& direction) {
    std::string_view const dir(direction.c_str(), direction.size());
    return !revision.is_null() && !checksum.is_null() && (dir == "upgrade" || dir == "repair");
  }

  /// The state and its verdict: the fast path when it decides, else the whole state and check().
  checked_state read_checked_state(table_presence const& present, validation_options rules) {
    if (auto checked = read_verified_state(present)) return std::move(*checked);
    database_state state = read_state(present);
    validation verdict = check(cat, state, rules);
    return {std::move(state), std::move(verdict)};
  }

  /// Records the mismatches --allow-checksum-mismatch accepted, so later runs do not refuse.
  void record_repairs(std::vector<checksum_mismatch> const& accepted) {
    if (accepted.empty()) return;
    bool const recordable = history_has_new_kinds();
    auto q = quoting();
    std::string sql;
    for (checksum_mismatch const& m : accepted) {
      log(fmt::format(
          "Accepting revision {} with checksum {} in place of the applied {} "
          "(--allow-checksum-mismatch){}",
          m.rev->id, m.rev->checksum, m.recorded.checksum,
          recordable ? "" : ": not recorded, this history table predates 'repair' rows"));
      sql += detail::history_insert_sql(q, ctx, std::string(m.rev->id), "repair", m.rev->checksum,
                                        m.rev->description, std::chrono::microseconds(0)) +
             ";\n";
    }
    if (recordable) run_in_transaction(sql);
  }

  // ---- applying -------------------------------------------------------------------------

  /**
   * Replays the steps one by one in a transaction that is always rolled
   * back: the failing step. `earlier`: the revision bodies that ran before
   * it in the same transaction (--single-transaction), replayed first as
   * one string, since its steps may depend on them.
   */
  std::optional<std::uint32_t> locate_failure(revision const& rev, direction dir,
                                              std::string const& earlier = {}) {
    std::optional<std::uint32_t> line;
    notices.mute(true);
    try {
      pqxx::work tx(cx);
      if (!earlier.empty()) tx.exec(earlier);
      tx.exec(detail::lock_timeout_sql(quoting(), opts.lock_timeout, true));
      if (!opts.role.empty()) tx.exec(detail::set_role_sql(quoting(), opts.role, true));
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

  /// Runs `sql` while a blocker_watch observes this session; on failure `blockers` is what it saw.
  void watched_exec(std::string const& sql, std::string& blockers) {
    blocker_watch watch(side_conninfo(), cx.backendpid(), opts.lock_timeout);
    try {
      exec(sql);
    } catch (...) {
      blockers = watch.blockers();
      throw;
    }
  }

  revision_error failure(revision const& rev, direction dir, pqxx::sql_error const& e,
                         std::optional<std::uint32_t> line, std::string const& consequence,
                         std::string const& blockers) {
    std::string const location = source_location(cat, rev, line ? *line : 0);
    std::string message = fmt::format(
        "{} of revision {} \"{}\" failed at {}: {}{}; {}", to_string(dir), rev.id, rev.description,
        location, server_message(e.what()),
        e.sqlstate().empty() ? std::string() : " (SQLSTATE " + e.sqlstate() + ")", consequence);
    if (e.sqlstate() == "55P03") {
      message += fmt::format(" (a lock was not granted within lock_timeout {} ms; {})",
                             opts.lock_timeout.count(),
                             blockers.empty() ? std::string("the blocking session ended before "
                                                            "it could be named")
                                              : "blocked by:" + blockers);
    }
    return revision_error(message, {e.sqlstate(), std::string(rev.id), location, {}});
  }

  interrupted_error interruption(revision const& rev, direction dir,
                                 std::string const& consequence) {
    return interrupted_error(
        fmt::format("interrupted: the {} of revision {} \"{}\" was cancelled; {}", to_string(dir),
                    rev.id, rev.description, consequence),
        {"57014", std::string(rev.id), source_location(cat, rev), {}});
  }

  /**
   * Creates this session's bookkeeping function (detail::create_bookkeeping_function_sql)
   * when the plan has a transactional revision: one round trip per run, after which each
   * revision's script records itself with one function call instead of a DO block (compiled
   * on every execution) and an INSERT. When it cannot be created (no TEMP privilege on the
   * database), the scripts keep the DO block: same guard, same message, a little slower.
   */
  void prepare_bookkeeping(std::vector<plan_step> const& steps) {
    bool const transactional = std::any_of(steps.begin(), steps.end(),
                                           [](plan_step const& s) { return s.rev->transactional; });
    if (!transactional) return;
    int const pid = cx.backendpid();
    if (ctx.bookkeeping_function && pid == bookkeeping_pid) return;
    ctx.bookkeeping_function = false;
    try {
      exec(detail::create_bookkeeping_function_sql(quoting(), ctx));
      ctx.bookkeeping_function = true;
      bookkeeping_pid = pid;
    } catch (pqxx::sql_error const&) {  // autocommit: nothing to roll back
    }
  }

  /// A temporary function lives as long as its server session: a new session has none.
  void forget_bookkeeping_of_a_lost_session() {
    if (ctx.bookkeeping_function && cx.backendpid() != bookkeeping_pid) {
      ctx.bookkeeping_function = false;
    }
  }

  /// One round trip of a transactional revision, and what its failure means.
  struct revision_send {
    revision const& rev;
    direction dir;
    std::string const& script;   ///< what is sent
    std::string const& earlier;  ///< bodies sent before it in the same transaction (replayed)
    std::string const& stays;    ///< what a failure leaves: "rolled back, ... stays at 002"
    bool commits;                ///< the script ends with COMMIT (a lost connection: in doubt)
  };

  /**
   * Sends a revision's script; a failure rolls the transaction back and
   * throws revision_error naming the failing step (or interrupted_error,
   * commit_unknown_error). `retries_left` > 0: a lock_not_available failure
   * throws lock_retry instead of an error.
   */
  void send_revision(revision_send const& send, int retries_left) {
    std::string blockers;
    try {
      watched_exec(send.script, blockers);
    } catch (pqxx::sql_error const& e) {
      rollback_quietly();
      if (interrupted()) throw interruption(send.rev, send.dir, send.stays);
      if (e.sqlstate() == "55P03" && retries_left > 0) {
        throw lock_retry{blockers, std::string(send.rev.id)};
      }
      auto const line = locate_failure(send.rev, send.dir, send.earlier);
      throw failure(send.rev, send.dir, e, line, send.stays, blockers);
    } catch (pqxx::broken_connection const& e) {
      if (!send.commits) {  // no COMMIT was sent: the server rolled the transaction back
        throw connection_error(
            fmt::format("connection lost while applying revision {}; {}", send.rev.id, send.stays),
            {{}, std::string(send.rev.id), {}, {}});
      }
      throw commit_unknown_error(
          fmt::format("connection lost while applying revision {}: it may or may not be "
                      "applied; run `migrate status` before retrying ({})",
                      send.rev.id, server_message(e.what())),
          {{}, std::string(send.rev.id), {}, {}});
    }
  }

  /// `retries_left` > 0: a lock_not_available failure throws lock_retry instead of an error.
  void apply_in_transaction(revision const& rev, direction dir,
                            std::optional<std::string> const& expected, int retries_left) {
    forget_bookkeeping_of_a_lost_session();
    std::string const script = detail::revision_script(quoting(), ctx, rev, dir, expected);
    std::string const stays =
        fmt::format("rolled back, the database stays at {}", name_of(expected));
    send_revision({rev, dir, script, {}, stays, true}, retries_left);  // BEGIN ... COMMIT
  }

  /**
   * Runs `attempt(retries_left)` until it does not throw lock_retry,
   * waiting 0.5 s, 1 s, 2 s ... (options::retry_backoff) in between;
   * `rolled_back` says what each failed attempt undid.
   */
  template <typename Attempt>
  void with_lock_retries(std::string_view rolled_back, std::optional<std::string> const& stays_at,
                         Attempt&& attempt) {
    for (int n = 0;; ++n) {
      try {
        attempt(opts.lock_retries - n);
        return;
      } catch (lock_retry const& retry) {
        auto const delay = opts.retry_backoff * (1LL << std::min(n, 20));
        log(fmt::format(
            "Revision {} could not get a lock within {} ms{} and {} rolled back; "
            "retry {} of {} in {:.1f} s",
            retry.revision, opts.lock_timeout.count(),
            retry.blockers.empty() ? std::string() : " (blocked by:" + retry.blockers + ")",
            rolled_back, n + 1, opts.lock_retries, static_cast<double>(delay.count()) / 1000));
        sleep_interruptibly(delay, fmt::format("waiting to retry revision {}; the database stays "
                                               "at {}",
                                               retry.revision, name_of(stays_at)));
      }
    }
  }

  /// Applies a transactional revision, retrying lock_not_available with exponential backoff.
  void apply_with_retries(revision const& rev, direction dir,
                          std::optional<std::string> const& expected) {
    with_lock_retries("was", expected, [&](int retries_left) {
      apply_in_transaction(rev, dir, expected, retries_left);
    });
  }

  /// --single-transaction refuses, before anything changes, a plan holding a revision that
  /// cannot run inside a transaction.
  void refuse_non_transactional(std::vector<plan_step> const& steps) const {
    for (plan_step const& s : steps) {
      if (s.rev->transactional) continue;
      std::string const location = source_location(cat, *s.rev);
      throw refusal(
          fmt::format("--single-transaction: revision {} \"{}\" ({}) runs without a transaction "
                      "(e.g. CREATE INDEX CONCURRENTLY) and cannot be part of one; nothing was "
                      "applied. Run to the revision before it with --single-transaction, then "
                      "this one without it",
                      s.rev->id, s.rev->description, location),
          {{}, std::string(s.rev->id), location, {}});
    }
  }

  /**
   * --single-transaction: BEGIN with the first revision's body, one round
   * trip per revision (its steps and bookkeeping, the bookkeeping guard
   * chaining the version from one revision to the next), then COMMIT.
   * Returns each revision's duration; throws with everything rolled back.
   *
   * Finding the failing step of revision k: its steps may depend on the
   * revisions before it in the transaction, which the failure rolled back.
   * locate_failure replays their bodies first (as one string), then k's
   * steps one by one, and rolls back. The alternative, a SAVEPOINT before
   * each revision in the same string, costs on every successful run:
   * psql -1 with 1,000 one-INSERT revisions took 70 ms with a savepoint
   * around each against 38 ms without, and beyond 64 subtransactions every
   * other session's snapshot on the server overflows its subtransaction
   * cache (pg_subtrans lookups) for as long as the transaction is open.
   * The replay costs only a failed run, at most the time of the revisions
   * before the failure once more.
   */
  std::vector<std::chrono::milliseconds> apply_in_one_transaction(
      std::vector<plan_step> const& steps, std::optional<std::string> const& from,
      int retries_left) {
    forget_bookkeeping_of_a_lost_session();
    std::string const stays = fmt::format(
        "rolled back with the whole run (--single-transaction), the database stays at {}",
        name_of(from));
    std::vector<std::chrono::milliseconds> took;
    std::string earlier;
    std::optional<std::string> expected = from;
    for (plan_step const& s : steps) {
      if (interrupted()) {
        if (!earlier.empty()) rollback_quietly();
        throw interruption(*s.rev, s.dir, stays);
      }
      std::string const body = detail::revision_body(quoting(), ctx, *s.rev, s.dir, expected);
      std::string const script = earlier.empty() ? "BEGIN;\n" + body : body;
      auto const started = clock_type::now();
      send_revision({*s.rev, s.dir, script, earlier, stays, false}, retries_left);
      took.push_back(
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started));
      earlier += body;
      expected = detail::version_after(*s.rev, s.dir);
    }
    commit_single_transaction(from, expected);
    return took;
  }

  /// The COMMIT of --single-transaction: a deferred constraint may still fail it.
  void commit_single_transaction(std::optional<std::string> const& from,
                                 std::optional<std::string> const& to) {
    try {
      exec("COMMIT");
    } catch (pqxx::sql_error const& e) {
      rollback_quietly();
      throw error(fmt::format("COMMIT of the single transaction up to {} failed: {}; "
                              "everything was rolled back, the database stays at {}",
                              name_of(to), with_sqlstate(e), name_of(from)),
                  {e.sqlstate(), {}, {}, {}});
    } catch (pqxx::broken_connection const& e) {
      throw commit_unknown_error(
          fmt::format("connection lost while committing the single transaction from {} to {}: "
                      "it may or may not be applied; run `migrate status` before retrying ({})",
                      name_of(from), name_of(to), server_message(e.what())));
    }
  }

  /// Session settings of a non-transactional revision, and their reset.
  std::string session_settings() {
    auto q = quoting();
    std::string sql = detail::lock_timeout_sql(q, opts.lock_timeout, false) + ";";
    if (!opts.role.empty()) sql += detail::set_role_sql(q, opts.role, false) + ";";
    return sql;
  }
  void reset_session() noexcept {
    try {
      exec(opts.role.empty() ? "RESET lock_timeout" : "RESET lock_timeout; RESET ROLE");
    } catch (...) {  // the connection is gone or cancelled: nothing left to reset
    }
  }

  /// Marks the database dirty before the first statement of a non-transactional revision.
  void mark_dirty(revision const& rev, direction dir, std::size_t total) {
    ensure_dirty_table();
    auto q = quoting();
    exec(
        fmt::format("INSERT INTO {} (revision, direction, statements_total, checksum, build_id) "
                    "VALUES ({}, {}, {}, {}, {})",
                    detail::qualified(q, dirty_name()), q.literal(std::string(rev.id)),
                    q.literal(std::string(to_string(dir))), total,
                    q.literal(std::string(rev.checksum)), q.literal(ctx.build_id)));
  }

  void update_dirty(revision const& rev, std::string const& assignments) noexcept {
    try {
      auto q = quoting();
      exec(fmt::format("UPDATE {} SET {} WHERE revision = {}", detail::qualified(q, dirty_name()),
                       assignments, q.literal(std::string(rev.id))));
    } catch (...) {  // the marker row is there already: the state stays dirty either way
    }
  }

  std::string invalid_index_note() {
    try {
      auto const names = invalid_indexes();
      if (names.empty()) return {};
      return "; invalid indexes left behind (pg_index.indisvalid = false): " + comma_list(names);
    } catch (...) {
      return {};
    }
  }

  /**
   * A revision that cannot run in a transaction (CREATE INDEX CONCURRENTLY):
   * the dirty marker is written first, the steps run one by one in
   * autocommit (the marker counting them), and the version and history rows
   * are written, and the marker deleted, in one transaction at the end. A
   * failure (or a crash) in between leaves the marker: later runs refuse
   * until `migrate resolve`.
   */
  void apply_outside_transaction(revision const& rev, direction dir,
                                 std::optional<std::string> const& expected) {
    auto q = quoting();
    auto const& steps = dir == direction::upgrade ? rev.upgrade : rev.downgrade;
    mark_dirty(rev, dir, steps.size);
    auto const started = clock_type::now();
    exec(session_settings());
    std::size_t done = 0;
    for (step const& s : steps) {
      std::string blockers;
      try {
        if (interrupted()) throw interruption(rev, dir, "");
        watched_exec(std::string(s.sql), blockers);
      } catch (pqxx::sql_error const& e) {
        reset_session();
        update_dirty(rev, "error = " + q.literal(with_sqlstate(e)));
        std::string const consequence = fmt::format(
            "this revision runs outside a transaction: {} of {} statements ran and stay "
            "applied, and the database is marked dirty at {} (the version stays at {}){}; "
            "repair it, then run `migrate resolve {} --applied` or `--rolled-back`",
            done, steps.size, rev.id, name_of(expected), invalid_index_note(), rev.id);
        if (interrupted()) throw interruption(rev, dir, consequence);
        throw failure(rev, dir, e, s.line, consequence, blockers);
      } catch (interrupted_error const&) {
        reset_session();
        update_dirty(rev, "error = 'interrupted'");
        throw interruption(
            rev, dir,
            fmt::format(
                "{} of {} statements ran and stay applied; the database is marked dirty at {}",
                done, steps.size, rev.id));
      }
      ++done;
      update_dirty(rev, fmt::format("statements_done = {}, statements = statements || {}", done,
                                    q.literal(detail::terminated(s.sql))));
    }
    reset_session();
    auto const took =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
    std::string const bookkeeping =
        "BEGIN;\n" + detail::version_update_sql(q, ctx, expected, detail::version_after(rev, dir)) +
        ";\n" +
        detail::history_insert_sql(q, ctx, std::string(rev.id), to_string(dir), rev.checksum,
                                   rev.description, took) +
        ";\nDELETE FROM " + detail::qualified(q, dirty_name()) +
        " WHERE revision = " + q.literal(std::string(rev.id)) + ";\nCOMMIT;";
    try {
      exec(bookkeeping);
    } catch (pqxx::sql_error const& e) {
      rollback_quietly();
      throw failure(rev, dir, e, std::nullopt,
                    fmt::format("its steps ran, but the version stays at {} and the database is "
                                "marked dirty at {}",
                                name_of(expected), rev.id),
                    {});
    }
  }

  std::string head_name() const {
    return cat.revisions.empty() ? "base" : std::string(cat.revisions[cat.revisions.size - 1].id);
  }

  run_result run(direction dir, target const& goal) {
    lock_guard lock(*this);
    checked_state const checked =
        read_checked_state(ensure_tables(), {opts.allow_checksum_mismatch, false});
    database_state const& state = checked.state;
    validation const& verdict = checked.verdict;
    position const at = verdict.at;
    std::string const at_name(position_name(cat, at));
    log("Current database version: " + at_name);
    if (dir == direction::upgrade) log("Latest migration version: " + head_name());
    auto const steps = plan(cat, at, dir, goal);
    if (dir == direction::downgrade) {
      log("Target migration version: " +
          (steps.empty()
               ? at_name
               : name_of(detail::version_after(*steps.back().rev, direction::downgrade))));
    }
    if (opts.single_transaction) refuse_non_transactional(steps);
    record_repairs(verdict.accepted);
    run_result result{at_name, at_name, {}};
    if (steps.empty()) {
      log(goal.what == target::kind::head ? std::string("Database is already at latest version")
                                          : "Database is already at " + result.from);
      return result;
    }
    try {
      prepare_bookkeeping(steps);
      if (opts.single_transaction) {
        apply_together(steps, state.current, result);
      } else {
        apply_one_by_one(steps, state.current, result);
      }
    } catch (error& e) {
      e.set_applied(ids_of(result.applied));
      throw;
    }
    return result;
  }

  /// Adds a revision the run applied (or reverted) to `result` and logs it.
  void record_done(run_result& result, plan_step const& s, std::chrono::milliseconds took) {
    result.applied.push_back({s.rev, s.dir, took});
    result.to = name_of(detail::version_after(*s.rev, s.dir));
    log(fmt::format("{} {} \"{}\" in {} ms", s.dir == direction::upgrade ? "Applied" : "Reverted",
                    s.rev->id, s.rev->description, took.count()));
  }

  /// Each revision in its own transaction (or none, for a non-transactional one).
  void apply_one_by_one(std::vector<plan_step> const& steps, std::optional<std::string> expected,
                        run_result& result) {
    for (plan_step const& s : steps) {
      if (interrupted()) {
        throw interrupted_error(
            fmt::format("interrupted before revision {}; the database is "
                        "at {}",
                        s.rev->id, name_of(expected)));
      }
      auto const started = clock_type::now();
      if (s.rev->transactional) {
        apply_with_retries(*s.rev, s.dir, expected);
      } else {
        apply_outside_transaction(*s.rev, s.dir, expected);
      }
      auto const took =
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
      record_done(result, s, took);
      expected = detail::version_after(*s.rev, s.dir);
    }
  }

  /// --single-transaction: every revision in one transaction; logged once it is committed.
  void apply_together(std::vector<plan_step> const& steps, std::optional<std::string> const& from,
                      run_result& result) {
    std::vector<std::chrono::milliseconds> took;
    with_lock_retries(
        "the whole transaction (--single-transaction) was", from,
        [&](int retries_left) { took = apply_in_one_transaction(steps, from, retries_left); });
    for (std::size_t i = 0; i < steps.size(); ++i) record_done(result, steps[i], took[i]);
  }

  run_result stamp(std::optional<std::size_t> index) {
    lock_guard lock(*this);
    ensure_tables();
    // No validation (stamping is how a broken state is fixed), except a dirty marker: the
    // half-run revision must be resolved first, or its statements would be forgotten.
    if (auto dirty = read_dirty())
      throw refusal(describe_dirty(cat, *dirty), {{}, dirty->revision, {}, {}});
    auto const before = read_current();
    auto q = quoting();
    revision const* rev = index ? &cat.revisions[*index] : nullptr;
    std::string script = "DELETE FROM " + detail::qualified(q, ctx.version_table) + ";\n";
    if (rev) {
      script += "INSERT INTO " + detail::qualified(q, ctx.version_table) +
                " (version_num) VALUES (" + q.literal(std::string(rev->id)) + ");\n";
    }
    script +=
        detail::history_insert_sql(q, ctx, rev ? std::optional<std::string>(rev->id) : std::nullopt,
                                   "stamp", rev ? rev->checksum : std::string_view(),
                                   rev ? rev->description : std::string_view()) +
        ";\n";
    run_in_transaction(script);
    std::string const after = rev ? std::string(rev->id) : "base";
    log(fmt::format("Stamped {} (was {})", after, name_of(before)));
    return {name_of(before), after, {}};
  }

  run_result resolve(std::string_view id, bool applied) {
    lock_guard lock(*this);
    ensure_tables();
    auto const dirty = read_dirty();
    if (!dirty) throw refusal(fmt::format("database is not dirty: nothing to resolve for {}", id));
    if (parse_id(id) != parse_id(dirty->revision)) {
      throw refusal(fmt::format("database is dirty at {}, not at {}", dirty->revision, id));
    }
    auto const index = find_revision(cat, dirty->revision);
    if (!index) {
      throw refusal(
          fmt::format("database is dirty at {}, which this binary does not know", dirty->revision));
    }
    revision const& rev = cat.revisions[*index];
    direction const dir =
        dirty->direction == "downgrade" ? direction::downgrade : direction::upgrade;
    auto const before = read_current();
    std::optional<std::string> const after = applied ? detail::version_after(rev, dir) : before;
    auto q = quoting();
    std::string script;
    if (applied) {
      std::string const update = detail::version_update_sql(q, ctx, before, after);
      if (!update.empty()) script += update + ";\n";
    }
    script += detail::history_insert_sql(
                  q, ctx, std::string(rev.id), history_has_new_kinds() ? "resolve" : "stamp",
                  rev.checksum,
                  fmt::format("{} [{} resolved as {}]", rev.description, dirty->direction,
                              applied ? "applied" : "rolled back"),
                  std::chrono::microseconds(0)) +
              ";\nDELETE FROM " + detail::qualified(q, dirty_name()) + ";\n";
    run_in_transaction(script);
    log(fmt::format("Resolved the {} of {} as {}: the database is at {}", dirty->direction, rev.id,
                    applied ? "applied" : "rolled back", name_of(after)));
    if (!dirty->invalid_indexes.empty()) {
      log("Warning: invalid indexes remain (pg_index.indisvalid = false): " +
          comma_list(dirty->invalid_indexes));
    }
    return {name_of(before), name_of(after), {}};
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
    throw error(with_sqlstate(e), {e.sqlstate(), {}, {}, {}});
  } catch (std::exception const& e) {
    throw error(server_message(e.what()));
  }
}

}  // namespace

bool drift_report::has_drift() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](drift_finding const& f) { return f.what == drift_finding::kind::drift; });
}

bool verify_report::ok() const {
  return unknown.empty() && !dirty && !drift.has_drift() &&
         std::all_of(applied.begin(), applied.end(),
                     [](verify_entry const& e) { return e.matches; });
}

migrator::migrator(pqxx::connection_base& cx, catalog const& embedded, options opts)
    : m_impl(std::make_unique<impl>(cx, embedded, std::move(opts))) {}

migrator::~migrator() = default;

std::string migrator::version_table() const {
  return detail::display_name(m_impl->ctx.version_table);
}

status_report migrator::status() {
  return translated([&] {
    status_report report;
    auto const present = m_impl->probe_tables();
    report.version_table_exists = present.version;
    auto const checked = m_impl->read_checked_state(present, {false, true});
    report.current = checked.state.current;
    report.dirty = checked.state.dirty;
    report.at = checked.verdict.at;
    for (std::size_t i = report.at ? *report.at + 1 : 0; i < m_impl->cat.revisions.size; ++i) {
      report.pending.push_back(&m_impl->cat.revisions[i]);
    }
    return report;
  });
}

verify_report migrator::verify() {
  return translated([&] {
    verify_report report;
    database_state const state = m_impl->read_state(m_impl->probe_tables());
    report.current = state.current;
    report.dirty = state.dirty;
    catalog const& cat = m_impl->cat;
    report.drift.status = drift_report::state::skipped;
    report.drift.at = state.current ? *state.current : std::string("base");
    validation verdict;
    try {
      verdict = check(cat, state, {true, true});
    } catch (refusal const& e) {
      report.unknown = e.what();
      return report;
    }
    if (!state.dirty) {
      detail::quoter const q = m_impl->quoting();
      std::vector<std::string> exclude;
      for (auto const& name :
           {m_impl->ctx.version_table, m_impl->history_name(), m_impl->dirty_name()}) {
        exclude.push_back(detail::qualified(q, name));
      }
      // The model at the database's revision, not head's: a database below head is checked too.
      auto const model = model_objects(cat, verdict.at);
      report.drift.findings =
          compare_schema(model, read_live_schema(m_impl->cx, exclude),
                         verdict.at ? raw_ddl_names(cat, *verdict.at) : raw_sql_names{});
      report.drift.objects = model.size();
      report.drift.status = drift_report::state::checked;
    }
    // Indexed once: a scan per revision is quadratic at thousands of revisions.
    std::unordered_map<std::uint64_t, applied_record const*> recorded;
    for (auto const& [id, record] : state.applied) {
      if (auto const value = parse_id(id)) recorded[*value] = &record;  // the last one wins
    }
    std::unordered_set<revision const*> mismatched;
    for (auto const& m : verdict.accepted) mismatched.insert(m.rev);
    for (std::size_t i = 0; verdict.at && i <= *verdict.at; ++i) {
      revision const& rev = m_impl->cat.revisions[i];
      verify_entry entry{&rev, std::nullopt, mismatched.count(&rev) == 0};
      if (auto const it = recorded.find(rev.number); it != recorded.end())
        entry.recorded = *it->second;
      report.applied.push_back(std::move(entry));
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

run_result migrator::resolve(std::string_view id, bool applied) {
  if (!parse_id(id)) throw target_error(fmt::format("invalid revision id '{}'", id));
  return translated([&] { return m_impl->resolve(id, applied); });
}

std::vector<history_entry> migrator::history() {
  return translated([&] {
    std::vector<history_entry> out;
    auto const table = m_impl->history_name();
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
