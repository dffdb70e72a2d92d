// The `help:` for SQL written where a step belongs (`ALTER TABLE ...` without `sql $$ ... $$`).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace migc::dsl {

/**
 * A help line for a syntax error at byte `found_at` of `text` (where the
 * parser expected `expected`, a rule name) when what stands there is SQL
 * rather than a step: `ALTER TABLE t ADD COLUMN c int` gets "wrap it in sql
 * $$ ... $$, or write the declarative step it means: add column t.c int"
 * (likewise DROP / RENAME / ALTER COLUMN and constraints); a data statement
 * (INSERT, UPDATE, ...) or an object the language does not create (CREATE
 * VIEW, CREATE FUNCTION, ...) gets the sql step. Nothing otherwise.
 */
[[nodiscard]] std::optional<std::string> sql_in_block_help(std::string_view text,
                                                           std::size_t found_at,
                                                           std::string_view expected);

}  // namespace migc::dsl
