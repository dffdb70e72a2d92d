#!/usr/bin/env python3
"""Writes a synthetic chain of N revisions (one `create table` each) for the benchmarks.

    bench/gen_chain.py OUT_DIR N                 # raw SQL steps + explicit downgrade
    bench/gen_chain.py OUT_DIR N --declarative   # `create table t (...)`, no downgrade
    bench/gen_chain.py OUT_DIR N --mix 0.5       # half of them declarative (deterministic)

Files are named `YYYYMMDD_HHMM-NNN_create_tNNNNNN.mig`; ids are zero-padded to
max(3, digits of N) so every file of one chain has the same width; revision k
revises k-1. OUT_DIR is created; stale `.mig` files in it are removed first so
the folder holds exactly one chain. Output is deterministic (same arguments,
same bytes), so repeated runs do not perturb incremental-build measurements.
Standard library only.
"""

import argparse
import datetime
import pathlib
import sys

BASE_TIME = datetime.datetime(2025, 1, 1, 0, 0)


def revision_text(number, width, declarative):
    rid = f"{number:0{width}d}"
    table = f"t{number:06d}"
    header = f'revision {rid}'
    if number > 1:
        header += f' revises {number - 1:0{width}d}'
    header += f' "Create {table}"\n'
    if declarative:
        # The declarative language derives the downgrade (drop table) from its schema model.
        return (header + "\nupgrade {\n"
                f"    create table {table} (id bigint primary key, name text)\n"
                "}\n")
    return (header + "\nupgrade {\n"
            f"    sql $$ CREATE TABLE {table} (id bigint primary key, name text) $$\n"
            "}\n\ndowngrade {\n"
            f"    sql $$ DROP TABLE {table} $$\n"
            "}\n")


def is_declarative(number, args):
    if args.declarative:
        return True
    if args.mix is None:
        return False
    # Bresenham-style spread: exactly round(N * mix) declarative revisions, evenly interleaved.
    return int(number * args.mix) != int((number - 1) * args.mix)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("count", type=int, help="number of revisions (>= 1)")
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--declarative", action="store_true",
                       help="declarative `create table` steps, downgrade derived by the compiler")
    style.add_argument("--mix", type=float, metavar="FRACTION",
                       help="fraction (0..1) of revisions written declaratively, evenly spread")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be >= 1")
    if args.mix is not None and not 0.0 <= args.mix <= 1.0:
        parser.error("--mix takes a fraction between 0 and 1")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    for stale in args.out_dir.glob("*.mig"):
        stale.unlink()
    width = max(3, len(str(args.count)))
    for number in range(1, args.count + 1):
        stamp = (BASE_TIME + datetime.timedelta(minutes=number)).strftime("%Y%m%d_%H%M")
        name = f"{stamp}-{number:0{width}d}_create_t{number:06d}.mig"
        (args.out_dir / name).write_text(revision_text(number, width, is_declarative(number, args)),
                                         encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
