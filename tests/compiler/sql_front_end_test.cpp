// The SQL front end: PostgreSQL's parser behind sql::parse, statement classification, SQL
// expressions, canonical parse trees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/expression.hpp"
#include "sql/pg_parser.hpp"
#include "sql/statements.hpp"
#include "sql/tree.hpp"

namespace sql = migc::compiler::sql;
using migc::runtime::statement_kind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

/// The statements' texts as parse() delimits them.
std::vector<std::string> statements_of(std::string_view text) {
  std::vector<std::string> out;
  auto const parsed = sql::parse(text);
  EXPECT_THAT(parsed.problems, IsEmpty()) << text;
  for (auto const& s : parsed.statements) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

sql::statement_info classified(std::string const& text) {
  auto const parsed = sql::parse(text);
  EXPECT_EQ(parsed.statements.size(), 1u) << text;
  if (parsed.statements.empty()) return {};
  return sql::classify(sql::node(parsed.statements.front().tree));
}

std::string canonical(std::string const& text) {
  std::string out;
  for (auto const& s : sql::parse(text).statements)
    out += sql::canonical_text(s.tree.value()) + "\n";
  return out;
}

}  // namespace

TEST(sql_parse, splits_statements_as_postgresql_does) {
  EXPECT_THAT(statements_of("SELECT 1; SELECT 'a;b' ; -- c;\n SELECT $x$;$x$"),
              ElementsAre("SELECT 1", "SELECT 'a;b'", "SELECT $x$;$x$"));
  EXPECT_THAT(statements_of("  /* lead */ UPDATE t SET a = 1 ; ;  "),
              ElementsAre("UPDATE t SET a = 1"));
  EXPECT_THAT(statements_of("-- only a comment\n"), IsEmpty());
}

TEST(sql_parse, keeps_a_sql_standard_function_body_whole) {
  EXPECT_THAT(statements_of("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
                            "SELECT 2; END; SELECT 3"),
              ElementsAre("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
                          "SELECT 2; END",
                          "SELECT 3"));
}

TEST(sql_parse, reports_byte_offsets_and_recovers_after_each_error) {
  std::string const text = "SELECT 'é' FRM t;\nSELECT 1;\nSELEC 2;\nSELECT 3";
  auto const parsed = sql::parse(text);
  ASSERT_EQ(parsed.problems.size(), 2u);
  EXPECT_EQ(parsed.problems[0].where, text.find("t;"));
  EXPECT_EQ(parsed.problems[0].message, "syntax error at or near \"t\"");
  EXPECT_EQ(parsed.problems[1].where, text.find("SELEC "));
  ASSERT_EQ(parsed.statements.size(), 2u);
  EXPECT_EQ(parsed.statements[0].begin, text.find("SELECT 1"));
  EXPECT_EQ(parsed.statements[1].begin, text.find("SELECT 3"));
}

TEST(sql_parse, reads_a_psql_meta_command_to_the_end_of_its_line_and_goes_on) {
  std::string const text = "\\restrict abc\nSET x = 1;\n  \\connect db\nSELECT 1";
  auto const parsed = sql::parse(text);
  ASSERT_EQ(parsed.problems.size(), 2u);
  EXPECT_EQ(parsed.problems[0].what, sql::syntax_problem::kind::psql_meta_command);
  EXPECT_EQ(parsed.problems[0].end, text.find('\n'));
  EXPECT_EQ(parsed.problems[1].where, text.find("\\connect"));
  ASSERT_EQ(parsed.statements.size(), 2u);
  EXPECT_EQ(parsed.statements[0].begin, text.find("SET"));
}

TEST(sql_parse, refuses_invalid_utf8_before_parsing) {
  auto const parsed = sql::parse("SELECT '\xff\xfe'");
  ASSERT_EQ(parsed.problems.size(), 1u);
  EXPECT_EQ(parsed.problems[0].what, sql::syntax_problem::kind::encoding);
  EXPECT_EQ(parsed.problems[0].where, 8u);
  EXPECT_THAT(parsed.statements, IsEmpty());
}

TEST(sql_parse, survives_hostile_input) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(1 + (i * 37 + 11) % 127);
  std::string const nested = "SELECT " + std::string(20000, '(') + "1" + std::string(20000, ')');
  std::string unary = "SELECT ";
  for (int i = 0; i < 3000; ++i) unary += "-(";
  unary += "1" + std::string(3000, ')');
  std::string many_errors;
  for (int i = 0; i < 500; ++i) many_errors += "SELEC 1;\n";
  for (std::string const& text : {bytes, nested, unary, many_errors, std::string("'"),
                                  std::string("$a$"), std::string("/*"), std::string("\\")}) {
    auto const parsed = sql::parse(text);
    for (auto const& p : parsed.problems) EXPECT_LE(p.where, text.size());
  }
  EXPECT_LE(sql::parse(many_errors).problems.size(), 50u);
}

TEST(sql_classify, refuses_transaction_control_copy_through_the_client_and_session_state) {
  for (std::string const text :
       {"BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "SAVEPOINT s", "RELEASE s",
        "ROLLBACK TO s", "PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'"}) {
    auto const info = classified(text);
    ASSERT_TRUE(info.refused) << text;
    EXPECT_EQ(info.refused->code, "sql-transaction") << text;
  }
  for (std::string const text : {"COPY t FROM stdin", "COPY t (a) FROM STDIN WITH (FORMAT csv)",
                                 "COPY t TO stdout", "COPY (SELECT 1) TO STDOUT"}) {
    auto const info = classified(text);
    ASSERT_TRUE(info.refused) << text;
    EXPECT_EQ(info.refused->code, "sql-copy") << text;
  }
  for (std::string const text :
       {"SET search_path = x", "SET SESSION work_mem = '1MB'", "RESET search_path", "RESET ALL",
        "SET ROLE r", "RESET ROLE", "SET SESSION AUTHORIZATION r", "DISCARD ALL", "DISCARD TEMP",
        "SELECT pg_catalog.set_config('search_path', '', false)", "SELECT pg_advisory_lock(1)",
        "LISTEN c", "PREPARE p AS SELECT 1", "LOAD 'auto_explain'",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"}) {
    auto const info = classified(text);
    ASSERT_TRUE(info.refused) << text;
    EXPECT_EQ(info.refused->code, "sql-session") << text;
  }
}

TEST(sql_classify, accepts_transaction_local_state) {
  for (std::string const text :
       {"SET LOCAL search_path = x", "SELECT set_config('a.b', 'c', true)",
        "SELECT pg_advisory_xact_lock(1)", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "CREATE TEMP TABLE t (a int) ON COMMIT DROP", "DECLARE c CURSOR FOR SELECT 1",
        "COPY t FROM '/srv/data.csv'"}) {
    EXPECT_FALSE(classified(text).refused) << text;
  }
}

TEST(sql_classify, knows_what_postgresql_refuses_in_a_transaction_block) {
  for (std::string const text :
       {"CREATE INDEX CONCURRENTLY i ON t (a)", "DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i", "REINDEX DATABASE d", "VACUUM t", "VACUUM (FULL) t",
        "CREATE DATABASE d", "DROP DATABASE d", "ALTER SYSTEM SET a = 1",
        "CREATE TABLESPACE s LOCATION '/x'", "CLUSTER",
        "ALTER TABLE t DETACH PARTITION p CONCURRENTLY"}) {
    EXPECT_TRUE(classified(text).outside_transaction) << text;
  }
  for (std::string const text : {"CREATE INDEX i ON t (a)", "ANALYZE t", "REINDEX TABLE t",
                                 "CLUSTER t USING i", "REFRESH MATERIALIZED VIEW CONCURRENTLY v"}) {
    EXPECT_FALSE(classified(text).outside_transaction) << text;
  }
}

TEST(sql_classify, sorts_statements_by_what_they_touch) {
  EXPECT_EQ(classified("INSERT INTO t VALUES (1)").kind, statement_kind::data);
  EXPECT_EQ(classified("WITH d AS (DELETE FROM t RETURNING *) SELECT 1").kind,
            statement_kind::data);
  EXPECT_EQ(classified("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE").kind,
            statement_kind::data);
  EXPECT_EQ(classified("DO $$ BEGIN NULL; END $$").kind, statement_kind::data);
  EXPECT_EQ(classified("VACUUM t").kind, statement_kind::maintenance);
  EXPECT_EQ(classified("LOCK TABLE t IN SHARE MODE").kind, statement_kind::maintenance);
  EXPECT_EQ(classified("GRANT SELECT ON t TO r").kind, statement_kind::privileges);
  EXPECT_EQ(classified("ALTER TABLE t OWNER TO r").kind, statement_kind::schema);
  EXPECT_EQ(classified("ALTER TABLE t ADD COLUMN a int").kind, statement_kind::schema);
  EXPECT_EQ(classified("SELECT 1 INTO t").kind, statement_kind::schema);
  EXPECT_EQ(classified("CREATE TEMP TABLE s (a int)").temporary, "s");
}

TEST(sql_expression, parses_one_expression_and_names_its_columns_and_functions) {
  auto const parsed = sql::parse_expression("price * quantity > 0 AND lower(t.name) <> ''");
  auto const* e = std::get_if<sql::expression>(&parsed);
  ASSERT_TRUE(e);
  EXPECT_THAT(e->columns, ElementsAre("price", "quantity", "name"));
  EXPECT_THAT(e->functions, ElementsAre("lower"));
}

TEST(sql_expression, refuses_anything_but_one_expression) {
  for (std::string const text : {"1); DROP TABLE t; SELECT (1", "1 -- comment", "1 FROM t",
                                 "1 AS x", "(SELECT 1)", "a >> = 0", ""}) {
    EXPECT_TRUE(std::holds_alternative<sql::expression_error>(sql::parse_expression(text))) << text;
  }
  auto const error = std::get<sql::expression_error>(sql::parse_expression("a >> = 0"));
  EXPECT_EQ(error.where, 5u);
}

TEST(sql_canonical_text, ignores_layout_comments_and_keyword_case_but_not_meaning) {
  EXPECT_EQ(canonical("create table T ( id int primary key ) ; -- x"),
            canonical("CREATE TABLE t (id INT PRIMARY KEY)"));
  EXPECT_EQ(canonical("SELECT a>=1 /* c */"), canonical("select a >= 1"));
  EXPECT_NE(canonical("SELECT 'a  b'"), canonical("SELECT 'a b'"));
  EXPECT_NE(canonical("CREATE TABLE \"T\" (id int)"), canonical("CREATE TABLE t (id int)"));
  EXPECT_NE(canonical("SELECT a >= 1"), canonical("SELECT a > 1"));
}
