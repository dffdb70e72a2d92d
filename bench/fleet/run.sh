#!/usr/bin/env bash
# Fleets: DBS databases (default 100) brought from base to the head of a REVISIONS-revision chain
# (default 20) by one `migrate --jobs JOBS upgrade` (default 8) over a URLs file, against a
# sequential shell loop running `migrate upgrade` once per database, and `--jobs 1` (the same
# work in one process, one database at a time). Every round starts from freshly created
# databases; the minimum of ROUNDS (default 3) is taken. See bench/README.md, "Fleet bench".
#
#   bench/fleet/run.sh [BUILD_DIR]     # BUILD_DIR: a migc build (default build-bench)
#
# MIGRATE: use this migrate binary (built for `bench/gen_chain.py DIR $REVISIONS`) instead of
# building one; KEEP=1 keeps the scratch folder. Starts its own scripts/pg-cluster (fsync on)
# and stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build-bench}" && pwd)
dbs=${DBS:-100}
revisions=${REVISIONS:-20}
jobs=${JOBS:-8}
rounds=${ROUNDS:-3}
psql=/usr/lib/postgresql/15/bin/psql

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_start_cluster fleet-bench
python3 "$root/bench/gen_chain.py" "$work/migrations" "$revisions" >/dev/null
bench_build_migrate "$work/migrations" bench::fleet
admin() { PGOPTIONS="-c client_min_messages=warning" "$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d postgres >/dev/null; }
names=()
for i in $(seq -f '%03g' 1 "$dbs"); do names+=("fleet_$i"); done
: >"$work/urls"
for name in "${names[@]}"; do
  url_for "$name" >>"$work/urls"
done

fresh_databases() {
  {
    for name in "${names[@]}"; do
      echo "DROP DATABASE IF EXISTS $name;"
      echo "CREATE DATABASE $name;"
    done
  } | admin
}
check_all_at_head() {
  "$migrate" --database-urls-file "$work/urls" --jobs "$jobs" status --check >/dev/null ||
    { echo "fleet bench: not every database is at head after $1" >&2; exit 1; }
}

loop_times=() fleet1_times=() fleet_times=()
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds: $dbs databases x $revisions revisions" >&2
  fresh_databases
  t0=$(bench_now)
  while read -r url; do "$migrate" --database-url "$url" upgrade >/dev/null; done <"$work/urls"
  loop_times+=("$(bench_seconds "$t0" "$(bench_now)")")
  check_all_at_head "the shell loop"

  fresh_databases
  t0=$(bench_now)
  "$migrate" --database-urls-file "$work/urls" --jobs 1 upgrade >/dev/null
  fleet1_times+=("$(bench_seconds "$t0" "$(bench_now)")")
  check_all_at_head "--jobs 1"

  fresh_databases
  t0=$(bench_now)
  "$migrate" --database-urls-file "$work/urls" --jobs "$jobs" upgrade --report "$work/report.json" >/dev/null
  fleet_times+=("$(bench_seconds "$t0" "$(bench_now)")")
  check_all_at_head "--jobs $jobs"
done

python3 - "$dbs" "$revisions" "$jobs" "$(nproc)" "${loop_times[*]}" "${fleet1_times[*]}" "${fleet_times[*]}" <<'PY'
import sys
dbs, revisions, jobs, cores = (int(x) for x in sys.argv[1:5])
loop, one, many = ([float(t) for t in arg.split()] for arg in sys.argv[5:8])
best = {"sequential shell loop (one migrate per database)": min(loop),
        "migrate --jobs 1 (one process, one database at a time)": min(one),
        f"migrate --jobs {jobs}": min(many)}
print(f"\n{dbs} databases x {revisions} revisions, {cores} cores, min of {len(loop)} rounds")
print(f"{'':56}{'total s':>10}{'ms/db':>9}{'vs loop':>9}")
for name, t in best.items():
    print(f"{name:56}{t:10.2f}{1000 * t / dbs:9.1f}{min(loop) / t:8.2f}x")
print(f"rounds: loop {loop}, --jobs 1 {one}, --jobs {jobs} {many}")
PY
