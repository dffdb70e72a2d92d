#!/usr/bin/env python3
"""One result row of bench/online/run.sh from pgbench's per-transaction logs.

figures.py TAG T0_NS T1_NS LOCK_WAIT_MS FAILED STATUS LOG...

Each log line (pgbench -l with -R): client, transaction number, latency in us (from the
scheduled start, so queueing behind a lock counts), script, end time (epoch s, us), schedule
lag in us. A transaction counts when it overlaps the change: it ends after T0 and starts
before T1. Prints: change variant p50 p99 max (ms) lock_wait_ms errors change_seconds txns.
"""
import sys


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def main():
    tag, t0, t1, wait, failed, status = sys.argv[1:7]
    t0, t1 = int(t0) / 1e9, int(t1) / 1e9
    latencies = []
    for path in sys.argv[7:]:
        if path.endswith((".out", ".wait")):
            continue
        with open(path) as log:
            for line in log:
                f = line.split()
                if len(f) < 6 or f[2] == "skipped":
                    continue
                latency = int(f[2]) / 1e6
                end = int(f[4]) + int(f[5]) / 1e6
                if end >= t0 and end - latency <= t1:
                    latencies.append(latency * 1000)
    change, variant = tag.split(".", 1)
    errors = int(failed) + (0 if status == "ok" else 1)
    print(f"{change}\t{variant}\t{percentile(latencies, 50):.1f}\t{percentile(latencies, 99):.1f}\t"
          f"{max(latencies, default=float('nan')):.1f}\t{wait or 'nan'}\t{errors}\t{t1 - t0:.1f}\t"
          f"{len(latencies)}")


if __name__ == "__main__":
    main()
