// Writing a revision file for the author (`migc new`, `migc import`, `migc diff`): where it goes
// in the chain, its name, and its text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <migc/dsl/ast.hpp>
#include <migc/dsl/diagnostics.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace migc::compiler {

/// Where a new revision goes in the chain of a folder: its number and its parent ("" for a
/// root).
struct next_revision {
  std::uint64_t number = 1;
  std::string parent;
};

/**
 * The next revision of the chain in `folder` (created when missing; an empty
 * folder starts a chain at 001 without a warning). Nothing when the chain has
 * errors, which are reported to `out`.
 */
[[nodiscard]] std::optional<next_revision> next_revision_of(std::filesystem::path const& folder,
                                                            dsl::diagnostic_engine& out);

/// `YYYYMMDD_HHMM` of the current UTC time, as revision file names start.
[[nodiscard]] std::string utc_timestamp();

/// `<folder>/<YYYYMMDD_HHMM>-<id>_<slug>.mig` for a new revision.
[[nodiscard]] std::filesystem::path revision_path(std::filesystem::path const& folder,
                                                  std::string const& id,
                                                  std::string const& description);

/// One step of a revision being written, with the comment lines written above it.
struct written_step {
  std::vector<std::string> comments;  ///< each becomes a `-- ` line
  /// A declarative step, or raw SQL: statements (without their `;`), written verbatim.
  std::variant<dsl::ast::step, std::vector<std::string>> what;
};

/// A revision to write.
struct written_revision {
  std::string id;
  std::string parent;  ///< "" for a root
  std::string description;
  std::optional<std::string> adopts;
  std::vector<std::string> comments;  ///< above the upgrade block
  std::vector<written_step> upgrade;
  /// The downgrade block: its steps, or (when `irreversible` is set) `irreversible "reason"`;
  /// none when both are empty (the compiler derives the downgrade).
  std::vector<written_step> downgrade;
  std::optional<std::string> irreversible;
};

/**
 * The revision as file text: the header line, the comments, `upgrade { ... }`
 * with each step indented by four spaces (raw SQL in `sql $$ ... $$`, its
 * statements verbatim, each on its own lines), then the downgrade block if
 * any. Throws std::invalid_argument for a step the language cannot write
 * (dsl::step_text).
 */
[[nodiscard]] std::string revision_text(written_revision const& r);

}  // namespace migc::compiler
