// The compiler driver: a migrations folder in, a checked chain and generated C++ out.
#pragma once

#include <deque>
#include <filesystem>
#include <migc/compiler/chain.hpp>
#include <migc/compiler/lint_rules.hpp>
#include <migc/compiler/schema_objects.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <migc/dsl/source_file.hpp>
#include <migc/runtime/catalog.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace migc::compiler {

/// One statement of a revision ready for emission (migc::runtime::step in the catalog).
struct compiled_step {
  std::string sql;
  std::uint32_t line = 0;
  /// Strongest table lock the statement takes in PostgreSQL 15 ("ACCESS EXCLUSIVE",
  /// "SHARE", ..., "none").
  std::string lock;
  bool rewrites = false;  ///< the statement rewrites a whole table
  runtime::statement_kind kind = runtime::statement_kind::schema;
  bool outside_transaction = false;  ///< PostgreSQL refuses it in a transaction block
  std::string objects;               ///< what it creates, changes or drops: "public.t, public.i"
  std::uint16_t phase = 0;           ///< phase of a phased revision (runtime::step::phase)
  bool backfill = false;             ///< one batch of a backfill (runtime::step::backfill)
  std::string index;  ///< the index a concurrent build makes, "schema.name" (step::index)
};

struct compiled_revision {
  std::string id;  ///< as declared
  std::uint64_t number = 0;
  std::string parent;  ///< as declared, "" for the root
  std::string description;
  std::string source_file;  ///< file name within the migrations folder
  std::uint32_t source_line = 0;
  std::string checksum;           ///< "sha256:<hex>"
  std::string previous_checksum;  ///< the checksum in the previous format (docs/checksum.md)
  bool transactional = true;
  bool reversible = true;
  std::string irreversible_reason;  ///< `irreversible "reason"`'s reason, "" when none
  std::string adopts;               ///< the version `adopts "..."` names (root only), "" when none
  std::vector<compiled_step> upgrade;
  std::vector<compiled_step> downgrade;
  /// Enum values the upgrade adds, and values added by some revision that its raw SQL uses,
  /// each `schema.type 'value'` (catalog.hpp, revision::enum_values_added).
  std::vector<std::string> enum_values_added;
  std::vector<std::string> enum_values_used;
  schema_delta schema_changes;  ///< what the upgrade changed in the flattened model (drift checks)
};

/// A checked chain, root first.
struct compiled_chain {
  std::vector<compiled_revision> revisions;
  std::string chain_hash;                     ///< "sha256:<hex>" over every checksum, chained
  std::vector<std::filesystem::path> inputs;  ///< every file read (for the depfile)
  std::string schema_sql;                  ///< the head's schema model as SQL DDL (`migc schema`)
  std::vector<schema_object> head_schema;  ///< the head's schema model, flattened (drift checks)
};

/// The source files of one compiler run; they outlive every diagnostic that points into them.
using source_set = std::deque<dsl::source_file>;

/**
 * Reads the raw sql steps and the SQL expressions of `r` (already parsed)
 * with PostgreSQL's parser and reports every problem. The parse trees are not
 * kept (memory stays flat at 10,000 revisions): sql::with_trees reads them
 * again where a revision is compiled.
 */
void read_sql(parsed_revision const& r, dsl::diagnostic_engine& diagnostics);

/// How a build checks a chain beyond what every build checks.
struct compile_options {
  /// The opt-in lint rules to check (`migc --lint`, `add_migrations(... LINT ...)`); none by
  /// default (docs/language.md, "Style rules").
  lint_selection lint;
  /// Revision files not written yet, compiled as if they stood in the folder at their path
  /// (what `migc diff` checks before it writes its file): path, then text.
  std::vector<std::pair<std::filesystem::path, std::string>> unsaved;
};

/**
 * Reads, parses and checks every revision in `folder`. Every problem is
 * reported to `diagnostics` (all files' syntax errors, then chain errors);
 * returns the chain only when there was no error.
 */
[[nodiscard]] std::optional<compiled_chain> compile_folder(std::filesystem::path const& folder,
                                                           source_set& sources,
                                                           dsl::diagnostic_engine& diagnostics,
                                                           compile_options const& options = {});

}  // namespace migc::compiler
