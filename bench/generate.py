"""Write N synthetic contracts in the canonical columns (deterministic for a given seed).

    python bench/generate.py 1000000 bench/out/contracts-1m.csv [--seed 1]

Values are drawn from the real vocabularies (countries with Freedom House ratings, registry
vendors, every enum) with a share of empty (unknown) cells, so the engine does realistic work.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from vendorrisk.rules.loader import load_rules
from vendorrisk.schema import FIELD_BY_NAME

CHUNK = 250_000


def _pick(rng: np.random.Generator, values: list[str], n: int, blank: float) -> pa.Array:
    chosen = np.array(values, dtype=object)[rng.integers(0, len(values), n)]
    chosen[rng.random(n) < blank] = None
    return pa.array(chosen, type=pa.string())


def contracts(rng: np.random.Generator, start: int, n: int, countries: list[str], vendors: list[str]) -> pa.Table:
    categories = list(FIELD_BY_NAME["data_categories"].values)
    combos = [";".join(sorted(set(rng.choice(categories, size=k, replace=False)))) for k in (1, 1, 2, 2, 3) for _ in range(40)]
    dates = [f"{y}-{m:02d}-{d:02d}" for y in range(2005, 2025) for m in (1, 4, 7, 10) for d in (1, 15)]
    records = rng.integers(0, 50_000_000, n).astype(str).astype(object)
    records[rng.random(n) < 0.1] = None
    return pa.table(
        {
            "contract_id": pa.array([f"C{start + i:09d}" for i in range(n)]),
            "buyer_country": _pick(rng, countries, n, 0.0),
            "buyer_name": _pick(rng, ["Ministry of Health", "Tax Authority", "National ID Agency", "City Police"], n, 0.1),
            "vendor_name": _pick(rng, vendors + ["Unlisted Systems Ltd", "Local Integrator SA"], n, 0.05),
            "vendor_country": _pick(rng, countries, n, 0.5),
            "vendor_parent_country": _pick(rng, countries + ["none"], n, 0.7),
            "service_type": _pick(rng, list(FIELD_BY_NAME["service_type"].values), n, 0.05),
            "data_categories": _pick(rng, combos, n, 0.1),
            "records": pa.array(records, type=pa.string()),
            "hosting": _pick(rng, list(FIELD_BY_NAME["hosting"].values), n, 0.2),
            "operator": _pick(rng, list(FIELD_BY_NAME["operator"].values), n, 0.2),
            "vendor_remote_access": _pick(rng, ["true", "false"], n, 0.3),
            "customer_held_keys": _pick(rng, ["true", "false"], n, 0.5),
            "audit_rights": _pick(rng, ["true", "false"], n, 0.4),
            "financing_country": _pick(rng, ["CN", "US", "FR", "none"], n, 0.6),
            "value_usd": pa.array(rng.integers(10_000, 500_000_000, n).astype(str)),
            "signed": _pick(rng, dates, n, 0.05),
            "source": _pick(rng, ["synthetic"], n, 0.0),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pack = load_rules()
    countries = sorted(pack.model.governance)
    vendors = [vendor.name for vendor in pack.model.vendors]
    rng = np.random.default_rng(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    for start in range(0, args.n, CHUNK):
        table = contracts(rng, start, min(CHUNK, args.n - start), countries, vendors)
        writer = writer or pacsv.CSVWriter(args.out, table.schema)
        writer.write_table(table)
    if writer:
        writer.close()


if __name__ == "__main__":
    main()
