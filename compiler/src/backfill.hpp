// The backfill step: its checks against the schema model and the batch statement it runs.
#pragma once

#include <cstdint>
#include <migc/dsl/ast.hpp>
#include <string>

#include "model.hpp"
#include "replay.hpp"

namespace migc::compiler {

/// Rows per batch when a backfill does not say `batch n`.
inline constexpr std::uint32_t default_backfill_batch = 1000;

/**
 * Checks `backfill t set c = value [where (condition)] [batch n]` against the
 * model: the table and the column exist, the table has a primary key (the
 * batches walk it in order, so a killed run resumes after the last key it
 * recorded), `n` is positive, and the value and the condition name only
 * columns of the table. Reports each problem; the model does not change
 * (a backfill writes rows only; `model` is not const only because the
 * replay's checks take it so). Returns false on error.
 */
bool check_backfill(model::schema& model, dsl::ast::backfill_step const& step,
                    step_context const& context);

/**
 * The statement one batch runs (the catalog's runtime::step::backfill
 * contract): `$1` is the last key of the previous batch as a JSON array of the
 * primary key's columns (NULL before the first); it picks the next `n` rows
 * by primary key after that key that meet the condition, updates them, and
 * returns one row: `last_key` (text, the batch's last key as a JSON array,
 * NULL when no row was left) and `rows` (bigint, the rows it updated).
 * `table` is the model's table (it has a primary key: check_backfill).
 */
[[nodiscard]] std::string backfill_batch_sql(dsl::ast::backfill_step const& step,
                                             model::table const& table);

}  // namespace migc::compiler
