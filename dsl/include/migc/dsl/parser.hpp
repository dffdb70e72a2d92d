// Entry point of the language front end: text in, syntax tree or diagnostics out.
#pragma once

#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <migc/dsl/source_file.hpp>
#include <optional>

namespace migc::dsl {

/**
 * Parses one revision file. On a syntax error reports exactly one
 * diagnostic (code "syntax", pointing at the offending token, with what was
 * expected) and returns nothing: X3 has no error recovery, and a second
 * error after a failed parse would mostly be noise. The caller keeps going
 * with the other files.
 *
 * `file` must outlive the returned tree's use in diagnostics.
 */
[[nodiscard]] std::optional<ast::revision> parse_revision(source_file const& file,
                                                          diagnostic_engine& diagnostics);

}  // namespace migc::dsl
