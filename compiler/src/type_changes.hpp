// What PostgreSQL 15 does when a column changes type: which changes keep every value (so a cast
// back undoes them), which need no table rewrite, and which defaults it can carry over.
#pragma once

#include <migc/dsl/ast.hpp>
#include <optional>
#include <string>

namespace migc::compiler {

/**
 * True when every value of type `from` converts to `to` and back to exactly the value it was, in
 * any session (no time zone, rounding or truncation involved): integers to wider integers or to
 * numeric with room for them, `real` to `double precision`, `varchar(n)` to a wider varchar or to
 * text, `numeric(p,s)` to one with at least as many digits on both sides of the point, `date` to
 * `timestamp`, time types to more fractional digits. Only such a change has a derived downgrade
 * (a cast back). Both types normalised (types.hpp); arrays compare element types.
 */
[[nodiscard]] bool widens(dsl::ast::type_name const& from, dsl::ast::type_name const& to);

/**
 * True when ALTER COLUMN ... TYPE from `from` to `to` needs no table rewrite (PostgreSQL 15
 * decides it by binary coercibility: varchar(n) to a wider varchar, varchar or text, numeric(p,s)
 * to a wider precision with the same scale, the same type with the same modifiers).
 */
[[nodiscard]] bool coercible_without_rewrite(dsl::ast::type_name const& from,
                                             dsl::ast::type_name const& to);

/**
 * False when PostgreSQL cannot carry a column's default over a type change from `from` to `to`:
 * ALTER COLUMN ... TYPE casts the default (not the USING expression) with the casts allowed in
 * assignment (pg_cast castcontext 'i' or 'a', plus the I/O conversion to a string type), and
 * fails with "default for column ... cannot be cast automatically" otherwise (PostgreSQL docs,
 * ALTER TABLE, "SET DATA TYPE"). `enum_type` says whether a user type is an enum; types the
 * model does not know (domains, extension types) are given the benefit of the doubt.
 */
[[nodiscard]] bool default_survives(dsl::ast::type_name const& from, dsl::ast::type_name const& to,
                                    bool from_is_enum, bool to_is_enum);

/**
 * False when a CHECK constraint, index expression or index predicate that reads a column cannot
 * follow the column's type change from `from` to `to`: PostgreSQL rebuilds them from their stored
 * text (ALTER TABLE, "SET DATA TYPE": "indexes and simple table constraints involving the column
 * will be automatically converted ... by reparsing the originally supplied expression"), where
 * constants carry the old type (`s <> 'x'::text`), and it finds no operator or function across
 * type categories (pg_type.typcategory: a string, a number, an enum, a boolean, a date or time:
 * "operator does not exist: status <> text"). A `varchar` column's expressions read it through an
 * explicit `::text` cast and survive. Types the model does not know are given the benefit of the
 * doubt.
 */
[[nodiscard]] bool expressions_survive(dsl::ast::type_name const& from,
                                       dsl::ast::type_name const& to, bool from_is_enum,
                                       bool to_is_enum);

/**
 * True when PostgreSQL accepts a foreign key whose column of type `referencing` references a key
 * column of type `referenced`; the same test runs again when either column changes type
 * (tablecmds.c, ATAddForeignKeyConstraint, and "foreign key constraint ... cannot be
 * implemented"). It holds when the btree operator family of the key's index has an equality
 * operator for the two types (integer_ops: smallint, integer, bigint in any pairing; float_ops:
 * real, double precision; datetime_ops: date, timestamp, timestamptz; text_ops: text, name, and
 * varchar through text), or when `referencing` casts implicitly to the key's operator class type
 * (bigint to numeric: yes; numeric to bigint: no). Modifiers do not matter; user types and arrays
 * pair only with themselves. The pairs were read from PostgreSQL 15
 * (tests/compiler/foreign_key_types.sql).
 */
[[nodiscard]] bool foreign_key_accepts(dsl::ast::type_name const& referenced,
                                       dsl::ast::type_name const& referencing);

}  // namespace migc::compiler
