// The registry of diagnostic codes (see diagnostic_codes.hpp). Keep it sorted by code; the
// test in tests/compiler/diagnostic_codes_test.cpp checks that docs/language.md lists exactly
// this table and that every code is produced by a case of the corpus.
#include <algorithm>
#include <migc/dsl/diagnostic_codes.hpp>

namespace migc::dsl {

namespace {

constexpr std::string_view checks = "#what-the-compiler-checks";
constexpr std::string_view chain = "#the-chain";
constexpr std::string_view files = "#files-and-revision-ids";
constexpr std::string_view downgrades = "#downgrades";
constexpr std::string_view raw_sql = "#what-the-compiler-learns-from-raw-sql";
constexpr std::string_view lint = "#rules-and-lint";
constexpr std::string_view model = "#the-model";
constexpr std::string_view adoption = "#adopting-a-database";
constexpr std::string_view online = "#online-safety";
constexpr std::string_view backfills = "#backfills";
constexpr std::string_view style = "#style-rules";

std::vector<diagnostic_code> make_table() {
  auto const error = severity::error;
  auto const warning = severity::warning;
  std::vector<diagnostic_code> table{
      {"adopts-id", error,
       "an adopted version is empty, too long, not printable ASCII, or a decimal revision id",
       adoption},
      {"adopts-not-root", error, "a revision that revises another adopts a version", adoption},
      {"ambiguous-function", error,
       "a function is named without arguments but several share the name", model},
      {"backfill-batch", error, "a backfill batch size is zero", backfills},
      {"backfill-without-primary-key", error, "a backfill names a table without a primary key",
       backfills},
      {"backfill-without-transaction", error,
       "a backfill stands in a revision marked 'without transaction'", backfills},
      {"chain-cycle", error, "revisions revise each other in a cycle", chain},
      {"chain-duplicate", error, "two revisions have the same id", chain},
      {"chain-fork", error, "two revisions revise the same parent", chain},
      {"chain-gap", error, "a revision revises an id no revision has", chain},
      {"chain-roots", error, "more than one revision revises nothing", chain},
      {"chain-skip", error, "a revision's id is not its parent's id plus one", chain},
      {"column-in-primary-key", error, "a primary-key column is made nullable", model},
      {"column-in-use", error, "a column another object still uses is dropped without cascade",
       model},
      {"concurrently-in-transaction", error, "a concurrent index step in a transactional revision",
       lint},
      {"conflicting-constraints", error,
       "a column or constraint is declared two contradictory ways", model},
      {"constraint-in-use", error,
       "a unique or primary key constraint a foreign key needs is dropped", model},
      {"constraint-not-valid", warning,
       "raw sql adds a foreign key or check to an existing table without NOT VALID", online},
      {"data-deletion", warning, "raw sql deletes rows (DELETE, TRUNCATE)", lint},
      {"default-cast", error, "a column's type changes but PostgreSQL cannot cast its default",
       model},
      {"downgrade-mismatch", warning, "the downgrade does not bring the model back to the parent's",
       downgrades},
      {"drop-column", warning, "an upgrade drops a column", lint},
      {"drop-table", warning, "an upgrade drops a table", lint},
      {"duplicate-column", error, "a column is added that already exists", model},
      {"duplicate-constraint", error, "a constraint is added whose name already exists", model},
      {"duplicate-enum-value", error, "an enum value is added that already exists", model},
      {"duplicate-extension", error, "an extension is created that is already installed", model},
      {"duplicate-function", error, "a function or procedure is created that already exists",
       model},
      {"duplicate-name", error, "a table, index, view or sequence is created whose name is taken",
       model},
      {"duplicate-primary-key", error, "a second primary key is added to a table", model},
      {"duplicate-schema", error, "a schema is created that already exists", model},
      {"duplicate-trigger", error, "a trigger is created that already exists on its table", model},
      {"duplicate-type", error, "a type is created that already exists", model},
      {"empty-folder", warning, "the migrations folder has no revisions", files},
      {"empty-sql", warning, "a raw sql step holds no statement", raw_sql},
      {"empty-upgrade", warning, "an upgrade block is empty", files},
      {"enum-value-same-revision", error, "an enum value is used in the revision that adds it",
       lint},
      {"error-limit", error, "too many errors; the ones after the limit are not shown", checks},
      {"expression-cast", error,
       "a column's type changes but a check or index expression on it cannot follow", model},
      {"file-name", error, "a revision's file name does not follow the pattern or its id", files},
      {"folder", error, "the migrations folder does not exist or is not a folder", files},
      {"foreign-key-columns", error, "a foreign key's column count differs from the referenced one",
       model},
      {"foreign-key-target", error,
       "a foreign key references columns without a primary key or unique constraint", model},
      {"foreign-key-type", error,
       "a foreign key column's type cannot be compared with the referenced column's", model},
      {"function-in-use", error, "a function a trigger runs is dropped without cascade", model},
      {"generated-column", warning, "raw sql adds a stored generated column to an existing table",
       online},
      {"identity-type", error, "an identity column is not smallint, integer or bigint", model},
      {"index-not-concurrent", warning,
       "raw sql builds or drops an index on an existing table without CONCURRENTLY", lint},
      {"index-not-unique", error, "a constraint is made from an index that is not unique", model},
      {"io", error, "a revision file cannot be read", files},
      {"irreversible-place", error, "'irreversible' stands where it cannot", downgrades},
      {"missing-downgrade", error,
       "a revision with raw sql has no downgrade block and no derivable inverse", downgrades},
      {"name-truncated", warning, "an identifier is longer than 63 bytes: PostgreSQL truncates it",
       model},
      {"needs-no-transaction", error,
       "raw sql PostgreSQL runs only outside a transaction block, in a transactional revision",
       raw_sql},
      {"no-inverse", error,
       "a step without derivable inverse in a revision without downgrade block", downgrades},
      {"not-an-index", error, "'drop index' names a relation that is not a droppable index", model},
      {"not-null-without-default", warning,
       "a not null column without default is added to an existing table", lint},
      {"prefer-bigint", warning, "an integer or smallint key column (opt-in style rule)", style},
      {"prefer-idempotent", warning,
       "a create without 'if not exists' or a drop without 'if exists' (opt-in style rule)", style},
      {"prefer-identity", warning, "a serial column (opt-in style rule)", style},
      {"prefer-text", warning, "a varchar(n) or char(n) column (opt-in style rule)", style},
      {"prefer-timestamptz", warning, "a timestamp without time zone column (opt-in style rule)",
       style},
      {"rename-column", warning, "a column of an existing table is renamed", online},
      {"rename-table", warning, "an existing table is renamed", online},
      {"revision-id", error, "a revision id is too long or too large", files},
      {"schema-in-use", error, "a schema that still holds objects is dropped without cascade",
       model},
      {"set-not-null", warning, "raw sql sets NOT NULL on a column of an existing table", online},
      {"short-id", warning, "a revision id has fewer than three digits", files},
      {"sql-copy", error, "raw sql copies data from or to the client", raw_sql},
      {"sql-encoding", error, "raw sql is not valid UTF-8", raw_sql},
      {"sql-not-modelled", severity::note, "the model does not follow a raw sql statement",
       raw_sql},
      {"sql-psql-command", error, "raw sql holds a psql meta-command", raw_sql},
      {"sql-session", error, "raw sql changes session state that would outlive its revision",
       raw_sql},
      {"sql-syntax", error, "PostgreSQL's parser rejects the raw sql or expression", raw_sql},
      {"sql-too-deep", error, "raw sql nests deeper than the compiler follows", raw_sql},
      {"sql-transaction", error, "raw sql controls the transaction", raw_sql},
      {"stray-file", warning, "a file in the migrations folder is not a revision; it is ignored",
       files},
      {"stray-revision", error, "a file is named like a revision but does not end in .mig", files},
      {"syntax", error, "the text does not follow the language's grammar", checks},
      {"table-in-use", error,
       "a table another table's foreign key references is dropped without cascade", model},
      {"table-rewrite", warning, "a column type change rewrites the table", lint},
      {"type-in-use", error, "a type a column uses is dropped", model},
      {"unique-not-concurrent", warning,
       "raw sql adds a unique or primary key constraint to an existing table without USING INDEX",
       online},
      {"unknown-column", error, "a step names a column its table does not have", model},
      {"unknown-constraint", error, "a step names a constraint that does not exist", model},
      {"unknown-enum-value", error, "a step names an enum value the type does not have", model},
      {"unknown-extension", error, "a step names an extension that is not installed", model},
      {"unknown-function", error, "a step names a function that does not exist", model},
      {"unknown-index", error, "a step names an index that does not exist", model},
      {"unknown-schema", error, "a step names a schema that does not exist", model},
      {"unknown-sequence", error, "a step names a sequence that does not exist", model},
      {"unknown-table", error, "a step names a table that does not exist", model},
      {"unknown-trigger", error, "a step names a trigger that does not exist", model},
      {"unknown-type", error, "a step names a type that does not exist", model},
      {"unknown-view", error, "a step names a view that does not exist", model},
      {"unnamed-check", error, "a table-level check constraint has no name", model},
      {"using-required", error,
       "a column's type changes to one its values have no assignment cast to, and no 'using' says "
       "how",
       model},
      {"validate-in-same-transaction", warning,
       "raw sql validates a constraint in the transaction that added it NOT VALID", online},
      {"view-columns", error,
       "CREATE OR REPLACE VIEW drops, renames or reorders a column the view has", model},
      {"view-in-use", error, "a view another view reads is dropped without cascade", model},
      {"volatile-default", warning,
       "a column with a volatile default is added to an existing table", online},
  };
  return table;
}

}  // namespace

std::vector<diagnostic_code> const& diagnostic_codes() {
  static std::vector<diagnostic_code> const table = make_table();
  return table;
}

diagnostic_code const* find_diagnostic_code(std::string_view code) {
  auto const& table = diagnostic_codes();
  auto const it =
      std::lower_bound(table.begin(), table.end(), code,
                       [](diagnostic_code const& c, std::string_view k) { return c.code < k; });
  return it != table.end() && it->code == code ? &*it : nullptr;
}

}  // namespace migc::dsl
