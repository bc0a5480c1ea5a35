#!/usr/bin/env python3
"""Build ``rules/default/population.toml`` from the World Bank population table in ``../shared``.

Run from anywhere (paths default relative to the repository root)::

    python scripts/build_population.py [--shared ../shared] [--out rules/default/population.toml]

Inputs (under ``<shared>/data``):

* ``population/population.csv`` -- World Bank indicator SP.POP.TOTL (total population, mid-year
  estimate) as a long table ``Country Name, Country Code, Year, Value``, from datasets/population
  (snapshot ``425fc447``, 2026-03-06). Country codes are ISO 3166-1 alpha-3, plus World Bank
  aggregates (``WLD``, ``SSF``, ``EUU`` ...) and ``XKX`` for Kosovo.
* ``countries/country-codes.csv`` -- ISO 3166-1 alpha-3 to alpha-2.

What ships: for every country with an alpha-2 code (and ``XK`` for ``XKX``), its World Bank name
and its population for each year from ``FIRST_YEAR`` to the last year in the file, as one array
of consecutive years from ``first_year`` (a gap stops the build). Aggregates and
the "Channel Islands" total (``CHI``, which is JE and GG together) are left out and listed on
stderr; an alpha-3 code that is neither mapped nor known to be an aggregate stops the build.
The population is what the rule condition ``population_share`` (records / population) reads.

Stdlib only. Deterministic: the same inputs give byte-identical output.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
POPULATION_CSV = Path("data/population/population.csv")
COUNTRY_CODES_CSV = Path("data/countries/country-codes.csv")
FIRST_YEAR = 2000
SNAPSHOT = "425fc447"
PUBLISHED = "2026-03-06"
EXTRA_CODES = {"XKX": "XK"}  # Kosovo: World Bank code, user-assigned alpha-2 (as in vendorrisk's country list)
# World Bank aggregates (regions, income and lending groups) and the Channel Islands total.
AGGREGATES = frozenset(
    "AFE AFW ARB CEB CHI CSS EAP EAR EAS ECA ECS EMU EUU FCS HIC HPC IBD IBT IDA IDB IDX LAC LCN LDC LIC LMC "
    "LMY LTE MEA MIC MNA NAC OED OSS PRE PSS PST SAS SSA SSF SST TEA TEC TLA TMN TSA TSS UMC WLD".split()
)


def die(message: str) -> None:
    print(f"build_population: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build(shared: Path) -> tuple[str, list[str]]:
    source = shared / POPULATION_CSV
    codes_csv = shared / COUNTRY_CODES_CSV
    for path in (source, codes_csv):
        if not path.is_file():
            die(f"input not found: {path}")
    alpha2 = dict(EXTRA_CODES)
    with codes_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a3, a2 = row["ISO3166-1-Alpha-3"].strip(), row["ISO3166-1-Alpha-2"].strip()
            if len(a3) == 3 and len(a2) == 2:
                alpha2[a3] = a2
    names: dict[str, str] = {}
    counts: dict[str, dict[int, int]] = {}
    report: list[str] = []
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a3, year, value = row["Country Code"].strip(), int(row["Year"]), row["Value"].strip()
            if a3 in AGGREGATES:
                continue
            if a3 not in alpha2:
                die(f"population.csv: code {a3!r} ({row['Country Name']}) is neither a country nor a known aggregate")
            if year < FIRST_YEAR or not value:
                continue
            code = alpha2[a3]
            names[code] = row["Country Name"].strip()
            counts.setdefault(code, {})[year] = int(round(float(value)))
    report.append(f"left out (aggregates): {len(AGGREGATES)} codes, including CHI (Channel Islands, JE + GG together)")
    last = max(year for by_year in counts.values() for year in by_year)
    lines = [
        "# Population of each country by year: the denominator of the rule field population_share (records / population).",
        "# Source: World Bank, World Development Indicators, indicator SP.POP.TOTL (total population, mid-year estimates;",
        "# the World Bank cites the UN World Population Prospects, national censuses and statistical offices), CC BY 4.0,",
        f"# via datasets/population data/population.csv (snapshot {SNAPSHOT}, {PUBLISHED}; ODC-PDDL-1.0), alpha-3 codes mapped",
        "# to alpha-2 through datasets/country-codes (XKX -> XK). Aggregates (regions, income groups, the Channel Islands",
        f"# total) are left out. Years {FIRST_YEAR}-{last} only: a contract year before {FIRST_YEAR} reads {FIRST_YEAR}, one after {last} reads {last}.",
        "# Built by: python scripts/build_population.py (do not edit by hand).",
        f"# Input: population.csv sha256 {hashlib.sha256(source.read_bytes()).hexdigest()}",
        "schema_version = 1",
        "",
        "[population_meta]",
        'table = "population"',
        f'edition = "WDI SP.POP.TOTL {last}"',
        f'source = "World Bank, World Development Indicators, SP.POP.TOTL (total population), {len(counts)} countries, {FIRST_YEAR}-{last}, via datasets/population (snapshot {SNAPSHOT})"',
        f'published = "{PUBLISHED}"',
        'attribution = "World Bank, World Development Indicators, SP.POP.TOTL (CC BY 4.0)"',
    ]
    for code in sorted(counts):
        by_year = counts[code]
        years = sorted(by_year)
        if years != list(range(years[0], years[-1] + 1)):
            die(f"population.csv: {code} has gaps in its years {years[0]}-{years[-1]}")
        # One array of consecutive years (parses twice as fast as a table keyed by year).
        lines += ["", f"[population.{code}]", f"name = {toml_str(names[code])}", f"first_year = {years[0]}"]
        lines.append("count = [" + ", ".join(str(by_year[year]) for year in years) + "]")
    report.insert(0, f"population: {len(counts)} countries, years {FIRST_YEAR}-{last}")
    return "\n".join(lines) + "\n", report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT / ".." / "shared", help="shared data directory (default: ../shared)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "rules" / "default" / "population.toml", help="output file")
    args = parser.parse_args(argv)
    text, report = build(args.shared)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    for line in report:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
