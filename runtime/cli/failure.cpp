// Every way a migrate command fails: its kind, exit code and report (text and JSON).
#include "failure.hpp"

#include <cstdlib>
#include <migc/runtime/error.hpp>
#include <ostream>

#include "connection.hpp"
#include "json_output.hpp"
#include "presentation.hpp"

namespace migc::runtime::detail {
namespace {

/// The kind of `e` (the most derived class of the runtime's family that it is).
failure_kind kind_of(std::exception const& e) {
  if (dynamic_cast<usage_error const*>(&e)) return failure_kind::usage;
  if (dynamic_cast<target_error const*>(&e)) return failure_kind::target;
  if (dynamic_cast<connection_error const*>(&e)) return failure_kind::connection;
  if (dynamic_cast<refusal const*>(&e)) return failure_kind::refusal;
  if (dynamic_cast<revision_error const*>(&e)) return failure_kind::revision;
  if (dynamic_cast<commit_unknown_error const*>(&e)) return failure_kind::commit_unknown;
  if (dynamic_cast<lock_error const*>(&e)) return failure_kind::lock;
  if (dynamic_cast<interrupted_error const*>(&e)) return failure_kind::interrupted;
  if (dynamic_cast<standby_error const*>(&e)) return failure_kind::standbys;
  return failure_kind::other;
}

void report(output const& io, cli_options const& o, std::exception const& e) {
  failure_kind const kind = kind_of(e);
  std::string const message = password_free(e.what(), o);
  io.err << "migrate: error: " << message << "\n";
  auto const* runtime_error = dynamic_cast<error const*>(&e);
  if (runtime_error && !runtime_error->applied().empty()) {
    io.err << "migrate: note: completed before the failure: "
           << comma_list(runtime_error->applied()) << "\n";
  }
  if (io.json) write_json(io.out, error_json(failure_name(kind), message, runtime_error));
}

}  // namespace

std::string_view failure_name(failure_kind kind) noexcept {
  switch (kind) {
    case failure_kind::usage:
      return "usage";
    case failure_kind::connection:
      return "connection";
    case failure_kind::refusal:
      return "refusal";
    case failure_kind::revision:
      return "revision";
    case failure_kind::commit_unknown:
      return "commit_unknown";
    case failure_kind::lock:
      return "lock";
    case failure_kind::interrupted:
      return "interrupted";
    case failure_kind::target:
      return "target";
    case failure_kind::standbys:
      return "standbys";
    case failure_kind::other:
      break;
  }
  return "other";
}

std::string password_free(std::string_view message, cli_options const& o) {
  std::string out = sanitize(message, o.database_url);
  for (std::string const& url : o.database_urls) out = sanitize(out, url);
  if (char const* env = std::getenv("DATABASE_URL"); env != nullptr) out = sanitize(out, env);
  return out;
}

int report_failure(output const& io, cli_options const& o) noexcept {
  try {
    try {
      throw;
    } catch (std::exception const& e) {
      report(io, o, e);
      return kind_of(e) == failure_kind::usage ? exit_usage : exit_failure;
    }
  } catch (...) {  // reporting failed, or not an exception at all: the exit code still says it
  }
  return exit_failure;
}

}  // namespace migc::runtime::detail
