// Chain checker tests: every broken-chain case with its exact diagnostic.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler_test_support.hpp"

using migc::test::compile;
using migc::test::revision_text;
using migc::test::temp_folder;
using ::testing::ElementsAre;

namespace {

std::vector<std::string> chain_ids(migc::compiler::compiled_chain const& chain) {
  std::vector<std::string> ids;
  for (auto const& r : chain.revisions) ids.push_back(r.id);
  return ids;
}

}  // namespace

TEST(chain_checker, orders_revisions_by_parent_whatever_the_file_names) {
  temp_folder folder;
  folder.write("20250103_0000-003_c.mig", revision_text("003", "002"));
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mig", revision_text("002", "001"));
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_THAT(chain_ids(*outcome.chain), ElementsAre("001", "002", "003"));
  EXPECT_TRUE(outcome.diagnostics.empty());
  EXPECT_EQ(outcome.chain->revisions[1].parent, "001");
}

TEST(chain_checker, accepts_a_squashed_baseline_root_with_any_number) {
  temp_folder folder;
  folder.write("20250101_0000-050_baseline.mig", revision_text("050"));
  folder.write("20250102_0000-051_next.mig", revision_text("051", "050"));
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain);
  EXPECT_THAT(chain_ids(*outcome.chain), ElementsAre("050", "051"));
}

TEST(chain_checker, reports_gap_when_parent_does_not_exist) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250103_0000-003_c.mig", revision_text("003", "002"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre("20250103_0000-003_c.mig:1:22: error[chain-gap]: revision '003' revises '002', "
                  "which does not exist | help: add the missing revision '002', or make '003' "
                  "revise an existing one"));
}

TEST(chain_checker, suggests_the_right_parent_when_one_exists) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mig", revision_text("002", "007"));
  auto const outcome = compile(folder.path());
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre("20250102_0000-002_b.mig:1:22: error[chain-gap]: revision '002' revises '007', "
                  "which does not exist | help: write 'revises 001'"));
}

TEST(chain_checker, reports_numbering_that_skips) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250103_0000-003_c.mig", revision_text("003", "001"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "20250103_0000-003_c.mig:1:10: error[chain-skip]: numbering skips: revision '003' "
          "revises '001', so its id must be 002 | help: renumber "
          "'20250103_0000-003_c.mig' to 002 (in its header and its file name)"));
}

TEST(chain_checker, reports_fork_with_both_files_and_the_renumbering) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250101_0100-002_b.mig", revision_text("002", "001"));
  folder.write("20250102_0000-003_mine.mig", revision_text("003", "002"));
  folder.write("20250102_0100-003_theirs.mig", revision_text("003", "002"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "20250102_0100-003_theirs.mig:1:10: error[chain-fork]: fork: "
          "'20250102_0100-003_theirs.mig' and '20250102_0000-003_mine.mig' both revise '002' "
          "| note 20250102_0000-003_mine.mig:1:10: the other revision with parent '002' is "
          "here | help: rename '20250102_0100-003_theirs.mig' to "
          "'20250102_0100-004_theirs.mig' and make it 'revision 004 revises 003'"));
}

TEST(chain_checker, reports_duplicate_ids_compared_by_value) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mig", revision_text("002", "001"));
  folder.write("20250103_0000-02_c.mig", revision_text("02"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "20250103_0000-02_c.mig:1:10: warning[short-id]: revision id '02' is shorter than "
          "three digits | help: write it as '002'",
          "20250103_0000-02_c.mig:1:10: error[chain-duplicate]: duplicate revision id '02' | "
          "note 20250102_0000-002_b.mig:1:10: '002' is declared here: ids compare by value | "
          "help: give '20250103_0000-02_c.mig' the next free id, 003"));
}

TEST(chain_checker, reports_more_than_one_root) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mig", revision_text("002", "001"));
  folder.write("20250103_0000-003_c.mig", revision_text("003"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "20250103_0000-003_c.mig:1:10: error[chain-roots]: more than one root revision: "
          "'003' revises nothing | note 20250101_0000-001_a.mig:1:10: the first root, '001', "
          "is here | help: add 'revises 002' to its header to make it follow the chain"));
}

TEST(chain_checker, reports_a_cycle_once_with_every_member) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001", "002"));
  folder.write("20250102_0000-002_b.mig", revision_text("002", "001"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "20250101_0000-001_a.mig:1:22: error[chain-cycle]: revisions form a cycle: "
          "001 -> 002 -> 001 | note 20250102_0000-002_b.mig:1:22: part of the cycle | help: "
          "every revision must revise the one numbered just below it"));
}

TEST(chain_checker, reports_a_file_name_that_disagrees_with_the_id) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-004_b.mig", revision_text("002", "001"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "20250102_0000-004_b.mig:1:10: error[file-name]: file name says revision '004' but "
          "the file declares '002' | help: rename the file to '20250102_0000-002_b.mig', or "
          "fix the id"));
}

TEST(chain_checker, reports_a_file_name_without_the_revision_shape) {
  temp_folder folder;
  folder.write("initial.mig", revision_text("001"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre("initial.mig:1:10: error[file-name]: file name 'initial.mig' does not follow "
                  "YYYYMMDD_HHMM-NNN_slug.mig | help: rename it, e.g. to "
                  "'20250101_0900-001_revision_001.mig'"));
}

TEST(chain_checker, rejects_a_revision_with_a_misspelt_extension_and_warns_on_other_strays) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mgi", revision_text("002", "001"));
  folder.write("notes.txt", "todo");
  folder.write("README.md", "the migrations");
  folder.write(".gitkeep", "");
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  // (compile() shows paths relative to the folder.)
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre("-: error[stray-revision]: '"
                  "20250102_0000-002_b.mgi' is named like a revision but does not end in '.mig' "
                  "| help: rename it to end in '.mig', or move it out of the migrations folder",
                  "-: warning[stray-file]: '"
                  "notes.txt' in the migrations folder is not a revision file; ignored | help: "
                  "revision files are named YYYYMMDD_HHMM-NNN_slug.mig"));
}

TEST(chain_checker, warns_on_an_empty_folder_and_yields_an_empty_chain) {
  temp_folder folder;
  auto const outcome = compile(folder.path());
  ASSERT_TRUE(outcome.chain);
  EXPECT_TRUE(outcome.chain->revisions.empty());
  ASSERT_EQ(outcome.diagnostics.size(), 1u);
  EXPECT_THAT(outcome.diagnostics[0],
              ::testing::HasSubstr("warning[empty-folder]: migrations folder"));
}

TEST(chain_checker, werror_turns_the_empty_folder_warning_into_a_failure) {
  temp_folder folder;
  auto const outcome = compile(folder.path(), /*werror=*/true);
  EXPECT_FALSE(outcome.chain);
}

TEST(chain_checker, reports_a_missing_folder_as_an_error) {
  auto const outcome = compile("/nonexistent/migc/migrations");
  EXPECT_FALSE(outcome.chain);
  EXPECT_THAT(
      outcome.diagnostics,
      ElementsAre(
          "-: error[folder]: migrations folder '.' does not exist "  // '.': the folder itself
          "| help: check add_migrations(... DIRECTORY ...) or the path given to migc"));
}

TEST(chain_checker, reports_errors_of_every_file_in_one_run) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mig", "revision 002 revises 001 \"unterminated\nupgrade {}");
  folder.write("20250103_0000-003_c.mig",
               "revision 003 revises 002 \"no downgrade\"\nupgrade { sql $$ SELECT 1 $$ }\n");
  folder.write("20250104_0000-005_d.mig", revision_text("005", "004"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  // A syntax error, a missing downgrade and a gap: three files, three errors.
  ASSERT_EQ(outcome.diagnostics.size(), 3u) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_THAT(outcome.diagnostics[0], ::testing::StartsWith("20250102_0000-002_b.mig:"));
  EXPECT_THAT(outcome.diagnostics[1],
              ::testing::StartsWith(
                  "20250103_0000-003_c.mig:1:10: error[missing-downgrade]: revision '003' "
                  "has no downgrade block"));
  EXPECT_THAT(outcome.diagnostics[2],
              ::testing::StartsWith("20250104_0000-005_d.mig:1:22: error[chain-gap]"));
}

TEST(chain_checker,
     fork_help_follows_the_other_branch_when_the_forked_file_already_has_the_next_number) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001"));
  folder.write("20250102_0000-002_b.mig", revision_text("002", "001"));
  folder.write("20250103_0000-003_c.mig", revision_text("003", "002"));
  folder.write("20250104_0000-004_d.mig", revision_text("004", "003"));
  folder.write("20250105_0000-005_e.mig", revision_text("005", "003"));
  auto const outcome = compile(folder.path());
  ASSERT_EQ(outcome.diagnostics.size(), 1u) << ::testing::PrintToString(outcome.diagnostics);
  EXPECT_THAT(outcome.diagnostics[0],
              ::testing::EndsWith("| help: make it 'revision 005 revises 004'"));
}

// Two cycles, tails that run into them and a duplicate that closes a walk through its number: each
// cycle reported once, by the first revision (file order) whose walk reaches it, in that walk's
// order.
TEST(chain_checker, reports_each_of_several_cycles_once_from_the_first_walk_that_reaches_it) {
  temp_folder folder;
  folder.write("20250101_0000-001_a.mig", revision_text("001", "003"));
  folder.write("20250101_0000-002_b.mig", revision_text("002", "001"));
  folder.write("20250101_0000-003_c.mig", revision_text("003", "002"));
  folder.write("20250101_0000-004_d.mig", revision_text("004", "002"));
  folder.write("20250101_0000-005_e.mig", revision_text("005", "006"));
  folder.write("20250101_0000-006_f.mig", revision_text("006", "005"));
  folder.write("20250101_0000-007_g.mig", revision_text("007", "005"));
  folder.write("20250101_0000-008_h.mig", revision_text("008", "007"));
  folder.write("20250101_0000-005_i.mig", revision_text("005", "008"));
  auto const outcome = compile(folder.path());
  EXPECT_FALSE(outcome.chain);
  std::vector<std::string> cycles;
  for (auto const& d : outcome.diagnostics) {
    if (d.find("chain-cycle") != std::string::npos) cycles.push_back(d);
  }
  EXPECT_THAT(
      cycles,
      ElementsAre(
          "20250101_0000-001_a.mig:1:22: error[chain-cycle]: revisions form a cycle: 001 -> 003 -> "
          "002 -> 001 | note 20250101_0000-003_c.mig:1:22: part of the cycle | note "
          "20250101_0000-002_b.mig:1:22: part of the cycle | help: every revision must revise the "
          "one numbered just below it",
          "20250101_0000-005_e.mig:1:22: error[chain-cycle]: revisions form a cycle: 005 -> 006 -> "
          "005 | note 20250101_0000-006_f.mig:1:22: part of the cycle | help: every revision must "
          "revise the one numbered just below it"));
}
