// Internal: how migrate shows a backfill's progress: a bar on a terminal, a line every few
// seconds otherwise, a JSON line on stderr with --format json.
#pragma once

#include <chrono>
#include <functional>
#include <migc/runtime/migrator.hpp>
#include <string>

#include "options.hpp"

namespace migc::runtime::detail {

/// How often a line (text or JSON) is written while a backfill runs; the last one always is.
inline constexpr std::chrono::seconds backfill_line_interval{5};

/**
 * The options::progress callback for `io`: with --format json a
 * `{"backfill": {...}}` line on stderr every backfill_line_interval and at
 * the end; on a terminal a bar redrawn in place (at most ten times a
 * second) ended by a newline; otherwise backfill_line() (presentation.hpp) on the progress
 * stream every backfill_line_interval and at the end. The callback keeps a
 * reference to `io`: it must not outlive it.
 */
[[nodiscard]] std::function<void(backfill_progress const&)> backfill_reporter(output const& io);

}  // namespace migc::runtime::detail
