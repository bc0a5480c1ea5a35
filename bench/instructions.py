"""CPU instructions per ``vendorrisk.score`` call, counted by valgrind: a figure that does not
drift with the machine's speed, for comparing two versions of the code on one contract.

    python bench/instructions.py [--src src] [--calls 400]

Runs the scoring loop under ``valgrind --tool=cachegrind`` twice, with 50 and ``50 + calls``
calls, and prints the difference per call (imports and loading the pack cancel out). Threads
of numpy's BLAS are limited to one and hash randomisation is fixed, so two runs of the same
code agree to a few instructions. Needs valgrind (Debian: ``apt install valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARM = 50


def _loop(calls: int, varied: bool) -> None:
    """What runs under valgrind: ``calls`` scores of one contract (or of generated ones in turn)."""
    import itertools

    import numpy as np

    import vendorrisk
    from bench_score_one import CONTRACT
    from generate import contracts

    pack = vendorrisk.load_rules()
    rows = contracts(np.random.default_rng(1), 0, 2000, sorted(pack.model.governance), [v.name for v in pack.model.vendors]).to_pylist()
    turn = itertools.cycle(rows) if varied else itertools.repeat(CONTRACT)
    for _ in range(calls):
        vendorrisk.score(next(turn), pack)


def _count(src: Path, calls: int, varied: bool) -> int:
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{HERE}", "PYTHONHASHSEED": "0",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--run", str(calls)] + (["--varied"] if varied else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", type=Path, default=HERE.parent / "src", help="the vendorrisk sources to count")
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--varied", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run is not None:
        _loop(args.run, args.varied)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt install valgrind)")
    for varied, what in ((False, "one contract, again and again"), (True, "2,000 generated contracts in turn")):
        with ThreadPoolExecutor(2) as pool:
            few, many = pool.map(lambda calls: _count(args.src.resolve(), calls, varied), (WARM, WARM + args.calls))
        print(f"vendorrisk.score, {what}: {(many - few) / args.calls:,.0f} instructions per call")


if __name__ == "__main__":
    main()
