// The names, quoting and DDL of the version table and the tables beside it.
#include "version_store.hpp"

#include <fmt/format.h>

#include <cstring>
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

table_name dirty_table(table_name const& version_table) {
  return {version_table.schema, version_table.table + "_dirty"};
}

table_name progress_table(table_name const& version_table) {
  return {version_table.schema, version_table.table + "_progress"};
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

std::string exists_sql(quoter const& q, table_name const& name) {
  return "to_regclass(" + q.literal(qualified(q, name)) + ") IS NOT NULL";
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
  // What Alembic's MigrationContext creates, with its `<table>_pkc` constraint name.
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY "
      "(version_num))",
      qualified(q, name), q.identifier(name.table + "_pkc"));
}

std::string create_history_table_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  id bigserial PRIMARY KEY,\n"
      "  revision varchar(32),\n"
      "  direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'repair', "
      "'resolve')),\n"
      "  checksum text,\n"
      "  description text,\n"
      "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
      "  duration interval,\n"
      "  applied_by text NOT NULL DEFAULT current_user,\n"
      "  build_id text,\n"
      "  downgrade jsonb,\n"
      "  downgrade_checksum text\n"
      ")",
      qualified(q, history_table(version)));
}

std::string upgrade_history_table_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "ALTER TABLE IF EXISTS {} ADD COLUMN IF NOT EXISTS downgrade jsonb, ADD COLUMN IF NOT "
      "EXISTS "
      "downgrade_checksum text",
      qualified(q, history_table(version)));
}

std::string history_records_downgrades_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = "
      "'downgrade_checksum' AND NOT attisdropped)",
      q.literal(qualified(q, history_table(version))));
}

std::string create_dirty_table_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {0} (\n"
      "  revision varchar(32) PRIMARY KEY,\n"
      "  direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),\n"
      "  statements_done integer NOT NULL DEFAULT 0,\n"
      "  statements_total integer NOT NULL,\n"
      "  statements text NOT NULL DEFAULT '',\n"
      "  error text,\n"
      "  started_at timestamptz NOT NULL DEFAULT now(),\n"
      "  started_by text NOT NULL DEFAULT current_user,\n"
      "  checksum text,\n"
      "  build_id text,\n"
      "  pid integer,\n"
      "  statement_started_at timestamptz\n"
      ");\n"
      "ALTER TABLE {0} ADD COLUMN IF NOT EXISTS pid integer, ADD COLUMN IF NOT EXISTS "
      "statement_started_at timestamptz",
      qualified(q, dirty_table(version)));
}

std::string create_progress_table_sql(quoter const& q, table_name const& version) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n"
      "  revision varchar(32) PRIMARY KEY,\n"
      "  direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),\n"
      "  phases_done integer NOT NULL DEFAULT 0,\n"
      "  phases_total integer NOT NULL,\n"
      "  backfill_key text,\n"
      "  backfill_rows bigint NOT NULL DEFAULT 0,\n"
      "  checksum text,\n"
      "  build_id text,\n"
      "  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
      "  updated_at timestamptz NOT NULL DEFAULT clock_timestamp())",
      qualified(q, progress_table(version)));
}

}  // namespace migc::runtime::detail
