// The on-ramp against a real PostgreSQL (label pg): `migc import` writes a baseline from a live
// database or a pg_dump file that rebuilds the schema exactly (pg_dump --schema-only of the source
// and of a fresh database migrated by the baseline are equal), and a database Alembic brought to a
// hex revision is continued by migrate through the root's `adopts` clause, with no manual step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <migc/runtime/catalog.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_io.hpp"
#include "compiler_test_support.hpp"
#include "memory_catalog.hpp"
#include "migrate_cli.hpp"
#include "pg_test.hpp"
#include "process.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using migc::test::read_file;
using migc::test::revision_files;
using migc::test::write_file;
/// `migc <args>`, the real executable (process.hpp).
constexpr auto migc = &migc::test::run_migc;

using migc::test::cli_result;
/// `migrate --database-url <conninfo> <args...>` over a catalog, in process (migrate_cli.hpp).
constexpr auto migrate = &migc::test::run_migrate;

/// Runs a SQL file with psql (a pg_dump file has psql's `\restrict` lines), stopping at an error.
void load_sql(std::string const& conninfo, fs::path const& file) {
  auto const psql =
      migc::test::run_process({"/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-v",
                               "ON_ERROR_STOP=1", "-d", conninfo, "-f", file.string()});
  ASSERT_EQ(psql.exit_code, 0) << psql.err;
}

/// A folder imported from `source_args` (--from-database URL or --from-sql FILE), and what the
/// command printed.
struct imported {
  migc::test::temp_folder folder;
  migc::test::process_result run;
  std::string text;  ///< the revision written
};

void import_into(imported& out, std::vector<std::string> const& source_args) {
  std::vector<std::string> args{"import", "--dir", out.folder.path().string()};
  args.insert(args.end(), source_args.begin(), source_args.end());
  out.run = migc(args);
  ASSERT_EQ(out.run.exit_code, 0) << out.run.out << out.run.err;
  auto const files = revision_files(out.folder.path());
  ASSERT_EQ(files.size(), 1u);
  out.text = read_file(files.front());
}

/// Compiles `folder` and upgrades a fresh database to its head; returns that database's dump.
/// Dumps leave privileges out (`--no-privileges`): an import leaves out grants by design (pagila
/// revokes USAGE on schema public and grants it back).
void rebuild_and_dump(fs::path const& folder, std::string& dump) {
  auto const compiled = migc::test::compile_chain(folder);
  ASSERT_TRUE(compiled);
  auto const& cat = *compiled;
  migc::test::scratch_database fresh;
  auto const up = migrate(fresh.conninfo(), cat.get(), {"upgrade"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  dump = migc::test::schema_dump(fresh.conninfo(), {"--no-privileges"});
}

/// Expects two schema dumps to be equal; on a difference, prints `diff -u` of them (the dumps of
/// a real-world schema run to thousands of lines).
void expect_same_dump(std::string const& source, std::string const& rebuilt) {
  if (source == rebuilt) return;
  migc::test::temp_folder folder;
  write_file(folder.path() / "source.sql", source);
  write_file(folder.path() / "rebuilt.sql", rebuilt);
  auto const diff = migc::test::run_process({"/usr/bin/diff", "-u", "source.sql", "rebuilt.sql"},
                                            {}, folder.path());
  ADD_FAILURE() << "pg_dump --schema-only differs (- source, + rebuilt):\n" << diff.out;
}

/**
 * Loads pagila. Its dump also makes `postgres` the owner of schema public and changes that
 * schema's grants, which an import leaves out by design (ownership and privileges belong to the
 * deployment, not the schema): they are put back to PostgreSQL 15's defaults, or pg_dump would
 * print the schema's entry for them.
 */
void load_pagila(std::string const& conninfo) {
  ASSERT_NO_FATAL_FAILURE(load_sql(conninfo, MIGC_PAGILA_SCHEMA));
  migc::test::execute(conninfo,
                      "ALTER SCHEMA public OWNER TO pg_database_owner; REVOKE ALL ON SCHEMA "
                      "public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO PUBLIC");
}

class onramp_pg : public migc::test::pg_test {};

// -------------------------------------------------------------------- migc import

TEST_F(onramp_pg, import_from_database_rebuilds_the_example_schema_exactly) {
  ASSERT_NO_FATAL_FAILURE(load_sql(conninfo(), MIGC_PLAIN_SCHEMA));
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-database", conninfo()}));
  EXPECT_THAT(imp.run.out, HasSubstr("imported "));
  EXPECT_THAT(imp.text, StartsWith("revision 001 \"Baseline imported from database "));
  EXPECT_THAT(imp.text, HasSubstr("create table users ("));
  std::string rebuilt;
  ASSERT_NO_FATAL_FAILURE(rebuild_and_dump(imp.folder.path(), rebuilt));
  expect_same_dump(migc::test::schema_dump(conninfo(), {"--no-privileges"}), rebuilt);
}

// pagila (tests/onramp/pagila-schema.sql, a public sample schema: domains, an enum, functions in
// SQL and PL/pgSQL, an aggregate, triggers, a partitioned table, views, a materialized view with
// an index, a GiST full-text index), loaded by psql, then imported from the database.
TEST_F(onramp_pg, import_from_database_rebuilds_pagila_exactly) {
  ASSERT_NO_FATAL_FAILURE(load_pagila(conninfo()));
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-database", conninfo()}));
  std::string rebuilt;
  ASSERT_NO_FATAL_FAILURE(rebuild_and_dump(imp.folder.path(), rebuilt));
  expect_same_dump(migc::test::schema_dump(conninfo(), {"--no-privileges"}), rebuilt);
}

// Graphile Starter's data/schema.sql (tests/onramp/graphile-starter-schema.sql, a public
// application's pg_dump: three schemas, extensions (citext, pgcrypto, uuid-ossp), PL/pgSQL and SQL
// functions, 15 triggers, partial unique indexes, row-level security and policies, comments).
// Its grants name two roles, which are created (once per cluster) so that psql loads it whole.
TEST_F(onramp_pg, import_from_database_rebuilds_graphile_starter_exactly) {
  migc::test::execute(conninfo(),
                      "DO $$ BEGIN CREATE ROLE graphile_starter; EXCEPTION WHEN duplicate_object "
                      "OR unique_violation THEN NULL; END $$;"
                      "DO $$ BEGIN CREATE ROLE graphile_starter_visitor; EXCEPTION WHEN "
                      "duplicate_object OR unique_violation THEN NULL; END $$");
  ASSERT_NO_FATAL_FAILURE(load_sql(conninfo(), MIGC_GRAPHILE_STARTER_SCHEMA));
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-database", conninfo()}));
  EXPECT_THAT(imp.text, HasSubstr("create unique index uniq_user_emails_primary_email on "
                                  "app_public.user_emails (user_id) where"));
  std::string rebuilt;
  ASSERT_NO_FATAL_FAILURE(rebuild_and_dump(imp.folder.path(), rebuilt));
  expect_same_dump(migc::test::schema_dump(conninfo(), {"--no-privileges"}), rebuilt);
}

// GIN indexes (an operator class, an expression, a partial one) stay declarative steps, and the
// Alembic version the database holds is adopted.
TEST_F(onramp_pg, gin_and_partial_indexes_are_imported_as_declarative_steps) {
  migc::test::execute(
      conninfo(),
      "CREATE TABLE doc (id bigserial PRIMARY KEY, body text, meta jsonb, tags text[]);"
      "CREATE INDEX doc_meta ON doc USING gin (meta jsonb_path_ops);"
      "CREATE INDEX doc_tags ON doc USING gin (tags);"
      "CREATE INDEX doc_fts ON doc USING gin (to_tsvector('english', body)) WHERE body IS NOT "
      "NULL;"
      "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT "
      "alembic_version_pkc PRIMARY KEY (version_num));"
      "INSERT INTO alembic_version VALUES ('5bfaba76d76e')");
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-database", conninfo()}));
  EXPECT_THAT(imp.run.out, HasSubstr("imported 5 objects: 5 declarative (1 table, 1 constraint, "
                                     "3 indexes), 0 raw SQL\n"));
  EXPECT_THAT(imp.text, HasSubstr("adopts \"5bfaba76d76e\""));
  EXPECT_THAT(imp.text, HasSubstr("    create index doc_meta on doc using gin (meta "
                                  "jsonb_path_ops)\n"));
  EXPECT_THAT(imp.text, HasSubstr("    create index doc_fts on doc using gin "
                                  "((to_tsvector('english'::regconfig, body))) where (body IS NOT "
                                  "NULL)\n"));
  std::string rebuilt;
  ASSERT_NO_FATAL_FAILURE(rebuild_and_dump(imp.folder.path(), rebuilt));
  expect_same_dump(migc::test::schema_dump(conninfo(), {"--no-privileges"}), rebuilt);
}

// The same pg_dump file read by `migc import --from-sql`: the preamble, ownership and psql lines
// are left out with a note, and the baseline rebuilds what psql built from the file.
TEST_F(onramp_pg, import_from_sql_rebuilds_a_pg_dump_file_exactly) {
  ASSERT_NO_FATAL_FAILURE(load_pagila(conninfo()));
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-sql", MIGC_PAGILA_SCHEMA}));
  EXPECT_THAT(imp.run.out, HasSubstr("left out: "));
  EXPECT_THAT(imp.run.out, HasSubstr("session settings"));
  EXPECT_THAT(imp.text, Not(HasSubstr("OWNER TO")));
  std::string rebuilt;
  ASSERT_NO_FATAL_FAILURE(rebuild_and_dump(imp.folder.path(), rebuilt));
  expect_same_dump(migc::test::schema_dump(conninfo(), {"--no-privileges"}), rebuilt);
}

// -------------------------------------------------------------------- adopting Alembic

/// SQLAlchemy URL for a key=value conninfo on a Unix socket: host/port/user as query parameters.
std::string sqlalchemy_url(std::string const& conninfo) {
  std::map<std::string, std::string> keys;
  std::istringstream in(conninfo);
  for (std::string pair; in >> pair;) {
    auto const eq = pair.find('=');
    if (eq != std::string::npos) keys[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  std::string url = "postgresql+psycopg2:///" + keys["dbname"] + "?host=" + keys["host"] +
                    "&user=" + keys["user"];
  if (!keys["port"].empty()) url += "&port=" + keys["port"];
  return url;
}

/// An Alembic project with two revisions under real 12-digit hex ids, as `alembic revision`
/// names them.
class alembic_project {
 public:
  alembic_project() {
    fs::path const dir = m_folder.path();
    fs::create_directories(dir / "versions");
    write_file(dir / "alembic.ini", "[alembic]\nscript_location = " + dir.string() + "\n");
    write_file(dir / "env.py",
               "import os\n"
               "from alembic import context\n"
               "from sqlalchemy import create_engine\n\n"
               "engine = create_engine(os.environ['MIGC_ALEMBIC_URL'])\n"
               "with engine.connect() as connection:\n"
               "    context.configure(connection=connection)\n"
               "    with context.begin_transaction():\n"
               "        context.run_migrations()\n");
    write_file(dir / "versions" / "1975ea83b712_create_account.py",
               "import sqlalchemy as sa\nfrom alembic import op\n\n"
               "revision = '1975ea83b712'\ndown_revision = None\n"
               "branch_labels = None\ndepends_on = None\n\n\n"
               "def upgrade():\n"
               "    op.create_table('account',\n"
               "        sa.Column('id', sa.Integer, primary_key=True),\n"
               "        sa.Column('name', sa.String(50), nullable=False))\n\n\n"
               "def downgrade():\n    op.drop_table('account')\n");
    write_file(dir / "versions" / "ae1027a6acf3_add_account_email.py",
               "import sqlalchemy as sa\nfrom alembic import op\n\n"
               "revision = 'ae1027a6acf3'\ndown_revision = '1975ea83b712'\n"
               "branch_labels = None\ndepends_on = None\n\n\n"
               "def upgrade():\n"
               "    op.add_column('account', sa.Column('email', sa.Text))\n"
               "    op.create_index('account_email', 'account', ['email'], unique=True)\n\n\n"
               "def downgrade():\n"
               "    op.drop_index('account_email')\n    op.drop_column('account', 'email')\n");
  }

  /// `alembic upgrade <target>` (Debian's interpreter: python3-alembic is installed for it).
  void upgrade(std::string const& conninfo, std::string const& target) {
    auto const run =
        migc::test::run_process({"/usr/bin/python3", "-m", "alembic", "-c",
                                 (m_folder.path() / "alembic.ini").string(), "upgrade", target},
                                {{"MIGC_ALEMBIC_URL", sqlalchemy_url(conninfo)}});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }

 private:
  migc::test::temp_folder m_folder;
};

constexpr char const* next_revision =
    "revision 002 revises 001 \"Add account.created_at\"\n\n"
    "upgrade {\n    add column account.created_at timestamptz not null default now()\n}\n";

// The recipe of README's "Coming from Alembic": import the Alembic database (the baseline adopts
// its version), write the next revision, and migrate continues that very database.
TEST_F(onramp_pg, an_alembic_database_is_continued_through_the_imported_baseline) {
  alembic_project alembic;
  ASSERT_NO_FATAL_FAILURE(alembic.upgrade(conninfo(), "head"));
  ASSERT_EQ(scalar("SELECT version_num FROM alembic_version"), "ae1027a6acf3");

  imported imp;
  ASSERT_NO_FATAL_FAILURE(
      import_into(imp, {"--from-database", conninfo(), "--name", "Baseline from Alembic"}));
  EXPECT_THAT(imp.text, StartsWith("revision 001 \"Baseline from Alembic\" adopts "
                                   "\"ae1027a6acf3\"\n"));
  EXPECT_THAT(imp.text, Not(HasSubstr("alembic_version")));
  EXPECT_THAT(imp.run.out, HasSubstr("adopts \"ae1027a6acf3\" (public.alembic_version)"));

  // status before anything else: at the imported revision, nothing to stamp.
  {
    auto const compiled = migc::test::compile_chain(imp.folder.path());
    ASSERT_TRUE(compiled);
    auto const& cat = *compiled;
    auto const status = migrate(conninfo(), cat.get(), {"status"});
    EXPECT_EQ(status.code, 0) << status.out << status.err;
    // The line docs/migrate.md shows.
    EXPECT_THAT(status.out, HasSubstr("Current revision: 001 \"Baseline from Alembic\" (adopted: "
                                      "the version table holds 'ae1027a6acf3')\n"));
    auto const json = migrate(conninfo(), cat.get(), {"--format", "json", "status"});
    auto const doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["current"], "ae1027a6acf3");
    EXPECT_EQ(doc["adopted_by"], "001");
    auto const verify = migrate(conninfo(), cat.get(), {"verify"});
    EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
    EXPECT_THAT(verify.out, HasSubstr("Schema drift: none"));
  }

  write_file(imp.folder.path() / "20250102_0900-002_add_account_created_at.mig", next_revision);
  auto const compiled = migc::test::compile_chain(imp.folder.path());
  ASSERT_TRUE(compiled);
  auto const& cat = *compiled;
  auto const up = migrate(conninfo(), cat.get(), {"upgrade"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  EXPECT_THAT(up.err + up.out, HasSubstr("Applied 002"));
  EXPECT_EQ(scalar("SELECT string_agg(version_num, ',') FROM alembic_version"), "002");
  EXPECT_EQ(scalar("SELECT string_agg(revision || ':' || direction, ',') FROM "
                   "alembic_version_history"),
            "002:upgrade");
  auto const verify = migrate(conninfo(), cat.get(), {"verify"});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("Schema drift: none"));
}

// The version row is rewritten in the revision's own transaction: a revision that fails leaves
// the Alembic id in place, and the database stays adopted.
TEST_F(onramp_pg, a_failing_first_revision_leaves_the_adopted_version_in_place) {
  alembic_project alembic;
  ASSERT_NO_FATAL_FAILURE(alembic.upgrade(conninfo(), "head"));
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-database", conninfo()}));
  write_file(imp.folder.path() / "20250102_0900-002_fails.mig",
             "revision 002 revises 001 \"Fails\"\n\nupgrade {\n"
             "    add column account.created_at timestamptz\n"
             "    sql $$ SELECT 1 / 0 $$\n}\n\n"
             "downgrade {\n    drop column account.created_at\n}\n");
  auto const compiled = migc::test::compile_chain(imp.folder.path());
  ASSERT_TRUE(compiled);
  auto const& cat = *compiled;
  auto const up = migrate(conninfo(), cat.get(), {"upgrade"});
  EXPECT_NE(up.code, 0);
  EXPECT_THAT(up.err, HasSubstr("22012"));
  EXPECT_EQ(scalar("SELECT string_agg(version_num, ',') FROM alembic_version"), "ae1027a6acf3");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = "
                   "'created_at'"),
            "0");
}

// A database at an Alembic revision no revision adopts (here: one behind the adopted one) is
// refused, and the message names both ways on.
TEST_F(onramp_pg, an_alembic_version_no_revision_adopts_is_refused_with_help) {
  alembic_project alembic;
  ASSERT_NO_FATAL_FAILURE(alembic.upgrade(conninfo(), "head"));
  imported imp;
  ASSERT_NO_FATAL_FAILURE(import_into(imp, {"--from-database", conninfo()}));
  auto const compiled = migc::test::compile_chain(imp.folder.path());
  ASSERT_TRUE(compiled);
  auto const& cat = *compiled;

  migc::test::scratch_database behind;
  ASSERT_NO_FATAL_FAILURE(alembic.upgrade(behind.conninfo(), "1975ea83b712"));
  auto const up = migrate(behind.conninfo(), cat.get(), {"upgrade"});
  EXPECT_NE(up.code, 0);
  EXPECT_THAT(up.err, HasSubstr("database is at '1975ea83b712', which is not a migc revision id"));
  EXPECT_THAT(up.err, HasSubstr("adopts 'ae1027a6acf3' instead"));
  EXPECT_THAT(up.err, HasSubstr("migc import --from-database URL"));
  EXPECT_EQ(migc::test::query_value(behind.conninfo(), "SELECT version_num FROM alembic_version"),
            "1975ea83b712");
}

}  // namespace
