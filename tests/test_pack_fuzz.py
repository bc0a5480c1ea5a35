"""Fuzzing the rule-pack loader: whatever a pack file holds, loading it returns a pack or raises
:class:`vendorrisk.PackError` (so the CLI exits 2 with a message), never anything else.

The documents are random TOML built from the pack format's own keys (so that they reach the
merging and validation code, not only the reader) and random values of every TOML type.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vendorrisk
from vendorrisk.rules.loader import RulePack, load_rules

#: Keys of the pack format, among random ones, so that documents go deep into the loader.
KEYS = st.sampled_from([
    "pack", "name", "extends", "rules", "id", "enabled", "when", "effect", "kind", "points", "vendors",
    "jurisdictions", "incidents", "code", "parameters", "likelihood", "incident_gain", "bands", "medium",
    "governance", "schema_version", "summary", "rationale", "aliases", "country",
]) | st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),  # NaN and infinities too: TOML has nan and inf
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from(["default", "vendor_remote_access_without_audit", "Huawei", "CN", "legal_reach > 0", "add"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=10)
TOP = st.dictionaries(st.sampled_from(["rules", "vendors", "jurisdictions", "incidents", "parameters", "bands", "assumptions", "governance"]), VALUES, max_size=3)
EXTENDS = st.one_of(st.just("default"), st.just("default"), SCALARS, VALUES)


def toml(value: Any) -> str:
    """``value`` as an inline TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else repr(value)  # repr gives inf, -inf, 1e+16 as TOML does
    if isinstance(value, (int, dt.date)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(key)} = {toml(item)}" for key, item in value.items()) + "}"


@st.composite
def documents(draw: st.DrawFn) -> str:
    pack = {"name": "fuzz", "extends": draw(EXTENDS)}
    body = draw(TOP)
    entries = draw(st.lists(st.dictionaries(KEYS, VALUES, max_size=4), max_size=3))  # [[rules]] entries
    lines = [f"pack = {toml(pack)}", *(f"{key} = {toml(value)}" for key, value in body.items() if key != "rules")]
    lines += [f"rules = {toml(entries + (body['rules'] if isinstance(body.get('rules'), list) else []))}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_pack_document_loads_or_raises_a_pack_error(text: str) -> None:
    """Invariant: ``load_rules`` returns a RulePack or raises PackError, for any document."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8")
        try:
            pack = load_rules(path)
        except vendorrisk.PackError:
            return
        assert isinstance(pack, RulePack)


# --- mutations of a valid pack: one value anywhere replaced, then scored ------------------------

DEFAULT_PACK = Path(__file__).resolve().parents[1] / "rules" / "default"


def _template() -> dict[str, Any]:
    """A valid pack extending the default one that restates one entry of every kind, so that a
    mutation can land anywhere the format has a value (parameters, rules, reference tables)."""
    import tomllib

    def read(name: str) -> dict[str, Any]:
        return tomllib.loads((DEFAULT_PACK / name).read_text(encoding="utf-8"))

    pack, rules = read("pack.toml"), read("rules.toml")
    return {
        "pack": {"name": "mutant", "extends": "default"},
        "parameters": pack["parameters"],
        "assumptions": pack["assumptions"],
        "bands": pack["bands"],
        "rules": rules["rules"][:2],
        "vendors": [next(v for v in read("vendors.toml")["vendors"] if v["name"] == "Huawei")],
        "incidents": read("incidents.toml")["incidents"][:1],
        "jurisdictions": read("jurisdictions.toml")["jurisdictions"][:1],
        "governance_meta": read("governance.toml")["governance_meta"],
        "governance": {"PG": read("governance.toml")["governance"]["PG"]},
    }


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document that holds a value."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    found = [path] if path else []
    for key, child in children:
        found += _paths(child, (*path, key))
    return found


TEMPLATE: Final = _template()
PLACES: Final = _paths(TEMPLATE)
CONTRACTS: Final = [
    {"contract_id": f"M{index}", "buyer_country": buyer, "vendor_name": vendor, "records": records, "signed": signed,
     "data_categories": "health;identity", "hosting": "foreign", "operator": "vendor"}
    for index, (buyer, vendor, records, signed) in enumerate([
        ("PG", "Huawei", 1000, "2020-01-01"), ("DE", "Microsoft", None, None), ("PG", None, 0, "1950-06-30"),
        ("KE", "ZTE", 10**9, "2024-12-31"), ("PG", "Huawei", 5, "2199-01-01"),
    ])
]


def _toml_document(document: dict[str, Any]) -> str:
    return "\n".join(f"{json.dumps(key)} = {toml(value)}" for key, value in document.items()) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PLACES), VALUES)
def test_a_pack_with_any_one_value_changed_loads_and_scores_or_is_a_pack_error(place: tuple[Any, ...], value: Any) -> None:
    """Invariant: replacing any one value of a valid pack gives a PackError, or a pack that scores
    a batch without any exception or numpy warning (pytest makes warnings errors), one row out per row in."""
    import copy

    document = copy.deepcopy(TEMPLATE)
    node = document
    for key in place[:-1]:
        node = node[key]
    node[place[-1]] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.toml"
        path.write_text(_toml_document(document), encoding="utf-8")
        try:
            pack = load_rules(path)
        except vendorrisk.PackError:
            return
    table = vendorrisk.score_table(CONTRACTS, rules=pack)
    assert table.num_rows == len(CONTRACTS)
    assert table.column("contract_id").to_pylist() == [row["contract_id"] for row in CONTRACTS]
