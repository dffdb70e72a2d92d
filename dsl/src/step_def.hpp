// The rules of the declarative steps (create table, add column, ...). Included by grammar_def.hpp
// only.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <migc/dsl/ast.hpp>

#include "ast_adapted.hpp"
#include "token_parsers.hpp"

/*
 * create-step    = "create" , ( create-table | create-index | create-type
 *                             | create-schema | create-extension ) ;
 * create-table   = "table" , [ if-not-exists ] , table-name ,
 *                  "(" , table-element , { "," , table-element } , ")" ;
 * table-element  = table-constraint | column-definition ;   constraints start with a keyword
 * column-definition = identifier , type , { column-constraint } ;
 * column-constraint = "not" "null" | "null" | "default" default-value
 *                  | "primary" "key" | "unique" | references | "check" expression
 *                  | "generated" ( "always" | "by" "default" ) "as" "identity"
 *                  | "generated" "always" "as" expression "stored" ;
 * references     = "references" , table-name , [ column-list ] , [ "on" "delete" action ] ;
 * action         = "cascade" | "restrict" | "set" "null" | "set" "default" | "no" "action" ;
 * table-constraint = [ "constraint" , identifier ] ,
 *                  ( ( "primary" "key" | "unique" ) , column-list
 *                  | "foreign" "key" , column-list , references | "check" , expression ) ;
 * create-index   = [ "unique" ] , "index" , [ "concurrently" ] , [ if-not-exists ] ,
 *                  identifier , "on" , table-name , [ "using" , identifier ] ,
 *                  "(" , index-key , { "," , index-key } , ")" ,
 *                  [ "include" , column-list ] , [ "where" , expression ] ;
 * index-key      = ( identifier | expression ) , [ qualified-name ] (the operator class) ,
 *                  [ "asc" | "desc" ] , [ "nulls" , ( "first" | "last" ) ] ;
 * create-type    = "type" , qualified-name , "as" , "enum" , "(" , string , { "," , string } , ")"
 * ; create-schema  = "schema" , [ if-not-exists ] , identifier ;   (create-extension alike)
 * drop-step      = "drop" , ( "table" [ if-exists ] table-name [ "cascade" ]
 *                           | "column" [ if-exists ] column-ref [ "cascade" ]
 *                           | "index" [ "concurrently" ] [ if-exists ] qualified-name
 *                           | "constraint" identifier "on" table-name
 *                           | "type" [ if-exists ] qualified-name
 *                           | "schema" [ if-exists ] identifier [ "cascade" ]
 *                           | "extension" [ if-exists ] identifier ) ;
 * rename-step    = "rename" , ( "table" table-name | "column" column-ref ) , "to" , identifier ;
 * add-step       = "add" , ( "column" [ if-not-exists ] column-ref type { column-constraint }
 *                          | "constraint" identifier "on" table-name constraint-body
 *                          | "value" string "to" "type" qualified-name
 *                            [ ( "before" | "after" ) string ] ) ;
 * alter-step     = "alter" , "column" , column-ref ,
 *                  ( "type" type [ "using" expression ] | ( "set" | "drop" ) "not" "null"
 *                  | "set" "default" default-value | "drop" "default" ) ;
 * backfill-step  = "backfill" , table-name , "set" , identifier , "=" , default-value ,
 *                  [ "where" , expression ] , [ "batch" , unsigned integer ] ;
 * expression     = "(" balanced text ")" ;          scanned by a loop, depth-limited
 * column-ref     = [ schema "." ] table "." column ;
 */
namespace migc::dsl::grammar {

namespace x3 = boost::spirit::x3;

// Rule classes: annotate_where for every node that diagnostics point at.
struct table_name_class {};
struct column_name_class {};
struct column_path_class {};
struct index_name_class {};
struct index_method_class {};
struct index_keys_class {};
struct index_target_class {};
struct index_opclass_class {};
struct descending_class {};
struct nulls_order_class {};
struct index_key_class : annotate_where {};
struct qualified_index_name_class {};
struct constraint_name_class {};
struct type_ref_class {};
struct enum_name_class {};
struct object_name_class {};
struct new_name_class {};
struct column_list_class {};
struct column_names_class {};
struct table_elements_class {};
struct enum_labels_class {};
struct identity_kind_class {};
struct enum_label_class {};
struct expression_class {};
struct default_expr_class {};
struct if_not_exists_class {};
struct if_exists_class {};
struct fk_action_class {};
struct nullability_class : annotate_where {};
struct default_value_class : annotate_where {};
struct key_marker_class : annotate_where {};
struct references_class : annotate_where {};
struct check_clause_class : annotate_where {};
struct identity_clause_class : annotate_where {};
struct generated_clause_class : annotate_where {};
struct column_constraint_class {};
struct column_def_class : annotate_where {};
struct key_columns_class : annotate_where {};
struct foreign_key_class : annotate_where {};
struct constraint_body_class {};
struct table_constraint_class : annotate_where {};
struct table_element_class {};
struct create_table_class : annotate_where {};
struct drop_table_class : annotate_where {};
struct rename_table_class : annotate_where {};
struct add_column_class : annotate_where {};
struct drop_column_class : annotate_where {};
struct rename_column_class : annotate_where {};
struct set_type_class : annotate_where {};
struct set_not_null_class : annotate_where {};
struct set_default_class : annotate_where {};
struct alter_action_class {};
struct alter_column_class : annotate_where {};
struct create_index_class : annotate_where {};
struct drop_index_class : annotate_where {};
struct add_constraint_class : annotate_where {};
struct drop_constraint_class : annotate_where {};
struct create_enum_class : annotate_where {};
struct drop_type_class : annotate_where {};
struct enum_position_class : annotate_where {};
struct add_enum_value_class : annotate_where {};
struct create_schema_class : annotate_where {};
struct create_extension_class : annotate_where {};
struct drop_schema_class : annotate_where {};
struct drop_extension_class : annotate_where {};
struct backfill_class : annotate_where {};
struct batch_size_class {};
struct create_object_class {};
struct drop_object_class {};
struct rename_object_class {};
struct add_object_class {};

// Names are what users read in "expected ..., found ...".
x3::rule<table_name_class, ast::qualified_name> const table_name = "table name";
x3::rule<column_name_class, ast::identifier> const column_name = "column name";
x3::rule<column_path_class, ast::column_ref> const column_path = "column (table.column)";
x3::rule<index_name_class, ast::identifier> const index_name = "index name";
x3::rule<index_method_class, ast::identifier> const index_method = "index method (btree, gin, ...)";
x3::rule<index_keys_class, std::vector<ast::index_key>> const index_keys = "index key";
x3::rule<index_target_class, std::variant<ast::identifier, ast::sql_fragment>> const index_target =
    "column or parenthesised expression";
x3::rule<index_opclass_class, ast::qualified_name> const index_opclass = "operator class";
x3::rule<descending_class, bool> const descending = "'asc' or 'desc'";
x3::rule<nulls_order_class, bool> const nulls_order = "'first' or 'last'";
x3::rule<index_key_class, ast::index_key> const index_key = "index key";
x3::rule<qualified_index_name_class, ast::qualified_name> const qualified_index_name = "index name";
x3::rule<constraint_name_class, ast::identifier> const constraint_name = "constraint name";
x3::rule<type_ref_class, ast::type_name> const type_ref = "type";
x3::rule<enum_name_class, ast::qualified_name> const enum_name = "type name";
x3::rule<object_name_class, ast::identifier> const object_name = "name";
x3::rule<new_name_class, ast::identifier> const new_name = "new name";
x3::rule<column_list_class, std::vector<ast::identifier>> const column_list = "column list '(...)'";
// Lists and alternatives after `>` get rules of their own: an expectation
// failure names what it expected, and only rules have readable names.
x3::rule<column_names_class, std::vector<ast::identifier>> const column_names = "column name";
x3::rule<table_elements_class, std::vector<ast::table_element>> const table_elements =
    "column definition or table constraint";
x3::rule<enum_labels_class, std::vector<ast::sql_string>> const enum_labels =
    "string literal '...'";
x3::rule<identity_kind_class, bool> const identity_kind = "'always' or 'by default'";
x3::rule<enum_label_class, ast::sql_string> const enum_label = "string literal '...'";
x3::rule<expression_class, ast::sql_fragment> const expression = "parenthesised expression '(...)'";
x3::rule<default_expr_class, ast::sql_fragment> const default_expr = "default value";
x3::rule<if_not_exists_class, bool> const if_not_exists = "'if not exists'";
x3::rule<if_exists_class, bool> const if_exists = "'if exists'";
x3::rule<fk_action_class, ast::fk_action> const fk_action =
    "referential action (cascade, restrict, set null, set default or no action)";
x3::rule<nullability_class, ast::nullability> const nullability = "'not null' or 'null'";
x3::rule<default_value_class, ast::default_value> const default_value = "default clause";
x3::rule<key_marker_class, ast::key_marker> const key_marker = "'primary key' or 'unique'";
x3::rule<references_class, ast::references_clause> const references = "references clause";
x3::rule<check_clause_class, ast::check_clause> const check_clause = "check clause";
x3::rule<identity_clause_class, ast::identity_clause> const identity_clause = "identity clause";
x3::rule<generated_clause_class, ast::generated_clause> const generated_clause =
    "generated column clause";
x3::rule<column_constraint_class, ast::column_constraint> const column_constraint =
    "column constraint";
x3::rule<column_def_class, ast::column_def> const column_def = "column definition";
x3::rule<key_columns_class, ast::key_columns> const key_columns = "key columns";
x3::rule<foreign_key_class, ast::foreign_key> const foreign_key = "foreign key";
x3::rule<constraint_body_class, ast::constraint_body> const constraint_body =
    "constraint (primary key, unique, foreign key or check)";
x3::rule<table_constraint_class, ast::table_constraint> const table_constraint = "table constraint";
x3::rule<table_element_class, ast::table_element> const table_element =
    "column definition or table constraint";
x3::rule<create_table_class, ast::create_table_step> const create_table = "create table";
x3::rule<drop_table_class, ast::drop_table_step> const drop_table = "drop table";
x3::rule<rename_table_class, ast::rename_table_step> const rename_table = "rename table";
x3::rule<add_column_class, ast::add_column_step> const add_column = "add column";
x3::rule<drop_column_class, ast::drop_column_step> const drop_column = "drop column";
x3::rule<rename_column_class, ast::rename_column_step> const rename_column = "rename column";
x3::rule<set_type_class, ast::set_type> const set_type = "'type'";
x3::rule<set_not_null_class, ast::set_not_null> const set_not_null =
    "'set not null' or 'drop not null'";
x3::rule<set_default_class, ast::set_default> const set_default = "'set default' or 'drop default'";
x3::rule<alter_action_class, ast::alter_action> const alter_action =
    "column change (type, set not null, drop not null, set default or drop default)";
x3::rule<alter_column_class, ast::alter_column_step> const alter_column = "alter column";
x3::rule<create_index_class, ast::create_index_step> const create_index = "create index";
x3::rule<drop_index_class, ast::drop_index_step> const drop_index = "drop index";
x3::rule<add_constraint_class, ast::add_constraint_step> const add_constraint = "add constraint";
x3::rule<drop_constraint_class, ast::drop_constraint_step> const drop_constraint =
    "drop constraint";
x3::rule<create_enum_class, ast::create_enum_step> const create_enum = "create type";
x3::rule<drop_type_class, ast::drop_type_step> const drop_type = "drop type";
x3::rule<enum_position_class, ast::enum_position> const enum_position = "'before' or 'after'";
x3::rule<add_enum_value_class, ast::add_enum_value_step> const add_enum_value = "add value";
x3::rule<create_schema_class, ast::create_schema_step> const create_schema = "create schema";
x3::rule<create_extension_class, ast::create_extension_step> const create_extension =
    "create extension";
x3::rule<drop_schema_class, ast::drop_schema_step> const drop_schema = "drop schema";
x3::rule<drop_extension_class, ast::drop_extension_step> const drop_extension = "drop extension";
x3::rule<backfill_class, ast::backfill_step> const backfill = "backfill";
x3::rule<batch_size_class, std::uint32_t> const batch_size = "batch size (rows per batch)";
x3::rule<create_object_class, ast::step> const create_object =
    "what to create (table, index, type, schema or extension)";
x3::rule<drop_object_class, ast::step> const drop_object =
    "what to drop (table, column, index, constraint, type, schema or extension)";
x3::rule<rename_object_class, ast::step> const rename_object = "what to rename (table or column)";
x3::rule<add_object_class, ast::step> const add_object =
    "what to add (column, constraint or value)";

keyword_parser const kw_create{"create"};
keyword_parser const kw_drop{"drop"};
keyword_parser const kw_rename{"rename"};
keyword_parser const kw_add{"add"};
keyword_parser const kw_alter{"alter"};
keyword_parser const kw_table{"table"};
keyword_parser const kw_column{"column"};
keyword_parser const kw_index{"index"};
keyword_parser const kw_constraint{"constraint"};
keyword_parser const kw_type{"type"};
keyword_parser const kw_schema{"schema"};
keyword_parser const kw_extension{"extension"};
keyword_parser const kw_value{"value"};
keyword_parser const kw_if{"if"};
keyword_parser const kw_not{"not"};
keyword_parser const kw_exists{"exists"};
keyword_parser const kw_cascade{"cascade"};
keyword_parser const kw_restrict{"restrict"};
keyword_parser const kw_to{"to"};
keyword_parser const kw_using{"using"};
keyword_parser const kw_set{"set"};
keyword_parser const kw_null{"null"};
keyword_parser const kw_default{"default"};
keyword_parser const kw_primary{"primary"};
keyword_parser const kw_key{"key"};
keyword_parser const kw_unique{"unique"};
keyword_parser const kw_references{"references"};
keyword_parser const kw_foreign{"foreign"};
keyword_parser const kw_on{"on"};
keyword_parser const kw_delete{"delete"};
keyword_parser const kw_update{"update"};
keyword_parser const kw_no{"no"};
keyword_parser const kw_action{"action"};
keyword_parser const kw_check{"check"};
keyword_parser const kw_generated{"generated"};
keyword_parser const kw_always{"always"};
keyword_parser const kw_by{"by"};
keyword_parser const kw_as{"as"};
keyword_parser const kw_identity{"identity"};
keyword_parser const kw_concurrently{"concurrently"};
keyword_parser const kw_where{"where"};
keyword_parser const kw_enum{"enum"};
keyword_parser const kw_before{"before"};
keyword_parser const kw_after{"after"};
keyword_parser const kw_include{"include"};
keyword_parser const kw_stored{"stored"};
keyword_parser const kw_asc{"asc"};
keyword_parser const kw_desc{"desc"};
keyword_parser const kw_nulls{"nulls"};
keyword_parser const kw_first{"first"};
keyword_parser const kw_last{"last"};
keyword_parser const kw_batch{"batch"};

// X3 expressions read best laid out by hand.
// clang-format off
auto const table_name_def = qualified_name_parser{};
auto const column_name_def = identifier_parser{};
auto const column_path_def = column_ref_parser{};
auto const index_name_def = identifier_parser{};
auto const qualified_index_name_def = qualified_name_parser{};
auto const constraint_name_def = identifier_parser{};
auto const type_ref_def = type_parser{};
auto const enum_name_def = qualified_name_parser{};
auto const object_name_def = identifier_parser{};
auto const new_name_def = identifier_parser{};
auto const column_list_def = x3::lit('(') > column_names > x3::lit(')');
auto const column_names_def = column_name % ',';
auto const table_elements_def = table_element % ',';
auto const enum_labels_def = enum_label % ',';
auto const identity_kind_def = (kw_always > x3::attr(true)) | (kw_by > kw_default > x3::attr(false));
auto const enum_label_def = sql_string_parser{};
auto const expression_def = parenthesised_parser{};
auto const default_expr_def = default_parser{};
// `>>` up to the word that commits: `if` alone may still be a name.
auto const if_not_exists_def = x3::matches[(kw_if >> kw_not) > kw_exists];
auto const if_exists_def = x3::matches[kw_if > kw_exists];

auto const fk_action_def =
      (kw_cascade > x3::attr(ast::fk_action::cascade))
    | (kw_restrict > x3::attr(ast::fk_action::restrict))
    | (kw_set >> kw_null >> x3::attr(ast::fk_action::set_null))
    | (kw_set > kw_default > x3::attr(ast::fk_action::set_default))
    | (kw_no > kw_action > x3::attr(ast::fk_action::no_action));

/**
 * `[on delete action] [on update action]`, in either order, into ast::fk_actions.
 * A second clause of one kind is a syntax error at its `on`, as in
 * PostgreSQL's grammar. A loop rather than `*(a | b)`: X3 would take the
 * kleene's attribute for a container.
 */
struct fk_actions_parser : x3::parser<fk_actions_parser> {
  using attribute_type = ast::fk_actions;

  template <typename Context, typename RContext>
  bool parse(iterator_type& first, iterator_type const& last, Context const& context, RContext& rcontext,
             ast::fk_actions& actions) const {
    while (true) {
      x3::skip_over(first, last, context);
      iterator_type const start = first;
      std::optional<ast::fk_action>* slot = clause_slot(first, last, context, rcontext, actions);
      if (slot == nullptr) {
        first = start;
        return true;
      }
      if (*slot) throw x3::expectation_failure<iterator_type>(start, repeated_action);
      ast::fk_action action{};
      if (!fk_action.parse(first, last, context, rcontext, action)) {
        throw x3::expectation_failure<iterator_type>(first, x3::what(fk_action));
      }
      *slot = action;
    }
  }

 private:
  /// Reads `on delete` or `on update`: the slot it fills, or nothing.
  template <typename Context, typename RContext>
  static std::optional<ast::fk_action>* clause_slot(iterator_type& first, iterator_type const& last,
                                                    Context const& context, RContext& rcontext,
                                                    ast::fk_actions& actions) {
    if (!kw_on.parse(first, last, context, rcontext, x3::unused)) return nullptr;
    if (kw_delete.parse(first, last, context, rcontext, x3::unused)) return &actions.on_delete;
    if (kw_update.parse(first, last, context, rcontext, x3::unused)) return &actions.on_update;
    return nullptr;
  }
};

auto const nullability_def = into(&ast::nullability::not_null)[
    (kw_not > kw_null > x3::attr(true)) | (kw_null >> x3::attr(false))];
auto const default_value_def = into(&ast::default_value::expression)[kw_default > default_expr];
// `primary key` (true) or `unique` (false): a column's key marker, or the kind of a table's key.
auto const primary_or_unique = (kw_primary > kw_key > x3::attr(true)) | (kw_unique >> x3::attr(false));
auto const key_marker_def = into(&ast::key_marker::primary)[primary_or_unique];
auto const references_def =
    kw_references > table_name > -column_list > fk_actions_parser{};
auto const check_clause_def = into(&ast::check_clause::expression)[kw_check > expression];
auto const identity_clause_def = into(&ast::identity_clause::always)[
    kw_generated > identity_kind > kw_as > kw_identity];
// `>>` up to the '(' that tells a generated column from an identity column.
auto const generated_clause_def = into(&ast::generated_clause::expression)[
    (kw_generated >> kw_always >> kw_as >> &x3::lit('(')) > expression > kw_stored];
auto const column_constraint_def =
    nullability | default_value | key_marker | references | check_clause | generated_clause
    | identity_clause;
auto const column_def_def = column_name > type_ref > *column_constraint;

auto const key_columns_def = primary_or_unique > column_list;
auto const foreign_key_def = kw_foreign > kw_key > column_list > references;
auto const constraint_body_def = key_columns | foreign_key | check_clause;
// Unnamed constraints start with their own keyword; anything else is a column.
auto const table_constraint_def =
      (kw_constraint > constraint_name > constraint_body)
    | (x3::attr(std::optional<ast::identifier>()) >> constraint_body);
auto const table_element_def = table_constraint | column_def;

auto const create_table_def =
    kw_table > if_not_exists > table_name
    > x3::lit('(') > table_elements > x3::lit(')');
auto const drop_table_def = kw_table > if_exists > table_name > x3::matches[kw_cascade];
auto const rename_table_def = kw_table > table_name > kw_to > new_name;

auto const add_column_def = kw_column > if_not_exists > column_path > type_ref > *column_constraint;
auto const drop_column_def = kw_column > if_exists > column_path > x3::matches[kw_cascade];
auto const rename_column_def = kw_column > column_path > kw_to > new_name;

auto const set_type_def = kw_type > type_ref > -(kw_using > expression);
auto const set_not_null_def = into(&ast::set_not_null::not_null)[
    ((kw_set >> kw_not) > kw_null > x3::attr(true)) | ((kw_drop >> kw_not) > kw_null > x3::attr(false))];
auto const set_default_def = into(&ast::set_default::expression)[
      ((kw_set >> kw_default) > default_expr)
    | (kw_drop >> kw_default >> x3::attr(std::optional<ast::sql_fragment>()))];
// `set not null` before `set default`: both start with `set`, and `>>` lets
// the first give the word back.
auto const alter_action_def = set_type | set_not_null | set_default;
auto const alter_column_def = kw_column > column_path > alter_action;

auto const index_method_def = identifier_parser{};
auto const index_target_def = column_name | expression;
// An operator class is any name but the words that may follow it.
auto const index_opclass_def = !(kw_asc | kw_desc | kw_nulls) >> qualified_name_parser{};
auto const descending_def = (kw_desc >> x3::attr(true)) | (-kw_asc >> x3::attr(false));
auto const nulls_order_def = (kw_first > x3::attr(true)) | (kw_last > x3::attr(false));
auto const index_key_def = index_target >> -index_opclass >> descending >> -(kw_nulls > nulls_order);
auto const index_keys_def = index_key % ',';
auto const create_index_def =
    (x3::matches[kw_unique] >> kw_index) > x3::matches[kw_concurrently] > if_not_exists
    > index_name > kw_on > table_name > -(kw_using > index_method)
    > x3::lit('(') > index_keys > x3::lit(')')
    > -(kw_include > column_list) > -(kw_where > expression);
auto const drop_index_def =
    kw_index > x3::matches[kw_concurrently] > if_exists > qualified_index_name;

auto const add_constraint_def = kw_constraint > constraint_name > kw_on > table_name > constraint_body;
auto const drop_constraint_def = kw_constraint > constraint_name > kw_on > table_name;

auto const create_enum_def =
    kw_type > enum_name > kw_as > kw_enum > x3::lit('(') > enum_labels > x3::lit(')');
auto const drop_type_def = kw_type > if_exists > enum_name;
auto const enum_position_def =
    ((kw_before > x3::attr(true)) | (kw_after > x3::attr(false))) > enum_label;
auto const add_enum_value_def = kw_value > enum_label > kw_to > kw_type > enum_name > -enum_position;

auto const create_schema_def = kw_schema > if_not_exists > object_name;
auto const create_extension_def = kw_extension > if_not_exists > object_name;
auto const drop_schema_def = kw_schema > if_exists > object_name > x3::matches[kw_cascade];
auto const drop_extension_def = kw_extension > if_exists > object_name;

auto const batch_size_def = x3::uint_parser<std::uint32_t>{};
auto const backfill_def = table_name > kw_set > column_name > x3::lit('=') > default_expr
    > -(kw_where > expression) > -(kw_batch > batch_size);

// After the verb, each alternative starts with its own keyword (only
// `unique index` needs `>>` to give `unique` back), so the order is free.
auto const create_object_def =
    create_table | create_index | create_enum | create_schema | create_extension;
auto const drop_object_def =
    drop_table | drop_column | drop_index | drop_constraint | drop_type | drop_schema | drop_extension;
auto const rename_object_def = rename_table | rename_column;
auto const add_object_def = add_column | add_constraint | add_enum_value;
// clang-format on

BOOST_SPIRIT_DEFINE(column_names, table_elements, enum_labels, identity_kind)
BOOST_SPIRIT_DEFINE(index_method, index_target, index_opclass, descending, nulls_order, index_key,
                    index_keys)
BOOST_SPIRIT_DEFINE(table_name, column_name, column_path, index_name, qualified_index_name,
                    constraint_name, type_ref, enum_name, object_name, new_name, column_list,
                    enum_label, expression, default_expr, if_not_exists, if_exists, fk_action,
                    nullability, default_value, key_marker, references, check_clause,
                    identity_clause, generated_clause, column_constraint, column_def, key_columns,
                    foreign_key, constraint_body, table_constraint, table_element, create_table,
                    drop_table, rename_table, add_column, drop_column, rename_column, set_type,
                    set_not_null, set_default, alter_action, alter_column, create_index, drop_index,
                    add_constraint, drop_constraint, create_enum, drop_type, enum_position,
                    add_enum_value, create_schema, create_extension, drop_schema, drop_extension,
                    create_object, drop_object, rename_object, add_object, backfill, batch_size)

}  // namespace migc::dsl::grammar
