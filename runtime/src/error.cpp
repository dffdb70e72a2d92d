// The runtime's exception family (see error.hpp).
#include <migc/runtime/error.hpp>
#include <utility>

namespace migc::runtime {

error::error(std::string const& message, error_context context)
    : std::runtime_error(message), m_context(std::move(context)) {}

refusal::refusal(refusal_reason reason, std::string const& message, error_context context)
    : error(message, std::move(context)), m_reason(reason) {}

std::string_view refusal::reason_name() const noexcept {
  switch (m_reason) {
    case refusal_reason::dirty:
      return "dirty";
    case refusal_reason::not_a_revision_id:
      return "not_a_revision_id";
    case refusal_reason::below_first_revision:
      return "below_first_revision";
    case refusal_reason::database_ahead:
      return "database_ahead";
    case refusal_reason::other_branch:
      return "other_branch";
    case refusal_reason::edited_revision:
      return "edited_revision";
    case refusal_reason::several_versions:
      return "several_versions";
    case refusal_reason::irreversible:
      return "irreversible";
    case refusal_reason::needs_transaction_free_run:
      return "needs_transaction_free_run";
    case refusal_reason::phases_pending:
      return "phases_pending";
    case refusal_reason::read_only:
      return "read_only";
    case refusal_reason::role_unavailable:
      return "role_unavailable";
    case refusal_reason::pooled_session:
      return "pooled_session";
    case refusal_reason::no_recorded_downgrade:
      return "no_recorded_downgrade";
    case refusal_reason::recorded_downgrade_mismatch:
      return "recorded_downgrade_mismatch";
    case refusal_reason::not_empty:
      return "not_empty";
    case refusal_reason::new_version_table:
      return "new_version_table";
    case refusal_reason::not_dirty:
      break;
  }
  return "not_dirty";
}

}  // namespace migc::runtime
