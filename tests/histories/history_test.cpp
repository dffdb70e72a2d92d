// Schema histories shaped like three public projects' and written as raw SQL only
// (tests/histories/<history>/README.md), each compiled by add_migrations() into its own migrate
// binary and applied to a real PostgreSQL (label pg). What pg_catalog shows in the migrated
// database is the reference: verify must be clean after an upgrade, must report a column added by
// hand to any table of the history, and `migc schema` must name every object the history created.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "pg_test.hpp"
#include "process.hpp"

namespace {

using ::testing::IsEmpty;

/// One object of the database as pg_catalog shows it.
struct schema_object {
  std::string kind;    ///< table, view, sequence, index, function, trigger, enum, extension
  std::string schema;  ///< its schema (a trigger's: its table's)
  std::string name;

  [[nodiscard]] std::string qualified() const { return schema + "." + name; }
  /// How DDL names it: indexes, triggers and extensions by their bare name, other objects
  /// schema-qualified outside public.
  [[nodiscard]] std::string name_in_ddl() const {
    bool const bare = kind == "index" || kind == "trigger" || kind == "extension";
    return bare || schema == "public" ? name : qualified();
  }
  bool operator<(schema_object const& other) const {
    return std::tie(kind, schema, name) < std::tie(other.kind, other.schema, other.name);
  }
};

std::ostream& operator<<(std::ostream& out, schema_object const& o) {
  return out << o.kind << " " << o.qualified();
}

/// One object a line, for failure messages.
std::string describe(std::vector<schema_object> const& objects) {
  std::ostringstream out;
  for (auto const& o : objects) out << "  " << o << "\n";
  return out.str();
}

/// Every object of the database outside the system schemas, except extension members and
/// migrate's own tables (the default version table and its history) with what hangs off them.
/// Identity sequences are part of their column and left out; serial sequences are objects.
std::set<schema_object> schema_objects(std::string const& conninfo) {
  static char const* const query = R"sql(
    WITH ns AS (
      SELECT oid, nspname FROM pg_namespace
       WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_%'
    ),
    migrates_own AS (
      SELECT c.oid FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
       WHERE c.relkind = 'r' AND c.relname IN ('alembic_version', 'alembic_version_history')
    ),
    extension_member AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
    rel AS (
      SELECT c.oid, c.relkind, c.relname, ns.nspname
        FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
       WHERE c.oid NOT IN (SELECT oid FROM migrates_own)
         AND NOT EXISTS (SELECT FROM extension_member e
                          WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid)
         AND NOT EXISTS (SELECT FROM pg_index i
                          WHERE i.indexrelid = c.oid AND i.indrelid IN (SELECT oid FROM migrates_own))
         AND NOT EXISTS (SELECT FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND (d.refobjid IN (SELECT oid FROM migrates_own)
                                 OR (c.relkind = 'S' AND d.deptype = 'i')))
    )
    SELECT CASE WHEN relkind IN ('r', 'p') THEN 'table'
                WHEN relkind IN ('v', 'm') THEN 'view'
                WHEN relkind = 'S' THEN 'sequence'
                ELSE 'index' END, nspname, relname
      FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I')
    UNION ALL
    SELECT 'function', ns.nspname, p.proname
      FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
     WHERE NOT EXISTS (SELECT FROM extension_member e
                        WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid)
    UNION ALL
    SELECT 'trigger', rel.nspname, t.tgname
      FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid
     WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'enum', ns.nspname, t.typname
      FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
     WHERE t.typtype = 'e'
       AND NOT EXISTS (SELECT FROM extension_member e
                        WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid)
    UNION ALL
    SELECT 'extension', n.nspname, x.extname
      FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
  )sql";
  std::set<schema_object> objects;
  for (auto const& row : migc::test::query_rows(conninfo, query))
    objects.insert({row.at(0), row.at(1), row.at(2)});
  return objects;
}

/// The objects of `after` that `before` did not have.
std::vector<schema_object> added(std::set<schema_object> const& before,
                                 std::set<schema_object> const& after) {
  std::vector<schema_object> out;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(out));
  return out;
}

/// Whether `text` holds `name` as a whole identifier (not inside a longer one).
bool names(std::string const& text, std::string const& name) {
  auto const identifier_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  };
  for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
    bool const starts = at == 0 || !identifier_char(text[at - 1]);
    bool const ends = at + name.size() == text.size() || !identifier_char(text[at + name.size()]);
    if (starts && ends) return true;
  }
  return false;
}

std::string output_of(migc::test::process_result const& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

/// Success when verify's run `r` reports drift (exit 1) on a line that names `table` and `column`.
::testing::AssertionResult reports_drift_of(migc::test::process_result const& r,
                                            std::string const& table, std::string const& column) {
  bool named = false;
  std::istringstream lines(r.out);
  for (std::string line; !named && std::getline(lines, line);)
    named = names(line, table) && names(line, column);
  if (r.exit_code == 1 && named) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  if (r.exit_code != 1) failure << "verify exited " << r.exit_code << ", not 1 (drift). ";
  if (!named) failure << "No line of its output names both " << table << " and " << column << ".";
  return failure << "\n" << output_of(r);
}

/// One history: the folder of its revisions and the migrate binary built from it.
class history : public migc::test::pg_test, public ::testing::WithParamInterface<std::string> {
 protected:
  [[nodiscard]] std::string folder() const {
    return std::string(MIGC_HISTORIES_DIR) + "/" + GetParam();
  }

  migc::test::process_result migrate(std::vector<std::string> const& args) const {
    std::vector<std::string> argv{
        std::string(MIGC_HISTORIES_BIN_DIR) + "/histories_" + GetParam() + "_migrate",
        "--database-url", conninfo()};
    argv.insert(argv.end(), args.begin(), args.end());
    return migc::test::run_process(argv);
  }

  /// Success when `migrate <args>` exits 0; else its output.
  ::testing::AssertionResult migrate_succeeds(std::vector<std::string> const& args) const {
    auto const r = migrate(args);
    if (r.exit_code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "migrate " << ::testing::PrintToString(args) << "\n"
                                         << output_of(r);
  }

  void expect_verify_clean() const {
    auto const r = migrate({"verify"});
    EXPECT_EQ(r.exit_code, 0) << output_of(r);
  }
};

TEST_P(history, upgrade_to_head_then_verify_is_clean) {
  ASSERT_TRUE(migrate_succeeds({"upgrade"}));
  expect_verify_clean();
}

TEST_P(history, a_column_added_by_hand_to_any_table_is_drift) {
  auto const before = schema_objects(conninfo());
  ASSERT_TRUE(migrate_succeeds({"upgrade"}));
  std::vector<schema_object> tables;
  for (auto const& o : added(before, schema_objects(conninfo())))
    if (o.kind == "table") tables.push_back(o);
  ASSERT_THAT(tables, ::testing::Not(IsEmpty()));
  for (auto const& table : tables) {
    SCOPED_TRACE(table.qualified());
    std::string const sql_name = "\"" + table.schema + "\".\"" + table.name + "\"";
    migc::test::execute(conninfo(), "ALTER TABLE " + sql_name + " ADD COLUMN hand_added integer");
    EXPECT_TRUE(reports_drift_of(migrate({"verify"}), table.qualified(), "hand_added"));
    migc::test::execute(conninfo(), "ALTER TABLE " + sql_name + " DROP COLUMN hand_added");
  }
}

TEST_P(history, migc_schema_names_every_object_the_history_created) {
  auto const before = schema_objects(conninfo());
  ASSERT_TRUE(migrate_succeeds({"upgrade"}));
  auto const created = added(before, schema_objects(conninfo()));
  ASSERT_THAT(created, ::testing::Not(IsEmpty()));

  auto const schema = migc::test::run_process({MIGC_BINARY, "schema", "--dir", folder()});
  ASSERT_EQ(schema.exit_code, 0) << output_of(schema);
  std::vector<schema_object> missing;
  for (auto const& o : created)
    if (!names(schema.out, o.name_in_ddl())) missing.push_back(o);
  EXPECT_TRUE(missing.empty()) << missing.size() << " of the " << created.size()
                               << " objects the history created are not named by `migc schema`:\n"
                               << describe(missing) << "--- migc schema\n"
                               << schema.out;
}

TEST_P(history, downgrade_to_base_and_up_again_then_verify_is_clean) {
  auto const before = schema_objects(conninfo());
  ASSERT_TRUE(migrate_succeeds({"upgrade"}));
  ASSERT_TRUE(migrate_succeeds({"downgrade", "base"}));
  auto const left = added(before, schema_objects(conninfo()));
  EXPECT_THAT(left, IsEmpty()) << "left at base:\n" << describe(left);
  ASSERT_TRUE(migrate_succeeds({"upgrade"}));
  expect_verify_clean();
}

/// One suite per history, named after it (e.g. forum/history.upgrade_to_head_then_verify_is_clean).
INSTANTIATE_TEST_SUITE_P(forum, history, ::testing::Values("forum"));
INSTANTIATE_TEST_SUITE_P(mailer, history, ::testing::Values("mailer"));
INSTANTIATE_TEST_SUITE_P(auth, history, ::testing::Values("auth"));

}  // namespace
