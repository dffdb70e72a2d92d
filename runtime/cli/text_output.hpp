// Internal: the text renderers of migrate's commands (aligned tables, colour through fmt).
#pragma once

#include <fmt/color.h>

#include <iosfwd>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "stairway.hpp"

namespace migc::runtime::detail {

/// `text` in a terminal colour when `on` (fmt/color.h), as it is otherwise.
[[nodiscard]] std::string paint(std::string_view text, fmt::terminal_color colour, bool on);

/// A progress line coloured by what it says: done green, reverted/waiting/retrying yellow.
[[nodiscard]] std::string paint_progress(std::string_view line, bool on);

/// Prints rows as aligned columns (the last column is not padded).
void print_table(std::ostream& out, std::vector<std::vector<std::string>> const& rows);

/// `list`: one row per revision; `online` marks the applied ones and the current one.
void print_list(std::ostream& out, catalog const& cat, std::optional<position> const& online);

/// `status`: version table, current and head revisions, dirty state, problems, pending revisions.
void print_status(std::ostream& out, catalog const& cat, status_report const& s,
                  std::string const& version_table, bool colour);

/// `history`: one row per history row, durations as the progress log showed them.
void print_history(std::ostream& out, std::vector<history_entry> const& rows);

/// `verify`: the checksum table (hashes shortened) and the drift report.
void print_verify(std::ostream& out, catalog const& cat, verify_report const& v);

/**
 * `stairway`, one revision as soon as its stair is done: `003  up 9 ms  verify ok  down 4 ms
 * verify ok  re-up 8 ms  Backfill users.full_name`; a step that failed reads FAILED, a verify
 * that found drift DRIFT, a step that did not run `-`. Ids are padded to `id_width`.
 */
void print_stairway_row(std::ostream& out, stairway_row const& row, std::size_t id_width,
                        bool colour);

/// `stairway`'s end: the differences or the error under the failing row, and a summary line.
void print_stairway_summary(std::ostream& out, stairway_report const& r, bool colour);

/// `--version`.
void print_version(std::ostream& out, catalog const& cat, std::string_view libpq_version);

}  // namespace migc::runtime::detail
