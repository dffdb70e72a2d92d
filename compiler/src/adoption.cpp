// check_adoption: the rules of the `adopts` clause (docs/language.md, "Adopting a database").
#include "adoption.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <migc/runtime/catalog.hpp>

namespace migc::compiler {
namespace {

dsl::diagnostic error_at(dsl::source_file const& file, dsl::span where, std::string message,
                         std::string help, std::string code = "adopts-id") {
  dsl::diagnostic d;
  d.code = std::move(code);
  d.where = {&file, where};
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

/// Printable ASCII but blanks and quotes: what a version id of Alembic, Flyway or a hand-kept
/// table looks like, and what survives in messages and scripts unquoted.
bool plain_byte(char c) {
  return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '\\';
}

}  // namespace

bool check_adoption(dsl::source_file const& file, dsl::ast::revision const& rev,
                    dsl::diagnostic_engine& out) {
  if (!rev.adopts) return true;
  auto const& adopted = *rev.adopts;
  if (rev.parent) {
    out.report(error_at(
        file, adopted.where,
        fmt::format("revision '{}' revises '{}', and only the root revision may adopt a version",
                    rev.id.digits, rev.parent->digits),
        "put 'adopts' on the root revision: the one whose schema the adopted database has",
        "adopts-not-root"));
    return false;
  }
  std::string const& id = adopted.id;
  if (id.empty() || id.size() > runtime::max_revision_id_length) {
    out.report(error_at(file, adopted.where,
                        fmt::format("adopted version '{}' is {} characters long", id, id.size()),
                        "a version table holds 1 to 32 characters (varchar(32)): copy the value "
                        "exactly as the version table holds it"));
    return false;
  }
  if (!std::all_of(id.begin(), id.end(), plain_byte)) {
    out.report(error_at(file, adopted.where,
                        fmt::format("adopted version '{}' holds a blank, a quote or a byte outside "
                                    "printable ASCII",
                                    id),
                        "copy the value exactly as the version table holds it, e.g. adopts "
                        "\"5bfaba76d76e\""));
    return false;
  }
  if (runtime::revision_id_value(id)) {
    out.report(error_at(
        file, adopted.where,
        fmt::format("adopted version '{}' is a decimal number, which migrate reads as revision {}",
                    id, id),
        fmt::format("number the root revision {0} instead of adopting it: 'revision {0} \"...\"' "
                    "(the root may carry any number)",
                    id)));
    return false;
  }
  return true;
}

}  // namespace migc::compiler
