// The opt-in lint rules (style rules): off unless a build names them (`migc --lint`, LINT).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace migc::compiler {

/// One opt-in rule: its diagnostic code and what it checks (docs/language.md, "Style rules").
struct opt_in_rule {
  std::string_view code;
  std::string_view checks;
};

/// Every opt-in rule, in the order the docs list them. The group `style` names them all.
[[nodiscard]] std::vector<opt_in_rule> const& opt_in_rules();

/// The opt-in rules one build enables, by code; empty (the default) enables none.
using lint_selection = std::set<std::string, std::less<>>;

/**
 * Reads the value of `migc --lint` / `add_migrations(... LINT ...)`: rule codes and the group
 * `style` (every opt-in rule), separated by commas or semicolons (a CMake list), blanks around a
 * name ignored. Throws std::invalid_argument naming an unknown name and the known ones.
 */
[[nodiscard]] lint_selection parse_lint_selection(std::string_view list);

}  // namespace migc::compiler
