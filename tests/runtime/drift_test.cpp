// Unit tests of schema drift as a pure function: the model's objects vs live objects -> findings.
#include "drift.hpp"

#include <gtest/gtest.h>

namespace {

using migc::runtime::compare_schema;
using migc::runtime::db_object;
using migc::runtime::drift_finding;

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

/// The pure comparison with defaults compared as text: how the server spells defaults is
/// default_spelling's (tests/runtime/default_spelling_test.cpp, against PostgreSQL).
std::vector<drift_finding> compare(std::vector<db_object> const& model,
                                   std::vector<db_object> const& live) {
  return compare_schema(model, live, [](db_object const& m, db_object const& l) {
    return m.default_value == l.default_value;
  });
}

std::vector<std::string> messages(std::vector<drift_finding> const& findings) {
  std::vector<std::string> out;
  for (auto const& f : findings) out.push_back(f.message);
  return out;
}

TEST(drift, identical_schemas_have_no_findings) {
  EXPECT_TRUE(compare(model(), model()).empty());
}

TEST(drift, hand_changes_are_reported_one_per_line) {
  auto live = model();
  live.erase(live.begin() + 2);            // full_name dropped
  live[5].type = "character varying(20)";  // memories.task_id retyped
  live.push_back(index("public.memories", "public.memories_kind", "kind"));
  EXPECT_EQ(messages(compare(model(), live)),
            (std::vector<std::string>{
                "missing column public.users.full_name",
                "column public.memories.task_id: type is character varying(20), model says text",
                "extra index public.memories_kind (not in the model: created by hand, or by SQL "
                "migc did not see)"}));
  for (auto const& f : compare(model(), live)) EXPECT_EQ(f.what, drift_finding::kind::drift);
}

TEST(drift, nullability_default_index_constraint_and_enum_differences) {
  auto live = model();
  live[2].not_null = true;
  live[7].default_value = "";
  live[11] = index("public.memories", "public.memories_task_id", "task_id, id", true, true);
  live[3] = constraint("public.users", "users_pkey", "unique", "id");
  live[12].columns = "'happy', 'meh', 'sad'";
  EXPECT_EQ(messages(compare(model(), live)),
            (std::vector<std::string>{
                "column public.users.full_name: not null, model says nullable",
                "constraint users_pkey on public.users: kind is unique, model says primary key",
                "column public.memories.created_at: default is none, model says now()",
                "index public.memories_task_id: partial, model says not partial",
                "index public.memories_task_id: kind is unique index, model says index",
                "index public.memories_task_id: columns (task_id, id), model says (task_id)",
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
  EXPECT_EQ(messages(compare(model(), live)),
            (std::vector<std::string>{"missing table public.memories",
                                      "extra table public.scratch (not in the model: created by "
                                      "hand, or by SQL migc did not see)"}));
}

db_object unknown(std::string name) {
  return {"unknown", "", std::move(name), "", "", "", false, false};
}

TEST(drift, objects_a_statement_the_model_does_not_follow_named_are_not_modelled) {
  auto with_unknown = model();
  with_unknown.push_back(unknown("public.audit_log"));
  with_unknown.push_back(unknown("staging."));  // a whole schema
  auto live = model();
  live.push_back(table("public.audit_log"));
  live.push_back(column("public.audit_log", "id", "bigint", true));
  live.push_back(index("public.audit_log", "public.audit_log_id", "id"));
  live.push_back(table("staging.rows"));
  live.push_back(table("public.by_hand"));
  auto const findings = compare(with_unknown, live);
  EXPECT_EQ(
      messages(findings),
      (std::vector<std::string>{
          "not modelled: table public.audit_log (a statement the model does not follow names it)",
          "not modelled: table staging.rows (a statement the model does not follow names it)",
          "extra table public.by_hand (not in the model: created by hand, or by SQL migc did "
          "not see)"}));
  EXPECT_EQ(findings.back().what, drift_finding::kind::drift);
}

TEST(drift, a_modelled_object_that_differs_is_drift_whoever_created_it) {
  auto live = model();
  live[6].type = "integer";
  auto const findings = compare(model(), live);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].what, drift_finding::kind::drift);
  EXPECT_EQ(findings[0].message,
            "column public.memories.task_id: type is integer, model says text");
}

TEST(drift, compares_sequences_views_functions_triggers_types_and_comments) {
  std::vector<db_object> const modelled{
      {"sequence", "", "public.ticket_no", "bigint", "owned by public.users.id", "", false, false},
      {"view", "", "public.active_users", "", "", "", false, false},
      {"function", "", "public.touch()", "", "plpgsql", "0cc175b9c0f1b6a831c399e269772661", false,
       false},
      {"trigger", "public.users", "users_touch", "before update for each row", "public.touch", "",
       false, false},
      {"type", "", "public.email", "domain", "", "", false, false},
      {"comment", "table", "public.users", "", "people", "", false, false},
      {"extension", "", "pg_trgm", "", "", "", false, false}};
  auto live = modelled;
  live[0].type = "integer";
  live[2].default_value = "92eb5ffee6ae2fec3ad71c777531578f";
  live[3].type = "after update for each row";
  live[5].columns = "persons";
  live.erase(live.begin() + 6);
  live.push_back({"materialized view", "", "public.stats", "", "", "", false, false});
  EXPECT_EQ(
      messages(compare(modelled, live)),
      (std::vector<std::string>{
          "sequence public.ticket_no: type is integer, model says bigint",
          "function public.touch(): its body differs from the model's (md5 "
          "92eb5ffee6ae2fec3ad71c777531578f, model says 0cc175b9c0f1b6a831c399e269772661)",
          "trigger users_touch on public.users: timing is after update for each row, model "
          "says before update for each row",
          "comment public.users: text is persons, model says people", "missing extension pg_trgm",
          "extra materialized view public.stats (not in the model: created by hand, or by SQL "
          "migc did not see)"}));
}

}  // namespace
