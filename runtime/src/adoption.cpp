// Adopted versions: the root revision standing for another tool's version row (docs/migrate.md,
// "Adopting a database").
#include "adoption.hpp"

#include <fmt/format.h>

#include "plan.hpp"

namespace migc::runtime::detail {

std::optional<std::size_t> adopting_revision(catalog const& cat, std::string_view stored) {
  if (cat.revisions.empty() || stored.empty()) return std::nullopt;
  if (cat.revisions[0].adopts != stored) return std::nullopt;
  return std::size_t{0};
}

bool is_adopted(catalog const& cat, std::string_view stored) {
  return !find_revision(cat, stored) && adopting_revision(cat, stored).has_value();
}

refusal foreign_version_refusal(catalog const& cat, std::string const& stored) {
  std::string const knows = cat.revisions.empty()
                                ? std::string("this binary knows no revisions")
                                : fmt::format("this binary knows up to {}", head_name(cat));
  std::string adopted = "no revision of this binary adopts it";
  if (!cat.revisions.empty() && !cat.revisions[0].adopts.empty()) {
    adopted = fmt::format(
        "this binary's root {} adopts '{}' instead (bring the database to that "
        "version with the tool that wrote it first)",
        cat.revisions[0].id, cat.revisions[0].adopts);
  }
  return refusal(
      refusal_reason::not_a_revision_id,
      fmt::format("database is at '{}', which is not a migc revision id (an Alembic revision?), "
                  "and {}; {}: to continue that database, write a baseline revision from it with "
                  "`migc import --from-database URL` (it adopts the version), or put `adopts "
                  "\"{}\"` in the header of the root revision whose schema it has",
                  stored, adopted, knows, stored),
      {{}, stored, {}, {}});
}

}  // namespace migc::runtime::detail
