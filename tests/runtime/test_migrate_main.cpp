// A migrate binary over the hand-built test catalogs, for tests that need a real process.
#include <cstdlib>
#include <migc/runtime/cli.hpp>
#include <string_view>

#include "test_catalogs.hpp"

// MIGC_TEST_CATALOG picks the catalog (app when unset): the tests send signals to, and run many
// copies of, the same executable a generated main() would be.
int main(int argc, char** argv) {
  char const* env = std::getenv("MIGC_TEST_CATALOG");
  std::string_view const name = env != nullptr ? env : "app";
  migc::runtime::catalog const& cat = name == "sleepy"       ? migc::test::sleepy
                                      : name == "slow_index" ? migc::test::slow_index
                                                             : migc::test::app;
  return migc::runtime::run_cli(argc, argv, cat);
}
