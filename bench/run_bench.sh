#!/usr/bin/env bash
# Run-side benchmarks on a real PostgreSQL 15 (scripts/pg-cluster, default durability): 1,000
# trivial revisions applied by psql, `migrate upgrade` (one transaction per revision, and
# --single-transaction), Alembic and dbmate; `status` of an up-to-date database (the shared and
# the static migrate). See bench/README.md.
#
#   bench/run_bench.sh [BUILD_DIR]     # BUILD_DIR: a migc build (default build-bench)
#
# Environment: ROUNDS (default 5) interleaved apply rounds, min taken; STATUS_RUNS (default
# 21) runs per status command, median taken; N (default 1000) revisions; MIGRATE: use this
# migrate binary (built for the same chain) instead of building one; GEN_FLAGS is passed to
# gen_chain.py for migrate's chain (--declarative, --mix 0.5; the other tools run raw SQL);
# STATIC=0 skips building a static migrate (add_migrations(... STATIC)) for the status figure;
# KEEP=1 keeps the scratch folder. Needs python3-alembic, python3-psycopg2 and dbmate under bench/.tools (README).
set -euo pipefail
read -r -a gen_flags <<<"${GEN_FLAGS:-}"  # extra gen_chain.py arguments
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build-bench}" && pwd)
rounds=${ROUNDS:-5}
status_runs=${STATUS_RUNS:-21}
n=${N:-1000}
psql=/usr/lib/postgresql/15/bin/psql  # Debian's /usr/bin/psql is a Perl wrapper (~20 ms a start)
dbmate=$root/bench/.tools/node_modules/@dbmate/linux-x64/bin/dbmate
# Debian's python3-alembic (no /usr/bin/alembic: that is the `alembic` package) under Debian's
# python, not whatever python3 comes first in PATH.
alembic=(/usr/bin/python3 -m alembic)
/usr/bin/python3 -c 'import alembic, psycopg2' 2>/dev/null ||
  { echo "run_bench: needs apt-get install python3-alembic python3-psycopg2" >&2; exit 2; }
[ -x "$dbmate" ] || { echo "run_bench: needs dbmate: npm install --prefix $root/bench/.tools dbmate" >&2; exit 2; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_start_cluster run-bench
admin() { "$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d postgres "$@" >/dev/null; }

echo "== preparing $n revisions for every tool" >&2
python3 "$root/bench/gen_chain.py" "$work/migrations" "$n" "${gen_flags[@]}"
python3 - "$work" "$n" <<'EOF'
# psql scripts, an Alembic environment and a dbmate folder holding the same chain as migrations/.
import pathlib, sys
work, n = pathlib.Path(sys.argv[1]), int(sys.argv[2])
create = lambda i: f"CREATE TABLE t{i:06d} (id bigint primary key, name text)"
drop = lambda i: f"DROP TABLE t{i:06d}"
(work / "per_revision.sql").write_text("".join(f"BEGIN;\n{create(i)};\nCOMMIT;\n" for i in range(1, n + 1)))
(work / "one_transaction.sql").write_text("".join(f"{create(i)};\n" for i in range(1, n + 1)))

al = work / "alembic"
(al / "versions").mkdir(parents=True)
(al / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s\n")
(al / "env.py").write_text('''import os
from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["BENCH_ALEMBIC_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    # One transaction per revision, as migc and the psql per-revision baseline do.
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
''')
(al / "script.py.mako").write_text("")
width = max(4, len(str(n)))
for i in range(1, n + 1):
    down = "None" if i == 1 else repr(f"{i - 1:0{width}d}")
    (al / "versions" / f"{i:0{width}d}_create_t{i:06d}.py").write_text(
        f'"""Create t{i:06d}"""\nfrom alembic import op\n\n'
        f'revision = "{i:0{width}d}"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\n'
        f'def upgrade():\n    op.execute("{create(i)}")\n\n\ndef downgrade():\n    op.execute("{drop(i)}")\n')

db = work / "dbmate"
db.mkdir()
for i in range(1, n + 1):
    (db / f"{20250101000000 + i}_create_t{i:06d}.sql").write_text(
        f"-- migrate:up\n{create(i)};\n\n-- migrate:down\n{drop(i)};\n")
EOF

static=${STATIC:-1}
static_line=()
if [ "$static" = 1 ] && [ -z "${MIGRATE:-}" ]; then
  static_line=("add_migrations(migrate_static DIRECTORY \"$work/migrations\" NAMESPACE bench::db_static STATIC)")
fi
bench_build_migrate "$work/migrations" bench::db "${static_line[@]}"
[ ${#static_line[@]} = 0 ] || migrate_static=$work/project/build/migrate_static
# migrate's own per-revision scripts (bookkeeping included), for psql to run: separates the
# server's cost of the bookkeeping from migrate's client-side cost.
"$migrate" sql head >"$work/migrate_script.sql"

# Runs tool $1 against a fresh database $2; prints the seconds the tool took.
apply() {
  local tool=$1 db=$2 t0 t1
  admin -c "CREATE DATABASE $db"
  t0=$(bench_now)
  case $tool in
    psql_per_revision) "$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d "$db" -f "$work/per_revision.sql" ;;
    psql_one_transaction) "$psql" -X -q -1 -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d "$db" -f "$work/one_transaction.sql" ;;
    psql_migrate_sql) "$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d "$db" -f "$work/migrate_script.sql" ;;
    migrate) "$migrate" --database-url "$(url_for "$db")" upgrade ;;
    migrate_one_transaction) "$migrate" --database-url "$(url_for "$db")" upgrade --single-transaction ;;
    alembic) BENCH_ALEMBIC_URL="postgresql+psycopg2://$user@/$db?host=$sock" \
               "${alembic[@]}" -c "$work/alembic/alembic.ini" upgrade head ;;
    dbmate) "$dbmate" --url "postgres://$user@/$db?socket=$sock&sslmode=disable" \
              --migrations-dir "$work/dbmate" --no-dump-schema migrate ;;
  esac >"$work/$tool.log" 2>&1 || { echo "run_bench: $tool failed:" >&2; tail -20 "$work/$tool.log" >&2; exit 1; }
  t1=$(bench_now)
  local tables
  tables=$("$psql" -X -A -t -h "$sock" -U "$user" -d "$db" -c "SELECT count(*) FROM pg_tables WHERE tablename ~ '^t[0-9]{6}$'")
  [ "$tables" = "$n" ] || { echo "run_bench: $tool left $tables tables, not $n" >&2; exit 1; }
  bench_seconds "$t0" "$t1"
}

tools=(psql_per_revision psql_one_transaction psql_migrate_sql migrate migrate_one_transaction alembic dbmate)
declare -A times
echo "== applying $n revisions: $rounds interleaved rounds (tool order rotates)" >&2
for round in $(seq "$rounds"); do
  for k in "${!tools[@]}"; do
    tool=${tools[$(( (k + round) % ${#tools[@]} ))]}
    t=$(apply "$tool" "bench_${tool}_$round")
    times[$tool]="${times[$tool]:-} $t"
    echo "  round $round $tool: $t s" >&2
    admin -c "DROP DATABASE bench_${tool}_$round"
  done
done
min() { printf '%s\n' "$@" | sort -g | head -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== status of an up-to-date database: median of $status_runs interleaved runs" >&2
admin -c "CREATE DATABASE bench_status"
"$migrate" --database-url "$(url_for bench_status)" upgrade >/dev/null
status_migrate=() status_static=() status_psql=()
one_run() {  # seconds of one run of "$@"
  local t0
  t0=$(bench_now)
  "$@" >/dev/null 2>&1 || { echo "run_bench: failed: $*" >&2; exit 1; }
  bench_seconds "$t0" "$(bench_now)" 4
}
for _ in $(seq "$status_runs"); do
  status_migrate+=("$(one_run "$migrate" --database-url "$(url_for bench_status)" status)")
  if [ -n "${migrate_static:-}" ]; then
    status_static+=("$(one_run "$migrate_static" --database-url "$(url_for bench_status)" status)")
  fi
  status_psql+=("$(one_run "$psql" -X -A -t -h "$sock" -U "$user" -d bench_status -c "select version_num from alembic_version")")
done

# times[tool] is a space-separated list of seconds: split on purpose.
# shellcheck disable=SC2086
base=$(min ${times[psql_per_revision]})
echo
echo "run benchmarks ($(date -u +%F), $(nproc) cores, PostgreSQL $("$psql" -X -A -t -h "$sock" -U "$user" -d postgres -c 'show server_version'), fsync on), $n revisions:"
# shellcheck disable=SC2086
base_median=$(median ${times[psql_per_revision]})
printf '%-44s %10s %10s %10s %10s\n' "apply $n revisions on a fresh database" "min s" "vs psql" "median s" "vs psql"
for tool in "${tools[@]}"; do
  # shellcheck disable=SC2086
  best=$(min ${times[$tool]}) mid=$(median ${times[$tool]})
  printf '%-44s %10s %9sx %10s %9sx\n' "$tool" "$best" "$(echo "scale=2; $best / $base" | bc)" \
    "$mid" "$(echo "scale=2; $mid / $base_median" | bc)"
done
sm=$(median "${status_migrate[@]}") sp=$(median "${status_psql[@]}")
printf '%-44s %10s %10s\n' "status of an up-to-date database" "median s" "vs psql"
printf '%-44s %10s %9sx\n' "psql -c 'select version_num ...'" "$sp" "1.00"
printf '%-44s %10s %9sx\n' "migrate status" "$sm" "$(echo "scale=2; $sm / $sp" | bc)"
if [ ${#status_static[@]} -gt 0 ]; then
  ss=$(median "${status_static[@]}")
  printf '%-44s %10s %9sx\n' "migrate status (static binary)" "$ss" "$(echo "scale=2; $ss / $sp" | bc)"
fi
# shellcheck disable=SC2086
one_base=$(min ${times[psql_one_transaction]}) one_mid=$(median ${times[psql_one_transaction]})
# shellcheck disable=SC2086
one_best=$(min ${times[migrate_one_transaction]}) one_mig=$(median ${times[migrate_one_transaction]})
echo "migrate --single-transaction vs psql -1: min $(echo "scale=2; $one_best / $one_base" | bc)x," \
  "median $(echo "scale=2; $one_mig / $one_mid" | bc)x"
echo "targets: migrate apply <= 1.15x psql_per_revision; --single-transaction <= 1.15x psql -1;" \
  "migrate status <= 1.2x psql"
