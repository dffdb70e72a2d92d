// Declaration of the revision-file grammar: only grammar.cpp pays for instantiating it.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <migc/dsl/ast.hpp>

#include "config.hpp"

namespace migc::dsl::grammar {

namespace x3 = boost::spirit::x3;

struct file_class;
using file_type = x3::rule<file_class, ast::revision>;
BOOST_SPIRIT_DECLARE(file_type)

/// What a foreign key's repeated `on delete` / `on update` clause is reported as expecting.
inline constexpr char const* repeated_action = "at most one 'on delete' and one 'on update' clause";

/// A whole revision file: one revision, then only blanks and comments.
file_type const& file();

}  // namespace migc::dsl::grammar
