"""Plain tests of the default scoring model: ranking sanity, the documented formula, legal
reach through each link, the as-of date, bands, gates and the interval over unknown inputs."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

import vendorrisk

AS_OF = dt.date(2024, 6, 1)
PACK = vendorrisk.load_rules()
ASSUMABLE = (
    "service_type", "data_categories", "records", "hosting", "operator",
    "vendor_remote_access", "customer_held_keys", "audit_rights",
)
# Every input known; an Australian seat (0.50) keeps the 'compellable vendor' floor (>= 0.6, the US
# strength) and the gates out of play, so each control moves the score freely.
BASE: dict[str, Any] = {
    "contract_id": "T-1",
    "buyer_country": "PG",
    "vendor_name": "Unlisted Cloud Ltd",  # named, not in the registry: no incidents, reach from vendor_country
    "vendor_country": "AU",
    "vendor_parent_country": "none",
    "service_type": "cloud_hosting",
    "data_categories": "health",
    "records": 1_000_000,
    "hosting": "foreign",
    "operator": "vendor",
    "vendor_remote_access": True,
    "customer_held_keys": False,
    "audit_rights": False,
    "financing_country": "none",
    "signed": "2024-06-01",
}


def _score(rules: Any = None, as_of: Any = AS_OF, **changes: Any) -> vendorrisk.Result:
    result = vendorrisk.score({**BASE, **changes}, rules=rules, as_of=as_of)
    assert result.error == "", result.error
    return result


def _fh(code: str, edition: int = 2024) -> tuple[str, int]:
    entry = PACK.model.governance[code]
    return entry.status[edition], entry.total[edition]


def _strength(code: str) -> float:
    return next(j.strength for j in PACK.model.jurisdictions if j.code == code)


def _pack_file(tmp_path: Path, name: str, body: str) -> vendorrisk.RulePack:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[pack]\nname = "{name}"\nextends = "default"\n{body}', encoding="utf-8")
    return vendorrisk.load_rules(path)


# --- ranking sanity ----------------------------------------------------------------------------


def test_compelled_assistance_vendor_scores_above_safeguarded_one() -> None:
    """CN (National Intelligence Law, 0.95) above DE (strong safeguards, 0.25), all else equal."""
    assert (_strength("CN"), _strength("DE")) == (0.95, 0.25)
    china, germany = _score(vendor_country="CN"), _score(vendor_country="DE")
    assert (china.legal_reach, germany.legal_reach) == (0.95, 0.25)
    assert china.score > germany.score
    assert "compellable_vendor_can_reach_special_category_data" in china.reasons
    assert "compellable_vendor_can_reach_special_category_data" not in germany.reasons


@pytest.mark.parametrize(
    ("control", "safer", "riskier"),
    [
        ("customer_held_keys", True, False),
        ("operator", "customer", "vendor"),
        ("hosting", "in_country", "foreign"),
        ("hosting", "customer_premises", "in_country"),
        ("audit_rights", True, False),
        ("vendor_remote_access", False, True),
    ],
)
def test_each_control_lowers_the_score(control: str, safer: Any, riskier: Any) -> None:
    """Customer-held keys, customer operation, in-country (or on-premises) hosting, audit rights
    and no remote access each strictly lower the score and the access factor."""
    low, high = _score(**{control: safer}), _score(**{control: riskier})
    assert low.access < high.access
    assert low.score < high.score


def test_not_free_buyer_scores_above_free_buyer() -> None:
    """As of 2024-06-01 (FH edition 2024): Ethiopia (NF, 20) scores above Norway (F, 98)."""
    assert _fh("ET") == ("NF", 20) and _fh("NO") == ("F", 98)
    not_free, free = _score(buyer_country="ET"), _score(buyer_country="NO")
    assert not_free.governance == pytest.approx(0.80) and free.governance == pytest.approx(0.02)
    assert not_free.vector.endswith("GV:NF") and free.vector.endswith("GV:F")
    assert not_free.score > free.score
    assert "weak_oversight_buyer_with_sensitive_data" in not_free.reasons


def test_lower_freedom_house_total_never_scores_lower_niger_vs_uganda() -> None:
    """Monotone in the buyer's Freedom House rating: Niger (2024: PF, total 33) is rated lower than
    Uganda (NF, total 34), so the same contract must not score lower for Niger.

    The governance factor uses the total (Niger's is worse) but the rule
    'weak_oversight_buyer_with_sensitive_data' keys on the status, so Uganda gets +3 points."""
    assert _fh("NE") == ("PF", 33) and _fh("UG") == ("NF", 34)
    niger, uganda = _score(buyer_country="NE"), _score(buyer_country="UG")
    assert niger.governance > uganda.governance
    assert niger.score >= uganda.score, (niger.score, uganda.score, uganda.reasons)


# --- the as-of date and incidents ------------------------------------------------------------

HUAWEI = {"vendor_name": "Huawei", "vendor_country": None, "vendor_parent_country": None}
FIRST_HUAWEI_INCIDENT = min(i.date for i in PACK.model.incidents if "Huawei" in i.vendors)


def test_first_huawei_incident_is_2014() -> None:
    assert FIRST_HUAWEI_INCIDENT == dt.date(2014, 2, 6)


def test_huawei_incidents_counted_only_once_public() -> None:
    """No Huawei incident is public as of 2012-01-01 (incidents 0); many are by 2024-06-01.
    (Tax data keep the block gate for special-category data out of play, so the warn gate shows.)"""
    before = _score(as_of="2012-01-01", customer_held_keys=True, data_categories="tax", **HUAWEI)
    after = _score(as_of="2024-06-01", customer_held_keys=True, data_categories="tax", **HUAWEI)
    assert before.incidents == 0.0
    assert after.incidents > 0.5
    assert before.as_of == dt.date(2012, 1, 1) and after.as_of == dt.date(2024, 6, 1)
    assert after.score > before.score
    assert "vendor_has_documented_access_incidents" in after.reasons and after.gate == "warn"
    assert before.gate == "pass"


def test_incident_counts_from_its_own_date() -> None:
    """An incident counts on and after the day it became public, not the day before."""
    day = FIRST_HUAWEI_INCIDENT
    assert _score(as_of=day - dt.timedelta(days=1), **HUAWEI).incidents == 0.0
    assert _score(as_of=day, **HUAWEI).incidents > 0.0


def test_signed_date_is_the_default_as_of_and_as_of_wins() -> None:
    """Without as_of the contract's signed date is used; an explicit as_of overrides it."""
    signed_2012 = _score(as_of=None, signed="2012-01-01", **HUAWEI)
    assert signed_2012.as_of == dt.date(2012, 1, 1) and signed_2012.incidents == 0.0
    overridden = _score(as_of=dt.date(2024, 6, 1), signed="2012-01-01", **HUAWEI)
    assert overridden.as_of == dt.date(2024, 6, 1) and overridden.incidents > 0.0


def test_unregistered_vendor_has_no_incidents() -> None:
    assert _score(vendor_name="Acme Data Systems", vendor_country="CN").incidents == 0.0


# --- legal reach through each link -----------------------------------------------------------


def test_domestic_vendor_has_no_reach_and_scores_zero() -> None:
    """A state is never foreign to itself: a PG vendor for a PG buyer scores 0 over its whole range."""
    result = _score(vendor_country="PG")
    assert result.legal_reach == 0.0
    assert (result.score_low, result.score, result.score_high) == (0.0, 0.0, 0.0)
    assert result.reasons == () and result.gate == "pass"


def test_chinese_buyer_of_a_chinese_registry_vendor_has_no_legal_reach() -> None:
    result = _score(buyer_country="CN", **HUAWEI)
    assert result.legal_reach == 0.0


def test_local_subsidiary_of_registry_vendor_is_still_reached_through_its_group() -> None:
    """Huawei's PNG subsidiary (vendor_country PG) for a PG buyer is reached via the CN group seat."""
    result = _score(vendor_name="Huawei", vendor_country="PG", vendor_parent_country=None)
    assert result.legal_reach == 0.95


@pytest.mark.parametrize(
    ("changes", "reach"),
    [
        ({"vendor_country": "PG", "vendor_parent_country": "CN"}, 0.95),  # parent weight 1.0
        ({"vendor_country": "PG", "financing_country": "CN"}, 0.475),  # financing weight 0.5
        ({"vendor_country": "DE", "financing_country": "CN"}, 0.475),  # max over links
        ({"vendor_country": "BD"}, 0.8),  # not assessed: unassessed_strength (conservative)
        ({"vendor_country": None}, 0.5),  # unknown seat: assumptions.vendor_strength
    ],
)
def test_legal_reach_is_the_strongest_foreign_link(changes: dict[str, Any], reach: float) -> None:
    assert _score(**changes).legal_reach == pytest.approx(reach)


# --- the documented formula --------------------------------------------------------------------


def test_point_score_follows_the_documented_formula() -> None:
    """score = 100 * S * V * L + the points of the add rules that fire (docs: scoring.py)."""
    p = PACK.model.parameters
    s = p.sensitivity.weights["health"]
    v = p.volume.floor + (1 - p.volume.floor) * min(1.0, math.log10(1 + 1_000_000) / math.log10(1 + p.volume.saturation_records))
    a = (
        p.access.service_type["cloud_hosting"] * p.access.operator["vendor"] * p.access.hosting["foreign"]
        * p.access.vendor_remote_access.true * p.access.customer_held_keys.false * p.access.audit_rights.false
    )
    c = _strength("AU") * p.legal_reach.seat
    g = 1 - _fh("PG")[1] / 100
    likelihood = min(1.0, a * (c * (1 + p.likelihood.governance_gain * g)))
    added = {compiled.rule.id: compiled.rule.effect.points for compiled in PACK.rules if compiled.rule.effect.kind == "add"}
    expected = 100 * s * v * likelihood + added["vendor_can_read_sensitive_data_in_clear"] + added["vendor_remote_access_without_audit"]
    result = _score()
    assert result.reasons == ("vendor_can_read_sensitive_data_in_clear", "vendor_remote_access_without_audit")
    assert result.score == round(expected, 1)
    assert result.factors == pytest.approx(
        {"sensitivity": s, "legal_reach": c, "access": a, "incidents": 0.0, "governance": g}, abs=5e-4
    )


# --- bands and gates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pinned", "band"),
    [(0.0, "low"), (24.9, "low"), (25.0, "medium"), (49.9, "medium"), (50.0, "high"), (74.9, "high"), (75.0, "critical"), (100.0, "critical")],
)
def test_band_thresholds_are_25_50_75(tmp_path: Path, pinned: float, band: str) -> None:
    """A pack that caps and floors every score at X scores exactly X; X >= threshold enters the band."""
    pack = _pack_file(
        tmp_path,
        "pin",
        f"""
[[rules]]
id = "pin_cap"
summary = "Caps every score."
rationale = "Test pack."
when = "true"
effect = {{ kind = "cap", score = {pinned} }}

[[rules]]
id = "pin_floor"
summary = "Floors every score."
rationale = "Test pack."
when = "true"
effect = {{ kind = "floor", score = {pinned} }}
""",
    )
    result = _score(rules=pack)
    assert (result.score, result.band) == (pinned, band)


BLOCKED = {"vendor_country": "CN", "data_categories": "biometric", "operator": "vendor", "customer_held_keys": False}


def test_compelled_vendor_operating_biometric_data_is_blocked() -> None:
    """A vendor under a duty-to-assist law (>= 0.9) that operates biometric data is blocked, whoever
    holds the keys (a vendor that operates the system processes the data in clear: EDPB use case 6)."""
    result = _score(**BLOCKED)
    assert result.gate == "block"
    assert result.reasons[0] == "compelled_vendor_operates_special_category_or_security_data"
    assert _score(**{**BLOCKED, "customer_held_keys": True}).gate == "block"
    assert _score(**{**BLOCKED, "operator": "customer"}).gate == "pass"
    assert _score(**{**BLOCKED, "vendor_country": "AU"}).gate == "pass"


def test_warn_only_pack_turns_blocks_into_warnings(tmp_path: Path) -> None:
    pack = _pack_file(tmp_path, "warn_only", "[gates]\nwarn_only = true\n")
    assert _score(rules=pack, **BLOCKED).gate == "warn"
    assert _score(rules=pack, **BLOCKED).score == _score(**BLOCKED).score


def test_customer_controlled_access_path_caps_below_medium() -> None:
    result = _score(operator="customer", hosting="customer_premises", customer_held_keys=True, vendor_remote_access=False)
    assert "customer_controls_the_whole_access_path" in result.reasons
    assert result.score <= 24.0 and result.band == "low"


# --- the interval over unknown inputs ---------------------------------------------------------


def test_every_input_known_gives_a_point_interval() -> None:
    """A registry vendor: one outside the registry has unknown owners and restrictions."""
    result = _score(vendor_name="Huawei", vendor_country="CN")
    assert result.score_low == result.score == result.score_high


def test_the_rules_never_see_unknown_where_conditions_assume_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Conditions skip the unknown check on the fields they declare never unknown (ordered
    enums, booleans, categories, records, factors): with every input unknown, the engine gives
    each of them a value at the point and at both ends of the interval."""
    import numpy as np

    from vendorrisk import scoring
    from vendorrisk.features import derive
    from vendorrisk.rules.expr import condition_fields
    from vendorrisk.validate import validate

    fields = condition_fields([vendor.name for vendor in PACK.model.vendors])
    solid = frozenset(name for name, spec in fields.items() if not spec.nullable)
    assert {"operator", "hosting", "records", "customer_held_keys", "data_categories", "legal_reach"} <= solid
    monkeypatch.setattr(scoring, "_condition_fields", lambda pack: solid)
    inputs = validate({"contract_id": ["T-1", "T-2"], "buyer_country": [None, "PG"]})
    features = derive(inputs, PACK, AS_OF)
    scenario = np.repeat(np.arange(3), inputs.n)
    filled = scoring._fill(inputs, PACK)
    env = scoring.rule_env(inputs, features, filled, scoring.factors(features, PACK, filled, scenario), scenario, PACK)
    assert set(env) == solid
    for name, column in env.items():
        unknown = np.isnan(column) if column.dtype.kind == "f" else column.astype(np.int64) < 0
        assert not unknown.any(), name


def test_unknown_hosting_spans_exactly_the_hosting_values() -> None:
    """Unknown hosting: the point score is the assumed value's (in_country), score_low the least
    exposed value's (customer_premises), score_high the most exposed value's (foreign).

    The vendor is a registry vendor: one outside the registry has unknown owners, which widen
    the interval too."""
    registry = {"vendor_name": "Microsoft"}
    unknown = _score(hosting=None, **registry)
    assert PACK.model.assumptions.hosting == "in_country"
    assert unknown.score_low < unknown.score < unknown.score_high
    assert unknown.score == _score(hosting="in_country", **registry).score
    assert unknown.score_low == _score(hosting="customer_premises", **registry).score
    assert unknown.score_high == _score(hosting="foreign", **registry).score


def test_naming_the_vendor_stays_inside_the_unknown_vendor_interval() -> None:
    """An unknown vendor_name spans every vendor it could be, so naming one (here Huawei's local
    subsidiary: vendor_country PG, reached through its CN group seat) lands inside that range."""
    local = {"vendor_country": "PG", "vendor_parent_country": "none", "financing_country": "none",
             "service_type": "data_center", "data_categories": "identity", "hosting": "in_country"}
    unknown, huawei = _score(vendor_name=None, **local), _score(vendor_name="Huawei", **local)
    assert huawei.legal_reach == 0.95
    assert unknown.score_low <= huawei.score <= unknown.score_high, (unknown.score_low, unknown.score_high, huawei.score)


def test_unknown_inputs_take_the_pack_assumptions_for_the_point_score() -> None:
    """All assumable inputs unknown scores like the contract filled with the pack's assumptions."""
    assumptions = PACK.model.assumptions
    unknown = _score(**{name: None for name in ASSUMABLE})
    filled = {name: getattr(assumptions, name) for name in ASSUMABLE}
    filled["data_categories"] = ";".join(assumptions.data_categories)
    assumed = _score(**filled)
    assert (unknown.score, unknown.gate, unknown.reasons, unknown.factors) == (assumed.score, assumed.gate, assumed.reasons, assumed.factors)
    assert unknown.score_low < assumed.score_low and unknown.score_high > assumed.score_high


# --- the vector ----------------------------------------------------------------------------------


def test_vector_levels_start_at_the_pack_thresholds() -> None:
    """N at 0 (or below), L just above 0, then M, H and C from exactly the pack's thresholds on."""
    from types import SimpleNamespace

    import numpy as np

    from vendorrisk.explain import vectors
    from vendorrisk.scoring import Factors, Scored

    v = PACK.model.vector
    values = np.array([-0.5, 0.0, 5e-324, v.medium - 1e-9, v.medium, v.high - 1e-9, v.high, v.critical - 1e-9, v.critical, 1.0])
    expected = "NNLLMMHHCC"
    n = len(values)
    zero = np.zeros(n)
    factors = Factors(zero, zero, values, values, values, zero, values, zero, zero, zero, np.full(n, -1))
    scored = Scored(factors, zero, zero, zero, np.zeros(n, np.int8), np.zeros(n, np.int8), np.zeros((n, 0), bool), np.zeros((n, 0)), {})
    features = SimpleNamespace(governance_status=np.array([-1, 0, 1, 2, 0, 1, 2, 0, 1, 2]))
    coded = vectors(scored, features, PACK)  # type: ignore[arg-type]
    for row, level in enumerate(expected):
        status = ("X", "F", "PF", "NF")[features.governance_status[row] + 1]
        assert coded[row] == f"VRX:1/DS:{level}/LR:{level}/AP:{level}/IH:{level}/GV:{status}", row


# --- rule effects with values that tell the operations apart (issue 23) ------------------------
#
# BASE fires two add rules (+5, +3) and nothing else; its base score is well below the knee.
# SMALL_DATA keeps even the interval's high end below it, so added points show one for one.
SMALL_DATA: dict[str, Any] = {"data_categories": "education", "records": 10_000}


def _base_score(pack: vendorrisk.RulePack, **changes: Any) -> float:
    """The base score ``100 * I * L`` of BASE (with ``changes``), before any rule."""
    from vendorrisk.engine import row_cells, run

    cells = row_cells({**BASE, **changes})
    return float(run({name: [cell] for name, cell in cells.items()}, pack, AS_OF).scored.factors.base_score[0])


def _rule(rule_id: str, when: str, effect: str) -> str:
    return f'[[rules]]\nid = "{rule_id}"\nsummary = "test"\nrationale = "test"\nwhen = "{when}"\neffect = {{ {effect} }}\n'


@pytest.mark.parametrize("factor", [1.5, 0.6])
def test_a_multiply_rule_scales_the_base_before_the_adds(tmp_path: Path, factor: float) -> None:
    pack = _pack_file(tmp_path, "times", _rule("scale_it", "vendor_country == 'AU'", f'kind = "multiply", factor = {factor}'))
    result = _score(rules=pack)
    base = _base_score(pack)
    assert 10 < base < 50
    assert result.score == round(base * factor + 5.0 + 3.0, 1)
    moved = {rule.id: points for rule, points in result.details["rules"]}  # type: ignore[attr-defined]
    assert moved["scale_it"] == pytest.approx(base * (factor - 1), abs=1e-9)


@pytest.mark.parametrize(("effect", "expected"), [("add", 7.0), ("multiply", None)])
def test_a_raising_rule_on_an_unknown_input_counts_only_at_the_high_end(tmp_path: Path, effect: str, expected: float | None) -> None:
    value = 'points = 7.0' if effect == "add" else 'factor = 1.4'
    body = _rule("open_rule", "service_type == 'cloud_hosting'", f'kind = "{effect}", {value}')
    with_rule, without = _pack_file(tmp_path, "open", body), _pack_file(tmp_path, "plain", "")
    unknown, plain = _score(rules=with_rule, service_type=None, **SMALL_DATA), _score(rules=without, service_type=None, **SMALL_DATA)
    assert "open_rule" not in unknown.reasons
    assert unknown.score == plain.score  # the point needs the condition to be sure
    assert unknown.score_low == plain.score_low  # the low end assumes the rule does not fire
    assert unknown.score_high > plain.score_high  # the high end assumes it does
    if expected is not None:
        assert unknown.score_high == pytest.approx(plain.score_high + expected, abs=0.051)
    known = _score(rules=with_rule, service_type="cloud_hosting", **SMALL_DATA)
    assert "open_rule" in known.reasons


@pytest.mark.parametrize(("effect", "value"), [("add", "points = -7.0"), ("multiply", "factor = 0.6"), ("cap", "score = 5.0")])
def test_a_lowering_rule_on_an_unknown_input_counts_only_at_the_low_end(tmp_path: Path, effect: str, value: str) -> None:
    body = _rule("open_rule", "service_type == 'cloud_hosting'", f'kind = "{effect}", {value}')
    with_rule, without = _pack_file(tmp_path, "open", body), _pack_file(tmp_path, "plain", "")
    unknown, plain = _score(rules=with_rule, service_type=None, **SMALL_DATA), _score(rules=without, service_type=None, **SMALL_DATA)
    assert "open_rule" not in unknown.reasons
    assert unknown.score == plain.score
    assert unknown.score_high == plain.score_high  # the high end assumes the rule does not fire
    assert unknown.score_low < plain.score_low  # the low end assumes it does
    if effect == "cap":
        assert unknown.score_low == 5.0


def test_a_floor_on_an_unknown_input_lifts_only_the_high_end(tmp_path: Path) -> None:
    body = _rule("open_floor", "service_type == 'cloud_hosting'", 'kind = "floor", score = 66.6')
    unknown = _score(rules=_pack_file(tmp_path, "floor", body), service_type=None, **SMALL_DATA)
    plain = _score(rules=_pack_file(tmp_path, "plain", ""), service_type=None, **SMALL_DATA)
    assert plain.score_high < 66.6
    assert (unknown.score_low, unknown.score, unknown.score_high) == (plain.score_low, plain.score, 66.6)


# --- sensitivity: the bonus for linked categories ----------------------------------------------


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ("education", 0.6),
        ("education;location", 0.85),  # 0.75 + 0.1 * (2 - 1)
        ("education;location;social_welfare", 0.95),  # 0.75 + 0.1 * (3 - 1)
        ("location;public", 0.75),  # public (0.05) is below the linkage threshold: no bonus
        ("public;none", 0.05),
        ("tax;financial;legal", 1.0),  # 0.8 + 0.2 capped at 1
        ("none", 0.0),
    ],
)
def test_sensitivity_adds_the_linkage_bonus_per_linked_category(categories: str, expected: float) -> None:
    assert _score(data_categories=categories).sensitivity == pytest.approx(expected, abs=1e-9)


# --- dates and degenerate packs ------------------------------------------------------------------


def test_an_undated_contract_is_read_as_of_today() -> None:
    from vendorrisk.features import derive
    from vendorrisk.validate import validate

    inputs = validate({"contract_id": ["T-1", "T-2"], "buyer_country": ["PG", "PG"], "signed": [None, "2019-03-04"]})
    features = derive(inputs, PACK, None, today=dt.date(2021, 5, 6))
    assert features.as_of.astype(str).tolist() == ["2021-05-06", "2019-03-04"]
    assert _score(signed=None, as_of=None).as_of == dt.date.today()


def _every_rule_disabled(tmp_path: Path, keep: tuple[str, ...] = ()) -> vendorrisk.RulePack:
    body = "".join(
        f'[[rules]]\nid = "{compiled.rule.id}"\nenabled = false\n' for compiled in PACK.rules if compiled.rule.id not in keep
    )
    return _pack_file(tmp_path, "bare", body)


def test_a_pack_without_enabled_rules_scores_the_base(tmp_path: Path) -> None:
    bare = _every_rule_disabled(tmp_path)
    assert not bare.rules
    result = _score(rules=bare)
    assert result.score == round(_base_score(bare), 1)
    assert (result.gate, result.reasons) == ("pass", ())


def test_floors_apply_in_a_pack_without_caps(tmp_path: Path) -> None:
    """Caps and floors are separate passes: no cap must not skip the floors."""
    floor = "compellable_vendor_can_reach_special_category_data"
    pack = _every_rule_disabled(tmp_path, keep=(floor,))
    # US seat (0.6): the floor's reach threshold; small data keeps the base below 50
    result = _score(rules=pack, vendor_name="Microsoft", vendor_country="US", data_categories="health", records=1000)
    assert _base_score(pack, vendor_name="Microsoft", vendor_country="US", data_categories="health", records=1000) < 50
    assert (result.score, result.reasons) == (50.0, (floor,))


# --- pack parameters the default values do not exercise -----------------------------------------


def test_a_category_weighing_exactly_the_linkage_threshold_is_linked(tmp_path: Path) -> None:
    pack = _pack_file(tmp_path, "edge", "[parameters.sensitivity.weights]\neducation = 0.5\n")
    # education (0.5, at the threshold) and location (0.75): two linked categories
    assert _score(rules=pack, data_categories="education;location").sensitivity == pytest.approx(0.85, abs=1e-9)


def test_unknown_categories_span_every_category_at_the_high_end(tmp_path: Path) -> None:
    """The high end assumes every category, whichever of them weighs most (here health alone)."""
    low = "\n".join(f"{c} = 0.1" for c in ("biometric", "defense", "law_enforcement", "identity", "telecom_metadata", "tax",
                                             "financial", "legal", "social_welfare", "location", "education"))  # fmt: skip
    pack = _pack_file(tmp_path, "health_only", f"[parameters.sensitivity.weights]\n{low}\n")
    unknown, health = _score(rules=pack, data_categories=None), _score(rules=pack, data_categories="health")
    assert unknown.score_high >= health.score > _score(rules=pack, data_categories="tax").score


def test_a_pack_may_rate_governance_by_status_only(tmp_path: Path) -> None:
    pack = _pack_file(tmp_path, "status", "[parameters.governance]\nuse_total = false\n")
    weights = pack.model.parameters.governance.status_weights
    status, _ = _fh("PG")
    assert _score(rules=pack).governance == pytest.approx(weights[status], abs=5e-4)
    assert _score().governance != pytest.approx(weights[status], abs=5e-4)


# --- reach_country: the state behind legal reach, a known "none", or unknown ----------------------


def test_reach_country_is_the_seat_when_the_seat_is_the_strongest_link(tmp_path: Path) -> None:
    """SAP NS2: seat US (0.6) over a German parent; a rule on reach_country sees the seat's state."""
    pack = _pack_file(tmp_path, "us", _rule("reached_by_us", "reach_country == 'US'", 'kind = "add", points = 1.0'))
    result = _score(rules=pack, vendor_name="SAP NS2", vendor_country=None, vendor_parent_country=None)
    assert "reached_by_us" in result.reasons


def test_no_foreign_state_is_known_only_when_every_link_is_known(tmp_path: Path) -> None:
    """A lowering rule on ``reach_country != 'CN'`` is sure for a domestic vendor whose links are all
    known, and open (not at the point) when one link, here the financing state, is unknown; the two
    contracts in one batch do not change each other's answer."""
    pack = _pack_file(tmp_path, "none", _rule("not_china", "reach_country != 'CN'", 'kind = "add", points = -2.0'))
    domestic = {"vendor_name": "Lao Digital Systems", "vendor_country": "LA", "buyer_country": "LA", "vendor_parent_country": "none"}
    table = vendorrisk.score_table([{**BASE, **domestic, "financing_country": "none"}, {**BASE, **domestic, "financing_country": None}], rules=pack)
    reasons = table.column("reasons").to_pylist()
    assert "not_china" in reasons[0].split(";")
    assert "not_china" not in reasons[1].split(";")
