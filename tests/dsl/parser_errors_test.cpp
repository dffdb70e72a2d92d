// Tests of every syntax-error path: exact line:col, message, help and underlined span.
#include <gtest/gtest.h>

#include <sstream>

#include "parse_helpers.hpp"

using namespace migc::dsl;
using test::error_of;

namespace {

constexpr char const* header = "revision 001 \"x\" ";  // 17 bytes: what follows starts at column 18

}  // namespace

TEST(parser, reports_an_empty_file_at_its_start) {
  auto const e = error_of("");
  EXPECT_EQ(e.at, "1:1");
  EXPECT_EQ(e.message, "expected 'revision', found end of file");
}

TEST(parser, reports_a_file_with_only_a_comment_after_the_comment) {
  auto const e = error_of("-- nothing here\n\n");
  EXPECT_EQ(e.at, "1:16");
  EXPECT_EQ(e.message, "expected 'revision', found end of file");
}

TEST(parser, requires_the_revision_keyword_to_be_a_whole_word) {
  auto const e = error_of("revisionx 001 \"x\" upgrade {}");
  EXPECT_EQ(e.at, "1:1");
  EXPECT_EQ(e.message, "expected 'revision', found 'revisionx'");
  EXPECT_EQ(e.where.end - e.where.begin, 9u);
}

TEST(parser, reports_missing_revision_id_at_its_column) {
  auto const e = error_of("revision \"x\" upgrade {}");
  EXPECT_EQ(e.at, "1:10");
  EXPECT_EQ(e.message, "expected revision id, found '\"'");
  EXPECT_EQ(e.help, "a revision id is a decimal number, e.g. 'revision 002 revises 001'");
}

TEST(parser, reports_a_word_where_the_revision_id_belongs) {
  auto const e = error_of("-- c\n  revision   abc \"x\"");
  EXPECT_EQ(e.at, "2:14");
  EXPECT_EQ(e.message, "expected revision id, found 'abc'");
}

TEST(parser, rejects_digits_followed_by_letters_as_revision_id) {
  auto const e = error_of("revision 001abc \"x\" upgrade {}");
  EXPECT_EQ(e.at, "1:10");
  EXPECT_EQ(e.message, "expected revision id, found '001abc'");
}

TEST(parser, reports_missing_parent_id_after_revises) {
  auto const e = error_of("revision 002 revises \"x\" upgrade {}");
  EXPECT_EQ(e.at, "1:22");
  EXPECT_EQ(e.message, "expected revision id, found '\"'");
}

TEST(parser, reports_missing_description) {
  auto const e = error_of("revision 001\nupgrade {}");
  EXPECT_EQ(e.at, "2:1");
  EXPECT_EQ(e.message, "expected description string, found 'upgrade'");
  EXPECT_EQ(e.help, "describe the revision in double quotes, e.g. \"add users.full_name\"");
}

TEST(parser, reports_an_unterminated_description_at_its_opening_quote) {
  auto const e = error_of("revision 001 \"Backfill\nupgrade {}");
  EXPECT_EQ(e.at, "1:14");
  EXPECT_EQ(e.message, "unterminated string");
  EXPECT_EQ(e.help, "close the string with '\"' before the end of the line");
  EXPECT_EQ(e.where.end - e.where.begin, 1u);
}

TEST(parser, reports_a_description_cut_by_the_end_of_the_file) {
  auto const e = error_of("revision 001 \"abc \\\"");
  EXPECT_EQ(e.at, "1:14");
  EXPECT_EQ(e.message, "unterminated string");
}

TEST(parser, reports_an_unknown_escape_in_a_string) {
  auto const e = error_of("revision 001 \"a\\qb\" upgrade {}");
  EXPECT_EQ(e.at, "1:16");
  EXPECT_EQ(e.message, "unknown escape sequence '\\q' in string");
  EXPECT_EQ(e.where.end - e.where.begin, 2u);
}

TEST(parser, reports_a_non_printable_escape_by_its_byte_value) {
  auto const e = error_of("revision 001 \"a\\\xE3\" upgrade {}");
  EXPECT_EQ(e.message, "unknown escape sequence '\\' followed by byte 0xe3 in string");
}

TEST(parser, reports_without_not_followed_by_transaction) {
  auto const e = error_of(std::string(header) + "without upgrade {}");
  EXPECT_EQ(e.at, "1:26");
  EXPECT_EQ(e.message, "expected 'transaction', found 'upgrade'");
}

TEST(parser, reports_a_missing_upgrade_block) {
  auto const e = error_of("revision 001 \"x\"\ndowngrade { irreversible }");
  EXPECT_EQ(e.at, "2:1");
  EXPECT_EQ(e.message, "expected 'upgrade', found 'downgrade'");
}

TEST(parser, reports_a_missing_opening_brace) {
  auto const e = error_of(std::string(header) + "upgrade sql $$ x $$ }");
  EXPECT_EQ(e.at, "1:26");
  EXPECT_EQ(e.message, "expected '{', found 'sql'");
  EXPECT_EQ(e.help, "a block's steps go between braces: upgrade { ... }");
}

TEST(parser, reports_an_unknown_step_at_its_first_character) {
  auto const e = error_of(std::string(header) + "upgrade {\n    frob table users\n}");
  EXPECT_EQ(e.at, "2:5");
  EXPECT_EQ(e.message,
            "expected step (sql, create, drop, rename, add, alter, backfill or irreversible), "
            "found 'frob'");
  EXPECT_EQ(e.where.end - e.where.begin, 4u);
}

TEST(parser, reports_a_punctuation_character_where_a_step_belongs) {
  auto const e = error_of(std::string(header) + "upgrade { ; }");
  EXPECT_EQ(e.at, "1:28");
  EXPECT_EQ(
      e.message,
      "expected step (sql, create, drop, rename, add, alter, backfill or irreversible), found ';'");
}

TEST(parser, reports_a_missing_closing_brace_after_the_last_token) {
  auto const e = error_of(std::string(header) + "upgrade {\n  sql $$ x $$\n\n");
  EXPECT_EQ(e.at, "2:14");
  EXPECT_EQ(e.message, "expected '}', found end of file");
  EXPECT_EQ(e.where.begin, e.where.end);
}

TEST(parser, reports_sql_without_a_dollar_quoted_body) {
  auto const e = error_of(std::string(header) + "upgrade { sql UPDATE t SET a = 1 }");
  EXPECT_EQ(e.at, "1:32");
  EXPECT_EQ(e.message, "expected dollar-quoted SQL body, found 'UPDATE'");
  EXPECT_EQ(e.help, "put the SQL between dollar quotes: sql $$ ... $$");
}

TEST(parser, does_not_take_a_parameter_for_a_dollar_quote) {
  auto const e = error_of(std::string(header) + "upgrade { sql $1 }");
  EXPECT_EQ(e.at, "1:32");
  EXPECT_EQ(e.message, "expected dollar-quoted SQL body, found '$'");
}

TEST(parser, reports_an_unterminated_dollar_quote_at_its_opening_delimiter) {
  auto const e = error_of(std::string(header) + "upgrade {\n  sql $body$ SELECT 1 $$\n}\n");
  EXPECT_EQ(e.at, "2:7");
  EXPECT_EQ(e.message, "unterminated dollar-quoted string: no closing '$body$'");
  EXPECT_EQ(e.where.end - e.where.begin, 6u);
}

TEST(parser, reports_an_unterminated_empty_tag_dollar_quote) {
  auto const e = error_of(std::string(header) + "upgrade { sql $$ SELECT 1 }");
  EXPECT_EQ(e.at, "1:32");
  EXPECT_EQ(e.message, "unterminated dollar-quoted string: no closing '$$'");
}

TEST(parser, reports_an_unterminated_irreversible_reason) {
  auto const e = error_of(std::string(header) + "upgrade { irreversible \"why }");
  EXPECT_EQ(e.at, "1:41");
  EXPECT_EQ(e.message, "unterminated string");
}

TEST(parser, reports_trailing_garbage_after_the_upgrade_block) {
  auto const e = error_of(std::string(header) + "upgrade { }\njunk");
  EXPECT_EQ(e.at, "2:1");
  EXPECT_EQ(e.message, "expected end of file, found 'junk'");
  EXPECT_EQ(e.help,
            "a file holds one revision: an 'upgrade' block and an optional 'downgrade' block");
}

TEST(parser, reports_a_second_upgrade_block) {
  auto const e = error_of(std::string(header) + "upgrade { } downgrade { } upgrade { }");
  EXPECT_EQ(e.at, "1:44");
  EXPECT_EQ(e.message, "expected end of file, found 'upgrade'");
}

TEST(parser, reports_a_downgrade_without_braces) {
  auto const e = error_of(std::string(header) + "upgrade { } downgrade irreversible");
  EXPECT_EQ(e.at, "1:40");
  EXPECT_EQ(e.message, "expected '{', found 'irreversible'");
}

TEST(parser, reports_an_invalid_byte_by_its_value) {
  auto const e = error_of("\n\xE3");
  EXPECT_EQ(e.at, "2:1");
  EXPECT_EQ(e.message, "expected 'revision', found byte 0xe3");
  EXPECT_EQ(e.where.end - e.where.begin, 1u);
}

TEST(parser, shows_a_utf8_word_whole) {
  auto const e = error_of("r\xC3\xA9vision 1");
  EXPECT_EQ(e.message, "expected 'revision', found 'r\xC3\xA9vision'");
}

TEST(parser, shortens_a_very_long_word_in_the_message) {
  auto const e = error_of("revision 1 \"x\" upgrade { " + std::string(100, 'a') + " }");
  EXPECT_EQ(
      e.message,
      "expected step (sql, create, drop, rename, add, alter, backfill or irreversible), found '" +
          std::string(40, 'a') + "'");
}

TEST(parser, reports_exactly_one_diagnostic_with_code_syntax) {
  auto const p = test::parse("revision x");
  EXPECT_FALSE(p->revision);
  ASSERT_EQ(p->engine.diagnostics().size(), 1u);
  EXPECT_EQ(p->engine.diagnostics()[0].code, "syntax");
  EXPECT_EQ(p->engine.diagnostics()[0].level, severity::error);
}

TEST(parser, renders_a_syntax_error_with_a_caret_under_the_token) {
  auto const p = test::parse("revision 001 \"x\"\nupgrade {\n\tfrob table users\n}\n", "m/001.mig");
  std::ostringstream out;
  render_text(out, p->engine);
  EXPECT_EQ(out.str(),
            "m/001.mig:3:9: error: expected step (sql, create, drop, rename, add, alter, "
            "backfill or irreversible), found 'frob'\n"
            "\tfrob table users\n"
            "\t^~~~\n"
            "1 error generated.\n");
}
