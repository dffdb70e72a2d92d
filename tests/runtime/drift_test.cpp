// Unit tests of schema drift as a pure function: the model's objects vs live objects -> findings.
#include "drift.hpp"

#include <gtest/gtest.h>

namespace {

using migc::runtime::compare_schema;
using migc::runtime::db_object;
using migc::runtime::drift_finding;
using migc::runtime::normalize_default;
using migc::runtime::raw_sql_names;

db_object table(std::string name) {
  return {"table", "", std::move(name), "", "", "", false, false};
}
db_object column(std::string table, std::string name, std::string type, bool not_null = false,
                 std::string def = "") {
  return {"column", std::move(table), std::move(name), std::move(type),
          "",       std::move(def),   not_null,        false};
}
db_object index(std::string table, std::string name, std::string columns, bool unique = false,
                bool partial = false) {
  return {"index",
          std::move(table),
          std::move(name),
          unique ? "unique index" : "index",
          std::move(columns),
          "",
          false,
          partial};
}
db_object constraint(std::string table, std::string name, std::string kind,
                     std::string columns = "") {
  return {"constraint",
          std::move(table),
          std::move(name),
          std::move(kind),
          std::move(columns),
          "",
          false,
          false};
}
db_object enum_type(std::string name, std::string values) {
  return {"enum", "", std::move(name), "", std::move(values), "", false, false};
}

/// The app's schema at head, as the compiler's model has it.
std::vector<db_object> model() {
  return {table("public.users"),
          column("public.users", "id", "text", true),
          column("public.users", "full_name", "text"),
          constraint("public.users", "users_pkey", "primary key", "id"),
          table("public.memories"),
          column("public.memories", "id", "text", true),
          column("public.memories", "task_id", "text"),
          column("public.memories", "created_at", "timestamp with time zone", true, "now()"),
          column("public.memories", "kind", "character varying(40)", true, "'misc'"),
          constraint("public.memories", "memories_pkey", "primary key", "id"),
          constraint("public.memories", "memories_user_id_fkey", "foreign key"),
          index("public.memories", "public.memories_task_id", "task_id"),
          enum_type("public.mood", "'happy', 'sad'")};
}

std::vector<std::string> messages(std::vector<drift_finding> const& findings) {
  std::vector<std::string> out;
  for (auto const& f : findings) out.push_back(f.message);
  return out;
}

TEST(drift, identical_schemas_have_no_findings) {
  EXPECT_TRUE(compare_schema(model(), model()).empty());
}

TEST(drift, live_spellings_postgresql_adds_are_not_drift) {
  auto live = model();
  live[7].default_value = "now()";
  live[8].default_value = "'misc'::character varying";
  EXPECT_TRUE(compare_schema(model(), live).empty());
}

TEST(drift, hand_changes_are_reported_one_per_line) {
  auto live = model();
  live.erase(live.begin() + 2);            // full_name dropped
  live[5].type = "character varying(20)";  // memories.task_id retyped
  live.push_back(index("public.memories", "public.memories_kind", "kind"));
  EXPECT_EQ(
      messages(compare_schema(model(), live)),
      (std::vector<std::string>{
          "missing column public.users.full_name",
          "column public.memories.task_id: type is character varying(20), model says text",
          "extra index public.memories_kind (not in the model: created by raw SQL or by hand)"}));
  for (auto const& f : compare_schema(model(), live)) EXPECT_EQ(f.what, drift_finding::kind::drift);
}

TEST(drift, nullability_default_index_constraint_and_enum_differences) {
  auto live = model();
  live[2].not_null = true;
  live[7].default_value = "";
  live[11] = index("public.memories", "public.memories_task_id", "task_id, id", true, true);
  live[3] = constraint("public.users", "users_pkey", "unique", "id");
  live[12].columns = "'happy', 'meh', 'sad'";
  EXPECT_EQ(messages(compare_schema(model(), live)),
            (std::vector<std::string>{
                "column public.users.full_name: not null, model says nullable",
                "constraint users_pkey on public.users: kind is unique, model says primary key",
                "column public.memories.created_at: default is none, model says now()",
                "index public.memories_task_id: unique index, model says index",
                "index public.memories_task_id: columns (task_id, id), model says (task_id)",
                "index public.memories_task_id: partial, model says not partial",
                "enum public.mood: values are 'happy', 'meh', 'sad', model says 'happy', 'sad'"}));
}

TEST(drift, a_missing_or_extra_table_is_one_finding_not_one_per_column) {
  std::vector<db_object> live = {table("public.users"),
                                 column("public.users", "id", "text", true),
                                 column("public.users", "full_name", "text"),
                                 constraint("public.users", "users_pkey", "primary key", "id"),
                                 enum_type("public.mood", "'happy', 'sad'"),
                                 table("public.scratch"),
                                 column("public.scratch", "x", "integer")};
  EXPECT_EQ(messages(compare_schema(model(), live)),
            (std::vector<std::string>{
                "missing table public.memories",
                "extra table public.scratch (not in the model: created by raw SQL or by hand)"}));
}

TEST(drift, objects_raw_sql_created_are_not_modelled_and_not_drift) {
  raw_sql_names raw;
  migc::runtime::scan_raw_sql(
      "UPDATE users SET full_name = 'x';\n"
      "CREATE TABLE audit_log (id bigint PRIMARY KEY, note text);\n"
      "CREATE INDEX users_lower_name ON users (lower(full_name))",
      "004", raw);
  auto live = model();
  live.push_back(table("public.audit_log"));
  live.push_back(column("public.audit_log", "id", "bigint", true));
  live.push_back(index("public.users", "public.users_lower_name", "lower(full_name)"));
  auto const findings = compare_schema(model(), live, raw);
  EXPECT_EQ(messages(findings),
            (std::vector<std::string>{
                "not modelled: table public.audit_log (raw SQL in revision 004 names it)",
                "not modelled: index public.users_lower_name (raw SQL in revision 004 "
                "names it)"}));
  for (auto const& f : findings) EXPECT_EQ(f.what, drift_finding::kind::not_modelled);
}

TEST(drift, data_statements_do_not_excuse_anything) {
  raw_sql_names raw;
  migc::runtime::scan_raw_sql("UPDATE memories SET task_id = NULL; DELETE FROM memories", "003",
                              raw);
  auto live = model();
  live[6].type = "integer";
  auto const findings = compare_schema(model(), live, raw);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].what, drift_finding::kind::drift);
}

TEST(drift, a_modelled_object_raw_ddl_touched_is_reported_but_not_drift) {
  raw_sql_names raw;
  migc::runtime::scan_raw_sql(
      "DO $$ BEGIN EXECUTE 'ALTER TABLE memories ALTER task_id TYPE int'; END $$", "005", raw);
  auto live = model();
  live[6].type = "integer";
  auto const findings = compare_schema(model(), live, raw);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].what, drift_finding::kind::raw_sql);
  EXPECT_EQ(findings[0].message,
            "column public.memories.task_id: type is integer, model says text (raw SQL in revision "
            "005 names "
            "it: not counted as drift)");
}

TEST(drift, raw_sql_scan_splits_statements_outside_quotes) {
  raw_sql_names raw;
  migc::runtime::scan_raw_sql(
      "INSERT INTO t VALUES ('a; CREATE TABLE fake (x int)'); ALTER TABLE \"Odd\" ADD c int", "002",
      raw);
  EXPECT_EQ(raw.find("fake"), nullptr);
  ASSERT_NE(raw.find("Odd"), nullptr);
  EXPECT_EQ(*raw.find("Odd"), "002");
  EXPECT_EQ(raw.find("t"), nullptr);
}

TEST(drift, defaults_are_compared_leniently) {
  EXPECT_EQ(normalize_default("'x'::text"), normalize_default("'x'"));
  EXPECT_EQ(normalize_default("'misc'::character varying"), "'misc'");
  EXPECT_EQ(normalize_default("'{}'::text[]"), "'{}'");
  EXPECT_EQ(normalize_default("'-1'::integer"), "-1");
  EXPECT_EQ(normalize_default("'2024-01-01 00:00:00+00'::timestamp with time zone"),
            "'2024-01-01 00:00:00+00'");
  EXPECT_EQ(normalize_default("CURRENT_TIMESTAMP"), normalize_default("current_timestamp"));
  EXPECT_EQ(normalize_default("(1 + 2)"), normalize_default("1+2"));
  EXPECT_EQ(normalize_default("NULL::text"), "");
  EXPECT_NE(normalize_default("'It''s'"),
            normalize_default("'it''s'"));  // literals keep their case
  EXPECT_NE(normalize_default("'a'"), normalize_default("'b'"));
}

TEST(drift, serial_defaults_match_whatever_the_sequence_is_called) {
  std::vector<db_object> m = {table("public.t"), column("public.t", "id", "integer", true,
                                                        "nextval('t_id_seq'::regclass)")};
  auto live = m;
  live[1].default_value = "nextval('old_name_id_seq'::regclass)";
  EXPECT_TRUE(compare_schema(m, live).empty());
}

}  // namespace
