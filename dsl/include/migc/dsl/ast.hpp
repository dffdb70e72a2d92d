// The syntax tree of one revision file. Plain structs: no parser headers here.
#pragma once

#include <migc/dsl/source_file.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace migc::dsl::ast {

/// Every node that diagnostics can point at carries its source range.
struct node {
  span where;
};

/// A revision id exactly as written ("001"); compared by numeric value.
struct revision_id : node {
  std::string digits;
};

/// `sql $tag$ ... $tag$`: opaque SQL, run as written.
struct raw_sql_step : node {
  std::string tag;   ///< the dollar-quote tag, "" for `$$`
  std::string body;  ///< text between the delimiters, verbatim
  /// Byte offset of the body's first character in the file, so that a
  /// server error inside the body can be mapped back to a source line.
  std::uint32_t body_offset = 0;
};

/// `irreversible ["reason"]`: only valid as the whole downgrade block.
struct irreversible_step : node {
  std::optional<std::string> reason;
};

using step = std::variant<raw_sql_step, irreversible_step>;

/// `upgrade { ... }` or `downgrade { ... }`.
struct block : node {
  std::vector<step> steps;
};

/**
 * One revision file:
 *
 *     revision 003 revises 002 "Backfill users.full_name" [without transaction]
 *     upgrade { ... }
 *     [downgrade { ... }]
 */
struct revision : node {
  revision_id id;
  std::optional<revision_id> parent;
  std::string description;
  span description_where;
  bool transactional = true;
  block upgrade;
  std::optional<block> downgrade;
};

}  // namespace migc::dsl::ast
