#!/usr/bin/env bash
# Online benchmark: how long the application waits while a migration runs. A 1,000,000-row
# `orders` table and a 100,000-row `accounts` table under constant pgbench traffic (app.sql:
# short reads and writes on both) while each change of migrations/ runs twice: as plain DDL in
# one transaction (what Alembic's ops emit), and as migc plans it (`migrate upgrade <revision>`).
# Prints one table: per change and variant, the application's p50 / p99 / max transaction
# latency during the change, the longest lock wait seen in pg_stat_activity, failed
# transactions, and the change's duration; plus a baseline without a change. See README.md.
#
#   bench/online/run.sh [BUILD_DIR]    # BUILD_DIR: a migc build (default build-bench)
#
# Environment: ROWS (1000000) and ACCOUNTS (100000) rows; CLIENTS (16) pgbench clients at RATE
# (400) transactions per second in all; LEAD (2) seconds of traffic before each change;
# LOCK_TIMEOUT (100ms) and LOCK_RETRIES (10) for migrate; MIGRATE: a migrate binary built for
# migrations/ instead of building one; KEEP=1 keeps the scratch folder (pgbench logs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/online
build=$(cd "${1:-$root/build-bench}" && pwd)
rows=${ROWS:-1000000}
accounts=${ACCOUNTS:-100000}
clients=${CLIENTS:-16}
rate=${RATE:-400}
lead=${LEAD:-2}
pgbin=/usr/lib/postgresql/15/bin
psql=$pgbin/psql
pgbench=$pgbin/pgbench

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_start_cluster online-bench
sql() { "$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d bench "$@"; }
"$psql" -X -q -h "$sock" -U "$user" -d postgres -c "CREATE DATABASE bench"

bench_build_migrate "$here/migrations" bench::online
url=$(url_for bench)
run_migrate() {
  "$migrate" --database-url "$url" --lock-timeout "${LOCK_TIMEOUT:-100ms}" \
    --lock-retries "${LOCK_RETRIES:-10}" "$@" >>"$work/migrate.log" 2>&1
}

echo "== loading $rows orders and $accounts accounts" >&2
run_migrate upgrade 001
sql <<SQL
INSERT INTO accounts (id, name) SELECT g, 'account ' || g FROM generate_series(1, $accounts) g;
INSERT INTO orders SELECT g, 1 + g % $accounts, 'code-' || g, g, g % 100, 'note ' || g
  FROM generate_series(1, $rows) g;
VACUUM ANALYZE accounts, orders;
CREATE TABLE bench_stop ();
SQL

# The longest wait for a lock of any pgbench session, sampled every 5 ms until bench_stop has a
# row. A procedure that commits after each sample: one long transaction would hold back
# CREATE INDEX CONCURRENTLY, which waits for every older transaction.
sql <<'SQL'
CREATE PROCEDURE bench_sample_lock_waits() LANGUAGE plpgsql AS $$
DECLARE longest double precision := 0; now_waiting double precision;
BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();
    SELECT coalesce(max(extract(epoch FROM clock_timestamp() - state_change) * 1000), 0)
      INTO now_waiting FROM pg_stat_activity
      WHERE wait_event_type = 'Lock' AND application_name = 'pgbench';
    longest := greatest(longest, now_waiting);
    EXIT WHEN EXISTS (SELECT FROM bench_stop);
    COMMIT;
    PERFORM pg_sleep(0.005);
  END LOOP;
  RAISE NOTICE 'longest_lock_wait_ms=%', round(longest::numeric, 1);
END $$;
SQL
sampler() {
  sql -c "DELETE FROM bench_stop" -c "CALL bench_sample_lock_waits()" 2>&1 |
    sed -n 's/.*longest_lock_wait_ms=//p'
}

results=$work/results.tsv
: >"$results"
# measure NAME VARIANT COMMAND...: pgbench traffic, LEAD seconds, the change, then the figures.
measure() {
  local name=$1 variant=$2
  shift 2
  local tag=$name.$variant
  mkdir -p "$work/log"
  "$pgbench" -n -f "$here/app.sql" -c "$clients" -j 2 -R "$rate" -T 3600 -l \
    --log-prefix="$work/log/$tag" -h "$sock" -U "$user" bench >"$work/log/$tag.out" 2>&1 &
  local bench_pid=$!
  sampler >"$work/log/$tag.wait" &
  local sampler_pid=$!
  sleep "$lead"
  local t0 t1 status=ok
  t0=$(bench_now)
  "$@" || status=failed
  t1=$(bench_now)
  [ "$name" = baseline ] || sleep 0.5  # the transactions the change held finish
  sql -c "INSERT INTO bench_stop DEFAULT VALUES"
  wait "$sampler_pid" || true
  kill -ALRM "$bench_pid"  # pgbench ends its -T run early and writes its logs
  wait "$bench_pid" || true
  local failed
  failed=$(grep -c "aborted\|ERROR" "$work/log/$tag.out" || true)
  python3 "$here/figures.py" "$tag" "$t0" "$t1" "$(cat "$work/log/$tag.wait")" "$failed" \
    "$status" "$work/log/$tag".* >>"$results"
  echo "   $(tail -1 "$results")" >&2
}

# The plain DDL of each change and how it is undone before migc's plan runs.
naive() { sql -c "BEGIN" -c "$1" -c "COMMIT"; }
undo() { sql -c "$1"; }

echo "== measuring (clients $clients, $rate tx/s)" >&2
measure baseline none sleep "${BASELINE:-10}"
measure foreign_key plain naive "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts"
undo "ALTER TABLE orders DROP CONSTRAINT orders_account_fk"
measure foreign_key migc run_migrate upgrade 002
measure set_not_null plain naive "ALTER TABLE orders ALTER COLUMN note SET NOT NULL"
undo "ALTER TABLE orders ALTER COLUMN note DROP NOT NULL"
measure set_not_null migc run_migrate upgrade 003
measure unique plain naive "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code)"
undo "ALTER TABLE orders DROP CONSTRAINT orders_code_key"
measure unique migc run_migrate upgrade 004
measure create_index plain naive "CREATE INDEX orders_total ON orders (total)"
undo "DROP INDEX orders_total"
measure create_index migc run_migrate upgrade 005
measure type_change plain naive "ALTER TABLE orders ALTER COLUMN qty TYPE bigint"
undo "ALTER TABLE orders ALTER COLUMN qty TYPE int"
measure type_change migc run_migrate upgrade 006
measure backfill plain naive "ALTER TABLE orders ADD COLUMN score int; UPDATE orders SET score = qty * 2"
undo "ALTER TABLE orders DROP COLUMN score"
measure backfill migc run_migrate upgrade 007

echo
printf '%-13s %-7s %9s %9s %9s %10s %7s %9s %s\n' change variant p50_ms p99_ms max_ms lock_wait errors change_s txns
sort -s -k1,1 "$results" | awk 'BEGIN { OFS = "" } { printf "%-13s %-7s %9s %9s %9s %10s %7s %9s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
