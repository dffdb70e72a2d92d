// Revision ids as numbers.
#include <fmt/format.h>

#include <limits>
#include <migc/compiler/revision_id.hpp>

namespace migc::compiler {

std::optional<std::uint64_t> revision_number(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    auto const digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string format_revision_id(std::uint64_t number) {
  return fmt::format("{:03d}", number);
}

}  // namespace migc::compiler
