// The runtime's exception family (see error.hpp).
#include <migc/runtime/error.hpp>
#include <utility>

namespace migc::runtime {

error::error(std::string const& message, error_context context)
    : std::runtime_error(message), m_context(std::move(context)) {}

}  // namespace migc::runtime
