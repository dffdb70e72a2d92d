// Test support: the migrate command line run in process over a catalog (what a built migrate
// binary runs), for tests that link migc_cli_internals.
#pragma once

#include <migc/runtime/catalog.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_io.hpp"

namespace migc::test {

/// What one `migrate` command printed, and its exit code.
struct cli_result {
  int code = 0;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// `migrate <args...>` (no program name) over `cat`, in process, its streams captured.
inline cli_result run_cli(std::vector<std::string> const& args, migc::runtime::catalog const& cat,
                          bool colour = false) {
  std::ostringstream out;
  std::ostringstream err;
  int const code = migc::runtime::detail::run_cli(args, cat, out, err, colour);
  return {code, out.str(), err.str()};
}

/// `migrate --database-url <conninfo> <args...>` over `cat`, in process.
inline cli_result run_migrate(std::string const& conninfo, migc::runtime::catalog const& cat,
                              std::vector<std::string> args) {
  args.insert(args.begin(), {"--database-url", conninfo});
  return run_cli(args, cat);
}

}  // namespace migc::test
