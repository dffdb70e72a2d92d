// The chain checker: links parsed revisions into one line root -> head, or explains why not.
#pragma once

#include <cstdint>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <migc/dsl/source_file.hpp>
#include <optional>
#include <set>
#include <vector>

namespace migc::compiler {

/// A parsed revision together with the file it came from.
struct parsed_revision {
  dsl::source_file const* file = nullptr;
  dsl::ast::revision syntax;
  std::uint64_t number = 0;             ///< numeric id
  std::optional<std::uint64_t> parent;  ///< numeric parent id
};

/**
 * Orders `revisions` into the chain root -> head. Reports, naming every file
 * involved: duplicate ids (by value), more than one root, a parent that does
 * not exist, numbering that skips, forks (two revisions with one parent,
 * with the renumbering to apply), and cycles. Returns the ordered chain
 * (pointers into `revisions`) only when no such error was found.
 *
 * `unreadable` holds the ids (from their file names) of revision files that
 * failed to parse: links to them are not reported again, since the syntax
 * error already explains them.
 */
[[nodiscard]] std::optional<std::vector<parsed_revision const*>> link_chain(
    std::vector<parsed_revision> const& revisions, dsl::diagnostic_engine& diagnostics,
    std::set<std::uint64_t> const& unreadable = {});

}  // namespace migc::compiler
