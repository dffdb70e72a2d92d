// Internal: schema drift, the live database's catalog against the compiler's schema model at its
// revision.
#pragma once

#include <functional>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/migrator.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace migc::runtime {

/// One object of a schema (the embedded model's or the live database's), with its own strings.
struct db_object {
  std::string kind;  ///< "table" | "column" | "index" | "constraint" | "enum"
  std::string table;
  std::string name;
  std::string type;
  std::string columns;
  std::string default_value;
  bool not_null = false;
  bool partial = false;

  /// How the object is named in messages: `public.users`, `public.users.id`, `users_pkey on
  /// public.users`.
  [[nodiscard]] std::string display() const;
};

/**
 * The schema model after the revision at `revision_index` (0: the root) of
 * a catalog::schema_history (schema records, see catalog.hpp): the changes of the revisions
 * up to it folded, in the order objects were first added (a table before
 * its columns). Nothing for base (nullopt). Linear in the text read; stops
 * at the next revision's changes.
 */
[[nodiscard]] std::vector<db_object> schema_at(std::string_view history,
                                               std::optional<std::size_t> revision_index);

/// The embedded model at the revision at `revision_index` (nullopt: base) as db_objects.
[[nodiscard]] std::vector<db_object> model_objects(catalog const& cat,
                                                   std::optional<std::size_t> revision_index);

/**
 * Whether a model column's default and the live column's mean the same (default_spelling
 * asks the server; the pure tests compare text).
 */
using same_default =
    std::function<bool(db_object const& model_column, db_object const& live_column)>;

/**
 * The comparison, a pure function but for `same_default`: the model's objects against the
 * live ones, as findings in model order (missing or different), then live order
 * (extra). Children of a missing or extra table are not listed again. An
 * extra object that an "unknown" record of the model names (a statement the
 * compiler does not follow named it, or its table, or its schema) is a
 * not_modelled finding instead of drift.
 */
[[nodiscard]] std::vector<drift_finding> compare_schema(std::vector<db_object> const& model,
                                                        std::vector<db_object> const& live,
                                                        same_default const& same_default);

/**
 * The live schema from pg_catalog: ordinary and partitioned tables (not
 * partitions), their columns, indexes (not those backing a primary key,
 * unique or exclusion constraint), constraints, triggers, enum and other
 * user types, sequences (not identity columns'), views, functions,
 * procedures, non-public schemas, extensions and the comments on all of
 * these (records as schema_objects.hpp of the compiler describes), outside
 * system schemas and extensions, without the tables in `exclude` (migc's
 * version, history and dirty tables; each as SQL text for to_regclass, e.g.
 * `"public"."alembic_version"`). Types are spelt as format_type() does with
 * `visible_schema` on the search_path (the model's convention for public: unqualified). Runs in
 * a read-only transaction.
 */
[[nodiscard]] std::vector<db_object> read_live_schema(pqxx::connection_base& cx,
                                                      std::vector<std::string> const& exclude,
                                                      std::string const& visible_schema = "public");

/**
 * The session's current_schema(): the first schema of its search_path that
 * exists (what `verify --schema current_schema` scopes to: each tenant's URL
 * sets its own search_path). Throws error when none exists.
 */
[[nodiscard]] std::string session_schema(pqxx::connection_base& cx);

/**
 * The model's schema a live `schema` is compared with (verify --schema): `schema` itself when
 * the model has an object in it, else `public`, the schema a chain without schema names creates
 * its objects in (schema-per-tenant: each tenant's copy made with search_path set to it).
 */
[[nodiscard]] std::string model_schema_for(std::vector<db_object> const& model,
                                           std::string const& schema);

/**
 * The objects of `objects` that belong to schema `schema` (a column, index,
 * constraint or trigger by its table; database-wide objects, i.e. schemas,
 * extensions and comments on schemas, never), with every name in `schema`
 * renamed into schema `as` (tables, names, a foreign key's target, a
 * sequence's owner, a trigger's function, the names an unknown record
 * covers).
 */
[[nodiscard]] std::vector<db_object> objects_in_schema(std::vector<db_object> const& objects,
                                                       std::string const& schema,
                                                       std::string const& as);

}  // namespace migc::runtime
