// The typed accessor layer over libpg_query's JSON parse trees: every read of a tree goes
// through sql::node, so the tree's spelling is known in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"

namespace migc::compiler::sql {

/**
 * A read-only view of one node of a parse tree as libpg_query 15 writes it
 * in JSON (names as in PostgreSQL's src/include/nodes/parsenodes.h), held in
 * a RapidJSON document (json.hpp):
 *
 *  - a `Node *` field is an object with one member named after the node
 *    type, `{"ColumnRef": {"fields": [...], "location": 7}}`: type() is
 *    "ColumnRef";
 *  - a field of a fixed struct type (`TypeName *typeName`) is the struct's
 *    members directly: type() is "";
 *  - members with their default value (false, 0, empty, NULL) are left out,
 *    so every accessor returns the default for a missing member.
 *
 * A default-constructed node is null; reading through a null node gives null
 * nodes and defaults, so chains like `n["def"]["typeName"].list("names")`
 * need no checks. The node refers into a tree that must outlive it.
 */
class node {
 public:
  node() = default;
  /// The node of a JSON value: wrapped (`{"Type": {...}}`) or a plain struct.
  explicit node(json const& value);
  /// The node at the root of a tree (null for an empty tree).
  explicit node(sql::tree const& t) : node(t ? node(t.value()) : node()) {}

  [[nodiscard]] explicit operator bool() const { return m_body != nullptr; }
  /// The node type ("CreateStmt", "A_Const"...), "" for a plain struct or a null node.
  [[nodiscard]] std::string_view type() const { return m_type; }
  [[nodiscard]] bool is(std::string_view type) const { return m_type == type; }

  /// True when the member is present (members with default values are left out).
  [[nodiscard]] bool has(std::string_view field) const;
  /// A member that is a node or a struct (null when absent).
  [[nodiscard]] node operator[](std::string_view field) const;
  /// A member that is a list of nodes (empty when absent).
  [[nodiscard]] std::vector<node> list(std::string_view field) const;
  /// A string member ("" when absent).
  [[nodiscard]] std::string text(std::string_view field) const;
  /// An integer member (0 when absent).
  [[nodiscard]] std::int64_t integer(std::string_view field) const;
  /// A boolean member (false when absent).
  [[nodiscard]] bool flag(std::string_view field) const;
  /// An enum member, as its name (e.g. "AT_AddColumn"; "" when absent: the enum's first value).
  [[nodiscard]] std::string enumeration(std::string_view field) const { return text(field); }
  /// The node's own `location` (a byte offset into the parsed text), when it has one.
  [[nodiscard]] std::optional<std::uint32_t> location() const;

  /// The value of a `String` node (`{"String": {"sval": "x"}}`), "" otherwise.
  [[nodiscard]] std::string string_value() const;
  /// The values of a list of `String` nodes, e.g. a qualified name {"public", "users"}.
  [[nodiscard]] std::vector<std::string> names(std::string_view field) const;

  /// The names of the members present (those with non-default values), in the tree's order.
  [[nodiscard]] std::vector<std::string> fields() const;

  /// The JSON behind the node (for the checksum's canonical form).
  [[nodiscard]] json const* value() const { return m_value; }

  /**
   * Calls `visit` on this node and on every node below it, parents first,
   * members in the JSON's member order
   * (alphabetical). Iterative: a deeply nested expression cannot
   * exhaust the stack. `visit` returns false to skip a node's children.
   */
  void walk(std::function<bool(node const&)> const& visit) const;

  /// The smallest `location` in this node and below it (the statement's first located token).
  [[nodiscard]] std::optional<std::uint32_t> first_location() const;

  /// How deeply JSON values nest below this node (iterative); stops counting at `limit`.
  [[nodiscard]] std::size_t depth(std::size_t limit) const;

 private:
  json const* m_value = nullptr;  ///< the value this node was made from
  json const* m_body = nullptr;   ///< the object holding the members
  std::string_view m_type;
};

/// Every relation (RangeVar) in `root` and below: wrapped where a `Node *` holds one (FROM
/// lists, joins), bare in the `relation`, `sequence`, `view` and `rel` fields of statements.
[[nodiscard]] std::vector<node> relations_in(node const& root);

/**
 * The canonical text of a parse tree for checksums (docs/checksum.md, v2):
 * the JSON of the tree as libpg_query wrote it (members in its order), with
 * every `location`, `stmt_location` and `stmt_len` member and the top-level
 * `version` removed, compact. Layout, comments and keyword case never change
 * it; any change of meaning does.
 */
[[nodiscard]] std::string canonical_text(json const& tree);

/// Receives text in pieces (at most 64 KiB each), in order.
using text_sink = std::function<void(std::string_view)>;

/// canonical_text(tree) written to `sink` in pieces rather than built in memory (a 50 MB
/// statement's tree is several times its size). Returns the number of bytes written.
std::size_t write_canonical(json const& tree, text_sink const& sink);

}  // namespace migc::compiler::sql
