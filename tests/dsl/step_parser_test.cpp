// Tests of the declarative steps' grammar: trees, name folding, types, balanced text, spans,
// errors.
#include <gtest/gtest.h>

#include "parse_helpers.hpp"

using namespace migc::dsl;
using test::error_of;
using test::parse;
using test::text_at;

namespace {

constexpr char const* header = "revision 001 \"x\"\n";

template <typename Step>
Step const& only_step(test::parsed const& p) {
  return std::get<Step>(p.revision->upgrade.steps.at(0));
}

std::unique_ptr<test::parsed> parse_step(std::string const& step) {
  return parse(std::string(header) + "upgrade {\n    " + step + "\n}\n");
}

}  // namespace

TEST(step_parser, folds_unquoted_names_and_keeps_quoted_ones) {
  auto const p = parse_step("CREATE TABLE Audit.\"Events\" (\"Kind\" TEXT, Id INT)");
  ASSERT_TRUE(p->revision);
  auto const& t = only_step<ast::create_table_step>(*p);
  EXPECT_EQ(t.table.schema, "audit");
  EXPECT_EQ(t.table.name, "Events");
  EXPECT_EQ(std::get<ast::column_def>(t.elements.at(0)).name.name, "Kind");
  EXPECT_EQ(std::get<ast::column_def>(t.elements.at(1)).name.name, "id");
  EXPECT_EQ(text_at(*p, t.where), "CREATE TABLE Audit.\"Events\" (\"Kind\" TEXT, Id INT)");
}

TEST(step_parser, reads_multi_word_types_modifiers_and_arrays) {
  auto const p = parse_step(
      "create table t (a timestamp(3) with time zone, b character varying (20), c numeric(10, "
      "2)[][], d double "
      "precision)");
  ASSERT_TRUE(p->revision);
  auto const& t = only_step<ast::create_table_step>(*p);
  auto const type = [&](std::size_t i) { return std::get<ast::column_def>(t.elements.at(i)).type; };
  EXPECT_EQ(type(0).name, "timestamp with time zone");
  EXPECT_EQ(type(0).modifiers, std::vector<std::uint32_t>{3});
  EXPECT_EQ(type(1).name, "character varying");
  EXPECT_EQ(type(2).modifiers, (std::vector<std::uint32_t>{10, 2}));
  EXPECT_EQ(type(2).array_dims, 2u);
  EXPECT_EQ(type(3).name, "double precision");
}

TEST(step_parser, keeps_balanced_text_with_quotes_and_comments) {
  auto const p = parse_step("add constraint c on t check ((a > 0) and b <> ')' -- (\n )");
  ASSERT_TRUE(p->revision);
  auto const& c = only_step<ast::add_constraint_step>(*p);
  EXPECT_EQ(std::get<ast::check_clause>(c.body).expression.text, "(a > 0) and b <> ')' -- (");
}

TEST(step_parser, reads_defaults_as_written) {
  auto const p = parse_step("add column t.c jsonb not null default '{}'::jsonb");
  ASSERT_TRUE(p->revision);
  auto const& a = only_step<ast::add_column_step>(*p);
  EXPECT_EQ(std::get<ast::default_value>(a.constraints.at(1)).expression.text, "'{}'::jsonb");
}

TEST(step_parser, reports_deep_nesting_without_recursion) {
  auto const e = error_of(std::string(header) + "upgrade { add constraint c on t check " +
                          std::string(100000, '(') + " }");
  EXPECT_EQ(e.at, "2:239");  // the 201st parenthesis
  EXPECT_EQ(e.message, "expression nests parentheses deeper than 200 levels");
}

TEST(step_parser, names_what_it_expected) {
  EXPECT_EQ(error_of(std::string(header) + "upgrade { create tabel t (id int) }").message,
            "expected what to create (table, index, type, schema or extension), found 'tabel'");
  auto const e = error_of(std::string(header) + "upgrade { alter column t.c rename to d }");
  EXPECT_EQ(e.at, "2:28");
  EXPECT_EQ(e.message,
            "expected column change (type, set not null, drop not null, set default or drop "
            "default), found 'rename'");
  EXPECT_EQ(error_of(std::string(header) + "upgrade { add column email text }").message,
            "expected column (table.column), found 'email'");
}

TEST(step_parser, reads_referential_actions_in_either_order) {
  for (std::string const actions :
       {"on delete cascade on update set null", "on update set null on delete cascade"}) {
    SCOPED_TRACE(actions);
    auto const p = parse_step("add column t.u bigint references users (id) " + actions);
    ASSERT_TRUE(p->revision);
    auto const& c = only_step<ast::add_column_step>(*p);
    auto const& r = std::get<ast::references_clause>(c.constraints.at(0));
    EXPECT_EQ(r.actions.on_delete, ast::fk_action::cascade);
    EXPECT_EQ(r.actions.on_update, ast::fk_action::set_null);
  }
  auto const only_update =
      parse_step("add column t.u bigint references users on update restrict not null");
  ASSERT_TRUE(only_update->revision);
  auto const& c = only_step<ast::add_column_step>(*only_update);
  auto const& r = std::get<ast::references_clause>(c.constraints.at(0));
  EXPECT_FALSE(r.actions.on_delete);
  EXPECT_EQ(r.actions.on_update, ast::fk_action::restrict);
  EXPECT_EQ(c.constraints.size(), 2u);
}

TEST(step_parser, rejects_a_referential_action_given_twice) {
  auto const e = error_of(std::string(header) +
                          "upgrade {\n    add column t.u bigint references users on delete cascade "
                          "on delete restrict\n}\n");
  EXPECT_EQ(e.at, "3:62");
  EXPECT_EQ(e.message, "expected at most one 'on delete' and one 'on update' clause, found 'on'");
  EXPECT_EQ(e.help, "keep one 'on delete' and one 'on update' clause at most");
}
