// Internal: schema drift, the live database's catalog against the compiler's schema model at its
// revision.
#pragma once

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
 * A column default reduced for a lenient comparison: lower case and no
 * white space or parentheses outside string literals, casts (`::text`,
 * `::character varying(20)[]`) removed, a quoted number or boolean unquoted
 * (`'-1'::integer` is `-1`), `null` as no default.
 */
[[nodiscard]] std::string normalize_default(std::string_view text);

/**
 * The comparison, a pure function: the model's objects against the live
 * ones, as findings in model order (missing or different), then live order
 * (extra). Children of a missing or extra table are not listed again. An
 * extra object that an "unknown" record of the model names (a statement the
 * compiler does not follow named it, or its table, or its schema) is a
 * not_modelled finding instead of drift.
 */
[[nodiscard]] std::vector<drift_finding> compare_schema(std::vector<db_object> const& model,
                                                        std::vector<db_object> const& live);

/**
 * The live schema from pg_catalog: ordinary and partitioned tables (not
 * partitions), their columns, indexes (not those backing a primary key,
 * unique or exclusion constraint), constraints, triggers, enum and other
 * user types, sequences (not identity columns'), views, functions,
 * procedures, non-public schemas, extensions and the comments on all of
 * these (records as schema_objects.hpp of the compiler describes), outside
 * system schemas and extensions, without the tables in `exclude` (migc's
 * version, history and dirty tables; each as SQL text for to_regclass, e.g.
 * `"public"."alembic_version"`). Runs in a read-only transaction.
 */
[[nodiscard]] std::vector<db_object> read_live_schema(pqxx::connection_base& cx,
                                                      std::vector<std::string> const& exclude);

/**
 * Replaces, in `model`, each column default that differs from the live one after
 * normalize_default by the server's own spelling of it: the default as the compiler wrote it,
 * stored on a temporary column of the model's type in a transaction that is rolled back, and
 * read back with pg_get_expr as the live one was (`'2020-1-1'` on a date column is
 * `'2020-01-01'::date`). The runtime never parses the SQL: the server does. Defaults the server
 * cannot store so (and servers without temporary tables, such as hot standbys) stay as written.
 */
void spell_defaults_as_the_server(pqxx::connection_base& cx, std::vector<db_object>& model,
                                  std::vector<db_object> const& live);

}  // namespace migc::runtime
