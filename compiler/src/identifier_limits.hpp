// Names as PostgreSQL sees them: identifiers longer than NAMEDATALEN - 1 bytes are truncated.
#pragma once

#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <string>
#include <string_view>

namespace migc::compiler {

/**
 * `name` as PostgreSQL stores it: its longest prefix of at most 63 bytes that ends on a
 * character boundary (truncate_identifier and pg_mbcliplen in src/backend/parser/scansup.c;
 * UTF-8, the encoding migc's databases use).
 */
[[nodiscard]] std::string truncated_identifier(std::string_view name);

/**
 * Replaces every identifier of `steps` longer than 63 bytes (tables, columns, indexes,
 * constraints, types, schemas, extensions) by what PostgreSQL truncates it to, with a warning
 * `name-truncated` at each one, so that the model names the objects as the server will and two
 * names equal after truncation collide at build time. Raw SQL is left as it is: PostgreSQL's
 * own parser truncates its names already.
 */
void truncate_long_identifiers(std::vector<dsl::ast::step>& steps, dsl::source_file const& file,
                               dsl::diagnostic_engine& out);

}  // namespace migc::compiler
