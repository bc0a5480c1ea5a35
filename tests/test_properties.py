"""Property tests of the scoring engine (invariants in each docstring; STYLE.md point 18).

Most properties score a small batch through :func:`vendorrisk.score_table` (one call per
example keeps the file fast); ``test_batch_equals_one_by_one`` ties that to :func:`vendorrisk.score`.
Rows are given every canonical key (``with_all_columns``) except where a test says otherwise,
so that one property failing does not mask another.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import vendorrisk
from vendorrisk.strategies import (
    CANONICAL_COLUMNS,
    DATA_CATEGORIES,
    HOSTING_RISK_ORDER,
    OPERATOR_RISK_ORDER,
    SERVICE_TYPES,
    UNREGISTERED_VENDORS,
    category_sets,
    contract_lists,
    contracts,
    country_codes,
    join_categories,
    jurisdiction_strengths,
    registry_vendor_names,
    rated_countries,
    with_all_columns,
)

AS_OF = dt.date(2024, 6, 1)  # Freedom House edition 2024 is available from 2024-04-01
EDITION = 2024
GATE_RANK = {"pass": 0, "warn": 1, "block": 2}
BANDS = ((25.0, "low"), (50.0, "medium"), (75.0, "high"), (math.inf, "critical"))
VECTOR = re.compile(r"^VRX:1/DS:[NLMHC]/LR:[NLMHC]/AP:[NLMHC]/IH:[NLMHC]/GV:(F|PF|NF|X)$")
FACTORS = ("sensitivity", "legal_reach", "access", "incidents", "governance")
COMPARED = ("score", "band", "score_low", "score_high", "gate", "reasons", "vector")
STATUS_RANK = {"F": 0, "PF": 1, "NF": 2}
EPS = 1e-9

PACK = vendorrisk.load_rules()
RULE_IDS = {compiled.rule.id for compiled in PACK.rules}
RATED = rated_countries(EDITION)
STRENGTH = jurisdiction_strengths()

# 2024 population by buyer country: rules may judge scale relative to it (population_share).
POPULATION = {code: entry.in_year(2024) for code, entry in PACK.model.population.items()}
# Buyer pairs (better, worse) rated in the 2024 edition where the second is worse on both
# Freedom House measures (total not higher, status not better) and strictly worse on one, and
# its population is known and no larger (so the records' share of the population does not fall).
WORSE_BUYERS = tuple(
    (a, b)
    for a, (status_a, total_a) in sorted(RATED.items())
    for b, (status_b, total_b) in sorted(RATED.items())
    if total_b <= total_a and STATUS_RANK[status_b] >= STATUS_RANK[status_a] and (total_b, status_b) != (total_a, status_a)
    and a in POPULATION and b in POPULATION and POPULATION[b] <= POPULATION[a]
)
# Buyer pairs (larger, smaller) with the same 2024 Freedom House rating and known populations.
SMALLER_BUYERS = tuple(
    (a, b)
    for a, rating_a in sorted(RATED.items())
    for b, rating_b in sorted(RATED.items())
    if rating_a == rating_b and a in POPULATION and b in POPULATION and POPULATION[b] < POPULATION[a]
)
# Assessed jurisdiction pairs (weaker, stronger) with strictly higher compulsion strength.
STRONGER_SEATS = tuple((a, b) for a, sa in sorted(STRENGTH.items()) for b, sb in sorted(STRENGTH.items()) if sb > sa)

# 150 examples each keeps the file well under a minute; raise it to hunt (VENDORRISK_EXAMPLES=5000).
EXAMPLES = int(os.environ.get("VENDORRISK_EXAMPLES", "150"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIGHT = settings(max_examples=max(1, EXAMPLES * 2 // 3), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _table_rows(rows: list[dict[str, Any]], rules: Any = None, as_of: Any = AS_OF) -> list[dict[str, Any]]:
    return vendorrisk.score_table([with_all_columns(row) for row in rows], rules=rules, as_of=as_of).to_pylist()


def _pair(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = _table_rows([before, after])
    assert old["error"] == "" and new["error"] == "", (old["error"], new["error"])
    return old, new


def _assert_not_milder(before: dict[str, Any], after: dict[str, Any]) -> None:
    """The worsened contract scores (point, low, high) no lower, and its gate is no milder."""
    old, new = _pair(before, after)
    for column in ("score", "score_low", "score_high"):
        assert new[column] >= old[column], f"{column} fell from {old[column]} to {new[column]}"
    assert GATE_RANK[new["gate"]] >= GATE_RANK[old["gate"]], (old["gate"], new["gate"])


def _base(data: st.DataObject, **options: Any) -> dict[str, Any]:
    return data.draw(contracts(**options), label="contract")


# --- 1. bounds ---------------------------------------------------------------------------------


@PROPERTY
@given(contract_lists(max_size=6), st.one_of(st.none(), st.dates(dt.date(2005, 1, 1), dt.date(2025, 12, 31))))
def test_scores_factors_and_band_are_bounded_and_consistent(rows: list[dict[str, Any]], as_of: dt.date | None) -> None:
    """Every valid contract: 0 <= score_low <= score <= score_high <= 100; each factor in [0, 1];
    band is low/medium/high/critical for score in [0,25) / [25,50) / [50,75) / [75,100]; gate is
    pass/warn/block; reasons are ids of the pack's rules without repeats; the vector is canonical;
    the fingerprint is the pack's; the error is empty."""
    assert (PACK.model.bands.medium, PACK.model.bands.high, PACK.model.bands.critical) == (25.0, 50.0, 75.0)
    for out in _table_rows(rows, as_of=as_of):
        assert out["error"] == ""
        assert 0.0 <= out["score_low"] <= out["score"] <= out["score_high"] <= 100.0, out
        for factor in FACTORS:
            assert 0.0 <= out[factor] <= 1.0, (factor, out[factor])
        assert out["band"] == next(name for bound, name in BANDS if out["score"] < bound)
        assert out["gate"] in GATE_RANK
        reasons = out["reasons"].split(";") if out["reasons"] else []
        assert len(set(reasons)) == len(reasons) and set(reasons) <= RULE_IDS, reasons
        assert VECTOR.match(out["vector"]), out["vector"]
        assert out["fingerprint"] == PACK.fingerprint


# --- 2. monotone in every risk input -----------------------------------------------------------


@PROPERTY
@given(st.data())
def test_adding_a_data_category_never_lowers_the_score(data: st.DataObject) -> None:
    """Adding one data category to a known set never lowers score, score_low or score_high, and
    never makes the gate milder."""
    before = _base(data)
    categories = data.draw(category_sets(), label="categories")
    extra = data.draw(st.sampled_from([c for c in DATA_CATEGORIES if c not in categories] or ["none"]), label="extra")
    assume(extra not in categories)
    before["data_categories"] = join_categories(categories)
    _assert_not_milder(before, {**before, "data_categories": join_categories(categories | {extra})})


@PROPERTY
@given(st.data(), st.integers(0, 10**9), st.integers(1, 10**10))
def test_more_records_never_lower_the_score(data: st.DataObject, records: int, more: int) -> None:
    """Raising a known record count never lowers the score (point, low, high) or the gate."""
    before = {**_base(data), "records": records}
    _assert_not_milder(before, {**before, "records": records + more})


@PROPERTY
@given(st.data(), st.integers(0, len(OPERATOR_RISK_ORDER) - 2))
def test_riskier_operator_never_lowers_the_score(data: st.DataObject, step: int) -> None:
    """Moving the operator one step along customer < third_party < joint < vendor never lowers
    the score (point, low, high) or the gate."""
    before = {**_base(data), "operator": OPERATOR_RISK_ORDER[step]}
    _assert_not_milder(before, {**before, "operator": OPERATOR_RISK_ORDER[step + 1]})


@PROPERTY
@given(st.data(), st.integers(0, len(HOSTING_RISK_ORDER) - 2))
def test_riskier_hosting_never_lowers_the_score(data: st.DataObject, step: int) -> None:
    """Moving hosting one step along customer_premises < in_country < foreign never lowers the
    score (point, low, high) or the gate."""
    before = {**_base(data), "hosting": HOSTING_RISK_ORDER[step]}
    _assert_not_milder(before, {**before, "hosting": HOSTING_RISK_ORDER[step + 1]})


@PROPERTY
@given(st.data(), st.sampled_from([False, None]))
def test_vendor_remote_access_never_lowers_the_score(data: st.DataObject, start: bool | None) -> None:
    """vendor_remote_access false or unknown -> true never lowers the point score or the gate;
    false -> true never lowers score_low or score_high either."""
    before = {**_base(data), "vendor_remote_access": start}
    old, new = _pair(before, {**before, "vendor_remote_access": True})
    assert new["score"] >= old["score"]
    assert GATE_RANK[new["gate"]] >= GATE_RANK[old["gate"]]
    if start is False:
        assert new["score_low"] >= old["score_low"] and new["score_high"] >= old["score_high"]


@PROPERTY
@given(st.data())
def test_vendor_held_keys_never_lower_the_score(data: st.DataObject) -> None:
    """customer_held_keys true -> false never lowers the score (point, low, high) or the gate."""
    before = {**_base(data), "customer_held_keys": True}
    _assert_not_milder(before, {**before, "customer_held_keys": False})


@PROPERTY
@given(st.data())
def test_losing_audit_rights_never_lowers_the_score(data: st.DataObject) -> None:
    """audit_rights true -> false never lowers the score (point, low, high) or the gate."""
    before = {**_base(data), "audit_rights": True}
    _assert_not_milder(before, {**before, "audit_rights": False})


@PROPERTY
@given(st.data(), st.sampled_from(WORSE_BUYERS))
def test_buyer_with_worse_freedom_house_rating_never_scores_lower(data: st.DataObject, pair: tuple[str, str]) -> None:
    """As of 2024-06-01 (edition 2024), moving the buyer to a country whose Freedom House total is
    not higher and status not better (one strictly worse) never lowers the score or the gate.
    Neither buyer is any state linked to the vendor (so foreignness does not change)."""
    better, worse = pair
    before = _base(data, registry=False)
    links = {before.get(k) for k in ("vendor_country", "vendor_parent_country", "financing_country")}
    assume(better not in links and worse not in links)
    before["buyer_country"] = better
    _assert_not_milder(before, {**before, "buyer_country": worse})


@PROPERTY
@given(st.data(), st.sampled_from(SMALLER_BUYERS))
def test_same_register_in_a_smaller_country_never_scores_lower(data: st.DataObject, pair: tuple[str, str]) -> None:
    """As of 2024-06-01, moving the buyer to a country with the same Freedom House rating and a
    smaller population (a larger population_share) never lowers the score or the gate. Neither
    buyer is any state linked to the vendor (so foreignness does not change)."""
    larger, smaller = pair
    before = _base(data, registry=False)
    links = {before.get(k) for k in ("vendor_country", "vendor_parent_country", "financing_country")}
    assume(larger not in links and smaller not in links)
    before["buyer_country"] = larger
    _assert_not_milder(before, {**before, "buyer_country": smaller})


@PROPERTY
@given(st.data(), st.sampled_from(STRONGER_SEATS))
def test_vendor_seat_with_stronger_compulsion_never_scores_lower(data: st.DataObject, pair: tuple[str, str]) -> None:
    """With no registry vendor, moving vendor_country to a foreign jurisdiction with a higher
    compulsion strength never lowers the score (point, low, high) or the gate."""
    weaker, stronger = pair
    before = _base(data, registry=False)
    assume(before["buyer_country"] not in pair)
    before["vendor_name"] = None
    before["vendor_country"] = weaker
    _assert_not_milder(before, {**before, "vendor_country": stronger})


# Known values an unknown input can take, for the interval property.
_KNOWN_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "service_type": st.sampled_from(SERVICE_TYPES),
    "data_categories": category_sets().map(join_categories),
    "records": st.one_of(st.integers(0, 1_000), st.integers(0, 10**11)),
    "hosting": st.sampled_from(HOSTING_RISK_ORDER),
    "operator": st.sampled_from(OPERATOR_RISK_ORDER),
    "vendor_remote_access": st.booleans(),
    "customer_held_keys": st.booleans(),
    "audit_rights": st.booleans(),
    "vendor_country": country_codes(),
    "vendor_parent_country": st.one_of(st.just("none"), country_codes()),
    "financing_country": st.one_of(st.just("none"), country_codes()),
    "vendor_name": st.sampled_from((*UNREGISTERED_VENDORS, *registry_vendor_names())),
}
_LINKS = ("vendor_country", "vendor_parent_country", "financing_country")


@PROPERTY
@given(st.data(), st.sampled_from(sorted(_KNOWN_VALUES)))
def test_learning_an_unknown_input_never_widens_the_interval(data: st.DataObject, name: str) -> None:
    """Replacing one unknown input by any known value gives an interval inside the old one:
    old score_low <= new score_low and new score_high <= old score_high (so the new point score
    lies in the old interval). Covers the assumable inputs, the vendor's links (vendor not in
    the registry, which would otherwise fill them) and vendor_name (registry or not)."""
    before = _base(data, registry=name not in _LINKS)
    if name in _LINKS:
        before["vendor_name"] = data.draw(st.sampled_from((None, *UNREGISTERED_VENDORS)), label="vendor_name")
    before[name] = None
    after = {**before, name: data.draw(_KNOWN_VALUES[name], label=name)}
    old, new = _pair(before, after)
    assert old["score_low"] - EPS <= new["score_low"], (old, new)
    assert new["score_high"] <= old["score_high"] + EPS, (old, new)
    assert old["score_low"] - EPS <= new["score"] <= old["score_high"] + EPS


# --- 3. domestic vendors -----------------------------------------------------------------------


@PROPERTY
@given(st.data())
def test_domestic_vendor_never_scores_above_a_foreign_one(data: st.DataObject) -> None:
    """With no registry vendor and no parent or financing state, a vendor seated in the buyer's
    country has no legal reach and scores exactly 0 (low, point and high), which is never above
    the same contract with a vendor seated in any other country; its gate is never stricter."""
    before = _base(data, registry=False)
    # A named vendor outside the registry: an unnamed one could have any incident history.
    before.update(vendor_name=data.draw(st.sampled_from(UNREGISTERED_VENDORS)), vendor_parent_country="none", financing_country="none")
    foreign = data.draw(country_codes().filter(lambda code: code != before["buyer_country"]), label="foreign")
    domestic, abroad = _pair({**before, "vendor_country": before["buyer_country"]}, {**before, "vendor_country": foreign})
    assert domestic["legal_reach"] == 0.0
    assert (domestic["score_low"], domestic["score"], domestic["score_high"]) == (0.0, 0.0, 0.0)
    assert domestic["gate"] == "pass"
    assert abroad["score"] >= domestic["score"]
    assert GATE_RANK[abroad["gate"]] >= GATE_RANK[domestic["gate"]]


# --- 4. and 5. one engine, order-free ----------------------------------------------------------


@LIGHT
@given(contract_lists(max_size=5))
def test_batch_equals_one_by_one(rows: list[dict[str, Any]]) -> None:
    """score_table on N contracts gives, row for row, the same score, band, score_low,
    score_high, gate, reasons, vector and factors as score() on each contract alone. Rows are
    passed as drawn: an unknown input may be an absent key, None or ''."""
    table = vendorrisk.score_table(rows, as_of=AS_OF).to_pylist()
    assert [out["contract_id"] for out in table] == [row["contract_id"] for row in rows]
    for row, out in zip(rows, table, strict=True):
        single = vendorrisk.score(row, as_of=AS_OF)
        assert single.error == "" and out["error"] == ""
        got = {name: out[name] for name in COMPARED}
        want = {name: getattr(single, name) for name in COMPARED} | {"reasons": ";".join(single.reasons)}
        assert got == want, row["contract_id"]
        assert {factor: out[factor] for factor in FACTORS} == single.factors


@PROPERTY
@given(contract_lists(min_size=2, max_size=8, unknown="none"), st.randoms(use_true_random=False))
def test_permuting_rows_permutes_results(rows: list[dict[str, Any]], random: Any) -> None:
    """Scoring a permutation of the rows returns the same results, permuted the same way."""
    order = list(range(len(rows)))
    random.shuffle(order)
    out = _table_rows(rows)
    shuffled = _table_rows([rows[i] for i in order])
    for position, index in enumerate(order):
        assert shuffled[position] == out[index]


# --- 6. a rule that adds nothing changes nothing -----------------------------------------------

_NEUTRAL_RULES = {
    "add_zero": 'effect = { kind = "add", points = 0.0 }',
    "multiply_one": 'effect = { kind = "multiply", factor = 1.0 }',
}


@pytest.fixture(scope="module", params=sorted(_NEUTRAL_RULES))
def neutral_pack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> vendorrisk.RulePack:
    path = tmp_path_factory.mktemp("packs") / f"{request.param}.toml"
    path.write_text(
        f"""
[pack]
name = "{request.param}"
extends = "default"

[[rules]]
id = "neutral_rule_always_true"
summary = "Fires on every contract and moves nothing."
rationale = "A neutral effect must not change any score."
when = "records >= 0"
{_NEUTRAL_RULES[request.param]}
""",
        encoding="utf-8",
    )
    pack = vendorrisk.load_rules(path)
    assert [compiled.rule.id for compiled in pack.rules][-1] == "neutral_rule_always_true"
    assert pack.fingerprint != PACK.fingerprint
    return pack


@settings(LIGHT, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=contract_lists(max_size=6, unknown="none"))
def test_neutral_rule_changes_no_score(neutral_pack: vendorrisk.RulePack, rows: list[dict[str, Any]]) -> None:
    """A pack that extends the default with an always-true rule whose effect is add 0 (or
    multiply 1) gives every contract the same score, band, interval, gate, factors and vector
    as the default pack, and the same reasons apart from the neutral rule's own id."""
    default, neutral = _table_rows(rows), _table_rows(rows, rules=neutral_pack)
    for a, b in zip(default, neutral, strict=True):
        for name in ("score", "band", "score_low", "score_high", "gate", "vector", *FACTORS):
            assert a[name] == b[name], name
        assert [r for r in (b["reasons"] or "").split(";") if r and r != "neutral_rule_always_true"] == [
            r for r in (a["reasons"] or "").split(";") if r
        ]
        assert b["fingerprint"] == neutral_pack.fingerprint


# --- 8. the interval -------------------------------------------------------------------------


@PROPERTY
@given(contracts(complete=True, registry=False, buyer_countries=tuple(sorted(RATED))), st.data())
def test_fully_known_contract_has_a_point_interval(row: dict[str, Any], data: st.DataObject) -> None:
    """A contract with every input known, a buyer rated in the 2024 edition and every state
    linked to the vendor assessed in the pack (or 'none') has score_low == score == score_high.

    The vendor is not in the registry: a registry vendor adds its registry seat as a link, and a
    seat the pack has not assessed (e.g. CH for Crypto AG) spans strength 0..1 in the interval.
    It is domestic: a foreign vendor outside the registry has unknown owners, which widen the
    interval (``test_unresolved_foreign_vendor_keeps_the_strongest_reach_open``)."""
    assessed = st.sampled_from(sorted(STRENGTH))
    row["vendor_country"] = row["buyer_country"]
    row["vendor_parent_country"] = data.draw(st.one_of(st.just("none"), assessed), label="vendor_parent_country")
    row["financing_country"] = data.draw(st.one_of(st.just("none"), assessed), label="financing_country")
    (out,) = _table_rows([row])
    assert out["error"] == ""
    assert out["score_low"] == out["score"] == out["score_high"], out


def test_canonical_columns_match_the_design() -> None:
    """The strategies' column list is the public one: a Contract accepts exactly these keys."""
    assert tuple(vendorrisk.Contract.model_fields) == CANONICAL_COLUMNS
    assert isinstance(vendorrisk.score_table([{"contract_id": "a", "buyer_country": "PG"}]), pa.Table)
