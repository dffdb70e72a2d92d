// The registry of diagnostic codes: every code the compiler reports, in one table.
#pragma once

#include <migc/dsl/diagnostics.hpp>
#include <string_view>
#include <vector>

namespace migc::dsl {

/**
 * One registered diagnostic code. `level` is the level it is reported at (before --werror turns
 * warnings into errors); `meaning` is one line saying when it is reported; `anchor` is the section
 * of docs/language.md that explains the rule (a GitHub-style heading anchor, e.g.
 * "#rules-and-lint").
 */
struct diagnostic_code {
  std::string_view code;
  severity level;
  std::string_view meaning;
  std::string_view anchor;
};

/// Every diagnostic code, sorted by code. docs/language.md ("Diagnostic codes") lists the same
/// table; tests/compiler/diagnostic_codes_test.cpp keeps the two, and the corpus, in agreement.
[[nodiscard]] std::vector<diagnostic_code> const& diagnostic_codes();

/// The registered entry of `code`, or nullptr when no such code is registered.
[[nodiscard]] diagnostic_code const* find_diagnostic_code(std::string_view code);

}  // namespace migc::dsl
