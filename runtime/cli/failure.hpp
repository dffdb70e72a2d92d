// Internal: every way a migrate command fails, its exit code, and how it is reported (sqlx's
// error.rs in one file).
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "options.hpp"

namespace migc::runtime::detail {

/// Exit codes (docs/migrate.md, "Exit codes").
enum exit_code : int {
  exit_ok = 0,         ///< done; `status`: no anomaly and, with --check, nothing pending
  exit_failure = 1,    ///< a command failed; the message says what and where
  exit_usage = 2,      ///< the command line is wrong (unknown command, option, target, revision)
  exit_pending = 3,    ///< `status --check`: revisions are pending
  exit_attention = 4,  ///< `status`: the database has an anomaly every run would refuse
};

/// A usage error found after CLI11's parse (bad target, bad duration, unknown revision).
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The kinds of failure, as JSON error objects name them ("kind").
enum class failure_kind {
  usage,           ///< exit 2
  connection,      ///< connection_error
  refusal,         ///< refusal (with its reason)
  revision,        ///< revision_error: a revision failed and was rolled back
  commit_unknown,  ///< commit_unknown_error: the COMMIT's outcome is unknown
  lock,            ///< lock_error: the migration lock was not granted in time
  interrupted,     ///< interrupted_error: SIGINT/SIGTERM
  target,          ///< target_error: a target the chain does not reach (e.g. an unknown id)
  standbys,        ///< standby_error: --wait-for-standbys timed out (the run is committed)
  other,           ///< any other runtime error
};

/// "refusal", "commit_unknown", ...
[[nodiscard]] std::string_view failure_name(failure_kind kind) noexcept;

/**
 * Reports the exception being handled and returns its exit code: a
 * password-free `migrate: error: ...` line on stderr (and the revisions
 * completed before the failure), plus, with --format json, an error object
 * on stdout: {"format_version": 1, "error": {"kind", "reason" (refusals),
 * "message", "revision", "location", "sqlstate", "applied"}}.
 */
int report_failure(output const& io, cli_options const& o) noexcept;

/// A message with every password of the conninfo the command used (every URL of a fleet, and
/// DATABASE_URL's) masked.
[[nodiscard]] std::string password_free(std::string_view message, cli_options const& o);

}  // namespace migc::runtime::detail
