// Internal: where the runtime connects to, and how a conninfo is shown without its password.
#pragma once

#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>

namespace migc::runtime::detail {

/**
 * The conninfo to use: `database_url` when given (--database-url), else the
 * `DATABASE_URL` environment variable, else "" (libpq then reads its own
 * PG* variables).
 */
[[nodiscard]] std::string resolve_conninfo(std::optional<std::string> const& database_url);

/**
 * Appends libpq's `fallback_application_name=migrate`: sessions show as
 * `migrate` in pg_stat_activity unless the user chose an application_name
 * (a conninfo key, a URL parameter or PGAPPNAME win over the fallback).
 * Handles both forms: `key=value ...` and `postgres[ql]://...` URLs.
 */
[[nodiscard]] std::string with_fallback_application_name(std::string conninfo);

/**
 * Appends a libpq parameter (`connect_timeout=3`) to either form of conninfo
 * unless the conninfo already sets that key.
 */
[[nodiscard]] std::string with_parameter(std::string conninfo, std::string_view key,
                                         std::string_view value);

/**
 * `conninfo` with every password replaced by `***`: the password of a URL's
 * user-info (`postgres://user:***@host`), a `password=` URL parameter and a
 * `password=` key (quoted or not) of the key=value form. Safe to print.
 */
[[nodiscard]] std::string redact(std::string_view conninfo);

/**
 * `message` (e.g. a libpq error, which may echo the conninfo) with
 * `password=` values, URL passwords, and every literal occurrence of the
 * password found in `conninfo` replaced by `***`.
 */
[[nodiscard]] std::string sanitize(std::string_view message, std::string_view conninfo);

/// Opens a connection; failures throw connection_error with a sanitised message.
[[nodiscard]] std::unique_ptr<pqxx::connection> connect(std::string const& conninfo);

}  // namespace migc::runtime::detail
