// Replaying steps on the schema model: changes that reach other tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compiler_test_support.hpp"
#include "type_changes.hpp"

using migc::test::compile;
using migc::test::temp_folder;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(replay, drop_table_cascade_removes_every_foreign_key_of_a_table_that_references_it) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"a\"\nupgrade {\n"
               "    create table t0 (id bigint primary key, a text unique)\n"
               "    create table t1 (id bigint primary key, x bigint references t0, "
               "y text references t0 (a))\n}\n");
  folder.write("20250101_0000-002_b.mig",
               "revision 002 revises 001 \"b\"\nupgrade {\n"
               "    -- migc:allow(drop-table)\n    drop table t0 cascade\n}\n"
               "downgrade {\n    irreversible\n}\n");
  auto const outcome = compile(folder.path(), true);
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_THAT(outcome.chain->schema_sql, Not(HasSubstr("t1_x_fkey")));
  EXPECT_THAT(outcome.chain->schema_sql, Not(HasSubstr("t1_y_fkey")));
  EXPECT_THAT(outcome.chain->schema_sql, HasSubstr("t1_pkey"));
}

// The downgrade is replayed on the live model and undone: the next revision sees the upgrade's
// result, and names chosen later still see every constraint name in use.
TEST(replay, the_next_revision_sees_the_model_the_upgrade_left) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"a\"\nupgrade {\n"
               "    create table t0 (id bigint primary key, a text unique)\n}\n");
  folder.write("20250101_0000-002_b.mig",
               "revision 002 revises 001 \"b\"\nupgrade {\n"
               "    -- migc:allow(rename-table)\n"
               "    rename table t0 to t9\n    create table t0 (id bigint primary key)\n}\n");
  folder.write("20250101_0000-003_c.mig",
               "revision 003 revises 002 \"c\"\nupgrade {\n"
               "    create table t2 (id bigint primary key, r bigint references t9, "
               "s bigint references t0)\n}\n");
  auto const outcome = compile(folder.path(), true);
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  // t9 keeps the name t0_pkey, so the new t0 gets the next free one.
  EXPECT_THAT(outcome.chain->schema_sql, HasSubstr("CONSTRAINT t0_pkey1 PRIMARY KEY (id)"));
  EXPECT_THAT(outcome.chain->schema_sql, HasSubstr("REFERENCES t9"));
}

// A raw CHECK whose expression is a BoolExpr (its location is the AND, not the first token): the
// model keeps the whole expression, not the slice `a >= 0) AND (b <= 1` that parses only inside
// parentheses (what `migc diff` writes into `check (...)` would not build).
TEST(replay, a_raw_check_keeps_its_whole_expression) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig",
               "revision 001 \"a\"\nupgrade {\n    sql $$\n"
               "        CREATE TABLE t (a integer, b integer, CONSTRAINT t_check CHECK "
               "(((a >= 0) AND (b <= 1))))\n    $$\n}\n"
               "downgrade {\n    sql $$ DROP TABLE t $$\n}\n");
  auto const outcome = compile(folder.path(), true);
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_THAT(outcome.chain->schema_sql,
              HasSubstr("CONSTRAINT t_check CHECK ((a >= 0) AND (b <= 1))\n"));
}

// The pairs PostgreSQL 15 accepts in a foreign key, (key type, referencing type), besides a type
// with itself: the output of tests/compiler/foreign_key_types.sql over the types below.
TEST(foreign_key_types, are_the_pairs_postgresql_15_accepts) {
  std::vector<std::string> const types{
      "smallint", "integer",     "bigint",    "real",      "double precision",
      "numeric",  "boolean",     "text",      "varchar",   "char",
      "name",     "timestamptz", "timestamp", "date",      "time",
      "timetz",   "interval",    "jsonb",     "uuid",      "bytea",
      "inet",     "cidr",        "macaddr",   "macaddr8",  "money",
      "oid",      "bit",         "varbit",    "int4range", "pg_lsn",
      "tsvector", "tsquery",     "regclass",  "xid8",      "int8range",
      "numrange", "daterange",   "tsrange",   "tstzrange"};
  std::set<std::pair<std::string, std::string>> const accepted{
      {"bigint", "integer"},
      {"bigint", "smallint"},
      {"bit", "varbit"},
      {"char", "text"},
      {"char", "varchar"},
      {"cidr", "inet"},
      {"date", "timestamp"},
      {"date", "timestamptz"},
      {"double precision", "bigint"},
      {"double precision", "integer"},
      {"double precision", "numeric"},
      {"double precision", "real"},
      {"double precision", "smallint"},
      {"inet", "cidr"},
      {"integer", "bigint"},
      {"integer", "smallint"},
      {"interval", "time"},
      {"macaddr", "macaddr8"},
      {"macaddr8", "macaddr"},
      {"name", "char"},
      {"name", "text"},
      {"name", "varchar"},
      {"numeric", "bigint"},
      {"numeric", "integer"},
      {"numeric", "smallint"},
      {"oid", "bigint"},
      {"oid", "integer"},
      {"oid", "regclass"},
      {"oid", "smallint"},
      {"real", "bigint"},
      {"real", "double precision"},
      {"real", "integer"},
      {"real", "numeric"},
      {"real", "smallint"},
      {"regclass", "bigint"},
      {"regclass", "integer"},
      {"regclass", "oid"},
      {"regclass", "smallint"},
      {"smallint", "bigint"},
      {"smallint", "integer"},
      {"text", "char"},
      {"text", "name"},
      {"text", "varchar"},
      {"timestamp", "date"},
      {"timestamp", "timestamptz"},
      {"timestamptz", "date"},
      {"timestamptz", "timestamp"},
      {"timetz", "time"},
      {"varbit", "bit"},
      {"varchar", "char"},
      {"varchar", "name"},
      {"varchar", "text"},
  };
  auto const type = [](std::string const& name) {
    migc::dsl::ast::type_name t;
    t.name = name;
    return t;
  };
  for (auto const& pk : types) {
    for (auto const& fk : types) {
      bool const expected = pk == fk || accepted.count({pk, fk}) > 0;
      EXPECT_EQ(migc::compiler::foreign_key_accepts(type(pk), type(fk)), expected)
          << "key " << pk << ", foreign key " << fk;
    }
  }
  // Serial types are their integers; modifiers do not matter; arrays pair only with themselves.
  EXPECT_TRUE(migc::compiler::foreign_key_accepts(type("serial"), type("bigint")));
  auto numeric_12_2 = type("numeric");
  numeric_12_2.modifiers = {12, 2};
  EXPECT_TRUE(migc::compiler::foreign_key_accepts(numeric_12_2, type("numeric")));
  auto int_array = type("integer");
  int_array.array_dims = 1;
  auto bigint_array = type("bigint");
  bigint_array.array_dims = 1;
  EXPECT_FALSE(migc::compiler::foreign_key_accepts(int_array, bigint_array));
  EXPECT_TRUE(migc::compiler::foreign_key_accepts(int_array, int_array));
}
