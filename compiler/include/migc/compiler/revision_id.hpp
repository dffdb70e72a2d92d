// Revision ids: decimal numbers compared by value ("01" and "001" are one revision).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace migc::compiler {

/**
 * Numeric value of an id: runtime::revision_id_value (the catalog contract:
 * at most 32 digits, a value that fits 64 bits); nullopt for anything else.
 */
[[nodiscard]] std::optional<std::uint64_t> revision_number(std::string_view digits);

/// An id written the recommended way: zero-padded to at least three digits.
[[nodiscard]] std::string format_revision_id(std::uint64_t number);

}  // namespace migc::compiler
