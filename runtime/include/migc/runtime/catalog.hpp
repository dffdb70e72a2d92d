// The data a generated catalog embeds: every revision of a chain, as constant tables.
//
// The compiler emits these as constexpr aggregates of string_view literals
// (data, not code: 10,000 revisions compile in well under a second this way).
// Nothing here allocates or runs at start-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace migc::runtime {

/// A read-only view of a constant array (std::span is C++20).
template <typename T>
struct array_view {
  T const* data = nullptr;
  std::size_t size = 0;

  [[nodiscard]] constexpr T const* begin() const { return data; }
  [[nodiscard]] constexpr T const* end() const { return data + size; }
  [[nodiscard]] constexpr T const& operator[](std::size_t i) const { return data[i]; }
  [[nodiscard]] constexpr bool empty() const { return size == 0; }
};

/// One step of a revision in one direction, as the SQL sent to the server.
struct step {
  std::string_view sql;
  std::uint32_t line = 0;  ///< 1-based line of the step in the revision's source file
  /// Strongest table lock the step takes in PostgreSQL 15 ("ACCESS EXCLUSIVE",
  /// "SHARE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "none"), or
  /// "unknown" for raw sql; empty in catalogs built before it was recorded.
  std::string_view lock = {};
  bool rewrites = false;  ///< the step rewrites a whole table (e.g. a type change)
};

/// One revision of the chain.
struct revision {
  std::string_view id;           ///< as declared, e.g. "003": the value stored in the version table
  std::uint64_t number = 0;      ///< numeric value of `id`: ids compare by value
  std::string_view parent;       ///< id of the parent, "" for the root
  std::string_view description;
  std::string_view source_file;  ///< path relative to the migrations folder
  std::uint32_t source_line = 0; ///< line of the `revision` header
  /// "sha256:" + hex digest of the revision's canonical form (see docs/checksum.md).
  std::string_view checksum;
  bool transactional = true;     ///< false: runs statement by statement, outside a transaction
  bool reversible = true;        ///< false: the downgrade is declared `irreversible`
  array_view<step> upgrade;
  array_view<step> downgrade;
};

/// A whole chain, root first, head last.
struct catalog {
  array_view<revision> revisions;
  /// Hash over every revision's checksum chained to its parent's: identifies the chain.
  std::string_view chain_hash;
  /// Version table the catalog was built for (add_migrations' VERSION_TABLE).
  std::string_view version_table;
  /// Migrations folder the catalog was compiled from, relative to the project source dir.
  std::string_view source_dir;
  /**
   * What each revision changed in the compiler's schema model, root first,
   * for `migrate verify`: folding the changes of the revisions up to the
   * database's one gives the model at that revision. Meaningful when
   * has_schema_history. One object per line, eight tab-separated fields:
   * kind ("table" | "column" | "index" | "constraint" | "enum"), table, name,
   * type, columns, default, not null ("1"/"0"), partial ("1"/"0"); backslash,
   * tab and newline inside a field are written `\\`, `\t`, `\n` (PostgreSQL's
   * COPY text rules). A line of kind "revision" (name: the id) starts each
   * revision's changes; a kind with a leading "-" removes the object of that
   * kind, table and name; any other line adds the object or replaces the one
   * with the same kind, table and name. One string literal rather than an
   * array of aggregates: 10,000 revisions compile in a fraction of the time
   * and memory. Read it with migc::runtime::schema_at (drift.hpp).
   */
  std::string_view schema_history = {};
  /// False in catalogs built before the model was embedded: verify skips the drift check.
  bool has_schema_history = false;
};

}  // namespace migc::runtime
