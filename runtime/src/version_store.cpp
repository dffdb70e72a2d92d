// Names, DDL and bookkeeping scripts for the version table and its history table.
#include <fmt/format.h>

#include <cstring>
#include <migc/runtime/detail/version_store.hpp>
#include <migc/runtime/error.hpp>
#include <pqxx/connection_base>

namespace migc::runtime::detail {
namespace {

std::string double_char(std::string const& text, char c) {
  std::string out;
  out.reserve(text.size() + 2);
  for (char ch : text) {
    if (ch == c) out += c;
    out += ch;
  }
  return out;
}

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
                     display_name(ctx.version_table), expected ? *expected : std::string("base"));
}

/// The revision's duration as the server measures it, inside its script (see script_context).
std::string server_measured_duration(script_context const& ctx) {
  return ctx.one_message_per_revision ? "clock_timestamp() - statement_timestamp()"
                                      : "clock_timestamp() - transaction_timestamp()";
}

/// A literal, or NULL for "" (how an empty checksum or description is stored in the history).
std::string literal_or_null(quoter const& q, std::string_view text) {
  return text.empty() ? std::string("NULL") : q.literal(std::string(text));
}

}  // namespace

table_name parse_table_name(std::string_view text) {
  auto const dot = text.find('.');
  bool const bad =
      text.empty() ||
      (dot != std::string_view::npos &&
       (dot == 0 || dot + 1 == text.size() || text.find('.', dot + 1) != std::string_view::npos));
  if (bad) {
    throw error(
        fmt::format("invalid version table name '{}': expected table or schema.table", text));
  }
  if (dot == std::string_view::npos) return {"", std::string(text)};
  return {std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

table_name version_table_for(std::string_view option, catalog const& cat) {
  if (!option.empty()) return parse_table_name(option);
  if (!cat.version_table.empty()) return parse_table_name(cat.version_table);
  return parse_table_name("alembic_version");
}

std::string display_name(table_name const& name) {
  return name.schema.empty() ? name.table : name.schema + "." + name.table;
}

table_name history_table(table_name const& version_table) {
  return {version_table.schema, version_table.table + "_history"};
}

quoter offline_quoter() {
  return {[](std::string const& s) { return "'" + double_char(s, '\'') + "'"; },
          [](std::string const& s) { return "\"" + double_char(s, '"') + "\""; }};
}

quoter connection_quoter(pqxx::connection_base& cx) {
  return {[&cx](std::string const& s) { return cx.quote(s); },
          [&cx](std::string const& s) { return cx.quote_name(s); }};
}

std::string qualified(quoter const& q, table_name const& name) {
  if (name.schema.empty()) return q.identifier(name.table);
  return q.identifier(name.schema) + "." + q.identifier(name.table);
}

std::int64_t advisory_lock_key(table_name const& version_table) {
  std::string const text =
      "migc:" + (version_table.schema.empty() ? std::string("public") : version_table.schema) +
      "." + version_table.table;
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  std::int64_t key = 0;
  std::memcpy(&key, &hash, sizeof key);  // two's complement reinterpretation, well defined
  return key;
}

std::string create_version_table_sql(quoter const& q, table_name const& name) {
  // Byte for byte what Alembic's MigrationContext emits, with its `<table>_pkc` constraint name.
  return fmt::format(
      "CREATE TABLE {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY "
      "(version_num))",
      qualified(q, name), q.identifier(name.table + "_pkc"));
}

std::string create_history_table_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "CREATE TABLE {} (\n"
      "  id bigserial PRIMARY KEY,\n"
      "  revision varchar(32),\n"
      "  direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'repair', "
      "'resolve')),\n"
      "  checksum text,\n"
      "  description text,\n"
      "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
      "  duration interval,\n"
      "  applied_by text NOT NULL DEFAULT current_user,\n"
      "  build_id text\n"
      ")",
      qualified(q, history_table(version)));
}

table_name dirty_table(table_name const& version_table) {
  return {version_table.schema, version_table.table + "_dirty"};
}

std::string create_dirty_table_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "CREATE TABLE {} (\n"
      "  revision varchar(32) PRIMARY KEY,\n"
      "  direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),\n"
      "  statements_done integer NOT NULL DEFAULT 0,\n"
      "  statements_total integer NOT NULL,\n"
      "  statements text NOT NULL DEFAULT '',\n"
      "  error text,\n"
      "  started_at timestamptz NOT NULL DEFAULT now(),\n"
      "  started_by text NOT NULL DEFAULT current_user,\n"
      "  checksum text,\n"
      "  build_id text\n"
      ")",
      qualified(q, dirty_table(version)));
}

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
  std::string const message = guard_message(ctx, expected);
  std::string const body = fmt::format(
      " BEGIN {}; IF NOT FOUND THEN RAISE EXCEPTION USING MESSAGE = {}, ERRCODE = 'P0001'; END "
      "IF; END ",
      statement, q.literal(message));
  std::string const tag = dollar_tag(body);
  return fmt::format("DO {0}{1}{0}", tag, body);
}

std::string bookkeeping_function_name(table_name const& version_table) {
  // One function per version table (its body names the tables); the suffix is the advisory
  // lock key's bits, so the name is a plain identifier whatever the table is called.
  return fmt::format("pg_temp.migc_record_{:016x}",
                     static_cast<std::uint64_t>(advisory_lock_key(version_table)));
}

std::string create_bookkeeping_function_sql(quoter const& q, script_context const& ctx) {
  std::string const table = qualified(q, ctx.version_table);
  // The same guard as version_update_sql's DO block (and the same history row as
  // history_insert_sql with a server-measured duration), compiled once per session instead of
  // once per revision: an anonymous DO block is parsed and compiled on every execution, and a
  // function's statements keep their plans across calls. Parameters are prefixed so that
  // no column name can make a reference ambiguous. `p_message` comes from the client so
  // the error text is byte for byte version_update_sql's.
  std::string const body = fmt::format(
      "\nBEGIN\n"
      "  IF p_expected IS NULL THEN\n"
      "    INSERT INTO {0} (version_num) SELECT p_next WHERE NOT EXISTS (SELECT 1 FROM {0});\n"
      "  ELSIF p_next IS NULL THEN\n"
      "    DELETE FROM {0} WHERE version_num = p_expected;\n"
      "  ELSE\n"
      "    UPDATE {0} SET version_num = p_next WHERE version_num = p_expected;\n"
      "  END IF;\n"
      "  IF NOT FOUND THEN RAISE EXCEPTION USING MESSAGE = p_message, ERRCODE = 'P0001'; END IF;\n"
      "  INSERT INTO {1} (revision, direction, checksum, description, duration, build_id)\n"
      "    VALUES (p_revision, p_direction, p_checksum, p_description, {2}, p_build_id);\n"
      "END\n",
      table, qualified(q, history_table(ctx.version_table)), server_measured_duration(ctx));
  std::string const tag = dollar_tag(body);
  return fmt::format(
      "CREATE OR REPLACE FUNCTION {}(p_expected text, p_next text, p_message text, p_revision "
      "text, p_direction text, p_checksum text, p_description text, p_build_id text) "
      "RETURNS void "
      "LANGUAGE plpgsql AS {}{}{}",
      bookkeeping_function_name(ctx.version_table), tag, body, tag);
}

std::string bookkeeping_call_sql(quoter const& q, script_context const& ctx, revision const& rev,
                                 direction dir, std::optional<std::string> const& expected) {
  auto const next = version_after(rev, dir);
  return fmt::format("SELECT {}({}, {}, {}, {}, {}, {}, {}, {})",
                     bookkeeping_function_name(ctx.version_table),
                     expected ? q.literal(*expected) + "::text" : std::string("NULL::text"),
                     next ? q.literal(*next) + "::text" : std::string("NULL::text"),
                     q.literal(guard_message(ctx, expected)), q.literal(std::string(rev.id)),
                     q.literal(std::string(to_string(dir))), literal_or_null(q, rev.checksum),
                     literal_or_null(q, rev.description), q.literal(ctx.build_id));
}

std::string history_insert_sql(quoter const& q, script_context const& ctx,
                               std::optional<std::string> const& revision_id, std::string_view dir,
                               std::string_view checksum, std::string_view description,
                               std::optional<std::chrono::microseconds> duration) {
  // Server-side duration (server_measured_duration): the revision's time without a round trip.
  std::string const measured =
      duration ? q.literal(fmt::format("{} microseconds", duration->count())) + "::interval"
               : server_measured_duration(ctx);
  return fmt::format(
      "INSERT INTO {} (revision, direction, checksum, description, duration, build_id) "
      "VALUES ({}, {}, {}, {}, {}, {})",
      qualified(q, history_table(ctx.version_table)),
      revision_id ? q.literal(*revision_id) : std::string("NULL"), q.literal(std::string(dir)),
      literal_or_null(q, checksum), literal_or_null(q, description), measured,
      q.literal(ctx.build_id));
}

std::string terminated(std::string_view sql) {
  std::string_view const body = trim_right(sql);
  auto const last_line = body.rfind('\n');
  std::string_view const tail =
      last_line == std::string_view::npos ? body : body.substr(last_line + 1);
  // A `--` on the last line may open a comment: the terminator goes on a line of its own.
  return std::string(body) + (tail.find("--") != std::string_view::npos ? "\n;\n" : ";\n");
}

std::string lock_timeout_sql(quoter const& q, std::chrono::milliseconds timeout, bool local) {
  return fmt::format("SET {}lock_timeout = {}", local ? "LOCAL " : "",
                     q.literal(fmt::format("{}ms", timeout.count())));
}

std::string set_role_sql(quoter const& q, std::string const& role, bool local) {
  if (role.empty()) return {};
  return fmt::format("SET {}ROLE {}", local ? "LOCAL " : "", q.identifier(role));
}

std::optional<std::string> version_after(revision const& rev, direction dir) {
  if (dir == direction::upgrade) return std::string(rev.id);
  if (rev.parent.empty()) return std::nullopt;
  return std::string(rev.parent);
}

std::string lock_note(step const& s) {
  std::string note = "lock: " + std::string(lock_level_name(s.lock));
  if (s.lock == lock_level::unknown) note += " (raw SQL)";
  if (s.rewrites) note += ", rewrites the table";
  return note;
}

std::string revision_script(quoter const& q, script_context const& ctx, revision const& rev,
                            direction dir, std::optional<std::string> const& expected,
                            bool annotate_locks) {
  return "BEGIN;\n" + revision_body(q, ctx, rev, dir, expected, annotate_locks) + "COMMIT;\n";
}

std::string revision_body(quoter const& q, script_context const& ctx, revision const& rev,
                          direction dir, std::optional<std::string> const& expected,
                          bool annotate_locks) {
  std::string script = lock_timeout_sql(q, ctx.lock_timeout, true) + ";\n";
  if (!ctx.role.empty()) script += set_role_sql(q, ctx.role, true) + ";\n";
  for (step const& s : dir == direction::upgrade ? rev.upgrade : rev.downgrade) {
    if (annotate_locks) {
      if (std::string const note = lock_note(s); !note.empty()) script += "-- " + note + "\n";
    }
    script += terminated(s.sql);
  }
  if (!ctx.role.empty()) script += "RESET ROLE;\n";
  if (ctx.bookkeeping_function) {
    // Both as one call of the session's function (create_bookkeeping_function_sql).
    return script + bookkeeping_call_sql(q, ctx, rev, dir, expected) + ";\n";
  }
  std::string const update = version_update_sql(q, ctx, expected, version_after(rev, dir));
  if (!update.empty()) script += update + ";\n";
  return script +
         history_insert_sql(q, ctx, std::string(rev.id), to_string(dir), rev.checksum,
                            rev.description) +
         ";\n";
}

}  // namespace migc::runtime::detail
