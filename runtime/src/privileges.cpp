// Permission errors: reading the object out of the server's message and naming the grant.
#include "privileges.hpp"

#include <fmt/format.h>

#include <array>

namespace migc::runtime::detail {
namespace {

/// The role that ran the statement: options::role (SET LOCAL ROLE), else the login.
std::string acting_role(session& s) {
  if (!s.opts.role.empty()) return s.opts.role;
  return s.exec("SELECT current_user")[0][0].c_str();
}

bool is_relation(std::string_view kind) {
  for (std::string_view k :
       {"table", "view", "materialized view", "foreign table", "relation", "index", "sequence"}) {
    if (kind == k) return true;
  }
  return false;
}

/// "Run it as the owner of table users, app_owner (...)": ownership is never granted piecemeal.
std::string owner_advice(session& s, denied_object const& d, std::string const& role) {
  std::string owner;
  if (is_relation(d.kind)) {
    auto const rows = s.exec(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = "
        "to_regclass(" +
        s.quoting().literal(d.name) + ")");
    if (!rows.empty()) owner = rows[0][0].c_str();
  }
  if (owner.empty()) {
    return fmt::format(
        "only the owner of {} {} (or a superuser) may do this: run as the owner "
        "(--role OWNER) or transfer it: ALTER {} {} OWNER TO {}",
        d.kind, d.name, d.kind, d.name, role);
  }
  return fmt::format(
      "only the owner of {} {}, {}, may do this: run as it (--role {}, after "
      "GRANT {} TO the login) or transfer it: ALTER {} {} OWNER TO {}",
      d.kind, d.name, owner, owner, owner, d.kind == "relation" ? "TABLE" : d.kind, d.name, role);
}

}  // namespace

std::optional<denied_object> denied(std::string_view message) {
  constexpr std::array<std::pair<std::string_view, bool>, 2> forms{
      {{"permission denied for ", false}, {"must be owner of ", true}}};
  for (auto const& [prefix, ownership] : forms) {
    if (message.rfind(prefix, 0) != 0) continue;
    std::string_view const rest = message.substr(prefix.size());
    auto const space = rest.rfind(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    return denied_object{std::string(rest.substr(0, space)), std::string(rest.substr(space + 1)),
                         ownership};
  }
  return std::nullopt;
}

std::string grant_advice(session& s, std::string_view message) {
  auto const d = denied(message);
  std::string const role = acting_role(s);
  if (!d) {
    return fmt::format("a superuser or the object's owner must grant {} what the statement needs",
                       role);
  }
  if (d->ownership) return owner_advice(s, *d, role);
  if (d->kind == "schema") {
    auto const q = s.quoting();
    bool const usage = s.exec(fmt::format("SELECT has_schema_privilege({}, {}, 'USAGE')",
                                          q.literal(role), q.literal(d->name)))[0][0]
                           .as<bool>();
    return usage ? fmt::format("GRANT CREATE ON SCHEMA {} TO {}", d->name, role)
                 : fmt::format(
                       "GRANT USAGE ON SCHEMA {} TO {} (and CREATE, to create objects in "
                       "it)",
                       d->name, role);
  }
  if (d->kind == "database") return fmt::format("GRANT CREATE ON DATABASE {} TO {}", d->name, role);
  if (d->kind == "sequence") return fmt::format("GRANT USAGE ON SEQUENCE {} TO {}", d->name, role);
  if (d->kind == "function" || d->kind == "procedure") {
    return fmt::format("GRANT EXECUTE ON {} {} TO {}", d->kind, d->name, role);
  }
  if (d->kind == "type") return fmt::format("GRANT USAGE ON TYPE {} TO {}", d->name, role);
  if (is_relation(d->kind)) {
    return fmt::format(
        "GRANT the privilege the statement needs (SELECT, INSERT, UPDATE, DELETE, "
        "REFERENCES or TRIGGER) ON {} TO {}",
        d->name, role);
  }
  return fmt::format("a superuser or the owner of {} {} must grant {} what the statement needs",
                     d->kind, d->name, role);
}

std::string permission_note(session& s, pqxx::sql_error const& e) noexcept {
  if (e.sqlstate() != "42501") return {};
  try {
    return ". To fix: " + grant_advice(s, server_message(e.what()));
  } catch (...) {  // the connection broke: the error itself still says what happened
    return {};
  }
}

}  // namespace migc::runtime::detail
