// introspect: a live database's schema read from pg_catalog in one read-only snapshot, written
// as the DDL pg_dump would write (the server's own pg_get_*def functions spell each object).
#include "introspect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>

namespace migc::compiler::import {
namespace {

using read_only_snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;
using oid = long long;

/// One statement per entry, without its `;`.
using statements = std::vector<std::string>;

std::string text(pqxx::field const& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

/// The bounds a sequence of `type` has when MINVALUE / MAXVALUE are not given (PostgreSQL's
/// sequence.c): ascending from 1 to the type's maximum, descending from its minimum to -1.
std::pair<std::string, std::string> default_bounds(std::string const& type, bool ascending) {
  std::string max = "9223372036854775807";
  std::string min = "-9223372036854775808";
  if (type == "integer") {
    max = "2147483647";
    min = "-2147483648";
  } else if (type == "smallint") {
    max = "32767";
    min = "-32768";
  }
  return ascending ? std::make_pair(std::string("1"), max) : std::make_pair(min, std::string("-1"));
}

class reader {
 public:
  reader(pqxx::connection& cx, std::vector<std::string> const& schemas,
         script_options const& options)
      : m_tx(cx), m_schemas(schemas), m_options(options) {
    // As pg_dump does: with only pg_catalog on the path, the server's deparsers qualify every
    // other name (format_type, pg_get_expr, pg_get_viewdef, regclass).
    m_tx.exec("SET LOCAL search_path = pg_catalog");
  }

  introspection run() {
    introspection out;
    out.database = text(m_tx.exec("SELECT current_database()")[0][0]);
    find_version_tables(out);
    statements s;
    schemas(s);
    extensions(s);
    enums(s);
    domains(s);
    composite_types(s);
    range_types(s);
    functions(s, false);
    aggregates(s, out.skipped);
    sequences(s);
    tables(s);
    owners(s);
    constraints(s, "'p', 'u', 'x'");
    indexes(s, "'r', 'p'");
    views(s);
    indexes(s, "'m'");
    functions(s, true);
    constraints(s, "'f'");
    late_checks(s);
    triggers(s);
    rules(s);
    policies(s);
    comments(s);
    for (auto const& statement : s) out.script += statement + ";\n\n";
    return out;
  }

 private:
  pqxx::result query(std::string const& sql) { return m_tx.exec(sql); }

  /// `alias.nspname` among the schemas read: the ones asked for, else every user schema.
  std::string in_schemas(std::string const& alias) {
    if (!m_schemas.empty()) {
      std::string list;
      for (auto const& s : m_schemas) list += (list.empty() ? "" : ", ") + m_tx.quote(s);
      return fmt::format("{}.nspname IN ({})", alias, list);
    }
    return fmt::format(
        "{0}.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND {0}.nspname NOT "
        "LIKE 'pg\\_temp\\_%' AND {0}.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'",
        alias);
  }

  /// Not created by an extension (CREATE EXTENSION makes it).
  static std::string not_extension_member(std::string const& catalog, std::string const& oid) {
    return fmt::format(
        "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{}'::regclass AND e.objid = {} "
        "AND e.deptype = 'e')",
        catalog, oid);
  }

  /// Relations read: in the schemas read, not an extension's, not a version table.
  std::string relation_filter(std::string const& c, std::string const& n) {
    std::string out = in_schemas(n) + " AND " + not_extension_member("pg_class", c + ".oid");
    if (!m_version_oids.empty()) out += fmt::format(" AND {}.oid NOT IN ({})", c, m_version_oids);
    return out;
  }

  // ------------------------------------------------------------ version tables

  void find_version_tables(introspection& out) {
    std::vector<std::string> oids;
    for (auto const& row :
         query("SELECT c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname), "
               "EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = "
               "'version_num' AND NOT a.attisdropped), EXISTS (SELECT 1 FROM pg_attribute a "
               "WHERE a.attrelid = c.oid AND a.attname = 'version' AND NOT a.attisdropped) "
               "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE c.relkind IN ('r', 'p') AND " +
               in_schemas("n") + " ORDER BY n.nspname, c.relname")) {
      std::string const tool = version_table_tool(text(row[2]), m_options);
      if (tool.empty()) continue;
      oids.push_back(text(row[0]));
      version_table table{text(row[1]) + "." + text(row[2]), tool, {}};
      std::string const name = text(row[3]);
      std::string sql;
      if (row[4].as<bool>()) {
        sql = "SELECT version_num::text FROM " + name;
      } else if (tool == "Flyway") {
        sql = "SELECT version FROM " + name +
              " WHERE success AND version IS NOT NULL ORDER BY installed_rank";
      } else if (row[5].as<bool>()) {
        sql = "SELECT version::text FROM " + name + " ORDER BY 1";
      }
      if (!sql.empty()) {
        for (auto const& v : query(sql)) table.versions.push_back(text(v[0]));
      }
      out.versions.push_back(std::move(table));
    }
    for (auto const& o : oids) m_version_oids += (m_version_oids.empty() ? "" : ", ") + o;
  }

  // ------------------------------------------------------------ schemas, extensions, types

  void schemas(statements& s) {
    for (auto const& row :
         query("SELECT n.oid, quote_ident(n.nspname) FROM pg_namespace n WHERE " + in_schemas("n") +
               " AND n.nspname <> 'public' AND " + not_extension_member("pg_namespace", "n.oid") +
               " ORDER BY n.nspname")) {
      s.push_back("CREATE SCHEMA " + text(row[1]));
      m_comment_targets["pg_namespace"][text(row[0])] = "SCHEMA " + text(row[1]);
    }
  }

  void extensions(statements& s) {
    std::string const filter = m_schemas.empty() ? "true" : in_schemas("n");
    for (auto const& row :
         query("SELECT e.oid, quote_ident(e.extname), quote_ident(n.nspname), "
               "obj_description(e.oid, 'pg_extension') IS NOT DISTINCT FROM (SELECT a.comment FROM "
               "pg_available_extensions a WHERE a.name = e.extname) FROM pg_extension e JOIN "
               "pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' AND " +
               filter + " ORDER BY e.extname")) {
      s.push_back(fmt::format("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}", text(row[1]),
                              text(row[2])));
      // The comment CREATE EXTENSION gives it from its control file is not repeated.
      if (!row[3].as<bool>())
        m_comment_targets["pg_extension"][text(row[0])] = "EXTENSION " + text(row[1]);
    }
  }

  /// Types in the schemas read, not an extension's: `t` (pg_type) with `n` (pg_namespace).
  std::string type_filter() {
    return in_schemas("n") + " AND " + not_extension_member("pg_type", "t.oid");
  }

  void enums(statements& s) {
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> types;
    std::vector<std::string> order;
    for (auto const& row :
         query("SELECT t.oid, format('%I.%I', n.nspname, t.typname), quote_literal(e.enumlabel) "
               "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON "
               "e.enumtypid = t.oid WHERE t.typtype = 'e' AND " +
               type_filter() + " ORDER BY t.oid, e.enumsortorder")) {
      std::string const id = text(row[0]);
      if (!types.count(id)) order.push_back(id);
      auto& entry = types[id];
      entry.first = text(row[1]);
      entry.second.push_back(text(row[2]));
    }
    for (auto const& id : order) {
      auto const& [name, labels] = types[id];
      s.push_back(
          fmt::format("CREATE TYPE {} AS ENUM (\n    {}\n)", name, fmt::join(labels, ",\n    ")));
      m_comment_targets["pg_type"][id] = "TYPE " + name;
    }
  }

  void domains(statements& s) {
    for (auto const& row :
         query("SELECT t.oid, format('%I.%I', n.nspname, t.typname), format_type(t.typbasetype, "
               "t.typtypmod), t.typnotnull, t.typdefault, CASE WHEN t.typcollation <> "
               "b.typcollation THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM "
               "pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = "
               "t.typcollation) END FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
               "JOIN pg_type b ON b.oid = t.typbasetype WHERE t.typtype = 'd' AND " +
               type_filter() + " ORDER BY t.oid")) {
      std::string sql = "CREATE DOMAIN " + text(row[1]) + " AS " + text(row[2]);
      if (!row[5].is_null()) sql += " COLLATE " + text(row[5]);
      if (!row[4].is_null()) sql += " DEFAULT " + text(row[4]);
      if (row[3].as<bool>()) sql += " NOT NULL";
      for (auto const& c :
           query("SELECT quote_ident(conname), pg_get_constraintdef(oid), oid FROM pg_constraint "
                 "WHERE contypid = " +
                 text(row[0]) + " ORDER BY conname")) {
        sql += "\n    CONSTRAINT " + text(c[0]) + " " + text(c[1]);
        m_comment_targets["pg_constraint"][text(c[2])] =
            "CONSTRAINT " + text(c[0]) + " ON DOMAIN " + text(row[1]);
      }
      s.push_back(sql);
      m_comment_targets["pg_type"][text(row[0])] = "DOMAIN " + text(row[1]);
    }
  }

  void composite_types(statements& s) {
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> types;
    std::vector<std::string> order;
    for (auto const& row :
         query("SELECT t.oid, format('%I.%I', n.nspname, t.typname), quote_ident(a.attname) || ' ' "
               "|| format_type(a.atttypid, a.atttypmod), a.attrelid, a.attnum FROM pg_type t JOIN "
               "pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid AND "
               "c.relkind = 'c' JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT "
               "a.attisdropped WHERE t.typtype = 'c' AND " +
               type_filter() + " ORDER BY t.oid, a.attnum")) {
      std::string const id = text(row[0]);
      if (!types.count(id)) order.push_back(id);
      types[id].first = text(row[1]);
      types[id].second.push_back(text(row[2]));
    }
    for (auto const& id : order) {
      auto const& [name, attributes] = types[id];
      s.push_back(
          fmt::format("CREATE TYPE {} AS (\n    {}\n)", name, fmt::join(attributes, ",\n    ")));
      m_comment_targets["pg_type"][id] = "TYPE " + name;
    }
  }

  void range_types(statements& s) {
    for (auto const& row :
         query("SELECT t.oid, format('%I.%I', n.nspname, t.typname), format_type(r.rngsubtype, "
               "NULL), r.rngsubdiff::regproc::text, r.rngsubdiff <> 0 FROM pg_range r JOIN "
               "pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace "
               "WHERE " +
               type_filter() + " ORDER BY t.oid")) {
      std::string sql =
          "CREATE TYPE " + text(row[1]) + " AS RANGE (\n    subtype = " + text(row[2]);
      if (row[4].as<bool>()) sql += ",\n    subtype_diff = " + text(row[3]);
      s.push_back(sql + "\n)");
      m_comment_targets["pg_type"][text(row[0])] = "TYPE " + text(row[1]);
    }
  }

  // ------------------------------------------------------------ functions

  /// Functions and procedures; `atomic`: those with a BEGIN ATOMIC body, which PostgreSQL
  /// checks against the tables and views they read, so they come after those.
  /**
   * Whether a function comes after the tables and views: a SQL-standard body (BEGIN ATOMIC,
   * checked when created) or a signature with a table's or view's row type (RETURNS SETOF
   * customer), which exists only once the relation does. pg_dump orders them the same way.
   */
  static constexpr char const* late_function =
      "(p.prosqlbody IS NOT NULL OR EXISTS (SELECT 1 FROM pg_type t JOIN pg_class c ON c.oid = "
      "t.typrelid WHERE c.relkind <> 'c' AND (p.prorettype IN (t.oid, t.typarray) OR t.oid = "
      "ANY(p.proargtypes::oid[]) OR t.typarray = ANY(p.proargtypes::oid[]))))";

  void functions(statements& s, bool late) {
    for (auto const& row :
         query("SELECT p.oid, pg_get_functiondef(p.oid), format('%s %I.%I(%s)', CASE p.prokind "
               "WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, p.proname, "
               "pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON "
               "n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p') AND " +
               in_schemas("n") + " AND " + not_extension_member("pg_proc", "p.oid") + " AND " +
               late_function + " = " + (late ? "true" : "false") + " ORDER BY p.oid")) {
      std::string def = text(row[1]);
      while (!def.empty() && (def.back() == '\n' || def.back() == ' ')) def.pop_back();
      s.push_back(def);
      m_comment_targets["pg_proc"][text(row[0])] = text(row[2]);
    }
  }

  void aggregates(statements& s, std::vector<std::string>& skipped) {
    for (auto const& row : query(
             "SELECT p.oid, format('%I.%I(%s)', n.nspname, p.proname, "
             "pg_get_function_identity_arguments(p.oid)), a.aggtransfn::regproc::text, "
             "format_type(a.aggtranstype, NULL), a.aggfinalfn::regproc::text, a.aggfinalfn <> 0, "
             "a.agginitval, a.aggcombinefn::regproc::text, a.aggcombinefn <> 0, "
             "a.aggsortop::regoperator::text, a.aggsortop <> 0, a.aggkind = 'n' AND a.aggmtransfn "
             "= 0 AND a.aggserialfn = 0 FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid "
             "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " +
             in_schemas("n") + " AND " + not_extension_member("pg_proc", "p.oid") +
             " ORDER BY p.oid")) {
      std::string const name = text(row[1]);
      if (!row[11].as<bool>()) {
        skipped.push_back("aggregate " + name +
                          " (ordered-set, moving or parallel aggregates are not read)");
        continue;
      }
      std::string sql = "CREATE AGGREGATE " + name + " (\n    SFUNC = " + text(row[2]) +
                        ",\n    STYPE = " + text(row[3]);
      if (row[5].as<bool>()) sql += ",\n    FINALFUNC = " + text(row[4]);
      if (!row[6].is_null()) sql += ",\n    INITCOND = " + m_tx.quote(text(row[6]));
      if (row[8].as<bool>()) sql += ",\n    COMBINEFUNC = " + text(row[7]);
      if (row[10].as<bool>()) {
        std::string op = text(row[9]);
        op = op.substr(0, op.find('('));  // "pg_catalog.<(integer,integer)" -> "pg_catalog.<"
        sql += ",\n    SORTOP = OPERATOR(" + op + ")";
      }
      s.push_back(sql + "\n)");
      m_comment_targets["pg_proc"][text(row[0])] = "AGGREGATE " + name;
    }
  }

  // ------------------------------------------------------------ sequences and tables

  /// A sequence's options as pg_dump writes them (only what differs from the defaults).
  std::string sequence_options(pqxx::row const& row, pqxx::row::size_type first) {
    std::string const type = text(row[first]);
    bool const ascending = row[first + 2].as<long long>() > 0;
    auto const [min, max] = default_bounds(type, ascending);
    std::string out;
    if (type != "bigint") out += "\n    AS " + type;
    out += "\n    START WITH " + text(row[first + 1]);
    out += "\n    INCREMENT BY " + text(row[first + 2]);
    out += text(row[first + 3]) == min ? "\n    NO MINVALUE"
                                       : "\n    MINVALUE " + text(row[first + 3]);
    out += text(row[first + 4]) == max ? "\n    NO MAXVALUE"
                                       : "\n    MAXVALUE " + text(row[first + 4]);
    out += "\n    CACHE " + text(row[first + 5]);
    if (row[first + 6].as<bool>()) out += "\n    CYCLE";
    return out;
  }

  static constexpr char const* sequence_columns =
      "format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, q.seqmax, "
      "q.seqcache, q.seqcycle";

  void sequences(statements& s) {
    // Identity sequences belong to their column; a version table's sequences to it.
    for (auto const& row :
         query(fmt::format("SELECT c.oid, format('%I.%I', n.nspname, c.relname), {} FROM "
                           "pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid JOIN pg_namespace "
                           "n ON n.oid = c.relnamespace WHERE {} AND NOT EXISTS (SELECT 1 FROM "
                           "pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
                           "AND (d.deptype = 'i' OR d.refobjid IN ({}))) ORDER BY c.oid",
                           sequence_columns, relation_filter("c", "n"),
                           m_version_oids.empty() ? "0" : m_version_oids))) {
      s.push_back("CREATE SEQUENCE " + text(row[1]) + sequence_options(row, 2));
      m_comment_targets["pg_class"][text(row[0])] = "SEQUENCE " + text(row[1]);
    }
  }

  struct table_info {
    std::string name;  ///< quoted and qualified
    std::string kind;  ///< relkind
    std::string suffix;
    std::vector<std::string> elements;
    bool partition_of = false;
  };

  void tables(statements& s) {
    std::map<std::string, table_info> tables;
    std::vector<std::string> order;
    for (auto const& row : query(
             "SELECT c.oid, format('%I.%I', n.nspname, c.relname), c.relkind, c.relpersistence, "
             "array_to_string(c.reloptions, ', '), c.relispartition, CASE WHEN c.relispartition "
             "THEN (SELECT format('%I.%I', pn.nspname, p.relname) FROM pg_inherits i JOIN "
             "pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace "
             "WHERE i.inhrelid = c.oid) END, pg_get_expr(c.relpartbound, c.oid), CASE WHEN "
             "c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, (SELECT "
             "string_agg(format('%I.%I', "
             "pn.nspname, p.relname), ', ' ORDER BY i.inhseqno) FROM pg_inherits i JOIN pg_class "
             "p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE "
             "i.inhrelid = c.oid AND NOT c.relispartition) FROM pg_class c JOIN pg_namespace n ON "
             "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND " +
             relation_filter("c", "n") + " ORDER BY c.oid")) {
      std::string const id = text(row[0]);
      table_info t{text(row[1]), text(row[2]), {}, {}};
      t.partition_of = row[5].as<bool>();
      if (t.partition_of) t.suffix = " PARTITION OF " + text(row[6]) + "\n" + text(row[7]);
      if (!row[9].is_null()) t.suffix += "\nINHERITS (" + text(row[9]) + ")";
      if (!row[8].is_null()) t.suffix += "\nPARTITION BY " + text(row[8]);
      if (!text(row[4]).empty()) t.suffix += "\nWITH (" + text(row[4]) + ")";
      if (text(row[3]) == "u") t.name = "UNLOGGED " + t.name;
      order.push_back(id);
      tables.emplace(id, std::move(t));
      m_comment_targets["pg_class"][id] = "TABLE " + text(row[1]);
      m_tables += (m_tables.empty() ? "" : ", ") + id;
    }
    if (order.empty()) return;
    columns(tables);
    inline_checks(tables);
    for (auto const& id : order) {
      auto const& t = tables.at(id);
      std::string sql = "CREATE TABLE " + t.name;
      // A partition's columns are its parent's.
      if (!t.partition_of)
        sql += " (\n    " + fmt::format("{}", fmt::join(t.elements, ",\n    ")) + "\n)";
      s.push_back(sql + t.suffix);
    }
  }

  void columns(std::map<std::string, table_info>& tables) {
    for (auto const& row :
         query("SELECT a.attrelid, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), "
               "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, "
               "CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN (SELECT "
               "format('%I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace "
               "cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END, a.attislocal, "
               "a.attnum FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN "
               "pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0 "
               "AND NOT a.attisdropped AND a.attrelid IN (" +
               m_tables + ") ORDER BY a.attrelid, a.attnum")) {
      auto& t = tables.at(text(row[0]));
      std::string const table_oid = text(row[0]);
      m_comment_targets["column"][table_oid + "." + text(row[9])] =
          "COLUMN " + t.name.substr(t.name.rfind(' ') + 1) + "." + text(row[1]);
      if (!row[8].as<bool>()) continue;  // inherited: the parent declares it
      std::string column = text(row[1]) + " " + text(row[2]);
      if (!row[7].is_null()) column += " COLLATE " + text(row[7]);
      std::string const identity = text(row[5]);
      if (text(row[6]) == "s") {
        column += " GENERATED ALWAYS AS (" + text(row[4]) + ") STORED";
      } else if (!identity.empty()) {
        column +=
            identity == "a" ? " GENERATED ALWAYS AS IDENTITY" : " GENERATED BY DEFAULT AS IDENTITY";
      } else if (!row[4].is_null()) {
        column += " DEFAULT " + text(row[4]);
      }
      if (row[3].as<bool>()) column += " NOT NULL";
      t.elements.push_back(column);
      if (!identity.empty()) m_identity.push_back({table_oid, text(row[9])});
    }
    identity_options(tables);
  }

  /// Identity columns whose sequence is not what CREATE TABLE gives by default: pg_dump's ALTER
  /// TABLE ... ADD GENERATED ... (SEQUENCE NAME ... options) instead of the inline clause.
  void identity_options(std::map<std::string, table_info>& tables) {
    for (auto const& [table, attnum] : m_identity) {
      for (auto const& row : query(fmt::format(
               "SELECT quote_ident(a.attname), format('%I.%I', sn.nspname, sc.relname), "
               "sc.relname = left(c.relname || '_' || a.attname, 59) || '_seq' OR sc.relname = "
               "c.relname || '_' || a.attname || '_seq', {}, a.attidentity FROM pg_attribute a "
               "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_depend dep ON dep.refobjid = "
               "a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' JOIN pg_class sc "
               "ON sc.oid = dep.objid JOIN pg_namespace sn ON sn.oid = sc.relnamespace JOIN "
               "pg_sequence q ON q.seqrelid = sc.oid WHERE a.attrelid = {} AND a.attnum = {}",
               sequence_columns, table, attnum))) {
        std::string const options = sequence_options(row, 3);
        std::string const plain_type = text(row[3]);
        auto const [min, max] = default_bounds(plain_type, true);
        bool const plain = row[2].as<bool>() && text(row[4]) == "1" && text(row[5]) == "1" &&
                           text(row[6]) == min && text(row[7]) == max && text(row[8]) == "1" &&
                           !row[9].as<bool>();
        if (plain) continue;
        auto& t = tables.at(table);
        std::string const column = text(row[0]);
        for (auto& e : t.elements) {
          if (e.rfind(column + " ", 0) != 0) continue;
          for (std::string_view const clause :
               {" GENERATED ALWAYS AS IDENTITY", " GENERATED BY DEFAULT AS IDENTITY"}) {
            auto const at = e.find(clause);
            if (at != std::string::npos) e.erase(at, clause.size());
          }
        }
        std::string body = options;
        std::replace(body.begin(), body.end(), '\n', ' ');
        m_late.push_back(fmt::format(
            "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {} AS IDENTITY (\n    SEQUENCE NAME "
            "{}{}\n)",
            t.name, column, text(row[10]) == "a" ? "ALWAYS" : "BY DEFAULT", text(row[1]), options));
      }
    }
  }

  /// CHECK constraints inside CREATE TABLE, as pg_dump writes valid local ones; NOT VALID ones
  /// come after the data would (late_checks).
  void inline_checks(std::map<std::string, table_info>& tables) {
    for (auto const& row :
         query("SELECT co.conrelid, quote_ident(co.conname), pg_get_constraintdef(co.oid), "
               "co.convalidated, co.oid FROM pg_constraint co WHERE co.contype = 'c' AND "
               "co.conislocal AND co.conrelid IN (" +
               m_tables + ") ORDER BY co.conrelid, co.conname")) {
      auto& t = tables.at(text(row[0]));
      std::string const table = t.name.substr(t.name.rfind(' ') + 1);
      m_comment_targets["pg_constraint"][text(row[4])] =
          "CONSTRAINT " + text(row[1]) + " ON " + table;
      if (row[3].as<bool>()) {
        t.elements.push_back("CONSTRAINT " + text(row[1]) + " " + text(row[2]));
      } else {
        m_late.push_back(fmt::format("ALTER TABLE {}\n    ADD CONSTRAINT {} {}", table,
                                     text(row[1]), text(row[2])));
      }
    }
  }

  void late_checks(statements& s) { s.insert(s.end(), m_late.begin(), m_late.end()); }

  void owners(statements& s) {
    if (m_tables.empty()) return;
    for (auto const& row : query(
             "SELECT format('%I.%I', sn.nspname, sc.relname), format('%I.%I.%I', tn.nspname, "
             "t.relname, a.attname) FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid AND "
             "sc.relkind = 'S' JOIN pg_namespace sn ON sn.oid = sc.relnamespace JOIN pg_class t ON "
             "t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace JOIN "
             "pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid WHERE d.classid = "
             "'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' "
             "AND t.oid IN (" +
             m_tables + ") ORDER BY 1"))
      s.push_back("ALTER SEQUENCE " + text(row[0]) + " OWNED BY " + text(row[1]));
  }

  // ------------------------------------------------------------ constraints and indexes

  void constraints(statements& s, std::string const& types) {
    if (m_tables.empty()) return;
    for (auto const& row :
         query("SELECT co.oid, format('%I.%I', n.nspname, c.relname), quote_ident(co.conname), "
               "pg_get_constraintdef(co.oid) FROM pg_constraint co JOIN pg_class c ON c.oid = "
               "co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE co.contype IN (" +
               types + ") AND co.conislocal AND co.conparentid = 0 AND c.oid IN (" + m_tables +
               ") ORDER BY n.nspname, c.relname, co.conname")) {
      s.push_back(fmt::format("ALTER TABLE ONLY {}\n    ADD CONSTRAINT {} {}", text(row[1]),
                              text(row[2]), text(row[3])));
      m_comment_targets["pg_constraint"][text(row[0])] =
          "CONSTRAINT " + text(row[2]) + " ON " + text(row[1]);
    }
  }

  void indexes(statements& s, std::string const& relkinds) {
    for (auto const& row : query(
             "SELECT i.indexrelid, pg_get_indexdef(i.indexrelid), format('%I.%I', n.nspname, "
             "ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class "
             "c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
             "c.relkind IN (" +
             relkinds + ") AND " + relation_filter("c", "n") +
             " AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid "
             "AND co.contype IN ('p', 'u', 'x') AND co.conrelid = c.oid) AND NOT EXISTS (SELECT "
             "1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY n.nspname, "
             "c.relname, ic.relname")) {
      s.push_back(text(row[1]));
      m_comment_targets["pg_class"][text(row[0])] = "INDEX " + text(row[2]);
    }
  }

  // ------------------------------------------------------------ views

  /// Views and materialized views, each after the views it reads (pg_depend through the
  /// view's rewrite rule), otherwise in creation order.
  void views(statements& s) {
    struct view_info {
      std::string sql;
      std::set<std::string> reads;
    };
    std::map<std::string, view_info> views;
    std::vector<std::string> order;
    for (auto const& row :
         query("SELECT c.oid, format('%I.%I', n.nspname, c.relname), c.relkind, "
               "pg_get_viewdef(c.oid), array_to_string(ARRAY(SELECT o FROM unnest(c.reloptions) o "
               "WHERE o NOT LIKE 'check_option=%'), ', '), (SELECT substr(o, 14) FROM "
               "unnest(c.reloptions) o WHERE o LIKE 'check_option=%') FROM pg_class c JOIN "
               "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " +
               relation_filter("c", "n") + " ORDER BY c.oid")) {
      std::string def = text(row[3]);
      while (!def.empty() && (def.back() == ';' || def.back() == '\n' || def.back() == ' '))
        def.pop_back();
      bool const materialized = text(row[2]) == "m";
      std::string sql =
          std::string(materialized ? "CREATE MATERIALIZED VIEW " : "CREATE VIEW ") + text(row[1]);
      if (!text(row[4]).empty()) sql += " WITH (" + text(row[4]) + ")";
      sql += " AS\n" + def;
      if (materialized) sql += "\n  WITH NO DATA";
      if (!row[5].is_null()) sql += "\n  WITH " + upper(text(row[5])) + " CHECK OPTION";
      order.push_back(text(row[0]));
      views[text(row[0])].sql = sql;
      m_comment_targets["pg_class"][text(row[0])] =
          (materialized ? "MATERIALIZED VIEW " : "VIEW ") + text(row[1]);
      m_views += (m_views.empty() ? "" : ", ") + text(row[0]);
    }
    if (order.empty()) return;
    for (auto const& row :
         query("SELECT DISTINCT r.ev_class, d.refobjid FROM pg_rewrite r JOIN pg_depend d ON "
               "d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = "
               "'pg_class'::regclass WHERE r.ev_class IN (" +
               m_views + ") AND d.refobjid <> r.ev_class")) {
      views[text(row[0])].reads.insert(text(row[1]));
    }
    std::set<std::string> done;
    std::function<void(std::string const&)> emit = [&](std::string const& id) {
      if (done.count(id)) return;
      done.insert(id);
      for (auto const& read : views[id].reads) {
        if (views.count(read)) emit(read);
      }
      s.push_back(views[id].sql);
    };
    for (auto const& id : order) emit(id);
    columns_of_views();
  }

  void columns_of_views() {
    for (auto const& row :
         query("SELECT a.attrelid, a.attnum, format('%I.%I.%I', n.nspname, c.relname, a.attname) "
               "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON "
               "n.oid = c.relnamespace WHERE a.attnum > 0 AND a.attrelid IN (" +
               m_views + ")")) {
      m_comment_targets["column"][text(row[0]) + "." + text(row[1])] = "COLUMN " + text(row[2]);
    }
  }

  static std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    return s;
  }

  // ------------------------------------------------------------ triggers, rules, policies

  void triggers(statements& s) {
    if (m_tables.empty() && m_views.empty()) return;
    std::string const relations =
        m_tables + (m_tables.empty() || m_views.empty() ? "" : ", ") + m_views;
    for (auto const& row :
         query("SELECT t.oid, pg_get_triggerdef(t.oid), quote_ident(t.tgname), format('%I.%I', "
               "n.nspname, c.relname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN "
               "pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND "
               "t.tgparentid = 0 AND t.tgrelid IN (" +
               relations + ") ORDER BY n.nspname, c.relname, t.tgname")) {
      s.push_back(text(row[1]));
      m_comment_targets["pg_trigger"][text(row[0])] =
          "TRIGGER " + text(row[2]) + " ON " + text(row[3]);
    }
  }

  void rules(statements& s) {
    if (m_tables.empty() && m_views.empty()) return;
    std::string const relations =
        m_tables + (m_tables.empty() || m_views.empty() ? "" : ", ") + m_views;
    for (auto const& row :
         query("SELECT pg_get_ruledef(r.oid) FROM pg_rewrite r JOIN pg_class c ON c.oid = "
               "r.ev_class WHERE r.rulename <> '_RETURN' AND r.ev_class IN (" +
               relations + ") ORDER BY c.relname, r.rulename")) {
      std::string def = text(row[0]);
      while (!def.empty() && (def.back() == ';' || def.back() == '\n')) def.pop_back();
      s.push_back(def);
    }
  }

  void policies(statements& s) {
    if (m_tables.empty()) return;
    for (auto const& row :
         query("SELECT format('%I.%I', n.nspname, c.relname), c.relrowsecurity, "
               "c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = "
               "c.relnamespace WHERE (c.relrowsecurity OR c.relforcerowsecurity) AND c.oid IN (" +
               m_tables + ") ORDER BY 1")) {
      if (row[1].as<bool>())
        s.push_back("ALTER TABLE " + text(row[0]) + " ENABLE ROW LEVEL SECURITY");
      if (row[2].as<bool>())
        s.push_back("ALTER TABLE " + text(row[0]) + " FORCE ROW LEVEL SECURITY");
    }
    for (auto const& row : query(
             "SELECT quote_ident(p.polname), format('%I.%I', n.nspname, c.relname), "
             "p.polpermissive, CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN "
             "'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, CASE WHEN p.polroles = "
             "'{0}' THEN 'PUBLIC' ELSE (SELECT string_agg(quote_ident(rolname), ', ' ORDER BY "
             "rolname) FROM pg_roles WHERE oid = ANY (p.polroles)) END, pg_get_expr(p.polqual, "
             "p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) FROM pg_policy p JOIN pg_class "
             "c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN "
             "(" +
             m_tables + ") ORDER BY n.nspname, c.relname, p.polname")) {
      std::string sql = "CREATE POLICY " + text(row[0]) + " ON " + text(row[1]);
      if (!row[2].as<bool>()) sql += " AS RESTRICTIVE";
      sql += " FOR " + text(row[3]) + " TO " + text(row[4]);
      if (!row[5].is_null()) sql += " USING (" + text(row[5]) + ")";
      if (!row[6].is_null()) sql += " WITH CHECK (" + text(row[6]) + ")";
      s.push_back(sql);
    }
  }

  // ------------------------------------------------------------ comments

  void comments(statements& s) {
    for (auto const& row :
         query("SELECT d.classoid::regclass::text, d.objoid, d.objsubid, "
               "quote_literal(d.description) FROM pg_description d ORDER BY 1, 2, 3")) {
      std::string const catalog = text(row[0]);
      bool const column = text(row[2]) != "0";
      auto const kind = m_comment_targets.find(column ? "column" : catalog);
      if (kind == m_comment_targets.end()) continue;
      std::string const key = column ? text(row[1]) + "." + text(row[2]) : text(row[1]);
      auto const target = kind->second.find(key);
      if (target == kind->second.end()) continue;
      s.push_back("COMMENT ON " + target->second + " IS " + text(row[3]));
    }
  }

  read_only_snapshot m_tx;
  std::vector<std::string> const& m_schemas;
  script_options const& m_options;
  std::string m_version_oids;  ///< oids of version tables, comma-separated
  std::string m_tables;        ///< oids of the tables read, comma-separated
  std::string m_views;         ///< oids of the views read, comma-separated
  std::vector<std::pair<std::string, std::string>> m_identity;  ///< (table oid, attnum)
  std::vector<std::string> m_late;  ///< statements after the foreign keys
  /// What a comment is on, by catalog ("pg_class", "column", ...) and object id: the target as
  /// COMMENT ON names it. Only objects written get their comments.
  std::map<std::string, std::map<std::string, std::string>> m_comment_targets;
};

}  // namespace

introspection introspect(std::string const& conninfo, std::vector<std::string> const& schemas,
                         script_options const& options) {
  std::unique_ptr<pqxx::connection> cx;
  try {
    cx = std::make_unique<pqxx::connection>(conninfo);
  } catch (std::exception const& e) {
    std::string message = e.what();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error("cannot connect to the database: " + message);
  }
  try {
    return reader(*cx, schemas, options).run();
  } catch (pqxx::sql_error const& e) {
    throw std::runtime_error(fmt::format("reading the schema failed: {} (query: {})", e.what(),
                                         e.query().substr(0, 200)));
  }
}

}  // namespace migc::compiler::import
