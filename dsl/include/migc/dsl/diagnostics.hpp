// Diagnostics: collected as data by one engine, rendered separately (text or JSON).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <migc/dsl/source_file.hpp>

namespace migc::dsl {

enum class severity { error, warning, note };

/// A place in a source file; `file == nullptr` means "no source location"
/// (e.g. a problem with the migrations folder itself).
struct location {
  source_file const* file = nullptr;
  span range;
};

/// A secondary message attached to a diagnostic ("note: first defined here").
struct note {
  location where;
  std::string message;
};

/**
 * One problem found in the input. Messages follow clang/rustc style:
 * lowercase, no full stop, identifiers in single quotes; the message states
 * the problem and only `help` says how to fix it.
 */
struct diagnostic {
  severity level = severity::error;
  std::string code;  ///< stable identifier, e.g. "syntax", "chain-gap"
  location where;
  std::string message;
  std::vector<note> notes;
  std::optional<std::string> help;
};

/**
 * Collects diagnostics of a whole compiler run. Applies --werror (warnings
 * counted and rendered as errors) and stops accepting errors after a limit,
 * as lld does, so one broken input does not bury the rest.
 */
class diagnostic_engine {
 public:
  static constexpr std::size_t default_error_limit = 20;

  explicit diagnostic_engine(bool warnings_as_errors = false,
                             std::size_t error_limit = default_error_limit)
      : m_werror(warnings_as_errors), m_error_limit(error_limit) {}

  void report(diagnostic d);

  [[nodiscard]] std::size_t error_count() const { return m_errors; }
  [[nodiscard]] std::size_t warning_count() const { return m_warnings; }
  [[nodiscard]] bool has_errors() const { return m_errors > 0; }
  /// True once the error limit was reached; later errors were dropped.
  [[nodiscard]] bool limit_reached() const { return m_limit_reached; }
  /// Diagnostics in report order.
  [[nodiscard]] std::vector<diagnostic> const& diagnostics() const { return m_diagnostics; }

 private:
  bool m_werror;
  std::size_t m_error_limit;
  std::size_t m_errors = 0;
  std::size_t m_warnings = 0;
  bool m_limit_reached = false;
  std::vector<diagnostic> m_diagnostics;
};

/// How to render.
struct render_options {
  bool color = false;
};

/**
 * GCC/clang shape, so IDEs and CI annotators pick it up:
 *
 *     migrations/x.mig:3:5: error: unknown step 'frob'
 *         frob table users
 *         ^~~~
 *     migrations/y.mig:1:1: note: first revision with parent 002 is here
 *     help: renumber ...
 *
 * followed by a summary line ("2 errors, 1 warning generated") when anything
 * was reported.
 */
void render_text(std::ostream& out, diagnostic_engine const& engine, render_options options = {});

/// Machine-readable form of the same data: {"format_version":1,"diagnostics":[...]}.
void render_json(std::ostream& out, diagnostic_engine const& engine);

}  // namespace migc::dsl
