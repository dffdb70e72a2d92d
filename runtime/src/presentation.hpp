// Internal: values as people write and read them: durations (the one parser, the one formatter),
// lists, shortened hashes.
#pragma once

#include <chrono>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime::detail {

/**
 * The one duration parser: "0", or a whole number of at most nine digits
 * with the unit ms, s, min or h ("500ms", "10s", "2min"); nullopt otherwise.
 */
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/**
 * The one duration formatter, for the progress log and `history` alike:
 * "7 ms" below a second (rounded), "1.5 s" below a minute, "2 min 5 s" above.
 */
[[nodiscard]] std::string format_duration(std::chrono::microseconds duration);

/// `Applied 003 "Backfill names" in 1.2 s` (or `Reverted ...`): the log line of a revision done.
[[nodiscard]] std::string done_line(revision const& rev, direction dir,
                                    std::chrono::microseconds took);

/// "a, b, c".
[[nodiscard]] std::string comma_list(std::vector<std::string> const& items);

/**
 * A checksum or chain hash short enough for a line of text: "sha256:" and
 * the first 12 hex digits, then "…"; as many more digits as it takes to tell
 * it from `other` (the other hash of a mismatch) when given. Texts without
 * the "sha256:" prefix are returned as they are.
 */
[[nodiscard]] std::string short_hash(std::string_view hash, std::string_view other = {});

/**
 * `Backfill of public.users in 003: 12000 of about 100000 rows, 8000 rows/s,
 * about 11 s left`: one backfill progress report as a line of text (rate and
 * time left only when known; `, done` on the last).
 */
[[nodiscard]] std::string backfill_line(backfill_progress const& p);

/// Rows per second this run updated; 0 before its first millisecond.
[[nodiscard]] double backfill_rate(backfill_progress const& p);

/// Seconds left at this run's rate, when the planner's row estimate says how many rows remain.
[[nodiscard]] std::optional<double> backfill_seconds_left(backfill_progress const& p);

}  // namespace migc::runtime::detail
