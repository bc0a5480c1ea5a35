"""``vendorrisk.score_table`` on a large in-memory table: in slices (as shipped) and in one pass.

    PYTHONPATH=src python bench/bench_table.py FILE.csv [--repeat 3]

Each run is a separate process that reads FILE with ``pyarrow.csv.read_csv`` (untimed), then
times one call: ``score_table(table)``, which scores a table of more than ``api.SLICE`` rows in
slices on the stream's scoring threads, or the same pipeline in one pass over the whole table
(``engine.scored_table``, what ``score_table`` did before slicing). The two take turns; the bench prints
the median seconds and the peak memory beyond the table just read (``ru_maxrss``). Generate
FILE with ``bench/generate.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import resource, sys, time, pyarrow.csv as c, vendorrisk
from vendorrisk import engine
table = c.read_csv(sys.argv[1])
pack = vendorrisk.load_rules()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if sys.argv[2] == "slices":
    vendorrisk.score_table(table, pack)
else:
    engine.scored_table(table, pack, None)
seconds = time.perf_counter() - start
print(seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, table.num_rows)
"""
WAYS = {"score_table (slices)": "slices", "one pass": "whole"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    seconds: dict[str, list[float]] = {name: [] for name in WAYS}
    extra: dict[str, float] = dict.fromkeys(WAYS, 0.0)
    rows = 0
    for _ in range(args.repeat):
        for name, way in WAYS.items():  # alternate, so drifts in machine speed hit both alike
            done = subprocess.run([sys.executable, "-c", CHILD, args.file, way], check=True, env=env, capture_output=True, text=True)
            spent, memory, count = done.stdout.split()
            seconds[name].append(float(spent))
            extra[name] = max(extra[name], float(memory))
            rows = int(count)
    shipped = statistics.median(seconds["score_table (slices)"])
    print(f"{rows:,} contracts in memory, median of {args.repeat} runs of one call each")
    print(f"{'what':22} {'seconds':>8} {'rows/s':>11} {'MB beyond the table':>20} {'this / slices':>14}")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"{name:22} {median:8.2f} {rows / median:11,.0f} {extra[name]:20.0f} {median / shipped:14.2f}")


if __name__ == "__main__":
    main()
