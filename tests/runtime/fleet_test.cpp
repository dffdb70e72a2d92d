// Fleets: one migrate command over several databases (--database-url repeated,
// --database-urls-file, --jobs, --fail-fast, --report), and verify scoped to one tenant's schema.
#include "fleet.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "pg_test.hpp"
#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

using migc::test::cli_result;
using migc::test::run_cli;
using migc::test::scratch_database;

namespace {

/// `n` databases of their own, created and dropped with the test.
class fleet_test : public ::testing::Test {
 protected:
  void make_databases(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) m_dbs.push_back(std::make_unique<scratch_database>());
  }
  [[nodiscard]] std::string const& url(std::size_t i) const { return m_dbs[i]->conninfo(); }
  [[nodiscard]] std::string const& name(std::size_t i) const { return m_dbs[i]->name(); }

  /// `args` then one --database-url per database.
  cli_result run_on_all(std::vector<std::string> args) const {
    for (auto const& db : m_dbs) args.insert(args.end(), {"--database-url", db->conninfo()});
    return run_cli(args);
  }

  [[nodiscard]] std::string version(std::size_t i) const {
    auto const v = migc::test::query_value(
        url(i), "SELECT CASE WHEN to_regclass('alembic_version') IS NULL THEN 'no table' END");
    if (v) return *v;
    auto const at = migc::test::query_value(url(i), "SELECT version_num FROM alembic_version");
    return at ? *at : "base";
  }

  /// Makes database `i` fail at revision 001 (its table exists already).
  void break_database(std::size_t i) const {
    migc::test::execute(url(i), "CREATE TABLE users (id int)");
  }

  /// A temporary file removed with the test.
  std::string temp_file(std::string const& contents) {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("migc-fleet-" + name(0) + "-" + std::to_string(m_files.size())))
                           .string();
    std::ofstream(path) << contents;
    m_files.push_back(path);
    return path;
  }

  void TearDown() override {
    for (auto const& f : m_files) std::remove(f.c_str());
  }

 private:
  std::vector<std::unique_ptr<scratch_database>> m_dbs;
  std::vector<std::string> m_files;
};

/// The line printed for the database named `db` (its conninfo holds `dbname=<db>`).
std::string line_of(std::string const& out, std::string const& db) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[", 0) == 0 && line.find("dbname=" + db + " ") != std::string::npos) {
      return line;
    }
    if (line.rfind("[", 0) == 0 && line.find("dbname=" + db + "]") != std::string::npos) {
      return line;
    }
  }
  return "(no line for " + db + ")";
}

}  // namespace

TEST_F(fleet_test, upgrades_every_database_with_jobs_2) {
  make_databases(3);
  auto const r = run_on_all({"upgrade", "--jobs", "2"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(version(i), "003");
    EXPECT_THAT(line_of(r.out, name(i)),
                ContainsRegex("\\] ok: base → 003, 3 revisions applied \\([0-9.]+ m?s\\)$"));
  }
  // Progress lines of the single-database command are not interleaved into the output.
  EXPECT_THAT(r.out, Not(HasSubstr("Applied 001")));
  EXPECT_THAT(r.out, ContainsRegex("DATABASE +FROM → TO +RESULT +DURATION\n"));
  EXPECT_THAT(r.out, ContainsRegex("3 databases: 3 ok in [0-9.]+ m?s \\(--jobs 2\\)\n$"));

  auto const again = run_on_all({"upgrade", "--jobs", "4"});
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_THAT(line_of(again.out, name(1)), HasSubstr("] ok: 003, nothing to do"));
}

TEST_F(fleet_test, a_broken_database_fails_alone_and_sets_the_exit_code) {
  make_databases(4);
  break_database(2);
  auto const r = run_on_all({"upgrade", "--jobs", "4"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(line_of(r.out, name(2)),
              ContainsRegex("\\] failed: .*revision 001.*relation \"users\" already exists"));
  for (std::size_t i : {0, 1, 3}) {
    EXPECT_EQ(version(i), "003");
    EXPECT_THAT(line_of(r.out, name(i)), HasSubstr("] ok: base → 003"));
  }
  EXPECT_THAT(r.out, HasSubstr("4 databases: 1 failed, 3 ok in"));
}

TEST_F(fleet_test, fail_fast_starts_no_database_after_a_failure) {
  make_databases(3);
  break_database(0);
  auto const r = run_on_all({"upgrade", "--jobs", "1", "--fail-fast"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(line_of(r.out, name(0)), HasSubstr("] failed: "));
  for (std::size_t i : {1, 2}) {
    EXPECT_EQ(version(i), "no table");  // never connected to
    EXPECT_THAT(line_of(r.out, name(i)), HasSubstr("] not started: an earlier database failed"));
  }
  EXPECT_THAT(r.out, HasSubstr("3 databases: 1 failed, 2 not started in"));

  auto const go_on = run_on_all({"upgrade", "--jobs", "1"});  // without it: every database runs
  EXPECT_EQ(go_on.code, 1);
  EXPECT_EQ(version(1), "003");
  EXPECT_EQ(version(2), "003");
}

TEST_F(fleet_test, the_exit_code_is_the_worst_status) {
  EXPECT_EQ(migc::runtime::detail::worse_exit(0, 3), 3);
  EXPECT_EQ(migc::runtime::detail::worse_exit(4, 3), 4);
  EXPECT_EQ(migc::runtime::detail::worse_exit(1, 4), 1);
  EXPECT_EQ(migc::runtime::detail::worse_exit(4, 1), 1);
  make_databases(2);
  ASSERT_EQ(run_cli({"--database-url", url(0), "upgrade"}).code, 0);
  auto const r = run_on_all({"status", "--check", "--jobs", "2"});
  EXPECT_EQ(r.code, 3) << r.out;  // one up to date (0), one pending (3)
  EXPECT_THAT(line_of(r.out, name(0)), HasSubstr("] ok: 003, up to date"));
  EXPECT_THAT(line_of(r.out, name(1)), HasSubstr("] pending: base → 003, 3 revisions pending"));
}

TEST_F(fleet_test, urls_file_skips_comments_and_blank_lines) {
  make_databases(2);
  std::string const file = temp_file("# tenants of the test\n\n  " + url(0) + "  \n   # " + url(1) +
                                     "\n" + url(1) + "\n");
  auto const r = run_cli({"upgrade", "--database-urls-file", file, "--jobs", "2"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 databases: 2 ok"));
  EXPECT_EQ(version(0), "003");
  EXPECT_EQ(version(1), "003");

  auto const missing = run_cli({"status", "--database-urls-file", file + ".missing"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot read --database-urls-file '" + file +
                                     ".missing': No such file or directory"));
  auto const empty = run_cli({"status", "--database-urls-file", temp_file("# none yet\n\n")});
  EXPECT_EQ(empty.code, 2);
  EXPECT_THAT(empty.err, HasSubstr("no database URL in --database-urls-file"));
}

TEST_F(fleet_test, commands_of_one_database_refuse_a_fleet) {
  make_databases(2);
  auto const r = run_on_all({"stamp", "002"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("'stamp' acts on one database"));
  EXPECT_EQ(version(0), "no table");
}

TEST_F(fleet_test, json_report_shape_and_no_password) {
  make_databases(2);
  break_database(1);
  std::string const report = temp_file("");
  std::vector<std::string> args{"upgrade", "--report", report, "--format", "json"};
  args.insert(args.end(), {"--database-url", url(0) + " password=hunter2"});
  args.insert(args.end(), {"--database-url", url(1) + " password=hunter2"});
  auto const r = run_cli(args);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("hunter2")));
  std::ifstream in(report);
  std::string const written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, r.out);  // --format json prints the report
  EXPECT_THAT(written, Not(HasSubstr("hunter2")));
  auto const doc = nlohmann::json::parse(written);
  EXPECT_EQ(doc["format_version"], 1);
  EXPECT_EQ(doc["command"], "upgrade");
  EXPECT_EQ(doc["exit_code"], 1);
  EXPECT_EQ(doc["counts"], nlohmann::json({{"failed", 1}, {"ok", 1}}));
  ASSERT_EQ(doc["databases"].size(), 2U);
  auto const& ok = doc["databases"][0];
  EXPECT_THAT(ok["database"].get<std::string>(), HasSubstr("password=***"));
  EXPECT_EQ(ok["result"], "ok");
  EXPECT_EQ(ok["exit_code"], 0);
  EXPECT_EQ(ok["from"], "base");
  EXPECT_EQ(ok["to"], "003");
  EXPECT_TRUE(ok["duration_ms"].is_number());
  EXPECT_EQ(ok["output"]["applied"].size(), 3U);  // what `migrate --format json upgrade` prints
  auto const& failed = doc["databases"][1];
  EXPECT_EQ(failed["result"], "failed");
  EXPECT_EQ(failed["exit_code"], 1);
  EXPECT_EQ(failed["output"]["error"]["kind"], "revision");
  EXPECT_EQ(failed["output"]["error"]["revision"], "001");
  EXPECT_EQ(failed["output"]["error"]["sqlstate"], "42P07");
  // The per-database lines went to stderr.
  EXPECT_THAT(r.err, HasSubstr("] ok: base → 003"));

  auto const bad =
      run_cli({"status", "--report", "/nonexistent-dir/report.json", "--database-url", url(0)});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("cannot write --report '/nonexistent-dir/report.json'"));
}

namespace {

/// One database with a schema per tenant, each migrated with search_path set to it.
class tenant_test : public migc::test::pg_test {
 protected:
  [[nodiscard]] std::string tenant_url(std::string const& tenant) const {
    return conninfo() + " options='-csearch_path=" + tenant + "'";
  }
  cli_result on_tenant(std::string const& tenant, std::vector<std::string> args) const {
    args.insert(args.end(), {"--database-url", tenant_url(tenant), "--version-table",
                             tenant + ".alembic_version"});
    return run_cli(args);
  }
  void SetUp() override {
    for (std::string const tenant : {"tenant_a", "tenant_b"}) {
      (void)scalar("CREATE SCHEMA " + tenant);
    }
  }
  /// Upgrades each tenant alone, its version table in its schema.
  void upgrade_each() const {
    for (std::string const tenant : {"tenant_a", "tenant_b"}) {
      auto const r = on_tenant(tenant, {"upgrade"});
      ASSERT_EQ(r.code, 0) << r.out << r.err;
    }
  }
};

}  // namespace

TEST_F(tenant_test, verify_scoped_to_a_tenant_schema_ignores_other_tenants) {
  upgrade_each();
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), "2");
  auto const whole = on_tenant("tenant_a", {"verify"});
  EXPECT_EQ(whole.code, 1);  // the finding of the issue: the other tenant's tables are "drift"
  EXPECT_THAT(whole.out, HasSubstr("extra table tenant_b.users"));

  auto const r = on_tenant("tenant_a", {"verify", "--schema", "tenant_a"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("Schema drift: none (the live schema matches the model at revision 003 "
                        "(schema tenant_a, as the model's public), 16 objects)."));
  auto const json = on_tenant("tenant_a", {"verify", "--schema", "tenant_a", "--format", "json"});
  auto const doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["drift"]["schema"], "tenant_a");
  EXPECT_EQ(doc["drift"]["model_schema"], "public");
  EXPECT_EQ(doc["ok"], true);
}

TEST_F(tenant_test, drift_inside_the_scoped_schema_is_still_reported) {
  upgrade_each();
  (void)scalar("ALTER TABLE tenant_a.users ADD COLUMN nickname text");
  (void)scalar("ALTER TABLE tenant_a.memories DROP COLUMN new_field");
  (void)scalar("CREATE TABLE tenant_b.hand (id int)");  // another tenant's: not this one's drift
  auto const r = on_tenant("tenant_a", {"verify", "--schema", "tenant_a"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("missing column tenant_a.memories.new_field"));
  EXPECT_THAT(r.out, HasSubstr("extra column tenant_a.users.nickname"));
  EXPECT_THAT(r.out, Not(HasSubstr("tenant_b")));
  EXPECT_THAT(r.out, Not(HasSubstr("public.")));

  // The same over the fleet of tenants: one line each, the drifted one fails.
  auto const fleet =
      run_cli({"verify", "--schema", "tenant_a", "--database-url", tenant_url("tenant_a"),
               "--version-table", "tenant_a.alembic_version", "--report", "/dev/null"});
  EXPECT_EQ(fleet.code, 1) << fleet.out;
  EXPECT_THAT(fleet.out, HasSubstr("] drift: 003, 2 drift findings, 0 checksum mismatches"));
  auto const b = on_tenant("tenant_b", {"verify", "--schema", "tenant_b"});
  EXPECT_EQ(b.code, 1);  // tenant_b.hand is tenant_b's own drift
  EXPECT_THAT(b.out, HasSubstr("extra table tenant_b.hand"));
}

TEST_F(tenant_test, a_default_of_the_tenants_own_enum_type_is_no_drift) {
  using namespace migc::runtime::literals;
  using migc::test::view;
  // app, then 004: an enum type created in each tenant's schema, and a column defaulting to one
  // of its values (PostgreSQL stores 'happy'::mood; the model keeps 'happy').
  static constexpr migc::runtime::step up[] = {
      {"CREATE TYPE mood AS ENUM ('happy', 'sad')"_text, 3},
      {"ALTER TABLE users ADD COLUMN mood mood NOT NULL DEFAULT 'happy'"_text, 4,
       migc::runtime::lock_level::access_exclusive}};
  static constexpr migc::runtime::step down[] = {
      {"ALTER TABLE users DROP COLUMN mood"_text, 7, migc::runtime::lock_level::access_exclusive},
      {"DROP TYPE mood"_text, 8}};
  static constexpr migc::runtime::revision revisions[] = {
      migc::test::app_revisions[0],
      migc::test::app_revisions[1],
      migc::test::app_revisions[2],
      {"004"_text, 4, "003"_text, "Moods"_text, "20250103_0800-004_moods.mig"_text, 2,
       "sha256:4444444444444444444444444444444444444444444444444444444444444444"_text, true, true,
       view(up), view(down)}};
  std::string const history = std::string(migc::test::app_schema_history) +
                              "revision\t\t004\t\t\t\t0\t0\n"
                              "enum\t\tpublic.mood\t\t'happy', 'sad'\t\t0\t0\n"
                              "column\tpublic.users\tmood\tmood\t\t'happy'\t1\t0\n";
  migc::runtime::catalog const moods{view(revisions), "sha256:chain-moods"_text,
                                     "alembic_version"_text, "migrations"_text, history};
  auto const on = [&](std::string const& tenant, std::vector<std::string> args) {
    args.insert(args.end(), {"--database-url", tenant_url(tenant), "--version-table",
                             tenant + ".alembic_version"});
    return run_cli(args, moods);
  };
  for (std::string const tenant : {"tenant_a", "tenant_b"}) {
    auto const up_r = on(tenant, {"upgrade"});
    ASSERT_EQ(up_r.code, 0) << up_r.out << up_r.err;
  }
  EXPECT_EQ(scalar("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = "
                   "'tenant_a.users'::regclass"),
            "'happy'::tenant_a.mood");  // the type lives in the tenant's schema only
  auto const r = on("tenant_a", {"verify", "--schema", "tenant_a"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Schema drift: none"));
  EXPECT_THAT(r.out, Not(HasSubstr("model says")));

  (void)scalar("ALTER TABLE tenant_b.users ALTER COLUMN mood SET DEFAULT 'sad'");
  auto const changed = on("tenant_b", {"verify", "--schema", "tenant_b"});
  EXPECT_EQ(changed.code, 1) << changed.out;
  EXPECT_THAT(changed.out, HasSubstr("'sad'::"));
}

TEST_F(tenant_test, a_schema_the_model_names_is_compared_as_itself) {
  upgrade_each();
  // The model has objects in public: --schema public compares public with public.
  auto const r = on_tenant("tenant_a", {"verify", "--schema", "public"});
  EXPECT_EQ(r.code, 1);  // nothing in public: every model table is missing there
  EXPECT_THAT(r.out, HasSubstr("missing table public.users"));
  EXPECT_THAT(r.out, HasSubstr("(schema public)"));
  EXPECT_THAT(r.out, Not(HasSubstr("tenant_")));
}

TEST_F(tenant_test, a_fleet_of_tenant_schemas_upgrades_and_verifies_each) {
  // One URL per tenant, each with its search_path; the default version table is then found in
  // each tenant's schema.
  std::vector<std::string> const urls{"--database-url", tenant_url("tenant_a"), "--database-url",
                                      tenant_url("tenant_b")};
  auto with_urls = [&](std::vector<std::string> args) {
    args.insert(args.end(), urls.begin(), urls.end());
    return run_cli(args);
  };
  auto const up = with_urls({"upgrade", "--jobs", "2"});
  EXPECT_EQ(up.code, 0) << up.out << up.err;
  EXPECT_EQ(scalar("SELECT version_num FROM tenant_a.alembic_version"), "003");
  EXPECT_EQ(scalar("SELECT version_num FROM tenant_b.alembic_version"), "003");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");

  auto const clean = with_urls({"verify", "--schema", "current_schema", "--jobs", "2"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_THAT(clean.out, HasSubstr("2 databases: 2 ok"));

  (void)scalar("ALTER TABLE tenant_b.users ALTER COLUMN first_name DROP NOT NULL");
  auto const drifted = with_urls({"verify", "--schema", "current_schema", "--jobs", "2"});
  EXPECT_EQ(drifted.code, 1) << drifted.out;
  EXPECT_THAT(drifted.out, ContainsRegex("tenant_a'\\] ok: 003, no drift"));
  EXPECT_THAT(drifted.out, ContainsRegex("tenant_b'\\] drift: 003, 1 drift finding,"));

  auto const nowhere =
      run_cli({"verify", "--schema", "current_schema", "--database-url", tenant_url("tenant_z")});
  EXPECT_EQ(nowhere.code, 1);
  EXPECT_THAT(nowhere.err, HasSubstr("no schema of the session's search_path"));
}
