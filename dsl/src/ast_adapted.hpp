// Fusion adaptation of the multi-member AST nodes the grammar fills field by field.
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>
#include <migc/dsl/ast.hpp>

// Members in grammar order, which is not declaration order: the span of the
// description is read (zero-width) just before its text. Single-member
// nodes are deliberately not adapted (see `into` in token_parsers.hpp).
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::revision, id, parent, description_where, description,
                          transactional, upgrade, downgrade)
