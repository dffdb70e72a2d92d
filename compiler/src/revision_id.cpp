// Revision ids as numbers: the rule is the catalog contract's (migc/runtime/catalog.hpp).
#include <fmt/format.h>

#include <migc/compiler/revision_id.hpp>
#include <migc/runtime/catalog.hpp>

namespace migc::compiler {

std::optional<std::uint64_t> revision_number(std::string_view digits) {
  return runtime::revision_id_value(digits);
}

std::string format_revision_id(std::uint64_t number) {
  return fmt::format("{:03d}", number);
}

}  // namespace migc::compiler
