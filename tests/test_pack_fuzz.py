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
from typing import Any

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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
