// The names PostgreSQL gives unnamed constraints (users_pkey, tenants_slug_key,
// memories_user_id_fkey).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::compiler {

/// PostgreSQL's identifier limit (NAMEDATALEN - 1 bytes).
inline constexpr std::size_t max_identifier_bytes = 63;

/// Column names joined with '_', as ChooseIndexColumnNames and the foreign-key variant do.
[[nodiscard]] std::string join_names(std::vector<std::string> const& names);

/**
 * PostgreSQL's makeObjectName + ChooseConstraintName: `table_columns_label`
 * (no `_columns` when `columns` is empty), the longer of the two names
 * shortened first to fit 63 bytes (never splitting a UTF-8 character), and
 * `label1`, `label2`, ... when the name is in `used`.
 */
[[nodiscard]] std::string choose_name(std::string_view table, std::string_view columns,
                                      std::string_view label, std::vector<std::string> const& used);

/// choose_name with the names in use given as a test.
[[nodiscard]] std::string choose_name(std::string_view table, std::string_view columns,
                                      std::string_view label,
                                      std::function<bool(std::string const&)> const& is_used);

}  // namespace migc::compiler
