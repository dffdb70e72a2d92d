// Hand-built catalogs for the runtime tests: what the compiler would emit, without the compiler.
#pragma once

#include <cstddef>

#include <migc/runtime/catalog.hpp>

namespace migc::test {

using runtime::array_view;
using runtime::catalog;
using runtime::revision;
using runtime::step;

template <typename T, std::size_t N>
constexpr array_view<T> view(T const (&items)[N]) {
  return {items, N};
}

inline constexpr step r001_up[] = {
    {"CREATE TABLE users (\n  id text PRIMARY KEY,\n  first_name text NOT NULL,\n"
     "  last_name text NOT NULL\n)",
     5},
    {"CREATE TABLE memories (id text PRIMARY KEY, user_id text NOT NULL REFERENCES users(id) "
     "ON DELETE CASCADE, content text NOT NULL, task_id text, "
     "created_at timestamptz NOT NULL DEFAULT now())",
     10},
    {"CREATE INDEX memories_task_id ON memories (task_id) -- looked up by task", 17}};
inline constexpr step r001_down[] = {{"DROP TABLE memories", 5}, {"DROP TABLE users", 5}};
inline constexpr step r002_up[] = {{"ALTER TABLE memories ADD COLUMN new_field text", 5}};
inline constexpr step r002_down[] = {{"ALTER TABLE memories DROP COLUMN new_field", 5}};
inline constexpr step r003_up[] = {
    {"ALTER TABLE users ADD COLUMN full_name text", 5, "ACCESS EXCLUSIVE", false},
    {"UPDATE users SET full_name = first_name || ' ' || last_name\nWHERE full_name IS NULL;", 6,
     "unknown", false}};
inline constexpr step r003_down[] = {
    {"ALTER TABLE users DROP COLUMN full_name", 11, "ACCESS EXCLUSIVE", false}};

/// The reference application: 001 → 002 → 003, all reversible and transactional.
inline constexpr revision app_revisions[] = {
    {"001", 1, "", "Initial schema", "20250101_0900-001_initial_schema.mig", 2,
     "sha256:1111111111111111111111111111111111111111111111111111111111111111", true, true,
     view(r001_up), view(r001_down)},
    {"002", 2, "001", "Add new_field to memories", "20250101_1200-002_add_new_field.mig", 2,
     "sha256:2222222222222222222222222222222222222222222222222222222222222222", true, true,
     view(r002_up), view(r002_down)},
    {"003", 3, "002", "Backfill users.full_name", "20250102_0800-003_backfill_full_name.mig", 2,
     "sha256:3333333333333333333333333333333333333333333333333333333333333333", true, true,
     view(r003_up), view(r003_down)},
};
inline constexpr catalog app{view(app_revisions), "sha256:chain-app", "alembic_version",
                             "migrations"};

/// 002 edited after it was published: same id, another checksum.
inline constexpr revision edited_revisions[] = {
    app_revisions[0],
    {"002", 2, "001", "Add new_field to memories", "20250101_1200-002_add_new_field.mig", 2,
     "sha256:2222222222222222222222222222222222222222222222222222222222220000", true, true,
     view(r002_up), view(r002_down)},
    app_revisions[2],
};
inline constexpr catalog edited{view(edited_revisions), "sha256:chain-edited", "alembic_version",
                                "migrations"};

/// 003's second step fails (a column that does not exist), after its first step succeeded.
inline constexpr step bad003_up[] = {{"ALTER TABLE users ADD COLUMN full_name text", 5},
                                     {"SELECT 1", 6},
                                     {"UPDATE users SET nope = 1", 7}};
inline constexpr revision failing_revisions[] = {
    app_revisions[0],
    app_revisions[1],
    {"003", 3, "002", "Backfill users.full_name", "20250102_0800-003_backfill_full_name.mig", 2,
     "sha256:3333333333333333333333333333333333333333333333333333333333333333", true, true,
     view(bad003_up), view(r003_down)},
};
inline constexpr catalog failing{view(failing_revisions), "sha256:chain-failing",
                                 "alembic_version", "migrations"};

/// 002 is irreversible; 004 runs outside a transaction (CREATE INDEX CONCURRENTLY).
inline constexpr step r002_data_up[] = {{"INSERT INTO users VALUES ('u1', 'Ada', 'Lovelace')", 4}};
inline constexpr step r004_up[] = {
    {"CREATE INDEX CONCURRENTLY users_last_name ON users (last_name)", 4}};
inline constexpr step r004_down[] = {{"DROP INDEX CONCURRENTLY users_last_name", 4}};
inline constexpr revision mixed_revisions[] = {
    app_revisions[0],
    {"002", 2, "001", "Seed the first user", "20250101_1200-002_seed.mig", 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222229", true, false,
     view(r002_data_up), {}},
    {"003", 3, "002", "Backfill users.full_name", "20250102_0800-003_backfill_full_name.mig", 2,
     "sha256:3333333333333333333333333333333333333333333333333333333333333333", true, true,
     view(r003_up), view(r003_down)},
    {"004", 4, "003", "Index users by last name", "20250103_0800-004_index_last_name.mig", 1,
     "sha256:4444444444444444444444444444444444444444444444444444444444444444", false, true,
     view(r004_up), view(r004_down)},
};
inline constexpr catalog mixed{view(mixed_revisions), "sha256:chain-mixed", "alembic_version",
                               "migrations"};

/// A squashed baseline starting at 050.
inline constexpr revision baseline_revisions[] = {
    {"050", 50, "", "Baseline", "20250101_0900-050_baseline.mig", 1,
     "sha256:5050505050505050505050505050505050505050505050505050505050505050", true, true,
     view(r001_up), view(r001_down)},
    {"051", 51, "050", "Add new_field", "20250101_1200-051_add_new_field.mig", 1,
     "sha256:5151515151515151515151515151515151515151515151515151515151515151", true, true,
     view(r002_up), view(r002_down)},
};
inline constexpr catalog baseline{view(baseline_revisions), "sha256:chain-baseline",
                                  "alembic_version", ""};

/// 002 seeds two users with the same last name; 003 runs outside a transaction and fails at its
/// second statement (a unique index over duplicates), leaving that index invalid.
inline constexpr step seed_dupes_up[] = {
    {"INSERT INTO users VALUES ('u1', 'Ada', 'Lovelace'), ('u2', 'Byron', 'Lovelace')", 4}};
inline constexpr step seed_dupes_down[] = {{"DELETE FROM users", 4}};
inline constexpr step index_dupes_up[] = {
    {"CREATE INDEX CONCURRENTLY users_first ON users (first_name)", 4},
    {"CREATE UNIQUE INDEX CONCURRENTLY users_last_unique ON users (last_name)", 5}};
inline constexpr step index_dupes_down[] = {{"DROP INDEX CONCURRENTLY users_last_unique", 4},
                                            {"DROP INDEX CONCURRENTLY users_first", 5}};
inline constexpr revision dirty_revisions[] = {
    app_revisions[0],
    {"002", 2, "001", "Seed two users", "20250101_1200-002_seed.mig", 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222228", true, true,
     view(seed_dupes_up), view(seed_dupes_down)},
    {"003", 3, "002", "Index users", "20250102_0800-003_index_users.mig", 1,
     "sha256:3333333333333333333333333333333333333333333333333333333333333338", false, true,
     view(index_dupes_up), view(index_dupes_down)},
};
inline constexpr catalog dirty{view(dirty_revisions), "sha256:chain-dirty", "alembic_version",
                               "migrations"};

/// 002 runs outside a transaction and takes a while before its CREATE INDEX CONCURRENTLY.
inline constexpr step slow_index_up[] = {
    {"SELECT pg_sleep(1)", 4},
    {"CREATE INDEX CONCURRENTLY users_last_name ON users (last_name)", 5}};
inline constexpr step slow_index_down[] = {{"DROP INDEX CONCURRENTLY users_last_name", 4}};
inline constexpr revision slow_index_revisions[] = {
    app_revisions[0],
    {"002", 2, "001", "Index users slowly", "20250101_1200-002_index_slowly.mig", 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222227", false, true,
     view(slow_index_up), view(slow_index_down)},
};
inline constexpr catalog slow_index{view(slow_index_revisions), "sha256:chain-slow-index",
                                    "alembic_version", "migrations"};

/// 002 sleeps for 30 s inside its transaction: the signal tests interrupt it.
inline constexpr step sleepy_up[] = {{"SELECT pg_sleep(30)", 4}};
inline constexpr step sleepy_down[] = {{"SELECT 1", 4}};
inline constexpr revision sleepy_revisions[] = {
    app_revisions[0],
    {"002", 2, "001", "Sleep for 30 s", "20250101_1200-002_sleep.mig", 1,
     "sha256:2222222222222222222222222222222222222222222222222222222222222226", true, true,
     view(sleepy_up), view(sleepy_down)},
};
inline constexpr catalog sleepy{view(sleepy_revisions), "sha256:chain-sleepy", "alembic_version",
                                "migrations"};

}  // namespace migc::test
