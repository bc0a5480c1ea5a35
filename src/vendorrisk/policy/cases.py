"""Run a pack's ``[[tests]]`` through the one scoring engine, as one batch per as-of date.

Each test is a contract in the canonical columns and an expectation (band, score, score range,
gate, rules that must or must not fire, or that the contract is refused). :func:`run_tests`
scores every test's contract together (:func:`vendorrisk.engine.run`, the path
:func:`vendorrisk.score` takes) and compares; a failure carries what came out, so updating an
expectation is a matter of reading it. The report also gives rule coverage: the rules no test
makes fire and the bands no test reaches.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np

from vendorrisk.engine import Rules, pack_of
from vendorrisk.engine import run as engine_run
from vendorrisk.errors import InputError
from vendorrisk.rules.loader import RulePack
from vendorrisk.rules.model import Expectation, PackTest
from vendorrisk.schema import BANDS, CANONICAL_COLUMNS, to_cell

__all__ = ["Actual", "Outcome", "PackReport", "Status", "check", "run_tests"]

Status = Literal["pass", "fail", "skip"]
#: Scores are rounded to one decimal at the output; ``score = x`` matches within half of that.
SCORE_TOLERANCE: Final = 0.05


@dataclass(frozen=True)
class Actual:
    """What the engine gave a test's contract (score and band are None when it was refused)."""

    score: float | None
    band: str
    gate: str
    fired: tuple[str, ...]
    error: str

    def describe(self) -> str:
        """One line: ``score 43.2 (medium), gate pass, fired: a, b`` or ``refused: <error>``."""
        if self.error:
            return f"refused: {self.error}"
        fired = ", ".join(self.fired) if self.fired else "none"
        return f"score {self.score:.1f} ({self.band}), gate {self.gate}, fired: {fired}"

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "band": self.band or None, "gate": self.gate or None,
                "fired": list(self.fired), "error": self.error or None}


@dataclass(frozen=True)
class Outcome:
    """One test's result: its status, what failed (one line per unmet expectation) and what came out."""

    name: str
    status: Status
    problems: tuple[str, ...] = ()
    actual: Actual | None = None
    skip_reason: str = ""
    origin: str = ""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class PackReport:
    """Every test of one pack, in pack order, and its rule coverage.

    Attributes
    ----------
    uncovered_rules : enabled rules (gates included) that no run test makes fire.
    unreached_bands : bands no run test's score falls in.
    """

    pack: RulePack
    outcomes: tuple[Outcome, ...]
    uncovered_rules: tuple[str, ...]
    unreached_bands: tuple[str, ...]
    counts: Mapping[Status, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.counts.get("fail", 0)


def check(expect: Expectation, actual: Actual, disabled: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Every expectation ``actual`` does not meet, each as ``key: expected ..., got ...``
    (``disabled``: rule ids the pack switches off, named as such when a test expects them)."""
    problems: list[str] = []
    refused = bool(actual.error)
    if expect.invalid not in (None, False):
        if not refused:
            problems.append(f"invalid: expected the contract to be refused, got {actual.describe()}")
        elif isinstance(expect.invalid, str) and expect.invalid not in actual.error:
            problems.append(f"invalid: expected an error containing {expect.invalid!r}, got {actual.error!r}")
        return tuple(problems)
    if refused:
        return (f"expected a scored contract, got refused: {actual.error}",)
    score = actual.score if actual.score is not None else math.nan
    if expect.score is not None and not abs(score - expect.score) <= SCORE_TOLERANCE:
        problems.append(f"score: expected {expect.score:g}, got {score:.1f}")
    if expect.score_min is not None and not score >= expect.score_min:
        problems.append(f"score_min: expected at least {expect.score_min:g}, got {score:.1f}")
    if expect.score_max is not None and not score <= expect.score_max:
        problems.append(f"score_max: expected at most {expect.score_max:g}, got {score:.1f}")
    if expect.band is not None and actual.band != expect.band:
        problems.append(f"band: expected {expect.band}, got {actual.band}")
    if expect.gate is not None and actual.gate != expect.gate:
        problems.append(f"gate: expected {expect.gate}, got {actual.gate}")
    missing = [rule for rule in expect.fires if rule not in actual.fired]
    if missing:
        off = [rule for rule in missing if rule in disabled]
        note = f" ({', '.join(off)} disabled in this pack)" if off else ""
        problems.append(f"fires: expected {', '.join(missing)} to fire{note}; fired: {', '.join(actual.fired) or 'none'}")
    unwanted = [rule for rule in expect.not_fires if rule in actual.fired]
    if unwanted:
        problems.append(f"not_fires: expected {', '.join(unwanted)} not to fire, but it fired")
    return tuple(problems)


def run_tests(rules: Rules = None, names: Sequence[str] | None = None) -> PackReport:
    """Run a pack's tests (all, or those in ``names``) and report each with the pack's coverage.

    Raises :class:`~vendorrisk.errors.InputError` if a name in ``names`` is not a test of the pack.

    The contracts of the tests are scored together through :func:`vendorrisk.engine.run`: one
    batch per distinct ``as_of`` (one batch when no test sets it). Coverage counts the rules
    that fired (at the point score) in any test that ran, whether it passed or not.

    Examples
    --------
    >>> report = run_tests()  # the default pack
    >>> report.passed, report.counts["fail"]
    (True, 0)
    """
    pack = pack_of(rules)
    tests = [test for test in pack.model.tests if names is None or test.name in names]
    missing = sorted(set(names or ()) - {test.name for test in tests})
    if missing:
        raise InputError(f"{pack.source}: no test named {missing[0]!r} in pack {pack.name}")
    actuals = score_tests(pack, [test for test in tests if test.skip is None])
    outcomes: list[Outcome] = []
    fired: set[str] = set()
    bands: set[str] = set()
    disabled = frozenset(rule.id for rule in pack.model.rules if not rule.enabled)
    for test in tests:
        origin = pack.origins.get(f"tests.{test.name}", pack.source)
        if test.skip is not None:
            outcomes.append(Outcome(test.name, "skip", skip_reason=test.skip, origin=origin))
            continue
        actual = actuals[test.name]
        fired.update(actual.fired)
        if not actual.error:
            bands.add(actual.band)
        problems = check(test.expect, actual, disabled)
        outcomes.append(Outcome(test.name, "fail" if problems else "pass", problems, actual, origin=origin))
    counts: dict[Status, int] = {"pass": 0, "fail": 0, "skip": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    uncovered = tuple(compiled.rule.id for compiled in pack.rules if compiled.rule.id not in fired)
    return PackReport(pack, tuple(outcomes), uncovered, tuple(band for band in BANDS if band not in bands), counts)


def score_tests(pack: RulePack, tests: Sequence[PackTest]) -> dict[str, Actual]:
    """Score the tests' contracts, one engine batch per distinct ``as_of``; by test name."""
    groups: dict[dt.date | None, list[PackTest]] = {}
    for test in tests:
        groups.setdefault(test.as_of, []).append(test)
    rule_ids = np.array([compiled.rule.id for compiled in pack.rules], dtype=object)
    actuals: dict[str, Actual] = {}
    for as_of, group in groups.items():
        columns = contract_columns([test.contract for test in group], [test.name for test in group])
        done = engine_run(columns, pack, as_of)
        c, fired = done.columns, done.scored.fired
        for row, test in enumerate(group):
            error = c["error"][row] or ""
            score = float(c["score"][row])
            actuals[test.name] = Actual(
                score=None if error or math.isnan(score) else score,
                band=c["band"][row] or "",
                gate=c["gate"][row] or "",
                fired=() if error else tuple(str(rule) for rule in rule_ids[fired[row]]),
                error=error,
            )
    return actuals


def contract_columns(contracts: Sequence[Mapping[str, Any]], ids: Sequence[str]) -> dict[str, list[str | None]]:
    """Test contracts as columns of cells (what :func:`vendorrisk.score` gives the engine for one row).

    A contract without ``contract_id`` takes its test's name. A column no contract gives is left
    out, so that it is unknown, as in :func:`vendorrisk.score`.
    """
    names = [name for name in CANONICAL_COLUMNS if name == "contract_id" or any(name in contract for contract in contracts)]
    return {
        name: [to_cell(contract.get(name, test_id if name == "contract_id" else None)) for contract, test_id in zip(contracts, ids)]
        for name in names
    }
