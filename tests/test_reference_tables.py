"""Checks for the legal-reach, vendor and incident tables of the default rule pack.

``rules/default/jurisdictions.toml`` is hand-written; ``vendors.toml`` and
``incidents.toml`` are built by ``scripts/build_reference.py``. Tests that need the
shared data directory (default ``../shared`` relative to the repo root, or
``$VENDORRISK_SHARED``) are skipped when it is absent.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACK = REPO_ROOT / "rules" / "default"
JURISDICTIONS = PACK / "jurisdictions.toml"
VENDORS = PACK / "vendors.toml"
INCIDENTS = PACK / "incidents.toml"
SCRIPT = REPO_ROOT / "scripts" / "build_reference.py"
SHARED = Path(os.environ.get("VENDORRISK_SHARED", REPO_ROOT / ".." / "shared"))
CODES_CSV = SHARED / "data" / "countries" / "country-codes.csv"
FACT_SHEET = SHARED / "research" / "jurisdictions.md"
VENDORS_CSV = SHARED / "research" / "vendors.csv"
INCIDENTS_CSV = SHARED / "research" / "incidents.csv"

needs_codes = pytest.mark.skipif(not CODES_CSV.is_file(), reason=f"{CODES_CSV} not found")
needs_research = pytest.mark.skipif(
    not (FACT_SHEET.is_file() and VENDORS_CSV.is_file() and INCIDENTS_CSV.is_file()),
    reason=f"research fact sheets not found under {SHARED}",
)

UNVERIFIED_MARK = "[unverified]"
FACT_SHEET_CODES = {
    "CN", "HK", "US", "RU", "GB", "FR", "DE", "NL", "SE", "FI", "IT", "ES", "IE", "CA",
    "AU", "JP", "KR", "IN", "IL", "TR", "AE", "SA", "SG", "BR", "ZA", "IR", "BY",
}  # fmt: skip
JURISDICTION_KEYS = {"code", "name", "strength", "rationale", "sources", "laws"}
STATE_CONTROL = {"none", "minority", "controlled", "state_owned", "unknown"}
GRADES = {"alleged", "reported", "denied", "audited", "confirmed"}
PRECISIONS = {"day", "month", "year"}
MAX_SUMMARY = 400


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and " " not in value


@pytest.fixture(scope="module")
def jurisdictions() -> list[dict[str, Any]]:
    return _load(JURISDICTIONS)["jurisdictions"]


@pytest.fixture(scope="module")
def vendors() -> list[dict[str, Any]]:
    return _load(VENDORS)["vendors"]


@pytest.fixture(scope="module")
def incidents() -> list[dict[str, Any]]:
    return _load(INCIDENTS)["incidents"]


@pytest.fixture(scope="module")
def alpha2() -> set[str]:
    with CODES_CSV.open(encoding="utf-8", newline="") as f:
        return {r["ISO3166-1-Alpha-2"] for r in csv.DictReader(f) if r["ISO3166-1-Alpha-2"]}


# --- all three tables ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "table"),
    [(JURISDICTIONS, "jurisdictions"), (VENDORS, "vendors"), (INCIDENTS, "incidents")],
)
def test_meta(path: Path, table: str) -> None:
    data = _load(path)
    assert data["schema_version"] == 1
    meta = data[f"{table}_meta"]
    assert meta["table"] == table
    edition, published = ("2026-12", "2026-12-04") if table == "jurisdictions" else ("2026-04", "2026-04-30")
    assert meta["edition"] == edition
    assert meta["published"] == published
    assert meta["source"]


@pytest.mark.parametrize("path", [JURISDICTIONS, VENDORS, INCIDENTS], ids=lambda p: p.name)
def test_no_unverified_mark_ships(path: Path) -> None:
    """Nothing the fact sheets could not source may reach a shipped table."""
    assert UNVERIFIED_MARK not in path.read_text(encoding="utf-8").casefold()


# --- jurisdictions ---------------------------------------------------------------------


def test_jurisdiction_count_and_coverage(jurisdictions: list[dict[str, Any]]) -> None:
    codes = [j["code"] for j in jurisdictions]
    assert len(codes) >= 58
    assert len(codes) == len(set(codes)), "duplicate jurisdiction codes"
    assert FACT_SHEET_CODES <= set(codes)


@needs_codes
def test_jurisdiction_codes_are_alpha2(jurisdictions: list[dict[str, Any]], alpha2: set[str]) -> None:
    assert {j["code"] for j in jurisdictions} <= alpha2


def test_jurisdiction_shape(jurisdictions: list[dict[str, Any]]) -> None:
    for j in jurisdictions:
        code = j["code"]
        assert j["name"], code
        assert isinstance(j["strength"], float) and 0.0 <= j["strength"] <= 1.0, code
        assert j["rationale"].strip(), code
        assert set(j) == JURISDICTION_KEYS, code  # no stored field that no formula reads
        assert j["sources"] and all(_is_url(u) for u in j["sources"]), code
        assert j["laws"], f"{code} has no law"
        for law in j["laws"]:
            assert law["name"] and law["articles"] and law["summary"], (code, law)
            assert isinstance(law["year"], int) and 1900 <= law["year"] <= 2026, (code, law)
            assert _is_url(law["source"]), (code, law["name"])


def test_jurisdiction_strengths_follow_the_fact_sheet(jurisdictions: list[dict[str, Any]]) -> None:
    strength = {j["code"]: j["strength"] for j in jurisdictions}
    assert strength["CN"] == strength["RU"] == strength["IR"] == 0.95
    assert strength["US"] == 0.60
    assert strength["FI"] == 0.20
    assert all(strength[c] < 0.45 for c in ("FR", "DE", "NL", "SE", "FI", "IT", "ES", "IE"))


@needs_research
def test_jurisdiction_urls_come_from_the_fact_sheet(jurisdictions: list[dict[str, Any]]) -> None:
    text = FACT_SHEET.read_text(encoding="utf-8")
    urls = {u for j in jurisdictions for u in j["sources"]}
    urls |= {law["source"] for j in jurisdictions for law in j["laws"]}
    missing = sorted(u for u in urls if u not in text)
    assert not missing


# --- vendors ---------------------------------------------------------------------------


def test_vendor_count_and_names(vendors: list[dict[str, Any]]) -> None:
    names = [v["name"] for v in vendors]
    assert len(names) >= 60
    assert len(names) == len(set(names)), "duplicate vendor names"


def test_vendor_shape(vendors: list[dict[str, Any]]) -> None:
    for v in vendors:
        name = v["name"]
        assert v["seat"], name
        assert v["sources"] and all(_is_url(u) for u in v["sources"]), name
        assert v["state_control"] in STATE_CONTROL, name
        assert v["state_control_note"].strip(), name
        assert isinstance(v["aliases"], list) and all(isinstance(a, str) and a for a in v["aliases"]), name
        assert ("parent" in v) == ("parent_country" in v), name
        for holder in v.get("shareholders", []):
            assert set(holder) == {"country", "share", "holder"}, name
            assert 0.0 < holder["share"] <= 1.0 and holder["holder"], name


@needs_codes
def test_vendor_countries_are_alpha2(vendors: list[dict[str, Any]], alpha2: set[str]) -> None:
    for v in vendors:
        assert v["seat"] in alpha2, v["name"]
        if "parent_country" in v:
            assert v["parent_country"] in alpha2, v["name"]
        for holder in v.get("shareholders", []):
            assert holder["country"] in alpha2, v["name"]


def test_native_script_alias_round_trips(vendors: list[dict[str, Any]]) -> None:
    huawei = next(v for v in vendors if v["name"] == "Huawei")
    assert "华为" in huawei["aliases"]


# --- incidents -------------------------------------------------------------------------


def test_incident_vendors_exist(incidents: list[dict[str, Any]], vendors: list[dict[str, Any]]) -> None:
    names = {v["name"] for v in vendors}
    for inc in incidents:
        assert set(inc["vendors"]) <= names, inc["id"]
        assert inc["vendors"] or inc.get("attribution"), f"{inc['id']} names no vendor and no attribution"


def test_incident_shape(incidents: list[dict[str, Any]]) -> None:
    ids = [inc["id"] for inc in incidents]
    assert len(ids) == len(set(ids)), "duplicate incident ids"
    for inc in incidents:
        assert inc["grade"] in GRADES, inc["id"]
        assert 0 < len(inc["summary"]) <= MAX_SUMMARY, inc["id"]
        assert inc["sources"] and all(_is_url(u) for u in inc["sources"]), inc["id"]
        assert isinstance(inc["countries"], list), inc["id"]


def test_incident_dates_are_the_last_day_they_can_mean(incidents: list[dict[str, Any]]) -> None:
    """A partial date must not make an incident count before it was surely public."""
    for inc in incidents:
        day = dt.date.fromisoformat(inc["date"])
        precision = inc["date_precision"]
        assert precision in PRECISIONS, inc["id"]
        if precision == "month":
            assert (day + dt.timedelta(days=1)).day == 1, inc["id"]
        elif precision == "year":
            assert (day.month, day.day) == (12, 31), inc["id"]


@needs_codes
def test_incident_countries_are_alpha2(incidents: list[dict[str, Any]], alpha2: set[str]) -> None:
    for inc in incidents:
        assert set(inc["countries"]) <= alpha2, inc["id"]
        assert set(inc.get("states", [])) <= alpha2, inc["id"]


def test_african_union_case_is_not_pinned_on_a_vendor(incidents: list[dict[str, Any]]) -> None:
    """No source names the AU headquarters' supplier, so the ledger names none."""
    au = [inc for inc in incidents if inc["date"] == "2018-01-26" and inc["countries"] == ["ET"]]
    assert len(au) == 1
    assert au[0]["vendors"] == []
    assert au[0]["states"] == ["CN"]
    assert au[0]["grade"] == "denied"


# --- the build -------------------------------------------------------------------------


def _build(out_dir: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--shared", str(SHARED), "--out-dir", str(out_dir)],
        check=True,
        capture_output=True,
        text=True,
    )


@needs_research
@needs_codes
def test_build_is_deterministic_and_matches_committed_tables(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _build(first)
    _build(second)
    for name in ("vendors.toml", "incidents.toml"):
        built = (first / name).read_bytes()
        assert built == (second / name).read_bytes(), f"{name}: two builds differ"
        assert built == (PACK / name).read_bytes(), f"{name}: re-run scripts/build_reference.py"
