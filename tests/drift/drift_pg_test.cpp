// Schema drift against a real PostgreSQL (label pg). Every good corpus chain is compiled with the
// compiler library at test time and applied through an in-memory catalog built from the compiled
// chain, so every generated SQL statement of the good corpus runs on the real server and the
// resulting catalog is compared with the compiler's model by `migrate verify`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/detail/cli_io.hpp>
#include <sstream>

#include "compiler_test_support.hpp"
#include "pg_test.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

/// A runtime catalog over a compiled chain: what the emitter would write, built in memory.
class memory_catalog {
 public:
  explicit memory_catalog(migc::compiler::compiled_chain chain) : m_chain(std::move(chain)) {
    std::size_t total = 0;
    for (auto const& r : m_chain.revisions) total += r.upgrade.size() + r.downgrade.size();
    m_steps.reserve(total);  // the revisions' views point into it: no reallocation
    for (auto const& r : m_chain.revisions) {
      auto const up = add_steps(r.upgrade);
      auto const down = add_steps(r.downgrade);
      m_revisions.push_back({text_of(r.id), r.number, text_of(r.parent), text_of(r.description),
                             text_of(r.source_file), r.source_line, text_of(r.checksum),
                             r.transactional, r.reversible, up, down, text_of(r.previous_checksum)});
    }
    m_schema_history = migc::compiler::serialize_schema_history(m_chain.revisions);
    m_catalog = {{m_revisions.data(), m_revisions.size()},
                 m_chain.chain_hash,
                 "alembic_version",
                 "migrations",
                 m_schema_history,
                 true};
  }
  memory_catalog(memory_catalog const&) = delete;
  memory_catalog& operator=(memory_catalog const&) = delete;

  [[nodiscard]] migc::runtime::catalog const& get() const { return m_catalog; }

 private:
  /// A view of a string this catalog owns (through m_chain).
  static migc::runtime::text text_of(std::string const& s) { return {s.data(), s.size()}; }

  migc::runtime::array_view<migc::runtime::step> add_steps(
      std::vector<migc::compiler::compiled_step> const& steps) {
    std::size_t const begin = m_steps.size();
    for (auto const& s : steps)
      m_steps.push_back({text_of(s.sql), s.line, text_of(s.lock), s.rewrites, s.kind,
                         s.outside_transaction, text_of(s.objects)});
    if (steps.empty()) return {};
    return {m_steps.data() + begin, steps.size()};
  }

  migc::compiler::compiled_chain m_chain;
  std::vector<migc::runtime::step> m_steps;
  std::vector<migc::runtime::revision> m_revisions;
  std::string m_schema_history;
  migc::runtime::catalog m_catalog;
};

std::unique_ptr<memory_catalog> compile_chain(fs::path const& folder) {
  auto outcome = migc::test::compile(folder);
  if (!outcome.chain) {
    std::string all;
    for (auto const& d : outcome.diagnostics) all += d + "\n";
    ADD_FAILURE() << folder << " does not compile:\n" << all;
    return nullptr;
  }
  return std::make_unique<memory_catalog>(std::move(*outcome.chain));
}

struct cli_result {
  int code;
  std::string out;
  std::string err;
};

cli_result migrate(std::string const& conninfo, migc::runtime::catalog const& cat,
                   std::vector<std::string> args) {
  args.insert(args.begin(), {"--database-url", conninfo});
  std::ostringstream out;
  std::ostringstream err;
  int const code = migc::runtime::detail::run_cli(args, cat, out, err);
  return {code, out.str(), err.str()};
}

/// The lines of verify's text output indented under a heading (the findings).
std::vector<std::string> findings(std::string const& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  ", 0) == 0 && line.find("sha256:") == std::string::npos)
      lines.push_back(line.substr(2));
  }
  return lines;
}

fs::path good_corpus() {
  return fs::path(MIGC_LANGUAGE_CORPUS) / "good";
}

std::vector<fs::path> good_cases() {
  std::vector<fs::path> out;
  for (auto const& entry : fs::directory_iterator(good_corpus())) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class drift_pg : public migc::test::pg_test {};

/// Runs verify and expects no drift and no other finding at the database's revision.
void expect_no_drift(std::string const& conninfo, migc::runtime::catalog const& cat,
                     std::string const& at) {
  SCOPED_TRACE("at " + at);
  auto const verify = migrate(conninfo, cat, {"verify"});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_THAT(verify.out,
              HasSubstr("Schema drift: none (the live schema matches the model at " + at))
      << verify.out;
  EXPECT_THAT(findings(verify.out), ::testing::IsEmpty()) << verify.out;
}

// Up one revision at a time, then down again as far as the downgrades go: at every stop the
// live schema must be the model at that revision (which also proves the generated downgrades).
TEST(drift_corpus, every_good_chain_matches_the_model_at_every_revision_up_and_down) {
  auto const cases = good_cases();
  ASSERT_FALSE(cases.empty());
  for (auto const& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    auto const cat = compile_chain(dir);
    ASSERT_TRUE(cat);
    ASSERT_TRUE(cat->get().has_schema_history);
    auto const& revisions = cat->get().revisions;
    migc::test::scratch_database db;
    expect_no_drift(db.conninfo(), cat->get(), "base");
    for (auto const& rev : revisions) {
      auto const up = migrate(db.conninfo(), cat->get(), {"upgrade", "+1"});
      ASSERT_EQ(up.code, 0) << up.err;
      expect_no_drift(db.conninfo(), cat->get(), "revision " + std::string(rev.id));
    }
    for (std::size_t i = revisions.size; i-- > 0 && revisions[i].reversible;) {
      auto const down = migrate(db.conninfo(), cat->get(), {"downgrade", "-1"});
      ASSERT_EQ(down.code, 0) << down.err;
      expect_no_drift(db.conninfo(), cat->get(),
                      i == 0 ? "base" : "revision " + std::string(revisions[i - 1].id));
    }
  }
}

TEST_F(drift_pg, types_defaults_and_identity_match_their_live_spelling) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"A\"\nupgrade {\n"
               "    create schema audit\n"
               "    create type audit.level as enum ('low', 'high')\n"
               "    create type \"Mood\" as enum ('happy', 'it''s')\n"
               "    create table t (\n"
               "        id serial primary key,\n"
               "        a varchar(40) not null default 'x',\n"
               "        b char default 'y',\n"
               "        c numeric(10, 2) default -1.5,\n"
               "        c2 numeric(8) default 0,\n"
               "        d timestamptz default current_timestamp,\n"
               "        e time,\n"
               "        f int[][] default '{}',\n"
               "        g \"Mood\" default 'happy',\n"
               "        h audit.level,\n"
               "        i bigint generated by default as identity,\n"
               "        j float8 default (1 + 2),\n"
               "        k boolean not null default false,\n"
               "        l jsonb default '{}'::jsonb,\n"
               "        m int default -1,\n"
               "        n text default null,\n"
               "        constraint t_a_key unique (a, b)\n"
               "    )\n"
               "    create index t_d on t (d, e) where (d is not null)\n"
               "    create table audit.u (id bigint generated always as identity primary key,\n"
               "                          t_id integer references t on delete cascade)\n"
               "}\n");
  folder.write("20250102_0000-002_b.mig",
               "revision 002 revises 001 \"B\"\nupgrade {\n"
               "    rename table t to t2\n"
               "    rename column t2.a to a2\n"
               "    alter column t2.e type time(3)\n"
               "    add value 'meh' to type audit.level before 'high'\n"
               "}\n"
               "downgrade {\n    irreversible\n}\n");
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  auto const up = migrate(conninfo(), cat->get(), {"upgrade"});
  ASSERT_EQ(up.code, 0) << up.err;
  auto const r = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(findings(r.out), ::testing::IsEmpty()) << r.out;
  EXPECT_THAT(
      r.out,
      HasSubstr(
          "Schema drift: none (the live schema matches the model at revision 002, 29 objects)"))
      << r.out;
}

TEST_F(drift_pg, hand_changes_are_reported_exactly_and_exit_1) {
  auto const cat = compile_chain(good_corpus() / "design_example");
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  migc::test::execute(conninfo(),
                      "ALTER TABLE users DROP COLUMN full_name;"
                      "ALTER TABLE memories ALTER COLUMN task_id TYPE varchar(20);"
                      "CREATE INDEX memories_content ON memories (content)");
  auto const r = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Schema drift: 3 differences from the model at revision 003:\n"))
      << r.out;
  EXPECT_EQ(
      findings(r.out),
      (std::vector<std::string>{
          "column public.memories.task_id: type is character varying(20), model says text",
          "missing column public.users.full_name",
          "extra index public.memories_content (not in the model: created by hand, or by SQL migc did not see)"}))
      << r.out;
}

TEST_F(drift_pg, a_foreign_key_changed_by_hand_is_drift) {
  auto const cat = compile_chain(good_corpus() / "design_example");
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  migc::test::execute(conninfo(),
                      "ALTER TABLE memories DROP CONSTRAINT memories_user_id_fkey;"
                      "ALTER TABLE memories ADD CONSTRAINT memories_user_id_fkey FOREIGN KEY "
                      "(user_id) REFERENCES users");
  auto const r = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(findings(r.out),
            (std::vector<std::string>{"constraint memories_user_id_fkey on public.memories: "
                                      "columns ((user_id) references public.users (id) on "
                                      "delete no action on update no action), model says ((user_id) "
                                      "references public.users (id) on "
                                      "delete cascade on update no action)"}))
      << r.out;
}

TEST_F(drift_pg, verify_json_lists_the_findings) {
  auto const cat = compile_chain(good_corpus() / "design_example");
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  migc::test::execute(conninfo(), "ALTER TABLE memories ALTER COLUMN content DROP NOT NULL");
  auto const r = migrate(conninfo(), cat->get(), {"verify", "--format", "json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"drift\":{\"status\":\"checked\",\"at\":\"003\",\"drift\":true,"))
      << r.out;
  EXPECT_THAT(
      r.out,
      HasSubstr("{\"kind\":\"drift\",\"object\":\"column\",\"name\":\"public.memories.content\","
                "\"message\":\"column public.memories.content: nullable, model says not null\"}"))
      << r.out;
}

// Raw DDL is in the model like declarative steps: verify checks what it created, and only what
// a statement the compiler does not follow names is excused.
TEST_F(drift_pg, objects_raw_sql_created_are_checked_like_declarative_ones) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_base.mig",
               "revision 001 \"Base\"\nupgrade {\n"
               "    create table users (id bigint primary key, email text not null)\n}\n");
  folder.write("20250102_0000-002_raw.mig",
               "revision 002 revises 001 \"Raw\"\nupgrade {\n"
               "    sql $$\n"
               "        -- comments before DDL change nothing\n"
               "        CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text);\n"
               "        /* nor block comments */ CREATE INDEX users_lower_email ON users (lower(email));\n"
               "        CREATE TYPE audit_kind AS ENUM ('login', 'logout');\n"
               "        CREATE TABLE staging_copy AS SELECT * FROM users\n"
               "    $$\n}\n"
               "downgrade {\n"
               "    sql $$ DROP TABLE audit_log, staging_copy; DROP INDEX users_lower_email; DROP TYPE "
               "audit_kind $$\n}\n");
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  auto const r = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Schema drift: none")) << r.out;
  EXPECT_EQ(findings(r.out),
            (std::vector<std::string>{"not modelled: table public.staging_copy (a statement the "
                                      "model does not follow names it)"}))
      << r.out;

  // What raw SQL created is checked: a change by hand is drift, and so is a hand-made object.
  migc::test::execute(conninfo(),
                      "ALTER TABLE audit_log ADD COLUMN hand_added int;"
                      "ALTER TYPE audit_kind ADD VALUE 'other';"
                      "CREATE TABLE scratch (x int)");
  auto const again = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(again.code, 1) << again.out;
  EXPECT_EQ(findings(again.out),
            (std::vector<std::string>{
                "enum public.audit_kind: values are 'login', 'logout', 'other', model says "
                "'login', 'logout'",
                "extra table public.scratch (not in the model: created by hand, or by SQL migc did "
                "not see)",
                "extra column public.audit_log.hand_added (not in the model: created by hand, or by SQL "
                "migc did not see)",
                "not modelled: table public.staging_copy (a statement the model does not follow "
                "names it)"}))
      << again.out;
}

TEST_F(drift_pg, a_modelled_column_raw_sql_changed_is_followed) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_base.mig",
               "revision 001 \"Base\"\nupgrade {\n"
               "    create table notes (id bigint primary key, body text)\n}\n");
  folder.write("20250102_0000-002_raw.mig",
               "revision 002 revises 001 \"Raw\"\nupgrade {\n"
               "    sql $$ ALTER TABLE notes ALTER COLUMN body TYPE varchar(200) $$\n}\n"
               "downgrade {\n    sql $$ ALTER TABLE notes ALTER COLUMN body TYPE text $$\n}\n");
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  auto const r = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(findings(r.out), ::testing::IsEmpty()) << r.out;
  migc::test::execute(conninfo(), "ALTER TABLE notes ALTER COLUMN body TYPE text");
  auto const changed = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(changed.code, 1) << changed.out;
  EXPECT_EQ(findings(changed.out),
            (std::vector<std::string>{
                "column public.notes.body: type is text, model says character varying(200)"}))
      << changed.out;
}

TEST_F(drift_pg, below_head_the_model_at_the_databases_revision_is_compared) {
  auto const cat = compile_chain(good_corpus() / "design_example");
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade", "002"}).code, 0);
  auto const clean = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_THAT(clean.out,
              HasSubstr("Schema drift: none (the live schema matches the model at revision 002, "))
      << clean.out;

  // 003 adds users.full_name: creating it by hand below 003 is drift, and so is dropping 002's
  // column.
  migc::test::execute(
      conninfo(),
      "ALTER TABLE users ADD COLUMN full_name text; ALTER TABLE memories DROP COLUMN new_field");
  auto const drifted = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(drifted.code, 1) << drifted.out << drifted.err;
  EXPECT_THAT(drifted.out,
              HasSubstr("Schema drift: 2 differences from the model at revision 002:\n"))
      << drifted.out;
  EXPECT_EQ(
      findings(drifted.out),
      (std::vector<std::string>{
          "missing column public.memories.new_field",
          "extra column public.users.full_name (not in the model: created by hand, or by SQL migc did not see)"}))
      << drifted.out;
}

TEST_F(drift_pg, at_base_every_object_outside_migcs_tables_is_drift) {
  auto const cat = compile_chain(good_corpus() / "design_example");
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"downgrade", "base"}).code, 0);
  auto const clean = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
  EXPECT_THAT(
      clean.out,
      HasSubstr("Schema drift: none (the live schema matches the model at base, 0 objects).\n"))
      << clean.out;
  migc::test::execute(conninfo(), "CREATE TABLE leftover (x int)");
  auto const drifted = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(drifted.code, 1) << drifted.out;
  EXPECT_EQ(findings(drifted.out),
            (std::vector<std::string>{
                "extra table public.leftover (not in the model: created by hand, or by SQL migc did not see)"}))
      << drifted.out;
}

TEST_F(drift_pg, a_checksum_mismatch_still_fails_verify_with_a_clean_schema) {
  auto const cat = compile_chain(good_corpus() / "design_example");
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  migc::test::execute(
      conninfo(),
      "UPDATE alembic_version_history SET checksum = 'sha256:00' WHERE revision = '002'");
  auto const r = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("MISMATCH")) << r.out;
}

}  // namespace

// ../shared/cases/checksum-reformat: a revision applied, then reformatted (spaces inside
// parentheses and around operators, statements on their own lines): the next run accepts the
// database and applies what is new.
TEST_F(drift_pg, a_reformatted_revision_keeps_its_checksum) {
  fs::path const cases = fs::path(MIGC_DRIFT_CASES) / "checksum_reformat";
  auto const applied = compile_chain(cases / "applied");
  auto const reformatted = compile_chain(cases / "reformatted");
  ASSERT_TRUE(applied && reformatted);
  ASSERT_EQ(migrate(conninfo(), applied->get(), {"upgrade"}).code, 0);
  auto const r = migrate(conninfo(), reformatted->get(), {"upgrade"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto const v = migrate(conninfo(), reformatted->get(), {"verify"});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
}

// A database whose history holds checksums of format version 1 (written by an earlier
// release) is accepted, and a real edit is still refused.
TEST_F(drift_pg, checksums_of_the_previous_format_are_accepted_and_edits_still_refused) {
  migc::test::temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"A\"\nupgrade {\n    sql $$ CREATE TABLE t (id int) $$\n}\n"
               "downgrade {\n    sql $$ DROP TABLE t $$\n}\n");
  auto const cat = compile_chain(folder.path());
  ASSERT_TRUE(cat);
  ASSERT_EQ(migrate(conninfo(), cat->get(), {"upgrade"}).code, 0);
  auto const& rev = cat->get().revisions[0];
  ASSERT_NE(rev.previous_checksum.view(), rev.checksum.view());
  migc::test::execute(conninfo(), "UPDATE alembic_version_history SET checksum = '" +
                                      std::string(rev.previous_checksum.view()) + "'");
  auto const ok = migrate(conninfo(), cat->get(), {"verify"});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;

  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"A\"\nupgrade {\n    sql $$ CREATE TABLE t (id bigint) $$\n}\n"
               "downgrade {\n    sql $$ DROP TABLE t $$\n}\n");
  auto const edited = compile_chain(folder.path());
  ASSERT_TRUE(edited);
  auto const refused = migrate(conninfo(), edited->get(), {"upgrade"});
  EXPECT_EQ(refused.code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("edited")) << refused.err;
}
