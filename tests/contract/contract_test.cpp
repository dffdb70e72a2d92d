// The catalog contracts (migc/runtime/catalog.hpp) as each side applies them: revision ids, lock
// levels, schema records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <migc/compiler/emit.hpp>
#include <migc/compiler/revision_id.hpp>
#include <migc/runtime/catalog.hpp>
#include <sstream>
#include <string>

#include "compiler_test_support.hpp"

namespace rt = migc::runtime;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

/// The longest legal id: 32 characters, the largest value that fits 64 bits.
constexpr std::string_view longest_id = "00000000000018446744073709551615";

static_assert(longest_id.size() == rt::max_revision_id_length);
static_assert(rt::revision_id_value(longest_id) == 18446744073709551615ULL);
static_assert(rt::revision_id_value("001") == 1);
static_assert(!rt::revision_id_value("000000000000000000000000000000001"));  // 33 characters
static_assert(!rt::revision_id_value("18446744073709551616"));               // 2^64
static_assert(!rt::revision_id_value(""));
static_assert(!rt::revision_id_value("1a"));
static_assert(!rt::revision_id_value("+1"));

}  // namespace

TEST(revision_id_contract, the_compiler_applies_the_runtime_rule) {
  for (std::string_view id :
       {std::string_view("001"), longest_id, std::string_view("18446744073709551616"),
        std::string_view("000000000000000000000000000000001"), std::string_view("x")}) {
    EXPECT_EQ(migc::compiler::revision_number(id), rt::revision_id_value(id)) << id;
  }
}

TEST(revision_id_contract, an_id_longer_than_the_version_table_is_a_build_error) {
  migc::test::temp_folder folder;
  std::string const id(33, '1');
  folder.write("20250101_0000-" + id + "_a.mig", migc::test::revision_text(id));
  auto const outcome = migc::test::compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(outcome.diagnostics, ElementsAre(HasSubstr("error[revision-id]: revision id '" + id +
                                                         "' is longer than 32 digits")));
}

TEST(revision_id_contract, the_longest_legal_id_compiles) {
  migc::test::temp_folder folder;
  std::string const root = "00000000000018446744073709551614";
  folder.write("20250101_0000-" + root + "_a.mig", migc::test::revision_text(root));
  folder.write("20250102_0000-" + std::string(longest_id) + "_b.mig",
               migc::test::revision_text(std::string(longest_id), root));
  auto const outcome = migc::test::compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_EQ(outcome.chain->revisions.back().id, longest_id);
}

TEST(lock_level_contract, every_level_has_one_name_that_reads_back) {
  std::vector<std::string_view> names;
  for (rt::lock_level const level : rt::lock_levels) {
    names.push_back(rt::lock_level_name(level));
    EXPECT_EQ(rt::lock_level_named(rt::lock_level_name(level)), level);
  }
  EXPECT_THAT(names, ElementsAre("none", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE",
                                 "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
                                 "EXCLUSIVE", "ACCESS EXCLUSIVE", "unknown"));
  EXPECT_EQ(rt::lock_level_named("ACCESS  EXCLUSIVE"), std::nullopt);
}

TEST(schema_record_contract, a_record_reads_back_as_written) {
  rt::schema_record_view const written{"column",    "public.t", "na\tme", "text", "a, b",
                                       "'x\\y\nz'", true,       false,    true};
  std::string line;
  rt::schema_record_format::append(line, written);
  EXPECT_EQ(line, "-column\tpublic.t\tna\\tme\ttext\ta, b\t'x\\\\y\\nz'\t1\t0\n");
  line.pop_back();
  auto const read = rt::schema_record_format::parse(line);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->kind, "column");
  EXPECT_EQ(read->name, "na\tme");
  EXPECT_EQ(read->default_value, "'x\\y\nz'");
  EXPECT_TRUE(read->not_null);
  EXPECT_FALSE(read->partial);
  EXPECT_TRUE(read->removed);
}

TEST(schema_record_contract, a_line_without_eight_fields_is_no_record) {
  EXPECT_FALSE(rt::schema_record_format::parse("table\t\tpublic.t\t\t\t\t0"));
  EXPECT_FALSE(rt::schema_record_format::parse("table\t\tpublic.t\t\t\t\t0\t0\t0"));
  EXPECT_TRUE(rt::schema_record_format::parse("table\t\tpublic.t\t\t\t\t0\t0"));
}

TEST(catalog_text, reads_as_the_string_it_points_at) {
  using namespace rt::literals;
  constexpr rt::text id = "003"_text;
  static_assert(id.size() == 3 && id.view() == "003");
  constexpr rt::text embedded_nul{"a\0b", 3};  // the generated form: the length, not the terminator
  EXPECT_EQ(embedded_nul.view(), std::string_view("a\0b", 3));
  EXPECT_TRUE(id == "003");
  EXPECT_TRUE("003" == id);
  EXPECT_TRUE(id != "004"_text);
  EXPECT_TRUE(rt::text{}.empty());
  EXPECT_EQ(std::string(id) + "!", "003!");
  std::ostringstream out;
  out << id << '|' << rt::text{};
  EXPECT_EQ(out.str(), "003|");
}
