// Schema drift: reading the live schema from pg_catalog and comparing it with the embedded model.
#include "drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <pqxx/connection_base>
#include <pqxx/result>
#include <pqxx/transaction>
#include <set>
#include <unordered_map>

namespace migc::runtime {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
bool word_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool word_char(char c) {
  return word_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

/// The dollar-quote tag starting at `i` (`$$`, `$body$`), or "" when there is none.
std::string_view dollar_tag(std::string_view s, std::size_t i) {
  if (s[i] != '$') return {};
  std::size_t j = i + 1;
  while (j < s.size() && (word_char(s[j]) && s[j] != '$')) ++j;
  if (j < s.size() && s[j] == '$') return s.substr(i, j - i + 1);
  return {};
}

/// Statements of a SQL text, split at `;` outside quotes, dollar quotes and comments.
std::vector<std::string_view> statements(std::string_view sql) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    char const c = sql[i];
    if (c == '\'' || c == '"') {
      std::size_t const close = sql.find(c, i + 1);
      i = close == std::string_view::npos ? sql.size() : close + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      std::size_t const eol = sql.find('\n', i);
      i = eol == std::string_view::npos ? sql.size() : eol + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      std::size_t const close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (auto const tag = dollar_tag(sql, i);
               !tag.empty() && (i == 0 || !word_char(sql[i - 1]))) {
      std::size_t const close = sql.find(tag, i + tag.size());
      i = close == std::string_view::npos ? sql.size() : close + tag.size();
    } else if (c == ';') {
      out.push_back(sql.substr(start, i - start));
      start = ++i;
    } else {
      ++i;
    }
  }
  if (start < sql.size()) out.push_back(sql.substr(start));
  return out;
}

/// Identifiers of a statement: unquoted words folded to lower case, quoted ones as written.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '"') {
      std::string name;
      std::size_t j = i + 1;
      for (; j < s.size(); ++j) {
        if (s[j] == '"') {
          if (j + 1 < s.size() && s[j + 1] == '"') {
            name += '"';
            ++j;
            continue;
          }
          break;
        }
        name += s[j];
      }
      out.push_back(name);
      i = j + 1;
    } else if (word_start(s[i]) && (i == 0 || !word_char(s[i - 1]))) {
      std::string name;
      while (i < s.size() && word_char(s[i])) name += lower(s[i++]);
      out.push_back(name);
    } else {
      ++i;
    }
  }
  return out;
}

bool is_ddl(std::string_view statement) {
  auto const w = words(statement.substr(0, std::min<std::size_t>(statement.size(), 64)));
  if (w.empty()) return false;
  static std::set<std::string> const ddl{"create",  "alter", "drop",   "comment",
                                         "do",      "grant", "revoke", "reindex",
                                         "cluster", "call",  "import", "security"};
  return ddl.count(w.front()) > 0;
}

std::string_view bare(std::string_view qualified) {
  auto const dot = qualified.find('.');
  return dot == std::string_view::npos ? qualified : qualified.substr(dot + 1);
}

/// Skips a cast's type name after `::` starting at `i`; returns the index after it.
std::size_t skip_type(std::string_view s, std::size_t i) {
  auto skip_space = [&](std::size_t k) {
    while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k]))) ++k;
    return k;
  };
  i = skip_space(i);
  auto read_word = [&](std::size_t k) {
    if (k < s.size() && s[k] == '"') {
      std::size_t const close = s.find('"', k + 1);
      return close == std::string_view::npos ? s.size() : close + 1;
    }
    while (k < s.size() && (word_char(s[k]) || s[k] == '.')) ++k;
    return k;
  };
  i = read_word(i);
  static std::set<std::string> const continuations{"varying", "precision", "with",
                                                   "without", "time",      "zone"};
  for (;;) {
    std::size_t const k = skip_space(i);
    std::size_t const end = read_word(k);
    std::string w;
    for (std::size_t m = k; m < end; ++m) w += lower(s[m]);
    if (end == k || !continuations.count(w)) break;
    i = end;
  }
  std::size_t k = skip_space(i);
  if (k < s.size() && s[k] == '(') {
    std::size_t const close = s.find(')', k);
    i = close == std::string_view::npos ? s.size() : close + 1;
  }
  for (;;) {
    k = skip_space(i);
    if (k + 1 < s.size() && s[k] == '[' && s[k + 1] == ']') {
      i = k + 2;
    } else {
      break;
    }
  }
  return i;
}

bool plain_value(std::string_view inner) {
  if (inner == "true" || inner == "false") return true;
  std::size_t i = inner.size() > 0 && (inner[0] == '-' || inner[0] == '+') ? 1 : 0;
  bool digits = false;
  bool dot = false;
  for (; i < inner.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(inner[i]))) {
      digits = true;
    } else if (inner[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

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
  if (kind == "constraint") return name + " on " + table;
  return name;
}

std::vector<db_object> model_objects(catalog const& cat,
                                     std::optional<std::size_t> revision_index) {
  return schema_at(cat.schema_history, revision_index);
}

std::string const* raw_sql_names::find(std::string const& name) const {
  auto const it = first_revision.find(name);
  return it == first_revision.end() ? nullptr : &it->second;
}

void scan_raw_sql(std::string_view sql, std::string const& revision_id, raw_sql_names& into) {
  for (std::string_view statement : statements(sql)) {
    if (!is_ddl(statement)) continue;
    for (auto& w : words(statement)) into.first_revision.emplace(std::move(w), revision_id);
  }
}

raw_sql_names raw_ddl_names(catalog const& cat, std::size_t up_to) {
  raw_sql_names names;
  for (std::size_t i = 0; i <= up_to && i < cat.revisions.size; ++i) {
    revision const& rev = cat.revisions[i];
    for (step const& s : rev.upgrade) {
      if (s.lock == lock_level::unknown) scan_raw_sql(s.sql, std::string(rev.id), names);
    }
  }
  return names;
}

std::string normalize_default(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    char const c = text[i];
    if (c == '\'') {
      std::size_t j = i + 1;
      while (j < text.size()) {
        if (text[j] == '\'' && j + 1 < text.size() && text[j + 1] == '\'') {
          j += 2;
        } else if (text[j] == '\'') {
          break;
        } else {
          ++j;
        }
      }
      j = std::min(j + 1, text.size());
      out.append(text.substr(i, j - i));
      i = j;
    } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
      i = skip_type(text, i + 2);
    } else if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ')') {
      ++i;
    } else {
      out += lower(c);
      ++i;
    }
  }
  if (out.size() >= 2 && out.front() == '\'' && out.back() == '\'' &&
      plain_value(std::string_view(out).substr(1, out.size() - 2))) {
    out = out.substr(1, out.size() - 2);
  }
  if (out == "null") out.clear();
  return out;
}

std::vector<drift_finding> compare_schema(std::vector<db_object> const& model,
                                          std::vector<db_object> const& live,
                                          raw_sql_names const& raw) {
  std::map<std::string, db_object const*> live_by_key;
  for (auto const& o : live) live_by_key.emplace(key_of(o), &o);
  std::set<std::string> model_keys;
  for (auto const& o : model) model_keys.insert(key_of(o));

  // The revision whose raw SQL names the object or its table, if any.
  auto raw_revision = [&](db_object const& o) -> std::string const* {
    if (auto const* r = raw.find(std::string(bare(o.name)))) return r;
    if (!o.table.empty()) return raw.find(std::string(bare(o.table)));
    return nullptr;
  };

  std::vector<drift_finding> out;
  auto modelled_finding = [&](db_object const& o, std::string message) {
    drift_finding f{drift_finding::kind::drift, o.kind, o.display(), std::move(message)};
    if (auto const* r = raw_revision(o)) {
      f.what = drift_finding::kind::raw_sql;
      f.message += fmt::format(" (raw SQL in revision {} names it: not counted as drift)", *r);
    }
    out.push_back(std::move(f));
  };

  std::set<std::string> missing_tables;
  for (auto const& m : model) {
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
      std::string const a = normalize_default(l.default_value);
      std::string const b = normalize_default(m.default_value);
      bool const both_sequences = a.rfind("nextval", 0) == 0 && b.rfind("nextval", 0) == 0;
      if (a != b && !both_sequences) {
        modelled_finding(m, fmt::format("{}: default is {}, model says {}", what,
                                        or_none(l.default_value), or_none(m.default_value)));
      }
    } else if (m.kind == "index") {
      if (l.table != m.table)
        modelled_finding(m, fmt::format("{}: on {}, model says {}", what, l.table, m.table));
      if (l.type != m.type)
        modelled_finding(m, fmt::format("{}: {}, model says {}", what, l.type, m.type));
      if (l.columns != m.columns) {
        modelled_finding(
            m, fmt::format("{}: columns ({}), model says ({})", what, l.columns, m.columns));
      }
      if (l.partial != m.partial) {
        modelled_finding(
            m, fmt::format("{}: {}, model says {}", what, l.partial ? "partial" : "not partial",
                           m.partial ? "partial" : "not partial"));
      }
    } else if (m.kind == "constraint") {
      if (l.type != m.type) {
        modelled_finding(m, fmt::format("{}: kind is {}, model says {}", what, l.type, m.type));
      } else if (l.columns != m.columns && m.type == "foreign key") {
        modelled_finding(m, fmt::format("{}: {}, model says {}", what, l.columns, m.columns));
      } else if (l.columns != m.columns) {
        modelled_finding(
            m, fmt::format("{}: columns ({}), model says ({})", what, l.columns, m.columns));
      }
    } else if (m.kind == "enum") {
      if (l.columns != m.columns) {
        modelled_finding(
            m, fmt::format("{}: values are {}, model says {}", what, l.columns, m.columns));
      }
    }
  }

  std::set<std::string> extra_tables;
  for (auto const& l : live) {
    if (model_keys.count(key_of(l))) continue;
    if (l.kind != "table" && extra_tables.count(l.table)) continue;
    if (l.kind == "table") extra_tables.insert(l.name);
    if (auto const* r = raw_revision(l)) {
      out.push_back({drift_finding::kind::not_modelled, l.kind, l.display(),
                     fmt::format("not modelled: {} {} (raw SQL in revision {} names it)", l.kind,
                                 l.display(), *r)});
    } else {
      out.push_back({drift_finding::kind::drift, l.kind, l.display(),
                     fmt::format("extra {} {} (not in the model: created by raw SQL or by hand)",
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

std::vector<db_object> read_live_schema(pqxx::connection_base& cx,
                                        std::vector<std::string> const& exclude) {
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
  tx.exec("SET LOCAL search_path = pg_catalog, public");
  std::vector<db_object> out;

  for (auto const& row : tx.exec(with + "SELECT name FROM live ORDER BY name")) {
    db_object o;
    o.kind = schema_kind::table;
    o.name = row[0].as<std::string>();
    out.push_back(std::move(o));
  }
  for (auto const& row : tx.exec(with + R"(
SELECT live.name, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE a.attidentity WHEN 'a' THEN 'generated always as identity'
                          WHEN 'd' THEN 'generated by default as identity'
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
  for (auto const& row : tx.exec(with + R"(
SELECT live.name, n.nspname || '.' || ic.relname, i.indisunique, i.indpred IS NOT NULL,
       (SELECT string_agg(CASE WHEN i.indkey[k] = 0 THEN pg_get_indexdef(i.indexrelid, k + 1, true)
                               ELSE (SELECT a.attname FROM pg_attribute a
                                     WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k]) END,
                          ', ' ORDER BY k)
        FROM generate_series(0, i.indnkeyatts - 1) AS k)
FROM live JOIN pg_index i ON i.indrelid = live.oid
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY 2)")) {
    db_object o;
    o.kind = schema_kind::index;
    o.table = row[0].as<std::string>();
    o.name = row[1].as<std::string>();
    o.type = row[2].as<bool>() ? "unique index" : "index";
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
  return out;
}

}  // namespace migc::runtime
