"""Checks for rules/default/governance.toml (Freedom House statuses and scores).

Tests that compare against the source CSVs or re-run the build need the shared data
directory (default ``../shared`` relative to the repo root, or ``$VENDORRISK_SHARED``);
they are skipped when it is absent.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLE = REPO_ROOT / "rules" / "default" / "governance.toml"
SCRIPT = REPO_ROOT / "scripts" / "build_governance.py"
SHARED = Path(os.environ.get("VENDORRISK_SHARED", REPO_ROOT / ".." / "shared"))
STATUSES_CSV = SHARED / "data" / "freedom_house" / "fiw_1973-2024_statuses_long.csv"
SCORES_CSV = SHARED / "data" / "freedom_house" / "fiw_2013-2024_status_scores.csv"
CODES_CSV = SHARED / "data" / "countries" / "country-codes.csv"

needs_shared = pytest.mark.skipif(
    not (STATUSES_CSV.is_file() and SCORES_CSV.is_file() and CODES_CSV.is_file()),
    reason=f"shared source data not found under {SHARED}",
)

# code -> Freedom House name, for spot checks against the CSVs.
SPOT = {
    "PG": "Papua New Guinea",
    "CN": "China",
    "US": "United States",
    "DE": "Germany",
    "ET": "Ethiopia",
    "XK": "Kosovo",
    "HK": "Hong Kong",
}

# Published FH totals outside 0-100 (the political-rights score can go below zero
# through FH's discretionary question on forced demographic change).
KNOWN_NEGATIVE_TOTALS = {("SY", 2015), ("SY", 2016), ("SY", 2017), ("SY", 2018)}


def _rated_statuses() -> dict[tuple[str, str], str]:
    # (name, edition label) -> status; "-" rows (not rated) are skipped, because
    # Kosovo, for example, has a country row and a territory row per edition.
    return {
        (r["country"], r["edition_label"]): r["status"]
        for r in _csv(STATUSES_CSV)
        if r["status"] != "-"
    }


@pytest.fixture(scope="module")
def table() -> dict:
    with TABLE.open("rb") as f:
        return tomllib.load(f)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_parses_with_meta(table: dict) -> None:
    assert table["schema_version"] == 1
    meta = table["governance_meta"]
    assert meta["table"] == "governance"
    assert meta["edition"] == "FIW 2024"
    assert meta["published"] == "2024-02-29"
    assert meta["available_from"] == "04-01"
    assert "Freedom House" in meta["attribution"]


def test_row_shape(table: dict) -> None:
    for code, row in table["governance"].items():
        assert set(row) <= {"name", "kind", "status", "total"}, code
        assert {"name", "kind", "status"} <= set(row), code
        assert row["kind"] in ("country", "territory"), code
        assert row["status"], code
        keys = [int(k) for k in row["status"]]
        assert keys == sorted(keys), code
        assert all(1973 <= k <= 2024 and k != 1983 for k in keys), code
        if "total" in row:
            tkeys = [int(k) for k in row["total"]]
            assert tkeys == sorted(tkeys), code
            assert all(2013 <= k <= 2024 for k in tkeys), code
            # a total only exists where a status exists
            assert set(row["total"]) <= set(row["status"]), code


def test_codes_sorted_and_enough(table: dict) -> None:
    codes = list(table["governance"])
    assert codes == sorted(codes)
    assert len(codes) >= 190


def test_codes_are_alpha2(table: dict) -> None:
    for code in table["governance"]:
        assert re.fullmatch(r"[A-Z]{2}", code), code


@needs_shared
def test_codes_are_iso_or_xk(table: dict) -> None:
    iso = {r["ISO3166-1-Alpha-2"] for r in _csv(CODES_CSV)}
    assert set(table["governance"]) - iso == {"XK"}


def test_statuses_valid(table: dict) -> None:
    for code, row in table["governance"].items():
        for year, status in row["status"].items():
            assert status in {"F", "PF", "NF"}, (code, year, status)


def test_totals_range(table: dict) -> None:
    for code, row in table["governance"].items():
        for year, total in row.get("total", {}).items():
            assert isinstance(total, int), (code, year)
            if (code, int(year)) in KNOWN_NEGATIVE_TOTALS:
                assert -4 <= total < 0, (code, year, total)
            else:
                assert 0 <= total <= 100, (code, year, total)


def test_no_defunct_state_mapped_onto_successor(table: dict) -> None:
    gov = table["governance"]
    first = {code: min(int(k) for k in row["status"]) for code, row in gov.items()}
    assert first["DE"] == 1991  # not West Germany
    assert first["RU"] == 1992  # not the USSR
    assert first["RS"] == 2007  # not Yugoslavia / Serbia and Montenegro
    assert first["CZ"] == 1994 and first["SK"] == 1994  # not Czechoslovakia
    assert first["YE"] == 1991  # not North/South Yemen
    assert first["VN"] == 1977  # not North/South Vietnam
    assert "PS" not in gov  # Palestinian territories are left out


@needs_shared
def test_spot_checks_2024(table: dict) -> None:
    statuses = _rated_statuses()
    scores = {(r["country"], r["edition"]): r for r in _csv(SCORES_CSV)}
    gov = table["governance"]
    for code, name in SPOT.items():
        row = gov[code]
        assert row["name"] == name
        assert row["status"]["2024"] == statuses[name, "2024"], code
        assert row["status"]["2024"] == scores[name, "2024"]["status"], code
        assert row["total"]["2024"] == int(scores[name, "2024"]["total_score"]), code


@needs_shared
def test_spot_checks_history(table: dict) -> None:
    statuses = _rated_statuses()
    gov = table["governance"]
    # two-year labels map to the later year; "Jan.-Feb." labels to their year
    assert gov["PG"]["status"]["1976"] == statuses["Papua New Guinea", "Jan.-Feb. 1976"]
    assert gov["US"]["status"]["1984"] == statuses["United States", "1983-84"]
    assert gov["CN"]["status"]["2000"] == statuses["China", "1999-2000"]
    assert gov["ET"]["status"]["2002"] == statuses["Ethiopia", "2001-02"]
    assert gov["ET"]["status"]["2003"] == statuses["Ethiopia", "2003"]
    # Kosovo: territory editions and country editions both under XK
    assert gov["XK"]["status"]["1994"] == statuses["Kosovo", "1993-94"] != "-"
    # South Africa 1973 "F (NF)": the black-population rating is used
    assert statuses["South Africa", "Jan.-Feb. 1973"] == "F (NF)"
    assert gov["ZA"]["status"]["1973"] == "NF"


@needs_shared
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "governance.toml"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--shared", str(SHARED), "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == TABLE.read_bytes()
