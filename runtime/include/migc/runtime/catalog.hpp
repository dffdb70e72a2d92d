// The data a generated catalog embeds, and every contract between the compiler and the runtime.
//
// The compiler emits catalogs as constexpr aggregates of string literals (data,
// not code: 10,000 revisions compile in about a second and a half this way).
// Nothing here allocates or runs at start-up. This header is the one place
// where the two sides agree on what they exchange: the revision id rule, the
// lock levels and the schema record format. The compiler includes it through
// the INTERFACE target migc_catalog_contract; it needs no library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <optional>
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

// ---- revision ids ----------------------------------------------------------------------

/// Longest revision id: the version table's `version_num` is varchar(32) (Alembic's).
inline constexpr std::size_t max_revision_id_length = 32;

/**
 * The revision id rule, on both sides: an id is 1 to max_revision_id_length
 * ASCII digits whose value fits std::uint64_t; leading zeros are allowed and
 * ids compare by value ("01" and "001" are one revision). Returns the value,
 * or nullopt for anything else. The compiler refuses such an id at build time
 * (so every id it embeds fits the version table); the runtime refuses a
 * version row that is not one.
 */
[[nodiscard]] constexpr std::optional<std::uint64_t> revision_id_value(
    std::string_view id) noexcept {
  if (id.empty() || id.size() > max_revision_id_length) return std::nullopt;
  std::uint64_t value = 0;
  for (char const c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    auto const digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// ---- lock levels -----------------------------------------------------------------------

/**
 * The strongest table lock a step takes in PostgreSQL 15, weakest first:
 * `none` (no table lock beyond ACCESS SHARE on the catalogs), the eight
 * table lock modes, and `unknown` (the compiler could not tell, e.g. raw SQL).
 */
enum class lock_level : std::uint8_t {
  none,
  access_share,
  row_share,
  row_exclusive,
  share_update_exclusive,
  share,
  share_row_exclusive,
  exclusive,
  access_exclusive,
  unknown,
};

/// Every lock level, in declaration order (weakest first, then `unknown`).
inline constexpr std::array<lock_level, 10> lock_levels = {lock_level::none,
                                                           lock_level::access_share,
                                                           lock_level::row_share,
                                                           lock_level::row_exclusive,
                                                           lock_level::share_update_exclusive,
                                                           lock_level::share,
                                                           lock_level::share_row_exclusive,
                                                           lock_level::exclusive,
                                                           lock_level::access_exclusive,
                                                           lock_level::unknown};

/// PostgreSQL's name of a lock mode ("ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE"), or "none" /
/// "unknown".
[[nodiscard]] constexpr std::string_view lock_level_name(lock_level level) noexcept {
  switch (level) {
    case lock_level::none:
      return "none";
    case lock_level::access_share:
      return "ACCESS SHARE";
    case lock_level::row_share:
      return "ROW SHARE";
    case lock_level::row_exclusive:
      return "ROW EXCLUSIVE";
    case lock_level::share_update_exclusive:
      return "SHARE UPDATE EXCLUSIVE";
    case lock_level::share:
      return "SHARE";
    case lock_level::share_row_exclusive:
      return "SHARE ROW EXCLUSIVE";
    case lock_level::exclusive:
      return "EXCLUSIVE";
    case lock_level::access_exclusive:
      return "ACCESS EXCLUSIVE";
    case lock_level::unknown:
      break;
  }
  return "unknown";
}

/// The lock level lock_level_name() names `name`; nullopt for any other text.
[[nodiscard]] constexpr std::optional<lock_level> lock_level_named(std::string_view name) noexcept {
  for (lock_level const level : lock_levels) {
    if (lock_level_name(level) == name) return level;
  }
  return std::nullopt;
}

// ---- statement kinds -------------------------------------------------------------------

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

/// The kind as docs and `migrate show` spell it, and as the emitter names the enumerator.
[[nodiscard]] constexpr std::string_view statement_kind_name(statement_kind kind) noexcept {
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

// ---- catalog records -------------------------------------------------------------------

/// One SQL statement of a revision in one direction, as sent to the server. A
/// declarative step is one statement; a raw `sql` step is as many as it holds.
struct step {
  text sql;                ///< one statement, without its terminating `;`
  std::uint32_t line = 0;  ///< 1-based line of the statement in the revision's source file
  lock_level lock = lock_level::unknown;  ///< strongest table lock the statement takes
  bool rewrites = false;                  ///< the statement rewrites a whole table
  statement_kind kind = statement_kind::schema;
  /// PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY,
  /// VACUUM, ...): only in revisions `without transaction`.
  bool outside_transaction = false;
  /// The objects it creates, changes or drops, qualified and comma-separated
  /// ("public.users, public.users_email_key"); "" when it names none.
  text objects = {};
  /**
   * The phase of a phased revision the step belongs to (docs/migrate.md,
   * "Phased revisions"): the steps of one phase run in one transaction of
   * their own, a step outside_transaction or backfill is a phase alone, and
   * phases run in order, each recorded as done when it commits. 0 for every
   * step of a revision that runs in one transaction.
   */
  std::uint16_t phase = 0;
  /**
   * `sql` is one batch of a backfill: a statement with one parameter, `$1`,
   * the last key of the previous batch as a JSON array (NULL for the first),
   * returning one row (`last_key` text: the last key of this batch, NULL when
   * it found no row; `rows` bigint: the rows it updated). Run in its own
   * short transaction per batch until `last_key` is NULL.
   */
  bool backfill = false;
  /// A step that builds an index concurrently: that index ("schema.name"). A run that resumes
  /// at this step keeps a valid one and drops and rebuilds an invalid one. "" otherwise.
  text index = {};
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
  /// The reason of `irreversible "reason"` (shown when a downgrade stops there); "" for none.
  text irreversible_reason = {};
  /// The checksum the same revision had under the previous checksum format
  /// (migc-checksum-v1), which a database migrated by an older migc recorded:
  /// accepted in its place, so a new format never makes a database refused.
  text previous_checksum = {};
  /**
   * The version another tool left in the version table that this revision (the root) stands
   * for (`adopts "5bfaba76d76e"`): a database whose version row holds it is at this revision,
   * and the next revision rewrites the row to migc's id. "" for none.
   */
  text adopts = {};
  /// Enum values the upgrade adds (ALTER TYPE ... ADD VALUE), one a line, each
  /// `schema.type 'value'`; "" for none.
  text enum_values_added = {};
  /// Enum values that some revision added and this revision's raw SQL uses (casts to the type,
  /// writes to or compares with a column of it), in the same form: PostgreSQL refuses to use a
  /// value in the transaction that added it ("unsafe use of new value"), so `migrate upgrade
  /// --single-transaction` refuses a plan holding both revisions.
  text enum_values_used = {};

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
   * database's one gives the model at that revision. Schema records, one a
   * line (see schema_record below). A record of kind "revision" (name: the
   * id) starts each revision's changes; a removed record removes the object
   * of that kind, table and name; any other record adds the object or
   * replaces the one with the same kind, table and name. One string literal
   * rather than an array of aggregates: 10,000 revisions compile in a
   * fraction of the time and memory.
   */
  std::string_view schema_history = {};
};

// ---- schema records --------------------------------------------------------------------

/**
 * One object of a schema model as catalog::schema_history stores it: what
 * the compiler writes (compiler/src/schema_objects.cpp) and the runtime
 * reads back for drift checks (runtime/src/drift.cpp). `S` is
 * std::string_view for writing and std::string for reading. Names are
 * unquoted, as pg_catalog stores them.
 */
template <typename S>
struct basic_schema_record {
  S kind;           ///< one of the schema_kind names
  S table;          ///< column, index, constraint: "schema.table"; "" otherwise
  S name;           ///< column, constraint: the bare name; table, index, enum: "schema.name"
  S type;           ///< column type, constraint kind, "unique index" | "index"
  S columns;        ///< key columns, a foreign key's target, enum labels
  S default_value;  ///< a column's default
  bool not_null = false;
  bool partial = false;
  bool removed = false;  ///< the object is removed (written as a "-" before the kind)
};
using schema_record = basic_schema_record<std::string>;
using schema_record_view = basic_schema_record<std::string_view>;

/// The kinds of schema records.
struct schema_kind {
  static constexpr std::string_view table = "table";
  static constexpr std::string_view column = "column";
  static constexpr std::string_view index = "index";
  static constexpr std::string_view constraint = "constraint";
  static constexpr std::string_view enum_type = "enum";
  static constexpr std::string_view user_type = "type";  ///< domain, composite or range type
  static constexpr std::string_view sequence = "sequence";
  static constexpr std::string_view view = "view";
  static constexpr std::string_view materialized_view = "materialized view";
  static constexpr std::string_view function = "function";
  static constexpr std::string_view procedure = "procedure";
  static constexpr std::string_view trigger = "trigger";
  static constexpr std::string_view schema = "schema";
  static constexpr std::string_view extension = "extension";
  /// A comment: `table` names the kind of the object it is on, `name` the object, `columns` the
  /// text.
  static constexpr std::string_view comment = "comment";
  /// Not an object: a name a statement the model does not follow touched ("schema.name", or
  /// "schema." for a whole schema). verify does not report live objects it covers.
  static constexpr std::string_view unknown = "unknown";
  /// Not an object: starts the changes of the revision whose id is the record's name.
  static constexpr std::string_view revision = "revision";
};

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

/**
 * The record format, one definition for the writer and the reader: a line
 * of eight tab-separated fields in the order kind, table, name, type,
 * columns, default, not null ("1"/"0"), partial ("1"/"0"); a removed
 * object's kind carries a leading "-"; backslash, tab and newline inside a
 * field are written `\\`, `\t`, `\n` (PostgreSQL's COPY text rules).
 */
struct schema_record_format {
  static constexpr std::size_t field_count = 8;
  static constexpr char separator = '\t';
  static constexpr char removed_mark = '-';

  /// Appends `record` as one line, '\n' included.
  static void append(std::string& out, schema_record_view const& record) {
    if (record.removed) out += removed_mark;
    append_field(out, record.kind);
    for (std::string_view const field :
         {record.table, record.name, record.type, record.columns, record.default_value}) {
      out += separator;
      append_field(out, field);
    }
    out += separator;
    out += record.not_null ? '1' : '0';
    out += separator;
    out += record.partial ? '1' : '0';
    out += '\n';
  }

  /// The record on `line` (no '\n'), fields unescaped; nullopt unless it has eight fields.
  [[nodiscard]] static std::optional<schema_record> parse(std::string_view line) {
    std::array<std::string, field_count> fields;
    std::size_t count = 0;
    for (std::size_t start = 0;;) {
      if (count == field_count) return std::nullopt;  // a ninth field
      std::size_t const end = line.find(separator, start);
      fields[count++] = unescape(line.substr(start, end == line.npos ? line.npos : end - start));
      if (end == line.npos) break;
      start = end + 1;
    }
    if (count != field_count) return std::nullopt;
    schema_record record;
    record.removed = !fields[0].empty() && fields[0][0] == removed_mark;
    if (record.removed) fields[0].erase(0, 1);
    record.kind = std::move(fields[0]);
    record.table = std::move(fields[1]);
    record.name = std::move(fields[2]);
    record.type = std::move(fields[3]);
    record.columns = std::move(fields[4]);
    record.default_value = std::move(fields[5]);
    record.not_null = fields[6] == "1";
    record.partial = fields[7] == "1";
    return record;
  }

 private:
  static void append_field(std::string& out, std::string_view field) {
    for (char const c : field) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
  }

  static std::string unescape(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
      if (field[i] != '\\' || i + 1 == field.size()) {
        out += field[i];
        continue;
      }
      char const next = field[++i];
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
    }
    return out;
  }
};

}  // namespace migc::runtime
