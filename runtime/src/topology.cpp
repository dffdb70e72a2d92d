// The server a run talks to: the pid the server reports, pooler detection, and standby refusal.
#include "topology.hpp"

#include <fmt/format.h>

namespace migc::runtime::detail {

std::string server_address(session& s) {
  char const* host = s.cx.hostname();
  char const* port = s.cx.port();
  std::string const where = host != nullptr && *host != '\0' ? host : "(default socket)";
  return fmt::format("host {} port {}", where, port != nullptr && *port != '\0' ? port : "5432");
}

void probe_server(session& s) {
  std::string const role = s.quoting().literal(s.opts.role);
  auto const row = s.exec(fmt::format(
      "SELECT pg_backend_pid(), pg_is_in_recovery(), "
      "current_setting('default_transaction_read_only')::bool, CASE WHEN {0} = '' THEN 'ok' "
      "WHEN to_regrole({0}) IS NULL THEN 'missing' WHEN pg_has_role({0}, 'MEMBER') THEN 'ok' "
      "ELSE 'not a member' END, current_user",
      role))[0];
  if (std::string const member = row[3].c_str(); member != "ok") {
    throw refusal(
        refusal_reason::role_unavailable,
        fmt::format("--role {}: {}; nothing was changed. {}", s.opts.role,
                    member == "missing"
                        ? "no such role on the server"
                        : "login " + std::string(row[4].c_str()) + " is not a member of it",
                    member == "missing" ? "Create it (CREATE ROLE), or fix the name"
                                        : "GRANT " + s.opts.role + " TO " + row[4].c_str()),
        {"42704", {}, {}, {}});
  }
  s.server_pid = row[0].as<int>();
  s.pooled = s.server_pid != s.cx.backendpid();
  s.ctx.session_lock = !s.pooled;
  bool const recovery = row[1].as<bool>();
  bool const read_only = row[2].as<bool>();
  if (!recovery && !read_only) return;
  throw refusal(
      refusal_reason::read_only,
      fmt::format("the server at {} is {}: upgrade, downgrade, stamp and resolve need the primary; "
                  "nothing was changed. Connect to the primary, e.g. list every host and add "
                  "target_session_attrs=read-write "
                  "(postgresql://host1,host2/db?target_session_attrs=read-write)",
                  server_address(s),
                  recovery ? "a standby in recovery (pg_is_in_recovery() is true), so read-only"
                           : "read-only for this session (default_transaction_read_only is on)"),
      {"25006", {}, {}, {}});
}

}  // namespace migc::runtime::detail
