// Revision checksums: SHA-256 over a versioned canonical form of the parsed revision.
#pragma once

#include <migc/dsl/ast.hpp>
#include <string>
#include <string_view>

namespace migc::compiler {

/// Version tag of the canonical form; part of the hashed bytes (docs/checksum.md).
inline constexpr std::string_view checksum_format = "migc-checksum-v1";

/**
 * The exact bytes a revision's checksum is taken over (docs/checksum.md):
 * ids as numbers, the transaction mode, and every step in canonical form
 * (raw SQL with comments removed and whitespace collapsed). Comments,
 * layout and the description are excluded, so reformatting a revision never
 * changes its checksum; generated SQL is never hashed, so a better SQL
 * generator never invalidates an applied revision.
 */
[[nodiscard]] std::string canonical_form(dsl::ast::revision const& revision);

/// "sha256:" + lowercase hex SHA-256 of `canonical_form(revision)`.
[[nodiscard]] std::string revision_checksum(dsl::ast::revision const& revision);

/// Lowercase hex SHA-256 of arbitrary bytes.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace migc::compiler
