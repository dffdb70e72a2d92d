// Test support: one fresh PostgreSQL database per test, on the suite's throwaway server.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace migc::test {

/**
 * Conninfo of the test server's maintenance database. Read from the state
 * file that `scripts/pg-cluster start` wrote (path in MIGC_TEST_PG_STATE, set
 * by ctest's `pg` fixture), else from MIGC_TEST_PG_CONNINFO. Throws when
 * neither is available: database tests never skip silently.
 */
[[nodiscard]] std::string server_conninfo();

/// Replaces (or adds) `dbname=` in a key=value conninfo.
[[nodiscard]] std::string with_dbname(std::string const& conninfo, std::string const& dbname);

/// One SQL query's first column of the first row, as text, on a connection of its own;
/// nullopt for no row or NULL.
[[nodiscard]] std::optional<std::string> query_value(std::string const& conninfo,
                                                     std::string const& sql);

/// One SQL query's rows, each as the text of its columns (NULL as ""), on a connection of its own.
[[nodiscard]] std::vector<std::vector<std::string>> query_rows(std::string const& conninfo,
                                                               std::string const& sql);

/// Runs `sql` (one or more statements) on a connection of its own, outside a transaction block.
void execute(std::string const& conninfo, std::string const& sql);

/**
 * Every statement the server logged for sessions of `database` whose
 * application_name is `application`, in order, as sent (the test cluster
 * logs as JSON lines in $MIGC_PG_DIR/log; a test turns logging on for its
 * own database with `ALTER DATABASE ... SET log_statement = 'all'` before the
 * sessions it reads start). Waits until the server has logged a marker
 * statement sent after them, so nothing logged before is missing.
 */
[[nodiscard]] std::vector<std::string> logged_statements(std::string const& conninfo,
                                                         std::string const& database,
                                                         std::string const& application);

/**
 * Waits until another session of the database at `conninfo` runs a statement
 * containing `text` (pg_stat_activity, state active); returns its pid. No
 * time limit (see wait_until).
 */
int wait_for_statement(std::string const& conninfo, std::string const& text);

/**
 * `pg_dump --schema-only --no-owner` of the database at `conninfo`, without migrate's own tables
 * (`alembic_version*`) and the `\restrict` / `\unrestrict` lines pg_dump 15.14 and later bracket
 * the script with (their key is random). `options`: more pg_dump options (`--no-privileges`).
 * Fails the test when pg_dump does.
 */
[[nodiscard]] std::string schema_dump(std::string const& conninfo,
                                      std::vector<std::string> const& options = {});

/// A database created for one test and dropped (WITH FORCE) when destroyed.
class scratch_database {
 public:
  scratch_database();
  ~scratch_database();
  scratch_database(scratch_database const&) = delete;
  scratch_database& operator=(scratch_database const&) = delete;

  [[nodiscard]] std::string const& name() const { return m_name; }
  [[nodiscard]] std::string const& conninfo() const { return m_conninfo; }

 private:
  std::string m_name;
  std::string m_conninfo;
};

/// GoogleTest fixture: every test gets its own database, so `ctest -j` is safe.
class pg_test : public ::testing::Test {
 protected:
  [[nodiscard]] std::string const& conninfo() const { return m_db.conninfo(); }
  [[nodiscard]] std::string const& database_name() const { return m_db.name(); }
  /// Runs `sql` in the test's database on a connection of its own; returns the first
  /// column of the first row, "" for no row or NULL (tests also use it to run statements).
  std::string scalar(std::string const& sql) const;

 private:
  scratch_database m_db;
};

}  // namespace migc::test
