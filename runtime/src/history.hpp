// Internal: the history table: reading it, and the rows written without running a revision
// (stamps and accepted checksum changes).
#pragma once

#include <optional>
#include <vector>

#include "session.hpp"
#include "validation.hpp"

namespace migc::runtime::detail {

/// Every history row, oldest first (empty when the history table does not exist).
[[nodiscard]] std::vector<history_entry> read_history(session& s);

/**
 * Under the migration lock: sets the version row to the revision at `index`
 * (nullopt: base) without running any SQL and records a 'stamp' row. No
 * validation (stamping is how a broken state is fixed), except a dirty
 * marker: the half-run revision must be resolved first.
 */
run_result stamp(session& s, std::optional<std::size_t> index);

/// Records the mismatches --allow-checksum-mismatch accepted, so later runs do not refuse.
void record_repairs(session& s, std::vector<checksum_mismatch> const& accepted);

}  // namespace migc::runtime::detail
