#!/usr/bin/env python3
"""Proves a raw-SQL-only history with plain psql, without migc.

    tests/histories/prove_with_psql.py CONNINFO HISTORY_DIR...

For each history folder, on a fresh database of the server CONNINFO names
(any libpq conninfo; its dbname is replaced):

  1. every revision's upgrade applies in order (psql --single-transaction,
     ON_ERROR_STOP), and every downgrade too;
  2. for each revision k (base included), the `pg_dump --schema-only` after
     upgrading to k, upgrading to k+1 and downgrading back to k equals the
     dump taken at k;
  3. at head, smoke/<history>.sql runs when it exists (it inserts rows that
     fire every trigger and checks what they did, raising an error when
     something is wrong); its rows stay, so that
  4. downgrading from head to base revision by revision, with data in the
     tables, passes through exactly the same dumps.

Only the subset of the .mig language these histories use is read: a
`revision` header and `sql $tag$ ... $tag$` steps in `upgrade { }` and
`downgrade { }` blocks (files whose steps are anything else are refused).
Exit status 0 when every history holds, 1 otherwise.
"""
import os
import re
import subprocess
import sys
import tempfile

PG_BIN = os.environ.get("MIGC_PG_BIN", "/usr/lib/postgresql/15/bin")


def read_revision(path):
    text = open(path, encoding="utf-8").read()
    header = re.search(r"^revision\s+(\d+)", text, re.MULTILINE)
    if not header:
        raise SystemExit(f"{path}: no revision header")
    blocks = {"upgrade": [], "downgrade": []}
    pos, block = 0, None
    token = re.compile(r"--[^\n]*|\b(upgrade|downgrade)\s*\{|\bsql\s+(\$[A-Za-z_]*\$)|\}|\S+")
    while True:
        m = token.search(text, pos)
        if not m:
            break
        pos = m.end()
        if m.group(0).startswith("--"):
            continue
        if m.group(1):
            block = m.group(1)
        elif m.group(2):
            tag = m.group(2)
            end = text.index(tag, pos)
            blocks[block].append(text[pos:end])
            pos = end + len(tag)
        elif m.group(0) == "}":
            block = None
        elif block is not None:
            raise SystemExit(f"{path}: not a raw sql step: {m.group(0)!r}")
    if not blocks["upgrade"] or not blocks["downgrade"]:
        raise SystemExit(f"{path}: needs raw sql in both upgrade and downgrade")
    return int(header.group(1)), blocks["upgrade"], blocks["downgrade"]


def with_dbname(conninfo, dbname):
    stripped = re.sub(r"(^|\s)dbname=\S*", "", conninfo)
    return f"{stripped} dbname={dbname}"


def run(argv, stdin=None):
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}...: {done.stderr.strip()}")
    return done.stdout


def apply(conninfo, steps, what):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\n;\n".join(steps) + "\n;\n")
    try:
        run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "-d", conninfo, "-f", f.name])
    except RuntimeError as e:
        raise RuntimeError(f"{what}: {e}") from None
    finally:
        os.unlink(f.name)


def dump(conninfo):
    out = run([f"{PG_BIN}/pg_dump", "--schema-only", "--no-owner", "-d", conninfo])
    return "\n".join(l for l in out.splitlines() if not l.startswith(("\\restrict", "\\unrestrict")))


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}: {x!r} != {y!r}"
    return "one dump is a prefix of the other"


def prove(server, folder):
    name = os.path.basename(os.path.normpath(folder))
    files = sorted(f for f in os.listdir(folder) if f.endswith(".mig"))
    revisions = sorted(read_revision(os.path.join(folder, f)) for f in files)
    db = f"prove_{name}"
    admin = with_dbname(server, "postgres")
    run([f"{PG_BIN}/psql", "-X", "-q", "-d", admin, "-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
    run([f"{PG_BIN}/psql", "-X", "-q", "-d", admin, "-c", f"CREATE DATABASE {db}"])
    conninfo = with_dbname(server, db)
    failures = 0
    dumps = [dump(conninfo)]
    for number, up, down in revisions:
        apply(conninfo, up, f"{name} {number:03d} upgrade")
        apply(conninfo, down, f"{name} {number:03d} downgrade")
        back = dump(conninfo)
        if back != dumps[-1]:
            failures += 1
            print(f"FAIL {name} {number:03d}: downgrade does not restore the schema: "
                  f"{first_difference(dumps[-1], back)}")
        apply(conninfo, up, f"{name} {number:03d} upgrade again")
        dumps.append(dump(conninfo))
        print(f"ok   {name} {number:03d}: up, down, up")
    smoke = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smoke", f"{name}.sql")
    if os.path.exists(smoke):
        apply(conninfo, [open(smoke, encoding="utf-8").read()], f"{name} smoke data at head")
        print(f"ok   {name}: smoke data at head")
    for i in range(len(revisions) - 1, -1, -1):
        number, _, down = revisions[i]
        apply(conninfo, down, f"{name} {number:03d} downgrade from head")
        if dump(conninfo) != dumps[i]:
            failures += 1
            print(f"FAIL {name}: downgrading {number:03d} from head does not give the dump at "
                  f"{'base' if i == 0 else format(revisions[i - 1][0], '03d')}")
    print(f"{'ok  ' if failures == 0 else 'FAIL'} {name}: {len(revisions)} revisions, "
          f"{failures} failures, head dump {len(dumps[-1].splitlines())} lines")
    run([f"{PG_BIN}/psql", "-X", "-q", "-d", admin, "-c", f"DROP DATABASE {db} WITH (FORCE)"])
    return failures == 0


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    ok = True
    for folder in sys.argv[2:]:
        try:
            ok = prove(sys.argv[1], folder) and ok
        except RuntimeError as e:
            print(f"FAIL {e}")
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
