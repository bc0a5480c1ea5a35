"""What-if: mitigation plans for a contract, scored through the one engine as one batch.

A *change* is one of the pack's ``[mitigations]`` (data, not code: ``set``, ``copy``, ``remove``,
``scale`` on contract columns). A *plan* is a set of at most ``max_changes`` changes that apply to
the contract (each moves an input towards less exposure in the schema's risk order) and do not
change the same column twice. Every candidate contract, the unchanged one first, goes through
:func:`vendorrisk.engine.run` as a single batch; nothing about a plan's score is estimated.

A plan is kept when it lowers the score or the gate and no plan made of a strict subset of its
changes does at least as well (a change that adds nothing is left out). Plans are sorted best
first: gate level, then score, then number of changes, then pack order. Two plans are marked:
the smallest (fewest changes, then lowest score) that moves the contract down a band, and the
smallest that lowers its gate.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np

from vendorrisk.engine import Rules, as_of_date, pack_of, result_of, row_cells
from vendorrisk.engine import run as engine_run
from vendorrisk.errors import InputError
from vendorrisk.explain import Result
from vendorrisk.rules.loader import RulePack
from vendorrisk.rules.model import Mitigation
from vendorrisk.schema import (
    BANDS,
    CANONICAL_COLUMNS,
    FALSE_WORDS,
    FIELD_BY_NAME,
    GATES,
    TRUE_WORDS,
    Contract,
    to_cell,
)

__all__ = ["DOWN_A_BAND", "LOWERS_GATE", "Change", "Plan", "WhatIf", "what_if", "what_ifs"]

#: Marks on plans.
DOWN_A_BAND: Final = "down_a_band"
LOWERS_GATE: Final = "lowers_gate"
_SEPARATOR: Final = ";"


@dataclass(frozen=True)
class Change:
    """One applied mitigation: its id and summary, and the columns it changes (old -> new cell text;
    ``None`` is unknown)."""

    id: str
    summary: str
    columns: Mapping[str, tuple[str | None, str | None]]

    def text(self) -> str:
        """``id (column: old -> new, ...)``."""
        moved = ", ".join(f"{name}: {_shown(old)} -> {_shown(new)}" for name, (old, new) in self.columns.items())
        return f"{self.id} ({moved})"


@dataclass(frozen=True)
class Plan:
    """A set of changes and the contract's result with them, as the engine scored it.

    ``stops_firing`` lists the rules that fire for the contract as it is and not with the plan;
    ``marks`` holds :data:`DOWN_A_BAND` and/or :data:`LOWERS_GATE` on the marked plans.
    """

    changes: tuple[Change, ...]
    score: float
    band: str
    gate: str
    score_low: float
    score_high: float
    delta: float
    stops_firing: tuple[str, ...]
    starts_firing: tuple[str, ...]
    marks: frozenset[str] = field(default_factory=frozenset)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(change.id for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [
                {"id": c.id, "summary": c.summary, "columns": {k: {"from": o, "to": n} for k, (o, n) in c.columns.items()}}
                for c in self.changes
            ],
            "score": self.score,
            "band": self.band,
            "gate": self.gate,
            "score_low": self.score_low,
            "score_high": self.score_high,
            "delta": self.delta,
            "stops_firing": list(self.stops_firing),
            "starts_firing": list(self.starts_firing),
            "marks": sorted(self.marks),
        }


@dataclass(frozen=True)
class WhatIf:
    """The plans for one contract, best first (iterate or index it like a tuple of :class:`Plan`).

    Attributes
    ----------
    baseline : the contract's :class:`~vendorrisk.explain.Result` as it is.
    plans : the kept plans, best first.
    candidates : how many candidate contracts (plans tried) the engine scored for it.
    """

    baseline: Result
    plans: tuple[Plan, ...]
    candidates: int

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans)

    def __len__(self) -> int:
        return len(self.plans)

    def __getitem__(self, index: int) -> Plan:
        return self.plans[index]

    @property
    def down_a_band(self) -> Plan | None:
        """The smallest plan that moves the contract down at least one band, if any."""
        return next((plan for plan in self.plans if DOWN_A_BAND in plan.marks), None)

    @property
    def lowers_gate(self) -> Plan | None:
        """The smallest plan that lowers the gate (block -> warn or pass, warn -> pass), if any."""
        return next((plan for plan in self.plans if LOWERS_GATE in plan.marks), None)

    def explain(self, limit: int | None = 10) -> str:
        """The plans as readable text: best first, marked plans flagged, at most ``limit`` (None: all)
        besides the marked ones."""
        base = self.baseline
        if base.error:
            return f"No plans for {base.contract_id}: it is not scored ({base.error})"
        head = (
            f"What-if for {base.contract_id}: {len(self.plans)} plans lower its exposure {base.score:.1f} "
            f"({base.band}, gate {base.gate}); {self.candidates} candidate contracts scored in one batch"
        )
        if not self.plans:
            return head + "\n  No allowed change lowers the score or the gate."
        shown = [plan for index, plan in enumerate(self.plans) if limit is None or index < limit or plan.marks]
        lines = [head]
        for plan in shown:
            flags = [label for mark, label in ((DOWN_A_BAND, "smallest plan down a band"), (LOWERS_GATE, "smallest plan lowering the gate")) if mark in plan.marks]
            flag = f"  <- {'; '.join(flags)}" if flags else ""
            lines.append(
                f"  {plan.score:5.1f} ({plan.band}, gate {plan.gate}, {plan.delta:+.1f}) "
                f"{' + '.join(plan.ids)}{flag}"
            )
            for change in plan.changes:
                lines.append(f"        {change.text()}")
            if plan.stops_firing:
                lines.append(f"        stops firing: {', '.join(plan.stops_firing)}")
        if len(shown) < len(self.plans):
            lines.append(f"  ... and {len(self.plans) - len(shown)} more plans")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"candidates": self.candidates, "plans": [plan.to_dict() for plan in self.plans]}


def what_if(contract: Contract | Mapping[str, Any], rules: Rules = None, as_of: dt.date | str | None = None) -> WhatIf:
    """Mitigation plans for one contract, best first, with the plan down a band and the one lowering
    the gate marked.

    Parameters
    ----------
    contract : a :class:`~vendorrisk.schema.Contract` or a mapping of canonical columns.
    rules : a loaded pack, a path to one, or None for the default pack; its ``[mitigations]`` say
        which changes are allowed and how many a plan may combine.
    as_of : read reference data as of this date (default: the contract's ``signed``).

    Every plan's ``score``, ``band`` and ``gate`` come from the engine: the contract and all its
    candidates are scored as one batch.

    Examples
    --------
    >>> plans = what_if({"contract_id": "PG-1", "buyer_country": "PG", "vendor_name": "Huawei",
    ...                  "service_type": "data_center", "data_categories": "identity;tax"})
    >>> plans[0].score < plans.baseline.score
    True
    """
    return what_ifs([contract], rules, as_of)[0]


def what_ifs(contracts: Sequence[Contract | Mapping[str, Any]], rules: Rules = None, as_of: dt.date | str | None = None) -> list[WhatIf]:
    """:func:`what_if` for several contracts: all of them and their candidates in one batch."""
    pack = pack_of(rules)
    rows: list[dict[str, str | None]] = []
    for contract in contracts:
        if not isinstance(contract, (Mapping, Contract)):
            raise InputError(f"cannot plan for a {type(contract).__name__}: give a Contract or a mapping")
        cells = row_cells(contract)
        # An empty cell is unknown, as in a file: plans then say "unknown -> value".
        rows.append({name: _known(cells.get(name)) for name in CANONICAL_COLUMNS})
    plans_per_row = [_candidate_plans(row, pack) for row in rows]
    batch: list[dict[str, str | None]] = []
    starts: list[int] = []
    for row, plans in zip(rows, plans_per_row):
        starts.append(len(batch))
        batch.append(row)
        batch.extend(_applied(row, plan) for plan in plans)
    run = engine_run({name: [row[name] for row in batch] for name in CANONICAL_COLUMNS}, pack, as_of_date(as_of))
    c = run.columns
    score = np.asarray(c["score"], dtype=float)
    low, high = np.asarray(c["score_low"], dtype=float), np.asarray(c["score_high"], dtype=float)
    band, gate = c["band"].to_arrow().to_pylist(), c["gate"].to_arrow().to_pylist()
    fired = run.scored.fired
    ids = [compiled.rule.id for compiled in pack.rules]
    results: list[WhatIf] = []
    for start, row, plans in zip(starts, rows, plans_per_row):
        baseline = result_of(run, start, pack)
        if baseline.error or baseline.score is None:
            results.append(WhatIf(baseline, (), 0))
            continue
        kept: list[Plan] = []
        base_gate = GATES.index(baseline.gate or "pass")
        for offset, changes in enumerate(plans, start=start + 1):
            on, off = fired[start], fired[offset]
            kept.append(
                Plan(
                    changes=tuple(_change(row, mitigation) for mitigation in changes),
                    score=float(score[offset]),
                    band=str(band[offset]),
                    gate=str(gate[offset]),
                    score_low=float(low[offset]),
                    score_high=float(high[offset]),
                    delta=round(float(score[offset]) - baseline.score, 6),
                    stops_firing=tuple(ids[j] for j in np.flatnonzero(on & ~off)),
                    starts_firing=tuple(ids[j] for j in np.flatnonzero(off & ~on)),
                )
            )
        better = [p for p in kept if p.score < baseline.score or GATES.index(p.gate) < base_gate]
        results.append(WhatIf(baseline, _marked(_undominated(better), baseline), len(plans)))
    return results


def _known(cell: Any) -> str | None:
    return None if cell is None or not str(cell).strip() else str(cell)


def _candidate_plans(row: Mapping[str, str | None], pack: RulePack) -> list[tuple[Mitigation, ...]]:
    """Every combination of at most ``max_changes`` applicable changes that touch distinct columns."""
    if not row.get("contract_id") or not row.get("buyer_country"):
        return []
    mitigations = pack.model.mitigations
    applicable = [m for m in mitigations.changes if _new_cells(row, m)]
    plans: list[tuple[Mitigation, ...]] = []
    for size in range(1, min(mitigations.max_changes, len(applicable)) + 1):
        for combination in itertools.combinations(applicable, size):
            columns = [name for m in combination for name in _changed_columns(m)]
            if len(columns) == len(set(columns)):
                plans.append(combination)
    return plans


def _changed_columns(mitigation: Mitigation) -> list[str]:
    return [*mitigation.set, *mitigation.copy_from, *mitigation.remove, *mitigation.scale]


def _new_cells(row: Mapping[str, str | None], mitigation: Mitigation) -> dict[str, str | None]:
    """The cells ``mitigation`` gives the row, or ``{}`` when it does not apply: a column it would
    leave unchanged or make riskier, categories or records that are unknown, all categories removed."""
    new: dict[str, str | None] = {}
    for name, value in mitigation.set.items():
        new[name] = to_cell(value) or None
    for name, source in mitigation.copy_from.items():
        new[name] = row.get(source)
    for name, dropped in mitigation.remove.items():
        current = _categories(row.get(name))
        if not current:
            return {}
        kept = current - {str(category) for category in dropped}
        if not kept or kept == current:
            return {}
        new[name] = _SEPARATOR.join(sorted(kept))
    for name, factor in mitigation.scale.items():
        current_records = _count(row.get(name))
        if current_records is None or current_records == 0:
            return {}
        new[name] = str(int(current_records * factor))
    for column, cell in new.items():
        if not _safer(column, row.get(column), cell):
            return {}
    return new


def _safer(name: str, old: str | None, new: str | None) -> bool:
    """Whether ``new`` is a real change of ``old`` that does not raise the risk of column ``name``."""
    spec = FIELD_BY_NAME[name]
    old_value, new_value = _normal(old, spec.kind), _normal(new, spec.kind)
    if old_value == new_value:
        return False
    order = [str(value).lower() for value in spec.risk_order] if spec.risk_order is not None else None
    if order is None or old_value is None:
        return True
    if new_value is None or old_value not in order or new_value not in order:
        return False
    return order.index(new_value) < order.index(old_value)


def _normal(cell: str | None, kind: str) -> str | None:
    if cell is None or not cell.strip():
        return None
    text = cell.strip().lower()
    if kind == "bool":
        return "true" if text in TRUE_WORDS else "false" if text in FALSE_WORDS else text
    if kind == "set":
        return _SEPARATOR.join(sorted(_categories(text)))
    if kind in ("country", "link_country"):
        return text.upper() if text != "none" else text
    return text


def _categories(cell: str | None) -> set[str]:
    return {part.strip().lower() for part in (cell or "").split(_SEPARATOR) if part.strip()}


def _count(cell: str | None) -> int | None:
    try:
        return None if cell is None or not cell.strip() else int(float(cell))
    except ValueError:
        return None  # the engine reports the bad cell; no plan changes it


def _applied(row: Mapping[str, str | None], plan: Sequence[Mitigation]) -> dict[str, str | None]:
    changed = dict(row)
    for mitigation in plan:
        changed.update(_new_cells(row, mitigation))
    return changed


def _change(row: Mapping[str, str | None], mitigation: Mitigation) -> Change:
    return Change(mitigation.id, mitigation.summary, {name: (row.get(name), new) for name, new in _new_cells(row, mitigation).items()})


def _undominated(plans: Sequence[Plan]) -> list[Plan]:
    """Plans no strict subset of whose changes scores as low with a gate as low, best first."""
    best: dict[frozenset[str], tuple[float, int]] = {frozenset(p.ids): (p.score, GATES.index(p.gate)) for p in plans}
    kept = []
    for plan in plans:
        ids = frozenset(plan.ids)
        level = GATES.index(plan.gate)
        dominated = any(
            other < ids and score <= plan.score and other_level <= level for other, (score, other_level) in best.items()
        )
        if not dominated:
            kept.append(plan)
    return sorted(kept, key=lambda p: (GATES.index(p.gate), p.score, len(p.changes)))


def _marked(plans: list[Plan], baseline: Result) -> tuple[Plan, ...]:
    """Mark the smallest plan down a band and the smallest lowering the gate (fewest changes, then score)."""
    band, gate = BANDS.index(baseline.band or BANDS[0]), GATES.index(baseline.gate or GATES[0])
    smallest = sorted(range(len(plans)), key=lambda i: (len(plans[i].changes), plans[i].score))
    down = next((i for i in smallest if BANDS.index(plans[i].band) < band), None)
    lowered = next((i for i in smallest if GATES.index(plans[i].gate) < gate), None)
    marked = []
    for index, plan in enumerate(plans):
        marks = {mark for mark, chosen in ((DOWN_A_BAND, down), (LOWERS_GATE, lowered)) if chosen == index}
        marked.append(replace(plan, marks=frozenset(marks)) if marks else plan)
    return tuple(marked)


def _shown(cell: str | None) -> str:
    return "unknown" if cell is None else repr(cell)
