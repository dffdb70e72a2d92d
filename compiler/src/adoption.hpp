// The `adopts "<id>"` header clause: which version of another tool the root revision stands for.
#pragma once

#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <migc/dsl/source_file.hpp>

namespace migc::compiler {

/**
 * Checks the `adopts` clause of `rev`, when it has one, reporting at the
 * clause: only a root revision (no `revises`) may adopt a version
 * (`adopts-not-root`); the id is 1 to 32 characters (the version table's
 * varchar(32)) of printable ASCII without blanks or quotes (`adopts-id`);
 * and it is not a decimal number, which the version table would read as a
 * migc revision id (`adopts-id`: number the root with it instead). Returns
 * false on an error.
 */
bool check_adoption(dsl::source_file const& file, dsl::ast::revision const& rev,
                    dsl::diagnostic_engine& out);

}  // namespace migc::compiler
