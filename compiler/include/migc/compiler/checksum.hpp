// Revision checksums: SHA-256 over a versioned canonical form of the parsed revision.
#pragma once

#include <memory>
#include <migc/dsl/ast.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace migc::compiler {

namespace sql {
struct raw_step;
}  // namespace sql

/// Version tag of the canonical form; part of the hashed bytes (docs/checksum.md).
inline constexpr std::string_view checksum_format = "migc-checksum-v2";
/// The version before it, still computed so that databases it was recorded in stay valid.
inline constexpr std::string_view previous_checksum_format = "migc-checksum-v1";

/**
 * The exact bytes a revision's checksum is taken over (docs/checksum.md,
 * version 2): ids as numbers, the transaction mode, every declarative step
 * in canonical form and every raw SQL statement as its PostgreSQL parse
 * tree without source locations. Comments, layout, keyword case and the
 * description are excluded, so reformatting a revision never changes its
 * checksum; generated SQL is never hashed, so a better SQL generator never
 * invalidates an applied revision. Reads the raw steps with PostgreSQL's
 * parser (a few times the SQL's size in memory: for tests and tools).
 */
[[nodiscard]] std::string canonical_form(dsl::ast::revision const& revision);

/// "sha256:" + lowercase hex SHA-256 of `canonical_form(revision)`.
[[nodiscard]] std::string revision_checksum(dsl::ast::revision const& revision);

/**
 * The same checksum from raw steps already read with their parse trees
 * (`sql::with_trees` of the upgrade and downgrade blocks), hashed as it is
 * written: the canonical form is never built in memory.
 */
[[nodiscard]] std::string revision_checksum(
    dsl::ast::revision const& revision,
    std::vector<std::shared_ptr<sql::raw_step const>> const& upgrade,
    std::vector<std::shared_ptr<sql::raw_step const>> const& downgrade);

/**
 * The canonical form of version 1 (frozen; docs/checksum.md): raw SQL with
 * comments removed and whitespace runs collapsed, fragments likewise.
 */
[[nodiscard]] std::string previous_canonical_form(dsl::ast::revision const& revision);

/// "sha256:" + lowercase hex SHA-256 of `previous_canonical_form(revision)`.
[[nodiscard]] std::string previous_revision_checksum(dsl::ast::revision const& revision);

/// Lowercase hex SHA-256 of arbitrary bytes.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

/// Lowercase hex MD5 of arbitrary bytes: what PostgreSQL's md5() gives, so that `verify` can
/// compare a function body by `md5(prosrc)` without reading it.
[[nodiscard]] std::string md5_hex(std::string_view bytes);

}  // namespace migc::compiler
