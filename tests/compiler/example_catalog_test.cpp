// The example project's generated catalog (migrations/, built by add_migrations) matches its
// sources.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migrate_catalog.hpp>

#include "compiler_test_support.hpp"

TEST(example_catalog, embeds_every_revision_of_the_migrations_folder_in_chain_order) {
  auto const& embedded = example::db::catalog();
  auto const outcome = migc::test::compile(MIGC_EXAMPLE_MIGRATIONS);
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  auto const& expected = outcome.chain->revisions;
  ASSERT_EQ(embedded.revisions.size, expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto const& r = embedded.revisions[i];
    EXPECT_EQ(r.id, expected[i].id);
    EXPECT_EQ(r.parent, expected[i].parent);
    EXPECT_EQ(r.checksum, expected[i].checksum);
    EXPECT_EQ(r.source_file, expected[i].source_file);
    ASSERT_EQ(r.upgrade.size, expected[i].upgrade.size());
    for (std::size_t s = 0; s < r.upgrade.size; ++s) {
      EXPECT_EQ(r.upgrade[s].sql, expected[i].upgrade[s].sql);
      EXPECT_EQ(r.upgrade[s].line, expected[i].upgrade[s].line);
    }
  }
  EXPECT_EQ(embedded.chain_hash, outcome.chain->chain_hash);
  EXPECT_EQ(embedded.version_table, "alembic_version");
  EXPECT_EQ(embedded.source_dir, "migrations");
}

TEST(example_catalog, records_where_each_step_starts_in_its_file) {
  auto const& embedded = example::db::catalog();
  ASSERT_GE(embedded.revisions.size, 3u);
  auto const& backfill = embedded.revisions[2];
  EXPECT_EQ(backfill.id, "003");
  EXPECT_EQ(backfill.source_line, 1u);
  ASSERT_EQ(backfill.upgrade.size, 2u);
  EXPECT_EQ(backfill.upgrade[0].line, 4u);
  EXPECT_EQ(backfill.upgrade[1].line, 7u);
  EXPECT_THAT(std::string(backfill.upgrade[1].sql),
              ::testing::StartsWith("UPDATE users SET full_name"));
}
