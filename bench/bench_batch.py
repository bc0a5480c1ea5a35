"""Whole-process throughput of ``vendorrisk score`` on N synthetic contracts, with baselines.

    python bench/bench_batch.py [--rows 1000000] [--repeat 3]

Generates the file once (bench/generate.py), then runs, alternately and as separate processes:
``vendorrisk score FILE -o OUT``; a bare pyarrow ``read_csv`` + ``write_csv`` of the same file;
and a plain-Python per-row loop (stdlib csv, the base formula only, no rules, no interval);
with ``--compare SRC``, also ``vendorrisk score`` from another checkout's ``src``.
Prints each one's median wall time, CPU time (user + system, all threads) and peak memory
(from /usr/bin/time), and the ratios against the baselines. A third baseline shows the I/O
floor of scoring: a pyarrow read of the input and a pyarrow write of vendorrisk's own output
cells (loaded untimed from its output), so that ``vendorrisk / that`` is what scoring adds on
top of reading and writing. Issue 4's target:
vendorrisk <= 1.5 x the pyarrow baseline; peak memory <= 1 GB and flat as the file grows.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYARROW_BASELINE = """
import sys, pyarrow.csv as c
c.write_csv(c.read_csv(sys.argv[1]), sys.argv[2])
"""
# The I/O floor of scoring: read the input, then write what vendorrisk writes (its output's
# cells, loaded untimed from its output file, every column as text, as vendorrisk writes them).
# Prints the seconds spent loading, which the bench subtracts from this process's wall time.
OUTPUT_IO_BASELINE = """
import csv, sys, time, pyarrow as pa, pyarrow.csv as c
source = c.read_csv(sys.argv[1])
start = time.perf_counter()
with open(sys.argv[2], newline="", encoding="utf-8") as header:
    names = next(csv.reader(header))
text = c.ConvertOptions(column_types={name: pa.string() for name in names}, strings_can_be_null=True)
output = c.read_csv(sys.argv[2], convert_options=text)
added = output.select(output.column_names[source.num_columns:])
table = pa.Table.from_arrays([*source.columns, *added.columns], names=[*source.column_names, *added.column_names])
loading = time.perf_counter() - start
c.write_csv(table, sys.argv[3])
print(loading)
"""
PLAIN_PYTHON_BASELINE = r"""
import csv, math, sys
W = {"health": 1.0, "biometric": 1.0, "defense": 1.0, "law_enforcement": .95, "identity": .9,
     "telecom_metadata": .85, "tax": .8, "financial": .8, "legal": .8, "social_welfare": .75,
     "location": .75, "education": .6, "public": .05, "none": 0.0}
with open(sys.argv[1], newline="") as src, open(sys.argv[2], "w", newline="") as dst:
    reader = csv.DictReader(src)
    writer = csv.DictWriter(dst, [*reader.fieldnames, "score"])
    writer.writeheader()
    for row in reader:
        cats = [c for c in (row["data_categories"] or "identity").split(";") if c]
        s = min(1.0, max(W[c] for c in cats) + 0.1 * max(0, sum(W[c] >= .5 for c in cats) - 1))
        r = float(row["records"] or 100000)
        v = 0.3 + 0.7 * min(1.0, math.log10(1 + r) / 8)
        reach = 0.95 if (row["vendor_country"] or "CN") != row["buyer_country"] else 0.0
        access = {"customer": .4, "third_party": .6, "joint": .8}.get(row["operator"], 1.0)
        access *= {"customer_premises": .6, "in_country": .75}.get(row["hosting"], 1.0)
        access *= 0.4 if row["customer_held_keys"] == "true" else 1.0
        row["score"] = round(100 * s * v * min(1.0, access * reach * 1.25), 1)
        writer.writerow(row)
"""


TIME = Path("/usr/bin/time")
SRC = HERE.parent / "src"


def _run(command: list[str], src: Path = SRC) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, all threads) and peak resident memory in MB (0
    if /usr/bin/time is missing) of one child. A child that prints untimed seconds last on stdout
    has them taken off its wall time, and its CPU time is NaN (it cannot be split)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    timed = [str(TIME), "-f", "%M", *command] if TIME.exists() else command
    done = subprocess.run(timed, check=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024 if TIME.exists() else 0.0
    printed = done.stdout.strip().splitlines()
    untimed = float(printed[-1]) if printed and _is_number(printed[-1]) else 0.0
    return wall - untimed, math.nan if untimed else cpu, peak


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plain-python", action="store_true", help="also time the plain-Python loop (slow)")
    parser.add_argument("--compare", type=Path, metavar="SRC", help="also time the vendorrisk in SRC (e.g. another checkout's src)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vendorrisk-bench-") as folder:
        _bench(Path(folder), args)


def _bench(work: Path, args: argparse.Namespace) -> None:
    source = work / "contracts.csv"
    # With --compare, the contracts are drawn from the other checkout's vocabulary, so that a
    # value only the newer schema knows (a new service type) is not an invalid row, cheaper to
    # score, in one of the two runs.
    _run([sys.executable, str(HERE / "generate.py"), str(args.rows), str(source)], args.compare.resolve() if args.compare else SRC)
    size_mb = source.stat().st_size / 1e6
    runs = {
        "vendorrisk score": [sys.executable, "-c", "import sys; from vendorrisk.cli import main; sys.exit(main())", "score", str(source), "-o", str(work / "out.csv"), "-q"],
        "pyarrow read+write": [sys.executable, "-c", PYARROW_BASELINE, str(source), str(work / "copy.csv")],
        # needs the output of the run above it: dicts keep their order
        "pyarrow read+write, output": [sys.executable, "-c", OUTPUT_IO_BASELINE, str(source), str(work / "out.csv"), str(work / "wide.csv")],
    }
    sources = dict.fromkeys(runs, SRC)
    if args.compare:  # the same command, with the other source on PYTHONPATH
        runs["vendorrisk score, --compare"] = runs["vendorrisk score"]
        sources["vendorrisk score, --compare"] = args.compare.resolve()
    if args.plain_python:
        runs["plain-Python per-row loop"] = [sys.executable, "-c", PLAIN_PYTHON_BASELINE, str(source), str(work / "plain.csv")]
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    peaks: dict[str, float] = {name: 0.0 for name in runs}
    for _ in range(args.repeat):
        for name, command in runs.items():  # alternate, so drifts in machine speed hit all alike
            wall, cpu, peak = _run(command, sources.get(name, SRC))
            walls[name].append(wall)
            cpus[name].append(cpu)
            peaks[name] = max(peaks[name], peak)
    engine = statistics.median(walls["vendorrisk score"])
    print(f"{args.rows:,} contracts, {size_mb:.0f} MB CSV, median of {args.repeat} whole-process runs")
    # ratio > 1: vendorrisk slower. CPU seconds drift less with the machine's speed than wall time.
    print(f"{'what':28} {'seconds':>8} {'rows/s':>11} {'vendorrisk / this':>18} {'CPU s':>7}")
    for name, samples in walls.items():
        median = statistics.median(samples)
        cpu = statistics.median(cpus[name])
        shown = "n/a" if math.isnan(cpu) else f"{cpu:.2f}"
        print(f"{name:28} {median:8.2f} {args.rows / median:11,.0f} {engine / median:18.2f} {shown:>7}")
    for name, peak in peaks.items():
        print(f"peak memory {name}: {peak:.0f} MB")


if __name__ == "__main__":
    main()
