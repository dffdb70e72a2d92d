// The one script builder: the messages a run sends to change the database, and `migrate sql`.
#include "script.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "phases.hpp"
#include "recorded_downgrade.hpp"

namespace migc::runtime::detail {
namespace {

/// A dollar-quote tag that does not occur in `body`: $migc$, else $migc1$, $migc2$, ...
std::string dollar_tag(std::string_view body) {
  std::string tag = "$migc$";
  for (int i = 1; body.find(tag) != std::string_view::npos; ++i) {
    tag = fmt::format("$migc{}$", i);
  }
  return tag;
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r' || text.back() == ';')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string guard_message(script_context const& ctx, std::optional<std::string> const& expected) {
  return fmt::format("version table {} is not at {} any more (changed by another session?)",
                     display_name(ctx.version_table), version_name(expected));
}

/// A literal, or NULL for "" (how an empty checksum or description is stored in the history).
std::string literal_or_null(quoter const& q, std::string_view text) {
  return text.empty() ? std::string("NULL") : q.literal(std::string(text));
}

std::string literal_or_null(quoter const& q, std::optional<std::string> const& text) {
  return text ? q.literal(*text) : std::string("NULL");
}

/// Where a transactional revision's duration starts (see script_context::shared_transaction).
std::string_view revision_start(script_context const& ctx) {
  return ctx.shared_transaction ? "statement_timestamp()" : "transaction_timestamp()";
}

/**
 * Statement that moves the version row from `expected` to `next` (nullopt =
 * base) and fails the transaction unless exactly one row changed. It is a DO
 * block: a plain UPDATE that matched nothing would "succeed" and COMMIT
 * would record a revision on top of a version someone else changed, and a
 * single simple-query string cannot branch on a row count otherwise.
 * Empty when both are base.
 */
std::string version_update_sql(quoter const& q, script_context const& ctx,
                               std::optional<std::string> const& expected,
                               std::optional<std::string> const& next) {
  std::string const table = qualified(q, ctx.version_table);
  std::string statement;
  if (next && !expected) {
    // Root upgrade: only into an empty table (a stray row means someone else got there first).
    statement = fmt::format(
        "INSERT INTO {0} (version_num) SELECT {1} WHERE NOT EXISTS "
        "(SELECT 1 FROM {0})",
        table, q.literal(*next));
  } else if (next && expected) {
    statement = fmt::format("UPDATE {} SET version_num = {} WHERE version_num = {}", table,
                            q.literal(*next), q.literal(*expected));
  } else if (expected) {
    statement = fmt::format("DELETE FROM {} WHERE version_num = {}", table, q.literal(*expected));
  } else {
    return {};
  }
  std::string const body = fmt::format(
      " BEGIN {}; IF NOT FOUND THEN RAISE EXCEPTION USING MESSAGE = {}, ERRCODE = 'P0001'; END "
      "IF; END ",
      statement, q.literal(guard_message(ctx, expected)));
  std::string const tag = dollar_tag(body);
  return fmt::format("DO {0}{1}{0};\n", tag, body);
}

/**
 * One history row; `duration` is an SQL interval expression (or NULL).
 * `recorded`: the revision whose downgrade the row records (an 'upgrade' or
 * 'repair' row), its checksum computed by the server (downgrade_checksum_sql).
 */
std::string history_insert_sql(quoter const& q, script_context const& ctx,
                               std::optional<std::string> const& revision_id, std::string_view dir,
                               std::string_view checksum, std::string_view description,
                               std::string_view duration, revision const* recorded = nullptr) {
  std::string const table = qualified(q, history_table(ctx.version_table));
  // A SELECT list types its NULLs as text: the duration keeps its type by a cast.
  std::string const values = fmt::format(
      "{}, {}, {}, {}, {}, {}", literal_or_null(q, revision_id), q.literal(std::string(dir)),
      literal_or_null(q, checksum), literal_or_null(q, description),
      recorded == nullptr ? std::string(duration) : fmt::format("({})::interval", duration),
      q.literal(ctx.build_id));
  if (recorded == nullptr) {
    return fmt::format(
        "INSERT INTO {} (revision, direction, checksum, description, duration, build_id) "
        "VALUES ({});\n",
        table, values);
  }
  return fmt::format(
      "INSERT INTO {} (revision, direction, checksum, description, duration, build_id, "
      "downgrade, downgrade_checksum) SELECT {}, recorded.downgrade, {} FROM (SELECT {}::jsonb) "
      "AS recorded(downgrade);\n",
      table, values, downgrade_checksum_sql("recorded.downgrade"),
      q.literal(downgrade_record_json(*recorded)));
}

/// The revision whose downgrade a row of `dir` records: the upgraded one, else none.
revision const* recorded_for(plan_step const& planned) {
  return planned.dir == direction::upgrade ? planned.rev : nullptr;
}

/// The one-row query of the duration the history row just recorded: what the migrator logs.
std::string recorded_duration_sql(quoter const& q, script_context const& ctx) {
  return fmt::format(
      "SELECT (extract(epoch FROM duration) * 1000000)::bigint AS recorded_duration_us FROM {} "
      "WHERE id = lastval();\n",
      qualified(q, history_table(ctx.version_table)));
}

/// `-- upgrade 003 "Backfill" (migrations/...mig:2)`, the first line of a revision's messages.
std::string revision_header(catalog const& cat, plan_step const& planned) {
  return fmt::format("-- {} {} \"{}\" ({})", direction_name(planned.dir), planned.rev->id,
                     planned.rev->description, source_location(cat, *planned.rev));
}

std::string dirty_where(quoter const& q, revision const& rev) {
  return " WHERE revision = " + q.literal(std::string(rev.id));
}

/// "RESET ROLE;\n<sql>SET ROLE r;\n": bookkeeping between statements runs as the session's user.
std::string as_session_user(quoter const& q, script_context const& ctx, std::string const& sql) {
  if (ctx.role.empty()) return sql;
  return "RESET ROLE;\n" + sql + set_role_sql(q, ctx.role, false) + ";\n";
}

/// The lock_timeout a statement of a revision outside a transaction runs under.
std::chrono::milliseconds statement_lock_timeout(script_context const& ctx, step const& s) {
  return s.outside_transaction ? ctx.concurrent_lock_timeout : ctx.lock_timeout;
}

/// `SET lock_timeout` for the next statement when its bound differs from the previous one's.
std::string next_lock_timeout(quoter const& q, script_context const& ctx, plan_step const& planned,
                              std::size_t done) {
  auto const steps = steps_of(planned);
  if (done >= steps.size) return {};
  auto const next = statement_lock_timeout(ctx, steps[done]);
  if (next == statement_lock_timeout(ctx, steps[done - 1])) return {};
  return lock_timeout_sql(q, next, false) + ";\n";
}

std::string progress_sql(quoter const& q, script_context const& ctx, plan_step const& planned,
                         std::size_t done) {
  revision const& rev = *planned.rev;
  auto const steps = steps_of(planned);
  return fmt::format("-- {} {}: statement {} of {} done\n", direction_name(planned.dir), rev.id,
                     done, steps.size) +
         next_lock_timeout(q, ctx, planned, done) +
         as_session_user(
             q, ctx,
             fmt::format("UPDATE {} SET statements_done = {}, statements = statements "
                         "|| {}, statement_started_at = clock_timestamp(){};\n",
                         qualified(q, dirty_table(ctx.version_table)), done,
                         q.literal(terminated(steps[done - 1].sql)), dirty_where(q, rev)));
}

}  // namespace

std::string tables_script(quoter const& q, script_context const& ctx) {
  // Under --role they belong to that role, so every deployer login (a member) can use them.
  std::string const role =
      ctx.role.empty() ? std::string() : set_role_sql(q, ctx.role, true) + ";\n";
  // An older history table gains its new columns as the session's user, before the role: its
  // owner, or a member of the role that owns it (which ALTER TABLE accepts).
  return "-- the version and history tables, each created (or brought up to date) when "
         "missing\nBEGIN;\n" +
         migration_xact_lock_sql(ctx) + ";\n" + upgrade_history_table_sql(q, ctx.version_table) +
         ";\n" + role + create_version_table_sql(q, ctx.version_table) + ";\n" +
         create_history_table_sql(q, ctx.version_table) + ";\nCOMMIT;\n";
}

std::string owned_table_script(quoter const& q, script_context const& ctx, std::string_view what,
                               std::string const& ddl) {
  // Under --role it belongs to that role, so every deployer login (a member) can use it.
  std::string const role =
      ctx.role.empty() ? std::string() : set_role_sql(q, ctx.role, true) + ";\n";
  return fmt::format("-- {}\nBEGIN;\n{};\n{}{};\nCOMMIT;\n", what, migration_xact_lock_sql(ctx),
                     role, ddl);
}

std::string dirty_table_script(quoter const& q, script_context const& ctx) {
  return owned_table_script(q, ctx,
                            "the dirty-marker table of revisions that run outside a transaction",
                            create_dirty_table_sql(q, ctx.version_table));
}

std::string progress_table_script(quoter const& q, script_context const& ctx) {
  return owned_table_script(q, ctx, "the progress table of phased revisions",
                            create_progress_table_sql(q, ctx.version_table));
}

std::string migration_xact_lock_sql(script_context const& ctx) {
  return fmt::format("SELECT pg_advisory_xact_lock({})", advisory_lock_key(ctx.version_table));
}

std::string migration_guard_sql(quoter const& q, script_context const& ctx,
                                std::optional<std::string> const& expected,
                                std::string const& progress_condition) {
  // Compact on purpose: pg_stat_activity.query keeps only the first 1024 bytes of a message
  // (track_activity_query_size), and the revision's steps come after the guard.
  std::string body = "BEGIN\n";
  if (ctx.session_lock) {
    // A bigint advisory key is classid = high 32 bits, objid = low 32 bits, objsubid = 1; a
    // backend holds locks in its own database only.
    auto const k = static_cast<std::uint64_t>(advisory_lock_key(ctx.version_table));
    body += fmt::format(
        "IF NOT EXISTS(SELECT FROM pg_locks WHERE locktype='advisory' AND granted AND "
        "pid=pg_backend_pid() AND classid={} AND objid={} AND objsubid=1)THEN RAISE SQLSTATE "
        "'{}';END IF;\n",
        k >> 32, k & 0xffffffffULL, sqlstate_session_moved);
  }
  std::string const table = qualified(q, ctx.version_table);
  body += fmt::format(
      "IF NOT pg_try_advisory_xact_lock({})THEN RAISE SQLSTATE '{}';END IF;\n"
      "IF {}EXISTS(SELECT FROM {}{})THEN RAISE SQLSTATE '{}';END IF;\n",
      advisory_lock_key(ctx.version_table), sqlstate_lock_busy, expected ? "NOT " : "", table,
      expected ? " WHERE version_num=" + q.literal(*expected) : std::string(),
      sqlstate_version_moved);
  if (!progress_condition.empty()) {
    body += fmt::format("IF NOT {} THEN RAISE SQLSTATE '{}';END IF;\n", progress_condition,
                        sqlstate_phase_moved);
  }
  body += "END";
  std::string const tag = dollar_tag(body);
  return fmt::format("DO {0}{1}{0};\n", tag, body);
}

std::string session_reset_sql() {
  return "RESET ALL;\nRESET ROLE;\n";
}

std::string steps_body(quoter const& q, script_context const& ctx, array_view<step> steps,
                       std::size_t begin, std::size_t end) {
  std::string body = lock_timeout_sql(q, ctx.lock_timeout, true) + ";\n";
  if (!ctx.role.empty()) body += set_role_sql(q, ctx.role, true) + ";\n";
  for (std::size_t k = begin; k < end; ++k)
    body += "-- " + lock_note(steps[k]) + "\n" + terminated(steps[k].sql);
  return body + session_reset_sql();
}

std::string revision_script(quoter const& q, script_context const& ctx, catalog const& cat,
                            plan_step const& planned, std::optional<std::string> const& expected,
                            bool opens, bool commits) {
  std::string script = revision_header(cat, planned) + "\n";
  if (opens) script += "BEGIN;\n" + migration_guard_sql(q, ctx, expected);
  auto const steps = steps_of(planned);
  script += steps_body(q, ctx, steps, 0, steps.size);
  script += bookkeeping_sql(q, ctx, planned, expected);
  if (commits) script += "COMMIT;\n";
  return script + recorded_duration_sql(q, ctx);
}

std::string bookkeeping_sql(quoter const& q, script_context const& ctx, plan_step const& planned,
                            std::optional<std::string> const& expected) {
  revision const& rev = *planned.rev;
  return version_update_sql(q, ctx, expected, version_after(rev, planned.dir)) +
         history_insert_sql(q, ctx, std::string(rev.id), direction_name(planned.dir), rev.checksum,
                            rev.description,
                            fmt::format("clock_timestamp() - {}", revision_start(ctx)),
                            recorded_for(planned));
}

std::string commit_script() {
  return "-- commit the single transaction\nCOMMIT;\n";
}

namespace {

/// The first message of a revision outside a transaction: writes the dirty marker (or, for
/// `resolve --continue`, takes over the one a stopped run left) under the migration guard.
std::string dirty_mark_sql(quoter const& q, script_context const& ctx, catalog const& cat,
                           plan_step const& planned, std::optional<std::string> const& expected,
                           std::optional<std::size_t> continued_from) {
  revision const& rev = *planned.rev;
  std::size_t const total = steps_of(planned).size;
  std::string const dirty = qualified(q, dirty_table(ctx.version_table));
  if (continued_from) {
    return fmt::format(
        "{}: continues outside a transaction at statement {} of {} (resolve --continue)\n"
        "BEGIN;\n{}UPDATE {} SET pid = pg_backend_pid(), statement_started_at = "
        "clock_timestamp(), error = NULL{};\nCOMMIT;\n",
        revision_header(cat, planned), *continued_from + 1, total,
        migration_guard_sql(q, ctx, expected), dirty, dirty_where(q, rev));
  }
  return fmt::format(
      "{}: runs outside a transaction, statement by statement; the database is marked dirty "
      "until it is recorded\n"
      "BEGIN;\n{}"
      "INSERT INTO {} (revision, direction, statements_total, checksum, build_id, pid, "
      "statement_started_at) VALUES ({}, {}, {}, {}, {}, pg_backend_pid(), clock_timestamp());\n"
      "COMMIT;\n",
      revision_header(cat, planned), migration_guard_sql(q, ctx, expected), dirty,
      q.literal(std::string(rev.id)), q.literal(std::string(direction_name(planned.dir))), total,
      q.literal(std::string(rev.checksum)), q.literal(ctx.build_id));
}

}  // namespace

outside_transaction_script outside_transaction_messages(quoter const& q, script_context const& ctx,
                                                        catalog const& cat,
                                                        plan_step const& planned,
                                                        std::optional<std::string> const& expected,
                                                        std::optional<std::size_t> continued_from) {
  revision const& rev = *planned.rev;
  auto const steps = steps_of(planned);
  std::string const dirty = qualified(q, dirty_table(ctx.version_table));
  std::string const prefix = fmt::format("-- {} {}", direction_name(planned.dir), rev.id);
  std::size_t const first = continued_from.value_or(0);
  outside_transaction_script script;
  script.mark =
      dirty_mark_sql(q, ctx, cat, planned, expected, continued_from) +
      lock_timeout_sql(
          q, first < steps.size ? statement_lock_timeout(ctx, steps[first]) : ctx.lock_timeout,
          false) +
      ";\n";
  // If migrate dies (SIGKILL, a lost host), the server notices within a second and cancels the
  // running statement instead of finishing it alone while holding its locks (PostgreSQL 14+).
  script.mark +=
      "SELECT set_config('client_connection_check_interval', '1000', false) WHERE "
      "current_setting('server_version_num')::int >= 140000;\n";
  if (!ctx.role.empty()) script.mark += set_role_sql(q, ctx.role, false) + ";\n";
  for (std::size_t i = 0; i < steps.size; ++i) {
    script.statements.push_back(fmt::format("{} statement {} of {}, line {}, {}\n{}", prefix, i + 1,
                                            steps.size, steps[i].line, lock_note(steps[i]),
                                            terminated(steps[i].sql)));
    script.progress.push_back(progress_sql(q, ctx, planned, i + 1));
  }
  script.reset = prefix + ": reset the session\n" + session_reset_sql();
  // Measured from the dirty marker's insertion: the whole revision, on the server's clock.
  std::string const since_mark =
      fmt::format("clock_timestamp() - (SELECT started_at FROM {}{})", dirty, dirty_where(q, rev));
  script.record =
      prefix + ": record it and clear the dirty marker\nBEGIN;\n" +
      version_update_sql(q, ctx, expected, version_after(rev, planned.dir)) +
      history_insert_sql(q, ctx, std::string(rev.id), direction_name(planned.dir), rev.checksum,
                         rev.description, since_mark, recorded_for(planned)) +
      "DELETE FROM " + dirty + dirty_where(q, rev) + ";\nCOMMIT;\n" + recorded_duration_sql(q, ctx);
  return script;
}

std::string dirty_error_sql(quoter const& q, script_context const& ctx, revision const& rev,
                            std::string const& message) {
  return fmt::format("-- {}: record why it stopped\nUPDATE {} SET error = {}{};\n", rev.id,
                     qualified(q, dirty_table(ctx.version_table)), q.literal(message),
                     dirty_where(q, rev));
}

std::string stamp_script(quoter const& q, script_context const& ctx, revision const* rev,
                         std::optional<std::string> const& before) {
  std::optional<std::string> const id = rev ? std::optional<std::string>(rev->id) : std::nullopt;
  std::string const table = qualified(q, ctx.version_table);
  std::string script =
      fmt::format("-- stamp {} (was {}): no revision runs\nBEGIN;\n{};\nDELETE FROM {};\n",
                  version_name(id), version_name(before), migration_xact_lock_sql(ctx), table);
  if (id) {
    script += fmt::format("INSERT INTO {} (version_num) VALUES ({});\n", table, q.literal(*id));
  }
  return script +
         history_insert_sql(q, ctx, id, "stamp", rev ? rev->checksum : std::string_view(),
                            rev ? rev->description : std::string_view(), "NULL") +
         "COMMIT;\n";
}

std::string resolve_script(quoter const& q, script_context const& ctx, revision const& rev,
                           direction dir, bool applied, std::optional<std::string> const& before) {
  std::string script =
      fmt::format("-- resolve the {} of {} as {}\nBEGIN;\n{};\n", direction_name(dir), rev.id,
                  applied ? "applied" : "rolled back", migration_xact_lock_sql(ctx));
  if (applied) script += version_update_sql(q, ctx, before, version_after(rev, dir));
  return script +
         history_insert_sql(q, ctx, std::string(rev.id), "resolve", rev.checksum,
                            fmt::format("{} [{} resolved as {}]", rev.description,
                                        direction_name(dir), applied ? "applied" : "rolled back"),
                            "NULL") +
         "DELETE FROM " + qualified(q, dirty_table(ctx.version_table)) + ";\nCOMMIT;\n";
}

std::string repairs_script(quoter const& q, script_context const& ctx,
                           std::vector<revision const*> const& accepted) {
  std::string script = "-- accept changed checksums (--allow-checksum-mismatch)\nBEGIN;\n" +
                       migration_xact_lock_sql(ctx) + ";\n";
  for (revision const* rev : accepted) {
    script += history_insert_sql(q, ctx, std::string(rev->id), "repair", rev->checksum,
                                 rev->description, "NULL", rev);
  }
  return script + "COMMIT;\n";
}

std::string terminated(std::string_view sql) {
  std::string_view const body = trim_right(sql);
  auto const last_line = body.rfind('\n');
  std::string_view const tail =
      last_line == std::string_view::npos ? body : body.substr(last_line + 1);
  // A `--` on the last line may open a comment: the terminator goes on a line of its own.
  return std::string(body) + (tail.find("--") != std::string_view::npos ? "\n;\n" : ";\n");
}

std::string lock_note(step const& s) {
  std::string note = "lock: " + std::string(lock_level_name(s.lock));
  if (s.lock == lock_level::unknown) note += " (raw SQL)";
  if (s.rewrites) note += ", rewrites the table";
  return note;
}

std::string lock_timeout_sql(quoter const& q, std::chrono::milliseconds timeout, bool local) {
  return fmt::format("SET {}lock_timeout = {}", local ? "LOCAL " : "",
                     q.literal(fmt::format("{}ms", timeout.count())));
}

std::string set_role_sql(quoter const& q, std::string const& role, bool local) {
  if (role.empty()) return {};
  return fmt::format("SET {}ROLE {}", local ? "LOCAL " : "", q.identifier(role));
}

std::vector<std::string> run_script(quoter const& q, script_context const& ctx, catalog const& cat,
                                    std::vector<plan_step> const& steps,
                                    std::optional<std::string> from, bool create_tables) {
  std::vector<std::string> messages;
  if (create_tables) messages.push_back(tables_script(q, ctx));
  for (plan_step const& planned : steps) {
    if (phased(planned)) {
      for (auto& message : phased_messages(q, ctx, cat, planned, from))
        messages.push_back(std::move(message));
    } else if (planned.rev->transactional) {
      messages.push_back(revision_script(q, ctx, cat, planned, from));
    } else {
      auto script = outside_transaction_messages(q, ctx, cat, planned, from);
      messages.push_back(dirty_table_script(q, ctx));
      messages.push_back(std::move(script.mark));
      for (std::size_t i = 0; i < script.statements.size(); ++i) {
        messages.push_back(std::move(script.statements[i]));
        messages.push_back(std::move(script.progress[i]));
      }
      messages.push_back(std::move(script.reset));
      messages.push_back(std::move(script.record));
    }
    from = version_after(*planned.rev, planned.dir);
  }
  return messages;
}

std::string record_sql(quoter const& q, script_context const& ctx, plan_step const& planned,
                       std::optional<std::string> const& expected, std::string const& duration) {
  revision const& rev = *planned.rev;
  return version_update_sql(q, ctx, expected, version_after(rev, planned.dir)) +
         history_insert_sql(q, ctx, std::string(rev.id), direction_name(planned.dir), rev.checksum,
                            rev.description, duration, recorded_for(planned));
}

std::string recorded_duration_query(quoter const& q, script_context const& ctx) {
  return recorded_duration_sql(q, ctx);
}

std::string revision_heading(catalog const& cat, plan_step const& planned) {
  return revision_header(cat, planned);
}

}  // namespace migc::runtime::detail
