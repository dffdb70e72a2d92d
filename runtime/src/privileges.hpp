// Internal: what to grant after a permission error (SQLSTATE 42501), from the server's message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "session.hpp"

namespace migc::runtime::detail {

/// The object a permission error names: "permission denied for schema public" is
/// {"schema", "public", false}; "must be owner of table users" is {"table", "users", true}.
struct denied_object {
  std::string kind;  ///< "schema", "table", "database", "sequence", "function", ...
  std::string name;  ///< as the server printed it
  bool ownership = false;
};

/**
 * Reads the object out of PostgreSQL's permission messages ("permission
 * denied for KIND NAME", "must be owner of KIND NAME"; src/backend/catalog/
 * aclchk.c, aclcheck_error); nullopt for any other message.
 */
[[nodiscard]] std::optional<denied_object> denied(std::string_view message);

/**
 * What to do about a permission error the server reported with `message`
 * (its first line), for the role the statements run as (options::role, else
 * current_user): "GRANT CREATE ON SCHEMA public TO deploy", "GRANT CREATE ON
 * DATABASE app TO deploy", "run it as the owner of table users, app_owner
 * (--role app_owner) ...". Asks the server (after the failed transaction was
 * rolled back) whether the role may use the schema, and who owns a relation.
 * Names the privilege PostgreSQL requires (PostgreSQL docs, "Privileges");
 * a generic sentence when the message names no object.
 */
[[nodiscard]] std::string grant_advice(session& s, std::string_view message);

/// ". To fix: <grant_advice>" for a permission error (SQLSTATE 42501), "" for any other error or
/// when the server cannot be asked (best effort: the error is reported either way).
[[nodiscard]] std::string permission_note(session& s, pqxx::sql_error const& e) noexcept;

}  // namespace migc::runtime::detail
