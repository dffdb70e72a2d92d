// write_if_chain_builds (what `migc diff` and `migc import` write through): a revision with which
// the chain would not build is reported and not written, and the folder still builds.
#include "checked_write.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;

TEST(checked_write, a_revision_that_would_not_build_is_not_written) {
  migc::test::temp_folder scratch;
  fs::path const folder = scratch.path();
  scratch.write(
      "20250101_0000-001_base.mig",
      "revision 001 \"Base\"\nupgrade {\n    create table t (id bigint primary key)\n}\n");
  fs::path const next = folder / "20250101_0001-002_next.mig";
  std::string const broken =
      "revision 002 revises 001 \"Next\"\nupgrade {\n    add column missing.c integer\n}\n";
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  bool const written = migc::compiler::write_if_chain_builds(folder, next, broken, "text");
  std::string const printed =
      testing::internal::GetCapturedStdout() + testing::internal::GetCapturedStderr();
  EXPECT_FALSE(written);
  EXPECT_FALSE(fs::exists(next)) << "a revision that does not build was written";
  EXPECT_NE(printed.find("table 'missing' does not exist"), std::string::npos) << printed;

  std::string const good =
      "revision 002 revises 001 \"Next\"\nupgrade {\n    add column t.c integer\n}\n";
  EXPECT_TRUE(migc::compiler::write_if_chain_builds(folder, next, good, "text"));
  EXPECT_EQ(migc::test::read_file(next), good);
}

}  // namespace
