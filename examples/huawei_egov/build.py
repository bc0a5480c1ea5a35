#!/usr/bin/env python3
"""Huawei e-government case study: AidData's Huawei-related ICT deals as contracts, scored, and the
CSIS "77 %" claim recomputed on them with Freedom House ratings.

Run from the repository root (needs ../shared, or $VENDORRISK_SHARED; the report needs the
``report`` extra):

    python examples/huawei_egov/build.py [--shared ../shared] [--report report.html] [--charts docs/case-study]

It writes ``examples/huawei_egov/contracts.csv`` (facts only: buyer country, year, vendor, service,
amount, lender, AidData project id as source; controls and data categories are left unknown) and
prints the Freedom House shares and the scores as of each deal year and as of today.

Which deals (mechanical, so anyone can re-run and check it):

1. AidData Global Chinese Official Finance Dataset v1.0 (2017), the Huawei/e-government subset in
   ``../shared/data/chinese_finance_aiddata`` (SOURCES.md): rows that name Huawei (``mentions_huawei``)
   and that AidData recommends for research (no duplicates, no umbrella records);
2. information and communication projects: CRS sector "Communications" or "Government and Civil
   Society" (drops solar lamps, a cardiology centre, ...);
3. state deals: China Development Bank's commercial loans to telecom companies (Reliance, Oi,
   Nextel, Turk Telekom, ...) are left out, Exim Bank and Chinese government finance kept;
4. a single recipient country (the "Africa, regional" record has no buyer country).

Service type from AidData's title: "safe city" / "security" -> safe_city;
e-government, e-governance, government information system, messaging -> e_government;
"data cent(re|er)" -> data_center; otherwise network.

Freedom House status "at the deal year" is the rating of that calendar year (edition Y + 1: from
2003 on, edition N reviews year N - 1); "at the study's date" is Freedom in the World 2021 (reviews
2020), the edition current at CSIS's cut-off (April 2021).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

REPO: Final = Path(__file__).resolve().parents[2]
HERE: Final = Path(__file__).resolve().parent
SUBSET: Final = Path("data/chinese_finance_aiddata/gcof_v1.0_huawei_egov_subset.csv")
STATUSES: Final = Path("data/freedom_house/fiw_1973-2024_statuses_long.csv")
COUNTRY_CODES: Final = Path("data/countries/country-codes.csv")
OUT: Final = HERE / "contracts.csv"
ICT_SECTORS: Final = ("Communications", "Government and Civil Society")
COMMERCIAL_LENDER: Final = "China Development Bank"
STUDY_EDITION: Final = 2021  # Freedom in the World 2021, current at the CSIS cut-off (April 2021)
STUDY_DATE: Final = dt.date(2021, 4, 30)
#: CSIS (Hillman & McCalpin, "Huawei's Global Cloud Strategy", 2021): 70 deals in 41 countries,
#: 2006 - April 2021; 34 % of the deals in Not Free countries, 43 % in Partly Free ones.
CSIS: Final = {"deals": 70, "countries": 41, "NF": 0.34, "PF": 0.43}
HUAWEI: Final = "Huawei Technologies Co., Ltd."
#: The deals closest to CSIS's scope (government data systems rather than telecom networks).
SYSTEMS: Final = ("e_government", "safe_city", "data_center")
COLUMNS: Final = (
    "contract_id", "buyer_country", "buyer_name", "vendor_name", "vendor_country", "service_type",
    "financing_country", "value_usd", "signed", "source",
)
SERVICE_PATTERNS: Final = (
    ("safe_city", re.compile(r"safe city|city security|security (communications|system)|surveillance", re.I)),
    ("e_government", re.compile(r"e-?govern|government information system|messaging and collaboration", re.I)),
    ("data_center", re.compile(r"data cent(re|er)", re.I)),
)


def shared_dir(given: str | None = None) -> Path:
    """``--shared``, else $VENDORRISK_SHARED, else ../shared beside the repository, else /work/shared."""
    for candidate in (given, os.environ.get("VENDORRISK_SHARED"), str(REPO.parent / "shared"), "/work/shared"):
        if candidate and (Path(candidate) / SUBSET).is_file():
            return Path(candidate)
    raise SystemExit("shared data not found: give --shared or set VENDORRISK_SHARED")


def _service(row: dict[str, str]) -> str:
    # The title only: descriptions of network loans often mention the e-government services the
    # network will later carry, which would overstate what the deal itself built.
    return next((service for service, pattern in SERVICE_PATTERNS if pattern.search(row["title"])), "network")


def select_deals(shared: Path) -> list[dict[str, str]]:
    """The deals as contract rows (canonical columns), sorted by year then project id."""
    with (shared / SUBSET).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    deals = []
    for row in rows:
        if row["mentions_huawei"] != "True" or row["recommended_for_research"] != "True":
            continue
        if row["crs_sector_name"] not in ICT_SECTORS or COMMERCIAL_LENDER in row["funding_agency"]:
            continue
        if not re.fullmatch(r"[A-Z]{2}", row["recipient_iso2"] or "") or row["recipient_iso2"] == "XR":
            continue
        year = int(row["year"])
        lender = row["funding_agency"].split(",")[0]
        agencies = "; ".join(a.split(",")[0].strip() for a in row["recipient_agencies"].split(";") if a.strip())
        deals.append({
            "contract_id": f"AIDDATA-{row['project_id']}",
            "buyer_country": row["recipient_iso2"],
            "buyer_name": agencies or f"Government of {row['recipient_condensed']}",
            "vendor_name": HUAWEI,
            "vendor_country": "CN",
            "service_type": _service(row),
            "financing_country": "CN",
            "value_usd": str(round(float(row["usd_current"]))) if row["usd_current"].strip() else "",
            # AidData gives the commitment year only: the deal is dated at the year's end, so
            # reference data is read as it stood by then.
            "signed": f"{year}-12-31",
            "source": (
                f"AidData GCOF v1.0 project {row['project_id']} ({year}; {row['flow_class']}; lender {lender}): "
                f"{row['title']}"
            ),
        })
    return sorted(deals, key=lambda d: (d["signed"], int(d["contract_id"].split("-")[1])))


def write_contracts(deals: list[dict[str, str]], path: Path = OUT) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(deals)


def freedom_house(shared: Path) -> dict[str, dict[int, str]]:
    """ISO alpha-2 -> {edition year: status} for the plain-year editions (2003 on), names resolved
    as ``scripts/build_governance.py`` resolves them."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_governance as fh  # the project's one mapping of Freedom House names to ISO codes
    finally:
        sys.path.pop(0)
    index, codes = fh.load_name_index(shared / COUNTRY_CODES)
    out: dict[str, dict[int, str]] = {}
    with (shared / STATUSES).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not re.fullmatch(r"\d{4}", row["edition_label"]) or row["status"] not in ("F", "PF", "NF"):
                continue
            code = fh.resolve(row["country"], index, codes)
            if code is not None:
                out.setdefault(code, {})[int(row["edition_label"])] = row["status"]
    return out


@dataclass(frozen=True)
class Shares:
    """Shares of Not Free, Partly Free and Free, over ``n`` deals or countries."""

    n: int
    NF: float
    PF: float
    F: float
    unrated: int

    @property
    def not_free_or_partly(self) -> float:
        return self.NF + self.PF


def _shares(statuses: list[str | None]) -> Shares:
    rated = [s for s in statuses if s]
    counts = Counter(rated)
    n = len(rated)
    return Shares(len(statuses), counts["NF"] / n, counts["PF"] / n, counts["F"] / n, len(statuses) - n)


def freedom_house_shares(deals: list[dict[str, str]], ratings: dict[str, dict[int, str]]) -> dict[str, Shares]:
    """The CSIS measure on these deals: by deals and by countries, at the deal year and at the study's date.

    By countries at the deal year, a country counts once, with the rating of its first deal here.
    """
    def at_year(deal: dict[str, str]) -> str | None:
        return ratings.get(deal["buyer_country"], {}).get(int(deal["signed"][:4]) + 1)

    def at_study(country: str) -> str | None:
        return ratings.get(country, {}).get(STUDY_EDITION)

    first: dict[str, dict[str, str]] = {}
    for deal in deals:
        first.setdefault(deal["buyer_country"], deal)
    systems = [d for d in deals if d["service_type"] in SYSTEMS]
    return {
        "deals_at_deal_year": _shares([at_year(d) for d in deals]),
        "deals_at_study_date": _shares([at_study(d["buyer_country"]) for d in deals]),
        "countries_at_first_deal_year": _shares([at_year(d) for d in first.values()]),
        "countries_at_study_date": _shares([at_study(c) for c in first]),
        "system_deals_at_deal_year": _shares([at_year(d) for d in systems]),
        "system_deals_at_study_date": _shares([at_study(d["buyer_country"]) for d in systems]),
    }


def scored(deals: list[dict[str, str]], as_of: dt.date | None = None) -> Any:
    import vendorrisk

    return vendorrisk.score_table(deals, as_of=as_of)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", help="the shared data folder (default ../shared or $VENDORRISK_SHARED)")
    parser.add_argument("--report", help="also write the vendorrisk HTML report of the deals (as of each deal year) here")
    parser.add_argument("--charts", help="also write the report's charts as SVG files into this folder")
    args = parser.parse_args(argv)
    shared = shared_dir(args.shared)
    deals = select_deals(shared)
    write_contracts(deals)
    print(f"{len(deals)} deals in {len({d['buyer_country'] for d in deals})} countries, "
          f"{deals[0]['signed'][:4]}-{deals[-1]['signed'][:4]}, written to {OUT.relative_to(REPO)}")
    print("services:", dict(Counter(d["service_type"] for d in deals).most_common()))
    for name, share in freedom_house_shares(deals, freedom_house(shared)).items():
        print(f"{name:30s} n={share.n:3d} NF {share.NF:6.1%} PF {share.PF:6.1%} F {share.F:6.1%} "
              f"NF+PF {share.not_free_or_partly:6.1%} unrated {share.unrated}")
    print(f"CSIS (70 deals, 41 countries): NF {CSIS['NF']:.0%} PF {CSIS['PF']:.0%} NF+PF {CSIS['NF'] + CSIS['PF']:.0%}")
    for label, as_of in (("as of each deal year", None), (f"as of today ({dt.date.today()})", dt.date.today())):
        table = scored(deals, as_of)
        bands = Counter(table.column("band").to_pylist())
        scores = [s for s in table.column("score").to_pylist() if s is not None]
        gates = Counter(table.column("gate").to_pylist())
        print(f"{label}: mean score {sum(scores) / len(scores):.1f}; bands {dict(sorted(bands.items()))}; gates {dict(sorted(gates.items()))}")
    if args.report or args.charts:
        _report(deals, args.report, args.charts)
    return 0


def _report(deals: list[dict[str, str]], report: str | None, charts: str | None) -> None:
    from vendorrisk.report.html import render_report

    html = render_report(scored(deals), title="Huawei e-government and network deals financed by China (AidData GCOF v1.0)")
    if report:
        Path(report).write_text(html, encoding="utf-8")
        print(f"report written to {report}")
    if charts:
        folder = Path(charts)
        folder.mkdir(parents=True, exist_ok=True)
        names = ("bands", "bands-by-country", "exposure-over-time", "state-shares")
        for name, svg in zip(names, re.findall(r"<svg.*?</svg>", html, re.S)):
            (folder / f"{name}.svg").write_text(svg + "\n", encoding="utf-8")
        print(f"charts written to {folder}")


if __name__ == "__main__":
    raise SystemExit(main())
