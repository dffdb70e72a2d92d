// translate(): PostgreSQL parse trees of DDL to the declarative steps and object changes they
// mean. Node and field names are PostgreSQL 15's (src/include/nodes/parsenodes.h).
#include "translate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <migc/compiler/checksum.hpp>
#include <migc/runtime/catalog.hpp>

#include "../types.hpp"
#include "expression.hpp"
#include "pg_parser.hpp"

namespace migc::compiler::sql {
namespace {

namespace ast = dsl::ast;
using change::object_kind;

/// `fk_action` of a FOREIGN KEY's `fk_upd_action` / `fk_del_action` letter.
std::optional<ast::fk_action> fk_action_of(std::string const& letter) {
  if (letter == "r") return ast::fk_action::restrict;
  if (letter == "c") return ast::fk_action::cascade;
  if (letter == "n") return ast::fk_action::set_null;
  if (letter == "d") return ast::fk_action::set_default;
  return std::nullopt;  // "a" (NO ACTION, the default) or absent
}

/// The kinds of DropStmt/RenameStmt/CommentStmt `objtype`s the model follows.
std::optional<object_kind> kind_of(std::string const& objtype) {
  static constexpr std::array<std::pair<std::string_view, object_kind>, 14> kinds{{
      {"OBJECT_TABLE", object_kind::table},
      {"OBJECT_COLUMN", object_kind::column},
      {"OBJECT_INDEX", object_kind::index},
      {"OBJECT_TABCONSTRAINT", object_kind::constraint},
      {"OBJECT_SEQUENCE", object_kind::sequence},
      {"OBJECT_VIEW", object_kind::view},
      {"OBJECT_MATVIEW", object_kind::materialized_view},
      {"OBJECT_FUNCTION", object_kind::function},
      {"OBJECT_PROCEDURE", object_kind::procedure},
      {"OBJECT_TRIGGER", object_kind::trigger},
      {"OBJECT_TYPE", object_kind::type},
      {"OBJECT_DOMAIN", object_kind::type},
      {"OBJECT_SCHEMA", object_kind::schema},
      {"OBJECT_EXTENSION", object_kind::extension},
  }};
  for (auto const& [name, kind] : kinds) {
    if (name == objtype) return kind;
  }
  return std::nullopt;
}

class translator {
 public:
  translator(raw_statement const& s, std::vector<std::string> const& temporaries)
      : m_s(s), m_temporaries(temporaries) {}

  translation run() {
    dispatch(m_s.root());
    return std::move(m_out);
  }

 private:
  // ------------------------------------------------------------ building AST nodes

  template <typename Node>
  Node at(node const& n, std::size_t length = 1) const {
    Node out{};
    out.where = m_s.at(n, static_cast<std::uint32_t>(length));
    return out;
  }
  template <typename Node>
  Node whole() const {
    Node out{};
    out.where = m_s.where;
    return out;
  }

  ast::identifier ident(std::string name, node const& near) const {
    auto id = at<ast::identifier>(near, name.size());
    id.name = std::move(name);
    return id;
  }

  /// A RangeVar as a qualified name, recorded as an object the statement names.
  ast::qualified_name relation(node const& range_var) {
    auto q = at<ast::qualified_name>(range_var, range_var.text("relname").size());
    q.schema = range_var.text("schemaname");
    q.name = range_var.text("relname");
    touch(q);
    return q;
  }

  /// A list of String nodes ([schema,] name) as a qualified name.
  ast::qualified_name qualified(std::vector<std::string> const& names, node const& near) {
    auto q = at<ast::qualified_name>(near, names.empty() ? 1 : names.back().size());
    if (!names.empty()) q.name = names.back();
    if (names.size() >= 2) q.schema = names[names.size() - 2];
    touch(q);
    return q;
  }

  void touch(ast::qualified_name const& q) {
    std::string const name = (q.schema.empty() ? std::string("public") : q.schema) + "." + q.name;
    if (std::find(m_out.objects.begin(), m_out.objects.end(), name) == m_out.objects.end())
      m_out.objects.push_back(name);
  }

  ast::sql_fragment fragment(node const& expression) const {
    auto f = at<ast::sql_fragment>(expression);
    f.text = m_s.text_of(expression).value_or("");
    return f;
  }

  /// A default's fragment, parenthesised when DEFAULT would not read it whole.
  ast::sql_fragment default_fragment(node const& expression) const {
    auto f = fragment(expression);
    if (!f.text.empty()) f.text = default_text(std::move(f.text));
    return f;
  }

  /// A TypeName as the language writes it: builtins without `pg_catalog`, typmods, `[]`s.
  ast::type_name type(node const& t) const {
    auto out = at<ast::type_name>(t);
    auto names = t.names("names");
    if (names.size() >= 2 && names[names.size() - 2] == "pg_catalog") names.erase(names.end() - 2);
    if (!names.empty()) out.name = names.back();
    if (names.size() >= 2) out.schema = names[names.size() - 2];
    for (auto const& m : t.list("typmods")) {
      node const value = m["ival"];
      if (m.is("A_Const") && value)
        out.modifiers.push_back(static_cast<std::uint32_t>(value.integer("ival")));
    }
    // INTERVAL's typmods hold its field mask first (INTERVAL_FULL_RANGE when none was written).
    if (out.name == "interval" && !out.modifiers.empty()) {
      bool const precision = out.modifiers.size() == 2 && out.modifiers[0] == 0x7FFF;
      out.modifiers =
          precision ? std::vector<std::uint32_t>{out.modifiers[1]} : std::vector<std::uint32_t>{};
    }
    out.array_dims = static_cast<std::uint32_t>(t.list("arrayBounds").size());
    return out;
  }

  /// A type as format_type spells it without modifiers (function argument lists).
  std::string argument_type(node const& t) const { return format_type(normalized(type(t)), false); }

  void emit(ast::step step) { m_out.changes.emplace_back(std::move(step)); }
  void emit(change::object_change c) { m_out.changes.emplace_back(std::move(c)); }

  void forget(std::string statement, std::vector<ast::qualified_name> objects, std::string why) {
    auto f = whole<change::forget>();
    f.statement = std::move(statement);
    for (auto const& o : objects) touch(o);
    f.objects = std::move(objects);
    f.why = std::move(why);
    emit(std::move(f));
  }

  // ------------------------------------------------------------ dispatch

  void dispatch(node const& n) {
    std::string_view const type = n.type();
    if (type == "CreateStmt") return create_table(n);
    if (type == "AlterTableStmt") return alter_table(n);
    if (type == "IndexStmt") return create_index(n);
    if (type == "DropStmt") return drop(n);
    if (type == "RenameStmt") return rename(n);
    if (type == "CreateEnumStmt") return create_enum(n);
    if (type == "AlterEnumStmt") return alter_enum(n);
    if (type == "CreateSeqStmt") return create_sequence(n);
    if (type == "AlterSeqStmt") return alter_sequence(n);
    if (type == "ViewStmt") return create_view(n);
    if (type == "CreateTableAsStmt") return create_table_as(n);
    if (type == "SelectStmt") return select_into(n);
    if (type == "CreateFunctionStmt") return create_function(n);
    if (type == "CreateTrigStmt") return create_trigger(n);
    if (type == "CommentStmt") return comment(n);
    if (type == "CreateSchemaStmt") return create_schema(n);
    if (type == "CreateExtensionStmt") return create_extension(n);
    if (type == "CreateDomainStmt")
      return create_type(qualified(n.names("domainname"), n), "domain");
    if (type == "CompositeTypeStmt") return create_type(relation(n["typevar"]), "composite");
    if (type == "CreateRangeStmt") return create_type(qualified(n.names("typeName"), n), "range");
    if (type == "AlterObjectSchemaStmt") return set_schema(n);
    if (type == "DoStmt") return do_block(n);
    if (type == "CreateForeignTableStmt")
      return forget("CREATE FOREIGN TABLE", {relation(n["base"]["relation"])},
                    "the model does not follow foreign tables");
    if (type == "DefineStmt") return define(n);
    // Statements that change nothing the model holds: policies, rules, statistics, grants,
    // ownership, publications, casts, operator classes, ALTER FUNCTION options, ...
  }

  // ------------------------------------------------------------ tables

  void create_table(node const& n) {
    node const rel = n["relation"];
    if (rel.text("relpersistence") == "t") return;  // temporary: the revision's own scratch space
    auto const table = relation(rel);
    if (n["partbound"] || !n.list("inhRelations").empty() || n["ofTypename"]) {
      return forget("CREATE TABLE", {table},
                    "the model does not follow partitions, inheritance or typed tables");
    }
    auto step = whole<ast::create_table_step>();
    step.if_not_exists = n.flag("if_not_exists");
    step.table = table;
    for (auto const& element : n.list("tableElts")) {
      if (element.is("ColumnDef")) {
        step.elements.emplace_back(column_def(element));
      } else if (element.is("Constraint")) {
        if (auto c = table_constraint(element)) step.elements.emplace_back(std::move(*c));
      } else {
        return forget("CREATE TABLE ... (LIKE ...)", {table}, "the model does not follow LIKE");
      }
    }
    emit(std::move(step));
    // Constraints PostgreSQL has no declarative twin for (EXCLUDE) leave the table as modelled.
  }

  ast::column_def column_def(node const& c) {
    auto def = at<ast::column_def>(c);
    def.name = ident(c.text("colname"), c);
    def.type = type(c["typeName"]);
    for (auto const& constraint : c.list("constraints")) {
      if (auto cc = column_constraint(constraint)) def.constraints.push_back(std::move(*cc));
    }
    return def;
  }

  ast::references_clause references(node const& c) {
    auto r = at<ast::references_clause>(c);
    r.table = relation(c["pktable"]);
    for (auto const& name : c.names("pk_attrs")) r.columns.push_back(ident(name, c));
    r.actions.on_delete = fk_action_of(c.text("fk_del_action"));
    r.actions.on_update = fk_action_of(c.text("fk_upd_action"));
    return r;
  }

  std::optional<ast::column_constraint> column_constraint(node const& c) {
    std::string const kind = c.enumeration("contype");
    if (kind == "CONSTR_NOTNULL" || kind == "CONSTR_NULL") {
      auto n = at<ast::nullability>(c);
      n.not_null = kind == "CONSTR_NOTNULL";
      return n;
    }
    if (kind == "CONSTR_DEFAULT") {
      auto d = at<ast::default_value>(c);
      d.expression = default_fragment(c["raw_expr"]);
      return d;
    }
    if (kind == "CONSTR_PRIMARY" || kind == "CONSTR_UNIQUE") {
      auto k = at<ast::key_marker>(c);
      k.primary = kind == "CONSTR_PRIMARY";
      return k;
    }
    if (kind == "CONSTR_FOREIGN") return references(c);
    if (kind == "CONSTR_CHECK") {
      auto k = at<ast::check_clause>(c);
      k.expression = fragment(c["raw_expr"]);
      return k;
    }
    if (kind == "CONSTR_IDENTITY") {
      auto i = at<ast::identity_clause>(c);
      i.always = c.text("generated_when") != "d";
      return i;
    }
    if (kind == "CONSTR_GENERATED") {
      auto g = at<ast::generated_clause>(c);
      g.expression = fragment(c["raw_expr"]);
      return g;
    }
    return std::nullopt;  // DEFERRABLE and friends: not part of the model
  }

  std::vector<ast::identifier> identifiers(node const& c, std::string_view field) const {
    std::vector<ast::identifier> out;
    for (auto const& name : c.names(field)) out.push_back(ident(name, c));
    return out;
  }

  std::optional<ast::constraint_body> constraint_body(node const& c) {
    std::string const kind = c.enumeration("contype");
    if (kind == "CONSTR_PRIMARY" || kind == "CONSTR_UNIQUE") {
      auto k = at<ast::key_columns>(c);
      k.primary = kind == "CONSTR_PRIMARY";
      k.columns = identifiers(c, "keys");
      return k;
    }
    if (kind == "CONSTR_FOREIGN") {
      auto f = at<ast::foreign_key>(c);
      f.columns = identifiers(c, "fk_attrs");
      f.references = references(c);
      return f;
    }
    if (kind == "CONSTR_CHECK") {
      auto k = at<ast::check_clause>(c);
      k.expression = fragment(c["raw_expr"]);
      return k;
    }
    return std::nullopt;
  }

  std::optional<ast::table_constraint> table_constraint(node const& c) {
    auto body = constraint_body(c);
    if (!body) return std::nullopt;
    auto t = at<ast::table_constraint>(c);
    if (!c.text("conname").empty()) t.name = ident(c.text("conname"), c);
    t.body = std::move(*body);
    return t;
  }

  ast::column_ref column_ref(ast::qualified_name const& table, std::string name,
                             node const& near) const {
    auto c = at<ast::column_ref>(near, name.size());
    c.table = table;
    c.column = ident(std::move(name), near);
    return c;
  }

  void alter_table(node const& n) {
    std::string const objtype = n.enumeration("objtype");
    auto const table = relation(n["relation"]);
    if (objtype != "OBJECT_TABLE")
      return;  // ALTER INDEX/VIEW/SEQUENCE ... options: nothing modelled
    for (auto const& cmd : n.list("cmds")) alter_table_command(table, cmd, n.flag("missing_ok"));
  }

  void alter_column(ast::qualified_name const& table, node const& cmd, ast::alter_action action) {
    auto step = at<ast::alter_column_step>(cmd);
    step.column = column_ref(table, cmd.text("name"), cmd);
    step.action = std::move(action);
    emit(std::move(step));
  }

  void alter_table_command(ast::qualified_name const& table, node const& cmd, bool if_exists) {
    (void)if_exists;
    std::string const sub = cmd.enumeration("subtype");
    node const def = cmd["def"];
    if (sub == "AT_AddColumn") {
      auto const column = column_def(def);
      auto step = at<ast::add_column_step>(cmd);
      step.if_not_exists = cmd.flag("missing_ok");
      step.column = column_ref(table, column.name.name, def);
      step.type = column.type;
      step.constraints = column.constraints;
      return emit(std::move(step));
    }
    if (sub == "AT_DropColumn") {
      auto step = at<ast::drop_column_step>(cmd);
      step.if_exists = cmd.flag("missing_ok");
      step.column = column_ref(table, cmd.text("name"), cmd);
      step.cascade = cmd.enumeration("behavior") == "DROP_CASCADE";
      return emit(std::move(step));
    }
    if (sub == "AT_AlterColumnType") {
      auto t = at<ast::set_type>(def);
      t.type = type(def["typeName"]);
      if (def["raw_default"]) t.using_expression = fragment(def["raw_default"]);
      return alter_column(table, cmd, t);
    }
    if (sub == "AT_SetNotNull" || sub == "AT_DropNotNull") {
      auto n = at<ast::set_not_null>(cmd);
      n.not_null = sub == "AT_SetNotNull";
      return alter_column(table, cmd, n);
    }
    if (sub == "AT_ColumnDefault") {
      auto d = at<ast::set_default>(cmd);
      if (def) d.expression = default_fragment(def);
      return alter_column(table, cmd, d);
    }
    if (sub == "AT_AddConstraint") return add_constraint(table, cmd, def);
    if (sub == "AT_DropConstraint") {
      auto step = at<ast::drop_constraint_step>(cmd);
      step.name = ident(cmd.text("name"), cmd);
      step.table = table;
      step.if_exists = cmd.flag("missing_ok");
      return emit(std::move(step));
    }
    if (sub == "AT_AddIdentity" || sub == "AT_SetIdentity" || sub == "AT_DropIdentity")
      return identity(table, cmd, sub);
    if (sub == "AT_DropExpression") {
      auto d = at<change::drop_expression>(cmd);
      d.column = column_ref(table, cmd.text("name"), cmd);
      return emit(std::move(d));
    }
    if (sub == "AT_AttachPartition" || sub == "AT_DetachPartition") {
      return forget("ALTER TABLE ... PARTITION", {relation(def["name"])},
                    "the model does not follow partitions");
    }
    if (sub == "AT_AddInherit" || sub == "AT_DropInherit")
      return forget("ALTER TABLE ... INHERIT", {table}, "the model does not follow inheritance");
    // Storage, statistics, options, triggers enabled, row security, owner, tablespace,
    // replica identity, clustering, VALIDATE CONSTRAINT, ...: nothing the model holds.
  }

  void add_constraint(ast::qualified_name const& table, node const& cmd, node const& c) {
    std::string const kind = c.enumeration("contype");
    if (!c.text("indexname").empty()) {
      auto u = at<change::constraint_using_index>(cmd);
      u.table = table;
      u.name = ident(c.text("conname"), c);
      u.index = ident(c.text("indexname"), c);
      u.primary = kind == "CONSTR_PRIMARY";
      return emit(std::move(u));
    }
    auto body = constraint_body(c);
    if (!body) {
      if (kind == "CONSTR_EXCLUSION")
        return forget("ALTER TABLE ... ADD EXCLUDE", {table},
                      "the model does not follow exclusion constraints");
      return;
    }
    auto step = at<ast::add_constraint_step>(cmd);
    step.name = ident(c.text("conname"), c);  // empty: PostgreSQL chooses
    step.table = table;
    step.body = std::move(*body);
    emit(std::move(step));
  }

  void identity(ast::qualified_name const& table, node const& cmd, std::string const& sub) {
    auto i = at<change::set_identity>(cmd);
    i.column = column_ref(table, cmd.text("name"), cmd);
    i.if_exists = cmd.flag("missing_ok");
    if (sub == "AT_AddIdentity") {
      i.always = cmd["def"].text("generated_when") != "d";
    } else if (sub == "AT_SetIdentity") {
      for (auto const& option : cmd["def"].list("items")) {
        if (option.text("defname") == "generated") i.always = option["arg"].integer("ival") == 'a';
      }
      if (!i.always) return;  // SET INCREMENT BY / RESTART ...: nothing modelled
    }
    emit(std::move(i));
  }

  // ------------------------------------------------------------ indexes

  void create_index(node const& n) {
    auto step = whole<ast::create_index_step>();
    step.unique = n.flag("unique");
    step.concurrently = n.flag("concurrent");
    step.if_not_exists = n.flag("if_not_exists");
    step.name = ident(n.text("idxname"), n["relation"]);
    step.table = relation(n["relation"]);
    if (n.text("accessMethod") != "btree") step.method = ident(n.text("accessMethod"), n);
    for (auto const& element : n.list("indexParams")) step.keys.push_back(index_key(element));
    if (auto const include = n.list("indexIncludingParams"); !include.empty()) {
      step.include.emplace();
      for (auto const& element : include) step.include->push_back(ident(element.text("name"), n));
    }
    if (n["whereClause"]) step.where_clause = fragment(n["whereClause"]);
    if (!step.name.name.empty()) touch(ast::qualified_name{{}, step.table.schema, step.name.name});
    emit(std::move(step));
  }

  ast::index_key index_key(node const& element) {
    auto key = at<ast::index_key>(element);
    if (element["expr"]) {
      key.target = fragment(element["expr"]);
    } else {
      key.target = ident(element.text("name"), element);
    }
    if (auto const opclass = element.names("opclass"); !opclass.empty()) {
      auto q = at<ast::qualified_name>(element);
      q.name = opclass.back();
      if (opclass.size() >= 2) q.schema = opclass[opclass.size() - 2];
      key.opclass = q;
    }
    key.descending = element.enumeration("ordering") == "SORTBY_DESC";
    std::string const nulls = element.enumeration("nulls_ordering");
    if (nulls == "SORTBY_NULLS_FIRST") key.nulls_first = true;
    if (nulls == "SORTBY_NULLS_LAST") key.nulls_first = false;
    return key;
  }

  // ------------------------------------------------------------ drops and renames

  /// A DropStmt/CommentStmt object as a change target of `kind`.
  change::target target_of(object_kind kind, node const& object) {
    auto t = at<change::target>(object);
    t.kind = kind;
    if (object.is("ObjectWithArgs")) {
      t.name = qualified(object.names("objname"), object);
      if (!object.flag("args_unspecified")) {
        std::vector<std::string> types;
        for (auto const& p : object.list("objfuncargs")) {
          std::string const mode = p.enumeration("mode");
          if (mode != "FUNC_PARAM_OUT" && mode != "FUNC_PARAM_TABLE")
            types.push_back(argument_type(p["argType"]));
        }
        t.arguments = fmt::format("{}", fmt::join(types, ", "));
      }
    } else if (object.is("TypeName")) {
      t.name = qualified(object.names("names"), object);
    } else if (object.is("String")) {
      t.name = qualified({object.string_value()}, object);
    } else {
      auto names = object.names("items");
      // Columns, constraints and triggers: the last name is the object, the rest its table.
      if (kind == object_kind::column || kind == object_kind::constraint ||
          kind == object_kind::trigger) {
        std::string const name = names.empty() ? std::string() : names.back();
        if (!names.empty()) names.pop_back();
        t.on = qualified(names, object);
        t.name = at<ast::qualified_name>(object, name.size());
        t.name.name = name;
      } else {
        t.name = qualified(names, object);
      }
    }
    return t;
  }

  void drop(node const& n) {
    std::string const objtype = n.enumeration("removeType");
    auto const kind = kind_of(objtype);
    bool const if_exists = n.flag("missing_ok");
    bool const cascade = n.enumeration("behavior") == "DROP_CASCADE";
    for (auto const& object : n.list("objects")) {
      if (!kind) {
        drop_unmodelled(objtype, object);
        continue;
      }
      auto const t = target_of(*kind, object);
      bool const temporary = (t.name.schema.empty() || t.name.schema == "pg_temp") &&
                             std::count(m_temporaries.begin(), m_temporaries.end(), t.name.name);
      if (temporary) continue;
      switch (*kind) {
        case object_kind::table: {
          auto step = whole<ast::drop_table_step>();
          step.if_exists = if_exists;
          step.table = t.name;
          step.cascade = cascade;
          emit(std::move(step));
          break;
        }
        case object_kind::index: {
          auto step = whole<ast::drop_index_step>();
          step.concurrently = n.flag("concurrent");
          step.if_exists = if_exists;
          step.name = t.name;
          emit(std::move(step));
          break;
        }
        case object_kind::schema: {
          auto step = whole<ast::drop_schema_step>();
          step.if_exists = if_exists;
          step.name = ident(t.name.name, object);
          step.cascade = cascade;
          emit(std::move(step));
          break;
        }
        case object_kind::extension: {
          auto step = whole<ast::drop_extension_step>();
          step.if_exists = if_exists;
          step.name = ident(t.name.name, object);
          emit(std::move(step));
          break;
        }
        default: {
          auto d = whole<change::drop_object>();
          d.what = t;
          d.if_exists = if_exists;
          d.cascade = cascade;
          emit(std::move(d));
        }
      }
    }
  }

  /// DROP of something the model does not hold: forgets the name if an earlier statement made it
  /// unknown (a foreign table, an aggregate); nothing otherwise.
  void drop_unmodelled(std::string const& objtype, node const& object) {
    if (objtype != "OBJECT_FOREIGN_TABLE") return;
    forget("DROP FOREIGN TABLE", {qualified(object.names("items"), object)},
           "the model does not follow foreign tables");
  }

  void rename(node const& n) {
    std::string const type = n.enumeration("renameType");
    std::string const relation_type = n.enumeration("relationType");
    std::string const to = n.text("newname");
    if (type == "OBJECT_TABLE") {
      auto step = whole<ast::rename_table_step>();
      step.table = relation(n["relation"]);
      step.to = ident(to, n);
      return emit(std::move(step));
    }
    if (type == "OBJECT_COLUMN") {
      if (relation_type != "OBJECT_TABLE") return;  // a view's or type's column: not modelled
      auto step = whole<ast::rename_column_step>();
      step.column = column_ref(relation(n["relation"]), n.text("subname"), n);
      step.to = ident(to, n);
      return emit(std::move(step));
    }
    auto const kind = kind_of(type);
    if (!kind) return;
    auto r = whole<change::rename_object>();
    r.if_exists = n.flag("missing_ok");
    r.to = ident(to, n);
    if (n["relation"]) {
      r.what = at<change::target>(n);
      r.what.kind = *kind;
      if (*kind == object_kind::constraint || *kind == object_kind::trigger) {
        r.what.on = relation(n["relation"]);
        r.what.name = at<ast::qualified_name>(n, n.text("subname").size());
        r.what.name.name = n.text("subname");
      } else {
        r.what.name = relation(n["relation"]);
      }
    } else if (n["object"]) {
      r.what = target_of(*kind, n["object"]);
    } else {
      r.what = at<change::target>(n);
      r.what.kind = *kind;
      r.what.name = qualified({n.text("subname")}, n);
    }
    emit(std::move(r));
  }

  void set_schema(node const& n) {
    std::vector<ast::qualified_name> named;
    if (n["relation"]) named.push_back(relation(n["relation"]));
    if (n["object"]) named.push_back(target_of(object_kind::type, n["object"]).name);
    auto moved = named;
    for (auto& q : moved) q.schema = n.text("newschema");
    named.insert(named.end(), moved.begin(), moved.end());
    forget("ALTER ... SET SCHEMA", named,
           "the model does not follow objects moved between schemas");
  }

  // ------------------------------------------------------------ types

  void create_enum(node const& n) {
    auto step = whole<ast::create_enum_step>();
    step.name = qualified(n.names("typeName"), n);
    for (auto const& value : n.names("vals")) {
      auto v = whole<ast::sql_string>();
      v.value = value;
      step.values.push_back(std::move(v));
    }
    emit(std::move(step));
  }

  void alter_enum(node const& n) {
    auto const type = qualified(n.names("typeName"), n);
    if (!n.text("oldVal").empty()) {
      auto r = whole<change::rename_enum_value>();
      r.type = type;
      r.from = n.text("oldVal");
      r.to = n.text("newVal");
      return emit(std::move(r));
    }
    auto step = whole<ast::add_enum_value_step>();
    step.type = type;
    step.value = whole<ast::sql_string>();
    step.value.value = n.text("newVal");
    step.if_not_exists = n.flag("skipIfNewValExists");
    if (!n.text("newValNeighbor").empty()) {
      auto position = whole<ast::enum_position>();
      position.before = !n.flag("newValIsAfter");
      position.neighbour = whole<ast::sql_string>();
      position.neighbour.value = n.text("newValNeighbor");
      step.position = position;
    }
    emit(std::move(step));
  }

  void create_type(ast::qualified_name name, std::string kind) {
    auto t = whole<change::create_type>();
    t.name = std::move(name);
    t.kind = std::move(kind);
    t.sql = m_s.sql;
    emit(std::move(t));
  }

  void define(node const& n) {
    std::string const kind = n.enumeration("kind");
    if (kind == "OBJECT_TYPE") {
      return forget("CREATE TYPE", {qualified(n.names("defnames"), n)},
                    "the model does not follow base types");
    }
    if (kind == "OBJECT_AGGREGATE") {
      return forget("CREATE AGGREGATE", {qualified(n.names("defnames"), n)},
                    "the model does not follow aggregates");
    }
    // Operators, collations, text search objects: nothing a table or index names by a type.
  }

  // ------------------------------------------------------------ sequences

  /// The type (AS) and owner (OWNED BY) options of CREATE/ALTER SEQUENCE.
  template <typename Change>
  void sequence_options(node const& n, Change& c) {
    for (auto const& option : n.list("options")) {
      std::string const name = option.text("defname");
      if (name == "as") c.type = format_type(normalized(type(option["arg"])), true);
      if (name != "owned_by") continue;
      auto const items = option["arg"].names("items");
      if (items.size() == 1 && items[0] == "none") {
        owned_by_none(c);
        continue;
      }
      auto table_names = items;
      table_names.pop_back();
      set_owner(c, column_ref(qualified(table_names, option), items.back(), option));
    }
  }
  static void owned_by_none(change::create_sequence&) {}
  static void owned_by_none(change::alter_sequence& c) {
    c.owned_by = std::optional<ast::column_ref>();
  }
  static void set_owner(change::create_sequence& c, ast::column_ref owner) {
    c.owned_by = std::move(owner);
  }
  static void set_owner(change::alter_sequence& c, ast::column_ref owner) {
    c.owned_by = std::move(owner);
  }

  void create_sequence(node const& n) {
    if (n["sequence"].text("relpersistence") == "t") return;
    auto c = whole<change::create_sequence>();
    c.name = relation(n["sequence"]);
    c.if_not_exists = n.flag("if_not_exists");
    sequence_options(n, c);
    emit(std::move(c));
  }

  void alter_sequence(node const& n) {
    auto c = whole<change::alter_sequence>();
    c.name = relation(n["sequence"]);
    c.if_exists = n.flag("missing_ok");
    sequence_options(n, c);
    if (c.type || c.owned_by) emit(std::move(c));
  }

  // ------------------------------------------------------------ views

  /// The relations a query names (its RangeVars), but those its own WITH defines.
  std::vector<ast::qualified_name> reads_of(node const& query) {
    std::vector<std::string> ctes;
    query.walk([&](node const& n) {
      if (n.is("CommonTableExpr")) ctes.push_back(n.text("ctename"));
      return true;
    });
    std::vector<ast::qualified_name> out;
    query.walk([&](node const& n) {
      if (!n.is("RangeVar")) return true;
      bool const cte = n.text("schemaname").empty() &&
                       std::find(ctes.begin(), ctes.end(), n.text("relname")) != ctes.end();
      if (!cte) out.push_back(relation(n));
      return true;
    });
    return out;
  }

  /// The column names a SELECT gives (PostgreSQL's FigureColname for unnamed targets), or
  /// nothing when a `*` or a set operation hides them.
  static std::optional<std::vector<std::string>> output_columns(node const& query) {
    if (!query.is("SelectStmt") || query.enumeration("op") != "SETOP_NONE") return std::nullopt;
    std::vector<std::string> out;
    for (auto const& target : query.list("targetList")) {
      std::string name = target.text("name");
      if (name.empty()) {
        node const value = target["val"];
        bool star = false;
        for (auto const& field : value.list("fields")) star = star || field.is("A_Star");
        if (star) return std::nullopt;
        name = figure_name(value).value_or("?column?");
      }
      out.push_back(std::move(name));
    }
    return out;
  }

  void view(ast::qualified_name name, node const& query, bool or_replace, bool materialized,
            bool if_not_exists) {
    auto v = whole<change::create_view>();
    v.reads = reads_of(query);
    v.name = std::move(name);
    touch(v.name);
    v.or_replace = or_replace;
    v.materialized = materialized;
    v.if_not_exists = if_not_exists;
    v.definition = canonical_text(*query.value());
    v.columns = output_columns(query);
    v.sql = m_s.sql;
    emit(std::move(v));
  }

  void create_view(node const& n) {
    if (n["view"].text("relpersistence") == "t") return;
    view(relation(n["view"]), n["query"], n.flag("replace"), false, false);
  }

  void create_table_as(node const& n) {
    node const into = n["into"];
    if (into["rel"].text("relpersistence") == "t") return;
    if (n.enumeration("objtype") == "OBJECT_MATVIEW")
      return view(relation(into["rel"]), n["query"], false, true, n.flag("if_not_exists"));
    forget("CREATE TABLE AS", {relation(into["rel"])},
           "the model cannot know the columns a query gives; create the table, then INSERT ... "
           "SELECT");
  }

  void select_into(node const& n) {
    node const into = n["intoClause"];
    if (!into || into["rel"].text("relpersistence") == "t") return;
    forget("SELECT INTO", {relation(into["rel"])},
           "the model cannot know the columns a query gives; create the table, then INSERT ... "
           "SELECT");
  }

  // ------------------------------------------------------------ functions and triggers

  void create_function(node const& n) {
    auto f = whole<change::create_function>();
    f.name = qualified(n.names("funcname"), n);
    f.or_replace = n.flag("replace");
    f.procedure = n.flag("is_procedure");
    std::vector<std::string> types;
    for (auto const& p : n.list("parameters")) {
      std::string const mode = p.enumeration("mode");
      if (mode != "FUNC_PARAM_OUT" && mode != "FUNC_PARAM_TABLE")
        types.push_back(argument_type(p["argType"]));
    }
    f.arguments = fmt::format("{}", fmt::join(types, ", "));
    if (node const r = n["returnType"])
      f.returns = (r.flag("setof") ? "setof " : "") + argument_type(r);
    for (auto const& option : n.list("options")) {
      std::string const name = option.text("defname");
      if (name == "language") f.language = option["arg"].string_value();
      if (name == "as") {
        auto const body = option["arg"].names("items");
        if (body.size() == 1) f.body_md5 = md5_hex(body.front());
      }
    }
    f.sql = m_s.sql;
    emit(std::move(f));
  }

  void create_trigger(node const& n) {
    if (n.flag("isconstraint")) {
      // CREATE CONSTRAINT TRIGGER: modelled as a trigger too (pg_trigger holds both).
    }
    auto t = whole<change::create_trigger>();
    t.name = ident(n.text("trigname"), n);
    t.table = relation(n["relation"]);
    t.function = qualified(n.names("funcname"), n);
    t.or_replace = n.flag("replace");
    t.update_columns = n.names("columns");
    if (n["whenClause"]) t.when_sql = m_s.text_of(n["whenClause"]).value_or("");
    t.arguments = n.names("args");
    // CreateTrigStmt's timing and events are pg_trigger.tgtype's bits; `row` is its bit 0.
    t.timing = runtime::trigger_timing(static_cast<std::uint32_t>(
        n.integer("timing") | n.integer("events") | (n.flag("row") ? 1 : 0)));
    emit(std::move(t));
  }

  // ------------------------------------------------------------ comments, schemas, extensions

  void comment(node const& n) {
    auto const kind = kind_of(n.enumeration("objtype"));
    if (!kind) return;  // comments on objects the model does not hold
    auto c = whole<change::comment_on>();
    c.what = target_of(*kind, n["object"]);
    if (n.has("comment")) c.text = n.text("comment");
    emit(std::move(c));
  }

  void create_schema(node const& n) {
    auto step = whole<ast::create_schema_step>();
    step.if_not_exists = n.flag("if_not_exists");
    step.name = ident(n.text("schemaname"), n);
    touch(ast::qualified_name{{}, "", n.text("schemaname")});
    emit(std::move(step));
    for (auto const& element : n.list("schemaElts")) {
      // CREATE SCHEMA s CREATE TABLE t ...: the elements' unqualified names are in s.
      forget("CREATE SCHEMA ... CREATE", names_in(element, n.text("schemaname")),
             "the model does not follow objects created inside CREATE SCHEMA");
    }
  }

  std::vector<ast::qualified_name> names_in(node const& statement, std::string const& schema) {
    std::vector<ast::qualified_name> out;
    for (auto const& r : relations_in(statement)) {
      auto q = relation(r);
      if (q.schema.empty()) q.schema = schema;
      out.push_back(q);
    }
    return out;
  }

  void create_extension(node const& n) {
    auto step = whole<ast::create_extension_step>();
    step.if_not_exists = n.flag("if_not_exists");
    step.name = ident(n.text("extname"), n);
    emit(std::move(step));
  }

  // ------------------------------------------------------------ DO blocks

  /// A DO block: its static SQL is read; DDL in it makes the objects it names unknown (the
  /// block may run it conditionally), dynamic SQL (EXECUTE) is noted.
  void do_block(node const& n) {
    std::string body;
    std::string language = "plpgsql";
    for (auto const& arg : n.list("args")) {
      if (arg.text("defname") == "as") body = arg["arg"].string_value();
      if (arg.text("defname") == "language") language = arg["arg"].string_value();
    }
    if (language != "plpgsql") return;
    auto const function = parse_plpgsql(body);
    if (!function) return;
    std::vector<ast::qualified_name> named;
    bool dynamic = false;
    node(function).walk([&](node const& s) {
      if (s.is("PLpgSQL_stmt_dynexecute")) dynamic = true;
      if (!s.is("PLpgSQL_stmt_execsql")) return true;
      std::string const query = s["sqlstmt"]["PLpgSQL_expr"].text("query");
      for (auto const& statement : parse(query).statements) {
        node const root(statement.tree);
        if (classify(root).kind != runtime::statement_kind::schema) continue;
        for (auto const& r : relations_in(root)) named.push_back(relation(r));
      }
      return true;
    });
    if (!named.empty()) {
      forget("DO", named, "DDL inside a DO block may run or not: the model does not follow it");
    } else if (dynamic) {
      forget("DO", {}, "a DO block with EXECUTE runs SQL the model cannot see");
    }
  }

  raw_statement const& m_s;
  std::vector<std::string> const& m_temporaries;
  translation m_out;
};

}  // namespace

translation translate(raw_statement const& statement, std::vector<std::string> const& temporaries) {
  return translator(statement, temporaries).run();
}

}  // namespace migc::compiler::sql
