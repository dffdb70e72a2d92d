// Internal: a version row another tool wrote (an Alembic revision id) that the root revision
// adopts (`adopts "..."` in its header), and the refusal for one that no revision adopts.
#pragma once

#include <cstddef>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/error.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace migc::runtime::detail {

/**
 * The index of the revision that adopts `stored`, a version row that is not
 * one of this catalog's ids: the root, when its `adopts` is exactly `stored`
 * (the compiler lets only the root adopt, and never a decimal id).
 */
[[nodiscard]] std::optional<std::size_t> adopting_revision(catalog const& cat,
                                                           std::string_view stored);

/// True when the database's version row `stored` is adopted rather than a revision id.
[[nodiscard]] bool is_adopted(catalog const& cat, std::string_view stored);

/**
 * The refusal (not_a_revision_id) for a version row that is no migc
 * revision id and that no revision adopts, e.g. an Alembic revision: it
 * names what the root adopts, if anything, and the two ways to continue
 * such a database (`migc import --from-database`, or `adopts` on the root).
 */
[[nodiscard]] refusal foreign_version_refusal(catalog const& cat, std::string const& stored);

}  // namespace migc::runtime::detail
