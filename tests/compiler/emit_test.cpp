// Emitter and checksum tests: pinned checksums, layout-independence, reproducible output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/compiler/checksum.hpp>
#include <migc/compiler/emit.hpp>
#include <migc/dsl/parser.hpp>

#include "compiler_test_support.hpp"

namespace {

using migc::test::compile;
using migc::test::temp_folder;

/// The revision in `text`, parsed and its SQL read, as the compiler reads a file.
std::optional<migc::compiler::parsed_revision> parsed(migc::dsl::source_file const& file) {
  migc::dsl::diagnostic_engine diagnostics;
  auto revision = migc::dsl::parse_revision(file, diagnostics);
  EXPECT_TRUE(revision) << "parse failed";
  if (!revision) return std::nullopt;
  migc::compiler::parsed_revision r{&file, std::move(*revision), 0, std::nullopt};
  migc::compiler::read_sql(r, diagnostics);
  EXPECT_FALSE(diagnostics.has_errors());
  return r;
}

std::string checksum_of(std::string const& text) {
  migc::dsl::source_file const file("x.mig", text);
  auto const r = parsed(file);
  return r ? migc::compiler::revision_checksum(r->syntax) : "";
}

/// `text` with its first `from` replaced by `to` (a test's edit; `from` must occur).
std::string edited(std::string text, std::string const& from, std::string const& to) {
  auto const at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

std::string previous_checksum_of(std::string const& text) {
  migc::dsl::source_file const file("x.mig", text);
  auto const r = parsed(file);
  return r ? migc::compiler::previous_revision_checksum(r->syntax) : "";
}

constexpr char const* backfill = R"(revision 003 revises 002 "Backfill users.full_name"
upgrade {
    sql $$ ALTER TABLE users ADD COLUMN full_name text $$
    sql $$
        UPDATE users SET full_name = first_name || ' ' || last_name
        WHERE full_name IS NULL
    $$
}
downgrade {
    sql $$ ALTER TABLE users DROP COLUMN full_name $$
}
)";

constexpr char const* root =
    "revision 001 \"Root\"\nupgrade { sql $$ CREATE TABLE t (id int) $$ }\n"
    "downgrade { irreversible }\n";
constexpr char const* no_transaction =
    "revision 010 revises 009 \"No tx\" without transaction\n"
    "upgrade { sql $x$ CREATE INDEX CONCURRENTLY i ON t (id) $x$ }\n"
    "downgrade { sql $$ DROP INDEX CONCURRENTLY i $$ }\n";
constexpr char const* with_expressions = R"(revision 004 revises 003 "Declarative"
upgrade {
    create table orders (id bigint primary key, total numeric(10,2) not null default 0 check (total >= 0))
    create index orders_big on orders (total) where (total > 1000)
}
)";

}  // namespace

// These values must never change: applied revisions are validated against
// them. A change of the canonical form needs a new checksum_format version.
TEST(checksum, is_pinned_for_a_fixed_set_of_revisions) {
  EXPECT_EQ(checksum_of(backfill),
            "sha256:2679f12be223e3fb896508d452f7b5cd9a7a82b30442b5756ba003342763808e");
  EXPECT_EQ(checksum_of(root),
            "sha256:a7c768e6376f73e84807ac1c15d17d0ca304cf10e503a9bc4c3b18c77e85b573");
  EXPECT_EQ(checksum_of(no_transaction),
            "sha256:050f0f6c7e0075ee0044f02917b96e25989ed189080be4e6a1b795594205e225");
  EXPECT_EQ(checksum_of(with_expressions),
            "sha256:bb5dc74231145f5e47e72dda586c9346536f830df567e55cfeb5e3ca6551f5c4");
}

// The checksums of version 1, which databases migrated by earlier releases hold: still computed,
// byte for byte as then, so those databases are never refused.
TEST(checksum, keeps_the_previous_format_pinned) {
  EXPECT_EQ(previous_checksum_of(backfill),
            "sha256:b37f633b850284900d1f83099907dda98ecc84d8e55dc6dbbc28d66a6a5c81f2");
  EXPECT_EQ(previous_checksum_of(root),
            "sha256:5d6d972b969706f250c11824c000ba4e57c2d5e8e512c95b3ce672ad560cadc0");
  EXPECT_EQ(previous_checksum_of(no_transaction),
            "sha256:5ff65ff5e95087aeb9e69474ebd6a27444760c54a03197f441e60b16c2b61379");
}

TEST(checksum, ignores_comments_layout_description_and_id_padding) {
  std::string const reformatted = R"(-- a comment the checksum must not see
REVISION 3 REVISES 2 "A better description"
upgrade { sql $$alter table USERS   add column full_name TEXT$$
  sql $$ UPDATE users SET full_name=first_name||' '||last_name -- why
  /* a block comment */ WHERE full_name IS NULL; $$ }
downgrade { sql $$ ALTER TABLE users DROP COLUMN full_name; $$ }
)";
  EXPECT_EQ(checksum_of(reformatted), checksum_of(backfill));
}

// As tests/drift/cases/checksum_reformat: spaces inside parentheses and around operators and
// commas, keyword case, comments and statement layout never change a checksum.
TEST(checksum, ignores_what_a_sql_formatter_changes) {
  std::string const written =
      "revision 002 revises 001 \"x\"\nupgrade { sql $$ CREATE TABLE event (id int PRIMARY KEY, "
      "score int CHECK (score>=0), tags text[] DEFAULT '{}') $$\n"
      "create table t (a int default (1+2) check (a>=0)) }\ndowngrade { irreversible }\n";
  std::string const formatted =
      "revision 002 revises 001 \"x\"\nupgrade {\n  sql $$\n    create table EVENT (\n"
      "      id    INT primary key,\n      score INT check ( score >= 0 ),\n"
      "      tags  TEXT[] default '{}'\n    );\n  $$\n"
      "  create table t (a int default ( 1 + 2 ) check ( a >= 0 ))\n}\ndowngrade { irreversible "
      "}\n";
  EXPECT_EQ(checksum_of(formatted), checksum_of(written));
}

// As tests/language/good/case_utf8_bom: a byte-order mark (and CRLF line ends) as Windows editors
// save a file is skipped, never hashed; the pinned checksum stays.
TEST(checksum, ignores_a_utf8_byte_order_mark_and_crlf) {
  std::string windows = "\xEF\xBB\xBF";
  for (char const c : std::string_view(backfill)) {
    if (c == '\n') windows += '\r';
    windows += c;
  }
  EXPECT_NE(checksum_of(windows), "");
  EXPECT_EQ(checksum_of(windows), checksum_of(backfill));
  EXPECT_EQ(previous_checksum_of("\xEF\xBB\xBF" + std::string(backfill)),
            previous_checksum_of(backfill));
}

// The same kind, where PostgreSQL would keep the CR: a function body and a multi-line literal
// (flyway#1837). A checkout with core.autocrlf must run, and hash, what git stores.
TEST(checksum, ignores_crlf_inside_a_function_body_and_a_literal) {
  std::string const lf =
      "revision 002 revises 001 \"f\"\nupgrade {\n  sql $$\n    CREATE FUNCTION f() RETURNS text\n"
      "    LANGUAGE plpgsql AS $b$\n    BEGIN\n      RETURN 'two\n  lines';\n    END $b$\n  $$\n}\n"
      "downgrade { sql $$ DROP FUNCTION f() $$ }\n";
  std::string crlf;
  for (char const c : lf) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_EQ(checksum_of(crlf), checksum_of(lf));
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", root);
  folder.write("20250102_0000-002_f.mig", crlf);
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  std::string const& body = outcome.chain->revisions.at(1).upgrade.at(0).sql;
  EXPECT_THAT(body, ::testing::HasSubstr("RETURN 'two\n  lines'"));
  EXPECT_EQ(body.find('\r'), std::string::npos);
}

// The same kind: how the step is quoted and how names and statements are delimited.
TEST(checksum, ignores_the_step_quote_quoted_lower_case_names_and_the_last_semicolon) {
  std::string const requoted =
      edited(edited(backfill, "sql $$ ALTER TABLE users ADD COLUMN full_name text $$",
                    "sql $step$ ALTER TABLE \"users\" ADD COLUMN full_name text; $step$"),
             "WHERE full_name IS NULL", "WHERE full_name IS NULL;");
  EXPECT_EQ(checksum_of(requoted), checksum_of(backfill));
  // A quoted name with capitals is another name.
  EXPECT_NE(checksum_of(edited(backfill, "ALTER TABLE users", "ALTER TABLE \"Users\"")),
            checksum_of(backfill));
}

TEST(checksum, changes_when_what_runs_changes) {
  std::string const original = checksum_of(backfill);
  // Whitespace inside a literal is meaningful.
  EXPECT_NE(checksum_of(edited(backfill, "' '", "'  '")), original);
  EXPECT_NE(checksum_of(edited(backfill, "revises 002", "revises 001")), original);
  EXPECT_NE(checksum_of(edited(backfill, "IS NULL", "IS NOT NULL")), original);
  EXPECT_NE(checksum_of(edited(backfill, "ADD COLUMN full_name", "ADD COLUMN \"Full_Name\"")),
            original);
  EXPECT_NE(checksum_of(edited(with_expressions, "total >= 0", "total > 0")),
            checksum_of(with_expressions));
}

TEST(checksum, names_its_algorithm_and_canonical_form_version) {
  migc::dsl::source_file const file("x.mig", backfill);
  auto const r = parsed(file);
  ASSERT_TRUE(r);
  EXPECT_THAT(migc::compiler::canonical_form(r->syntax),
              ::testing::StartsWith("migc-checksum-v2\n"));
  EXPECT_THAT(migc::compiler::previous_canonical_form(r->syntax),
              ::testing::StartsWith("migc-checksum-v1\n"));
  EXPECT_THAT(migc::compiler::revision_checksum(r->syntax), ::testing::StartsWith("sha256:"));
  EXPECT_EQ(migc::compiler::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The checksum hashes the canonical form as it is written; it must be the hash of the text.
TEST(checksum, hashed_while_written_equals_the_hash_of_the_canonical_text) {
  for (char const* text : {backfill, root, no_transaction, with_expressions}) {
    migc::dsl::source_file const file("x.mig", text);
    auto const r = parsed(file);
    ASSERT_TRUE(r);
    EXPECT_EQ(migc::compiler::revision_checksum(r->syntax),
              "sha256:" + migc::compiler::sha256_hex(migc::compiler::canonical_form(r->syntax)));
    EXPECT_EQ(
        migc::compiler::previous_revision_checksum(r->syntax),
        "sha256:" + migc::compiler::sha256_hex(migc::compiler::previous_canonical_form(r->syntax)));
  }
}

TEST(emitter, escapes_every_byte_so_the_literal_round_trips) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"Quotes \\\" and \\\\ and caf\xc3\xa9\"\n"
               "upgrade { sql $$ SELECT '?"
               "?=', E'\\t', 'caf\xc3\xa9' $$ }\ndowngrade { irreversible }\n");
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  migc::compiler::emit_options options{"app::db", "app_catalog.hpp", "alembic_version",
                                       "migrations"};
  std::string const source = migc::compiler::emit_catalog(*outcome.chain, options);
  EXPECT_THAT(source, ::testing::HasSubstr(R"({"Quotes \" and \\ and caf\303\251", 24})"));
  EXPECT_THAT(source, ::testing::HasSubstr(R"({"SELECT '\?\?=', E'\\t', 'caf\303\251'", 28})"));
  EXPECT_THAT(source, ::testing::HasSubstr("namespace app::db {"));
  EXPECT_THAT(source, ::testing::HasSubstr("{nullptr, 0}"));  // irreversible: no downgrade steps
}

TEST(emitter, output_is_byte_for_byte_reproducible_across_folders_and_file_order) {
  temp_folder first;
  temp_folder second;
  first.write("20250101_0000-001_a.mig", migc::test::revision_text("001"));
  first.write("20250102_0000-002_b.mig", migc::test::revision_text("002", "001"));
  second.write("20250102_0000-002_b.mig", migc::test::revision_text("002", "001"));
  second.write("20250101_0000-001_a.mig", migc::test::revision_text("001"));
  migc::compiler::emit_options options{"app::db", "app_catalog.hpp", "alembic_version",
                                       "migrations"};
  auto const a = compile(first.path());
  auto const b = compile(second.path());
  ASSERT_TRUE(a.chain && b.chain);
  EXPECT_EQ(migc::compiler::emit_catalog(*a.chain, options),
            migc::compiler::emit_catalog(*b.chain, options));
  EXPECT_EQ(a.chain->chain_hash, b.chain->chain_hash);
}

TEST(emitter, chain_hash_depends_on_every_revision) {
  temp_folder first;
  temp_folder second;
  first.write("20250101_0000-001_a.mig", migc::test::revision_text("001"));
  first.write("20250102_0000-002_b.mig", migc::test::revision_text("002", "001"));
  second.write("20250101_0000-001_a.mig", migc::test::revision_text("001", "", "SELECT 42"));
  second.write("20250102_0000-002_b.mig", migc::test::revision_text("002", "001"));
  auto const a = compile(first.path());
  auto const b = compile(second.path());
  ASSERT_TRUE(a.chain && b.chain);
  EXPECT_EQ(a.chain->revisions[1].checksum, b.chain->revisions[1].checksum);
  EXPECT_NE(a.chain->chain_hash, b.chain->chain_hash);
}

namespace {

constexpr char const* declarative = R"(revision 001 "Initial schema"
upgrade {
    create table users (
        id         text primary key,
        first_name text not null
    )
    create table memories (
        id         text primary key,
        user_id    text not null references users(id) on delete cascade,
        created_at timestamptz not null default now()
    )
    create index memories_user_id on memories (user_id)
}
)";

}  // namespace

// Declarative steps hash a canonical text rendered from the syntax tree
// (docs/checksum.md), never the generated SQL: pinned like the raw ones.
TEST(checksum, is_pinned_for_declarative_revisions) {
  EXPECT_EQ(checksum_of(declarative),
            "sha256:4df2ed4d8baf642fa10c4ceb53397f4c7a23b7ef9098454bed6611dedb0b801d");
  EXPECT_EQ(checksum_of(
                "revision 002 revises 001 \"x\"\nupgrade { add column memories.new_field text }\n"),
            "sha256:4dd4c8090637e4ba759f80bbab01502f346ec0f90e40f56a66ea858906037fed");
  EXPECT_EQ(previous_checksum_of(declarative),
            "sha256:b440d974b0009715bda287203dbf97da687bf32ee8cebb59a75bf828f9d4c3c3");
  EXPECT_EQ(previous_checksum_of(
                "revision 002 revises 001 \"x\"\nupgrade { add column memories.new_field text }\n"),
            "sha256:df43a95101322fe1afb054e2dc0b80ce873322787eabb869587ca2af161c4597");
}

TEST(checksum, declarative_steps_ignore_spelling_that_does_not_change_the_schema) {
  std::string const respelled =
      edited(edited(declarative, "timestamptz", "TIMESTAMP WITH TIME ZONE"), "create table users",
             "CREATE TABLE public.USERS");
  EXPECT_EQ(checksum_of(respelled), checksum_of(declarative));
  EXPECT_NE(checksum_of(edited(declarative, "text not null", "text null")),
            checksum_of(declarative));
}

TEST(emitter, generates_sql_with_postgresql_names_and_records_locks) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", declarative);
  folder.write("20250102_0000-002_b.mig",
               "revision 002 revises 001 \"b\"\nupgrade {\n"
               "    -- migc:allow(table-rewrite)\n"
               "    alter column users.first_name type \"Order\"\n}\n");
  auto const bad = compile(folder.path());
  EXPECT_FALSE(bad.chain);
  folder.write("20250102_0000-002_b.mig",
               "revision 002 revises 001 \"b\"\nupgrade {\n"
               "    create table \"Order\" (\"select\" int4, \"x\"\"y\" varchar(10)[])\n"
               "    drop constraint memories_user_id_fkey on memories\n}\n");
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  auto const& second = outcome.chain->revisions.at(1);
  ASSERT_EQ(second.upgrade.size(), 2u);
  EXPECT_EQ(second.upgrade[0].sql,
            "CREATE TABLE \"Order\" (\n    \"select\" integer,\n    \"x\"\"y\" varchar(10)[]\n)");
  EXPECT_EQ(second.upgrade[1].sql, "ALTER TABLE memories DROP CONSTRAINT memories_user_id_fkey");
  EXPECT_EQ(second.upgrade[1].lock, "ACCESS EXCLUSIVE");
  // memories serves traffic: the derived downgrade adds the foreign key back NOT VALID, then
  // validates it in a phase of its own (safe_plan.hpp).
  ASSERT_EQ(second.downgrade.size(), 3u);
  EXPECT_EQ(second.downgrade[0].sql,
            "ALTER TABLE memories ADD CONSTRAINT memories_user_id_fkey FOREIGN KEY (user_id) "
            "REFERENCES users (id) "
            "ON DELETE CASCADE NOT VALID");
  EXPECT_EQ(second.downgrade[1].sql,
            "ALTER TABLE memories VALIDATE CONSTRAINT memories_user_id_fkey");
  EXPECT_EQ(second.downgrade[1].phase, 1u);
  EXPECT_EQ(second.downgrade[2].sql, "DROP TABLE \"Order\"");
  migc::compiler::emit_options options{"app::db", "app_catalog.hpp", "alembic_version",
                                       "migrations"};
  // Each step names its lock level by the catalog contract's enumerator.
  std::string const source = migc::compiler::emit_catalog(*outcome.chain, options);
  EXPECT_THAT(source, ::testing::HasSubstr(
                          "{\"CREATE INDEX memories_user_id ON memories (user_id)\", "
                          "51}, 12, ::migc::runtime::lock_level::share, false, "
                          "::migc::runtime::statement_kind::schema, false, {\"\", 0}, 0, false, "
                          "{\"\", 0}}"));
  EXPECT_THAT(source,
              ::testing::HasSubstr("::migc::runtime::lock_level::access_exclusive, false, "));
  EXPECT_THAT(outcome.chain->schema_sql,
              ::testing::HasSubstr("CONSTRAINT users_pkey PRIMARY KEY (id)"));
}

TEST(emitter, embeds_the_reason_of_an_irreversible_downgrade) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"a\"\nupgrade {\n    sql $$ CREATE TABLE t (id int) $$\n}\n"
               "downgrade {\n    irreversible \"t feeds the \\\"billing\\\" export\"\n}\n");
  folder.write("20250102_0000-002_b.mig",
               "revision 002 revises 001 \"b\"\nupgrade {\n    sql $$ SELECT 1 $$\n}\n"
               "downgrade {\n    irreversible\n}\n");
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_EQ(outcome.chain->revisions[0].irreversible_reason, "t feeds the \"billing\" export");
  EXPECT_EQ(outcome.chain->revisions[1].irreversible_reason, "");
  migc::compiler::emit_options options{"app::db", "app_catalog.hpp", "alembic_version",
                                       "migrations"};
  std::string const source = migc::compiler::emit_catalog(*outcome.chain, options);
  EXPECT_THAT(source, ::testing::HasSubstr(
                          "{nullptr, 0},\n   {\"t feeds the \\\"billing\\\" export\", 28}, "));
}

// A raw CREATE INDEX CONCURRENTLY names the index it builds (step::index), as a declarative one
// does, so that `resolve --continue` after a kill keeps it when valid and rebuilds it when
// invalid; unnamed, under the name PostgreSQL picks; in either direction.
TEST(emitter, names_the_index_a_raw_concurrent_build_makes) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"a\"\nupgrade { sql $$ CREATE TABLE items (id int, code int) $$ }\n"
               "downgrade { sql $$ DROP TABLE items $$ }\n");
  folder.write(
      "20250102_0000-002_b.mig",
      "revision 002 revises 001 \"b\" without transaction\nupgrade {\n"
      "    sql $$ CREATE INDEX CONCURRENTLY ON items (code) $$\n"
      "    sql $$ CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_id ON items (id) $$\n"
      "    sql $$ VACUUM items $$\n}\n"
      "downgrade {\n    sql $$ DROP INDEX CONCURRENTLY items_id $$\n"
      "    sql $$ DROP INDEX CONCURRENTLY items_code_idx $$\n"
      "    sql $$ CREATE INDEX CONCURRENTLY items_code_old ON items (code) $$\n"
      "    sql $$ DROP INDEX CONCURRENTLY items_code_old $$\n}\n");
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  auto const& second = outcome.chain->revisions.at(1);
  ASSERT_EQ(second.upgrade.size(), 3u);
  EXPECT_EQ(second.upgrade[0].index, "public.items_code_idx");
  EXPECT_EQ(second.upgrade[1].index, "public.items_id");
  EXPECT_EQ(second.upgrade[2].index, "");
  ASSERT_EQ(second.downgrade.size(), 4u);
  EXPECT_EQ(second.downgrade[0].index, "");
  EXPECT_EQ(second.downgrade[2].index, "public.items_code_old");
}
