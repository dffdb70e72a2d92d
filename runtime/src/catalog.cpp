// The catalog's string type, streamed (see catalog.hpp).
#include <migc/runtime/catalog.hpp>
#include <ostream>

namespace migc::runtime {

std::ostream& operator<<(std::ostream& out, text t) {
  return out << t.view();
}

}  // namespace migc::runtime
