"""Where the time of scoring goes, stage by stage, on one core (no threads, no reading or writing).

    python bench/bench_stages.py FILE.csv [--batches 10] [--repeat 3]

Reads up to ``--batches`` batches of FILE once, then times each stage of the pipeline on them
(validation, features, the engine, the output columns, the duplicate-id hashes, the Arrow
columns), ``--repeat`` times, and prints the median seconds per 1,000,000 contracts. Generate
FILE with ``bench/generate.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from vendorrisk import engine
from vendorrisk.features import derive
from vendorrisk.io import open_batches
from vendorrisk.rules.loader import load_rules
from vendorrisk.scoring import score_batch
from vendorrisk.validate import validate

STAGES = ("validate", "features", "engine", "output columns", "id hashes", "arrow columns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pack = load_rules()
    tables = []
    for batch in open_batches(args.file):
        tables.append(pa.Table.from_batches([batch]))
        if len(tables) == args.batches:
            break
    rows = sum(table.num_rows for table in tables)
    seconds: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "total")}
    for _ in range(args.repeat):
        spent = dict.fromkeys(seconds, 0.0)
        for table in tables:
            state: dict[str, Any] = {}
            steps: list[tuple[str, Callable[[], None]]] = [
                ("validate", lambda: state.update(inputs=validate(table))),
                ("features", lambda: state.update(features=derive(state["inputs"], pack))),
                ("engine", lambda: state.update(scored=score_batch(state["inputs"], state["features"], pack))),
                ("output columns", lambda: state.update(columns=engine.output_columns(state["inputs"], state["features"], state["scored"], pack))),
                ("id hashes", lambda: state["columns"].__setitem__(
                    "warning", engine.warning_column(engine.duplicates(table, table.num_rows, True)[0], state["features"].vendor_warning)
                )),
                ("arrow columns", lambda: engine.to_arrow_columns(state["columns"])),
            ]
            for stage, step in steps:
                start = time.perf_counter()
                step()
                elapsed = time.perf_counter() - start
                spent[stage] += elapsed
                spent["total"] += elapsed
        for stage, value in spent.items():
            seconds[stage].append(value)
    print(f"{rows:,} contracts in {len(tables)} batches; median of {args.repeat}, seconds per 1,000,000 contracts")
    for stage, values in seconds.items():
        print(f"{stage:16} {statistics.median(values) * 1e6 / rows:6.2f}")


if __name__ == "__main__":
    main()
