// The schema model as SQL DDL (`migc schema`, and <target>_schema.sql beside the catalog).
#pragma once

#include <string>

#include "model.hpp"

namespace migc::compiler {

/**
 * The model as SQL DDL, one statement per object, each ending in ";\n\n",
 * in an order that builds it on an empty database: schemas, extensions,
 * enum and other types, functions, sequences, tables, foreign keys,
 * indexes, sequence owners, views, triggers, comments. Objects only raw SQL
 * makes (types, functions, views, triggers) are printed as the statement
 * that made them, then the renames since. Objects the model does not follow
 * are listed in `--` comments.
 */
[[nodiscard]] std::string schema_ddl(model::schema const& schema);

/// CREATE TRIGGER for trigger `t` of `table` from the model: its timing ("before insert or update
/// for each row"), UPDATE OF columns, WHEN condition and function arguments.
[[nodiscard]] std::string trigger_sql(model::object_key const& table, model::trigger const& t);

}  // namespace migc::compiler
