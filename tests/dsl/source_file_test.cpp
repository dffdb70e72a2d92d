// Tests of source_file: line index, GNU columns (tabs, UTF-8), CRLF, loading from disk.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <migc/dsl/source_file.hpp>
#include <system_error>

using migc::dsl::line_column;
using migc::dsl::source_file;

namespace {

void expect_position(source_file const& file, std::uint32_t offset, std::uint32_t line,
                     std::uint32_t column) {
  line_column const at = file.position(offset);
  EXPECT_EQ(at.line, line) << "offset " << offset;
  EXPECT_EQ(at.column, column) << "offset " << offset;
}

}  // namespace

TEST(source_file, maps_offsets_to_one_based_lines_and_columns) {
  source_file const file("a.mig", "ab\ncd\n\nef");
  expect_position(file, 0, 1, 1);
  expect_position(file, 1, 1, 2);
  expect_position(file, 2, 1, 3);  // the '\n' itself
  expect_position(file, 3, 2, 1);
  expect_position(file, 6, 3, 1);
  expect_position(file, 7, 4, 1);
  expect_position(file, 9, 4, 3);  // end of text
  EXPECT_EQ(file.line_count(), 4u);
}

TEST(source_file, clamps_offsets_past_the_end) {
  source_file const file("a.mig", "abc");
  expect_position(file, 100, 1, 4);
}

TEST(source_file, advances_tabs_to_the_next_multiple_of_eight_plus_one) {
  source_file const file("a.mig", "\tx\nab\tc\n1234567\tz\n12345678\tw");
  expect_position(file, 1, 1, 9);
  expect_position(file, 6, 2, 9);
  expect_position(file, 16, 3, 9);
  expect_position(file, 27, 4, 17);
}

TEST(source_file, counts_one_column_per_utf8_character) {
  source_file const file("a.mig", "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC x");  // "été € x"
  expect_position(file, 2, 1, 2);                                       // 't'
  expect_position(file, 6, 1, 5);                                       // '€'
  expect_position(file, 10, 1, 7);                                      // 'x'
}

TEST(source_file, holds_crlf_as_lf) {
  source_file const file("a.mig", "ab\r\ncd\r\n'x\r\n'\r\n");
  EXPECT_EQ(file.text(), "ab\ncd\n'x\n'\n");
  EXPECT_EQ(file.line_text(1), "ab");
  EXPECT_EQ(file.line_text(2), "cd");
  expect_position(file, 3, 2, 1);
  EXPECT_EQ(file.line_offset(2), 3u);
}

TEST(source_file, keeps_a_lone_carriage_return_in_the_line) {
  source_file const file("a.mig", "a\rb\nc\r");
  EXPECT_EQ(file.line_text(1), "a\rb");
  EXPECT_EQ(file.line_text(2), "c\r");
}

TEST(source_file, returns_empty_text_for_lines_that_do_not_exist) {
  source_file const file("a.mig", "x");
  EXPECT_EQ(file.line_text(0), "");
  EXPECT_EQ(file.line_text(2), "");
}

TEST(source_file, handles_an_empty_file) {
  source_file const file("a.mig", "");
  EXPECT_EQ(file.line_count(), 1u);
  expect_position(file, 0, 1, 1);
  EXPECT_EQ(file.line_text(1), "");
}

TEST(source_file, loads_the_bytes_from_disk_with_crlf_as_lf) {
  std::string const path = ::testing::TempDir() + "migc_source_file_test.mig";
  std::string const bytes("a\r\n\0\xE3\n", 6);
  std::ofstream(path, std::ios::binary) << bytes;
  source_file const file = source_file::load(path, "shown.mig");
  EXPECT_EQ(file.text(), std::string("a\n\0\xE3\n", 5));
  EXPECT_EQ(file.path(), "shown.mig");
  std::remove(path.c_str());
}

TEST(source_file, load_throws_system_error_for_a_missing_file) {
  EXPECT_THROW((void)source_file::load("/nonexistent/dir/x.mig", "x.mig"), std::system_error);
}

TEST(source_file, load_throws_system_error_for_a_directory) {
  EXPECT_THROW((void)source_file::load(::testing::TempDir(), "dir"), std::system_error);
}
