// Very large inputs to the compiler end in success or a diagnostic, within bounded memory, never a
// crash.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using migc::test::process_result;
using migc::test::run_process;
using ::testing::HasSubstr;

/// A fresh folder for one test's revisions.
class limits_test : public ::testing::Test {
 protected:
  void write(std::string const& name, std::string const& text) const { m_folder.write(name, text); }
  process_result check() const {
    auto result = run_process({MIGC_BINARY, "check", "--dir", m_folder.path().string()});
    std::printf("[ figures  ] peak memory %ld MiB\n", result.max_rss_kib / 1024);
    return result;
  }

 private:
  migc::test::temp_folder m_folder;
};

constexpr long memory_bound_kib = 1024L * 1024;  // 1 GiB: far above need, far below the machine

#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

/// The memory bound, where it means something: AddressSanitizer's shadow memory and quarantine
/// multiply a process's peak, so under it only "no crash, the right diagnostic" is checked.
void expect_bounded_memory(process_result const& result) {
  if (sanitized) return;
  EXPECT_LT(result.max_rss_kib, memory_bound_kib);
}

std::string revision(int id, std::string const& sql) {
  std::string header = id == 1 ? "revision 001 \"Big\""
                               : fmt::format("revision {:03d} revises {:03d} \"R\"", id, id - 1);
  return header + "\nupgrade {\n    sql $$ " + sql +
         " $$\n}\ndowngrade {\n    sql $$ SELECT 1 $$\n}\n";
}

TEST_F(limits_test, a_50_mb_revision_compiles_within_bounded_memory) {
  std::string sql = "INSERT INTO t VALUES ";
  while (sql.size() < 50u * 1024 * 1024) sql += "(1, 'some text with ''quotes'' and -- dashes'), ";
  sql += "(0, '')";
  write("20250101_0000-001_big.mig", revision(1, sql));
  auto const result = check();
  EXPECT_EQ(result.exit_code, 0) << result.err.substr(0, 2000);
  expect_bounded_memory(result);
}

TEST_F(limits_test, a_50_mb_revision_of_garbage_ends_in_one_diagnostic) {
  std::string text = "revision 001 \"Garbage\"\nupgrade {\n";
  while (text.size() < 50u * 1024 * 1024) text += "\xe3\x80 ((( $$ ~~~ \"unterminated \n";
  write("20250101_0000-001_garbage.mig", text);
  auto const result = check();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("20250101_0000-001_garbage.mig:3:1: error:"));
  expect_bounded_memory(result);
}

TEST_F(limits_test, twenty_thousand_revisions_compile_within_bounded_memory) {
  for (int id = 1; id <= 20000; ++id) {
    write(fmt::format("20250101_0000-{:03d}_r.mig", id),
          revision(id, fmt::format("CREATE TABLE t{} (id int)", id)));
  }
  auto const result = check();
  EXPECT_EQ(result.exit_code, 0) << result.err.substr(0, 2000);
  EXPECT_THAT(result.out, HasSubstr("20000 revisions, head 20000"));
  expect_bounded_memory(result);
}

TEST_F(limits_test, sql_nested_beyond_postgresqls_parser_ends_in_its_diagnostic) {
  std::string const nested = std::string(200000, '(') + "1" + std::string(200000, ')');
  write("20250101_0000-001_nested.mig", revision(1, "SELECT " + nested));
  auto const result = check();
  EXPECT_EQ(result.exit_code, 1) << result.err.substr(0, 2000);
  EXPECT_EQ(result.signal, 0);
  EXPECT_THAT(result.err, HasSubstr("001_nested.mig:3:"));
  EXPECT_THAT(result.err, HasSubstr("statement nests too deeply for PostgreSQL's parser"));
  EXPECT_LT(result.err.size(), 2000u) << "the snippet shows a window of the 400 KB line";
}

TEST_F(limits_test, sql_nested_beyond_what_migc_follows_ends_in_a_diagnostic) {
  // 3,000 nested additions: PostgreSQL's parser accepts them (no constant folding, unlike
  // nested negation), the parse tree is 6,000 levels deep.
  std::string sum;
  for (int i = 0; i < 3000; ++i) sum += "1+(";
  sum += "1" + std::string(3000, ')');
  write("20250101_0000-001_sum.mig", revision(1, "SELECT " + sum));
  auto const result = check();
  EXPECT_EQ(result.exit_code, 1) << result.err.substr(0, 2000);
  EXPECT_EQ(result.signal, 0);
  EXPECT_THAT(result.err.substr(0, 2000),
              HasSubstr("001_sum.mig:3:12: error: statement nests too deeply for migc to follow"));
}

TEST_F(limits_test, invalid_utf8_in_sql_is_one_diagnostic_at_its_byte) {
  write("20250101_0000-001_bytes.mig", revision(1, "SELECT 'caf\xc3' || '\xff\xfe'"));
  auto const result = check();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("20250101_0000-001_bytes.mig:3:"));
  EXPECT_THAT(result.err, HasSubstr("raw sql is not valid UTF-8"));
}

// 5 MB of DDL is 70,000 tables in the model (about 0.55 GiB: the model and the schema records of
// every table); a real schema has hundreds.
TEST_F(limits_test, five_megabytes_of_ddl_compile_within_bounded_memory) {
  std::string sql;
  for (int i = 0; sql.size() < 5u * 1024 * 1024; ++i)
    sql += fmt::format("CREATE TABLE t{0} (id bigint PRIMARY KEY, note text CHECK (note <> ''));\n",
                       i);
  write("20250101_0000-001_ddl.mig", revision(1, sql));
  auto const result = check();
  EXPECT_EQ(result.exit_code, 0) << result.err.substr(0, 2000);
  expect_bounded_memory(result);
}

}  // namespace
