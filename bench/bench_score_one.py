"""Latency of ``vendorrisk.score`` on one contract (Core issue target: <= 1 ms median).

    python bench/bench_score_one.py [--repeat 2000]

Prints the median and quartiles over many calls after a warm-up (the pack is loaded once, as
an application would): of one public-case contract scored again and again, and of 2,000
generated contracts (``generate.py``: every enum, registry vendors, random record counts,
values, dates and ids) scored in turn, as a stream of distinct contracts would be. The calls take turns, block by block, with two baselines and a
calibration loop measured in the same run, so drifts in machine speed hit them all alike:
building the same contract as a pydantic ``Contract`` (per-row validation alone), a
plain-Python evaluation of the factor formula for one contract (no validation, no rules, no
interval), and a fixed 100,000-step Python loop to compare this machine with another.
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import time
from collections.abc import Callable

import numpy as np

import vendorrisk
from generate import contracts
from vendorrisk import Contract

CONTRACT = {
    "contract_id": "PG-2010-IGIS",
    "buyer_country": "PG",
    "vendor_name": "Huawei Technologies Co., Ltd.",
    "service_type": "data_center",
    "data_categories": "identity;tax;health",
    "records": 8_000_000,
    "hosting": "in_country",
    "financing_country": "CN",
    "signed": "2010-07-01",
}


def _plain_python() -> float:
    """The base formula by hand for this one contract: the floor any engine must pay."""
    sensitivity = min(1.0, 1.0 + 0.1 * 2)
    volume = 0.3 + 0.7 * min(1.0, math.log10(1 + 8_000_000) / math.log10(1 + 1e8))
    access = 0.9 * 1.0 * 0.75 * 1.0 * 1.0 * 1.0
    likelihood = min(1.0, access * (0.95 * (1 + 0.5 * 0.5)))
    return 100 * sensitivity * volume * likelihood


def _calibration() -> None:
    """A fixed pure-Python loop: lets readers compare this machine with theirs."""
    total = 0
    for i in range(100_000):
        total += i


def _time_interleaved(calls: dict[str, Callable[[], object]], repeat: int, block: int = 100) -> dict[str, list[float]]:
    """Time each call in blocks of ``block`` calls, the calls' blocks taking turns, so drifts in
    machine speed hit all alike while each block runs warm."""
    for call in calls.values():
        for _ in range(min(200, repeat)):
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(max(1, repeat // block)):
        for name, call in calls.items():
            for _ in range(block):
                start = time.perf_counter()
                call()
                samples[name].append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    pack = vendorrisk.load_rules()
    contract = Contract.model_validate({**CONTRACT, "records": 8_000_000})
    varied = contracts(np.random.default_rng(1), 0, 2000, sorted(pack.model.governance), [v.name for v in pack.model.vendors]).to_pylist()
    turn = itertools.cycle(varied)
    runs = {
        "vendorrisk.score(mapping)": lambda: vendorrisk.score(CONTRACT, pack),
        "vendorrisk.score, 2,000 varied contracts": lambda: vendorrisk.score(next(turn), pack),
        "vendorrisk.score(Contract)": lambda: vendorrisk.score(contract, pack),
        "baseline: pydantic Contract only": lambda: Contract.model_validate(CONTRACT | {"records": 8_000_000}),
        "baseline: plain-Python formula": _plain_python,
        "calibration: 1e5-step Python loop": _calibration,
    }
    results = _time_interleaved(runs, args.repeat)
    engine = statistics.median(results["vendorrisk.score(mapping)"])
    print(f"{'what':36} {'median ms':>10} {'p25':>8} {'p75':>8} {'x engine':>9}")
    for name, samples in results.items():
        q1, median, q3 = statistics.quantiles(samples, n=4)
        print(f"{name:36} {median * 1e3:10.3f} {q1 * 1e3:8.3f} {q3 * 1e3:8.3f} {median / engine:9.3f}")
    for name in ("vendorrisk.score(mapping)", "vendorrisk.score, 2,000 varied contracts"):
        median = statistics.median(results[name])
        print(f"target <= 1 ms median, {name}: {'met' if median <= 1e-3 else 'NOT met'} ({median * 1e3:.3f} ms)")


if __name__ == "__main__":
    main()
