// Concurrency: many migrate processes at once on one database; each revision applied exactly once.
#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>

#include "fault_support.hpp"
#include "pg_test.hpp"

namespace {

using namespace migc::test;

std::vector<process_result> run_all(std::vector<std::vector<std::string>> const& commands) {
  std::vector<std::unique_ptr<child_process>> children;
  for (auto const& argv : commands) children.push_back(std::make_unique<child_process>(argv));
  std::vector<process_result> results;
  for (auto& child : children) results.push_back(child->wait());
  return results;
}

class concurrency_test : public pg_test {};

TEST_F(concurrency_test, sixteen_upgrades_at_once_apply_each_revision_exactly_once) {
  std::vector<std::vector<std::string>> commands(
      16, fault_argv("fault_migrate", conninfo(), {"upgrade"}));
  auto const results = run_all(commands);
  for (auto const& result : results) EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(fault_chain_version(conninfo()), 200);
  EXPECT_EQ(query_value(conninfo(),
                        "SELECT count(*) FROM alembic_version_history WHERE direction = 'upgrade'"),
            "200");
  EXPECT_EQ(query_value(conninfo(), "SELECT count(DISTINCT revision) FROM alembic_version_history"),
            "200");
  EXPECT_EQ(fault_chain_inconsistency(conninfo()), "");
  std::printf("[ figures  ] 16 concurrent upgrades: 200 revisions applied once each\n");
}

TEST_F(concurrency_test, upgrades_racing_downgrades_keep_a_consistent_history) {
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 4; ++i) {
    commands.push_back(fault_argv("fault_migrate", conninfo(), {"upgrade"}));
    commands.push_back(fault_argv("fault_migrate", conninfo(), {"downgrade", "base"}));
  }
  auto const results = run_all(commands);
  for (auto const& result : results) EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(fault_chain_inconsistency(conninfo()), "");
  // Replaying the history must never apply a revision twice or revert one that was not applied.
  pqxx::connection cx(conninfo());
  pqxx::nontransaction tx(cx);
  int version = 0;
  for (auto const& row :
       tx.exec("SELECT direction, revision FROM alembic_version_history ORDER BY id")) {
    int const revision = std::stoi(row[1].as<std::string>());
    if (row[0].as<std::string>() == "upgrade") {
      ASSERT_EQ(revision, version + 1) << "history applies " << revision << " at " << version;
      version = revision;
    } else {
      ASSERT_EQ(revision, version) << "history reverts " << revision << " at " << version;
      version = revision - 1;
    }
  }
  EXPECT_EQ(version, fault_chain_version(conninfo()));
}

}  // namespace
