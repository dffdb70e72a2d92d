#!/usr/bin/env bash
# Compile-side benchmarks: `migc build` at 1k/10k revisions, g++ on the generated 10k catalog,
# and what an incremental build of a 1k-revision consumer project redoes. See bench/README.md.
#
#   bench/compile_bench.sh [BUILD_DIR]     # BUILD_DIR: a migc build (default build-bench)
#
# Environment: RUNS (default 5) timed runs per measurement, min taken; MIGC overrides the
# compiler binary; GEN_FLAGS is passed to gen_chain.py (--declarative, --mix 0.5); KEEP=1 keeps
# the scratch folder. Prints one table at the end.
set -euo pipefail
read -r -a gen_flags <<<"${GEN_FLAGS:-}"  # extra gen_chain.py arguments
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build-bench}" && pwd)
migc=${MIGC:-$build/compiler/migc}
runs=${RUNS:-5}
[ -x "$migc" ] || { echo "compile_bench: no migc at $migc (cmake --build $build first)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "compile_bench: needs /usr/bin/time (Debian: time)" >&2; exit 2; }

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"  # bench_now, bench_seconds (no cluster here)
work=$(mktemp -d /tmp/migc-compile-bench.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
declare -a rows=()
row() { rows+=("$(printf '%-58s %s' "$1" "$2")"); echo "  $1: $2" >&2; }

# Seconds (3 decimals) of one run of "$@", output discarded.
seconds() {
  local t0
  t0=$(bench_now)
  "$@" >"$work/last.log" 2>&1 || { echo "compile_bench: failed: $*" >&2; cat "$work/last.log" >&2; exit 1; }
  bench_seconds "$t0" "$(bench_now)"
}
min() { printf '%s\n' "$@" | sort -g | head -1; }
ratio() { echo "scale=2; $1 / $2" | bc; }

echo "== migc build, min of $runs interleaved runs" >&2
for n in 1000 10000; do python3 "$root/bench/gen_chain.py" "$work/chain$n" "$n" "${gen_flags[@]}"; done
t1k=() t10k=()
for _ in $(seq "$runs"); do
  # Fresh output folders each time: write_if_changed must really write.
  rm -rf "$work/out1000" "$work/out10000"
  t1k+=("$(seconds "$migc" build --dir "$work/chain1000" --out-dir "$work/out1000" --name bench --namespace bench::db)")
  t10k+=("$(seconds "$migc" build --dir "$work/chain10000" --out-dir "$work/out10000" --name bench --namespace bench::db)")
done
b1k=$(min "${t1k[@]}") b10k=$(min "${t10k[@]}")
row "migc build, 1,000 revisions (s)" "$b1k"
row "migc build, 10,000 revisions (s)   [target < 1]" "$b10k"
row "migc build, 10k/1k ratio            [target <= 12]" "$(ratio "$b10k" "$b1k")"

echo "== g++ -O2 -c, generated 10k catalog vs a plain char array of the same bytes" >&2
catalog=$work/out10000/bench_catalog.cpp
python3 - "$catalog" "$work/blob.cpp" "$work/literal.cpp" <<'EOF'
# Two baselines holding the catalog's bytes: an `xxd -i`-style brace list (what most embedding
# tools emit), and one string literal (the cheapest form g++ has before C++23's #embed).
import sys
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w") as out:
    out.write("extern const unsigned char blob[] = {\n")
    for i in range(0, len(data), 16):
        out.write(",".join(str(b) for b in data[i:i + 16]) + ",\n")
    out.write("};\nextern const unsigned long blob_size = %d;\n" % len(data))
with open(sys.argv[3], "w") as out:
    out.write("extern const char blob[] =\n\"")
    for b in data:
        c = chr(b)
        if c in '"\\?':
            out.write("\\" + c)
        elif c == "\n":
            out.write('\\n"\n"')
        elif 0x20 <= b < 0x7f:
            out.write(c)
        else:
            out.write("\\%03o" % b)
    out.write('";\nextern const unsigned long blob_size = %d;\n' % len(data))
EOF
cxx=${CXX:-g++}
gcc_run() {  # prints "seconds peak_kib" of one g++ -O2 -c
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$cxx" -O2 -std=c++17 -I "$root/runtime/include" \
    -I "$work/out10000" -c "$1" -o "$work/out.o"
  cat "$work/time.txt"
}
gc_t=() gc_m=() bl_t=() bl_m=() li_t=() li_m=()
for _ in $(seq "$runs"); do
  read -r t m < <(gcc_run "$catalog"); gc_t+=("$t"); gc_m+=("$m")
  read -r t m < <(gcc_run "$work/blob.cpp"); bl_t+=("$t"); bl_m+=("$m")
  read -r t m < <(gcc_run "$work/literal.cpp"); li_t+=("$t"); li_m+=("$m")
done
gc_best=$(min "${gc_t[@]}") bl_best=$(min "${bl_t[@]}") li_best=$(min "${li_t[@]}")
gc_rss=$(( $(min "${gc_m[@]}") / 1024 )) bl_rss=$(( $(min "${bl_m[@]}") / 1024 ))
li_rss=$(( $(min "${li_m[@]}") / 1024 ))
row "catalog source size, 10k revisions (bytes)" "$(stat -c %s "$catalog")"
row "g++ -O2 -c catalog, 10k (s)        [target < 2]" "$gc_best"
row "g++ -O2 -c catalog, 10k, peak RSS (MiB) [target < 300]" "$gc_rss"
row "g++ -O2 -c char array, same bytes (s)" "$bl_best"
row "g++ -O2 -c char array, peak RSS (MiB)" "$bl_rss"
row "catalog / char array compile time ratio" "$(ratio "$gc_best" "$bl_best")"
row "g++ -O2 -c one string literal, same bytes (s)" "$li_best"
row "g++ -O2 -c one string literal, peak RSS (MiB)" "$li_rss"
row "catalog / string literal compile time ratio" "$(ratio "$gc_best" "$li_best")"

echo "== incremental: a 1,000-revision consumer project (find_package from an installed prefix)" >&2
cmake --install "$build" --prefix "$work/prefix" >/dev/null
project=$work/consumer
mkdir -p "$project"
python3 "$root/bench/gen_chain.py" "$project/migrations" 1000 "${gen_flags[@]}"
cat >"$project/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(bench_consumer CXX)
find_package(migc REQUIRED)
add_migrations(app_migrate DIRECTORY migrations NAMESPACE app::db)
EOF
cmake -S "$project" -B "$project/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
row "consumer, first build (s)" "$(seconds cmake --build "$project/build")"
noop=$(ninja -C "$project/build" -n | tail -1)
row "consumer, ninja -n after the first build" "$noop"

# Edges ninja runs, one per line, from `ninja -d explain -v` (no -v: the status lines name them).
rebuild() {  # $1: label; runs a build, records what ran and how long
  local t0 took edges
  t0=$(bench_now)
  ninja -C "$project/build" -d explain >"$work/explain.txt" 2>&1
  took=$(bench_seconds "$t0" "$(bench_now)")
  edges=$(grep -oE '^\[[0-9]+/[0-9]+\] .*' "$work/explain.txt" | sed -E 's/^\[[0-9]+\/[0-9]+\] //' |
          paste -sd ';' -)
  row "$1 (s)" "$took"
  row "  ran" "${edges:-nothing}"
  grep '^ninja explain' "$work/explain.txt" | head -4 | sed 's/^/    /' >&2 || true
}
one=$(find "$project/migrations" -name '*.mig' | sort | sed -n 500p)
touch "$one"
rebuild "consumer, touch one .mig (mtime only)"
sed -i 's/name text/name text, note text/' "$one"
rebuild "consumer, edit one .mig (its SQL changes)"
python3 - "$project/migrations" <<'EOF'
# Append revision 1001 by hand (gen_chain would rewrite the folder).
import pathlib, sys
d = pathlib.Path(sys.argv[1])
(d / "20250102_0000-1001_create_t001001.mig").write_text(
    'revision 1001 revises 1000 "Create t001001"\n\nupgrade {\n'
    '    sql $$ CREATE TABLE t001001 (id bigint primary key) $$\n}\n\n'
    'downgrade {\n    sql $$ DROP TABLE t001001 $$\n}\n')
EOF
rebuild "consumer, add revision 1001"
noop=$(ninja -C "$project/build" -n | tail -1)
row "consumer, ninja -n afterwards" "$noop"

echo
echo "compile benchmarks ($(date -u +%F), $(nproc) cores, $("$cxx" --version | head -1)), min of $runs:"
printf '%s\n' "${rows[@]}"
