// Topology tests: running the chains' migrate binaries.
#pragma once

#include <string>
#include <vector>

#include "process.hpp"

namespace migc::test {

/// argv for `topology_<chain>_migrate --database-url <conninfo> <args...>`.
inline std::vector<std::string> migrate_argv(std::string const& chain, std::string const& conninfo,
                                             std::vector<std::string> const& args) {
  std::vector<std::string> argv{
      std::string(MIGC_TOPOLOGY_BIN_DIR) + "/topology_" + chain + "_migrate", "--database-url",
      conninfo};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

/// Runs a chain's migrate binary to the end.
inline process_result migrate(std::string const& chain, std::string const& conninfo,
                              std::vector<std::string> const& args) {
  return run_process(migrate_argv(chain, conninfo, args));
}

}  // namespace migc::test
