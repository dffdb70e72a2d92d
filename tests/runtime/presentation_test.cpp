// Values as people write and read them: the one duration parser and formatter, short hashes,
// and "did you mean".
#include "presentation.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "privileges.hpp"
#include "suggest.hpp"

namespace detail = migc::runtime::detail;
using namespace std::chrono_literals;

TEST(durations, parse_the_units_people_write) {
  EXPECT_EQ(detail::parse_duration("10s"), std::chrono::milliseconds(10000));
  EXPECT_EQ(detail::parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(detail::parse_duration("2min"), std::chrono::milliseconds(120000));
  EXPECT_EQ(detail::parse_duration("1h"), std::chrono::milliseconds(3600000));
  EXPECT_EQ(detail::parse_duration("0"), std::chrono::milliseconds(0));
  EXPECT_FALSE(detail::parse_duration("10"));
  EXPECT_FALSE(detail::parse_duration("s"));
  EXPECT_FALSE(detail::parse_duration("1234567890s"));
  EXPECT_FALSE(detail::parse_duration("-1s"));
}

TEST(durations, format_as_the_log_and_history_show_them) {
  EXPECT_EQ(detail::format_duration(400us), "0 ms");
  EXPECT_EQ(detail::format_duration(12'345us), "12 ms");
  EXPECT_EQ(detail::format_duration(999'400us), "999 ms");
  EXPECT_EQ(detail::format_duration(999'600us), "1.0 s");
  EXPECT_EQ(detail::format_duration(1'500'000us), "1.5 s");
  EXPECT_EQ(detail::format_duration(125s), "2 min 5 s");
}

TEST(short_hash, keeps_twelve_digits_or_what_tells_two_apart) {
  std::string const a = "sha256:" + std::string(64, 'a');
  std::string b = a;
  b[40] = 'b';
  EXPECT_EQ(detail::short_hash(a), "sha256:aaaaaaaaaaaa...");
  EXPECT_EQ(detail::short_hash(a, b), a.substr(0, 41) + "...");
  EXPECT_EQ(detail::short_hash("sha256:chain-app"), "sha256:chain-app");
  EXPECT_EQ(detail::short_hash("not a hash"), "not a hash");
  EXPECT_EQ(detail::short_hash(a, a), "sha256:aaaaaaaaaaaa...");
}

TEST(suggest, near_misses_and_other_tools_words) {
  std::vector<std::string> const commands{"status", "upgrade", "downgrade", "list",
                                          "sql",    "history", "verify"};
  EXPECT_EQ(detail::suggest_command("stauts", commands), "status");
  EXPECT_EQ(detail::suggest_command("upgrad", commands), "upgrade");
  EXPECT_EQ(detail::suggest_command("info", commands), "status");
  EXPECT_EQ(detail::suggest_command("up", commands), "upgrade");
  EXPECT_EQ(detail::suggest_command("down", commands), "downgrade");
  EXPECT_EQ(detail::suggest_command("lst", commands), "list");
  EXPECT_EQ(detail::suggest_command("ls", commands), std::nullopt);
  EXPECT_EQ(detail::suggest_command("frobnicate", commands), std::nullopt);
}

TEST(permission_errors, name_the_object_of_the_server_message) {
  auto const schema = detail::denied("permission denied for schema public");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->kind, "schema");
  EXPECT_EQ(schema->name, "public");
  EXPECT_FALSE(schema->ownership);
  auto const view = detail::denied("permission denied for materialized view totals");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->kind, "materialized view");
  EXPECT_EQ(view->name, "totals");
  auto const owner = detail::denied("must be owner of table memories");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->kind, "table");
  EXPECT_EQ(owner->name, "memories");
  EXPECT_TRUE(owner->ownership);
  EXPECT_FALSE(detail::denied("permission denied to create extension \"plpython3u\""));
  EXPECT_FALSE(detail::denied("relation \"users\" does not exist"));
}
