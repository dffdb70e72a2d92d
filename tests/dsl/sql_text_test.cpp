// Tests of sql::canonical, sql::split_statements and sql::contains_transaction_control.
#include <gtest/gtest.h>

#include <migc/dsl/sql_text.hpp>
#include <string>
#include <vector>

namespace sql = migc::dsl::sql;

namespace {

std::vector<std::string> statements_of(std::string_view text) {
  std::vector<std::string> out;
  for (migc::dsl::span const& s : sql::split_statements(text)) {
    out.emplace_back(text.substr(s.begin, s.end - s.begin));
  }
  return out;
}

}  // namespace

TEST(sql_canonical, collapses_whitespace_runs_and_trims) {
  EXPECT_EQ(sql::canonical("  UPDATE users\n\tSET  a = 1\r\n  WHERE b   IS NULL \n"),
            "UPDATE users SET a = 1 WHERE b IS NULL");
}

TEST(sql_canonical, removes_line_and_block_comments_as_whitespace) {
  EXPECT_EQ(sql::canonical("-- head\nSELECT 1 -- tail\n, 2/* x */+3"), "SELECT 1 , 2 +3");
  EXPECT_EQ(sql::canonical("a/**/b"), "a b");
}

TEST(sql_canonical, removes_nested_block_comments_whole) {
  EXPECT_EQ(sql::canonical("SELECT /* a /* b */ still comment */ 1"), "SELECT 1");
}

TEST(sql_canonical, keeps_string_literals_byte_exact) {
  EXPECT_EQ(sql::canonical("SELECT 'a  --  b', 'it''s  /* x */'"),
            "SELECT 'a  --  b', 'it''s  /* x */'");
}

TEST(sql_canonical, keeps_escape_strings_with_backslash_quotes) {
  EXPECT_EQ(sql::canonical("SELECT E'a\\'  b',  x"), "SELECT E'a\\'  b', x");
  EXPECT_EQ(sql::canonical("SELECT e'\\\\'  ,  1"), "SELECT e'\\\\' , 1");
}

TEST(sql_canonical, keeps_quoted_identifiers_byte_exact) {
  EXPECT_EQ(sql::canonical("SELECT \"my  col\"\"x\"   FROM t"), "SELECT \"my  col\"\"x\" FROM t");
}

TEST(sql_canonical, keeps_dollar_quotes_byte_exact_and_matches_their_tag) {
  EXPECT_EQ(sql::canonical("DO  $x$ BEGIN  $$ -- not a comment $$ END $x$  ;"),
            "DO $x$ BEGIN  $$ -- not a comment $$ END $x$ ;");
}

TEST(sql_canonical, treats_dollar_digit_as_a_parameter_not_a_quote) {
  EXPECT_EQ(sql::canonical("SELECT  $1,   $2"), "SELECT $1, $2");
}

TEST(sql_canonical, keeps_dollars_inside_identifiers) {
  EXPECT_EQ(sql::canonical("SELECT a$b$   c$"), "SELECT a$b$ c$");
}

TEST(sql_canonical, normalises_crlf_inside_literals) {
  EXPECT_EQ(sql::canonical("SELECT 'a\r\nb'"), sql::canonical("SELECT 'a\nb'"));
  EXPECT_EQ(sql::canonical("SELECT 'a\rb'"), "SELECT 'a\rb'");
}

TEST(sql_canonical, is_unchanged_by_reformatting) {
  EXPECT_EQ(
      sql::canonical(
          "UPDATE users SET full_name = first_name || ' ' || last_name WHERE full_name IS NULL"),
      sql::canonical(
          "\n        UPDATE users\n           SET full_name = first_name || ' ' || last_name"
          "  -- backfill\n         WHERE full_name IS NULL\n    "));
}

TEST(sql_canonical, keeps_the_rest_of_an_unterminated_literal_or_comment) {
  EXPECT_EQ(sql::canonical("SELECT  'abc  def"), "SELECT 'abc  def");
  EXPECT_EQ(sql::canonical("SELECT  /* abc  def"), "SELECT /* abc  def");
  EXPECT_EQ(sql::canonical("SELECT  $q$ abc  def"), "SELECT $q$ abc  def");
  EXPECT_EQ(sql::canonical("SELECT E'abc\\"), "SELECT E'abc\\");
}

TEST(sql_canonical, returns_empty_for_only_whitespace_and_comments) {
  EXPECT_EQ(sql::canonical(""), "");
  EXPECT_EQ(sql::canonical(" \n -- x\n /* y */ \t"), "");
}

TEST(sql_split_statements, splits_at_top_level_semicolons) {
  EXPECT_EQ(statements_of("SELECT 1; SELECT 2 ;\nSELECT 3"),
            (std::vector<std::string>{"SELECT 1", "SELECT 2", "SELECT 3"}));
}

TEST(sql_split_statements, ignores_semicolons_in_literals_comments_and_dollar_quotes) {
  std::string const text =
      "INSERT INTO t VALUES ('a;b', \"c;d\", E'\\';');\n"
      "-- x; y\n"
      "/* p; /* q; */ r; */\n"
      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;";
  EXPECT_EQ(statements_of(text),
            (std::vector<std::string>{
                "INSERT INTO t VALUES ('a;b', \"c;d\", E'\\';')",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql"}));
}

TEST(sql_split_statements, drops_empty_and_comment_only_statements) {
  EXPECT_EQ(statements_of(";;  ; -- c\n; /* d */ ;"), std::vector<std::string>{});
  EXPECT_EQ(statements_of(""), std::vector<std::string>{});
}

TEST(sql_split_statements, reports_byte_ranges_into_the_input) {
  auto const spans = sql::split_statements("  a;  b  ");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].end, 3u);
  EXPECT_EQ(spans[1].begin, 6u);
  EXPECT_EQ(spans[1].end, 7u);
}

TEST(sql_split_statements, keeps_a_sql_standard_function_body_whole) {
  std::string const text =
      "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n"
      "SELECT 3";
  auto const statements = statements_of(text);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1], "SELECT 3");
}

TEST(sql_transaction_control, finds_transaction_statements_in_any_case) {
  for (char const* text : {"BEGIN", "begin transaction isolation level serializable",
                           "START TRANSACTION", "commit", "END", "ROLLBACK", "rollback work",
                           "Abort", "UPDATE t SET a = 1; COMMIT;", "/* x */ -- y\n COMMIT"}) {
    EXPECT_TRUE(sql::contains_transaction_control(text)) << text;
  }
}

TEST(sql_transaction_control, ignores_savepoints_literals_and_routine_bodies) {
  for (char const* text :
       {"SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE s", "ROLLBACK TO s",
        "SELECT 'BEGIN'; SELECT \"commit\"", "START x", "DO $$ BEGIN PERFORM 1; END $$",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", "", "-- COMMIT",
        "beginning", "UPDATE t SET x = 1"}) {
    EXPECT_FALSE(sql::contains_transaction_control(text)) << text;
  }
}

TEST(sql_temp_discard, finds_discard_temp_and_all_but_not_plans_or_literals) {
  for (char const* text : {"DISCARD TEMP", "discard temporary", "SELECT 1; Discard All;"}) {
    EXPECT_TRUE(sql::contains_temp_discard(text)) << text;
  }
  for (char const* text : {"DISCARD PLANS", "DISCARD SEQUENCES", "SELECT 'DISCARD ALL'",
                           "-- DISCARD ALL", "DO $$ BEGIN EXECUTE 'x'; END $$", "discard", ""}) {
    EXPECT_FALSE(sql::contains_temp_discard(text)) << text;
  }
}

TEST(sql_text, survives_hostile_input) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 37 + 11) % 256);
  std::string const nested = std::string(10000, '(') + std::string(10000, ')');
  for (std::string const& text :
       {bytes, nested, std::string("$"), std::string("E"), std::string("'"), std::string("/*/"),
        std::string("$a"), std::string("\"")}) {
    (void)sql::canonical(text);
    (void)sql::split_statements(text);
    (void)sql::contains_transaction_control(text);
  }
  EXPECT_EQ(sql::canonical(nested), nested);
}
