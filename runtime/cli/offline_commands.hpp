// Internal: the commands that read only the embedded catalog: show, sql, graph (list's text and
// JSON are in the renderers).
#pragma once

#include <iosfwd>
#include <migc/runtime/catalog.hpp>
#include <optional>
#include <string_view>

#include "options.hpp"
#include "plan.hpp"

namespace migc::runtime::detail {

/// `show <id>`: the SQL of one revision, both directions, each statement with its line and lock.
/// Throws usage_error for an unknown revision.
void show_revision(std::ostream& out, catalog const& cat, std::string_view id);

/**
 * `sql [FROM:]TO`: every message upgrade (or downgrade) would send from FROM
 * (exclusive, default base) to TO, as the script builder makes them (the
 * same function builds what a run sends), each after a blank line; a
 * `-- migrate sql ...` line first.
 */
void print_sql(std::ostream& out, catalog const& cat, cli_options const& o,
               cli_durations const& durations);

/// `graph`: the chain as Graphviz DOT; `online` fills the applied revisions and marks the
/// current one.
void print_graph(std::ostream& out, catalog const& cat, std::optional<position> const& online);

}  // namespace migc::runtime::detail
