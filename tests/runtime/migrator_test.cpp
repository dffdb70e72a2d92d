// Migrator tests against a real PostgreSQL: each test owns a fresh database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <migc/runtime/migrator.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "connection.hpp"
#include "pg_test.hpp"
#include "script.hpp"
#include "test_catalogs.hpp"
#include "version_store.hpp"
#include "wait.hpp"

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

namespace rt = migc::runtime;
using migc::test::app;

namespace {

class migrator_test : public migc::test::pg_test {
 protected:
  std::string version() {
    return scalar("SELECT string_agg(version_num, ',') FROM alembic_version");
  }

  rt::options logging_options() {
    rt::options o;
    o.log = [this](std::string_view line) { m_log.emplace_back(line); };
    return o;
  }

  std::vector<std::string> m_log;
};

}  // namespace

TEST_F(migrator_test, upgrades_empty_database_to_head) {
  auto const result = rt::upgrade(conninfo(), app, logging_options());
  EXPECT_EQ(result.from, "base");
  EXPECT_EQ(result.to, "003");
  ASSERT_EQ(m_log.size(), 5u);
  EXPECT_EQ(m_log[0], "Current database version: base");
  EXPECT_EQ(m_log[1], "Latest migration version: 003");
  EXPECT_THAT(m_log[2], MatchesRegex(R"(Applied 001 "Initial schema" in [0-9]+ ms)"));
  EXPECT_THAT(m_log[4], MatchesRegex(R"(Applied 003 "Backfill users.full_name" in [0-9]+ ms)"));
  EXPECT_EQ(version(), "003");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                   "AND column_name = 'full_name'"),
            "1");
}

TEST_F(migrator_test, reports_database_already_at_latest_version) {
  rt::upgrade(conninfo(), app);
  auto const result = rt::upgrade(conninfo(), app, logging_options());
  EXPECT_TRUE(result.applied.empty());
  EXPECT_EQ(m_log, (std::vector<std::string>{"Current database version: 003",
                                             "Latest migration version: 003",
                                             "Database is already at latest version"}));
}

TEST_F(migrator_test, creates_version_table_exactly_as_alembic) {
  rt::upgrade(conninfo(), app);
  EXPECT_EQ(scalar("SELECT string_agg(column_name || ' ' || data_type || ' ' || "
                   "character_maximum_length || ' ' || is_nullable, ';') "
                   "FROM information_schema.columns WHERE table_name = 'alembic_version'"),
            "version_num character varying 32 NO");
  EXPECT_EQ(scalar("SELECT conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) "
                   "FROM pg_constraint WHERE conrelid = 'alembic_version'::regclass"),
            "alembic_version_pkc p PRIMARY KEY (version_num)");
}

TEST_F(migrator_test, schema_qualified_version_table_gets_alembic_constraint_name) {
  scalar("CREATE SCHEMA app");
  rt::options o;
  o.version_table = "app.schema_version";
  rt::upgrade(conninfo(), app, o);
  EXPECT_EQ(scalar("SELECT version_num FROM app.schema_version"), "003");
  EXPECT_EQ(scalar("SELECT conname FROM pg_constraint WHERE conrelid = "
                   "'app.schema_version'::regclass"),
            "schema_version_pkc");
  EXPECT_EQ(scalar("SELECT count(*) FROM app.schema_version_history"), "3");
  EXPECT_EQ(scalar("SELECT to_regclass('public.alembic_version')::text"), "");
}

TEST_F(migrator_test, writes_history_rows) {
  rt::upgrade(conninfo(), app);
  EXPECT_EQ(scalar("SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) "
                   "FROM alembic_version_history"),
            "001:upgrade,002:upgrade,003:upgrade");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE duration IS NOT NULL "
                   "AND duration >= '0'::interval AND applied_by = current_user "
                   "AND build_id = 'sha256:chain-app' AND checksum LIKE 'sha256:%' "
                   "AND description IS NOT NULL"),
            "3");
  rt::migrator m(conninfo(), app);
  auto const rows = m.history();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].revision, "002");
  EXPECT_EQ(rows[1].description, "Add new_field to memories");
  EXPECT_EQ(rows[1].checksum, app.revisions[1].checksum);
}

TEST_F(migrator_test, downgrades_to_base_and_back) {
  rt::migrator m(conninfo(), app, logging_options());
  m.upgrade();
  auto const down = m.downgrade("base");
  EXPECT_EQ(down.applied.size(), 3u);
  EXPECT_EQ(version(), "");
  EXPECT_EQ(scalar("SELECT to_regclass('users')::text"), "");
  EXPECT_THAT(m_log.back(), MatchesRegex(R"(Reverted 001 "Initial schema" in [0-9]+ ms)"));
  m.upgrade();
  EXPECT_EQ(version(), "003");
  EXPECT_EQ(scalar("SELECT string_agg(direction, ',' ORDER BY id) FROM alembic_version_history"),
            "upgrade,upgrade,upgrade,downgrade,downgrade,downgrade,upgrade,upgrade,upgrade");
}

TEST_F(migrator_test, relative_and_id_targets) {
  rt::migrator m(conninfo(), app);
  m.upgrade("+1");
  EXPECT_EQ(version(), "001");
  m.upgrade("+2");
  EXPECT_EQ(version(), "003");
  m.downgrade("-1");
  EXPECT_EQ(version(), "002");
  EXPECT_THROW(m.upgrade("+5"), rt::target_error);
  m.downgrade("001");
  EXPECT_EQ(version(), "001");
  m.upgrade("002");
  EXPECT_EQ(version(), "002");
  EXPECT_THROW(m.downgrade("003"), rt::target_error);
  m.downgrade("-2");
  EXPECT_EQ(version(), "");
}

TEST_F(migrator_test, failing_revision_rolls_back_whole_and_names_file_line) {
  rt::migrator m(conninfo(), migc::test::failing);
  try {
    m.upgrade();
    FAIL() << "expected revision_error";
  } catch (rt::revision_error const& e) {
    std::string const message = e.what();
    EXPECT_EQ(e.revision(), "003");
    EXPECT_EQ(e.location(), "migrations/20250102_0800-003_backfill_full_name.mig:7");
    EXPECT_EQ(e.sqlstate(), "42703");
    EXPECT_EQ(e.applied(), (std::vector<std::string>{"001", "002"}));
    EXPECT_THAT(message, HasSubstr("revision 003"));
    EXPECT_THAT(message, HasSubstr("migrations/20250102_0800-003_backfill_full_name.mig:7"));
    EXPECT_THAT(message, HasSubstr("column \"nope\" of relation \"users\" does not exist"));
    EXPECT_THAT(message, HasSubstr("stays at 002"));
  }
  EXPECT_EQ(version(), "002");
  // The first step (ADD COLUMN) was rolled back with the rest.
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                   "AND column_name = 'full_name'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE revision = '003'"), "0");
  // The session is usable afterwards (the failed transaction block was rolled back).
  EXPECT_EQ(m.status().current, "002");
}

TEST_F(migrator_test, a_failure_quotes_the_servers_hint) {
  using namespace rt::literals;
  static constexpr rt::step typo[] = {
      {"UPDATE users SET last_name = frist_name"_text, 4, rt::lock_level::unknown}};
  static constexpr rt::revision revisions[] = {
      app.revisions[0], migc::test::on_top_of_001("Typo"_text, migc::test::view(typo))};
  static constexpr auto cat = migc::test::catalog_of(revisions);
  try {
    rt::upgrade(conninfo(), cat);
    FAIL() << "expected revision_error";
  } catch (rt::revision_error const& e) {
    EXPECT_EQ(e.sqlstate(), "42703");
    EXPECT_THAT(e.what(), HasSubstr("upgrade of revision 002 \"Typo\" failed at "
                                    "migrations/20250101_1200-002_test.mig:4: column "
                                    "\"frist_name\" does not exist (SQLSTATE 42703); hint: "
                                    "Perhaps you meant to reference the column "
                                    "\"users.first_name\"."));
  }
}

TEST_F(migrator_test, status_of_up_to_date_database) {
  rt::migrator m(conninfo(), app);
  m.upgrade();
  auto const s = m.status();
  EXPECT_EQ(s.current, "003");
  EXPECT_EQ(s.at, 2u);
  EXPECT_TRUE(s.pending.empty());
  EXPECT_TRUE(s.version_table_exists);
}

TEST_F(migrator_test, status_of_fresh_database_creates_nothing) {
  rt::migrator m(conninfo(), app);
  auto const s = m.status();
  EXPECT_FALSE(s.current);
  EXPECT_EQ(s.pending.size(), 3u);
  EXPECT_FALSE(s.version_table_exists);
  EXPECT_EQ(scalar("SELECT to_regclass('alembic_version')::text"), "");
}

TEST_F(migrator_test, refuses_unknown_database_revision_before_changing_anything) {
  rt::migrator m(conninfo(), migc::test::app);
  m.upgrade("+1");
  scalar("UPDATE alembic_version SET version_num = '007'");
  try {
    m.upgrade();
    FAIL() << "expected refusal";
  } catch (rt::refusal const& e) {
    EXPECT_THAT(std::string(e.what()),
                StartsWith("database is at 007, this binary knows up to 003: "))
        << e.what();
  }
  EXPECT_EQ(version(), "007");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history"), "1");
}

TEST_F(migrator_test, refuses_edited_applied_revision) {
  rt::migrator(conninfo(), app).upgrade("002");
  rt::migrator edited(conninfo(), migc::test::edited);
  try {
    edited.upgrade();
    FAIL() << "expected refusal";
  } catch (rt::refusal const& e) {
    std::string const message = e.what();
    EXPECT_EQ(e.reason(), rt::refusal_reason::edited_revision);
    EXPECT_EQ(e.revision(), "002");
    EXPECT_THAT(message, HasSubstr("applied with checksum sha256:" + std::string(61, '2') + "..."));
    EXPECT_THAT(message, HasSubstr("has checksum sha256:" + std::string(60, '2') + "0..."));
  }
  EXPECT_EQ(version(), "002");
}

TEST_F(migrator_test, picks_up_alembic_managed_database_by_id_value) {
  rt::migrator(conninfo(), app).upgrade("+1");
  // Alembic knows nothing of the history table, and may have written the id unpadded.
  scalar("DROP TABLE alembic_version_history");
  scalar("UPDATE alembic_version SET version_num = '1'");
  rt::migrator m(conninfo(), app);
  auto const result = m.upgrade();
  EXPECT_EQ(result.from, "001");
  EXPECT_EQ(version(), "003");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history"), "2");
}

TEST_F(migrator_test, refuses_downgrade_through_irreversible_revision) {
  rt::migrator m(conninfo(), migc::test::mixed);
  m.upgrade();
  EXPECT_THROW(m.downgrade("base"), rt::refusal);
  EXPECT_EQ(version(), "004");
  m.downgrade("-1");
  EXPECT_EQ(version(), "003");
}

TEST_F(migrator_test, applies_non_transactional_revision_statement_by_statement) {
  rt::migrator m(conninfo(), migc::test::mixed);
  m.upgrade();
  EXPECT_EQ(version(), "004");
  EXPECT_EQ(scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_last_name'"),
            "CREATE INDEX users_last_name ON public.users USING btree (last_name)");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE revision = '004' AND "
                   "duration IS NOT NULL"),
            "1");
}

TEST_F(migrator_test, stamps_without_running_sql) {
  rt::migrator m(conninfo(), app);
  m.stamp("002");
  EXPECT_EQ(version(), "002");
  EXPECT_EQ(scalar("SELECT to_regclass('users')::text"), "");
  EXPECT_EQ(scalar("SELECT direction FROM alembic_version_history"), "stamp");
  m.stamp("base");
  EXPECT_EQ(version(), "");
  EXPECT_THROW(m.stamp("042"), rt::target_error);
}

TEST_F(migrator_test, concurrent_upgrades_apply_each_revision_once) {
  constexpr int runs = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < runs; ++i) {
    threads.emplace_back([&] {
      try {
        rt::options o;
        o.lock_poll_interval = std::chrono::milliseconds(20);
        rt::upgrade(conninfo(), app, o);
      } catch (std::exception const& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(version(), "003");
  EXPECT_EQ(scalar("SELECT string_agg(revision, ',' ORDER BY id) FROM alembic_version_history"),
            "001,002,003");
}

TEST_F(migrator_test, waiting_run_names_the_lock_holder) {
  pqxx::connection holder(conninfo() + " application_name=holder");
  auto const key = rt::detail::advisory_lock_key(rt::detail::parse_table_name("alembic_version"));
  pqxx::nontransaction(holder).exec("SELECT pg_advisory_lock(" + std::to_string(key) + ")");
  std::string const holder_pid = std::to_string(holder.backendpid());

  std::atomic<bool> waiting{false};
  std::string wait_line;
  std::thread runner([&] {
    rt::options o;
    o.lock_poll_interval = std::chrono::milliseconds(20);
    o.log = [&](std::string_view line) {
      if (line.rfind("Waiting", 0) == 0) {
        wait_line = line;
        waiting = true;
      }
    };
    rt::upgrade(conninfo(), app, o);
  });
  migc::test::wait_until([&] { return waiting.load(); });
  // Nothing ran while the lock was held, not even the version table's creation.
  EXPECT_EQ(scalar("SELECT to_regclass('alembic_version')::text"), "");
  pqxx::nontransaction(holder).exec("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
  runner.join();
  EXPECT_TRUE(waiting);
  EXPECT_THAT(wait_line, HasSubstr("pid " + holder_pid + " (holder"));
  EXPECT_EQ(version(), "003");
}

TEST_F(migrator_test, releases_the_lock_after_a_failure) {
  EXPECT_THROW(rt::migrator(conninfo(), migc::test::failing).upgrade(), rt::revision_error);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())"),
            "0");
}

TEST_F(migrator_test, sets_application_name_unless_the_user_did) {
  namespace detail = rt::detail;
  auto cx = detail::connect(detail::with_fallback_application_name(conninfo()));
  EXPECT_EQ(pqxx::nontransaction(*cx).exec("SHOW application_name")[0][0].as<std::string>(),
            "migrate");
  auto mine = detail::connect(
      detail::with_fallback_application_name(conninfo() + " application_name=mine"));
  EXPECT_EQ(pqxx::nontransaction(*mine).exec("SHOW application_name")[0][0].as<std::string>(),
            "mine");
}

TEST_F(migrator_test, connection_error_does_not_leak_password) {
  try {
    rt::migrator m("postgresql://alice:s3cret@/nodb?host=/nonexistent-migc", app);
    FAIL() << "expected connection_error";
  } catch (rt::connection_error const& e) {
    EXPECT_THAT(std::string(e.what()), Not(HasSubstr("s3cret"))) << e.what();
  }
}

TEST_F(migrator_test, offline_quoting_matches_libpqxx) {
  pqxx::connection cx(conninfo());
  auto const online = rt::detail::connection_quoter(cx);
  auto const offline = rt::detail::offline_quoter();
  for (std::string s : {"plain", "it's", "back\\slash", "ünïcode \"q\"", ""}) {
    EXPECT_EQ(online.literal(s), offline.literal(s)) << s;
    EXPECT_EQ(online.identifier(s.empty() ? "x" : s), offline.identifier(s.empty() ? "x" : s));
  }
}

TEST_F(migrator_test, lock_timeout_names_the_blocking_session) {
  rt::migrator(conninfo(), app).upgrade("002");
  pqxx::connection blocker(conninfo() + " application_name=blocker");
  pqxx::work hold(blocker);
  hold.exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
  rt::options o;
  o.lock_timeout = std::chrono::milliseconds(200);
  try {
    rt::migrator(conninfo(), app, o).upgrade();
    FAIL() << "expected revision_error";
  } catch (rt::revision_error const& e) {
    std::string const message = e.what();
    EXPECT_EQ(e.sqlstate(), "55P03");
    EXPECT_EQ(e.location(), "migrations/20250102_0800-003_backfill_full_name.mig:5");
    EXPECT_THAT(message, HasSubstr("pid " + std::to_string(blocker.backendpid()) + " (blocker"));
  }
  hold.abort();
  EXPECT_EQ(version(), "002");
}

// ---- start-up log of a downgrade, the session's bookkeeping function and its guard ----------

namespace {

class bookkeeping_test : public migc::test::pg_test {
 protected:
};

}  // namespace

TEST_F(bookkeeping_test, downgrade_logs_its_target_not_the_head) {
  std::vector<std::string> log;
  rt::options o;
  o.log = [&log](std::string_view line) { log.emplace_back(line); };
  rt::migrator m(conninfo(), app, o);
  m.upgrade();
  log.clear();
  m.downgrade("-1");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "Current database version: 003");
  EXPECT_EQ(log[1], "Target migration version: 002");
  EXPECT_THAT(log[2], MatchesRegex(R"(Reverted 003 "[^"]+" in [0-9]+ ms)"));
  log.clear();
  m.downgrade("base");
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[1], "Target migration version: base");
  log.clear();
  m.downgrade("base");  // nothing to do
  EXPECT_EQ(log, (std::vector<std::string>{"Current database version: base",
                                           "Target migration version: base",
                                           "Database is already at base"}));
}

TEST_F(bookkeeping_test, the_guard_refuses_a_stale_version_and_a_session_without_the_lock) {
  pqxx::connection cx(conninfo());
  rt::upgrade(conninfo(), app);  // the tables, at 003
  namespace detail = rt::detail;
  detail::script_context ctx;
  ctx.version_table = detail::parse_table_name("alembic_version");
  ctx.build_id = "sha256:chain-app";
  auto const q = detail::connection_quoter(cx);
  auto const sqlstate_of = [&](std::string const& script) {
    try {
      pqxx::nontransaction(cx).exec(script);
    } catch (pqxx::sql_error const& e) {
      pqxx::nontransaction(cx).exec("ROLLBACK");
      return e.sqlstate() + ": " + e.what();
    }
    return std::string("accepted");
  };
  // This session does not hold the session migration lock (a pooler moved the session).
  std::string const stale = detail::revision_script(
      q, ctx, app, {&app.revisions[2], rt::direction::downgrade}, std::string("002"));
  EXPECT_THAT(sqlstate_of(stale), StartsWith("MG001: "));
  // Behind a pooler there is no session lock; the version is at 003, not at 002: nothing runs.
  ctx.session_lock = false;
  EXPECT_THAT(sqlstate_of(detail::revision_script(
                  q, ctx, app, {&app.revisions[2], rt::direction::downgrade}, std::string("002"))),
              StartsWith("MG002: "));
  // Another session holds the lock: MG003, and the runner polls.
  pqxx::connection other(conninfo());
  pqxx::nontransaction(other).exec("SELECT pg_advisory_lock(-412713010304235490)");
  EXPECT_THAT(sqlstate_of(detail::revision_script(
                  q, ctx, app, {&app.revisions[2], rt::direction::downgrade}, std::string("003"))),
              StartsWith("MG003: "));
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "003");
}

TEST_F(bookkeeping_test, runs_without_the_temp_privilege) {
  std::string const role = database_name() + "_notemp";
  scalar("CREATE ROLE " + role + " LOGIN; GRANT CREATE ON SCHEMA public TO " + role +
         "; REVOKE TEMPORARY ON DATABASE " + database_name() + " FROM PUBLIC");
  {
    std::string const as_role = conninfo() + " user=" + role;
    auto const result = rt::upgrade(as_role, app);
    EXPECT_EQ(result.to, "003");
    rt::migrator m(as_role, app);
    EXPECT_EQ(m.downgrade("-2").to, "001");
  }
  EXPECT_EQ(scalar("SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) "
                   "FROM alembic_version_history"),
            "001:upgrade,002:upgrade,003:upgrade,003:downgrade,002:downgrade");
  scalar("DROP OWNED BY " + role + "; DROP ROLE " + role);
}
