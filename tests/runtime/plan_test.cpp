// The planner: revision lookup, targets, and the revisions a run applies (pure, no database).
#include "plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/error.hpp>
#include <string>
#include <string_view>

#include "test_catalogs.hpp"
#include "test_helpers.hpp"

using ::testing::HasSubstr;

namespace rt = migc::runtime;
namespace detail = migc::runtime::detail;
using migc::test::app;
using migc::test::baseline;
using migc::test::message_of;
using migc::test::mixed;

namespace {

std::vector<std::string> ids(std::vector<detail::plan_step> const& steps) {
  std::vector<std::string> out;
  for (auto const& s : steps) {
    out.push_back(std::string(s.dir == rt::direction::upgrade ? "+" : "-") +
                  std::string(s.rev->id));
  }
  return out;
}

std::vector<std::string> up(detail::position at, std::string_view target) {
  return ids(detail::plan(app, at, rt::direction::upgrade, detail::parse_upgrade_target(target)));
}

std::vector<std::string> down(rt::catalog const& cat, detail::position at,
                              std::string_view target) {
  return ids(
      detail::plan(cat, at, rt::direction::downgrade, detail::parse_downgrade_target(target)));
}

}  // namespace

TEST(revision_ids, compare_by_value) {
  EXPECT_EQ(detail::find_revision(app, "01"), 0u);
  EXPECT_EQ(detail::find_revision(app, "0003"), 2u);
  EXPECT_FALSE(detail::find_revision(app, "004"));
  EXPECT_FALSE(detail::find_revision(app, "ae1027a6acf"));
  EXPECT_FALSE(detail::find_revision(app, ""));
}

TEST(targets, parse_upgrade_forms) {
  EXPECT_EQ(detail::parse_upgrade_target("head").what, detail::target::kind::head);
  EXPECT_EQ(detail::parse_upgrade_target("+2").n, 2);
  EXPECT_EQ(detail::parse_upgrade_target("002").id, "002");
  EXPECT_THROW((void)detail::parse_upgrade_target("base"), rt::target_error);
  EXPECT_THROW((void)detail::parse_upgrade_target("-1"), rt::target_error);
  EXPECT_THROW((void)detail::parse_upgrade_target("+0"), rt::target_error);
  EXPECT_THROW((void)detail::parse_upgrade_target("+x"), rt::target_error);
}

TEST(targets, parse_downgrade_forms) {
  EXPECT_EQ(detail::parse_downgrade_target("base").what, detail::target::kind::base);
  EXPECT_EQ(detail::parse_downgrade_target("-1").n, -1);
  EXPECT_EQ(detail::parse_downgrade_target("001").id, "001");
  EXPECT_THROW((void)detail::parse_downgrade_target("head"), rt::target_error);
  EXPECT_THROW((void)detail::parse_downgrade_target("+1"), rt::target_error);
  EXPECT_THROW((void)detail::parse_downgrade_target(""), rt::target_error);
}

TEST(planner, upgrades_from_base_to_head) {
  EXPECT_EQ(up(std::nullopt, "head"), (std::vector<std::string>{"+001", "+002", "+003"}));
}

TEST(planner, upgrade_at_head_is_empty) {
  EXPECT_TRUE(up(2, "head").empty());
}

TEST(planner, upgrades_relative_and_to_id) {
  EXPECT_EQ(up(0, "+1"), (std::vector<std::string>{"+002"}));
  EXPECT_EQ(up(std::nullopt, "+2"), (std::vector<std::string>{"+001", "+002"}));
  EXPECT_EQ(up(std::nullopt, "02"), (std::vector<std::string>{"+001", "+002"}));
  EXPECT_TRUE(up(1, "002").empty());
}

TEST(planner, rejects_upgrade_beyond_head) {
  auto const message = message_of<rt::target_error>([] { (void)up(1, "+2"); });
  EXPECT_THAT(message, HasSubstr("only 1 pending"));
}

TEST(planner, rejects_upgrade_to_revision_behind_current) {
  auto const message = message_of<rt::target_error>([] { (void)up(2, "001"); });
  EXPECT_THAT(message, HasSubstr("behind the current revision 003"));
}

TEST(planner, rejects_unknown_target_id) {
  auto const message = message_of<rt::target_error>([] { (void)up(0, "009"); });
  EXPECT_THAT(message, HasSubstr("unknown revision 009"));
}

TEST(planner, downgrades_relative_to_id_and_base) {
  EXPECT_EQ(down(app, 2, "-1"), (std::vector<std::string>{"-003"}));
  EXPECT_EQ(down(app, 2, "001"), (std::vector<std::string>{"-003", "-002"}));
  EXPECT_EQ(down(app, 2, "base"), (std::vector<std::string>{"-003", "-002", "-001"}));
  EXPECT_EQ(down(app, 1, "-2"), (std::vector<std::string>{"-002", "-001"}));
  EXPECT_TRUE(down(app, std::nullopt, "base").empty());
}

TEST(planner, rejects_downgrade_beyond_base) {
  auto const message = message_of<rt::target_error>([] { (void)down(app, 0, "-2"); });
  EXPECT_THAT(message, HasSubstr("only 1 applied"));
}

TEST(planner, rejects_downgrade_to_revision_ahead) {
  EXPECT_THROW((void)down(app, 0, "003"), rt::target_error);
}

TEST(planner, rejects_downgrade_through_irreversible_revision) {
  auto const message = message_of<rt::refusal>([] { (void)down(mixed, 3, "001"); });
  EXPECT_THAT(message, HasSubstr("revision 002 \"Seed the first user\""));
  EXPECT_THAT(message, HasSubstr("irreversible"));
  EXPECT_EQ(down(mixed, 3, "002"), (std::vector<std::string>{"-004", "-003"}));
}

TEST(planner, squashed_baseline_starts_at_its_root) {
  EXPECT_EQ(ids(detail::plan(baseline, std::nullopt, rt::direction::upgrade,
                             detail::parse_upgrade_target("head"))),
            (std::vector<std::string>{"+050", "+051"}));
}

TEST(planner, names_the_reason_an_irreversible_revision_gives) {
  using namespace rt::literals;
  static constexpr rt::revision revisions[] = {
      app.revisions[0], migc::test::on_top_of_001("Add new_field to memories"_text, {}, false,
                                                  "the data it deletes cannot come back"_text)};
  static constexpr auto cat = migc::test::catalog_of(revisions);
  try {
    (void)down(cat, 1, "base");
    FAIL() << "expected a refusal";
  } catch (rt::refusal const& e) {
    EXPECT_EQ(e.reason(), rt::refusal_reason::irreversible);
    EXPECT_EQ(std::string(e.what()),
              "cannot downgrade to base: revision 002 \"Add new_field to memories\" "
              "(migrations/20250101_1200-002_test.mig:1) is irreversible: the data it "
              "deletes cannot come back");
  }
}
