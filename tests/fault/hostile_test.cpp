// Hostile names: version tables whose names carry quotes and SQL; nothing is injected, everything
// still works.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fault_support.hpp"
#include "pg_test.hpp"

using ::testing::HasSubstr;

namespace {

using namespace migc::test;

class hostile_test : public pg_test {
 protected:
  /// Runs `binary` (one of tests/fault's migrate builds) against this test's database.
  process_result run(std::string const& binary, std::vector<std::string> const& args) {
    return run_process(fault_argv(binary, conninfo(), args));
  }
  process_result migrate(std::vector<std::string> const& args) {
    return run("fault_failing_migrate", args);
  }
  process_result migrate_hostile(std::vector<std::string> const& args) {
    return run("fault_hostile_migrate", args);
  }
};

TEST_F(hostile_test, version_table_name_with_quotes_and_sql_is_quoted_not_executed) {
  for (std::string const name : {"we\"ird", "x'; DROP TABLE base; --", "Select",
                                 "t\xc3\xa4"
                                 "ble"}) {
    auto const result = migrate({"--version-table", name, "--new-version-table", "upgrade", "001"});
    ASSERT_EQ(result.exit_code, 0) << name << ": " << result.err;
    EXPECT_EQ(
        query_value(conninfo(), "SELECT count(*) FROM pg_class WHERE relname = $$" + name + "$$"),
        "1")
        << name;
    EXPECT_EQ(query_value(conninfo(), "SELECT to_regclass('base') IS NOT NULL"), "t") << name;
    auto const status = migrate({"--version-table", name, "status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    EXPECT_THAT(status.out, ::testing::HasSubstr("001"));
    auto const down = migrate({"--version-table", name, "downgrade", "base"});
    ASSERT_EQ(down.exit_code, 0) << name << ": " << down.err;
  }
}

TEST_F(hostile_test, quoted_unicode_and_reserved_identifiers_round_trip_through_generated_sql) {
  auto const up = migrate_hostile({"upgrade"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(query_value(conninfo(),
                        "SELECT \"ünïcödé\" FROM \"Weird \"\"Table\"\"\" WHERE \"select\" = $q$$$ "
                        "inside; ' quote$q$"),
            "it's $$ here");
  EXPECT_EQ(query_value(conninfo(), "SELECT \"user\" FROM \"order\" WHERE \"group\" = 1"), "x");
  EXPECT_EQ(
      query_value(conninfo(), "SELECT indexname FROM pg_indexes WHERE indexname = 'idx \"q\"'"),
      "idx \"q\"");
  EXPECT_EQ(query_value(conninfo(),
                        "SELECT conname FROM pg_constraint WHERE conname = 'Weird \"Table\"_pkey'"),
            "Weird \"Table\"_pkey");
  auto const down = migrate_hostile({"downgrade", "base"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(
      query_value(conninfo(),
                  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
                  "('order', 'Weird \"Table\"')"),
      "0");
  auto const history = migrate_hostile({"history"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, ::testing::HasSubstr("ünïcödé"));
}

}  // namespace
