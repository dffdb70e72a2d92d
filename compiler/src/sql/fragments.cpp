// for_each_fragment and check_fragments: the expressions of declarative steps.
#include "fragments.hpp"

#include <variant>

#include "../overloaded.hpp"
#include "expression.hpp"

namespace migc::compiler::sql {
namespace {

namespace ast = dsl::ast;
using fragment_visitor = std::function<void(ast::sql_fragment const&)>;

void visit_column_constraints(std::vector<ast::column_constraint> const& constraints,
                              fragment_visitor const& visit) {
  for (auto const& c : constraints) {
    if (auto const* d = std::get_if<ast::default_value>(&c)) visit(d->expression);
    if (auto const* k = std::get_if<ast::check_clause>(&c)) visit(k->expression);
    if (auto const* g = std::get_if<ast::generated_clause>(&c)) visit(g->expression);
  }
}

void visit_constraint_body(ast::constraint_body const& body, fragment_visitor const& visit) {
  if (auto const* k = std::get_if<ast::check_clause>(&body)) visit(k->expression);
}

}  // namespace

void for_each_fragment(ast::step const& step, fragment_visitor const& visit) {
  std::visit(
      overloaded{
          [&](ast::create_table_step const& s) {
            for (auto const& element : s.elements) {
              if (auto const* c = std::get_if<ast::column_def>(&element)) {
                visit_column_constraints(c->constraints, visit);
              } else {
                visit_constraint_body(std::get<ast::table_constraint>(element).body, visit);
              }
            }
          },
          [&](ast::add_column_step const& s) { visit_column_constraints(s.constraints, visit); },
          [&](ast::alter_column_step const& s) {
            if (auto const* t = std::get_if<ast::set_type>(&s.action); t && t->using_expression)
              visit(*t->using_expression);
            if (auto const* d = std::get_if<ast::set_default>(&s.action); d && d->expression)
              visit(*d->expression);
          },
          [&](ast::create_index_step const& s) {
            if (s.where_clause) visit(*s.where_clause);
          },
          [&](ast::add_constraint_step const& s) { visit_constraint_body(s.body, visit); },
          [&](ast::backfill_step const& s) {
            visit(s.value);
            if (s.where_clause) visit(*s.where_clause);
          },
          [&](auto const&) {},
      },
      step);
}

std::uint32_t text_offset(dsl::source_file const& file, ast::sql_fragment const& fragment) {
  auto const at = file.text().find(fragment.text, fragment.where.begin);
  return at == std::string::npos ? fragment.where.begin : static_cast<std::uint32_t>(at);
}

bool check_fragments(dsl::source_file const& file, ast::block const& block,
                     dsl::diagnostic_engine& out) {
  bool ok = true;
  for (auto const& step : block.steps) {
    for_each_fragment(step, [&](ast::sql_fragment const& fragment) {
      auto const parsed = parse_expression(fragment.text);
      auto const* error = std::get_if<expression_error>(&parsed);
      if (!error) return;
      ok = false;
      std::uint32_t const begin = text_offset(file, fragment) + error->where;
      dsl::diagnostic d;
      d.code = "sql-syntax";
      d.where = {&file, {begin, begin + 1}};
      d.message = error->message;
      out.report(std::move(d));
    });
  }
  return ok;
}

}  // namespace migc::compiler::sql
