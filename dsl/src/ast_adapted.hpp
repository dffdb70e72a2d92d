// Fusion adaptation of the multi-member AST nodes the grammar fills field by field.
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>
#include <migc/dsl/ast.hpp>

// Members in grammar order, which is not declaration order: the span of the
// description is read (zero-width) just before its text. Single-member
// nodes are deliberately not adapted (see `into` in token_parsers.hpp).
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::revision, id, parent, description_where, description,
                          adopts, transactional, upgrade, downgrade)

// Declarative steps, members in grammar order.
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::references_clause, table, columns, actions)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::column_def, name, type, constraints)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::key_columns, primary, columns)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::foreign_key, columns, references)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::table_constraint, name, body)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::create_table_step, if_not_exists, table, elements)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_table_step, if_exists, table, cascade)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::rename_table_step, table, to)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::add_column_step, if_not_exists, column, type, constraints)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_column_step, if_exists, column, cascade)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::rename_column_step, column, to)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::set_type, type, using_expression)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::alter_column_step, column, action)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::index_key, target, opclass, descending, nulls_first)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::create_index_step, unique, concurrently, if_not_exists,
                          name, table, method, keys, include, where_clause)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_index_step, concurrently, if_exists, name)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::add_constraint_step, name, table, body)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_constraint_step, name, table)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::create_enum_step, name, values)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_type_step, if_exists, name)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::enum_position, before, neighbour)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::add_enum_value_step, value, type, position)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::create_schema_step, if_not_exists, name)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::create_extension_step, if_not_exists, name)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_schema_step, if_exists, name, cascade)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::drop_extension_step, if_exists, name)
BOOST_FUSION_ADAPT_STRUCT(migc::dsl::ast::backfill_step, table, column, value, where_clause, batch)
