// Refusals, dirty markers, lock waits, retries and roles against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <migc/runtime/migrator.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "pg_test.hpp"
#include "script.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"
#include "version_store.hpp"

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace rt = migc::runtime;
using migc::test::app;

namespace {

class safety_test : public migc::test::pg_test {
 protected:
  std::string version() {
    return scalar("SELECT string_agg(version_num, ',') FROM alembic_version");
  }

  rt::options logging_options() {
    rt::options o;
    o.log = m_log.sink();
    return o;
  }

  migc::test::log_capture m_log;
};

}  // namespace

TEST_F(safety_test, allow_checksum_mismatch_records_a_repair_row) {
  rt::migrator(conninfo(), app).upgrade("002");
  auto o = logging_options();
  o.allow_checksum_mismatch = true;
  rt::migrator(conninfo(), migc::test::edited, o).upgrade();
  EXPECT_EQ(version(), "003");
  EXPECT_THAT(m_log.text(),
              HasSubstr("Accepting revision 002 with checksum " +
                        std::string(migc::test::edited.revisions[1].checksum) +
                        " in place of the "
                        "applied " +
                        std::string(app.revisions[1].checksum) + " (--allow-checksum-mismatch)"));
  EXPECT_EQ(scalar("SELECT checksum || ' ' || build_id FROM alembic_version_history WHERE "
                   "direction = 'repair' AND revision = '002'"),
            std::string(migc::test::edited.revisions[1].checksum) + " sha256:chain-edited");
  // The repair row is the latest record of 002: the edited binary no longer refuses.
  EXPECT_NO_THROW(rt::migrator(conninfo(), migc::test::edited).downgrade("-1"));
}

TEST_F(safety_test, failed_non_transactional_revision_leaves_the_database_dirty) {
  rt::migrator m(conninfo(), migc::test::dirty);
  try {
    m.upgrade();
    FAIL() << "expected revision_error";
  } catch (rt::revision_error const& e) {
    std::string const message = e.what();
    EXPECT_EQ(e.location(), "migrations/20250102_0800-003_index_users.mig:5");
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_THAT(message, HasSubstr("1 of 2 statements ran and stay applied, and the database is "
                                   "marked dirty at 003 (the version stays at 002)"));
    EXPECT_THAT(message, HasSubstr("invalid indexes left behind (pg_index.indisvalid = false): "
                                   "public.users_last_unique"));
  }
  EXPECT_EQ(version(), "002");
  EXPECT_EQ(scalar("SELECT revision || ':' || statements_done || '/' || statements_total || ':' "
                   "|| statements FROM alembic_version_dirty"),
            "003:1/2:CREATE INDEX CONCURRENTLY users_first ON users (first_name);\n");
  // Every later run refuses, status reports it.
  auto const refused = [&](auto&& f) {
    try {
      f();
    } catch (rt::refusal const& e) {
      return std::string(e.what());
    }
    return std::string("no refusal");
  };
  EXPECT_THAT(refused([&] { m.upgrade(); }), HasSubstr("database is dirty: the upgrade of "
                                                       "revision 003 \"Index users\""));
  EXPECT_THAT(refused([&] { m.downgrade("-1"); }), HasSubstr("migrate resolve 003 --applied"));
  EXPECT_THAT(refused([&] { m.stamp("002"); }), HasSubstr("public.users_last_unique"));
  auto const s = m.status();
  ASSERT_TRUE(s.dirty);
  EXPECT_EQ(s.dirty->invalid_indexes, std::vector<std::string>{"public.users_last_unique"});
  // Resolved as rolled back (after undoing by hand): the version stays, runs work again.
  scalar("DROP INDEX users_last_unique; DROP INDEX users_first");
  auto const r = m.resolve("003", false);
  EXPECT_EQ(r.to, "002");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_dirty"), "0");
  EXPECT_EQ(scalar("SELECT direction || ' ' || description FROM alembic_version_history "
                   "ORDER BY id DESC LIMIT 1"),
            "resolve Index users [upgrade resolved as rolled back]");
  EXPECT_THROW(m.resolve("003", true), rt::refusal);  // not dirty any more
  EXPECT_NO_THROW(m.downgrade("base"));
}

TEST_F(safety_test, resolve_applied_moves_the_version_past_the_dirty_revision) {
  rt::migrator m(conninfo(), migc::test::dirty);
  EXPECT_THROW(m.upgrade(), rt::revision_error);
  EXPECT_THROW(m.resolve("002", true), rt::refusal);  // dirty at 003, not 002
  scalar("DROP INDEX users_last_unique; CREATE INDEX users_last_unique ON users (last_name)");
  m.resolve("003", true);
  EXPECT_EQ(version(), "003");
  EXPECT_EQ(m.status().pending.size(), 0u);
}

TEST_F(safety_test, concurrent_index_while_another_run_polls_for_the_lock) {
  auto run = [this](bool second) {
    rt::options o = logging_options();
    o.lock_poll_interval = std::chrono::milliseconds(20);
    if (second) {
      o.log = m_log.sink("B: ");
    }
    rt::upgrade(conninfo(), migc::test::slow_index, o);
  };
  std::thread first([&] { run(false); });
  // The second run starts while the first sits in 002 (pg_sleep before its CIC).
  migc::test::wait_for_statement(conninfo(), "SELECT pg_sleep(1)");
  std::thread second([&] { run(true); });
  first.join();
  second.join();
  EXPECT_THAT(m_log.text(), HasSubstr("B: Waiting for the migration lock on alembic_version"));
  EXPECT_THAT(m_log.text(), HasSubstr("B: Database is already at latest version"));
  EXPECT_EQ(scalar("SELECT string_agg(revision, ',' ORDER BY id) FROM alembic_version_history"),
            "001,002");
  EXPECT_EQ(
      scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_last_name'::regclass"),
      "t");
}

TEST_F(safety_test, lock_wait_gives_up_naming_the_holder) {
  pqxx::connection holder(conninfo() + " application_name=holder");
  auto const key = rt::detail::advisory_lock_key(rt::detail::parse_table_name("alembic_version"));
  pqxx::nontransaction(holder).exec("SELECT pg_advisory_lock(" + std::to_string(key) + ")");
  rt::options o;
  o.lock_wait = std::chrono::milliseconds(300);
  o.lock_poll_interval = std::chrono::milliseconds(50);
  try {
    rt::upgrade(conninfo(), app, o);
    FAIL() << "expected lock_error";
  } catch (rt::lock_error const& e) {
    EXPECT_THAT(std::string(e.what()),
                StartsWith("the migration lock on alembic_version was not granted "
                           "within 300 ms (--lock-wait): held by pid " +
                           std::to_string(holder.backendpid()) + " (holder, "))
        << e.what();
  }
  EXPECT_EQ(scalar("SELECT to_regclass('alembic_version')::text"), "");
}

TEST_F(safety_test, lock_timeout_retries_with_backoff) {
  rt::migrator(conninfo(), app).upgrade("002");
  pqxx::connection blocker(conninfo() + " application_name=blocker");
  auto hold = std::make_unique<pqxx::work>(blocker);
  hold->exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
  auto o = logging_options();
  // The blocker lets go when the first attempt has given up (its log line), not after a guess.
  o.log = [&hold, sink = o.log](std::string_view line) {
    sink(line);
    if (line.rfind("Revision ", 0) == 0 && hold) hold.reset();  // rolls back, releasing the lock
  };
  o.lock_timeout = std::chrono::milliseconds(200);
  o.lock_retries = 4;
  o.retry_backoff = std::chrono::milliseconds(100);
  rt::migrator(conninfo(), app, o).upgrade();
  EXPECT_EQ(version(), "003");
  EXPECT_THAT(m_log.text(),
              HasSubstr("Revision 003 could not get a lock within 200 ms (blocked by:\n  pid " +
                        std::to_string(blocker.backendpid()) + " (blocker, "));
  EXPECT_THAT(m_log.text(), HasSubstr("and was rolled back; retry 1 of 4 in 0.1 s"));
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE revision = '003'"), "1");
}

TEST_F(safety_test, lock_timeout_error_names_the_blocker_and_its_query) {
  rt::migrator(conninfo(), app).upgrade("002");
  pqxx::connection blocker(conninfo() + " application_name=blocker");
  pqxx::work hold(blocker);
  hold.exec("LOCK TABLE users IN SHARE MODE");
  rt::options o;
  o.lock_timeout = std::chrono::milliseconds(300);
  try {
    rt::migrator(conninfo(), app, o).upgrade();
    FAIL() << "expected revision_error";
  } catch (rt::revision_error const& e) {
    std::string const message = e.what();
    EXPECT_THAT(message, HasSubstr("(a lock (AccessExclusiveLock on relation users) was not "
                                   "granted within lock_timeout 300 ms; blocked by:\n  pid " +
                                   std::to_string(blocker.backendpid()) + " (blocker, user "));
    EXPECT_THAT(message, HasSubstr(", idle in transaction, transaction open since "));
    EXPECT_THAT(message, HasSubstr("): LOCK TABLE users IN SHARE MODE)"));
  }
  hold.abort();
}

TEST_F(safety_test, role_owns_the_objects_revisions_create) {
  std::string const role = database_name() + "_owner";
  scalar("CREATE ROLE " + role + "; GRANT CREATE ON SCHEMA public TO " + role);
  {
    rt::options o;
    o.role = role;
    rt::upgrade(conninfo(), app, o);
  }
  EXPECT_EQ(scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'memories'"), role);
  // migrate's own tables belong to the role too, so every deployer login (a member) can use them.
  EXPECT_EQ(scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'alembic_version'"), role);
  EXPECT_EQ(scalar("SELECT tableowner FROM pg_tables WHERE tablename = "
                   "'alembic_version_history'"),
            role);
  EXPECT_EQ(scalar("SELECT applied_by = current_user FROM alembic_version_history LIMIT 1"), "t");
  scalar("DROP OWNED BY " + role + "; DROP ROLE " + role);
}
