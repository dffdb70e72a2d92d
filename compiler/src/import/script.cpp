// read_script: a dump or DDL script through PostgreSQL's parser, sorted into the schema and what
// an import leaves out.
#include "script.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "../model.hpp"
#include "../sql/pg_parser.hpp"
#include "../sql/translate.hpp"

namespace migc::compiler::import {
namespace {

/// A parsed statement with, for COPY ... FROM stdin, the rows that followed it.
struct read_statement {
  sql::parsed_statement parsed;
  std::string copy_data;
};

/// Parses `text` with COPY ... FROM stdin rows cut out: the rows (up to a line `\.`) are not
/// SQL, so each COPY's rows are blanked and the text after them parsed again. Offsets stay
/// offsets into `text`.
std::vector<read_statement> parse_script(std::string_view text,
                                         std::vector<sql::syntax_problem>& problems) {
  std::vector<read_statement> out;
  std::string buffer(text);
  std::uint32_t from = 0;
  for (;;) {
    sql::parse_outcome parsed = sql::parse(buffer);
    auto const copy = std::find_if(parsed.statements.begin(), parsed.statements.end(),
                                   [](sql::parsed_statement const& s) {
                                     sql::node const n(s.tree);
                                     return n.is("CopyStmt") && n.flag("is_from") &&
                                            n.text("filename").empty() && !n.flag("is_program");
                                   });
    std::uint32_t const stop = copy == parsed.statements.end() ? ~0U : copy->end;
    for (auto& p : parsed.problems) {
      if (p.where < stop) problems.push_back(std::move(p));
    }
    for (auto it = parsed.statements.begin(); it != parsed.statements.end() && it->begin <= stop;
         ++it)
      out.push_back({std::move(*it), {}});
    if (copy == parsed.statements.end()) return out;
    // The rows start on the line after the COPY statement and end with a line `\.` (psql).
    std::size_t const eol = buffer.find('\n', stop);
    std::size_t const data_begin = eol == std::string::npos ? buffer.size() : eol + 1;
    std::size_t data_end = buffer.find("\n\\.", data_begin - 1);
    data_end = data_end == std::string::npos ? buffer.size() : data_end + 1;
    out.back().copy_data = buffer.substr(data_begin, data_end - data_begin);
    std::size_t const after = buffer.find('\n', data_end);
    from = static_cast<std::uint32_t>(after == std::string::npos ? buffer.size() : after);
    for (std::uint32_t i = 0; i < from; ++i) {
      if (buffer[i] != '\n') buffer[i] = ' ';
    }
  }
}

/// The unqualified name in "schema.name".
std::string bare(std::string const& qualified) {
  auto const dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

bool calls(sql::node const& root, std::string_view function) {
  bool found = false;
  root.walk([&](sql::node const& n) {
    if (n.is("FuncCall")) {
      auto const names = n.names("funcname");
      if (!names.empty() && names.back() == function) found = true;
    }
    return !found;
  });
  return found;
}

bool only_owner_changes(sql::node const& root) {
  if (!root.is("AlterTableStmt")) return false;
  auto const cmds = root.list("cmds");
  return !cmds.empty() && std::all_of(cmds.begin(), cmds.end(), [](sql::node const& c) {
    return c.enumeration("subtype") == "AT_ChangeOwner";
  });
}

/// The string constants of an INSERT's VALUES rows (first column of each row).
std::vector<std::string> inserted_values(sql::node const& insert) {
  std::vector<std::string> out;
  for (auto const& row : insert["selectStmt"].list("valuesLists")) {
    auto const items = row.list("items");
    if (!items.empty() && items.front().is("A_Const"))
      out.push_back(items.front()["sval"].text("sval"));
  }
  return out;
}

/// The first field of each row of COPY text data.
std::vector<std::string> copied_values(std::string const& data) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t const eol = data.find('\n', start);
    std::string const line = data.substr(start, eol == std::string::npos ? eol : eol - start);
    if (!line.empty()) out.push_back(line.substr(0, line.find('\t')));
    if (eol == std::string::npos) break;
    start = eol + 1;
  }
  return out;
}

/// The relations and objects a statement names, qualified ("public.t").
std::vector<std::string> named_objects(sql::raw_statement const& s) {
  std::vector<std::string> out;
  if (s.info.kind == runtime::statement_kind::schema) out = sql::translate(s).objects;
  for (auto const& r : sql::relations_in(s.root())) {
    std::string const schema = r.text("schemaname");
    out.push_back((schema.empty() ? "public" : schema) + "." + r.text("relname"));
  }
  return out;
}

class sorter {
 public:
  sorter(dsl::source_file const& file, script_options const& options, dsl::diagnostic_engine& out)
      : m_file(file), m_options(options), m_out(out) {}

  script run() {
    std::vector<sql::syntax_problem> problems;
    auto statements = parse_script(m_file.text(), problems);
    report(problems);
    std::vector<sql::raw_statement> kept;
    std::vector<std::string> copy_data;
    for (auto& r : statements) {
      kept.push_back(statement_of(std::move(r.parsed)));
      copy_data.push_back(std::move(r.copy_data));
    }
    find_version_bound(kept);
    for (std::size_t i = 0; i < kept.size(); ++i) sort(std::move(kept[i]), copy_data[i]);
    return std::move(m_script);
  }

 private:
  sql::raw_statement statement_of(sql::parsed_statement parsed) const {
    sql::raw_statement s;
    s.where = {parsed.begin, parsed.end};
    s.step = s.where;
    s.sql = m_file.text().substr(parsed.begin, parsed.end - parsed.begin);
    s.tree = std::move(parsed.tree);
    s.info = sql::classify(s.root());
    return s;
  }

  void report(std::vector<sql::syntax_problem> const& problems) {
    for (auto const& p : problems) {
      if (p.what == sql::syntax_problem::kind::psql_meta_command) {
        std::string_view const line =
            std::string_view(m_file.text()).substr(p.where, p.end - p.where);
        leave(left_out_kind::psql_command, std::string(line.substr(0, line.find_first_of(" \t\r"))),
              p.where);
        continue;
      }
      dsl::diagnostic d;
      d.code = p.what == sql::syntax_problem::kind::encoding ? "sql-encoding" : "sql-syntax";
      d.where = {&m_file, {p.where, std::max(p.end, p.where + 1)}};
      d.message =
          p.what == sql::syntax_problem::kind::encoding ? "SQL is not valid UTF-8" : p.message;
      m_out.report(std::move(d));
    }
  }

  void leave(left_out_kind kind, std::string what, std::uint32_t offset) {
    m_script.left.push_back({kind, std::move(what), m_file.position(offset).line});
  }

  /// The version table `qualified` names, found or noted now; nullptr when it is none.
  version_table* version_table_of(std::string const& qualified) {
    std::string const tool = version_table_tool(bare(qualified), m_options);
    if (tool.empty()) return nullptr;
    for (auto& v : m_script.versions) {
      if (v.name == qualified) return &v;
    }
    m_script.versions.push_back({qualified, tool, {}});
    return &m_script.versions.back();
  }

  /// The names that belong to version tables: the tables and the sequences their columns own.
  void find_version_bound(std::vector<sql::raw_statement> const& statements) {
    for (auto const& s : statements) {
      auto const objects = named_objects(s);
      bool const bound = std::any_of(objects.begin(), objects.end(), [&](std::string const& o) {
        return !version_table_tool(bare(o), m_options).empty();
      });
      if (!bound) continue;
      for (auto const& o : objects) m_bound.insert(o);
      // A serial column of a version table owns a sequence named <table>_<column>_seq.
      if (!s.root().is("CreateStmt")) continue;
      std::string const table = s.root()["relation"].text("relname");
      std::string const schema = s.root()["relation"].text("schemaname");
      for (auto const& element : s.root().list("tableElts")) {
        if (element.is("ColumnDef"))
          m_bound.insert((schema.empty() ? "public" : schema) + "." + table + "_" +
                         element.text("colname") + "_seq");
      }
    }
  }

  bool is_bound(std::vector<std::string> const& objects) const {
    return std::any_of(objects.begin(), objects.end(),
                       [&](std::string const& o) { return m_bound.count(o) > 0; });
  }

  /// Keeps `s` in the script or leaves it out with a note.
  void sort(sql::raw_statement s, std::string const& copy_data) {
    sql::node const root = s.root();
    std::uint32_t const at = s.where.begin;
    if (root.is("VariableSetStmt") || (root.is("SelectStmt") && calls(root, "set_config")))
      return leave(left_out_kind::session_setting, setting_name(root), at);
    if (root.is("TransactionStmt")) return leave(left_out_kind::transaction, s.info.name, at);
    if (s.info.kind == runtime::statement_kind::privileges || only_owner_changes(root))
      return leave(left_out_kind::privileges, s.info.name, at);
    auto const objects = named_objects(s);
    if (is_bound(objects)) return version_statement(s, objects, copy_data);
    bool const schema_statement =
        s.info.kind == runtime::statement_kind::schema || root.is("DoStmt");
    if (!schema_statement) return leave(left_out_kind::data, data_name(s), at);
    if (is_built_in(root)) return leave(left_out_kind::built_in, s.info.name, at);
    m_script.statements.push_back(std::move(s));
  }

  void version_statement(sql::raw_statement const& s, std::vector<std::string> const& objects,
                         std::string const& copy_data) {
    version_table* table = nullptr;
    for (auto const& o : objects) {
      if (!table) table = version_table_of(o);
    }
    sql::node const root = s.root();
    if (table && root.is("InsertStmt")) {
      auto const values = inserted_values(root);
      table->versions.insert(table->versions.end(), values.begin(), values.end());
    }
    if (table && root.is("CopyStmt")) {
      auto const values = copied_values(copy_data);
      table->versions.insert(table->versions.end(), values.begin(), values.end());
    }
    leave(left_out_kind::version_table, table ? table->name : objects.front(), s.where.begin);
  }

  static std::string setting_name(sql::node const& root) {
    if (root.is("VariableSetStmt")) {
      std::string const name = root.text("name");
      return name.empty() ? std::string("SET") : "SET " + name;
    }
    return "set_config(...)";
  }

  static std::string data_name(sql::raw_statement const& s) {
    auto const relations = sql::relations_in(s.root());
    if (relations.empty()) return s.info.name;
    return s.info.name + " " + relations.front().text("relname");
  }

  /// What every database has already: the public schema and PL/pgSQL (and their comments).
  static bool is_built_in(sql::node const& root) {
    if (root.is("CreateSchemaStmt")) return root.text("schemaname") == "public";
    if (root.is("CreateExtensionStmt")) return root.text("extname") == model::built_in_extension;
    if (root.is("CommentStmt")) {
      std::string const type = root.enumeration("objtype");
      std::string const name = root["object"].string_value();
      return (type == "OBJECT_SCHEMA" && name == "public" &&
              root.text("comment") == model::standard_public_comment) ||
             (type == "OBJECT_EXTENSION" && name == model::built_in_extension);
    }
    return false;
  }

  dsl::source_file const& m_file;
  script_options const& m_options;
  dsl::diagnostic_engine& m_out;
  script m_script;
  std::set<std::string> m_bound;  ///< qualified names of version tables and what they own
};

}  // namespace

std::string version_table_tool(std::string const& table, script_options const& options) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> known{{
      {"alembic_version", "Alembic"},
      {"alembic_version_history", "migc"},
      {"alembic_version_dirty", "migc"},
      {"flyway_schema_history", "Flyway"},
      {"schema_migrations", "golang-migrate, Rails or dbmate"},
      {"goose_db_version", "goose"},
      {"_sqlx_migrations", "sqlx"},
      {"__diesel_schema_migrations", "Diesel"},
      {"knex_migrations", "Knex"},
      {"knex_migrations_lock", "Knex"},
      {"_prisma_migrations", "Prisma"},
  }};
  for (auto const& [name, tool] : known) {
    if (name == table) return std::string(tool);
  }
  for (auto const& name : options.version_tables) {
    std::string const own = bare(name);
    if (table == own) return "migrate (--version-table)";
    if (table == own + "_history" || table == own + "_dirty") return "migc";
  }
  return {};
}

script read_script(dsl::source_file const& file, script_options const& options,
                   dsl::diagnostic_engine& out) {
  return sorter(file, options, out).run();
}

std::string_view kind_name(left_out_kind kind) {
  switch (kind) {
    case left_out_kind::psql_command:
      return "psql meta-commands";
    case left_out_kind::session_setting:
      return "session settings";
    case left_out_kind::privileges:
      return "ownership and privileges";
    case left_out_kind::version_table:
      return "version-table statements";
    case left_out_kind::data:
      return "data statements";
    case left_out_kind::built_in:
      return "built-in objects";
    case left_out_kind::transaction:
      return "transaction control";
  }
  return "statements";
}

}  // namespace migc::compiler::import
