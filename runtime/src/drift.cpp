// Schema drift: reading the live schema from pg_catalog and comparing it with the embedded model.
#include "drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <pqxx/connection_base>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <unordered_map>

namespace migc::runtime {
namespace {

std::string or_none(std::string const& text) {
  return text.empty() ? std::string("none") : text;
}

std::string key_of(db_object const& o) {
  return o.kind + '\x1f' + o.table + '\x1f' + o.name;
}

}  // namespace

std::vector<db_object> schema_at(std::string_view history,
                                 std::optional<std::size_t> revision_index) {
  if (!revision_index) return {};
  // Objects stay where they were first added, so a table still precedes its columns;
  // a removed object leaves a hole, dropped at the end.
  std::vector<std::optional<db_object>> objects;
  std::unordered_map<std::string, std::size_t> position;
  std::size_t revisions_started = 0;
  while (!history.empty()) {
    std::size_t const end = history.find('\n');
    std::string_view const line = history.substr(0, end);
    history = end == std::string_view::npos ? std::string_view{} : history.substr(end + 1);
    auto record = schema_record_format::parse(line);
    if (!record) continue;  // written by migc itself: never happens, never crash
    if (record->kind == schema_kind::revision) {
      if (revisions_started++ == *revision_index + 1) break;
      continue;
    }
    bool const removal = record->removed;
    db_object object{std::move(record->kind),    std::move(record->table),
                     std::move(record->name),    std::move(record->type),
                     std::move(record->columns), std::move(record->default_value),
                     record->not_null,           record->partial};
    std::string key = key_of(object);
    auto const found = position.find(key);
    if (removal) {
      if (found != position.end()) {
        objects[found->second].reset();
        position.erase(found);
      }
    } else if (found != position.end()) {
      objects[found->second] = std::move(object);
    } else {
      position.emplace(std::move(key), objects.size());
      objects.push_back(std::move(object));
    }
  }
  std::vector<db_object> out;
  out.reserve(position.size());
  for (auto& o : objects) {
    if (o) out.push_back(std::move(*o));
  }
  return out;
}

std::string db_object::display() const {
  if (kind == "column") return table + "." + name;
  if (kind == "constraint" || kind == "trigger") return name + " on " + table;
  return name;
}

std::vector<db_object> model_objects(catalog const& cat,
                                     std::optional<std::size_t> revision_index) {
  return schema_at(cat.schema_history, revision_index);
}

namespace {

/// The names of the objects a statement the model does not follow named ("unknown" records):
/// `schema.name`, or `schema.` for a whole schema.
class unknown_names {
 public:
  explicit unknown_names(std::vector<db_object> const& model) {
    for (auto const& o : model) {
      if (o.kind == "unknown") m_names.insert(o.name);
    }
  }

  /// True when `o`, or the table it belongs to, is one of them.
  [[nodiscard]] bool covers(db_object const& o) const {
    return names(o.name) || (!o.table.empty() && names(o.table));
  }

 private:
  [[nodiscard]] bool names(std::string const& qualified) const {
    if (m_names.count(qualified)) return true;
    auto const dot = qualified.find('.');
    return dot != std::string::npos && m_names.count(qualified.substr(0, dot + 1));
  }

  std::set<std::string> m_names;
};

/// One field of two objects that must be equal, and how a difference reads.
struct compared_field {
  std::string db_object::*field;
  char const* what;            ///< "{what} {live}, model says {model}"
  bool parenthesised = false;  ///< a list, shown "(a, b)"
};

/// The fields compared for each kind (the identity, kind/table/name, is compared by lookup).
std::vector<compared_field> fields_of(std::string const& kind) {
  if (kind == "index")
    return {{&db_object::table, "on"},
            {&db_object::type, "kind is"},
            {&db_object::columns, "columns", true}};
  if (kind == "constraint")
    return {{&db_object::type, "kind is"}, {&db_object::columns, "columns", true}};
  if (kind == "enum") return {{&db_object::columns, "values are"}};
  if (kind == "sequence") return {{&db_object::type, "type is"}, {&db_object::columns, "owner is"}};
  if (kind == "function" || kind == "procedure") return {{&db_object::columns, "language is"}};
  if (kind == "trigger")
    return {{&db_object::type, "timing is"}, {&db_object::columns, "function is"}};
  if (kind == "type") return {{&db_object::type, "kind is"}};
  if (kind == "comment") return {{&db_object::columns, "text is"}};
  return {};
}

std::string shown_value(std::string const& value, bool parenthesised) {
  if (parenthesised) return "(" + value + ")";
  return value.empty() ? std::string("none") : value;
}

}  // namespace

std::vector<drift_finding> compare_schema(std::vector<db_object> const& model,
                                          std::vector<db_object> const& live,
                                          same_default const& same_default) {
  std::map<std::string, db_object const*> live_by_key;
  for (auto const& o : live) live_by_key.emplace(key_of(o), &o);
  std::set<std::string> model_keys;
  for (auto const& o : model) model_keys.insert(key_of(o));
  unknown_names const unknown(model);

  std::vector<drift_finding> out;
  auto modelled_finding = [&](db_object const& o, std::string message) {
    out.push_back({drift_finding::kind::drift, o.kind, o.display(), std::move(message)});
  };

  std::set<std::string> missing_tables;
  for (auto const& m : model) {
    if (m.kind == "unknown") continue;
    if (m.kind != "table" && missing_tables.count(m.table)) continue;
    auto const it = live_by_key.find(key_of(m));
    if (it == live_by_key.end()) {
      if (m.kind == "table") missing_tables.insert(m.name);
      modelled_finding(m, fmt::format("missing {} {}", m.kind, m.display()));
      continue;
    }
    db_object const& l = *it->second;
    std::string const what = m.kind + " " + m.display();
    if (m.kind == "column") {
      if (l.type != m.type)
        modelled_finding(m, fmt::format("{}: type is {}, model says {}", what, l.type, m.type));
      if (l.not_null != m.not_null) {
        modelled_finding(
            m, fmt::format("{}: {}, model says {}", what, l.not_null ? "not null" : "nullable",
                           m.not_null ? "not null" : "nullable"));
      }
      if (!same_default(m, l)) {
        modelled_finding(m, fmt::format("{}: default is {}, model says {}", what,
                                        or_none(l.default_value), or_none(m.default_value)));
      }
    } else if (m.kind == "index" && l.partial != m.partial) {
      modelled_finding(
          m, fmt::format("{}: {}, model says {}", what, l.partial ? "partial" : "not partial",
                         m.partial ? "partial" : "not partial"));
    } else if ((m.kind == "function" || m.kind == "procedure") && !m.default_value.empty() &&
               l.default_value != m.default_value) {
      modelled_finding(
          m, fmt::format("{}: its body differs from the model's (md5 {}, model says {})", what,
                         l.default_value, m.default_value));
    }
    // A constraint's kind decides what its columns mean: only one finding when it differs.
    if (m.kind == "constraint" && l.type != m.type) {
      modelled_finding(m, fmt::format("{}: kind is {}, model says {}", what, l.type, m.type));
      continue;
    }
    for (auto const& f : fields_of(m.kind)) {
      if (l.*f.field == m.*f.field) continue;
      modelled_finding(m, fmt::format("{}: {} {}, model says {}", what, f.what,
                                      shown_value(l.*f.field, f.parenthesised),
                                      shown_value(m.*f.field, f.parenthesised)));
    }
  }

  std::set<std::string> extra_tables;
  for (auto const& l : live) {
    if (model_keys.count(key_of(l))) continue;
    if (l.kind != "table" && extra_tables.count(l.table)) continue;
    if (l.kind == "table") extra_tables.insert(l.name);
    if (unknown.covers(l)) {
      out.push_back(
          {drift_finding::kind::not_modelled, l.kind, l.display(),
           fmt::format("not modelled: {} {} (a statement the model does not follow names it)",
                       l.kind, l.display())});
    } else {
      out.push_back(
          {drift_finding::kind::drift, l.kind, l.display(),
           fmt::format("extra {} {} (not in the model: created by hand, or by SQL migc did "
                       "not see)",
                       l.kind, l.display())});
    }
  }
  return out;
}

namespace {

constexpr char const* live_tables_cte = R"(
WITH live AS (
  SELECT c.oid, n.nspname || '.' || c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
    AND c.oid <> ALL ({}))
)";

/// SQL for the names of the columns numbered `keys` (an int2[] expression) of the relation
/// `relation` (an oid expression), in key order, separated by ", ".
std::string key_columns(std::string_view relation, std::string_view keys) {
  return fmt::format(
      "(SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest({}) WITH ORDINALITY "
      "AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = {} AND a.attnum = k.attnum)",
      keys, relation);
}

/// SQL for a referential action code of pg_constraint (`confdeltype`, `confupdtype`) in words.
std::string action_words(std::string_view code) {
  return fmt::format(
      "CASE {} WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' "
      "WHEN 'd' THEN 'set default' ELSE 'no action' END",
      code);
}

}  // namespace

namespace {

/// Outside the system schemas and not a member of an extension (`catalog` names the catalog
/// the object lives in, e.g. pg_class, for pg_depend).
std::string user_object(std::string_view namespace_column, std::string_view oid_column,
                        std::string_view catalog) {
  return fmt::format(
      "{0} NOT IN ('pg_catalog', 'information_schema') AND {0} NOT LIKE 'pg\\_%' "
      "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{2}'::regclass "
      "AND d.objid = {1} AND d.deptype = 'e')",
      namespace_column, oid_column, catalog);
}

/// Rows of `sql` as objects of `kind`: columns name, then optionally table, type, columns, default.
void read_rows(pqxx::transaction_base& tx, std::string const& sql, std::string_view kind,
               std::vector<db_object>& out) {
  for (auto const& row : tx.exec(sql)) {
    db_object o;
    o.kind = std::string(kind);
    o.name = row[0].as<std::string>();
    if (row.size() > 1) o.table = row[1].as(std::string());
    if (row.size() > 2) o.type = row[2].as(std::string());
    if (row.size() > 3) o.columns = row[3].as(std::string());
    if (row.size() > 4) o.default_value = row[4].as(std::string());
    out.push_back(std::move(o));
  }
}

/// Comments on the objects read above, as "comment" records (name: the object, table: its kind).
void read_live_comments(pqxx::transaction_base& tx, std::vector<db_object>& out) {
  std::string const relations = user_object("n.nspname", "c.oid", "pg_class");
  read_rows(tx,
            R"(
SELECT n.nspname || '.' || c.relname, CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table'
       WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' ELSE 'materialized view' END,
       '', d.description
FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.objsubid = 0 AND c.relkind IN ('r', 'p', 'i', 'S', 'v', 'm') AND )" +
                relations + R"(
UNION ALL
SELECT n.nspname || '.' || c.relname || '.' || a.attname, 'column', '', d.description
FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE d.objsubid > 0 AND )" +
                relations + R"(
UNION ALL
SELECT con.conname || ' on ' || n.nspname || '.' || c.relname, 'constraint', '', d.description
FROM pg_description d JOIN pg_constraint con ON con.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass
JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE )" + relations +
                R"(
UNION ALL
SELECT tr.tgname || ' on ' || n.nspname || '.' || c.relname, 'trigger', '', d.description
FROM pg_description d JOIN pg_trigger tr ON tr.oid = d.objoid AND d.classoid = 'pg_trigger'::regclass
JOIN pg_class c ON c.oid = tr.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE )" + relations +
                R"(
UNION ALL
SELECT n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')',
       CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, '', d.description
FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_proc'::regclass
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE )" + user_object("n.nspname", "p.oid", "pg_proc") +
                R"(
UNION ALL
SELECT n.nspname || '.' || t.typname, 'type', '', d.description
FROM pg_description d JOIN pg_type t ON t.oid = d.objoid AND d.classoid = 'pg_type'::regclass
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE )" + user_object("n.nspname", "t.oid", "pg_type") +
                R"(
UNION ALL
SELECT n.nspname, 'schema', '', d.description
FROM pg_description d JOIN pg_namespace n ON n.oid = d.objoid AND d.classoid = 'pg_namespace'::regclass
WHERE (n.nspname = 'public' AND d.description <> 'standard public schema') OR
      (n.nspname <> 'public' AND )" +
                user_object("n.nspname", "n.oid", "pg_namespace") + R"()
ORDER BY 2, 1)",
            "comment", out);
}

/// Schemas, extensions, sequences, views, functions, triggers, other types and comments: the
/// records schema_objects.hpp describes, read from pg_catalog.
void read_live_objects(pqxx::transaction_base& tx, std::string const& excluded,
                       std::vector<db_object>& out) {
  read_rows(tx,
            "SELECT n.nspname FROM pg_namespace n WHERE n.nspname <> 'public' AND " +
                user_object("n.nspname", "n.oid", "pg_namespace") + " ORDER BY 1",
            "schema", out);
  read_rows(tx, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
            "extension", out);
  // Identity columns' sequences belong to their column (deptype 'i'); serial ones are modelled.
  read_rows(tx,
            R"(
SELECT n.nspname || '.' || c.relname, '', format_type(s.seqtypid, NULL),
       coalesce((SELECT 'owned by ' || tn.nspname || '.' || t.relname || '.' || a.attname
                 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                 JOIN pg_namespace tn ON tn.oid = t.relnamespace
                 JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a'
                   AND d.refclassid = 'pg_class'::regclass), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE c.relkind = 'S' AND )" +
                user_object("n.nspname", "c.oid", "pg_class") + R"(
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND (d.deptype = 'i' OR (d.deptype = 'a' AND d.refobjid = ANY ()" +
                excluded + R"())))
ORDER BY 1)",
            "sequence", out);
  for (auto const& [relkind, kind] :
       {std::pair{"v", "view"}, std::pair{"m", "materialized view"}}) {
    read_rows(
        tx,
        fmt::format("SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE c.relkind = '{}' AND {} ORDER BY 1",
                    relkind, user_object("n.nspname", "c.oid", "pg_class")),
        kind, out);
  }
  // The body's md5 for the languages whose prosrc holds it (not C, not SQL-standard bodies).
  for (auto const& [prokind, kind] : {std::pair{"f", "function"}, std::pair{"p", "procedure"}}) {
    read_rows(tx,
              fmt::format(R"(
SELECT n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')', '', '', l.lanname,
       CASE WHEN p.prosqlbody IS NULL AND l.lanname <> 'c' THEN md5(p.prosrc) ELSE '' END
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE p.prokind = '{}' AND {} ORDER BY 1)",
                          prokind, user_object("n.nspname", "p.oid", "pg_proc")),
              kind, out);
  }
  for (auto const& row : tx.exec(R"(
SELECT tn.nspname || '.' || t.relname, tr.tgname, tr.tgtype, fn.nspname || '.' || f.proname
FROM pg_trigger tr JOIN pg_class t ON t.oid = tr.tgrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_proc f ON f.oid = tr.tgfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace
WHERE NOT tr.tgisinternal AND )" +
                                 user_object("tn.nspname", "t.oid", "pg_class") + R"(
ORDER BY 1, 2)")) {
    db_object o;
    o.kind = "trigger";
    o.table = row[0].as<std::string>();
    o.name = row[1].as<std::string>();
    o.type = trigger_timing(row[2].as<std::uint32_t>());
    o.columns = row[3].as<std::string>();
    out.push_back(std::move(o));
  }
  read_rows(tx,
            R"(
SELECT n.nspname || '.' || t.typname, '', CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range'
                                               ELSE 'composite' END
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c
                                                          WHERE c.oid = t.typrelid) = 'c'))
  AND )" + user_object("n.nspname", "t.oid", "pg_type") +
                " ORDER BY 1",
            "type", out);
  read_live_comments(tx, out);
}

}  // namespace

std::vector<db_object> read_live_schema(pqxx::connection_base& cx,
                                        std::vector<std::string> const& exclude,
                                        std::string const& visible_schema) {
  pqxx::read_transaction tx(cx);
  std::string excluded = "ARRAY[0]::oid[]";
  for (auto const& name : exclude) {
    excluded += " || coalesce(to_regclass(" + tx.quote(name) + ")::oid, 0)";
  }
  // Resolve the excluded names with the session's search_path, then spell types as format_type
  // does with public visible (the model's convention: public types unqualified).
  auto const excluded_oids = tx.exec("SELECT " + excluded);
  std::string const with =
      fmt::format(live_tables_cte, tx.quote(excluded_oids[0][0].as<std::string>()) + "::oid[]");
  tx.exec("SET LOCAL search_path = pg_catalog, " + tx.quote_name(visible_schema));
  std::vector<db_object> out;

  for (auto const& row : tx.exec(with + "SELECT name FROM live ORDER BY name")) {
    db_object o;
    o.kind = schema_kind::table;
    o.name = row[0].as<std::string>();
    out.push_back(std::move(o));
  }
  for (auto const& row : tx.exec(with + R"(
SELECT live.name, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN a.attidentity = 'a' THEN 'generated always as identity'
            WHEN a.attidentity = 'd' THEN 'generated by default as identity'
            WHEN a.attgenerated = 's' THEN 'generated always as stored'
            ELSE coalesce(pg_get_expr(d.adbin, d.adrelid), '') END
FROM live JOIN pg_attribute a ON a.attrelid = live.oid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY live.name, a.attnum)")) {
    db_object o;
    o.kind = schema_kind::column;
    o.table = row[0].as<std::string>();
    o.name = row[1].as<std::string>();
    o.type = row[2].as<std::string>();
    o.not_null = row[3].as<bool>();
    o.default_value = row[4].as<std::string>();
    out.push_back(std::move(o));
  }
  std::string const own_keys = key_columns("con.conrelid", "con.conkey");
  for (auto const& row :
       tx.exec(with + R"(
SELECT live.name, con.conname,
       CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key'
                        WHEN 'c' THEN 'check' ELSE 'exclusion' END,
       CASE WHEN con.contype IN ('p', 'u') THEN )" +
               own_keys + R"(
            WHEN con.contype = 'f' THEN '(' || )" +
               own_keys + R"( || ') references ' || fn.nspname || '.' || fc.relname
              || ' (' || )" +
               key_columns("con.confrelid", "con.confkey") + R"( || ')'
              || ' on delete ' || )" +
               action_words("con.confdeltype") + R"(
              || ' on update ' || )" +
               action_words("con.confupdtype") + R"(
            ELSE '' END
FROM live JOIN pg_constraint con ON con.conrelid = live.oid
LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY live.name, con.conname)")) {
    db_object o;
    o.kind = schema_kind::constraint;
    o.table = row[0].as<std::string>();
    o.name = row[1].as<std::string>();
    o.type = row[2].as<std::string>();
    o.columns = row[3].as(std::string());
    out.push_back(std::move(o));
  }
  // Keys as the schema records write them (schema_objects.hpp): a column or "(expression)",
  // " desc", and " nulls first|last" where it is not the default of its direction (indoption:
  // 1 = DESC, 2 = NULLS FIRST); then " include (...)".
  for (auto const& row : tx.exec(with + R"(
SELECT live.name, n.nspname || '.' || ic.relname,
       CASE WHEN i.indisunique THEN 'unique index' ELSE 'index' END
         || CASE WHEN am.amname = 'btree' THEN '' ELSE ' using ' || am.amname END,
       i.indpred IS NOT NULL,
       (SELECT string_agg(
                 CASE WHEN i.indkey[k] = 0 THEN '(expression)'
                      ELSE (SELECT a.attname FROM pg_attribute a
                            WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k]) END
                 || CASE WHEN i.indoption[k] & 1 = 1 THEN ' desc' ELSE '' END
                 || CASE WHEN (i.indoption[k] & 2 = 2) <> (i.indoption[k] & 1 = 1)
                         THEN CASE WHEN i.indoption[k] & 2 = 2 THEN ' nulls first' ELSE ' nulls last' END
                         ELSE '' END,
                 ', ' ORDER BY k)
        FROM generate_series(0, i.indnkeyatts - 1) AS k)
       || coalesce(' include (' || (SELECT string_agg(a.attname, ', ' ORDER BY k)
                                    FROM generate_series(i.indnkeyatts, i.indnatts - 1) AS k
                                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]) || ')', '')
FROM live JOIN pg_index i ON i.indrelid = live.oid
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY 2)")) {
    db_object o;
    o.kind = schema_kind::index;
    o.table = row[0].as<std::string>();
    o.name = row[1].as<std::string>();
    o.type = row[2].as<std::string>();
    o.partial = row[3].as<bool>();
    o.columns = row[4].as(std::string());
    out.push_back(std::move(o));
  }
  for (auto const& row : tx.exec(R"(
SELECT n.nspname || '.' || t.typname,
       (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
        FROM pg_enum e WHERE e.enumtypid = t.oid)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                  AND d.deptype = 'e')
ORDER BY 1)")) {
    db_object o;
    o.kind = schema_kind::enum_type;
    o.name = row[0].as<std::string>();
    o.columns = row[1].as(std::string());
    out.push_back(std::move(o));
  }
  read_live_objects(tx, tx.quote(excluded_oids[0][0].as<std::string>()) + "::oid[]", out);
  return out;
}

namespace {

/// The schema part of a qualified name (`schema.name` or `schema.`); "" for none.
std::string_view schema_part(std::string_view qualified) {
  auto const dot = qualified.find('.');
  return dot == std::string_view::npos ? std::string_view{} : qualified.substr(0, dot);
}

/// The schema `o` belongs to; "" for the database-wide objects (schemas, extensions).
std::string_view schema_of(db_object const& o) {
  if (o.kind == "schema" || o.kind == "extension") return {};
  if (o.kind == "comment") {
    if (o.table == "schema") return {};
    std::string_view name = o.name;  // a constraint's or trigger's: "name on schema.table"
    if (o.table == "constraint" || o.table == "trigger") {
      if (auto const on = name.rfind(" on "); on != std::string_view::npos)
        name.remove_prefix(on + 4);
    }
    return schema_part(name);
  }
  if (o.kind == "column" || o.kind == "constraint" || o.kind == "trigger" || o.kind == "index") {
    return schema_part(o.table);
  }
  return schema_part(o.name);
}

/// `text` with every name qualified by `from` (at the start, after a space or a parenthesis)
/// qualified by `to` instead.
std::string renamed(std::string const& text, std::string const& from, std::string const& to) {
  if (from == to) return text;
  std::string const prefix = from + ".";
  std::string out;
  std::size_t done = 0;
  for (std::size_t pos = text.find(prefix); pos != std::string::npos;
       pos = text.find(prefix, pos + 1)) {
    if (pos != 0 && text[pos - 1] != ' ' && text[pos - 1] != '(') continue;
    out.append(text, done, pos - done);
    out += to + ".";
    done = pos + prefix.size();
  }
  return out + text.substr(done);
}

}  // namespace

std::string session_schema(pqxx::connection_base& cx) {
  pqxx::read_transaction tx(cx);
  auto const row = tx.exec1("SELECT current_schema(), current_setting('search_path')");
  if (row[0].is_null()) {
    throw error(fmt::format(
        "verify --schema current_schema: no schema of the session's search_path ({}) exists; "
        "set the tenant's schema in the connection (options=-csearch_path=tenant_a)",
        row[1].as<std::string>()));
  }
  return row[0].as<std::string>();
}

std::string model_schema_for(std::vector<db_object> const& model, std::string const& schema) {
  bool const has = std::any_of(model.begin(), model.end(), [&](db_object const& o) {
    return o.kind != "unknown" && schema_of(o) == schema;
  });
  return has ? schema : std::string("public");
}

std::vector<db_object> objects_in_schema(std::vector<db_object> const& objects,
                                         std::string const& schema, std::string const& as) {
  std::vector<db_object> out;
  for (db_object const& o : objects) {
    if (schema_of(o) != schema) continue;
    db_object r = o;
    r.table = renamed(o.table, schema, as);
    r.name = renamed(o.name, schema, as);
    if (o.kind == "constraint" || o.kind == "sequence" || o.kind == "trigger") {
      r.columns = renamed(o.columns, schema, as);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace migc::runtime
