"""The Huawei e-government case study (examples/huawei_egov/build.py, docs/case-study.md).

The Freedom House shares come from Freedom House and AidData, not from the scoring model, so they
are pinned exactly; the scores are only checked to be complete (every deal scored, as of each deal
year and as of a later date), because the default model changes. Needs the shared data
(``$VENDORRISK_SHARED``, else ``../shared`` beside the repository, else ``/work/shared``).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "examples" / "huawei_egov" / "build.py"
DOC = REPO / "docs" / "case-study.md"
_CANDIDATES = [os.environ.get("VENDORRISK_SHARED"), str(REPO.parent / "shared"), "/work/shared"]
SHARED = next((Path(c) for c in _CANDIDATES if c and (Path(c) / "data" / "chinese_finance_aiddata").is_dir()), None)
pytestmark = pytest.mark.skipif(SHARED is None, reason=f"shared source data not found in any of {[c for c in _CANDIDATES if c]}")

#: name -> (n, NF, PF, F) counts.
PINNED = {
    "deals_at_deal_year": (36, 12, 18, 6),
    "deals_at_study_date": (36, 17, 16, 3),
    "countries_at_first_deal_year": (21, 6, 10, 5),
    "countries_at_study_date": (21, 8, 10, 3),
    "system_deals_at_deal_year": (9, 2, 5, 2),
    "system_deals_at_study_date": (9, 3, 5, 1),
}


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("huawei_egov_build", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def deals(build: ModuleType) -> list[dict[str, str]]:
    assert SHARED is not None
    selected: list[dict[str, str]] = build.select_deals(SHARED)
    return selected


def test_the_deals(deals: list[dict[str, str]]) -> None:
    assert len(deals) == 36
    assert len({d["buyer_country"] for d in deals}) == 21
    ids = {d["contract_id"] for d in deals}
    # The seed deals of the design brief are in; CDB's commercial loans to telecom companies are not.
    assert {"AIDDATA-39381", "AIDDATA-140", "AIDDATA-12253", "AIDDATA-37016", "AIDDATA-46215"} <= ids
    assert not ids & {"AIDDATA-42654", "AIDDATA-38142", "AIDDATA-41608"}
    assert all(d["vendor_name"].startswith("Huawei") and d["financing_country"] == "CN" for d in deals)


def test_the_committed_contracts_are_what_the_script_writes(build: ModuleType, deals: list[dict[str, str]], tmp_path: Path) -> None:
    target = tmp_path / "contracts.csv"
    build.write_contracts(deals, target)
    assert target.read_bytes() == (SCRIPT.parent / "contracts.csv").read_bytes()


def test_freedom_house_shares_are_pinned(build: ModuleType, deals: list[dict[str, str]]) -> None:
    assert SHARED is not None
    shares = build.freedom_house_shares(deals, build.freedom_house(SHARED))
    assert set(shares) == set(PINNED)
    for name, (n, nf, pf, f) in PINNED.items():
        share = shares[name]
        assert (share.n, share.unrated) == (n, 0), name
        assert (Fraction(share.NF).limit_denominator(100), Fraction(share.PF).limit_denominator(100), Fraction(share.F).limit_denominator(100)) == (
            Fraction(nf, n), Fraction(pf, n), Fraction(f, n)
        ), name


def test_the_doc_carries_the_numbers() -> None:
    text = DOC.read_text(encoding="utf-8")
    for n, nf, pf, _ in PINNED.values():
        assert f"{100 * (nf + pf) / n:.1f} %" in text
        assert f"{100 * nf / n:.1f} %" in text and f"{100 * pf / n:.1f} %" in text
    for chart in ("bands", "bands-by-country", "exposure-over-time", "state-shares"):
        assert f"case-study/{chart}.svg" in text
        assert (REPO / "docs" / "case-study" / f"{chart}.svg").is_file()


def test_every_deal_is_scored_as_of_its_year_and_later(build: ModuleType, deals: list[dict[str, str]]) -> None:
    for as_of in (None, dt.date(2026, 1, 1)):
        table = build.scored(deals, as_of)
        assert table.num_rows == len(deals)
        assert all(error == "" for error in table.column("error").to_pylist())
        assert all(score is not None for score in table.column("score").to_pylist())
    at_year = build.scored(deals).column("as_of").to_pylist()
    assert [str(day) for day in at_year] == [d["signed"] for d in deals]
