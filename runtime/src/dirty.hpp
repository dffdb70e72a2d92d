// Internal: clearing the dirty marker a non-transactional revision left (`migrate resolve`).
#pragma once

#include <string_view>

#include "session.hpp"

namespace migc::runtime::detail {

/**
 * Under the migration lock: clears the dirty marker of revision `id` after a
 * repair by hand (`applied`: its remaining statements were completed, the
 * version moves past it; else what ran was undone and the version stays),
 * recording a 'resolve' row. Throws refusal (not_dirty) when the database is
 * not dirty at `id`.
 */
run_result resolve(session& s, std::string_view id, bool applied);

}  // namespace migc::runtime::detail
