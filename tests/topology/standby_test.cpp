// Against a real hot standby (pg_basebackup -R): runs refuse it before changing anything, status
// reads it, and a multi-host URL with target_session_attrs=read-write finds the primary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pg_test.hpp"
#include "topology_support.hpp"
#include "topology_test.hpp"

namespace {

using migc::test::hot_standby;
using migc::test::migrate;
using testing::HasSubstr;

class standby_test : public migc::test::pg_test {};

TEST_F(standby_test, runs_refuse_a_standby_up_front_and_a_multi_host_url_finds_the_primary) {
  auto const first = migrate("pooled", conninfo(), {"upgrade", "002"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  hot_standby const standby;
  std::string const on_standby = standby.conninfo(database_name());
  migc::test::wait_for_replay(conninfo(), on_standby);

  for (std::vector<std::string> const& command :
       {std::vector<std::string>{"upgrade"}, {"downgrade", "001"}, {"stamp", "003"}}) {
    auto const r = migrate("pooled", on_standby, command);
    EXPECT_EQ(r.exit_code, 1) << command[0] << ": " << r.out;
    EXPECT_THAT(r.err, HasSubstr("is a standby in recovery (pg_is_in_recovery() is true)"));
    EXPECT_THAT(r.err, HasSubstr("port 5433"));
    EXPECT_THAT(r.err, HasSubstr("nothing was changed"));
    EXPECT_THAT(r.err, HasSubstr("target_session_attrs=read-write"));
  }
  auto const json = migrate("pooled", on_standby, {"upgrade", "--format", "json"});
  EXPECT_THAT(json.out, HasSubstr("\"read_only\"")) << json.out;

  auto const status = migrate("pooled", on_standby, {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("Current revision: 002"));

  std::string const both = "host=" + standby.socket_dir() + "," + migc::test::server_socket_dir() +
                           " port=5433,5432 user=" +
                           migc::test::query_value(conninfo(), "SELECT current_user").value_or("") +
                           " dbname=" + database_name() + " target_session_attrs=read-write";
  auto const upgrade = migrate("pooled", both, {"upgrade"});
  EXPECT_EQ(upgrade.exit_code, 0) << upgrade.err;
  EXPECT_EQ(scalar("SELECT version_num FROM alembic_version"), "006");
}

}  // namespace
