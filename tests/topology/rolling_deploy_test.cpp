// A binary older than the database during a rolling deploy: status reports and never refuses,
// `upgrade --allow-ahead` has nothing to do and exits 0; another branch or an edited revision is
// still refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pg_test.hpp"
#include "topology_test.hpp"

namespace {

using migc::test::migrate;
using testing::HasSubstr;

class rolling_deploy_test : public migc::test::pg_test {
 protected:
  void SetUp() override {
    auto const newer = migrate("pooled", conninfo(), {"upgrade"});  // the new release: head 006
    ASSERT_EQ(newer.exit_code, 0) << newer.err;
  }
};

TEST_F(rolling_deploy_test, an_older_binary_is_strict_by_default_and_fine_with_allow_ahead) {
  auto const strict = migrate("pooled_short", conninfo(), {"upgrade"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_THAT(strict.err, HasSubstr("database is at 006"));
  EXPECT_THAT(strict.err, HasSubstr("this binary is older than the database"));

  auto const ahead = migrate("pooled_short", conninfo(), {"upgrade", "--allow-ahead"});
  EXPECT_EQ(ahead.exit_code, 0) << ahead.err;
  EXPECT_THAT(ahead.out,
              HasSubstr("Database is at 006, ahead of this binary (head 004): nothing to do"));
  EXPECT_EQ(scalar("SELECT count(*) FROM alembic_version_history"), "6");  // nothing written

  auto const status = migrate("pooled_short", conninfo(), {"status"});
  EXPECT_EQ(status.exit_code, 4);  // reported, documented exit code: an anomaly
  EXPECT_THAT(status.out, HasSubstr("Problem: database is at 006"));
  auto const allowed = migrate("pooled_short", conninfo(), {"status", "--allow-ahead"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out;
  auto const json = migrate("pooled_short", conninfo(), {"status", "--format", "json"});
  EXPECT_THAT(json.out, HasSubstr("\"database_ahead\""));
  EXPECT_THAT(json.out, HasSubstr("\"running\":null"));
}

TEST_F(rolling_deploy_test, allow_ahead_still_refuses_a_revision_applied_with_another_checksum) {
  scalar("UPDATE alembic_version_history SET checksum = 'sha256:other' WHERE revision = '003'");
  auto const r = migrate("pooled_short", conninfo(), {"upgrade", "--allow-ahead"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.err, HasSubstr("another branch"));
}

}  // namespace
