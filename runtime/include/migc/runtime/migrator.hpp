// Applies an embedded catalog to a database: status, upgrade, downgrade, stamp, resolve, verify,
// history.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <migc/runtime/catalog.hpp>
#include <migc/runtime/error.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migc::runtime {

/// Where a backfill stands, after each of its batches (options::progress).
struct backfill_progress {
  std::string revision;   ///< id of the revision whose backfill runs
  std::string table;      ///< the table it updates, "schema.table"
  std::int64_t rows = 0;  ///< rows updated so far (a resumed run counts the earlier runs' too)
  /// Rows the table holds by the planner's estimate (pg_class.reltuples); nullopt when unknown.
  std::optional<std::int64_t> estimated_rows;
  std::chrono::milliseconds elapsed{0};  ///< since this run started the backfill
  std::int64_t rows_this_run = 0;        ///< rows this run updated (the rate's numerator)
  bool done = false;                     ///< the last call: no row was left
};

/// How a migrator runs. Every field has a usable default.
struct options {
  /// Version table, optionally `schema.table`; "" = the catalog's, else `alembic_version`.
  std::string version_table;
  /**
   * Confirms that a run may create version_table (set explicitly) in a
   * schema that already has other tables: without it such a run is refused
   * (refusal new_version_table), since a mistyped name would start a second
   * history from base and run every revision again.
   */
  bool new_version_table = false;
  /// Bound on waits for table locks inside a revision (SET LOCAL lock_timeout); 0 = none.
  std::chrono::milliseconds lock_timeout{10000};
  /**
   * lock_timeout of the statements that cannot run in a transaction
   * (CREATE INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION
   * CONCURRENTLY, ...); 0 (the default) = none. Their normal work waits for
   * every transaction older than them (PostgreSQL docs, "Building Indexes
   * Concurrently"), a wait lock_timeout would cut, leaving an invalid index;
   * their SHARE UPDATE EXCLUSIVE lock does not block reads or writes.
   */
  std::chrono::milliseconds concurrent_lock_timeout{0};
  /// How often a waiting run retries the migration (advisory) lock.
  std::chrono::milliseconds lock_poll_interval{250};
  /**
   * Bound on the wait for the migration (advisory) lock; nullopt (the
   * default) waits as long as another run holds it: replicas starting
   * together should queue behind the first, not crash-loop while it works.
   * When exceeded the run throws lock_error naming the holder.
   */
  std::optional<std::chrono::milliseconds> lock_wait;
  /// Retries of a transactional revision that failed with lock_not_available (SQLSTATE 55P03),
  /// and of a statement outside a transaction that did (after dropping the indexes it left
  /// invalid).
  int lock_retries = 0;
  /// First retry delay; each further retry waits twice as long (0.5 s, 1 s, 2 s ...).
  std::chrono::milliseconds retry_backoff{500};
  /// Role the revisions run as (`SET LOCAL ROLE`, so new objects get its ownership); "" = none.
  std::string role;
  /**
   * Upgrade or downgrade in ONE transaction (like Alembic's default or
   * `psql -1`): every pending revision with its version and history update,
   * committed together or not at all. Still one round trip per revision
   * (and one for the COMMIT). A plan holding a revision that runs
   * `without transaction` is refused before anything changes, naming it.
   * A failure rolls everything back and names the failing step's file:line;
   * lock_retries then retry the whole transaction. Nothing is logged as
   * applied before the COMMIT succeeded.
   */
  bool single_transaction = false;
  /**
   * DANGEROUS: accept applied revisions whose recorded checksum differs from
   * the embedded one (an edited published revision, or another branch's
   * revision with the same id). The database keeps whatever the old SQL
   * did; the run records a 'repair' row per accepted revision so the next
   * run does not refuse.
   */
  bool allow_checksum_mismatch = false;
  /**
   * Rolling deploys: a database ahead of this binary (at a revision above
   * its head, every revision this binary knows applied with its embedded
   * checksum) is not an error for `upgrade`: nothing to do. nullopt = the
   * entry point's default: true for the start-up function upgrade(), false
   * for migrator::upgrade (the CLI's `--allow-ahead`). A database at another
   * branch's revision, or with an edited revision, is still refused.
   */
  std::optional<bool> allow_ahead;
  /**
   * A downgrade may revert revisions this binary does not embed (a newer
   * release's, another branch's) with the downgrades the history table
   * recorded when they were applied (docs/migrate.md, "Recorded
   * downgrades"): each is logged, statement by statement, before anything
   * runs. Without it such a downgrade is refused, naming them. Revisions this
   * binary embeds always run its own downgrade.
   */
  bool use_recorded_downgrades = false;
  /**
   * upgrade and downgrade only plan: they take the migration lock, check the
   * database as a run would (refusing alike), log where they would go, each
   * recorded downgrade they would use (statement by statement) and one
   * "Would upgrade 003 ..." line per revision, and change nothing (not even
   * migrate's own tables).
   */
  bool dry_run = false;
  /**
   * After a successful upgrade, downgrade or stamp (not a dry run): wait
   * until every standby connected to the primary (pg_stat_replication) has
   * replayed the primary's WAL position read after the run's last commit,
   * logging that LSN and each standby as it catches up, so the new schema
   * is visible on the standbys when the run returns. No standby connected:
   * logged, nothing to wait for. Needs superuser or pg_read_all_stats to
   * read the standbys' positions (standby_error otherwise).
   */
  bool wait_for_standbys = false;
  /// Bound on that wait; nullopt = as long as it takes. Passed: standby_error naming the
  /// standbys behind and their lag.
  std::optional<std::chrono::milliseconds> standby_timeout;
  /**
   * Set by the owner (a signal watcher) to stop the run: the migrator then
   * stops at the next check (lock polling, between revisions and
   * statements) and throws interrupted_error; the owner cancels the running
   * statement with migrator::cancel(). May be null.
   */
  std::atomic<bool> const* interrupted = nullptr;
  /// Receives progress lines ("Current database version: 001", "Applied 002 ..."); may be empty.
  std::function<void(std::string_view)> log;
  /// Receives server notices and warnings raised by revisions; may be empty (dropped).
  std::function<void(std::string_view)> notice;
  /**
   * Receives a backfill's progress after every batch (the CLI draws a bar on
   * a terminal, a line every few seconds otherwise). When empty, the
   * migrator logs a progress line through `log` every 5 seconds.
   */
  std::function<void(backfill_progress const&)> progress;
};

/// Which way a revision is applied.
enum class direction { upgrade, downgrade };

/// How `resolve` settles a revision a run left dirty (docs/migrate.md, "How a run works").
enum class resolution {
  applied,      ///< its remaining statements were completed by hand: the version moves past it
  rolled_back,  ///< what it ran was undone by hand: the version stays
  continued,    ///< migrate runs the rest of it now, then records it
};

/**
 * A non-transactional revision that stopped midway: the row of
 * `<version_table>_dirty`. Runs refuse the database until `resolve`.
 */
struct dirty_marker {
  std::string revision;               ///< id of the revision, as stored
  std::string direction;              ///< "upgrade" | "downgrade"
  std::int64_t statements_done = 0;   ///< statements that completed before the stop
  std::int64_t statements_total = 0;  ///< statements of the revision in that direction
  std::string statements;  ///< the SQL of the completed statements, each terminated by `;`
  std::string error;       ///< the server's message, "" when the process died before recording it
  std::string started_at;  ///< ISO 8601
  /// Indexes left invalid (pg_index.indisvalid = false), e.g. by a failed CREATE INDEX
  /// CONCURRENTLY: read from the catalog, not stored in the marker.
  std::vector<std::string> invalid_indexes;
  /// The server process (pg_backend_pid()) that ran the statements; 0 when an older migrate
  /// wrote the marker.
  int pid = 0;
  /// When statement statements_done + 1 was sent (ISO 8601): the one a stop interrupted, unless
  /// every statement ran; "" when an older migrate wrote the marker.
  std::string statement_started_at;
  /**
   * What pg_stat_activity says of `pid` now: "" when that server process is
   * gone (nothing of the revision is running), else its state: "active" (a
   * statement still runs: its client died less than a second ago, or a run
   * is still going), "idle", ..., or "unknown" (the login may not see it).
   */
  std::string backend_state;
};

/// What the history table recorded for one applied revision: its latest 'upgrade' or 'repair' row.
struct applied_record {
  std::string checksum;
  std::string build_id;     ///< chain_hash of the binary that wrote the row ("" when unknown)
  std::string description;  ///< the revision's description as that binary embedded it
};

/**
 * The database's state relative to the catalog. Read-only: status takes no
 * lock, creates nothing, and never refuses: what a run would refuse is in
 * `problems`.
 */
struct status_report {
  std::optional<std::string> current;  ///< version row as stored; nullopt = base
  /// Index of the current revision in the catalog; nullopt = base, or a revision this binary
  /// does not know (then `problems` says why).
  std::optional<std::size_t> at;
  std::vector<revision const*> pending;  ///< revisions an upgrade to head would apply
  bool version_table_exists = false;
  /// Set when a non-transactional revision stopped midway (runs refuse until `resolve`).
  std::optional<dirty_marker> dirty;
  /**
   * Every anomaly a run would refuse, in the order a run checks them: dirty,
   * several version rows, an unknown revision (not an id, below the first
   * revision, ahead of head, another branch), then each applied revision
   * whose checksum differs. Empty: upgrade and downgrade may run.
   */
  std::vector<refusal> problems;
  /**
   * When the database has a problem and a run holds the migration lock
   * right now: who ("pid 4242 (migrate, user deploy, local socket,
   * connected since ..., active)"). A dirty marker then most likely belongs
   * to that run's revision, which is still running, not to a failure.
   */
  std::optional<std::string> running;
};

/// One applied revision as `verify` sees it.
struct verify_entry {
  revision const* rev = nullptr;           ///< the embedded revision
  std::optional<applied_record> recorded;  ///< nullopt: no history row (e.g. applied by Alembic)
  bool matches = true;  ///< recorded checksum equals the embedded one (or nothing recorded)
};

/// One line of a drift report.
struct drift_finding {
  enum class kind {
    drift,  ///< a modelled object differs, is missing, or an object nobody modelled exists: exit 1
    /// an object a statement the model does not follow names (or its table, or its schema):
    /// reported, exit 0
    not_modelled,
  };
  kind what = kind::drift;
  std::string object;   ///< "table", "column", ...
  std::string name;     ///< how the object is named, e.g. "public.users.id"
  std::string message;  ///< the whole line, e.g. "missing column public.users.full_name"
};

/// The drift half of `verify`: the live schema against the compiler's model at the database's
/// revision.
struct drift_report {
  enum class state {
    skipped,  ///< the database is dirty or at an unknown revision
    checked,
  };
  state status = state::skipped;
  std::string at;           ///< the database's revision ("base" when none)
  std::size_t objects = 0;  ///< objects of the model compared (checked)
  std::vector<drift_finding> findings;
  /// verify(schema): the live schema compared ("" = every schema).
  std::string schema;
  /// verify(schema): the model's schema it was compared with: the same name, or `public` for a
  /// tenant's schema the model has no object in.
  std::string model_schema;
  /// True when a finding is drift (not merely not modelled or attributed to raw SQL).
  [[nodiscard]] bool has_drift() const;
};

/// What `verify` found.
struct verify_report {
  std::optional<std::string> current;  ///< version row as stored; nullopt = base
  std::vector<verify_entry> applied;   ///< root up to the current revision
  /// Set when the database is at a revision this binary does not know (what a run refuses).
  std::optional<refusal> unknown;
  std::optional<dirty_marker> dirty;
  drift_report drift;
  /// True when every recorded checksum matches, the database is neither unknown nor dirty, and
  /// the schema has no drift.
  [[nodiscard]] bool ok() const;
};

/// One row of the history table.
struct history_entry {
  std::int64_t id = 0;
  std::string applied_at;  ///< ISO 8601 with offset, in the session's time zone
  std::string direction;   ///< "upgrade" | "downgrade" | "stamp" | "repair" | "resolve"
  std::optional<std::string> revision;  ///< nullopt: stamped to base
  std::string checksum;
  std::string description;
  /// As recorded (what the progress log line showed); nullopt when none was (stamps).
  std::optional<std::chrono::microseconds> duration;
  std::string applied_by;
  std::string build_id;
};

/// One revision a run applied or reverted.
struct applied_revision {
  revision const* rev = nullptr;
  runtime::direction dir = direction::upgrade;
  /// The duration recorded in the history row, measured by the server (the log line shows it).
  std::chrono::microseconds duration{0};
};

/// What a run did.
struct run_result {
  std::string from;  ///< revision before the run, "base" for none
  std::string to;    ///< revision after the run
  std::vector<applied_revision> applied;
  /// options::wait_for_standbys: the primary's WAL position every standby replayed ("" when
  /// the run did not wait).
  std::string standby_lsn;
};

/**
 * Runs one catalog against one database, on a connection of its own. A run
 * (upgrade, downgrade, stamp, resolve) holds the migration advisory lock
 * from start to end, creates the version and history tables when missing,
 * validates the database before changing anything, then applies each
 * revision in its own transaction together with its bookkeeping. Errors are
 * migc::runtime::error.
 */
class migrator {
 public:
  /**
   * Connects to `conninfo`: a libpq URL (`postgresql://...`) or key=value
   * string; "" lets libpq read its PG* variables. Sessions show as `migrate`
   * in pg_stat_activity unless the conninfo names an application_name.
   * Throws connection_error (the message never shows a password), or error
   * for an invalid version table name.
   */
  migrator(std::string const& conninfo, catalog const& embedded, options opts = {});
  ~migrator();
  migrator(migrator const&) = delete;
  migrator& operator=(migrator const&) = delete;

  /// Current revision, pending revisions, and every anomaly; never refuses.
  [[nodiscard]] status_report status();
  /// Upgrades to `target`: `head` | `<id>` | `+N`.
  run_result upgrade(std::string_view target = "head");
  /// Downgrades to `target`: `<id>` | `-N` | `base`.
  run_result downgrade(std::string_view target);
  /// Sets the version row to `id` (or `base`) without running any SQL; records a 'stamp' row.
  run_result stamp(std::string_view id);
  /**
   * Clears the dirty marker of revision `id` after the database was repaired
   * by hand: `applied` = its remaining statements were completed (the
   * version moves past it), else everything it did was undone (the version
   * stays). Records a 'resolve' history row. Throws refusal when the
   * database is not dirty at `id`. Same as resolve(id, resolution).
   */
  run_result resolve(std::string_view id, bool applied);
  /**
   * Settles revision `id`, left dirty by a stopped `without transaction`
   * run or stopped between its phases: resolution::applied and
   * resolution::rolled_back as resolve(id, bool); resolution::continued runs
   * the rest of it (the statement a stop interrupted again, an index it left
   * invalid built again) and records it as applied (or reverted). Throws
   * refusal: not_dirty (nothing to settle at `id`), dirty (`continued` while
   * the marker's server process still runs a statement), edited_revision
   * (`continued` by a binary whose revision differs from the one that
   * stopped); revision_error when a statement fails (the marker stays).
   */
  run_result resolve(std::string_view id, resolution how);
  /// Applied revisions' recorded checksums against the embedded ones, and schema drift
  /// (read-only, no lock).
  [[nodiscard]] verify_report verify();
  /**
   * verify() scoped to one schema (schema-per-tenant databases): only the
   * live objects of `schema` and the model's objects of one schema are
   * compared; objects of other schemas, schemas and extensions are not
   * drift. The model's objects of `schema` when it has any, else those of
   * `public` (the schema a chain without schema names creates its objects
   * in; a tenant's copy is made with `search_path` set to the tenant's
   * schema), named as the tenant's objects. Live types of `schema` are
   * spelt unqualified, as the model spells public's. `current_schema` (a
   * reserved word, never a schema's name) scopes to the session's
   * current_schema(), the first existing schema of its search_path: one
   * option for a fleet of tenant URLs, each setting its own search_path.
   */
  [[nodiscard]] verify_report verify(std::string const& schema);
  /// Every history row, oldest first (empty when the history table does not exist).
  [[nodiscard]] std::vector<history_entry> history();

  /// The version table in use, as `schema.table` or `table`, unquoted.
  [[nodiscard]] std::string version_table() const;

  /**
   * Asks the server to cancel the statement running on this migrator's
   * connection (libpq's cancel request, on a socket of its own): safe from
   * another thread, e.g. a signal watcher that also sets
   * options::interrupted. Does nothing when no statement runs.
   */
  void cancel() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> m_impl;
};

/**
 * Start-up use: upgrades the database at `conninfo` (as migrator's
 * constructor reads it) to head, logging through `opts.log`
 * "Current database version: 001", "Latest migration version: 003" and
 * either "Database is already at latest version" or one line per applied
 * revision. Unless `opts.allow_ahead` says otherwise, a database ahead of
 * this binary (a newer release ran first during a rolling deploy) is not an
 * error: "Database is at 008, ahead of this binary (head 007): nothing to do".
 */
run_result upgrade(std::string const& conninfo, catalog const& embedded, options const& opts = {});

}  // namespace migc::runtime
