"""The golden vectors (tests/golden.py): every number of every golden contract, compared exactly.

A failure here means a number users read has moved. If the move is intended, regenerate with
``python tests/golden.py --write`` and explain it in the commit message and CHANGELOG.md.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from golden import CONTRACTS, HERE, PACKS, compute, read_contracts
from vendorrisk import load_rules
from vendorrisk.features import LINK_KINDS
from vendorrisk.rules.model import Add, Cap, Floor, Gate, Multiply
from vendorrisk.schema import FIELD_BY_NAME

REGENERATE = "if the change is intended: python tests/golden.py --write, and say why in the commit and CHANGELOG.md"


def _expected(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module", params=sorted(PACKS))
def golden(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], dict[str, Any]]:
    name = request.param
    return name, _expected(name), compute(PACKS[name])


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in actual:
                found.append(f"{path}{key}: expected {expected[key]!r}, now missing")
            elif key not in expected:
                found.append(f"{path}{key}: now {actual[key]!r}, not expected")
            else:
                found += _differences(expected[key], actual[key], f"{path}{key}.")
        return found
    return [] if expected == actual and type(expected) is type(actual) else [f"{path[:-1]}: expected {expected!r}, now {actual!r}"]


def test_every_golden_value_is_unchanged(golden: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    name, expected, actual = golden
    assert expected["pack"] == actual["pack"]
    assert [c["contract_id"] for c in actual["contracts"]] == [c["contract_id"] for c in expected["contracts"]], REGENERATE
    problems = []
    for old, new in zip(expected["contracts"], actual["contracts"]):
        problems += [f"{name} {old['contract_id']}: {d}" for d in _differences(old, new)]
    assert not problems, "\n".join([*problems, REGENERATE])


def test_the_differences_helper_notices_a_changed_value() -> None:
    assert _differences({"a": {"b": 1.0}}, {"a": {"b": 1.05}}) == ["a.b: expected 1.0, now 1.05"]
    assert _differences({"a": 1}, {"a": 1.0}) == ["a: expected 1, now 1.0"]
    assert _differences({"a": 1}, {"b": 1}) == ["a: expected 1, now missing", "b: now 1, not expected"]


# --- what the golden contracts cover (so the claim in docs/testing.md stays true) ------------------


def _contracts(name: str) -> list[dict[str, Any]]:
    contracts: list[dict[str, Any]] = _expected(name)["contracts"]
    return contracts


@pytest.mark.parametrize("kind", [Add, Multiply, Floor, Cap, Gate], ids=lambda k: k.__name__.lower())
def test_goldens_pin_every_effect_kind_with_a_value_that_moves_the_score(kind: type) -> None:
    """A rule of each kind fires with an effect that is not neutral and, except for gates, moves
    some contract's score (an add of 0 or a multiply by 1 would pin nothing)."""
    moved = set()
    for name, pack_path in PACKS.items():
        pack = load_rules(pack_path)
        of_kind = {c.rule.id for c in pack.rules if isinstance(c.rule.effect, kind)}
        for contract in _contracts(name):
            for rule, points in contract["rules"].items():
                if rule in of_kind and (points != 0 or kind is Gate):
                    moved.add(rule)
    assert moved, f"no golden contract fires a {kind.__name__} rule that moves its score"
    if kind is Multiply:
        factors = {
            c.rule.effect.factor for p in PACKS.values() for c in load_rules(p).rules if c.rule.id in moved and isinstance(c.rule.effect, Multiply)
        }
        assert any(f > 1 for f in factors) and any(f < 1 for f in factors), factors


def test_goldens_pin_every_kind_of_foreign_link() -> None:
    reached = {c["reach_state"].split(" (")[-1].rstrip(")") for c in _contracts("default.json") if c["reach_state"]}
    assert set(LINK_KINDS) <= reached


def test_goldens_leave_every_scored_input_unknown_somewhere_and_it_opens_the_interval() -> None:
    table = read_contracts(CONTRACTS).to_pylist()
    by_id = {c["contract_id"]: c for c in _contracts("default.json")}
    scored_inputs = [
        "vendor_name", "vendor_country", "vendor_parent_country", "service_type", "data_categories", "records",
        "hosting", "operator", "vendor_remote_access", "customer_held_keys", "audit_rights", "financing_country",
    ]  # fmt: skip
    for column in scored_inputs:
        assert column in FIELD_BY_NAME
        alone = [
            row["contract_id"]
            for row in table
            if row[column] is None and all(row[other] is not None for other in scored_inputs if other != column and other in ("service_type", "data_categories", "records", "hosting", "operator", "vendor_remote_access", "customer_held_keys", "audit_rights"))
        ]
        assert any(row[column] is None for row in table), column
        for contract_id in alone:
            golden = by_id[contract_id]
            assert golden["score_low"] <= golden["score"] <= golden["score_high"], contract_id


@pytest.mark.parametrize(
    ("contract_id", "what"),
    [
        ("unassessed-seat-unregistered", "a seat in a state no jurisdiction entry assesses"),
        ("unknown-seat-named-vendor", "a named vendor without a seat"),
        ("no-governance-rating", "a buyer without a Freedom House rating"),
        ("unknown-population", "a buyer without a population figure"),
        ("au-hq-network-unnamed", "no vendor named: its incidents unknown"),
        ("unknown-records-only", "records unknown"),
        ("unknown-service-only", "an unordered input unknown"),
    ],
)
def test_goldens_hold_each_unknown_reference_fact_with_an_open_interval(contract_id: str, what: str) -> None:
    golden = {c["contract_id"]: c for c in _contracts("default.json")}[contract_id]
    assert golden["score_low"] < golden["score_high"], what
