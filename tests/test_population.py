"""Scale relative to the buyer's population (issue 13, item 8): a whole-population register of a
small state is national in scale though it holds far fewer than ten million records."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import vendorrisk
from vendorrisk.engine import provenance
from vendorrisk.reference import COUNTRY_INDEX
from vendorrisk.rules.expr import FieldType, condition_fields

REPO_ROOT = Path(__file__).resolve().parents[1]
TABLE = REPO_ROOT / "rules" / "default" / "population.toml"
SCRIPT = REPO_ROOT / "scripts" / "build_population.py"
SHARED = Path(os.environ.get("VENDORRISK_SHARED", REPO_ROOT / ".." / "shared"))
if not (SHARED / "data").is_dir():
    SHARED = Path("/work/shared")
POPULATION_CSV = SHARED / "data" / "population" / "population.csv"
RULE = "national_scale_identity_register_with_foreign_reach"

# A Huawei-built identity register for the whole population of Vanuatu (about 300,000 people).
REGISTER = {"contract_id": "VU-ID", "buyer_country": "VU", "vendor_name": "Huawei", "service_type": "e_government",
            "data_categories": "identity", "records": 250_000, "hosting": "in_country", "operator": "joint",
            "vendor_remote_access": True, "customer_held_keys": False, "audit_rights": True,
            "financing_country": "none", "signed": "2019-06-01"}


def test_table_meta_cites_the_world_bank() -> None:
    with TABLE.open("rb") as handle:
        data = tomllib.load(handle)
    meta = data["population_meta"]
    assert meta["table"] == "population" and meta["edition"] == "WDI SP.POP.TOTL 2024"
    assert "SP.POP.TOTL" in meta["source"] and "World Bank" in meta["attribution"]
    assert len(data["population"]) >= 200
    assert "Built by: python scripts/build_population.py" in TABLE.read_text(encoding="utf-8")


@pytest.mark.skipif(not POPULATION_CSV.is_file(), reason=f"{POPULATION_CSV} not found")
def test_build_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "population.toml"
    subprocess.run([sys.executable, str(SCRIPT), "--shared", str(SHARED), "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == TABLE.read_bytes(), "re-run scripts/build_population.py"


@pytest.mark.skipif(not POPULATION_CSV.is_file(), reason=f"{POPULATION_CSV} not found")
def test_counts_match_the_world_bank_file() -> None:
    wanted = {("PNG", "2010"), ("VUT", "2019"), ("DEU", "2024"), ("XKX", "2015")}
    with POPULATION_CSV.open(encoding="utf-8", newline="") as handle:
        rows = {(r["Country Code"], r["Year"]): int(r["Value"]) for r in csv.DictReader(handle) if (r["Country Code"], r["Year"]) in wanted}
    assert len(rows) == len(wanted)
    pack = vendorrisk.load_rules()
    for (a3, year), value in rows.items():
        code = {"PNG": "PG", "VUT": "VU", "DEU": "DE", "XKX": "XK"}[a3]
        assert pack.model.population[code].in_year(int(year)) == value


def test_population_is_read_as_of_the_contract_year() -> None:
    reference = vendorrisk.load_rules().reference
    png = vendorrisk.load_rules().model.population["PG"]
    assert png.first_year == 2000 and len(png.count) == 25
    country = np.array([COUNTRY_INDEX["PG"]] * 4 + [-1], dtype=np.int16)
    dates = np.array(["2010-07-01", "2024-12-31", "1995-01-01", "2031-01-01", "2020-01-01"], dtype="datetime64[D]")
    got = reference.population_at(country, dates)
    assert got[:4].tolist() == [png.count[10], png.count[24], png.count[0], png.count[24]]
    assert np.isnan(got[4])


def test_population_share_is_a_condition_field() -> None:
    assert condition_fields([])["population_share"] == FieldType("number", increasing=True, nullable=True)


def test_whole_population_register_of_a_small_state_is_national_scale() -> None:
    """250,000 identity records in Vanuatu are most of its people: the floor of 50 applies."""
    result = vendorrisk.score(REGISTER)
    assert RULE in result.reasons
    assert result.score == 50.0 and result.band == "high"
    big_state = vendorrisk.score({**REGISTER, "buyer_country": "DE"})
    assert RULE not in big_state.reasons and big_state.score < 50.0


def test_absolute_count_still_counts() -> None:
    result = vendorrisk.score({**REGISTER, "buyer_country": "DE", "records": 10_000_000})
    assert RULE in result.reasons


def test_unknown_population_keeps_the_rule_three_valued() -> None:
    """The World Bank has no figure for Jersey alone: the share is unknown, not false, so the rule
    does not fire at the point but does at the interval's high end."""
    # Customer-held keys and customer premises keep the point score under the floor of 50.
    result = vendorrisk.score({**REGISTER, "buyer_country": "JE", "hosting": "customer_premises", "customer_held_keys": True})
    assert RULE not in result.reasons
    assert result.score < 50.0 <= result.score_high


def test_sources_and_provenance_list_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    from vendorrisk.cli import main

    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "population: 216 entries; edition WDI SP.POP.TOTL 2024; published 2026-03-06" in out
    stamp = provenance(vendorrisk.load_rules())
    assert stamp[b"vendorrisk.population"].startswith(b"WDI SP.POP.TOTL 2024 (World Bank")
