// Internal: the JSON renderers of migrate's commands (nlohmann-json, insertion-ordered).
#pragma once

#include <iosfwd>
#include <migc/runtime/error.hpp>
#include <migc/runtime/migrator.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"
#include "stairway.hpp"

namespace migc::runtime::detail {

using json = nlohmann::ordered_json;

/**
 * Writes `document` on one line and a newline. Text that is not valid UTF-8
 * (a description or a server message in another encoding) comes out with
 * U+FFFD in place of each bad byte: the document stays valid JSON.
 */
void write_json(std::ostream& out, json const& document);

/// `list`: the embedded revisions; `online` (the database's position) adds "current" and each
/// revision's "applied".
[[nodiscard]] json list_json(catalog const& cat, std::optional<position> const& online);

/// `status`: current, head, pending, dirty and every problem with its reason.
[[nodiscard]] json status_json(catalog const& cat, status_report const& s,
                               std::string const& version_table);

/// `history`: every row, durations in milliseconds (null when none was recorded).
[[nodiscard]] json history_json(std::vector<history_entry> const& rows);

/// `verify`: each applied revision's checksums, and the drift report.
[[nodiscard]] json verify_json(catalog const& cat, verify_report const& v);

/// upgrade, downgrade, stamp, resolve: from, to, and each revision with its recorded duration.
[[nodiscard]] json run_json(run_result const& r);

/**
 * `stairway`: "ok", "from", "to", "elapsed_ms", one object per revision
 * ("up_ms", "verify_up", "down_ms", "verify_down", "reup_ms": null for a
 * step that did not run; each verify {"at", "ok", "ms", "drift": [findings]}),
 * "final_verify", "preexisting" (findings accepted with --force) and
 * "failure" (null, or {"revision", "step", "message", "sqlstate",
 * "location", "drift"}).
 */
[[nodiscard]] json stairway_json(stairway_report const& r);

/// `--version`: migrate's version, the embedded head and chain hash, libpq's version.
[[nodiscard]] json version_json(catalog const& cat, std::string_view libpq_version);

/// The error object of a failed command; `e` adds what the runtime knows (may be null).
[[nodiscard]] json error_json(std::string_view kind, std::string const& message, error const* e);

}  // namespace migc::runtime::detail
