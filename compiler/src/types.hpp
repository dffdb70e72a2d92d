// PostgreSQL's built-in types: alias resolution (int4 = integer), rendering, and "did you mean".
#pragma once

#include <migc/dsl/ast.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::compiler {

/// The canonical name of a built-in type or alias (`int4` -> `integer`,
/// `timestamp with time zone` -> `timestamptz`); nothing when `name` is not built in.
[[nodiscard]] std::optional<std::string_view> builtin_type(std::string_view name);

/// `type` with a built-in alias replaced by its canonical name (`int4` -> `integer`);
/// other types (enums, extension types) unchanged.
[[nodiscard]] dsl::ast::type_name normalized(dsl::ast::type_name type);

/// Types an extension brings (`citext` -> {"citext"}); empty for unknown extensions.
[[nodiscard]] std::vector<std::string_view> extension_types(std::string_view extension);

/// The extension that brings type `name` (`citext` -> `citext`, `geometry` -> `postgis`).
[[nodiscard]] std::optional<std::string_view> extension_of(std::string_view type);

/// Every built-in canonical name (for suggestions).
[[nodiscard]] std::vector<std::string_view> builtin_type_names();

/// The closest of `candidates` to `name` by edit distance, when close enough to be a likely typo.
[[nodiscard]] std::optional<std::string> closest_name(std::string_view name,
                                                      std::vector<std::string> const& candidates);

/// The type underneath a serial pseudo-type (`serial` -> `integer`), else `base` itself:
/// what a foreign key column must match.
[[nodiscard]] std::string_view storage_type(std::string_view base);

/// True when `base` fills itself in (serial types): a NOT NULL column of it needs no default.
[[nodiscard]] bool is_serial(std::string_view base);

/**
 * A type as PostgreSQL's format_type() spells it with search_path = pg_catalog, public
 * ("character varying(40)", "timestamp with time zone", "audit.level", "integer[]"): what
 * `migrate verify` reads back from the catalog. Without modifiers it is the spelling of function
 * argument lists (pg_proc keeps no typmods).
 */
[[nodiscard]] std::string format_type(dsl::ast::type_name const& type, bool with_modifiers);

}  // namespace migc::compiler
