"""Compare two rule packs on the same contracts: what a reviewer needs before approving a change.

:func:`diff_packs` reads the contracts once and scores every batch under both packs through the
one engine, then reports how many contracts change band, gate, or score by more than a
threshold; the band transition matrix; and the contracts that moved most, each with what
explains the move: rules that fire under one pack only (``+rule`` new, ``-rule`` gone), rules
that fire under both but move the score differently (``~rule``), and factors that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from vendorrisk.engine import Rules, Run, pack_of
from vendorrisk.engine import run as engine_run
from vendorrisk.rules.loader import RulePack
from vendorrisk.schema import BANDS, FACTORS, GATES

__all__ = ["CHANGE_COLUMNS", "Change", "PackDiff", "diff_packs"]

#: Points a score must move by to count as changed (scores are rounded to 0.1).
THRESHOLD: Final = 1.0
TOP: Final = 10
#: The columns of one changed contract, as the CSV output writes them.
CHANGE_COLUMNS: Final = (
    "contract_id", "score_old", "score_new", "delta", "band_old", "band_new", "gate_old", "gate_new", "explanation",
)
_FACTOR_EPS: Final = 5e-4


@dataclass(frozen=True)
class Change:
    """One contract whose band or gate changed or whose score moved by more than the threshold."""

    row: int
    contract_id: str
    score_old: float
    score_new: float
    band_old: str
    band_new: str
    gate_old: str
    gate_new: str
    explanation: str

    @property
    def delta(self) -> float:
        return round(self.score_new - self.score_old, 1)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CHANGE_COLUMNS}


@dataclass
class PackDiff:
    """The comparison of two packs over one set of contracts.

    Attributes
    ----------
    transitions : ``(4, 4)`` counts of valid contracts by old band (rows) and new band (columns),
        in :data:`vendorrisk.schema.BANDS` order.
    changes : every changed contract, in input order (see :class:`Change`).
    invalid : contracts refused under either pack (not compared).
    """

    old: RulePack
    new: RulePack
    threshold: float
    rows: int = 0
    invalid: int = 0
    transitions: NDArray[np.int64] = field(default_factory=lambda: np.zeros((len(BANDS), len(BANDS)), dtype=np.int64))
    changes: list[Change] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """The packs have the same fingerprint: they score every contract the same."""
        return self.old.fingerprint == self.new.fingerprint

    @property
    def band_changed(self) -> int:
        return sum(change.band_old != change.band_new for change in self.changes)

    @property
    def gate_changed(self) -> int:
        return sum(change.gate_old != change.gate_new for change in self.changes)

    @property
    def score_moved(self) -> int:
        return sum(abs(change.score_new - change.score_old) > self.threshold for change in self.changes)

    def top(self, n: int = TOP) -> list[Change]:
        """The ``n`` contracts that moved most (by absolute score change; band, then gate changes first among equals)."""
        return sorted(self.changes, key=lambda c: (-abs(c.score_new - c.score_old), c.band_old == c.band_new, c.gate_old == c.gate_new, c.row))[:n]

    def summary(self) -> dict[str, Any]:
        return {
            "old": {"pack": self.old.name, "version": self.old.model.pack.version, "fingerprint": self.old.fingerprint},
            "new": {"pack": self.new.name, "version": self.new.model.pack.version, "fingerprint": self.new.fingerprint},
            "identical": self.identical,
            "contracts": self.rows,
            "invalid": self.invalid,
            "threshold": self.threshold,
            "band_changed": self.band_changed,
            "gate_changed": self.gate_changed,
            "score_moved": self.score_moved,
            "transitions": {old: {new: int(self.transitions[i, j]) for j, new in enumerate(BANDS)} for i, old in enumerate(BANDS)},
        }


def diff_packs(
    batches: Iterable[pa.RecordBatch] | pa.Table, new: Rules, old: Rules = None,
    as_of: dt.date | None = None, threshold: float = THRESHOLD,
) -> PackDiff:
    """Score the same contracts under ``old`` (default: the default pack) and ``new``.

    Each batch is read once and scored under both packs; only the changed contracts are kept.
    A contract is changed when its band or gate differs or its score moves by more than
    ``threshold`` points. Identical packs (same fingerprint) are not scored at all.

    Examples
    --------
    >>> import vendorrisk
    >>> table = vendorrisk.api.to_arrow([{"contract_id": "x", "buyer_country": "PG", "vendor_name": "Huawei"}])
    >>> diff_packs(table, new=None).identical
    True
    """
    result = PackDiff(pack_of(old), pack_of(new), threshold)
    if result.identical:
        return result
    for batch in [batches] if isinstance(batches, pa.Table) else batches:
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        _compare(table, result, as_of)
    return result


def _compare(table: pa.Table, result: PackDiff, as_of: dt.date | None) -> None:
    before, after = engine_run(table, result.old, as_of), engine_run(table, result.new, as_of)
    a, b = before.columns, after.columns
    valid = np.array([not (x or y) for x, y in zip(a["error"], b["error"])], dtype=bool)
    band_a, band_b = (np.array([BANDS.index(v) if v else -1 for v in c["band"]]) for c in (a, b))
    np.add.at(result.transitions, (band_a[valid], band_b[valid]), 1)
    gate_a, gate_b = (np.array([GATES.index(v) if v else -1 for v in c["gate"]]) for c in (a, b))
    moved = np.abs(b["score"] - a["score"]) > result.threshold
    changed = np.flatnonzero(valid & (moved | (band_a != band_b) | (gate_a != gate_b)))
    ids = table.column("contract_id").to_pylist() if "contract_id" in table.column_names else [None] * table.num_rows
    for row in changed:
        result.changes.append(Change(
            result.rows + int(row), "" if ids[row] is None else str(ids[row]),
            float(a["score"][row]), float(b["score"][row]), a["band"][row], b["band"][row],
            a["gate"][row], b["gate"][row], _explain(int(row), before, after, result),
        ))
    result.rows += table.num_rows
    result.invalid += int((~valid).sum())


def _explain(row: int, before: Run, after: Run, result: PackDiff) -> str:
    """``+rule`` fires under the new pack only, ``-rule`` under the old only, ``~rule`` under both
    with a different contribution; then the factors that changed (``access 0.68->0.72``)."""
    def fired(run: Run, pack: RulePack) -> dict[str, float]:
        mask, points = run.scored.fired[row], run.scored.contribution[row]
        return {compiled.rule.id: float(points[j]) for j, compiled in enumerate(pack.rules) if mask[j]}

    old, new = fired(before, result.old), fired(after, result.new)
    parts = [f"+{rule}" for rule in new if rule not in old] + [f"-{rule}" for rule in old if rule not in new]
    parts += [f"~{rule} {old[rule]:+.1f}->{new[rule]:+.1f}" for rule in new if rule in old and abs(new[rule] - old[rule]) > 0.05]
    for factor in FACTORS:
        x, y = float(before.columns[factor][row]), float(after.columns[factor][row])
        if abs(y - x) > _FACTOR_EPS:
            parts.append(f"{factor} {x:.2f}->{y:.2f}")
    return "; ".join(parts) or "the base score (parameters)"
