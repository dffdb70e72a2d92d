// Internal: values as people write and read them: durations (the one parser, the one formatter),
// lists, shortened hashes.
#pragma once

#include <chrono>
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

/// "a, b, c".
[[nodiscard]] std::string comma_list(std::vector<std::string> const& items);

/**
 * A checksum or chain hash short enough for a line of text: "sha256:" and
 * the first 12 hex digits, then "…"; as many more digits as it takes to tell
 * it from `other` (the other hash of a mismatch) when given. Texts without
 * the "sha256:" prefix are returned as they are.
 */
[[nodiscard]] std::string short_hash(std::string_view hash, std::string_view other = {});

}  // namespace migc::runtime::detail
