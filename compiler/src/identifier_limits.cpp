// Identifier truncation as PostgreSQL's scanner does it, applied to the declarative steps.
#include "identifier_limits.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "lint.hpp"
#include "naming.hpp"
#include "overloaded.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

/// Walks every name of a step and hands it, with the node it belongs to, to `m_fix`.
class name_walker {
 public:
  name_walker(dsl::source_file const& file, dsl::diagnostic_engine& out)
      : m_file(file), m_out(out) {}

  void operator()(ast::step& step) {
    std::visit([&](auto& s) { walk(s); }, step);
  }

 private:
  void fix(std::string& name, ast::node const& at) {
    if (name.size() <= max_identifier_bytes) return;
    std::string shortened = truncated_identifier(name);
    dsl::diagnostic d;
    d.level = dsl::severity::warning;
    d.code = "name-truncated";
    d.where = {&m_file, at.where};
    d.message = fmt::format("name '{}' is {} bytes long: PostgreSQL keeps only the first {}, '{}'",
                            name, name.size(), shortened.size(), shortened);
    d.help = "write the shorter name yourself, so that the revision says what the database has";
    m_out.report(std::move(d));
    name = std::move(shortened);
  }

  void walk(ast::identifier& i) { fix(i.name, i); }
  void walk(ast::qualified_name& q) {
    fix(q.schema, q);
    fix(q.name, q);
  }
  void walk(ast::column_ref& c) {
    walk(c.table);
    walk(c.column);
  }
  void walk(ast::type_name& t) {
    fix(t.schema, t);
    fix(t.name, t);
  }
  void walk(ast::references_clause& r) {
    walk(r.table);
    for (auto& c : r.columns) walk(c);
  }
  void walk(ast::column_constraint& c) {
    if (auto* r = std::get_if<ast::references_clause>(&c)) walk(*r);
  }
  void walk(ast::constraint_body& body) {
    std::visit(overloaded{
                   [&](ast::key_columns& k) {
                     for (auto& c : k.columns) walk(c);
                   },
                   [&](ast::foreign_key& f) {
                     for (auto& c : f.columns) walk(c);
                     walk(f.references);
                   },
                   [](ast::check_clause&) {},
               },
               body);
  }
  void walk(ast::table_element& e) {
    std::visit(overloaded{
                   [&](ast::column_def& c) {
                     walk(c.name);
                     walk(c.type);
                     for (auto& k : c.constraints) walk(k);
                   },
                   [&](ast::table_constraint& c) {
                     if (c.name) walk(*c.name);
                     walk(c.body);
                   },
               },
               e);
  }

  void walk(ast::raw_sql_step&) {}
  void walk(ast::irreversible_step&) {}
  void walk(ast::create_table_step& s) {
    walk(s.table);
    for (auto& e : s.elements) walk(e);
  }
  void walk(ast::drop_table_step& s) { walk(s.table); }
  void walk(ast::rename_table_step& s) {
    walk(s.table);
    walk(s.to);
  }
  void walk(ast::add_column_step& s) {
    walk(s.column);
    walk(s.type);
    for (auto& c : s.constraints) walk(c);
  }
  void walk(ast::drop_column_step& s) { walk(s.column); }
  void walk(ast::rename_column_step& s) {
    walk(s.column);
    walk(s.to);
  }
  void walk(ast::alter_column_step& s) {
    walk(s.column);
    if (auto* t = std::get_if<ast::set_type>(&s.action)) walk(t->type);
  }
  void walk(ast::create_index_step& s) {
    walk(s.name);
    walk(s.table);
    for (auto& k : s.keys) {
      if (auto* c = std::get_if<ast::identifier>(&k.target)) walk(*c);
    }
    if (s.include) {
      for (auto& c : *s.include) walk(c);
    }
  }
  void walk(ast::drop_index_step& s) { walk(s.name); }
  void walk(ast::add_constraint_step& s) {
    walk(s.name);
    walk(s.table);
    walk(s.body);
  }
  void walk(ast::drop_constraint_step& s) {
    walk(s.name);
    walk(s.table);
  }
  void walk(ast::create_enum_step& s) { walk(s.name); }
  void walk(ast::drop_type_step& s) { walk(s.name); }
  void walk(ast::add_enum_value_step& s) { walk(s.type); }
  void walk(ast::create_schema_step& s) { walk(s.name); }
  void walk(ast::create_extension_step& s) { walk(s.name); }
  void walk(ast::drop_schema_step& s) { walk(s.name); }
  void walk(ast::drop_extension_step& s) { walk(s.name); }
  void walk(ast::backfill_step& s) {
    walk(s.table);
    walk(s.column);
  }

  dsl::source_file const& m_file;
  dsl::diagnostic_engine& m_out;
};

}  // namespace

std::string truncated_identifier(std::string_view name) {
  std::size_t bytes = std::min(name.size(), max_identifier_bytes);
  if (bytes < name.size()) {
    while (bytes > 0 && (static_cast<unsigned char>(name[bytes]) & 0xC0) == 0x80) --bytes;
  }
  return std::string(name.substr(0, bytes));
}

void truncate_long_identifiers(std::vector<dsl::ast::step>& steps, dsl::source_file const& file,
                               dsl::diagnostic_engine& out) {
  for (auto& step : steps) {
    // `-- migc:allow(name-truncated)` above the step: the truncation is known and accepted.
    auto const allowed = allowed_codes(file, dsl::ast::node_of(step).where);
    bool const quiet = std::count(allowed.begin(), allowed.end(), "name-truncated") != 0;
    dsl::diagnostic_engine ignored;
    name_walker walk(file, quiet ? ignored : out);
    walk(step);
  }
}

}  // namespace migc::compiler
