#!/usr/bin/env bash
# A static migrate needs nothing beside itself: no shared library, no environment, no files.
#
#   runs_alone.sh MIGRATE     (MIGC_TEST_PG_STATE: the `pg` fixture's state file)
#
# Checks `file` and `ldd`, then copies MIGRATE alone into an empty folder and runs it there
# with `env -i`: as root inside a chroot of that folder, the server's socket hard-linked into
# it (same /tmp file system); otherwise from that folder without the chroot. The URL names
# the user: with no user, libpq asks the passwd database, which a static glibc reaches only
# through NSS modules the chroot does not have (docs/static.md).
set -euo pipefail
migrate=${1:?usage: runs_alone.sh MIGRATE}
: "${MIGC_TEST_PG_STATE:?the pg fixture state file}"
# shellcheck disable=SC1090
. "$MIGC_TEST_PG_STATE"
psql=/usr/lib/postgresql/15/bin/psql
user=$(sed -E 's/.*user=([^ ]+).*/\1/' <<<"$MIGC_PG_CONNINFO")

fail() { echo "FAIL: $*" >&2; exit 1; }

kind=$(file -b "$migrate")
[[ $kind == *"statically linked"* ]] || fail "file says: $kind"
ldd_out=$(ldd "$migrate" 2>&1 || true)
[[ $ldd_out == *"not a dynamic executable"* ]] || fail "ldd says: $ldd_out"
echo "file: $kind"
echo "size: $(stat -c %s "$migrate") bytes"

db=migc_static_$$
root=$(mktemp -d /tmp/migc-static.XXXXXX)
sql() { "$psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$MIGC_PG_DIR" -U "$user" "$@"; }
cleanup() {
  sql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
sql -d postgres -c "CREATE DATABASE $db"
cp "$migrate" "$root/migrate"

# Chroot when we can: root, and the socket hard-links into the new root.
# `env -i` clears PATH too: name chroot (in /usr/sbin) by its full path.
mode=folder
host=$MIGC_PG_DIR
chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot || true)
if [ "$(id -u)" -eq 0 ] && [ -n "$chroot" ] && mkdir "$root/sock" &&
   ln "$MIGC_PG_DIR/.s.PGSQL.5432" "$root/sock/.s.PGSQL.5432" 2>/dev/null &&
   env -i "$chroot" "$root" /migrate --help >/dev/null 2>&1; then
  mode=chroot
  host=/sock
fi
echo "mode: $mode (the folder holds: $(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' '))"
url="postgresql://$user@/$db?host=$host"
run() {
  if [ "$mode" = chroot ]; then
    env -i "$chroot" "$root" /migrate --database-url "$url" "$@"
  else
    (cd "$root" && env -i ./migrate --database-url "$url" "$@")
  fi
}

out=$(run upgrade) || fail "upgrade: $out"
echo "$out"
head=$(sed -n 's/^Latest migration version: //p' <<<"$out")
[ -n "$head" ] || fail "upgrade printed no head"
[ "$(sql -d "$db" -c 'SELECT version_num FROM alembic_version')" = "$head" ] ||
  fail "alembic_version is not at $head"
out=$(run status) || fail "status: $out"
[[ $out == *"up to date"* ]] || fail "status after upgrade: $out"
out=$(run downgrade -1) || fail "downgrade -1: $out"
[ "$(sql -d "$db" -c 'SELECT version_num FROM alembic_version')" != "$head" ] ||
  fail "downgrade -1 left the version at $head"
out=$(run upgrade) || fail "upgrade again: $out"
[ "$(sql -d "$db" -c 'SELECT version_num FROM alembic_version')" = "$head" ] ||
  fail "upgrade again did not reach $head"
echo "static migrate ran alone ($mode): upgrade, status, downgrade -1, upgrade"
