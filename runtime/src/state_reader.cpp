// Reading the database's state: the version row, the applied revisions' checksums, the dirty
// marker; and creating the bookkeeping tables.
#include "state_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "privileges.hpp"

namespace migc::runtime::detail {
namespace {

/// The invalid indexes' names and where they come from (also a branch of read_state's query).
constexpr char const* invalid_indexes_column = "n.nspname || '.' || c.relname";
constexpr char const* invalid_indexes_from =
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid";

/// The history rows that record an applied revision (read_state and the fast path share it).
constexpr char const* applied_rows_filter =
    "direction IN ('upgrade', 'repair') AND revision IS NOT NULL AND checksum IS NOT NULL";

/// applied_rows_filter on the client: an 'upgrade' or 'repair' row with revision and checksum.
bool is_applied_row(pqxx::field const& revision, pqxx::field const& checksum,
                    pqxx::field const& direction) {
  std::string_view const dir(direction.c_str(), direction.size());
  return !revision.is_null() && !checksum.is_null() && (dir == "upgrade" || dir == "repair");
}

/// The SELECTs of read_state, one per part of the state; see read_state.
std::vector<std::string> state_queries(session& s, table_presence const& present) {
  auto const q = s.quoting();
  std::vector<std::string> parts;
  if (present.version) {
    parts.push_back(
        "SELECT 0 AS k, 0::bigint AS seq, version_num::text AS a, NULL::text AS b, "
        "NULL::text AS c, NULL::text AS d, NULL::text AS e, NULL::text AS f, "
        "NULL::text AS g, NULL::text AS h, NULL::text AS i, NULL::text AS j FROM " +
        qualified(q, s.ctx.version_table));
  }
  if (present.history) {
    parts.push_back(
        "SELECT 1, id, revision::text, checksum, coalesce(build_id, ''), "
        "coalesce(description, ''), NULL, NULL, NULL, NULL, NULL, NULL FROM " +
        qualified(q, s.history_name()) + " WHERE " + applied_rows_filter);
  }
  if (present.dirty) {
    std::string const dirty = qualified(q, s.dirty_name());
    // pid and statement_started_at through to_jsonb: a marker table an older migrate made has
    // neither column, and status creates and alters nothing.
    parts.push_back(
        "(SELECT 2, 0, revision::text, direction, statements_done::text, "
        "statements_total::text, statements, coalesce(error, ''), "
        "to_char(started_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), "
        "coalesce(to_jsonb(d) ->> 'pid', ''), "
        "coalesce(to_char((to_jsonb(d) ->> 'statement_started_at')::timestamptz, "
        "'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), ''), "
        "coalesce((SELECT coalesce(a.state, 'unknown') FROM pg_stat_activity a WHERE a.pid = "
        "(to_jsonb(d) ->> 'pid')::integer), '') FROM " +
        dirty + " d ORDER BY started_at LIMIT 1)");
    parts.push_back("SELECT 3, row_number() OVER (ORDER BY " + std::string(invalid_indexes_column) +
                    "), " + invalid_indexes_column +
                    ", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL " +
                    invalid_indexes_from + " AND EXISTS (SELECT 1 FROM " + dirty + ")");
  }
  return parts;
}

/// Adds one applied history row; a later row replaces an earlier one stored under another
/// spelling of the same value (`key_of`: value -> key in state.applied).
void add_applied(database_state& state, std::unordered_map<std::uint64_t, std::string>& key_of,
                 pqxx::row const& row) {
  std::string id = row[2].as<std::string>();
  if (auto const value = revision_id_value(id)) {
    auto [it, fresh] = key_of.try_emplace(*value, id);
    if (!fresh && it->second != id) {
      state.applied.erase(it->second);
      it->second = id;
    }
  }
  state.applied[std::move(id)] = {row[3].as<std::string>(), row[4].as<std::string>(),
                                  row[5].as<std::string>()};
}

/**
 * The fast path of validation: the version row and every history row's id,
 * revision, checksum and direction, plus one row per dirty marker, in one
 * plain UNION ALL of columns, which verified_position() (validation.hpp)
 * checks. Why this shape: on a fresh session (every `migrate status`) the
 * server's cost is dominated by catalog lookups for each function,
 * operator and column statistic a query needs, not by 1,000 rows: a WHERE
 * clause, casts, coalesce() or a string_agg() each cost more than sending
 * the rows (measured 1.3 ms for this query, 2.4 ms for read_state's, 1.6 ms
 * for a one-row string_agg() of the same data), so the rows are filtered
 * here, into views, with no map built. The state returned has no `applied`
 * rows (check() would find nothing to report in them); nullopt when this is
 * not the common case (base, or a verified revision, with no dirty marker and
 * one version row): the caller then reads the whole state and check() decides.
 */
std::optional<checked_state> read_verified_state(session& s, table_presence const& present) {
  if (!present.version || !present.history) return std::nullopt;
  auto const q = s.quoting();
  std::string sql = "SELECT 0, NULL, version_num, NULL, NULL FROM " +
                    qualified(q, s.ctx.version_table) +
                    " UNION ALL SELECT 1, id, revision, checksum, direction FROM " +
                    qualified(q, s.history_name());
  if (present.dirty) {
    sql += " UNION ALL SELECT 2, NULL, NULL, NULL, NULL FROM " + qualified(q, s.dirty_name());
  }
  auto const rows = s.exec(sql);
  checked_state checked;
  std::vector<recorded_checksum> recorded;
  recorded.reserve(static_cast<std::size_t>(rows.size()));
  for (auto const& row : rows) {
    switch (row[0].c_str()[0]) {
      case '0':
        if (checked.state.current) return std::nullopt;  // two version rows: check() refuses
        checked.state.current = row[2].as<std::string>();
        checked.state.version_rows = 1;
        break;
      case '1':
        if (is_applied_row(row[2], row[3], row[4])) {
          recorded.push_back({row[1].as<std::int64_t>(),
                              {row[2].c_str(), row[2].size()},
                              {row[3].c_str(), row[3].size()}});
        }
        break;
      default:
        return std::nullopt;  // a dirty marker: check() refuses or status reports it
    }
  }
  if (checked.state.current) {
    checked.verdict.at = verified_position(s.cat, *checked.state.current, recorded);
    if (!checked.verdict.at) return std::nullopt;
  }
  return checked;
}

/// "public.alembic_version, public.alembic_version_history": the tables ensure_tables creates,
/// in the schema they go to.
std::string own_tables_list(session& s) {
  std::string const schema =
      s.ctx.version_table.schema.empty()
          ? std::string(s.exec("SELECT coalesce(current_schema(), '(no schema on the "
                               "search_path)')")[0][0]
                            .c_str())
          : s.ctx.version_table.schema;
  return fmt::format("{0}.{1}, {0}.{2}", schema, s.ctx.version_table.table, s.history_name().table);
}

/// Tables of the version table's schema named in a refusal: enough to recognise the schema.
constexpr int tables_named = 10;

}  // namespace

void refuse_unconfirmed_version_table(session& s, table_presence const& present) {
  if (auto typo = unconfirmed_version_table(s, present)) throw std::move(*typo);
}

std::optional<refusal> unconfirmed_version_table(session& s, table_presence const& present) {
  if (present.version || s.opts.version_table.empty() || s.opts.new_version_table) return {};
  auto const q = s.quoting();
  table_name const& version = s.ctx.version_table;
  std::string own;
  for (table_name const& name : {version, s.history_name(), s.dirty_name(), s.progress_name()}) {
    own += (own.empty() ? "" : ", ") + q.literal(name.table);
  }
  std::string const tables =
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = s.name "
      "AND c.relkind IN ('r', 'p') AND c.relname NOT IN (" +
      own + ")";
  auto const row = s.exec(fmt::format(
      "SELECT s.name, (SELECT count(*) {0}), (SELECT string_agg(relname, ', ') FROM (SELECT "
      "c.relname {0} ORDER BY c.relname LIMIT {1}) t) FROM (SELECT {2} AS name) s",
      tables, tables_named,
      version.schema.empty() ? std::string("current_schema()") : q.literal(version.schema)))[0];
  auto const count = row[1].as<std::int64_t>();
  if (row[0].is_null() || count == 0) return {};  // no schema to create it in, or an empty one
  std::string const schema = row[0].c_str();
  return refusal(
      refusal_reason::new_version_table,
      fmt::format("--version-table {}: no such table in schema {}, which already has {} other "
                  "table{} ({}{}); a mistyped name would start a second history from base and "
                  "run every revision again. Nothing was changed. Check the name (`migrate "
                  "status` with the right one shows the database's revision), or pass "
                  "--new-version-table to start a new history in schema {}",
                  display_name(version), schema, count, count == 1 ? "" : "s", row[2].c_str(),
                  count > tables_named ? ", ..." : "", schema),
      {"42P01", {}, {}, {}});
}

error unreadable_own_tables(session& s, pqxx::sql_error const& e) {
  std::string advice;
  try {
    auto const q = s.quoting();
    std::string names;
    for (table_name const& name :
         {s.ctx.version_table, s.history_name(), s.dirty_name(), s.progress_name()}) {
      names += (names.empty() ? "" : ", ") + q.literal(qualified(q, name));
    }
    // The tables that exist, and who owns them (the role --role made them under, or the first
    // login): names and owner are readable from pg_class without any grant.
    auto const row = s.exec(
        "SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text), "
        "min(pg_get_userbyid(c.relowner)), current_user FROM unnest(ARRAY[" +
        names + "]) AS t(name) JOIN pg_class c ON c.oid = to_regclass(t.name)")[0];
    advice = fmt::format(
        ". To fix: GRANT SELECT ON {0} TO {2}; or make {2} a member of their owner, as every "
        "deployer login is under --role: GRANT {1} TO {2}",
        row[0].c_str(), row[1].c_str(), row[2].c_str());
  } catch (...) {  // the connection broke: the error itself still says what happened
  }
  return error(fmt::format("reading migrate's own tables ({}) failed: {}; nothing was changed{}",
                           own_tables_list(s), with_sqlstate(e), advice),
               {e.sqlstate(), {}, {}, {}});
}

table_presence probe_tables(session& s) {
  auto const q = s.quoting();
  auto const row = s.exec("SELECT " + exists_sql(q, s.ctx.version_table) + ", " +
                          exists_sql(q, s.history_name()) + ", " + exists_sql(q, s.dirty_name()) +
                          ", " + history_records_downgrades_sql(q, s.ctx.version_table))[0];
  return {row[0].as<bool>(), row[1].as<bool>(), row[2].as<bool>(), row[3].as<bool>()};
}

table_presence ensure_tables(session& s) {
  table_presence present = probe_tables(s);
  refuse_unconfirmed_version_table(s, present);
  if (!present.version || !present.history || !present.history_records_downgrades) {
    // IF NOT EXISTS: the one that exists (e.g. Alembic's version table) says so in a notice.
    s.notices.mute(true);
    try {
      s.run_in_transaction(tables_script(s.quoting(), s.ctx));
    } catch (pqxx::sql_error const& e) {
      s.notices.mute(false);
      if (e.sqlstate() != "42501") throw;
      throw error(fmt::format("creating migrate's own tables ({}) failed: {}; nothing was "
                              "changed{}",
                              own_tables_list(s), with_sqlstate(e), permission_note(s, e)),
                  {e.sqlstate(), {}, {}, {}});
    } catch (...) {
      s.notices.mute(false);
      throw;
    }
    s.notices.mute(false);
  }
  present.version = present.history = present.history_records_downgrades = true;
  return present;
}

database_state read_state(session& s, table_presence const& present) {
  database_state state;
  auto const parts = state_queries(s, present);
  if (parts.empty()) return state;
  std::string sql;
  for (auto const& part : parts) sql += (sql.empty() ? "" : " UNION ALL ") + part;
  // No ORDER BY: sorting on the server is a quarter of the query's time (1,000 rows); the
  // client orders the rows by (k, seq) itself, and seq is unique within each k.
  auto const rows = s.exec(sql);
  std::vector<std::pair<std::pair<int, std::int64_t>, pqxx::result::size_type>> order;
  order.reserve(static_cast<std::size_t>(rows.size()));
  for (pqxx::result::size_type i = 0; i < rows.size(); ++i) {
    order.push_back({{rows[i][0].as<int>(), rows[i][1].as<std::int64_t>()}, i});
  }
  std::sort(order.begin(), order.end());
  std::unordered_map<std::uint64_t, std::string> key_of;
  for (auto const& [sort_key, index] : order) {
    auto const row = rows[index];
    switch (sort_key.first) {
      case 0:
        if (state.version_rows++ == 0) state.current = row[2].as<std::string>();
        break;
      case 1:
        add_applied(state, key_of, row);
        break;
      case 2:
        state.dirty = dirty_marker{row[2].as<std::string>(),
                                   row[3].as<std::string>(),
                                   row[4].as<std::int64_t>(),
                                   row[5].as<std::int64_t>(),
                                   row[6].as<std::string>(),
                                   row[7].as<std::string>(),
                                   row[8].as<std::string>(),
                                   {},
                                   row[9].as<std::string>().empty() ? 0 : row[9].as<int>(),
                                   row[10].as<std::string>(),
                                   row[11].as<std::string>()};
        break;
      default:
        if (state.dirty) state.dirty->invalid_indexes.push_back(row[2].as<std::string>());
    }
  }
  return state;
}

std::optional<std::string> read_current(session& s) {
  table_presence version_only;
  version_only.version = true;
  database_state const state = read_state(s, version_only);
  if (state.version_rows > 1) {
    for (refusal& problem : find_problems(s.cat, state)) {
      if (problem.reason() == refusal_reason::several_versions) throw std::move(problem);
    }
  }
  return state.current;
}

std::optional<dirty_marker> read_dirty(session& s) {
  if (!s.exists(s.dirty_name())) return std::nullopt;
  table_presence dirty_only;
  dirty_only.dirty = true;
  return read_state(s, dirty_only).dirty;
}

std::vector<std::string> invalid_indexes(session& s) {
  std::vector<std::string> out;
  auto rows = s.exec(std::string("SELECT ") + invalid_indexes_column + " " + invalid_indexes_from +
                     " ORDER BY 1");
  for (auto const& row : rows) out.push_back(row[0].as<std::string>());
  return out;
}

observed_state observe_state(session& s, table_presence const& present) {
  if (auto checked = read_verified_state(s, present)) {
    return {std::move(checked->state), checked->verdict.at, {}};
  }
  observed_state observed{read_state(s, present), std::nullopt, {}};
  observed.at = known_position(s.cat, observed.state.current);
  observed.problems = find_problems(s.cat, observed.state);
  return observed;
}

checked_state read_checked_state(session& s, table_presence const& present,
                                 validation_options rules) {
  if (auto checked = read_verified_state(s, present)) return std::move(*checked);
  database_state state = read_state(s, present);
  validation verdict = check(s.cat, state, rules);
  return {std::move(state), std::move(verdict)};
}

}  // namespace migc::runtime::detail
