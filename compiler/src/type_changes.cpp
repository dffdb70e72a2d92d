// Column type changes as PostgreSQL 15 performs them: lossless round trips, rewrites, defaults.
#include "type_changes.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "types.hpp"

namespace migc::compiler {
namespace {

namespace ast = dsl::ast;

/// The canonical storage name of a built-in type ("serial" -> "integer"), "" for a user type.
std::string_view base_of(ast::type_name const& t) {
  if (!t.schema.empty()) return {};
  auto const canonical = builtin_type(t.name);
  return canonical ? storage_type(*canonical) : std::string_view{};
}

bool is_string(std::string_view base) {
  return base == "text" || base == "varchar" || base == "char";
}

/// Decimal digits the largest value of an integer type has.
std::optional<std::uint32_t> integer_digits(std::string_view base) {
  if (base == "smallint") return 5;
  if (base == "integer") return 10;
  if (base == "bigint") return 19;
  return std::nullopt;
}

/// The rank of an integer type (smallint < integer < bigint), 0 for others.
int integer_rank(std::string_view base) {
  if (base == "smallint") return 1;
  if (base == "integer") return 2;
  if (base == "bigint") return 3;
  return 0;
}

/// `(precision, scale)` of a numeric type; nothing when unconstrained.
std::optional<std::pair<std::uint32_t, std::uint32_t>> numeric_bounds(ast::type_name const& t) {
  if (t.modifiers.empty()) return std::nullopt;
  return std::pair{t.modifiers[0], t.modifiers.size() > 1 ? t.modifiers[1] : 0u};
}

/// A length or precision modifier: none means unlimited (`fallback`).
std::uint32_t modifier_or(ast::type_name const& t, std::uint32_t fallback) {
  return t.modifiers.empty() ? fallback : t.modifiers[0];
}

constexpr std::uint32_t unlimited = 0xffffffffu;

bool numeric_widens(ast::type_name const& from, ast::type_name const& to) {
  auto const a = numeric_bounds(from);
  auto const b = numeric_bounds(to);
  if (!b) return true;
  if (!a) return false;
  return b->second >= a->second && b->first - b->second >= a->first - a->second;
}

/// Types whose text form reads back as the same value in every session (no DateStyle, no
/// locale, no float rounding involved).
bool text_round_trips(std::string_view base, ast::type_name const& t) {
  if (base.empty()) return !t.schema.empty();  // enums and other user types: their labels
  return integer_rank(base) > 0 || base == "numeric" || base == "boolean" || base == "uuid" ||
         base == "json" || base == "jsonb" || base == "inet" || base == "cidr" || is_string(base);
}

bool element_widens(ast::type_name const& from, ast::type_name const& to) {
  std::string_view const a = base_of(from);
  std::string_view const b = base_of(to);
  if (a.empty() || b.empty()) {
    // A user type only keeps its values as itself, or as unconstrained text.
    if (from.schema == to.schema && from.name == to.name) return from.modifiers == to.modifiers;
    return (b == "text" || (b == "varchar" && to.modifiers.empty())) && text_round_trips(a, from);
  }
  if (integer_rank(a) > 0) {
    if (integer_rank(b) > 0) return integer_rank(b) >= integer_rank(a);
    if (b == "numeric") {
      auto const bounds = numeric_bounds(to);
      return !bounds || bounds->first - bounds->second >= *integer_digits(a);
    }
    if (b == "double precision") return a != "bigint";  // 53-bit mantissa
    if (b == "real") return a == "smallint";            // 24-bit mantissa
  }
  if (a == "numeric" && b == "numeric") return numeric_widens(from, to);
  if (a == "real") return b == "real" || b == "double precision";
  if (is_string(a) && is_string(b)) {
    // char(n) keeps its padding only as char; a string fits where its length fits.
    if (b == "char" && a != "char") return false;
    std::uint32_t const length = modifier_or(from, a == "char" ? 1 : unlimited);
    return modifier_or(to, b == "char" ? 1 : unlimited) >= length;
  }
  if (a == "date") return b == "date" || b == "timestamp";
  if (a == b && (a == "time" || a == "timetz" || a == "timestamp" || a == "timestamptz" ||
                 a == "interval" || a == "varbit")) {
    std::uint32_t const most = a == "varbit" ? unlimited : 6;
    return modifier_or(to, most) >= modifier_or(from, most);
  }
  if (a == "bit" && b == "varbit") return modifier_or(to, unlimited) >= modifier_or(from, 1);
  if (b == "text" || (b == "varchar" && to.modifiers.empty())) return text_round_trips(a, from);
  return a == b && from.modifiers == to.modifiers;
}

/// Implicit and assignment casts between built-in types of PostgreSQL 15 (pg_cast with
/// castcontext 'i' or 'a'), besides a type to itself and the I/O conversions to string types.
constexpr std::array<std::pair<std::string_view, std::string_view>, 53> assignment_casts{{
    {"bigint", "double precision"},
    {"bigint", "integer"},
    {"bigint", "money"},
    {"bigint", "numeric"},
    {"bigint", "real"},
    {"bigint", "smallint"},
    {"bit", "varbit"},
    {"varbit", "bit"},
    {"cidr", "inet"},
    {"date", "timestamptz"},
    {"date", "timestamp"},
    {"double precision", "bigint"},
    {"double precision", "integer"},
    {"double precision", "numeric"},
    {"double precision", "real"},
    {"double precision", "smallint"},
    {"inet", "cidr"},
    {"integer", "bigint"},
    {"integer", "double precision"},
    {"integer", "money"},
    {"integer", "numeric"},
    {"integer", "real"},
    {"integer", "smallint"},
    {"interval", "time"},
    {"json", "jsonb"},
    {"jsonb", "json"},
    {"money", "numeric"},
    {"numeric", "bigint"},
    {"numeric", "double precision"},
    {"numeric", "integer"},
    {"numeric", "money"},
    {"numeric", "real"},
    {"numeric", "smallint"},
    {"real", "bigint"},
    {"real", "double precision"},
    {"real", "integer"},
    {"real", "numeric"},
    {"real", "smallint"},
    {"smallint", "bigint"},
    {"smallint", "double precision"},
    {"smallint", "integer"},
    {"smallint", "numeric"},
    {"smallint", "real"},
    {"timetz", "time"},
    {"time", "interval"},
    {"time", "timetz"},
    {"timestamptz", "date"},
    {"timestamptz", "timetz"},
    {"timestamptz", "time"},
    {"timestamptz", "timestamp"},
    {"timestamp", "date"},
    {"timestamp", "time"},
    {"timestamp", "timestamptz"},
}};

bool assignment_cast(std::string_view from, std::string_view to) {
  if (from == to || is_string(to)) return true;
  return std::find(assignment_casts.begin(), assignment_casts.end(), std::pair{from, to}) !=
         assignment_casts.end();
}

/// pg_type.typcategory of a built-in type: 'N' numbers, 'S' strings, 'B' boolean, 'D' dates and
/// times, 'T' interval, 'U' and others their own ('\0': each type a category of its own).
char type_category(std::string_view base) {
  if (integer_rank(base) > 0 || base == "numeric" || base == "real" || base == "double precision" ||
      base == "money" || base == "oid")
    return 'N';
  if (is_string(base) || base == "name") return 'S';
  if (base == "boolean") return 'B';
  if (base == "date" || base == "time" || base == "timetz" || base == "timestamp" ||
      base == "timestamptz")
    return 'D';
  return '\0';
}

/// Implicit casts between built-in types of PostgreSQL 15 (pg_cast castcontext 'i'), besides a
/// type to itself: the coercions a foreign key may put on its referencing column.
constexpr std::array<std::pair<std::string_view, std::string_view>, 44> implicit_casts{{
    {"bigint", "double precision"},
    {"bigint", "numeric"},
    {"bigint", "oid"},
    {"bigint", "real"},
    {"bigint", "regclass"},
    {"bit", "varbit"},
    {"varbit", "bit"},
    {"char", "varchar"},
    {"char", "name"},
    {"char", "text"},
    {"varchar", "char"},
    {"varchar", "name"},
    {"varchar", "regclass"},
    {"varchar", "text"},
    {"cidr", "inet"},
    {"date", "timestamptz"},
    {"date", "timestamp"},
    {"integer", "bigint"},
    {"integer", "double precision"},
    {"integer", "numeric"},
    {"integer", "oid"},
    {"integer", "real"},
    {"integer", "regclass"},
    {"macaddr", "macaddr8"},
    {"macaddr8", "macaddr"},
    {"name", "text"},
    {"numeric", "double precision"},
    {"numeric", "real"},
    {"oid", "regclass"},
    {"real", "double precision"},
    {"regclass", "oid"},
    {"smallint", "bigint"},
    {"smallint", "double precision"},
    {"smallint", "integer"},
    {"smallint", "numeric"},
    {"smallint", "oid"},
    {"smallint", "real"},
    {"smallint", "regclass"},
    {"text", "char"},
    {"text", "varchar"},
    {"text", "name"},
    {"text", "regclass"},
    {"time", "interval"},
    {"time", "timetz"},
}};

bool implicit_cast(std::string_view from, std::string_view to) {
  return from == to || std::find(implicit_casts.begin(), implicit_casts.end(),
                                 std::pair{from, to}) != implicit_casts.end();
}

/// The input type of a built-in type's default btree operator class: the type itself, or the type
/// it is binary coercible to when it has no class of its own (varchar uses text_ops, cidr
/// inet_ops, regclass oid_ops).
std::string_view btree_input(std::string_view base) {
  if (base == "varchar") return "text";
  if (base == "cidr") return "inet";
  if (base == "regclass") return "oid";
  return base;
}

/// The btree operator family with cross-type equality operators that holds `base`, "" for the
/// families of one type only (pg_amop: integer_ops, float_ops, datetime_ops, text_ops).
std::string_view cross_type_family(std::string_view base) {
  if (integer_rank(base) > 0) return "integer_ops";
  if (base == "real" || base == "double precision") return "float_ops";
  if (base == "date" || base == "timestamp" || base == "timestamptz") return "datetime_ops";
  if (base == "text" || base == "name") return "text_ops";
  return {};
}

}  // namespace

bool widens(ast::type_name const& from, ast::type_name const& to) {
  if ((from.array_dims == 0) != (to.array_dims == 0)) return false;
  return element_widens(normalized(from), normalized(to));
}

bool coercible_without_rewrite(ast::type_name const& from, ast::type_name const& to) {
  if (from.array_dims != to.array_dims) return false;
  std::string_view const a = base_of(from);
  std::string_view const b = base_of(to);
  if (a.empty() || b.empty())
    return from.schema == to.schema && from.name == to.name && from.modifiers == to.modifiers;
  if (a == b) {
    if (to.modifiers.empty()) return a == "varchar" || a == "numeric" || from.modifiers.empty();
    if (a == "varchar") return !from.modifiers.empty() && to.modifiers[0] >= from.modifiers[0];
    if (a == "numeric") {
      auto const x = numeric_bounds(from);
      auto const y = numeric_bounds(to);
      return x && y && y->second == x->second && y->first >= x->first;
    }
    // The length-coercion support functions (timestamp_support, varbit_support, ...) skip the
    // rewrite when the new limit is at least the old one.
    if (a == "timestamp" || a == "timestamptz" || a == "time" || a == "timetz" || a == "interval" ||
        a == "varbit")
      return !from.modifiers.empty() && to.modifiers[0] >= from.modifiers[0];
    return from.modifiers == to.modifiers;
  }
  return (a == "varchar" && b == "text") || (a == "text" && b == "varchar" && to.modifiers.empty());
}

bool default_survives(ast::type_name const& from, ast::type_name const& to, bool from_is_enum,
                      bool to_is_enum) {
  ast::type_name const a_type = normalized(from);
  ast::type_name const b_type = normalized(to);
  std::string_view const a = base_of(a_type);
  std::string_view const b = base_of(b_type);
  bool const same = a_type.schema == b_type.schema && a_type.name == b_type.name;
  if ((a_type.array_dims == 0) != (b_type.array_dims == 0))
    return b_type.array_dims == 0 && is_string(b);
  if (same) return true;
  if (to_is_enum) return false;  // only the I/O conversion, which is explicit
  if (from_is_enum) return is_string(b);
  if (a.empty() || b.empty()) return true;  // domains, extension types: not modelled
  return assignment_cast(a, b);
}

bool expressions_survive(ast::type_name const& from, ast::type_name const& to, bool from_is_enum,
                         bool to_is_enum) {
  ast::type_name const a_type = normalized(from);
  ast::type_name const b_type = normalized(to);
  if (a_type.array_dims != b_type.array_dims) return false;
  if (a_type.schema == b_type.schema && a_type.name == b_type.name) return true;
  std::string_view const a = base_of(a_type);
  std::string_view const b = base_of(b_type);
  if (a == "varchar") return true;
  if (from_is_enum || to_is_enum) return false;
  if (a.empty() || b.empty()) return true;  // domains, extension types: not modelled
  char const category = type_category(a);
  return a == b || (category != '\0' && category == type_category(b));
}

bool foreign_key_accepts(ast::type_name const& referenced, ast::type_name const& referencing) {
  ast::type_name const pk = normalized(referenced);
  ast::type_name const fk = normalized(referencing);
  if (pk.array_dims != fk.array_dims) return false;
  std::string_view const a = base_of(pk);
  std::string_view const b = base_of(fk);
  // User types (enums: anyenum's class) and arrays (anyarray's) compare only with themselves.
  if (a.empty() || b.empty() || pk.array_dims > 0)
    return pk.schema == fk.schema && storage_type(pk.name) == storage_type(fk.name);
  std::string_view const input = btree_input(a);
  if (input == b) return true;
  std::string_view const family = cross_type_family(input);
  if (!family.empty() && family == cross_type_family(b)) return true;
  return implicit_cast(b, input);
}

}  // namespace migc::compiler
