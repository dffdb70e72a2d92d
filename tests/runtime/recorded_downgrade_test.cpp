// A recorded downgrade rebuilds the revision exactly: every field a run of the downgrade reads
// survives the JSON round trip, and a record that names another revision, another checksum or an
// unknown layout is refused.
#include "recorded_downgrade.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/runtime/error.hpp>
#include <nlohmann/json.hpp>

namespace {

using namespace migc::runtime;
using namespace migc::runtime::literals;
using migc::runtime::detail::downgrade_record;
using migc::runtime::detail::downgrade_record_json;
using migc::runtime::detail::recorded_revision;

constexpr step down_steps[] = {
    {"DROP INDEX CONCURRENTLY public.accounts_email"_text, 7, lock_level::share_update_exclusive,
     false, statement_kind::schema, true, "public.accounts_email"_text, 0, false, ""_text},
    {"UPDATE accounts SET note = NULL -- \"quoted\" 'text'\n"_text, 9, lock_level::row_exclusive,
     false, statement_kind::data, false, "public.accounts"_text, 2, true, ""_text},
    {"ALTER TABLE accounts ALTER COLUMN id TYPE int"_text, 11, lock_level::access_exclusive, true,
     statement_kind::unmodelled, false, "public.accounts"_text, 3, false,
     "public.accounts_idx"_text},
};

revision sample() {
  revision rev;
  rev.id = "0042"_text;
  rev.number = 42;
  rev.parent = "0041"_text;
  rev.description = "email index \"fast\""_text;
  rev.source_file = "20250104_0000-0042_email_index.mig"_text;
  rev.source_line = 3;
  rev.checksum = "sha256:abcd"_text;
  rev.transactional = false;
  rev.reversible = true;
  rev.downgrade = {down_steps, 3};
  return rev;
}

downgrade_record record_of(std::string json) {
  downgrade_record r;
  r.row_id = 7;
  r.revision = "0042";
  r.checksum = "sha256:abcd";
  r.json = std::move(json);
  r.intact = true;
  return r;
}

TEST(recorded_downgrade, round_trip_keeps_every_field_a_run_reads) {
  revision const original = sample();
  recorded_revision const rebuilt(record_of(downgrade_record_json(original)));
  revision const& rev = rebuilt.get();
  EXPECT_EQ(rev.id, original.id);
  EXPECT_EQ(rev.number, 42U);
  EXPECT_EQ(rev.parent, original.parent);
  EXPECT_EQ(rev.description, original.description);
  EXPECT_EQ(rev.source_file, original.source_file);
  EXPECT_EQ(rev.source_line, 3U);
  EXPECT_EQ(rev.checksum, original.checksum);
  EXPECT_FALSE(rev.transactional);
  EXPECT_TRUE(rev.reversible);
  EXPECT_TRUE(rev.upgrade.empty());
  ASSERT_EQ(rev.downgrade.size, 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    step const& a = original.downgrade[i];
    step const& b = rev.downgrade[i];
    EXPECT_EQ(a.sql, b.sql);
    EXPECT_EQ(a.line, b.line);
    EXPECT_EQ(a.lock, b.lock);
    EXPECT_EQ(a.rewrites, b.rewrites);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.outside_transaction, b.outside_transaction);
    EXPECT_EQ(a.objects, b.objects);
    EXPECT_EQ(a.phase, b.phase);
    EXPECT_EQ(a.backfill, b.backfill);
    EXPECT_EQ(a.index, b.index);
  }
}

TEST(recorded_downgrade, irreversible_is_recorded_with_its_reason) {
  revision rev = sample();
  rev.reversible = false;
  rev.irreversible_reason = "the totals are gone"_text;
  rev.downgrade = {};
  recorded_revision const rebuilt(record_of(downgrade_record_json(rev)));
  EXPECT_FALSE(rebuilt.get().reversible);
  EXPECT_EQ(rebuilt.get().irreversible_reason, "the totals are gone");
  EXPECT_TRUE(rebuilt.get().downgrade.empty());
}

/// The refusal reason of rebuilding `json` as the record of 0042 / sha256:abcd.
std::string refused(std::string const& json) {
  try {
    recorded_revision const rebuilt(record_of(json));
  } catch (refusal const& r) {
    return std::string(r.reason_name()) + ": " + r.what();
  }
  return "accepted";
}

TEST(recorded_downgrade, records_of_another_revision_or_layout_are_refused) {
  auto j = nlohmann::json::parse(downgrade_record_json(sample()));
  auto other_id = j;
  other_id["revision"] = "0043";
  EXPECT_THAT(refused(other_id.dump()), ::testing::StartsWith("recorded_downgrade_mismatch"));
  auto other_checksum = j;
  other_checksum["checksum"] = "sha256:ffff";
  EXPECT_THAT(refused(other_checksum.dump()), ::testing::HasSubstr("not of the row's 0042"));
  auto future = j;
  future["format"] = 2;
  EXPECT_THAT(refused(future.dump()), ::testing::HasSubstr("format 2 is not 1"));
  auto bad_lock = j;
  bad_lock["steps"][0]["lock"] = "VERY EXCLUSIVE";
  EXPECT_THAT(refused(bad_lock.dump()), ::testing::HasSubstr("unknown lock level"));
  auto missing = j;
  missing.erase("parent");
  EXPECT_THAT(refused(missing.dump()), ::testing::HasSubstr("not a downgrade record"));
  EXPECT_THAT(refused("not json"), ::testing::HasSubstr("not a downgrade record"));
  // "01" and "001" are one revision: a record under another spelling of the id is accepted.
  auto spelling = j;
  spelling["revision"] = "042";
  EXPECT_EQ(refused(spelling.dump()), "accepted");
}

}  // namespace
