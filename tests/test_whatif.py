"""Tests of :mod:`vendorrisk.whatif` (mitigation plans) and ``vendorrisk explain``.

The default pack's numbers change as the model is refined, so these tests assert properties of
the plans (each is what the engine gives for the changed contract, sorted best first, lowering the
score, the marked ones the smallest), never exact default-pack scores.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import vendorrisk
from vendorrisk import engine
from vendorrisk.cli import EXIT_INVALID_ROWS, EXIT_OK, EXIT_USAGE, main
from vendorrisk.errors import InputError
from vendorrisk.schema import BANDS, FALSE_WORDS, FIELD_BY_NAME, GATES, TRUE_WORDS
from vendorrisk.whatif import DOWN_A_BAND, LOWERS_GATE, what_if, what_ifs

from strategies import contracts

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "contracts.csv"
PG = "PG-2010-IGIS"


def _examples() -> dict[str, dict[str, Any]]:
    with EXAMPLES.open(encoding="utf-8") as handle:
        return {row["contract_id"]: {k: (v or None) for k, v in row.items()} for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def examples() -> dict[str, dict[str, Any]]:
    return _examples()


def test_best_plan_lowers_the_score_and_plans_are_sorted(examples: dict[str, dict[str, Any]]) -> None:
    plans = what_if(examples[PG])
    base = plans.baseline
    assert base.score is not None and len(plans) > 0
    assert plans[0].score < base.score
    keys = [(GATES.index(p.gate), p.score, len(p.changes)) for p in plans]
    assert keys == sorted(keys)
    for plan in plans:
        assert plan.score < base.score or GATES.index(plan.gate) < GATES.index(base.gate or "pass")


def test_each_plan_is_what_the_engine_gives_for_the_changed_contract(examples: dict[str, dict[str, Any]]) -> None:
    """A plan's score, band, gate and stopped rules equal scoring the changed contract on its own."""
    row = examples[PG]
    plans = what_if(row)
    for plan in list(plans)[:5] + [p for p in plans if p.marks]:
        changed = dict(row)
        for change in plan.changes:
            changed.update({name: new for name, (_, new) in change.columns.items()})
        alone = vendorrisk.score(changed)
        assert (alone.score, alone.band, alone.gate) == (plan.score, plan.band, plan.gate)
        assert set(plan.stops_firing) == set(plans.baseline.reasons) - set(alone.reasons)


def test_plans_of_several_contracts_are_one_engine_batch(examples: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = engine.run

    def counting(table: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(table["contract_id"]))
        return real(table, *args, **kwargs)

    monkeypatch.setattr("vendorrisk.whatif.engine_run", counting)
    results = what_ifs([examples[PG], examples["PK-2010-SAFECITY-ISB"]])
    assert len(calls) == 1
    assert calls[0] == 2 + sum(r.candidates for r in results)


def test_marked_plans_are_the_smallest(examples: dict[str, dict[str, Any]]) -> None:
    """The plan marked down-a-band has no smaller plan that moves down a band; same for the gate."""
    for contract_id in (PG, "PK-2010-SAFECITY-ISB", "TJ-2013-SAFECITY"):
        plans = what_if(examples[contract_id])
        base = plans.baseline
        down = [p for p in plans if BANDS.index(p.band) < BANDS.index(base.band or "low")]
        if down:
            marked = plans.down_a_band
            assert marked is not None and DOWN_A_BAND in marked.marks
            assert len(marked.changes) == min(len(p.changes) for p in down)
        if base.gate != "pass":
            lowered = [p for p in plans if GATES.index(p.gate) < GATES.index(base.gate or "pass")]
            if lowered:
                marked = plans.lowers_gate
                assert marked is not None and LOWERS_GATE in marked.marks
                assert len(marked.changes) == min(len(p.changes) for p in lowered)
        assert sum(DOWN_A_BAND in p.marks for p in plans) <= 1


def test_no_change_makes_an_input_riskier() -> None:
    """A contract hosted on the buyer's premises is never offered in-country hosting."""
    plans = what_if({
        "contract_id": "x", "buyer_country": "PG", "vendor_name": "Huawei", "service_type": "data_center",
        "data_categories": "identity", "hosting": "customer_premises", "customer_held_keys": "false",
    })
    ids = {change.id for plan in plans for change in plan.changes}
    assert "in_country_hosting" not in ids
    assert "customer_held_keys" in ids


def test_no_plan_changes_a_column_twice(examples: dict[str, dict[str, Any]]) -> None:
    for plan in what_if(examples[PG]):
        columns = [name for change in plan.changes for name in change.columns]
        assert len(columns) == len(set(columns))


def test_redundant_changes_are_left_out(examples: dict[str, dict[str, Any]]) -> None:
    """No kept plan is matched or beaten by a plan made of a strict subset of its changes."""
    plans = list(what_if(examples[PG]))
    by_ids = {frozenset(p.ids): p for p in plans}
    for plan in plans:
        for other_ids, other in by_ids.items():
            if other_ids < frozenset(plan.ids):
                assert other.score > plan.score or GATES.index(other.gate) > GATES.index(plan.gate)


def test_a_contract_nothing_can_improve_has_no_plans() -> None:
    plans = what_if({"contract_id": "x", "buyer_country": "FR", "vendor_country": "FR", "vendor_parent_country": "none",
                     "financing_country": "none", "service_type": "software", "data_categories": "public"})
    assert plans.baseline.score == 0
    assert len(plans) == 0 and plans.down_a_band is None
    assert "No allowed change" in plans.explain()


def test_invalid_contract_has_no_plans() -> None:
    plans = what_if({"contract_id": "x", "buyer_country": "ZZ"})
    assert plans.baseline.error and len(plans) == 0 and plans.candidates == 0


def test_what_if_refuses_a_non_contract() -> None:
    with pytest.raises(InputError, match="cannot plan for a int"):
        what_ifs([3])  # type: ignore[list-item]


def test_a_policy_pack_adds_its_own_mitigation(tmp_path: Path, examples: dict[str, dict[str, Any]]) -> None:
    pack = tmp_path / "policy.toml"
    pack.write_text(
        '[pack]\nname = "policy"\nextends = "default"\n\n[mitigations]\nmax_changes = 1\n\n'
        '[[mitigations.changes]]\nid = "sovereign_cloud"\nsummary = "Move to the national sovereign cloud."\n'
        'set = { vendor_name = "", hosting = "customer_premises", operator = "customer", customer_held_keys = true }\n'
        'copy = { vendor_country = "buyer_country" }\n',
        encoding="utf-8",
    )
    rules = vendorrisk.load_rules(pack)
    assert len(rules.model.mitigations.changes) == len(vendorrisk.load_rules().model.mitigations.changes) + 1
    plans = what_if(examples[PG], rules)
    assert all(len(plan.changes) == 1 for plan in plans)
    assert "sovereign_cloud" in {plan.ids[0] for plan in plans}


def test_explain_cli_prints_explanation_and_plans(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--id", PG, "--what-if"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"Contract {PG}: exposure" in out and f"What-if for {PG}" in out
    assert "smallest plan down a band" in out


def test_explain_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--id", PG, "--id", "FR-2024-MIN-OVH", "--what-if", "--format", "json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert [item["contract_id"] for item in data] == [PG, "FR-2024-MIN-OVH"]
    best = data[0]["what_if"]["plans"][0]
    assert best["score"] < data[0]["score"]


def test_explain_cli_unknown_id_and_too_many(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES), "--id", "nope"]) == EXIT_USAGE
    assert "no contract_id 'nope'" in capsys.readouterr().err
    assert main(["explain", str(EXAMPLES)]) == EXIT_USAGE
    assert "choose some with --id" in capsys.readouterr().err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contracts())
def test_plans_of_any_contract(row: dict[str, Any]) -> None:
    """For any valid contract: every kept plan lowers the score or the gate, plans are sorted best
    first, no change moves an input up the schema's risk order, and the best plan is exactly what
    the engine gives for the changed contract alone."""
    plans = what_if(row)
    base = plans.baseline
    assert not base.error and base.score is not None
    keys = [(GATES.index(p.gate), p.score, len(p.changes)) for p in plans]
    assert keys == sorted(keys)
    for plan in plans:
        assert plan.score < base.score or GATES.index(plan.gate) < GATES.index(base.gate or "pass")
        for change in plan.changes:
            for name, (old, new) in change.columns.items():
                order = FIELD_BY_NAME[name].risk_order
                if order is not None and old is not None:
                    ranked = [str(value).lower() for value in order]
                    assert ranked.index(str(new).lower()) < ranked.index(_normal(old)), (name, old, new)
    if len(plans):
        changed = dict(row)
        for change in plans[0].changes:
            changed.update({name: new for name, (_, new) in change.columns.items()})
        assert vendorrisk.score(changed).score == plans[0].score


def _normal(cell: str) -> str:
    text = cell.strip().lower()
    return "true" if text in TRUE_WORDS else "false" if text in FALSE_WORDS else text


def test_explain_cli_explains_every_contract_of_a_small_file_and_reports_invalid_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "few.csv"
    path.write_text("contract_id,buyer_country,vendor_name,hosting\na,PG,Huawei,\nb,PG,Huawei,moon\n", encoding="utf-8")
    assert main(["explain", str(path), "--what-if"]) == EXIT_INVALID_ROWS
    out = capsys.readouterr().out
    assert "Contract a: exposure" in out and "What-if for a" in out
    assert "Contract b: not scored: hosting: 'moon'" in out and "What-if for b" not in out
