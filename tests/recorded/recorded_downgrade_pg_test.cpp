// Recorded downgrades against a real PostgreSQL (label pg): a binary built from a chain reverts
// the revisions of a binary built from a longer chain (or another branch) with the downgrades the
// history recorded when they were applied, and the schema ends exactly as its own chain makes it.
// Catalogs are compiled from .mig folders at test time (memory_catalog.hpp); `migrate` runs in
// process, as a built binary runs it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <migc/runtime/catalog.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_io.hpp"
#include "memory_catalog.hpp"
#include "migrate_cli.hpp"
#include "pg_test.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

/// The revisions of the chains, by file name. The short chain is the first two; the long chain
/// adds three more: a derived downgrade (column and index), a `without transaction` revision
/// whose downgrade is DROP INDEX CONCURRENTLY, and raw SQL with data.
std::map<std::string, std::string> const short_revisions = {
    {"20250101_0000-001_accounts.mig",
     "revision 001 \"accounts\"\n"
     "upgrade {\n"
     "    create table accounts (id bigint primary key, email text not null)\n"
     "}\n"},
    {"20250102_0000-002_orders.mig",
     "revision 002 revises 001 \"orders\"\n"
     "upgrade {\n"
     "    create table orders (id bigint primary key, account_id bigint not null references "
     "accounts, total numeric not null default 0)\n"
     "}\n"},
};

std::map<std::string, std::string> const long_extra = {
    {"20250103_0000-003_note.mig",
     "revision 003 revises 002 \"account notes\"\n"
     "upgrade {\n"
     "    add column accounts.note text default 'none'\n"
     "    create index accounts_note on accounts (note)\n"
     "}\n"},
    {"20250104_0000-004_email_index.mig",
     "revision 004 revises 003 \"email index\" without transaction\n"
     "upgrade {\n"
     "    create index concurrently accounts_email on accounts (email)\n"
     "}\n"
     "downgrade {\n"
     "    drop index concurrently accounts_email\n"
     "}\n"},
    {"20250105_0000-005_tags.mig",
     "revision 005 revises 004 \"tags\"\n"
     "upgrade {\n"
     "    sql $$ CREATE TABLE tags (id int PRIMARY KEY, name text NOT NULL);\n"
     "           INSERT INTO tags VALUES (1, 'first') $$\n"
     "}\n"
     "downgrade {\n"
     "    sql $$ DROP TABLE tags $$\n"
     "}\n"},
};

/// Another branch's revision 003 on top of the short chain.
std::map<std::string, std::string> const branch_extra = {
    {"20250103_0000-003_features.mig",
     "revision 003 revises 002 \"feature flags\"\n"
     "upgrade {\n"
     "    create table features (name text primary key, enabled boolean not null default false)\n"
     "}\n"},
};

std::map<std::string, std::string> const irreversible_extra = {
    {"20250106_0000-006_archive.mig",
     "revision 006 revises 005 \"archive orders\"\n"
     "upgrade {\n"
     "    drop column orders.total\n"
     "}\n"
     "downgrade {\n"
     "    irreversible \"the totals are gone\"\n"
     "}\n"},
};

/// A chain compiled from the union of `parts`, in a folder of its own.
std::unique_ptr<migc::test::memory_catalog> chain(
    std::vector<std::map<std::string, std::string> const*> const& parts) {
  migc::test::temp_folder folder;
  for (auto const* part : parts) {
    for (auto const& [name, text] : *part) folder.write(name, text);
  }
  return migc::test::compile_chain(folder.path());
}

using migc::test::cli_result;
/// `migrate --database-url <conninfo> <args...>` over a catalog, in process (migrate_cli.hpp).
constexpr auto migrate = &migc::test::run_migrate;

class recorded_downgrade_pg : public migc::test::pg_test {
 protected:
  static void SetUpTestSuite() {
    short_chain = chain({&short_revisions});
    long_chain = chain({&short_revisions, &long_extra});
  }
  static void TearDownTestSuite() {
    short_chain.reset();
    long_chain.reset();
  }

  /// Upgrades the test's database with `cat` to head.
  void upgrade_with(migc::test::memory_catalog const& cat) {
    auto const up = migrate(conninfo(), cat.get(), {"upgrade"});
    ASSERT_EQ(up.code, 0) << up.out << up.err;
  }

  std::string version() const { return scalar("SELECT version_num FROM alembic_version"); }

  /// The schema a fresh database has after `cat`'s upgrade to head.
  static std::string schema_of(migc::test::memory_catalog const& cat) {
    migc::test::scratch_database fresh;
    auto const up = migrate(fresh.conninfo(), cat.get(), {"upgrade"});
    EXPECT_EQ(up.code, 0) << up.out << up.err;
    return migc::test::schema_dump(fresh.conninfo());
  }

  static inline std::unique_ptr<migc::test::memory_catalog> short_chain;
  static inline std::unique_ptr<migc::test::memory_catalog> long_chain;
};

TEST_F(recorded_downgrade_pg, short_binary_reverts_the_long_chain_exactly) {
  ASSERT_TRUE(short_chain && long_chain);
  upgrade_with(*long_chain);
  ASSERT_EQ(version(), "005");
  // Every upgrade row records its downgrade, with a checksum the server computed.
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history WHERE direction = 'upgrade' "
                   "AND downgrade IS NOT NULL AND downgrade_checksum LIKE 'sha256:%'"),
            "5");

  // A dry run shows the plan and the recorded SQL, and changes nothing.
  auto const dry = migrate(conninfo(), short_chain->get(),
                           {"downgrade", "002", "--use-recorded-downgrades", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out + dry.err, HasSubstr("  DROP TABLE tags;"));
  EXPECT_THAT(dry.out + dry.err, HasSubstr("Would downgrade 004 \"email index\""));
  EXPECT_THAT(dry.out + dry.err, HasSubstr("Dry run: nothing was changed"));
  EXPECT_EQ(version(), "005");

  auto const down =
      migrate(conninfo(), short_chain->get(), {"downgrade", "002", "--use-recorded-downgrades"});
  ASSERT_EQ(down.code, 0) << down.out << down.err;
  std::string const log = down.out + down.err;
  // Shown before anything runs: each recorded downgrade, statement by statement.
  auto const shown = log.find("  DROP INDEX CONCURRENTLY accounts_email;");
  ASSERT_NE(shown, std::string::npos) << log;
  EXPECT_LT(shown, log.find("Reverted 005")) << log;
  EXPECT_THAT(log, HasSubstr("Revision 005 \"tags\" is not in this binary"));
  EXPECT_THAT(log, HasSubstr("Revision 004 \"email index\" is not in this binary"));
  EXPECT_THAT(log, HasSubstr("Current database version: 005\n"));
  EXPECT_THAT(log, HasSubstr("), without transaction:\n  -- lock: SHARE UPDATE EXCLUSIVE\n"
                             "  DROP INDEX CONCURRENTLY accounts_email;\n"));
  EXPECT_THAT(log, HasSubstr("  DROP TABLE tags;"));
  EXPECT_THAT(log, HasSubstr("Reverted 003 \"account notes\""));

  EXPECT_EQ(version(), "002");
  EXPECT_EQ(migc::test::schema_dump(conninfo()), schema_of(*short_chain));
  auto const verify = migrate(conninfo(), short_chain->get(), {"verify"});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  // The downgrade rows carry the long chain's checksums; no dirty marker is left.
  EXPECT_EQ(scalar("SELECT string_agg(revision, ',' ORDER BY id) FROM alembic_version_history "
                   "WHERE direction = 'downgrade'"),
            "005,004,003");
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_dirty"), "0");
  // And the long binary takes it up again.
  upgrade_with(*long_chain);
  EXPECT_EQ(version(), "005");
}

TEST_F(recorded_downgrade_pg, recorded_and_embedded_downgrades_in_one_run) {
  ASSERT_TRUE(short_chain && long_chain);
  upgrade_with(*long_chain);
  auto const down =
      migrate(conninfo(), short_chain->get(), {"downgrade", "-4", "--use-recorded-downgrades"});
  ASSERT_EQ(down.code, 0) << down.out << down.err;
  EXPECT_EQ(version(), "001");
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NULL AND to_regclass('tags') IS NULL"), "t");
  auto const base = migrate(conninfo(), long_chain->get(), {"downgrade", "base"});
  ASSERT_EQ(base.code, 0) << base.out << base.err;
}

TEST_F(recorded_downgrade_pg, refused_without_the_flag_naming_the_revisions) {
  ASSERT_TRUE(short_chain && long_chain);
  upgrade_with(*long_chain);
  auto const down = migrate(conninfo(), short_chain->get(), {"downgrade", "002"});
  EXPECT_EQ(down.code, 1);
  EXPECT_THAT(down.err, HasSubstr("revisions 005, 004, 003 are not in this binary"));
  EXPECT_THAT(down.err, HasSubstr("migrate downgrade 002 --use-recorded-downgrades"));
  EXPECT_EQ(version(), "005");
  auto const json = migrate(conninfo(), short_chain->get(), {"--format", "json", "downgrade", "1"});
  EXPECT_THAT(json.out + json.err, HasSubstr("\"database_ahead\""));
  // Upgrade never uses records: the usual refusal.
  auto const up = migrate(conninfo(), short_chain->get(), {"upgrade"});
  EXPECT_EQ(up.code, 1);
  EXPECT_THAT(up.err, Not(HasSubstr("--use-recorded-downgrades")));
}

TEST_F(recorded_downgrade_pg, target_inside_the_recorded_revisions) {
  ASSERT_TRUE(short_chain && long_chain);
  upgrade_with(*long_chain);
  auto const down =
      migrate(conninfo(), short_chain->get(), {"downgrade", "004", "--use-recorded-downgrades"});
  ASSERT_EQ(down.code, 0) << down.out << down.err;
  EXPECT_EQ(version(), "004");
  EXPECT_EQ(scalar("SELECT to_regclass('tags') IS NULL"), "t");
  EXPECT_THAT(down.out + down.err, Not(HasSubstr("Revision 004")));
}

TEST_F(recorded_downgrade_pg, irreversible_recorded_revision_is_refused) {
  ASSERT_TRUE(short_chain);
  auto const longer = chain({&short_revisions, &long_extra, &irreversible_extra});
  ASSERT_TRUE(longer);
  upgrade_with(*longer);
  auto const down = migrate(conninfo(), short_chain->get(),
                            {"--format", "json", "downgrade", "002", "--use-recorded-downgrades"});
  EXPECT_EQ(down.code, 1);
  EXPECT_THAT(down.out + down.err, HasSubstr("\"irreversible\""));
  EXPECT_THAT(down.out + down.err, HasSubstr("the totals are gone"));
  EXPECT_EQ(version(), "006");
}

TEST_F(recorded_downgrade_pg, tampered_record_is_refused) {
  ASSERT_TRUE(short_chain && long_chain);
  upgrade_with(*long_chain);
  (void)scalar(
      "UPDATE alembic_version_history SET downgrade = jsonb_set(downgrade, '{steps,0,sql}', "
      "'\"DROP TABLE accounts CASCADE\"') WHERE revision = '004' AND direction = 'upgrade'");
  auto const down = migrate(conninfo(), short_chain->get(),
                            {"--format", "json", "downgrade", "002", "--use-recorded-downgrades"});
  EXPECT_EQ(down.code, 1);
  std::string const all = down.out + down.err;
  EXPECT_THAT(all, HasSubstr("\"recorded_downgrade_mismatch\""));
  EXPECT_THAT(all, HasSubstr("changed after it was recorded"));
  // Refused before anything ran: 005, above the tampered record, is still applied.
  EXPECT_EQ(version(), "005");
  EXPECT_EQ(scalar("SELECT count(*) FROM tags"), "1");
}

TEST_F(recorded_downgrade_pg, history_table_from_before_is_upgraded_in_place) {
  ASSERT_TRUE(short_chain && long_chain);
  // The tables as migrate created them before it recorded downgrades, with a row applied then.
  (void)scalar(
      "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT "
      "alembic_version_pkc PRIMARY KEY (version_num));\n"
      "CREATE TABLE alembic_version_history (\n"
      "  id bigserial PRIMARY KEY,\n"
      "  revision varchar(32),\n"
      "  direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'repair', "
      "'resolve')),\n"
      "  checksum text,\n"
      "  description text,\n"
      "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
      "  duration interval,\n"
      "  applied_by text NOT NULL DEFAULT current_user,\n"
      "  build_id text\n"
      ")");
  // status reads it as it is (read-only: nothing is altered).
  auto const status = migrate(conninfo(), long_chain->get(), {"status"});
  EXPECT_EQ(status.code, 0) << status.out << status.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = "
                   "'alembic_version_history'::regclass AND attname LIKE 'downgrade%'"),
            "0");
  upgrade_with(*long_chain);
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = "
                   "'alembic_version_history'::regclass AND attname LIKE 'downgrade%'"),
            "2");
  upgrade_with(*long_chain);  // idempotent: nothing to do, nothing altered twice
  // A revision recorded as an older migrate did (no record): the downgrades above it still run,
  // then the run refuses to cross it.
  (void)scalar(
      "UPDATE alembic_version_history SET downgrade = NULL, downgrade_checksum = NULL WHERE "
      "revision = '003'");
  auto const partial =
      migrate(conninfo(), short_chain->get(), {"downgrade", "003", "--use-recorded-downgrades"});
  ASSERT_EQ(partial.code, 0) << partial.out << partial.err;
  EXPECT_EQ(version(), "003");
  auto const down = migrate(conninfo(), short_chain->get(),
                            {"--format", "json", "downgrade", "002", "--use-recorded-downgrades"});
  EXPECT_EQ(down.code, 1);
  EXPECT_THAT(down.out + down.err, HasSubstr("\"no_recorded_downgrade\""));
  EXPECT_EQ(version(), "003");
}

TEST_F(recorded_downgrade_pg, stopped_recorded_downgrade_is_resolved_by_the_same_binary) {
  ASSERT_TRUE(short_chain && long_chain);
  upgrade_with(*long_chain);
  // The recorded DROP INDEX CONCURRENTLY of 004 fails: someone dropped the index already.
  (void)scalar("DROP INDEX accounts_email");
  auto const down =
      migrate(conninfo(), short_chain->get(), {"downgrade", "002", "--use-recorded-downgrades"});
  EXPECT_EQ(down.code, 1);
  EXPECT_THAT(down.err, HasSubstr("accounts_email"));
  EXPECT_EQ(version(), "004");
  EXPECT_EQ(scalar("SELECT revision || ' ' || direction FROM alembic_version_dirty"),
            "004 downgrade");
  // The short binary does not embed 004, but its record says where the version goes.
  auto const resolved = migrate(conninfo(), short_chain->get(), {"resolve", "004", "--applied"});
  ASSERT_EQ(resolved.code, 0) << resolved.out << resolved.err;
  EXPECT_EQ(version(), "003");
  auto const rest =
      migrate(conninfo(), short_chain->get(), {"downgrade", "002", "--use-recorded-downgrades"});
  ASSERT_EQ(rest.code, 0) << rest.out << rest.err;
  EXPECT_EQ(migc::test::schema_dump(conninfo()), schema_of(*short_chain));
}

TEST_F(recorded_downgrade_pg, other_branch_revision_is_reverted_by_its_record) {
  ASSERT_TRUE(short_chain && long_chain);
  auto const branch = chain({&short_revisions, &branch_extra});
  ASSERT_TRUE(branch);
  upgrade_with(*branch);
  ASSERT_EQ(scalar("SELECT to_regclass('features') IS NOT NULL"), "t");
  // The long binary embeds a revision 003 too, but not this one: its record reverts it.
  auto const refused = migrate(conninfo(), long_chain->get(), {"downgrade", "002"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, HasSubstr("revision 003 is not in this binary"));
  auto const down =
      migrate(conninfo(), long_chain->get(), {"downgrade", "002", "--use-recorded-downgrades"});
  ASSERT_EQ(down.code, 0) << down.out << down.err;
  EXPECT_THAT(down.out + down.err,
              HasSubstr("Revision 003 \"feature flags\" is not in this binary"));
  EXPECT_EQ(scalar("SELECT to_regclass('features') IS NULL"), "t");
  upgrade_with(*long_chain);
  EXPECT_EQ(version(), "005");
  auto const verify = migrate(conninfo(), long_chain->get(), {"verify"});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

}  // namespace
