// Internal: what kind of server session a run talks to (primary or standby, direct or pooled).
#pragma once

#include "session.hpp"

namespace migc::runtime::detail {

/**
 * One round trip before a run changes anything: records the server's own
 * pid (pg_backend_pid()) in `s.server_pid` and whether a connection pooler
 * answers the connection (`s.pooled`: the pid libpq received in
 * BackendKeyData differs from the server's, which is how PgBouncer and
 * other poolers work: they hand out keys of their own to route cancel
 * requests). Behind a pooler the run takes no session lock
 * (`s.ctx.session_lock` false): PgBouncer in transaction mode would leave it
 * on a pooled server connection.
 *
 * Throws refusal (read_only) when the server is a standby in recovery
 * (pg_is_in_recovery(); PostgreSQL docs, "Hot Standby") or the session is
 * read-only (default_transaction_read_only), naming the host and port and
 * suggesting `target_session_attrs=read-write` (libpq, "Connection
 * Strings"), before anything is changed; and refusal (role_unavailable)
 * when options::role names no role, or one the login is not a member of.
 */
void probe_server(session& s);

/// "host H port P" of the connection as libpq made it (the host that answered a multi-host URL).
[[nodiscard]] std::string server_address(session& s);

}  // namespace migc::runtime::detail
