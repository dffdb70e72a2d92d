// Rendering steps as text: the SQL sent to PostgreSQL, and the canonical form revision checksums
// hash.
#pragma once

#include <functional>
#include <migc/dsl/ast.hpp>
#include <string>
#include <string_view>

namespace migc::compiler {

/// An identifier as PostgreSQL needs it written: bare when it is lower
/// case letters, digits, '_' and '$' (not first) and no keyword that would
/// need quoting, else in double quotes with inner quotes doubled.
[[nodiscard]] std::string quote_identifier(std::string_view name);

/// A SQL string literal: single quotes, inner quotes doubled.
[[nodiscard]] std::string quote_literal(std::string_view text);

/// An ON DELETE action as SQL spells it, lower case ("set null").
[[nodiscard]] std::string_view action_words(dsl::ast::fk_action action);

/// A type as generated SQL writes it (`varchar(20)[]`, `audit.mood`).
[[nodiscard]] std::string type_sql(dsl::ast::type_name const& type);

/**
 * The one SQL statement a declarative step runs, as a PostgreSQL user would
 * write it by hand: upper-case keywords, identifiers quoted only where
 * needed, `public.` left out, types by their canonical name. Unnamed
 * constraints stay unnamed (PostgreSQL picks the names the model predicts).
 * Not for raw sql or irreversible steps.
 */
[[nodiscard]] std::string step_sql(dsl::ast::step const& step);

/// A table or index name as generated SQL writes it (`users`, `audit.events`, `"Odd"`).
[[nodiscard]] std::string relation_sql(dsl::ast::qualified_name const& name);

/// How the canonical form writes a SQL fragment (a default, a check, ...): each checksum format
/// version has its own (docs/checksum.md).
using fragment_form = std::function<std::string(dsl::ast::sql_fragment const&)>;

/**
 * The canonical text of a declarative step for checksums (docs/checksum.md):
 * the step in the language's own shape, lower-case keywords, every
 * identifier double-quoted, every name schema-qualified (`"public"."users"`),
 * types normalised (`int4` -> `integer`), SQL fragments as `fragments` writes them.
 * Frozen: changing it changes the checksums of applied revisions.
 */
[[nodiscard]] std::string step_canonical(dsl::ast::step const& step,
                                         fragment_form const& fragments);

}  // namespace migc::compiler
