// Hand-built catalogs for the runtime tests: what the compiler would emit, without the compiler.
#pragma once

#include <cstddef>
#include <migc/runtime/catalog.hpp>

namespace migc::test {

using runtime::array_view;
using runtime::catalog;
using runtime::revision;
using runtime::step;
using runtime::text;
using namespace runtime::literals;

template <typename T, std::size_t N>
constexpr array_view<T> view(T const (&items)[N]) {
  return {items, N};
}

using runtime::lock_level;

inline constexpr step r001_up[] = {
    {"CREATE TABLE users (\n  id text PRIMARY KEY,\n  first_name text NOT NULL,\n"
     "  last_name text NOT NULL\n)"_text,
     5, lock_level::none},
    {"CREATE TABLE memories (id text PRIMARY KEY, user_id text NOT NULL REFERENCES users(id) "
     "ON DELETE CASCADE, content text NOT NULL, task_id text, "
     "created_at timestamptz NOT NULL DEFAULT now())"_text,
     10, lock_level::share_row_exclusive},
    {"CREATE INDEX memories_task_id ON memories (task_id) -- looked up by task"_text, 17,
     lock_level::share}};
inline constexpr step r001_down[] = {{"DROP TABLE memories"_text, 5, lock_level::access_exclusive},
                                     {"DROP TABLE users"_text, 5, lock_level::access_exclusive}};
inline constexpr step r002_up[] = {
    {"ALTER TABLE memories ADD COLUMN new_field text"_text, 5, lock_level::access_exclusive}};
inline constexpr step r002_down[] = {
    {"ALTER TABLE memories DROP COLUMN new_field"_text, 5, lock_level::access_exclusive}};
inline constexpr step r003_up[] = {
    {"ALTER TABLE users ADD COLUMN full_name text"_text, 5, lock_level::access_exclusive, false},
    {"UPDATE users SET full_name = first_name || ' ' || last_name\nWHERE full_name IS NULL;"_text,
     6, lock_level::unknown, false}};
inline constexpr step r003_down[] = {
    {"ALTER TABLE users DROP COLUMN full_name"_text, 11, lock_level::access_exclusive, false}};

/// The reference application: 001 → 002 → 003, all reversible and transactional.
inline constexpr revision app_revisions[] = {
    {"001"_text, 1, ""_text, "Initial schema"_text, "20250101_0900-001_initial_schema.mig"_text, 2,
     "sha256:1111111111111111111111111111111111111111111111111111111111111111"_text, true, true,
     view(r001_up), view(r001_down)},
    {"002"_text, 2, "001"_text, "Add new_field to memories"_text,
     "20250101_1200-002_add_new_field.mig"_text, 2,
     "sha256:2222222222222222222222222222222222222222222222222222222222222222"_text, true, true,
     view(r002_up), view(r002_down)},
    {"003"_text, 3, "002"_text, "Backfill users.full_name"_text,
     "20250102_0800-003_backfill_full_name.mig"_text, 2,
     "sha256:3333333333333333333333333333333333333333333333333333333333333333"_text, true, true,
     view(r003_up), view(r003_down)},
};
/// What the compiler's model says each revision of `app` changed (catalog::schema_history).
inline constexpr char app_schema_history[] =
    "revision\t\t001\t\t\t\t0\t0\n"
    "table\t\tpublic.users\t\t\t\t0\t0\n"
    "column\tpublic.users\tid\ttext\t\t\t1\t0\n"
    "column\tpublic.users\tfirst_name\ttext\t\t\t1\t0\n"
    "column\tpublic.users\tlast_name\ttext\t\t\t1\t0\n"
    "constraint\tpublic.users\tusers_pkey\tprimary key\tid\t\t0\t0\n"
    "table\t\tpublic.memories\t\t\t\t0\t0\n"
    "column\tpublic.memories\tid\ttext\t\t\t1\t0\n"
    "column\tpublic.memories\tuser_id\ttext\t\t\t1\t0\n"
    "column\tpublic.memories\tcontent\ttext\t\t\t1\t0\n"
    "column\tpublic.memories\ttask_id\ttext\t\t\t0\t0\n"
    "column\tpublic.memories\tcreated_at\ttimestamp with time zone\t\tnow()\t1\t0\n"
    "constraint\tpublic.memories\tmemories_pkey\tprimary key\tid\t\t0\t0\n"
    "constraint\tpublic.memories\tmemories_user_id_fkey\tforeign key\t(user_id) references "
    "public.users (id) on delete cascade on update no action\t\t0\t0\n"
    "index\tpublic.memories\tpublic.memories_task_id\tindex\ttask_id\t\t0\t0\n"
    "revision\t\t002\t\t\t\t0\t0\n"
    "column\tpublic.memories\tnew_field\ttext\t\t\t0\t0\n"
    "revision\t\t003\t\t\t\t0\t0\n"
    "column\tpublic.users\tfull_name\ttext\t\t\t0\t0\n";

inline constexpr catalog app{view(app_revisions), "sha256:chain-app"_text, "alembic_version"_text,
                             "migrations"_text,
                             std::string_view(app_schema_history, sizeof app_schema_history - 1)};

/// 002 edited after it was published: same id, another checksum.
inline constexpr revision edited_revisions[] = {
    app_revisions[0],
    {"002"_text, 2, "001"_text, "Add new_field to memories"_text,
     "20250101_1200-002_add_new_field.mig"_text, 2,
     "sha256:2222222222222222222222222222222222222222222222222222222222220000"_text, true, true,
     view(r002_up), view(r002_down)},
    app_revisions[2],
};
inline constexpr catalog edited{
    view(edited_revisions), "sha256:chain-edited"_text, "alembic_version"_text, "migrations"_text,
    std::string_view(app_schema_history, sizeof app_schema_history - 1)};

/// 003's second step fails (a column that does not exist), after its first step succeeded.
inline constexpr step bad003_up[] = {{"ALTER TABLE users ADD COLUMN full_name text"_text, 5},
                                     {"SELECT 1"_text, 6},
                                     {"UPDATE users SET nope = 1"_text, 7}};
inline constexpr revision failing_revisions[] = {
    app_revisions[0],
    app_revisions[1],
    {"003"_text, 3, "002"_text, "Backfill users.full_name"_text,
     "20250102_0800-003_backfill_full_name.mig"_text, 2,
     "sha256:3333333333333333333333333333333333333333333333333333333333333333"_text, true, true,
     view(bad003_up), view(r003_down)},
};
inline constexpr catalog failing{view(failing_revisions), "sha256:chain-failing"_text,
                                 "alembic_version"_text, "migrations"_text};

/// 002 is irreversible; 004 runs outside a transaction (CREATE INDEX CONCURRENTLY).
inline constexpr step r002_data_up[] = {
    {"INSERT INTO users VALUES ('u1', 'Ada', 'Lovelace')"_text, 4}};
inline constexpr step r004_up[] = {
    {"CREATE INDEX CONCURRENTLY users_last_name ON users (last_name)"_text, 4}};
inline constexpr step r004_down[] = {{"DROP INDEX CONCURRENTLY users_last_name"_text, 4}};
inline constexpr revision mixed_revisions[] = {
    app_revisions[0],
    {"002"_text,
     2,
     "001"_text,
     "Seed the first user"_text,
     "20250101_1200-002_seed.mig"_text,
     1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222229"_text,
     true,
     false,
     view(r002_data_up),
     {}},
    {"003"_text, 3, "002"_text, "Backfill users.full_name"_text,
     "20250102_0800-003_backfill_full_name.mig"_text, 2,
     "sha256:3333333333333333333333333333333333333333333333333333333333333333"_text, true, true,
     view(r003_up), view(r003_down)},
    {"004"_text, 4, "003"_text, "Index users by last name"_text,
     "20250103_0800-004_index_last_name.mig"_text, 1,
     "sha256:4444444444444444444444444444444444444444444444444444444444444444"_text, false, true,
     view(r004_up), view(r004_down)},
};
inline constexpr catalog mixed{view(mixed_revisions), "sha256:chain-mixed"_text,
                               "alembic_version"_text, "migrations"_text};

/// A squashed baseline starting at 050.
inline constexpr revision baseline_revisions[] = {
    {"050"_text, 50, ""_text, "Baseline"_text, "20250101_0900-050_baseline.mig"_text, 1,
     "sha256:5050505050505050505050505050505050505050505050505050505050505050"_text, true, true,
     view(r001_up), view(r001_down)},
    {"051"_text, 51, "050"_text, "Add new_field"_text, "20250101_1200-051_add_new_field.mig"_text,
     1, "sha256:5151515151515151515151515151515151515151515151515151515151515151"_text, true, true,
     view(r002_up), view(r002_down)},
};
inline constexpr catalog baseline{view(baseline_revisions), "sha256:chain-baseline"_text,
                                  "alembic_version"_text, ""_text};

/// 002 seeds two users with the same last name; 003 runs outside a transaction and fails at its
/// second statement (a unique index over duplicates), leaving that index invalid.
inline constexpr step seed_dupes_up[] = {
    {"INSERT INTO users VALUES ('u1', 'Ada', 'Lovelace'), ('u2', 'Byron', 'Lovelace')"_text, 4}};
inline constexpr step seed_dupes_down[] = {{"DELETE FROM users"_text, 4}};
inline constexpr step index_dupes_up[] = {
    {"CREATE INDEX CONCURRENTLY users_first ON users (first_name)"_text, 4},
    {"CREATE UNIQUE INDEX CONCURRENTLY users_last_unique ON users (last_name)"_text, 5}};
inline constexpr step index_dupes_down[] = {{"DROP INDEX CONCURRENTLY users_last_unique"_text, 4},
                                            {"DROP INDEX CONCURRENTLY users_first"_text, 5}};
inline constexpr revision dirty_revisions[] = {
    app_revisions[0],
    {"002"_text, 2, "001"_text, "Seed two users"_text, "20250101_1200-002_seed.mig"_text, 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222228"_text, true, true,
     view(seed_dupes_up), view(seed_dupes_down)},
    {"003"_text, 3, "002"_text, "Index users"_text, "20250102_0800-003_index_users.mig"_text, 1,
     "sha256:3333333333333333333333333333333333333333333333333333333333333338"_text, false, true,
     view(index_dupes_up), view(index_dupes_down)},
};
inline constexpr catalog dirty{view(dirty_revisions), "sha256:chain-dirty"_text,
                               "alembic_version"_text, "migrations"_text};

/// 002 runs outside a transaction and takes a while before its CREATE INDEX CONCURRENTLY.
inline constexpr step slow_index_up[] = {
    {"SELECT pg_sleep(1)"_text, 4},
    {"CREATE INDEX CONCURRENTLY users_last_name ON users (last_name)"_text, 5,
     lock_level::share_update_exclusive, false, runtime::statement_kind::schema, true,
     "public.users_last_name"_text}};
inline constexpr step slow_index_down[] = {{"DROP INDEX CONCURRENTLY users_last_name"_text, 4}};
inline constexpr revision slow_index_revisions[] = {
    app_revisions[0],
    {"002"_text, 2, "001"_text, "Index users slowly"_text,
     "20250101_1200-002_index_slowly.mig"_text, 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222227"_text, false, true,
     view(slow_index_up), view(slow_index_down)},
};
inline constexpr catalog slow_index{view(slow_index_revisions), "sha256:chain-slow-index"_text,
                                    "alembic_version"_text, "migrations"_text};

/// 002 sleeps for 30 s inside its transaction: the signal tests interrupt it.
inline constexpr step sleepy_up[] = {{"SELECT pg_sleep(30)"_text, 4}};
inline constexpr step sleepy_down[] = {{"SELECT 1"_text, 4}};
inline constexpr revision sleepy_revisions[] = {
    app_revisions[0],
    {"002"_text, 2, "001"_text, "Sleep for 30 s"_text, "20250101_1200-002_sleep.mig"_text, 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222226"_text, true, true,
     view(sleepy_up), view(sleepy_down)},
};
inline constexpr catalog sleepy{view(sleepy_revisions), "sha256:chain-sleepy"_text,
                                "alembic_version"_text, "migrations"_text};

/**
 * Revision 002 on top of app's 001, for tests about how one revision runs or
 * is shown: its description, steps, and whether (and why not) it reverses.
 */
constexpr revision on_top_of_001(text description, array_view<step> upgrade = {},
                                 bool reversible = true, text irreversible_reason = {}) {
  return {"002"_text,
          2,
          "001"_text,
          description,
          "20250101_1200-002_test.mig"_text,
          1,
          "sha256:2"_text,
          true,
          reversible,
          upgrade,
          {},
          irreversible_reason};
}

/// A catalog of test revisions (version table alembic_version, folder migrations).
template <std::size_t N>
constexpr catalog catalog_of(revision const (&revisions)[N]) {
  return {view(revisions), "sha256:test"_text, "alembic_version"_text, "migrations"_text};
}

}  // namespace migc::test
