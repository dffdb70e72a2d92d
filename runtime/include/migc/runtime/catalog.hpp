// The data a generated catalog embeds: every revision of a chain, as constant tables.
//
// The compiler emits these as constexpr aggregates of string literals (data,
// not code: 10,000 revisions compile in about a second and a half this way).
// Nothing here allocates or runs at start-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

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

/**
 * A constant string of a generated catalog: a pointer and a length, read as a
 * std::string_view. A plain aggregate on purpose: initialising 10,000
 * revisions of these is a third cheaper for g++ than std::string_view members,
 * whose constructor it evaluates once per string. Being an aggregate, `{"abc"}`
 * would compile with length 0: write `"abc"_text` (migc::runtime::literals).
 */
struct text {
  char const* chars = "";
  std::size_t length = 0;

  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars, length}; }
  constexpr operator std::string_view() const noexcept {
    return view();
  }  // NOLINT: reads as a string_view
  [[nodiscard]] constexpr std::size_t size() const noexcept { return length; }
  [[nodiscard]] constexpr bool empty() const noexcept { return length == 0; }
  [[nodiscard]] constexpr char const* data() const noexcept { return chars; }

  friend constexpr bool operator==(text a, text b) noexcept { return a.view() == b.view(); }
  friend constexpr bool operator==(text a, std::string_view b) noexcept { return a.view() == b; }
  friend constexpr bool operator==(std::string_view a, text b) noexcept { return a == b.view(); }
  friend constexpr bool operator!=(text a, text b) noexcept { return !(a == b); }
  friend constexpr bool operator!=(text a, std::string_view b) noexcept { return !(a == b); }
  friend constexpr bool operator!=(std::string_view a, text b) noexcept { return !(a == b); }
};

/// Streams the characters.
std::ostream& operator<<(std::ostream& out, text t);

namespace literals {
/// `"abc"_text`: a text for catalogs written by hand (tests).
constexpr text operator""_text(char const* chars, std::size_t length) noexcept {
  return {chars, length};
}
}  // namespace literals

/**
 * What a statement does, as the compiler classified it from PostgreSQL's own
 * parse tree (docs/language.md, "What the compiler learns from raw SQL").
 * Raw SQL that controls the transaction, feeds COPY from the client or
 * changes the session never reaches a catalog: it is a build error.
 */
enum class statement_kind : std::uint8_t {
  schema,       ///< DDL the compiler's schema model follows (and `verify` checks)
  data,         ///< reads or writes rows only: INSERT, UPDATE, DELETE, MERGE, SELECT, CALL, DO
  maintenance,  ///< VACUUM, ANALYZE, REINDEX, CLUSTER, REFRESH MATERIALIZED VIEW, LOCK, ...
  privileges,   ///< GRANT, REVOKE, ALTER ... OWNER TO, roles: not part of the schema model
  unmodelled,   ///< DDL the model does not follow: the objects it names are not drift-checked
};

/// The kind as docs and `migrate show` spell it ("schema", "data", ...).
constexpr std::string_view name_of(statement_kind kind) noexcept {
  switch (kind) {
    case statement_kind::schema:
      return "schema";
    case statement_kind::data:
      return "data";
    case statement_kind::maintenance:
      return "maintenance";
    case statement_kind::privileges:
      return "privileges";
    case statement_kind::unmodelled:
      return "unmodelled";
  }
  return "schema";
}

/**
 * A trigger's timing as the schema records spell it, from pg_trigger.tgtype's
 * bits (src/include/catalog/pg_trigger.h: ROW 1, BEFORE 2, INSERT 4, DELETE 8,
 * UPDATE 16, TRUNCATE 32, INSTEAD 64): "before insert or update for each
 * row". The compiler reads the same bits from CREATE TRIGGER's parse tree.
 */
inline std::string trigger_timing(std::uint32_t tgtype) {
  std::string out = (tgtype & 2U) ? "before" : (tgtype & 64U) ? "instead of" : "after";
  char const* separator = " ";
  constexpr std::pair<std::uint32_t, char const*> events[] = {
      {4U, "insert"}, {8U, "delete"}, {16U, "update"}, {32U, "truncate"}};
  for (auto const& [bit, word] : events) {
    if ((tgtype & bit) == 0) continue;
    out += separator;
    out += word;
    separator = " or ";
  }
  return out + ((tgtype & 1U) ? " for each row" : " for each statement");
}

/// One SQL statement of a revision in one direction, as sent to the server. A
/// declarative step is one statement; a raw `sql` step is as many as it holds.
struct step {
  text sql;                ///< one statement, without its terminating `;`
  std::uint32_t line = 0;  ///< 1-based line of the statement in the revision's source file
  /// Strongest table lock the statement takes in PostgreSQL 15 ("ACCESS EXCLUSIVE",
  /// "SHARE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", ..., "none").
  text lock = {};
  bool rewrites = false;  ///< the statement rewrites a whole table (e.g. a type change)
  statement_kind kind = statement_kind::schema;
  /// PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY,
  /// VACUUM, ...): only in revisions `without transaction`.
  bool outside_transaction = false;
  /// The objects it creates, changes or drops, qualified and comma-separated
  /// ("public.users, public.users_email_key"); "" when it names none.
  text objects = {};
};

/// One revision of the chain.
struct revision {
  text id;                   ///< as declared, e.g. "003": the value stored in the version table
  std::uint64_t number = 0;  ///< numeric value of `id`: ids compare by value
  text parent;               ///< id of the parent, "" for the root
  text description;
  text source_file;               ///< path relative to the migrations folder
  std::uint32_t source_line = 0;  ///< line of the `revision` header
  /// "sha256:" + hex digest of the revision's canonical form (see docs/checksum.md).
  text checksum;
  bool transactional = true;  ///< false: runs statement by statement, outside a transaction
  bool reversible = true;     ///< false: the downgrade is declared `irreversible`
  array_view<step> upgrade;
  array_view<step> downgrade;
  /// The checksum the same revision had under the previous checksum format
  /// (migc-checksum-v1), which a database migrated by an older migc recorded:
  /// accepted in its place, so a new format never makes a database refused.
  text previous_checksum = {};

  /// True when `recorded` (a checksum a history table holds) is this revision's
  /// checksum under the current or the previous format.
  [[nodiscard]] constexpr bool has_checksum(std::string_view recorded) const noexcept {
    return recorded == checksum || (!previous_checksum.empty() && recorded == previous_checksum);
  }
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
