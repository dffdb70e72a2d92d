// Tests of diagnostic_engine (counts, werror, limit) and the exact text and JSON output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/dsl/diagnostics.hpp>
#include <sstream>
#include <stdexcept>

using ::testing::HasSubstr;
using ::testing::Not;

using namespace migc::dsl;

namespace {

/// A registered code of each level (the engine refuses unregistered ones).
std::string code_for(severity level) {
  switch (level) {
    case severity::error:
      return "syntax";
    case severity::warning:
      return "short-id";
    case severity::note:
      return "sql-not-modelled";
  }
  return "";
}

diagnostic make(severity level, std::string message, location where = {}) {
  diagnostic d;
  d.level = level;
  d.code = code_for(level);
  d.where = where;
  d.message = std::move(message);
  return d;
}

std::string text_of(diagnostic_engine const& engine, bool color = false) {
  std::ostringstream out;
  render_text(out, engine, {color});
  return out.str();
}

std::string json_of(diagnostic_engine const& engine) {
  std::ostringstream out;
  render_json(out, engine);
  return out.str();
}

}  // namespace

TEST(diagnostic_engine, counts_errors_and_warnings_but_not_notes) {
  diagnostic_engine engine;
  engine.report(make(severity::error, "a"));
  engine.report(make(severity::warning, "b"));
  engine.report(make(severity::note, "c"));
  EXPECT_EQ(engine.error_count(), 1u);
  EXPECT_EQ(engine.warning_count(), 1u);
  EXPECT_TRUE(engine.has_errors());
  EXPECT_EQ(engine.diagnostics().size(), 3u);
}

TEST(diagnostic_engine, werror_stores_warnings_as_errors_with_message_unchanged) {
  diagnostic_engine engine(true);
  engine.report(make(severity::warning, "risky step"));
  EXPECT_EQ(engine.error_count(), 1u);
  EXPECT_EQ(engine.warning_count(), 0u);
  ASSERT_EQ(engine.diagnostics().size(), 1u);
  EXPECT_EQ(engine.diagnostics()[0].level, severity::error);
  EXPECT_EQ(engine.diagnostics()[0].message, "risky step");
  EXPECT_TRUE(engine.diagnostics()[0].promoted_from_warning);
  EXPECT_EQ(text_of(engine), "migc: error: risky step [-Werror]\n1 error generated.\n");
}

TEST(diagnostic_engine, stops_after_the_error_limit_with_one_extra_error) {
  diagnostic_engine engine(false, 2);
  for (int i = 0; i < 5; ++i) engine.report(make(severity::error, "e" + std::to_string(i)));
  engine.report(make(severity::warning, "late warning"));
  EXPECT_TRUE(engine.limit_reached());
  ASSERT_EQ(engine.diagnostics().size(), 3u);
  EXPECT_EQ(engine.diagnostics()[1].message, "e1");
  EXPECT_EQ(engine.diagnostics()[2].message, "too many errors emitted, stopping now");
  EXPECT_EQ(engine.diagnostics()[2].code, "error-limit");
  EXPECT_EQ(engine.diagnostics()[2].where.file, nullptr);
  EXPECT_EQ(engine.error_count(), 3u);
  EXPECT_EQ(engine.warning_count(), 0u);
}

TEST(diagnostic_engine, does_not_reach_the_limit_with_exactly_limit_errors) {
  diagnostic_engine engine(false, 2);
  engine.report(make(severity::error, "a"));
  engine.report(make(severity::error, "b"));
  engine.report(make(severity::warning, "w"));
  EXPECT_FALSE(engine.limit_reached());
  EXPECT_EQ(engine.diagnostics().size(), 3u);
}

TEST(diagnostic_engine, error_limit_zero_means_unlimited) {
  diagnostic_engine engine(false, 0);
  for (int i = 0; i < 100; ++i) engine.report(make(severity::error, "e"));
  EXPECT_FALSE(engine.limit_reached());
  EXPECT_EQ(engine.error_count(), 100u);
}

TEST(render_text, prints_location_source_line_caret_and_tildes) {
  source_file const file("m/x.mig", "revision 001 \"x\"\nupgrade {\n    frob table users\n}\n");
  diagnostic_engine engine;
  engine.report(make(severity::error, "unknown step 'frob'", {&file, {31, 35}}));
  EXPECT_EQ(text_of(engine),
            "m/x.mig:3:5: error: unknown step 'frob'\n"
            "    frob table users\n"
            "    ^~~~\n"
            "1 error generated.\n");
}

TEST(render_text, copies_tabs_of_the_source_line_into_the_caret_line) {
  source_file const file("x.mig", "upgrade {\n\tsql\t$$ x\n}");
  diagnostic_engine engine;
  engine.report(make(severity::error, "bad", {&file, {15, 17}}));
  EXPECT_EQ(text_of(engine),
            "x.mig:2:17: error: bad\n"
            "\tsql\t$$ x\n"
            "\t   \t^~\n"
            "1 error generated.\n");
}

TEST(render_text, counts_utf8_characters_once_in_the_caret_line) {
  source_file const file("x.mig", "\"\xC3\xA9t\xC3\xA9\" oops");
  diagnostic_engine engine;
  engine.report(make(severity::warning, "w", {&file, {1, 6}}));
  EXPECT_EQ(text_of(engine),
            "x.mig:1:2: warning: w\n"
            "\"\xC3\xA9t\xC3\xA9\" oops\n"
            " ^~~\n"
            "1 warning generated.\n");
}

TEST(render_text, shows_an_empty_span_as_a_single_caret) {
  source_file const file("x.mig", "abc");
  diagnostic_engine engine;
  engine.report(make(severity::error, "expected '}'", {&file, {3, 3}}));
  EXPECT_EQ(text_of(engine), "x.mig:1:4: error: expected '}'\nabc\n   ^\n1 error generated.\n");
}

TEST(render_text, stops_the_tildes_at_the_end_of_the_first_line) {
  source_file const file("x.mig", "ab\ncd");
  diagnostic_engine engine;
  engine.report(make(severity::error, "m", {&file, {0, 5}}));
  EXPECT_EQ(text_of(engine), "x.mig:1:1: error: m\nab\n^~\n1 error generated.\n");
}

TEST(render_text, shows_a_window_around_the_span_of_a_very_long_line) {
  std::string const line = std::string(1000, 'a') + "BAD" + std::string(1000, 'z');
  source_file const file("x.mig", line + "\n");
  diagnostic_engine engine;
  engine.report(make(severity::error, "m", {&file, {1000, 1003}}));
  std::string const shown = "..." + std::string(60, 'a') + "BAD" + std::string(97, 'z') + "...";
  EXPECT_EQ(text_of(engine), "x.mig:1:1001: error: m\n" + shown + "\n" + std::string(63, ' ') +
                                 "^~~\n1 error generated.\n");
}

TEST(render_text, cuts_a_long_line_only_between_utf8_characters) {
  std::string line;
  for (int i = 0; i < 200; ++i) line += "\xC3\xA9";  // 400 bytes of 'é'
  source_file const file("x.mig", line);
  diagnostic_engine engine;
  engine.report(make(severity::error, "m", {&file, {201, 203}}));  // inside a character
  std::string const text = text_of(engine);
  std::size_t const from = text.find('\n') + 1;
  std::string const snippet = text.substr(from, text.find('\n', from) - from);
  ASSERT_EQ(snippet.substr(0, 3), "...");
  EXPECT_EQ(snippet.substr(3, 2), "\xC3\xA9");
  EXPECT_EQ(snippet.substr(snippet.size() - 5), "\xC3\xA9...");
}

TEST(render_text, prints_notes_with_their_own_snippet_then_help) {
  source_file const a("a.mig", "revision 002 revises 001 \"a\"");
  source_file const b("b.mig", "revision 003 revises 001 \"b\"");
  diagnostic d = make(severity::error, "fork: two revisions revise 001", {&b, {21, 24}});
  d.notes.push_back({{&a, {21, 24}}, "'a.mig' also revises 001"});
  d.help = "renumber 'b.mig' to revise 002";
  diagnostic_engine engine;
  engine.report(std::move(d));
  engine.report(make(severity::warning, "short id"));
  EXPECT_EQ(text_of(engine),
            "b.mig:1:22: error: fork: two revisions revise 001\n"
            "revision 003 revises 001 \"b\"\n"
            "                     ^~~\n"
            "a.mig:1:22: note: 'a.mig' also revises 001\n"
            "revision 002 revises 001 \"a\"\n"
            "                     ^~~\n"
            "help: renumber 'b.mig' to revise 002\n"
            "migc: warning: short id\n"
            "1 error and 1 warning generated.\n");
}

TEST(render_text, pluralises_the_summary_line) {
  diagnostic_engine engine;
  engine.report(make(severity::error, "a"));
  engine.report(make(severity::error, "b"));
  engine.report(make(severity::warning, "c"));
  engine.report(make(severity::warning, "d"));
  std::string const text = text_of(engine);
  EXPECT_EQ(text.substr(text.rfind("migc: warning: d\n") + 17),
            "2 errors and 2 warnings generated.\n");
}

TEST(render_text, prints_nothing_when_nothing_was_reported) {
  diagnostic_engine engine;
  EXPECT_EQ(text_of(engine), "");
}

TEST(render_text, uses_ansi_colours_only_when_asked) {
  diagnostic_engine engine;
  engine.report(make(severity::error, "boom"));
  EXPECT_THAT(text_of(engine, false), Not(HasSubstr("\x1b")));
  EXPECT_EQ(
      text_of(engine, true),
      "\x1b[1mmigc:\x1b[0m \x1b[1m\x1b[31merror:\x1b[0m \x1b[1mboom\x1b[0m\n1 error generated.\n");
}

TEST(render_json, renders_every_field_of_a_located_diagnostic) {
  source_file const file("x.mig", "ab\ncdef");
  diagnostic d = make(severity::error, "bad 'cd'", {&file, {3, 5}});
  d.code = "syntax";
  d.notes.push_back({{&file, {0, 1}}, "here"});
  d.help = "fix it";
  diagnostic_engine engine;
  engine.report(std::move(d));
  EXPECT_EQ(
      json_of(engine),
      R"({"format_version":1,"diagnostics":[{"severity":"error","code":"syntax","file":"x.mig",)"
      R"("line":2,"column":1,"end_line":2,"end_column":3,"message":"bad 'cd'","notes":[{"file":"x.mig",)"
      R"("line":1,"column":1,"end_line":1,"end_column":2,"message":"here"}],"help":"fix it"}]})"
      "\n");
}

TEST(diagnostic_engine, refuses_a_code_missing_from_the_registry_or_at_another_level) {
  diagnostic_engine engine;
  diagnostic unknown = make(severity::error, "m");
  unknown.code = "no-such-code";
  EXPECT_THROW(engine.report(unknown), std::logic_error);
  diagnostic wrong_level = make(severity::warning, "m");
  wrong_level.code = "syntax";
  EXPECT_THROW(engine.report(wrong_level), std::logic_error);
  EXPECT_TRUE(engine.diagnostics().empty());
}

TEST(render_json, uses_null_for_a_missing_location_and_help) {
  diagnostic_engine engine;
  engine.report(make(severity::warning, "w"));
  EXPECT_EQ(
      json_of(engine),
      R"({"format_version":1,"diagnostics":[{"severity":"warning","code":"short-id","file":null,"line":null,)"
      R"("column":null,"end_line":null,"end_column":null,"message":"w","notes":[],"help":null}]})"
      "\n");
}

TEST(render_json, escapes_quotes_backslashes_and_control_characters_and_keeps_utf8) {
  diagnostic_engine engine;
  engine.report(make(severity::error, "\"q\" \\ \n\t\r\b\f\x01\x1f \xC3\xA9\xE2\x82\xAC"));
  std::string const json = json_of(engine);
  EXPECT_THAT(json, HasSubstr(R"("message":"\"q\" \\ \n\t\r\b\f\u0001\u001f )"
                              "\xC3\xA9\xE2\x82\xAC\""));
}

TEST(render_json, replaces_ill_formed_utf8_so_the_document_stays_valid) {
  diagnostic_engine engine;
  engine.report(make(severity::error, "a\xE3z\xC0\xAF"));
  // U+FFFD (EF BF BD) for each byte that starts no well-formed sequence.
  EXPECT_THAT(json_of(engine), HasSubstr("\"message\":\"a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\""));
}

TEST(render_json, renders_an_empty_engine) {
  diagnostic_engine engine;
  EXPECT_EQ(json_of(engine), "{\"format_version\":1,\"diagnostics\":[]}\n");
}
