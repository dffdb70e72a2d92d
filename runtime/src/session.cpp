// One migrator's session with the server, and how libpqxx's failures become the runtime's errors.
#include "session.hpp"

#include <pqxx/nontransaction>
#include <thread>

#include "connection.hpp"

namespace migc::runtime::detail {

using clock_type = std::chrono::steady_clock;

notice_forwarder::notice_forwarder(pqxx::connection_base& cx,
                                   std::function<void(std::string_view)> sink)
    : pqxx::errorhandler(cx), m_sink(std::move(sink)) {}

bool notice_forwarder::operator()(char const message[]) noexcept {
  if (m_muted || !m_sink) return false;
  try {
    std::string_view text(message);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    m_sink(text);
  } catch (...) {  // a logging failure must not break a migration
  }
  return false;  // handled: older handlers (libpqxx's stderr default) stay quiet
}

namespace {

script_context context_for(catalog const& cat, options const& opts) {
  script_context ctx;
  ctx.version_table = version_table_for(opts.version_table, cat);
  ctx.lock_timeout = opts.lock_timeout;
  ctx.concurrent_lock_timeout = opts.concurrent_lock_timeout;
  ctx.build_id = std::string(cat.chain_hash);
  ctx.role = opts.role;
  ctx.shared_transaction = opts.single_transaction;
  return ctx;
}

}  // namespace

session::session(std::string conninfo_in, catalog const& embedded, options o)
    : cat(embedded),
      opts(std::move(o)),
      ctx(context_for(cat, opts)),
      conninfo(with_fallback_application_name(std::move(conninfo_in))),
      connection(connect(conninfo)),
      cx(*connection),
      notices(cx, opts.notice) {}

pqxx::result session::exec(std::string const& sql) {
  try {
    pqxx::nontransaction tx(cx);
    return tx.exec(sql);
  } catch (pqxx::insufficient_privilege const& e) {
    // libpqxx 6.4 throws this class without its SQLSTATE (sqlstate() is ""): every message and
    // JSON report would say "SQLSTATE " with nothing after it.
    if (!e.sqlstate().empty()) throw;
    throw pqxx::insufficient_privilege(e.what(), e.query(), "42501");
  }
}

pqxx::result session::exec_quietly(std::string const& sql) {
  notices.mute(true);
  try {
    auto result = exec(sql);
    notices.mute(false);
    return result;
  } catch (...) {
    notices.mute(false);
    throw;
  }
}

void session::rollback_quietly() noexcept {
  try {
    exec_quietly("ROLLBACK");  // "no transaction in progress" when COMMIT itself failed
  } catch (...) {              // the connection may be gone: the server then rolled back anyway
  }
}

void session::run_in_transaction(std::string const& sql) {
  try {
    exec(sql);
  } catch (...) {
    rollback_quietly();
    throw;
  }
}

void session::log(std::string const& line) const {
  if (opts.log) opts.log(line);
}

bool session::interrupted() const {
  return opts.interrupted != nullptr && opts.interrupted->load();
}

void session::sleep_interruptibly(std::chrono::milliseconds d, std::string const& while_doing) {
  auto const until = clock_type::now() + d;
  while (clock_type::now() < until) {
    if (interrupted()) throw interrupted_error("interrupted while " + while_doing);
    std::this_thread::sleep_for(
        std::min<clock_type::duration>(std::chrono::milliseconds(50), until - clock_type::now()));
  }
}

quoter session::quoting() {
  return connection_quoter(cx);
}

table_name session::history_name() const {
  return history_table(ctx.version_table);
}

table_name session::dirty_name() const {
  return dirty_table(ctx.version_table);
}

table_name session::progress_name() const {
  return progress_table(ctx.version_table);
}

bool session::exists(table_name const& name) {
  return exec("SELECT " + exists_sql(quoting(), name))[0][0].as<bool>();
}

std::string server_message(std::string_view what) {
  std::string_view line = what.substr(0, what.find('\n'));
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (line.rfind(prefix, 0) == 0) line.remove_prefix(prefix.size());
  }
  return std::string(line);
}

std::string server_hint(std::string_view what) {
  constexpr std::string_view prefix = "\nHINT:  ";
  auto const at = what.find(prefix);
  if (at == std::string_view::npos) return {};
  std::string_view const hint = what.substr(at + prefix.size());
  return std::string(hint.substr(0, hint.find('\n')));
}

std::string with_sqlstate(pqxx::sql_error const& e) {
  std::string const hint = server_hint(e.what());
  return server_message(e.what()) +
         (e.sqlstate().empty() ? std::string() : " (SQLSTATE " + e.sqlstate() + ")") +
         (hint.empty() ? std::string() : "; hint: " + hint);
}

void rethrow_translated() {
  try {
    throw;
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

}  // namespace migc::runtime::detail
