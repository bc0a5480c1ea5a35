"""Lint a rule pack: conditions that cannot matter, rules that do nothing, and monotonicity.

Findings (each with a kind, the rule id or parameter key, the file, a message):

``never_true`` / ``always_true``
    The condition is false (true) for every value of the fields it reads, over their domains:
    factors 0..1, ``base_score`` 0..100, counts and amounts >= 0, every enum, category and
    boolean value. Each field is tried at its bounds and at every number the condition names
    (and just either side), fields independently; exact for comparisons of a field with a
    constant, a search for arithmetic between fields.
``unreachable``
    No contract of a sample (fixed seed, tilted towards the safest and riskiest value of each
    input) makes the rule or gate fire, scored through the engine: its condition may be
    satisfiable field by field but not by any real input (e.g. ``access > 0.9`` with keys held).
``floor_over_cap``
    A floor above a cap, both firing on some sampled contract: the floor wins, so the cap does
    not cap.
``shadowed``
    The rule fires on sampled contracts but never changes a score, because another rule's floor
    sets it every time (scored again with the rule switched off).
``no_references`` / ``no_remediation``
    A rule without sources, or without a remediation to show the buyer.
``risk_order``
    Weights that break the risk order the loader does not check: incident grade weights that
    fall as evidence gets stronger (denied < alleged < reported < audited < confirmed), and
    ``control_single`` above ``control_combined``.
``not_monotone``
    A hypothesis search (fixed seed, a time budget) for one worsening input
    (:func:`vendorrisk.strategies.worsenings`) that lowers the score or the gate while every
    factor stays the same or rises; the counterexample comes as a ready-to-paste
    ``[[tests]]`` case (inputs the case does not need left out). The loader already refuses rules whose condition moves against their
    effect on an ordered input; what it lets through are conditions on inputs it cannot order
    (countries, vendors, service types) and the combination of several rules.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from vendorrisk.engine import Rules, pack_of
from vendorrisk.engine import run as engine_run
from vendorrisk.reference import GRADES
from vendorrisk.rules.expr import FieldType, condition_fields
from vendorrisk.rules.loader import CompiledRule, RulePack
from vendorrisk.rules.model import Cap, Floor, Gate
from vendorrisk.schema import FACTORS, FIELD_BY_NAME, FIELDS, GATES, NO_LINK, DataCategory, to_cell

__all__ = ["KINDS", "Finding", "lint_pack", "monotonicity", "test_case_toml"]

Kind = Literal[
    "never_true", "always_true", "unreachable", "floor_over_cap", "shadowed",
    "no_references", "no_remediation", "risk_order", "not_monotone",
]
KINDS: Final[tuple[Kind, ...]] = (
    "never_true", "always_true", "unreachable", "floor_over_cap", "shadowed",
    "no_references", "no_remediation", "risk_order", "not_monotone",
)
#: Contracts in the reachability sample, and the most field combinations a static check tries.
SAMPLE: Final = 20_000
MAX_GRID: Final = 200_000
#: Default time budget of the monotonicity search, in seconds, and examples per hypothesis round.
BUDGET: Final = 3.0
ROUND: Final = 30
PAIRS: Final = 8
#: Domains of the numbers that are not 0-1 factors: counts and ratios the engine derives, and inputs.
_DOMAINS: Final = {
    "base_score": (0.0, 100.0), "records": (0.0, 1e12), "value_usd": (0.0, 1e12),
    "restricting_states": (0.0, 250.0),  # states that list the vendor: at most every state
    "population_share": (0.0, 1e6),  # records / population: above 1 where records count more than people
}
_EPS: Final = 1e-9
#: Columns no score reads, left out of a counterexample's test case.
_UNSCORED: Final = frozenset({"contract_id", "buyer_name", "value_usd", "source"})


@dataclass(frozen=True)
class Finding:
    """One lint finding; ``example`` is a ready-to-paste ``[[tests]]`` case (monotonicity only)."""

    kind: Kind
    key: str
    file: str
    message: str
    example: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "file": self.file, "message": self.message, "example": self.example}


def lint_pack(rules: Rules = None, *, budget: float = BUDGET, seed: int = 0, sample: int = SAMPLE) -> list[Finding]:
    """Every finding for a pack (see the module docstring), static ones first.

    Parameters
    ----------
    budget : seconds the monotonicity search may take (0 skips it).
    seed : seed of the reachability sample and of the search (the same seed finds the same).
    sample : contracts in the reachability sample.
    """
    pack = pack_of(rules)
    findings = [*_documentation(pack), *_risk_order(pack)]
    static = _static(pack)
    findings += static
    dead = {finding.key for finding in static if finding.kind == "never_true"}
    findings += _sampled(pack, seed, sample, dead)
    if budget > 0:
        findings += monotonicity(pack, budget=budget, seed=seed)
    return findings


def _file(pack: RulePack, key: str) -> str:
    return pack.origins.get(key, pack.origins.get(key.split(".")[0], pack.source))


def _documentation(pack: RulePack) -> list[Finding]:
    findings: list[Finding] = []
    for compiled in pack.rules:
        rule, key = compiled.rule, f"rules.{compiled.rule.id}"
        if not rule.references:
            findings.append(Finding("no_references", key, compiled.origin, "the rule cites no references: say where its effect comes from"))
        if not rule.remediation.strip():
            findings.append(Finding("no_remediation", key, compiled.origin, "the rule has no remediation: say what contract terms would lower it"))
    return findings


def _risk_order(pack: RulePack) -> list[Finding]:
    params = pack.model.parameters
    findings: list[Finding] = []
    weights = [params.incidents.grade_weights[grade] for grade in GRADES]
    if any(later < earlier for earlier, later in zip(weights, weights[1:])):
        key = "parameters.incidents.grade_weights"
        order = " <= ".join(f"{grade} {weight:g}" for grade, weight in zip(GRADES, weights))
        findings.append(Finding("risk_order", key, _file(pack, "parameters"), f"grade weights fall as evidence gets stronger: {order} does not hold"))
    reach = params.legal_reach
    if reach.control_single > reach.control_combined:
        findings.append(Finding(
            "risk_order", "parameters.legal_reach.control_single", _file(pack, "parameters"),
            f"control_single {reach.control_single:g} is above control_combined {reach.control_combined:g}: more control would lower reach",
        ))
    return findings


# --- conditions over the fields' domains -------------------------------------------------------


def _static(pack: RulePack) -> list[Finding]:
    fields = condition_fields([vendor.name for vendor in pack.model.vendors])
    findings: list[Finding] = []
    for compiled in pack.rules:
        truth = _over_domains(compiled, fields)
        if truth is None:
            continue
        what = "gate" if isinstance(compiled.rule.effect, Gate) else "rule"
        key = f"rules.{compiled.rule.id}"
        if not truth.any():
            findings.append(Finding("never_true", key, compiled.origin, f"the condition is never true over the fields' domains, so this {what} can never fire: {compiled.rule.when}"))
        elif truth.all():
            findings.append(Finding("always_true", key, compiled.origin, f"the condition is true for every contract, so this {what} always fires: {compiled.rule.when}"))
    return findings


def _over_domains(compiled: CompiledRule, fields: dict[str, FieldType]) -> NDArray[np.bool_] | None:
    """The condition's truth over a grid of every field's candidate values, ``(n_grid,)``."""
    condition = compiled.condition
    tree = ast.parse(condition.text.strip(), mode="eval")
    constants = [float(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)]
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    names = sorted(condition.fields)
    candidates = [_candidates(name, fields[name], constants, strings) for name in names]
    size = int(np.prod([len(values) for values in candidates], dtype=np.float64)) if candidates else 1
    if not names:
        env: dict[str, NDArray[Any]] = {}
        n = 1
    elif size <= MAX_GRID:
        grid = np.array(list(itertools.product(*candidates)), dtype=np.float64).T
        env, n = dict(zip(names, grid)), size
    else:  # too many combinations: a fixed random sample of them
        rng = np.random.default_rng(0)
        env = {name: rng.choice(np.asarray(values, dtype=np.float64), MAX_GRID) for name, values in zip(names, candidates)}
        n = MAX_GRID
    typed = {
        name: values if fields[name].type == "number" else values.astype(np.int64)
        for name, values in env.items()
    }
    return condition(typed, n)


def _candidates(name: str, field: FieldType, constants: Sequence[float], strings: set[str]) -> list[float]:
    if field.type == "number":
        low, high = _DOMAINS.get(name, (0.0, 1.0) if field.increasing and not FIELD_BY_NAME.get(name) else (-1e12, 1e12))
        values = {low, high}
        for constant in constants:
            for value in (constant, constant - _EPS, constant + _EPS, constant * (1 - _EPS), constant * (1 + _EPS)):
                if low <= value <= high:
                    values.add(float(value))
        return sorted(values)
    if field.type == "bool":
        return [0.0, 1.0]
    if field.type == "set":
        named = [index for index, value in enumerate(field.values) if value in strings][:8]
        other = next((index for index in range(len(field.values)) if index not in named), None)
        bits = [1 << index for index in named] + ([1 << other] if other is not None else [])
        return sorted({float(sum(combo)) for k in range(1, len(bits) + 1) for combo in itertools.combinations(bits, k)})
    # enums, countries, vendors: every value when few, else the named ones and one other
    if len(field.values) <= 20:
        return [float(index) for index in range(len(field.values))]
    named = [index for index, value in enumerate(field.values) if value in strings or value.upper() in strings]
    other = next((index for index in range(len(field.values)) if index not in named), None)
    return [float(index) for index in named] + ([float(other)] if other is not None else [])


# --- a sample of real contracts through the engine ---------------------------------------------


def sample_contracts(pack: RulePack, n: int, seed: int) -> pa.Table:
    """``n`` contracts with every input of :data:`vendorrisk.schema.FIELDS` known: each input,
    independently, its safest value (1/3), its riskiest (1/3) or any value (1/3), so that rare
    corners (every control absent, a strong state, a large register) are reached.

    The order comes from the schema (ordered enums, booleans, counts) or the pack (an enum the
    access parameters weigh, category weights, jurisdiction strengths); unordered inputs take
    any value. Vendor names are half registry vendors (their seats and ledgers), half none.
    """
    rng = np.random.default_rng(seed)
    model = pack.model
    strengths = {j.code: j.strength for j in model.jurisdictions}
    countries = np.array(sorted(set(model.governance) | set(strengths)), dtype=object)
    ranked = sorted(strengths, key=lambda code: -strengths[code])
    strongest = np.array(ranked[: max(1, len(ranked) // 5)], dtype=object)
    weakest = np.array(ranked[-max(1, len(ranked) // 5):], dtype=object)
    links = np.append(countries, NO_LINK)
    vendors = np.array([vendor.name for vendor in model.vendors], dtype=object)
    weights = model.parameters.sensitivity.weights
    by_weight = sorted(DataCategory, key=lambda c: weights[c])
    days = (dt.date(2025, 12, 31) - dt.date(2000, 1, 1)).days

    def anyof(values: Sequence[Any] | NDArray[Any]) -> NDArray[Any]:
        return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]

    def tilted(safe: Any, risky: Any, any_: NDArray[Any]) -> NDArray[Any]:
        options = np.stack([np.broadcast_to(np.asarray(safe, dtype=object), n), np.broadcast_to(np.asarray(risky, dtype=object), n), any_])
        chosen: NDArray[Any] = options[rng.integers(0, 3, n), np.arange(n)]
        return chosen

    def amounts() -> NDArray[Any]:
        return tilted("0", "1000000000", (10 ** rng.uniform(0, 9, n)).astype(np.int64).astype(str).astype(object))

    def categories() -> NDArray[Any]:
        values = np.array([c.value for c in DataCategory])
        chosen = rng.random((n, len(values))) < 0.2
        chosen[np.arange(n), rng.integers(0, len(values), n)] = True
        mixed = np.array([";".join(values[row]) for row in chosen], dtype=object)
        return tilted(by_weight[0].value, ";".join(c.value for c in by_weight[-5:]), mixed)

    columns: dict[str, NDArray[Any]] = {}
    for spec in FIELDS:
        name = spec.name
        weighted = getattr(model.parameters.access, name, None)
        if spec.kind == "id":
            columns[name] = np.array([f"s{i}" for i in range(n)], dtype=object)
        elif name == "vendor_name":
            columns[name] = np.where(rng.random(n) < 0.5, anyof(vendors), np.full(n, None, dtype=object)) if len(vendors) else np.full(n, None, dtype=object)
        elif spec.kind == "country":
            columns[name] = anyof(countries) if spec.required else tilted(anyof(weakest), anyof(strongest), anyof(countries))
        elif spec.kind == "link_country":
            columns[name] = tilted(NO_LINK, anyof(strongest), anyof(links))
        elif spec.kind == "enum" and (spec.risk_order or isinstance(weighted, dict)):
            order = [str(v) for v in spec.risk_order] if spec.risk_order else sorted(spec.values, key=lambda v: weighted[v])  # type: ignore[index]
            columns[name] = tilted(order[0], order[-1], anyof(spec.values))
        elif spec.kind == "enum":
            columns[name] = anyof(spec.values)
        elif spec.kind == "set":
            columns[name] = categories()
        elif spec.kind == "bool" and spec.risk_order is not None:
            safe, risky = (str(v).lower() for v in spec.risk_order)
            columns[name] = tilted(safe, risky, anyof(["true", "false"]))
        elif spec.kind in ("count", "amount"):
            columns[name] = amounts()
        elif spec.kind == "date":
            columns[name] = np.array([str(dt.date(2000, 1, 1) + dt.timedelta(days=int(d))) for d in rng.integers(0, days, n)], dtype=object)
    return pa.table({name: pa.array(list(values), pa.string()) for name, values in columns.items()})


def _sampled(pack: RulePack, seed: int, n: int, dead: set[str]) -> list[Finding]:
    table = sample_contracts(pack, n, seed)
    done = engine_run(table, pack, None)
    fired = done.scored.fired  # (n, n_rules)
    score = done.columns["score"]
    findings: list[Finding] = []
    rules = list(pack.rules)
    for j, compiled in enumerate(rules):
        key = f"rules.{compiled.rule.id}"
        if key in dead:
            continue
        if not fired[:, j].any():
            what = "gate" if isinstance(compiled.rule.effect, Gate) else "rule"
            findings.append(Finding("unreachable", key, compiled.origin, f"no contract of {n} sampled (seed {seed}) makes this {what} fire: {compiled.rule.when}"))
    for (i, floor), (j, cap) in itertools.product(_of_kind(rules, Floor), _of_kind(rules, Cap)):
        together = fired[:, i] & fired[:, j]
        if floor.score > cap.score and together.any():
            findings.append(Finding(
                "floor_over_cap", f"rules.{rules[j].rule.id}", rules[j].origin,
                f"the floor {floor.score:g} of {rules[i].rule.id} fires with this cap {cap.score:g} on {int(together.sum())} of {n} sampled "
                f"contracts, and a floor wins over a cap, so the cap does not hold there",
            ))
    floors = [i for i, _ in _of_kind(rules, Floor)]
    for j, compiled in enumerate(rules):
        rows = np.flatnonzero(fired[:, j])
        others = np.array([i for i in floors if i != j], dtype=np.intp)
        if isinstance(compiled.rule.effect, Gate) or not rows.size or not others.size or not fired[np.ix_(rows, others)].any(axis=1).all():
            continue
        without = RulePack(pack.model, tuple(r for r in rules if r is not compiled), pack.fingerprint + "-lint", pack.source, pack.origins)
        again = engine_run(table.take(pa.array(rows)), without, None).columns["score"]
        if np.array_equal(again, score[rows]):
            findings.append(Finding(
                "shadowed", f"rules.{compiled.rule.id}", compiled.origin,
                f"fires on {rows.size} of {n} sampled contracts but never changes a score: a floor of another rule sets it every time",
            ))
    return findings


def _of_kind(rules: Sequence[CompiledRule], kind: type[Floor] | type[Cap]) -> list[tuple[int, Any]]:
    return [(j, compiled.rule.effect) for j, compiled in enumerate(rules) if isinstance(compiled.rule.effect, kind)]


# --- monotonicity ------------------------------------------------------------------------------


def monotonicity(rules: Rules = None, *, budget: float = BUDGET, seed: int = 0) -> list[Finding]:
    """Search for one worsening input that lowers the score or the gate (at most one finding).

    Rounds of :data:`ROUND` hypothesis examples, seeded ``seed``, ``seed + 1``, ... run until
    ``budget`` seconds have passed (at least one round, so a short budget on a slow machine still
    searches the same first examples); each example scores up to :data:`PAIRS` pairs from
    :func:`vendorrisk.strategies.worsenings` in one engine batch. A pair counts only where
    every factor of the worse contract is at least that of the better one, so a pair the
    strategy misjudges (e.g. a registry vendor whose seat is not the input) cannot be reported.
    The first counterexample is reduced (each input it does not need is left out, so unknown)
    and returned as a finding whose ``example`` is a ``[[tests]]`` case that fails until the
    pack is fixed. Hypothesis's own shrinking is not used: on a busy machine it took longer
    than the search.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded
    from hypothesis import strategies as st

    from vendorrisk.strategies import worsenings

    pack = pack_of(rules)
    found: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    # Values the conditions name are tried as the worse value more often (a rule on one country
    # of two hundred is otherwise rarely hit).
    named = {node.value for c in pack.rules for node in ast.walk(ast.parse(c.rule.when.strip(), mode="eval"))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    pairs = st.lists(worsenings(pack, favour=sorted(named)), min_size=1, max_size=PAIRS)

    def check(batch: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        hit = _violation(pack, batch)
        if hit is not None:
            found.append(hit)
            raise AssertionError("a worsening lowered the score or gate")

    started = time.monotonic()
    round_ = 0
    while not found and (round_ == 0 or time.monotonic() - started < budget):  # at least one round
        test = settings(
            max_examples=ROUND, deadline=None, database=None, verbosity=Verbosity.quiet, derandomize=False,
            suppress_health_check=list(HealthCheck), phases=(Phase.generate,),
        )(seeded(seed + round_)(given(pairs)(check)))
        try:
            test()
        except AssertionError:
            pass
        except BaseException as exc:  # hypothesis may group failures; only ours can occur here
            if not found:
                raise exc
        round_ += 1
    if not found:
        return []
    better, worse, before, after = _reduced(pack, *found[0])
    changed = next(name for name in worse if worse[name] != better.get(name))
    what = "score" if after["score"] < before["score"] - _EPS else "gate"
    message = (
        f"making {changed} worse ({better[changed]!r} -> {worse[changed]!r}) lowers the {what}: "
        f"{before['score']:.1f} {before['gate']} -> {after['score']:.1f} {after['gate']} "
        f"(rules before: {before['reasons'] or 'none'}; after: {after['reasons'] or 'none'})"
    )
    culprits = sorted(set(before["reasons"].split(";")) ^ set(after["reasons"].split(";")) - {""})
    key = f"rules.{culprits[0]}" if culprits else f"contract.{changed}"
    file = _file(pack, key)
    expect = {"score_min": before["score"]} if what == "score" else {"gate": before["gate"]}
    example = test_case_toml(f"monotone_in_{changed}", worse, expect, comment=f"{changed} {better[changed]!r} scored {before['score']:.1f} ({before['gate']}); worse must not score lower")
    return [Finding("not_monotone", key, file, message, example)]


_Hit = tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]


def _violation(pack: RulePack, batch: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> _Hit | None:
    """The first pair of ``batch`` whose worse contract scores (or gates) lower while none of its
    factors is lower, with both outcomes; the pairs are scored in one engine batch."""
    rows = [row for pair in batch for row in pair]
    names = list(dict.fromkeys(name for row in rows for name in row))
    table = {name: [to_cell(row.get(name)) for row in rows] for name in names} | {"contract_id": [f"m{i}" for i in range(len(rows))]}
    c = engine_run(table, pack, None).columns
    for k, (better, worse) in enumerate(batch):
        a, b = 2 * k, 2 * k + 1
        if c["error"][a] or c["error"][b]:
            continue
        if any(c[f][b] < c[f][a] - _EPS for f in FACTORS):
            continue
        if c["score"][b] < c["score"][a] - _EPS or GATES.index(c["gate"][b]) < GATES.index(c["gate"][a]):
            before, after = ({"score": float(c["score"][r]), "gate": c["gate"][r], "reasons": c["reasons"][r]} for r in (a, b))
            return better, worse, before, after
    return None


def _reduced(pack: RulePack, better: dict[str, Any], worse: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> _Hit:
    """The counterexample with every input left out (unknown) that it does not need, one at a time
    in column order: what stays is what the failing test case must say."""
    changed = next(name for name in worse if worse[name] != better.get(name))
    for name in list(better):
        if name in (changed, "contract_id", "buyer_country"):
            continue
        trial = ({k: v for k, v in better.items() if k != name}, {k: v for k, v in worse.items() if k != name})
        hit = _violation(pack, [trial])
        if hit is not None:
            better, worse, before, after = hit
    return better, worse, before, after


def test_case_toml(name: str, contract: dict[str, Any], expect: dict[str, Any], comment: str = "") -> str:
    """A ``[[tests]]`` table in TOML, ready to paste into a pack."""
    lines = [f"# {comment}"] if comment else []
    cells = ", ".join(f"{key} = {_toml(value)}" for key, value in contract.items() if value not in (None, "") and key not in _UNSCORED)
    lines += ["[[tests]]", f"name = {_toml(name)}", f"contract = {{ {cells} }}", f"expect = {{ {', '.join(f'{k} = {_toml(v)}' for k, v in expect.items())} }}"]
    return "\n".join(lines)


test_case_toml.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, frozenset, set)):
        return "[" + ", ".join(_toml(item) for item in sorted(value)) + "]"
    text = str(value)
    if ";" in text and all(part in DataCategory.__members__.values() for part in text.split(";")):
        return _toml(text.split(";"))
    return json.dumps(text, ensure_ascii=False)
