"""Calibration recovers a known curve: generate labelled contracts, calibrate, score fresh ones, compare.

1. Generate ``--train`` random contracts, score them with the pack, and draw each outcome from a
   known logistic curve of the score it got: ``P(outcome = 1) = 1 / (1 + exp(-(score - 30) / 10))``.
2. ``vendorrisk calibrate labelled.csv --label outcome -o calibration.json --plot reliability.png``.
3. Generate ``--fresh`` new contracts, ``vendorrisk score fresh.csv --calibration calibration.json``.
4. Compare each fresh contract's ``probability`` with the true curve at its score: print the mean
   absolute error, and draw the fitted curve over the true one (``recovery.png``).

The outcomes are drawn from the scores the contracts got, so the example holds whatever the
pack's scores are. Run it from the repository root::

    python examples/calibration/recover.py --train 20000 --fresh 5000 --out /tmp/calibration-example

The functions :func:`contracts` and :func:`true_probability` are also used by the tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
from numpy.typing import NDArray

#: The ground truth: a logistic curve of the score with this midpoint and scale.
MIDPOINT: Final = 30.0
SCALE: Final = 10.0

_BUYERS: Final = ("PG", "KE", "UG", "SN", "PK", "EC", "BR", "DE", "FR", "IN", "ZA", "VN", "ET", "TJ", "SA", "MX", "ID", "NG", "GB", "JP")
_SEATS: Final = ("CN", "US", "RU", "DE", "FR", "GB", "IN", "IL", "KR", "JP", "TR", "SG", "BR", "")
_VENDORS: Final = ("Huawei", "ZTE", "Hikvision", "Alibaba Cloud", "Inspur", "Amazon Web Services", "Microsoft", "Google", "Acme Data Systems", "")
_SERVICES: Final = ("cloud_hosting", "data_center", "e_government", "safe_city", "network", "managed_services", "software", "hardware", "consulting", "")
_CATEGORIES: Final = ("health", "tax", "legal", "identity", "biometric", "financial", "education", "law_enforcement", "defense", "social_welfare", "telecom_metadata", "location", "public", "none")
_HOSTING: Final = ("customer_premises", "in_country", "foreign", "")
_OPERATORS: Final = ("customer", "third_party", "joint", "vendor", "")
_BOOLS: Final = ("true", "false", "")


def true_probability(score: NDArray[np.float64]) -> NDArray[np.float64]:
    """The ground-truth curve: ``1 / (1 + exp(-(score - MIDPOINT) / SCALE))``."""
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-(score - MIDPOINT) / SCALE))
    return out


def contracts(n: int, seed: int, prefix: str = "C") -> pa.Table:
    """``n`` random contracts in the canonical columns (text cells, as a CSV would give them)."""
    rng = np.random.default_rng(seed)

    def pick(values: tuple[str, ...]) -> list[str]:
        return [values[i] for i in rng.integers(0, len(values), n)]

    chosen = rng.random((n, len(_CATEGORIES))) < 0.15
    categories = [";".join(c for c, keep in zip(_CATEGORIES, row) if keep) for row in chosen.tolist()]
    days = rng.integers(0, 365 * 20, n)
    signed = (np.datetime64("2005-01-01") + days.astype("timedelta64[D]")).astype(str).tolist()
    return pa.table({
        "contract_id": [f"{prefix}{i}" for i in range(n)],
        "buyer_country": pick(_BUYERS),
        "vendor_name": pick(_VENDORS),
        "vendor_country": pick(_SEATS),
        "vendor_parent_country": pick(_SEATS),
        "service_type": pick(_SERVICES),
        "data_categories": categories,
        "records": [str(int(10 ** x)) for x in rng.uniform(2, 8, n)],
        "hosting": pick(_HOSTING),
        "operator": pick(_OPERATORS),
        "vendor_remote_access": pick(_BOOLS),
        "customer_held_keys": pick(_BOOLS),
        "audit_rights": pick(_BOOLS),
        "financing_country": pick(("CN", "US", "none", "", "", "")),
        "signed": signed,
    })


def labelled(n: int, seed: int, rules: str | None = None) -> pa.Table:
    """``n`` random contracts (unscored) with an ``outcome`` drawn from the true curve of the score each gets."""
    import vendorrisk

    table = contracts(n, seed)
    score = vendorrisk.score_table(table, rules).column("score").to_numpy(zero_copy_only=False)
    outcome = np.random.default_rng(seed + 1).random(n) < true_probability(score)
    return table.append_column("outcome", pa.array(outcome.astype(np.int8)))


def main(argv: list[str] | None = None) -> int:
    from vendorrisk.cli import main as vendorrisk

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=20_000, help="labelled contracts to calibrate on")
    parser.add_argument("--fresh", type=int, default=5_000, help="fresh contracts to measure the recovery on")
    parser.add_argument("--method", default="isotonic", choices=("isotonic", "logistic"))
    parser.add_argument("--out", default="calibration-example", help="folder for the files it writes")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    pv.write_csv(labelled(args.train, args.seed), out / "labelled.csv")
    pv.write_csv(contracts(args.fresh, args.seed + 7, prefix="F"), out / "fresh.csv")
    plot = ["--plot", str(out / "reliability.png")] if _has_matplotlib() else []
    code = vendorrisk(["calibrate", str(out / "labelled.csv"), "--label", "outcome", "--method", args.method,
                       "-o", str(out / "calibration.json"), *plot])
    if code:
        return code
    code = vendorrisk(["score", str(out / "fresh.csv"), "--calibration", str(out / "calibration.json"),
                       "-o", str(out / "fresh-scored.csv"), "--quiet"])
    if code:
        return code
    scored = pv.read_csv(out / "fresh-scored.csv")
    score = scored.column("score").to_numpy(zero_copy_only=False)
    probability = scored.column("probability").to_numpy(zero_copy_only=False)
    error = np.abs(probability - true_probability(score))
    print(f"\nrecovery on {len(score):,} fresh contracts: mean absolute error {error.mean():.4f}, "
          f"90th percentile {np.quantile(error, 0.9):.4f}, max {error.max():.4f}")
    if plot:
        _plot_recovery(score, probability, out / "recovery.png")
        print(f"plots: {out / 'reliability.png'}, {out / 'recovery.png'}")
    return 0


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _plot_recovery(score: NDArray[np.float64], probability: NDArray[np.float64], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(0.0, 100.0, 201)
    order = np.argsort(score, kind="stable")
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    axes.plot(grid, true_probability(grid), color="black", linewidth=2, label="true curve")
    axes.plot(score[order], probability[order], color="tab:orange", label="calibrated (fresh contracts)")
    axes.set_xlabel("exposure score")
    axes.set_ylabel("probability of the outcome")
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.02, 1.02)
    axes.legend(loc="upper left")
    axes.set_title("Calibration recovers the curve it was fitted to")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main())
