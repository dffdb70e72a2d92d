// Tests of sql::canonical (the frozen form of checksum version 1) and sql::match_parentheses.
#include <gtest/gtest.h>

#include <migc/dsl/sql_text.hpp>
#include <string>
#include <vector>

namespace sql = migc::dsl::sql;

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

TEST(sql_text, survives_hostile_input) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 37 + 11) % 256);
  std::string const nested = std::string(10000, '(') + std::string(10000, ')');
  for (std::string const& text :
       {bytes, nested, std::string("$"), std::string("E"), std::string("'"), std::string("/*/"),
        std::string("$a"), std::string("\"")}) {
    (void)sql::canonical(text);
    (void)sql::match_parentheses(text, 1000);
  }
  EXPECT_EQ(sql::canonical(nested), nested);
}
