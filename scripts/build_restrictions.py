#!/usr/bin/env python3
"""Build rules/default/restrictions.toml: states' restriction lists naming registry vendors.

Run from anywhere (paths default relative to the repository root):

    python scripts/build_restrictions.py [--shared ../shared] [--out-dir rules/default]

Inputs:

* ``<shared>/research/vendors.csv`` -- the vendor fact sheet; its ``restrictions`` column lists,
  per vendor, the lists and measures that name it (US NDAA s.889, the Entity List, the FCC
  Covered List, the DoD 1260H list, member states' 5G exclusions, ...), and its ``source``
  column the URLs behind them.
* ``scripts/data/restrictions.csv`` (this repository) -- one row per (vendor, state, measure)
  in machine-readable form: ``kind``, ``listed`` and ``delisted`` dates as the fact sheet gives
  them (YYYY, YYYY-MM or YYYY-MM-DD), ``quote`` (the fact-sheet text the row is read from) and
  ``sources`` (URLs; empty means all the vendor row's URLs).
* ``rules/default/vendors.toml`` -- the shipped registry (built by build_reference.py).

Checks (the build stops on any): the vendor is in the shipped registry; ``quote`` appears in the
vendor's ``restrictions`` text, in a clause not marked ``[unverified]``; every source URL is one
of the vendor row's source URLs (no URL is added here); dates parse; ``delisted`` is after
``listed``. What the fact sheet lists but this table leaves out is said in
``scripts/data/README.md``: EU-level acts (the EU is not a state), indictments and penalties
(not lists), bills not passed, withdrawn postings and clauses marked unverified.

Dates: a month-only date is the month's last day and a year-only date Dec 31, so an as-of lookup
never counts a listing before it was surely in force (and keeps a delisting until then).

Stdlib only; deterministic.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_reference import (  # noqa: E402  (a sibling script, not a package)
    CISSM_CSV,
    UNVERIFIED,
    VENDORS_CSV,
    extract_sources,
    load_cissm,
    public_date,
    toml_meta,
    toml_table_entry,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
RESTRICTIONS_CSV = REPO_ROOT / "scripts" / "data" / "restrictions.csv"
EDITION = "2026-12"
PUBLISHED = "2026-12-04"
SCHEMA_VERSION = 1
KINDS = (
    "procurement_ban", "sales_ban", "network_exclusion", "export_control", "sanctions", "investment_ban",
    "military_company_list", "security_warning", "licence_revocation",
)


def die(msg: str) -> None:
    print(f"build_restrictions: error: {msg}", file=sys.stderr)
    raise SystemExit(1)


def clauses(text: str) -> list[str]:
    """``;``-separated clauses, not splitting inside parentheses."""
    out, depth, start = [], 0, 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            out.append(text[start:at])
            start = at + 1
    out.append(text[start:])
    return [c.strip() for c in out if c.strip()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(shared: Path, table: Path, vendors_toml: Path) -> str:
    with (shared / VENDORS_CSV).open(encoding="utf-8", newline="") as f:
        rows = {r["name"].strip(): r for r in csv.DictReader(f)}
    with vendors_toml.open("rb") as f:
        shipped = {v["name"] for v in tomllib.load(f)["vendors"]}
    cissm = load_cissm(shared / CISSM_CSV)
    with table.open(encoding="utf-8", newline="") as f:
        entries = list(csv.DictReader(f))
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for number, e in enumerate(entries, start=2):
        where = f"{table.name} line {number}"
        vendor = e["vendor"].strip()
        if vendor not in shipped or vendor not in rows:
            die(f"{where}: vendor {vendor!r} is not in the shipped registry")
        row = rows[vendor]
        quote = e["quote"].strip()
        holding = [c for c in clauses(row["restrictions"]) if quote in c]
        if not holding:
            die(f"{where}: {quote!r} is not in the fact sheet's restrictions for {vendor}")
        if any(UNVERIFIED in c for c in holding):
            die(f"{where}: {quote!r} is in a clause marked unverified")
        row_sources = extract_sources(row["source"], cissm, f"vendors.csv {vendor}")
        sources = [u.strip() for u in e["sources"].split(" ; ") if u.strip()] or row_sources
        stray = [u for u in sources if u not in row_sources]
        if stray or not sources:
            die(f"{where}: sources {stray or sources} are not among the fact sheet's URLs for {vendor}")
        if e["kind"] not in KINDS:
            die(f"{where}: kind {e['kind']!r} not in {KINDS}")
        listed, _ = public_date(e["listed"].strip())
        delisted = public_date(e["delisted"].strip())[0] if e["delisted"].strip() else None
        if delisted is not None and delisted <= listed:
            die(f"{where}: delisted {delisted} is not after listed {listed}")
        ident = f"{listed[:7]}-{e['state'].lower()}-{e['kind'].replace('_', '-')}-{slug(vendor)}"
        if ident in seen:
            die(f"{where}: duplicate id {ident}")
        seen.add(ident)
        entry: dict[str, object] = {
            "id": ident,
            "vendor": vendor,
            "state": e["state"].strip(),
            "kind": e["kind"],
            "measure": e["measure"].strip(),
            "listed": listed,
        }
        if delisted is not None:
            entry["delisted"] = delisted
        entry["note"] = f"Fact sheet: {quote}"
        entry["sources"] = sources
        out.append(entry)
    out.sort(key=lambda x: (str(x["vendor"]), str(x["listed"]), str(x["id"])))
    lines = [
        "# Restriction lists: states' measures that name a registry vendor (procurement and sales bans, 5G",
        "# exclusions, export controls, sanctions, investment bans, military-company lists, official warnings).",
        f"# Source: vendorrisk research fact sheet vendors.csv (restrictions column), edition 2026-04, read into",
        "# scripts/data/restrictions.csv; EU-level acts, indictments, bills and unverified clauses are left out.",
        "# Built by: python scripts/build_restrictions.py (do not edit by hand).",
        f"# Input: vendors.csv sha256 {sha256(shared / VENDORS_CSV)}; restrictions.csv sha256 {sha256(table)}",
        "# listed/delisted: a month-only date is the month's last day; a restriction counts from listed up to",
        "# (not including) delisted. A restriction is evidence about a vendor, not a score of its own.",
        f"schema_version = {SCHEMA_VERSION}",
        "",
        *toml_meta(
            "restrictions_meta",
            {
                "table": "restrictions",
                "edition": EDITION,
                "source": f"vendorrisk research fact sheet vendors.csv, restrictions column ({len(out)} entries, {len({x['vendor'] for x in out})} vendors)",
                "published": PUBLISHED,
            },
        ),
    ]
    for entry in out:
        lines += ["", *toml_table_entry("restrictions", entry)]
    return "\n".join(lines) + "\n"


def slug(text: str) -> str:
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=REPO_ROOT / ".." / "shared", help="shared data directory (default: ../shared)")
    p.add_argument("--table", type=Path, default=RESTRICTIONS_CSV, help="the machine-readable restriction rows")
    p.add_argument("--out-dir", type=Path, default=REPO_ROOT / "rules" / "default", help="output directory (default: rules/default)")
    args = p.parse_args(argv)
    text = build(args.shared, args.table, args.out_dir / "vendors.toml")
    with (args.out_dir / "restrictions.toml").open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
