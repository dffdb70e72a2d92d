// Tests of parse_revision on good input: tree, spans, keywords, comments, tags, UTF-8.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "parse_helpers.hpp"

using ::testing::HasSubstr;

using namespace migc::dsl;
using test::parse;
using test::text_at;

namespace {

ast::raw_sql_step const& sql_step(ast::block const& block, std::size_t i) {
  return std::get<ast::raw_sql_step>(block.steps.at(i));
}

// The three revisions of DESIGN.md, written with the steps of this stage (raw SQL).
constexpr char const* initial_schema = R"(-- 20250101_0900-001_initial_schema.mig
revision 001 "Initial schema"

upgrade {
    sql $$
        CREATE TABLE users (
            id         text PRIMARY KEY,
            first_name text NOT NULL,
            last_name  text NOT NULL
        );
        CREATE TABLE memories (
            id         text PRIMARY KEY,
            user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            content    text NOT NULL,
            task_id    text,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX memories_task_id ON memories (task_id);
    $$
}
downgrade {
    sql $$ DROP TABLE memories; DROP TABLE users; $$
}
)";

constexpr char const* add_new_field = R"(-- 20250101_1200-002_add_new_field.mig
revision 002 revises 001 "Add new_field to memories"

upgrade {
    sql $$ ALTER TABLE memories ADD COLUMN new_field text $$
}
downgrade {
    sql $$ ALTER TABLE memories DROP COLUMN new_field $$
}
)";

constexpr char const* backfill_full_name = R"(-- 20250102_0800-003_backfill_full_name.mig
revision 003 revises 002 "Backfill users.full_name"

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

}  // namespace

TEST(parser, parses_the_initial_schema_example) {
  auto const p = parse(initial_schema);
  ASSERT_TRUE(p->revision) << p->engine.diagnostics().at(0).message;
  ast::revision const& r = *p->revision;
  EXPECT_EQ(r.id.digits, "001");
  EXPECT_FALSE(r.parent);
  EXPECT_EQ(r.description, "Initial schema");
  EXPECT_TRUE(r.transactional);
  ASSERT_EQ(r.upgrade.steps.size(), 1u);
  EXPECT_THAT(sql_step(r.upgrade, 0).body, HasSubstr("CREATE INDEX memories_task_id"));
  ASSERT_TRUE(r.downgrade);
  EXPECT_EQ(sql_step(*r.downgrade, 0).body, " DROP TABLE memories; DROP TABLE users; ");
  EXPECT_TRUE(p->engine.diagnostics().empty());
}

TEST(parser, parses_the_add_column_example_with_its_parent) {
  auto const p = parse(add_new_field);
  ASSERT_TRUE(p->revision);
  ASSERT_TRUE(p->revision->parent);
  EXPECT_EQ(p->revision->parent->digits, "001");
  EXPECT_EQ(p->revision->description, "Add new_field to memories");
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).body,
            " ALTER TABLE memories ADD COLUMN new_field text ");
}

TEST(parser, parses_the_backfill_example_with_two_steps) {
  auto const p = parse(backfill_full_name);
  ASSERT_TRUE(p->revision);
  ast::revision const& r = *p->revision;
  EXPECT_EQ(r.id.digits, "003");
  EXPECT_EQ(r.parent->digits, "002");
  ASSERT_EQ(r.upgrade.steps.size(), 2u);
  EXPECT_EQ(sql_step(r.upgrade, 1).body,
            "\n        UPDATE users SET full_name = first_name || ' ' || last_name\n"
            "        WHERE full_name IS NULL\n    ");
}

TEST(parser, fills_the_source_span_of_every_node) {
  auto const p = parse(backfill_full_name);
  ASSERT_TRUE(p->revision);
  ast::revision const& r = *p->revision;
  EXPECT_EQ(text_at(*p, r.id.where), "003");
  EXPECT_EQ(text_at(*p, r.parent->where), "002");
  EXPECT_EQ(text_at(*p, r.description_where), "\"Backfill users.full_name\"");
  EXPECT_EQ(text_at(*p, r.where).substr(0, 12), "revision 003");
  EXPECT_EQ(text_at(*p, r.where).back(), '}');
  EXPECT_EQ(text_at(*p, r.upgrade.where).substr(0, 9), "upgrade {");
  EXPECT_EQ(text_at(*p, r.upgrade.where).back(), '}');
  EXPECT_EQ(text_at(*p, r.downgrade->where),
            "downgrade {\n    sql $$ ALTER TABLE users DROP COLUMN full_name $$\n}");
  EXPECT_EQ(text_at(*p, sql_step(r.upgrade, 0).where),
            "sql $$ ALTER TABLE users ADD COLUMN full_name text $$");
}

TEST(parser, sets_body_offset_to_the_first_byte_of_the_body) {
  auto const p = parse(backfill_full_name);
  ASSERT_TRUE(p->revision);
  for (ast::step const& s : p->revision->upgrade.steps) {
    auto const& step = std::get<ast::raw_sql_step>(s);
    EXPECT_EQ(p->file->text().substr(step.body_offset, step.body.size()), step.body);
  }
  auto const& second = sql_step(p->revision->upgrade, 1);
  EXPECT_EQ(p->file->position(second.body_offset).line, 6u);
  EXPECT_EQ(p->file->position(second.body_offset + 1).line, 7u);
}

TEST(parser, accepts_keywords_in_any_letter_case) {
  auto const p = parse(
      "REVISION 010 Revises 009 \"x\" WITHOUT Transaction\nUpgrade { SQL $$a$$ }\n"
      "DownGrade { IRREVERSIBLE \"no way back\" }");
  ASSERT_TRUE(p->revision);
  EXPECT_EQ(p->revision->id.digits, "010");
  EXPECT_FALSE(p->revision->transactional);
  auto const& irreversible = std::get<ast::irreversible_step>(p->revision->downgrade->steps.at(0));
  EXPECT_EQ(irreversible.reason, "no way back");
  EXPECT_EQ(text_at(*p, irreversible.where), "IRREVERSIBLE \"no way back\"");
}

TEST(parser, accepts_comments_wherever_whitespace_is_allowed) {
  auto const p = parse(
      "-- lead\nrevision--a\n002--b\nrevises -- c\n001 -- d\n\"x\" -- e\nwithout -- f\ntransaction "
      "-- g\n"
      "upgrade -- h\n{ -- i\nsql -- j\n$$ -- kept $$ -- k\n} -- l\ndowngrade{irreversible}-- end");
  ASSERT_TRUE(p->revision) << p->engine.diagnostics().at(0).message;
  EXPECT_EQ(p->revision->id.digits, "002");
  EXPECT_EQ(p->revision->parent->digits, "001");
  EXPECT_FALSE(p->revision->transactional);
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).body, " -- kept ");
}

TEST(parser, matches_the_closing_dollar_tag_to_the_opening_one) {
  auto const p = parse(
      "revision 1 \"x\" upgrade {\n  sql $body$ SELECT $$a$$, $x$ ; $body$\n  sql $_9$$_9$\n}");
  ASSERT_TRUE(p->revision);
  auto const& first = sql_step(p->revision->upgrade, 0);
  EXPECT_EQ(first.tag, "body");
  EXPECT_EQ(first.body, " SELECT $$a$$, $x$ ; ");
  auto const& second = sql_step(p->revision->upgrade, 1);
  EXPECT_EQ(second.tag, "_9");
  EXPECT_EQ(second.body, "");
}

// Verbatim as the source file holds it: with CRLF read as LF (source_file).
TEST(parser, keeps_the_sql_body_verbatim) {
  std::string const body = "\r\tSELECT '--', \"}\" /* { */;\n  -- c\n";
  auto const p = parse("revision 1 \"x\" upgrade { sql $$" + body + "$$ }");
  ASSERT_TRUE(p->revision);
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).body, body);
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).tag, "");
}

TEST(parser, carries_utf8_in_strings_comments_and_bodies) {
  auto const p = parse(
      "-- r\xC3\xA9vision \xF0\x9F\x9A\x80\nrevision 001 \"caf\xC3\xA9 \xE2\x82\xAC\"\n"
      "upgrade { sql $\xC3\xA9$ SELECT '\xE2\x9C\x93' $\xC3\xA9$ irreversible \"\xC3\xBC\" }");
  ASSERT_TRUE(p->revision) << p->engine.diagnostics().at(0).message;
  EXPECT_EQ(p->revision->description, "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).tag, "\xC3\xA9");
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).body, " SELECT '\xE2\x9C\x93' ");
}

TEST(parser, resolves_the_two_escapes_of_a_description) {
  auto const p = parse(R"(revision 001 "say \"hi\" \\ bye" upgrade {})");
  ASSERT_TRUE(p->revision);
  EXPECT_EQ(p->revision->description, R"(say "hi" \ bye)");
  EXPECT_EQ(text_at(*p, p->revision->description_where), R"("say \"hi\" \\ bye")");
}

TEST(parser, accepts_an_empty_upgrade_block_and_no_downgrade) {
  auto const p = parse("revision 050 \"baseline\" upgrade { }");
  ASSERT_TRUE(p->revision);
  EXPECT_TRUE(p->revision->upgrade.steps.empty());
  EXPECT_FALSE(p->revision->downgrade);
  EXPECT_TRUE(p->revision->transactional);
}

TEST(parser, accepts_irreversible_with_and_without_reason_in_either_block) {
  auto const p = parse(
      "revision 4 \"x\" upgrade { irreversible } downgrade { irreversible \"data is gone\" }");
  ASSERT_TRUE(p->revision);
  EXPECT_FALSE(std::get<ast::irreversible_step>(p->revision->upgrade.steps.at(0)).reason);
  EXPECT_EQ(std::get<ast::irreversible_step>(p->revision->downgrade->steps.at(0)).reason,
            "data is gone");
}

TEST(parser, keeps_revision_ids_as_written) {
  auto const p = parse("revision 0007 revises 6 \"x\" upgrade {}");
  ASSERT_TRUE(p->revision);
  EXPECT_EQ(p->revision->id.digits, "0007");
  EXPECT_EQ(p->revision->parent->digits, "6");
}

TEST(parser, accepts_crlf_line_endings) {
  auto const p = parse("revision 001 \"x\"\r\nupgrade {\r\n  sql $$ SELECT 1 $$ -- c\r\n}\r\n");
  ASSERT_TRUE(p->revision);
  ASSERT_EQ(p->revision->upgrade.steps.size(), 1u);
  line_column const at = p->file->position(sql_step(p->revision->upgrade, 0).where.begin);
  EXPECT_EQ(at.line, 3u);
  EXPECT_EQ(at.column, 3u);
}

TEST(parser, survives_hostile_input) {
  std::vector<std::string> inputs = {"",
                                     "\n\xE3",
                                     "\xFF\xFE",
                                     std::string(1, '\0'),
                                     "revision\xE3",
                                     "revision 1 \"\xE3",
                                     "revision 1 \"x\" upgrade { sql $\xE3$",
                                     "$$",
                                     "\"",
                                     "--",
                                     "-",
                                     "{{{{"};
  std::string all_bytes;
  for (int b = 0x80; b <= 0xFF; ++b) all_bytes += static_cast<char>(b);
  inputs.push_back(all_bytes);
  inputs.push_back("revision " + all_bytes + " \"" + all_bytes + "\" upgrade {" + all_bytes + "}");
  inputs.push_back("revision 1 \"" + all_bytes + "\" upgrade { sql $$" + all_bytes + "$$ } -- " +
                   all_bytes);
  for (int b = 0; b <= 0xFF; ++b)
    inputs.push_back("revision 1 \"x\" upgrade { " + std::string(1, static_cast<char>(b)));
  for (std::string const& input : inputs) {
    auto const p = parse(input);
    EXPECT_EQ(p->revision.has_value(), p->engine.diagnostics().empty());
    if (!p->revision) {
      EXPECT_EQ(p->engine.diagnostics().size(), 1u);
      EXPECT_EQ(p->engine.diagnostics()[0].code, "syntax");
    }
  }
}

TEST(parser, parses_a_body_with_ten_thousand_nested_parentheses) {
  std::string const body =
      " SELECT " + std::string(10000, '(') + "1" + std::string(10000, ')') + " ";
  auto const p = parse("revision 1 \"deep\" upgrade { sql $$" + body + "$$ }");
  ASSERT_TRUE(p->revision);
  EXPECT_EQ(sql_step(p->revision->upgrade, 0).body, body);
}

TEST(parser, parses_many_steps_without_recursion) {
  std::string text = "revision 1 \"many\" upgrade {\n";
  for (int i = 0; i < 20000; ++i) text += "sql $$ SELECT 1 $$\n";
  auto const p = parse(text + "}");
  ASSERT_TRUE(p->revision);
  EXPECT_EQ(p->revision->upgrade.steps.size(), 20000u);
}

TEST(parser, survives_seeded_random_mutations_of_a_valid_file) {
  std::string const seed_text = backfill_full_name;
  std::uint32_t state = 12345;  // fixed LCG: the test is reproducible
  auto const next = [&state] { return state = state * 1103515245u + 12345u, state >> 8; };
  for (int round = 0; round < 3000; ++round) {
    std::string text = seed_text;
    for (int edits = 1 + static_cast<int>(next() % 4); edits > 0; --edits) {
      std::size_t const at = next() % (text.size() + 1);
      switch (next() % 3) {
        case 0:
          text.insert(at, 1, static_cast<char>(next() % 256));
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1);
          break;
        default:
          text.resize(at);
          break;
      }
    }
    auto const p = parse(text);
    ASSERT_EQ(p->revision.has_value(), p->engine.diagnostics().empty()) << round;
    if (!p->revision) {
      ASSERT_EQ(p->engine.diagnostics().size(), 1u) << round;
      span const where = p->engine.diagnostics()[0].where.range;
      ASSERT_LE(where.begin, where.end) << round;
      ASSERT_LE(where.end, text.size()) << round;
      std::ostringstream out;
      render_text(out, p->engine);
      render_json(out, p->engine);
    }
  }
}
