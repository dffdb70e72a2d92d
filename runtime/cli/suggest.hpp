// Internal: "did you mean" for a command migrate does not have.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime::detail {

/**
 * The command a user probably meant by `word`: the word other migration
 * tools use for one of ours (Flyway's `info`, `migrate`, `validate`,
 * `baseline`, `repair`; dbmate's and sqlx's `up`, `down`, `revert`, ...),
 * else the nearest of `commands` within two edits (insertions, deletions,
 * substitutions, swaps of neighbours; one edit for commands under five
 * letters), else nothing.
 */
[[nodiscard]] std::optional<std::string> suggest_command(std::string_view word,
                                                         std::vector<std::string> const& commands);

}  // namespace migc::runtime::detail
