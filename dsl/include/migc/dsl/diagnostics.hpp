// Diagnostics: collected as data by one engine, rendered separately (text or JSON).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <migc/dsl/source_file.hpp>
#include <optional>
#include <string>
#include <vector>

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
  /// Set by the engine when --werror turned this warning into an error; the
  /// text renderer then appends " [-Werror]" (clang's marker).
  bool promoted_from_warning = false;
};

/**
 * Collects diagnostics of a whole compiler run. Applies --werror (warnings
 * counted and rendered as errors) and stops accepting errors after a limit,
 * as lld does, so one broken input does not bury the rest.
 *
 * When an error arrives after `error_limit` errors, the engine stores one
 * error "too many errors emitted, stopping now" (code "error-limit", no
 * location, counted) instead, and from then on drops every diagnostic.
 * An `error_limit` of 0 means no limit.
 */
class diagnostic_engine {
 public:
  static constexpr std::size_t default_error_limit = 20;

  explicit diagnostic_engine(bool warnings_as_errors = false,
                             std::size_t error_limit = default_error_limit)
      : m_werror(warnings_as_errors), m_error_limit(error_limit) {}

  /// Stores `d` (applying --werror and the error limit) and counts it.
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
 *     revision 003 revises 002 "x"
 *     ^
 *     help: renumber ...
 *
 * A diagnostic without location prints as `migc: error: message`. The caret
 * line copies the tabs of the source line (so it lines up whatever the
 * terminal's tab stops), puts `^` under the first character of the span and
 * one `~` under each further character of the span on that line. Of a source
 * line longer than 160 bytes only a window around the span is shown (60 bytes
 * before it), each cut marked "...".
 * A warning promoted by --werror ends its first line with " [-Werror]".
 * When errors or warnings were reported, a summary line follows, clang's
 * wording: "1 error generated.", "2 errors and 1 warning generated.",
 * "3 warnings generated.".
 */
void render_text(std::ostream& out, diagnostic_engine const& engine, render_options options = {});

/**
 * Machine-readable form of the same data, one line:
 *
 *     {"format_version":1,"diagnostics":[{"severity":"error","code":"syntax",
 *      "file":"x.mig","line":3,"column":5,"end_line":3,"end_column":9,
 *      "message":"...","notes":[{"file":...,"line":...,"column":...,
 *      "end_line":...,"end_column":...,"message":"..."}],"help":"..." or null}]}
 *
 * `end_line`/`end_column` are the position just past the span (exclusive).
 * Location fields are null when a diagnostic has no location. Ill-formed
 * UTF-8 in any string is replaced by U+FFFD so the output is always valid JSON.
 */
void render_json(std::ostream& out, diagnostic_engine const& engine);

}  // namespace migc::dsl
