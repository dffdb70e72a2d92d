// Internal: clearing the dirty marker a non-transactional revision left (`migrate resolve`).
#pragma once

#include <string_view>

#include "session.hpp"

namespace migc::runtime::detail {

/**
 * Under the migration lock: settles revision `id`, which a run left dirty
 * (or stopped between its phases). `applied`: its remaining statements were
 * completed by hand, the version moves past it; `rolled_back`: what ran was
 * undone, the version stays; both record a 'resolve' row. `continued`: runs
 * the rest, from the statement the marker does not record as done (the one
 * a stop interrupted runs again; an index it left invalid is built again,
 * a valid one kept), then records the revision as a run would. Throws
 * refusal: not_dirty when the database is not dirty at `id`; dirty when
 * `continued` and the marker's server process still runs a statement;
 * edited_revision when `continued` and this binary's revision is not the
 * one that stopped.
 */
run_result resolve(session& s, std::string_view id, resolution how);

}  // namespace migc::runtime::detail
