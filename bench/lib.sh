# shellcheck shell=bash disable=SC2034,SC2154  # sets variables for, and reads root/build of, its caller
# Sourced by the bench scripts (run_bench.sh, online/run.sh, fleet/run.sh): a throwaway
# PostgreSQL 15 in a scratch folder, a migrate built for a chain, and timing. Expects `root` (the
# checkout) and `build` (a migc build folder) to be set; bash, `set -euo pipefail`.

# bench_start_cluster NAME: a scratch folder `work` (/tmp/migc-NAME.XXXXXX, readable by the
# server user), a throwaway cluster (scripts/pg-cluster, fsync on) whose state file is `state`;
# sets `sock` (its socket folder) and `user` (its superuser: `postgres` as root, the caller's
# name otherwise). On exit the cluster is stopped and the folder removed, unless KEEP=1.
bench_start_cluster() {
  work=$(mktemp -d "/tmp/migc-$1.XXXXXX")
  chmod 755 "$work"
  state=$work/pg.state
  trap bench_cleanup EXIT
  "$root/scripts/pg-cluster" start "$state"
  # shellcheck disable=SC1090
  . "$state"
  sock=$MIGC_PG_DIR
  user=$(sed -E 's/.*user=([^ ]+).*/\1/' <<<"$MIGC_PG_CONNINFO")
}

bench_cleanup() {
  "$root/scripts/pg-cluster" stop "$state" >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}

# url_for DB: the URL of database DB of the bench cluster.
url_for() { echo "postgresql://$user@/$1?host=$sock"; }

# bench_build_migrate DIR NAMESPACE [CMAKE_LINE...]: sets `migrate` to $MIGRATE (a binary built
# for the same chain), or builds one for the revisions in DIR: `cmake --install` of `build` into
# $work/prefix, then a find_package(migc) project with add_migrations(migrate DIRECTORY DIR
# NAMESPACE NAMESPACE) and the extra CMake lines given. Its build folder is $work/project/build.
bench_build_migrate() {
  local dir=$1 namespace=$2
  shift 2
  if [ -n "${MIGRATE:-}" ]; then
    migrate=$MIGRATE
    return
  fi
  echo "== building migrate for $dir (find_package from an installed prefix)" >&2
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  mkdir -p "$work/project"
  {
    echo "cmake_minimum_required(VERSION 3.20)"
    echo "project(bench CXX)"
    echo "find_package(migc REQUIRED)"
    echo "add_migrations(migrate DIRECTORY \"$dir\" NAMESPACE $namespace)"
    printf '%s\n' "$@"
  } >"$work/project/CMakeLists.txt"
  cmake -S "$work/project" -B "$work/project/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  cmake --build "$work/project/build" >/dev/null
  migrate=$work/project/build/migrate
}

# bench_now: a point in time, for bench_seconds (nanoseconds since the epoch).
bench_now() { date +%s%N; }

# bench_seconds T0 T1 [DIGITS]: the seconds from T0 to T1 (bench_now values), DIGITS decimals
# (default 3).
bench_seconds() { echo "scale=${3:-3}; ($2 - $1) / 1000000000" | bc; }
