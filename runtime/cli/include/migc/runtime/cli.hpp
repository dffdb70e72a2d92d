// The `migrate` command-line front end over one embedded catalog.
#pragma once

#include <migc/runtime/catalog.hpp>

namespace migc::runtime {

/**
 * Runs the `migrate` command line (status, upgrade, downgrade, history, list,
 * ...) against `embedded`. Returns the process exit code: 0 success,
 * 1 failure, 2 usage error. Never throws.
 *
 * The generated `main()` of every migrate binary is one call to this.
 */
int run_cli(int argc, char** argv, catalog const& embedded) noexcept;

}  // namespace migc::runtime
