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

}  // namespace migc::compiler
