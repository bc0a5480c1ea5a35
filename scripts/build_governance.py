#!/usr/bin/env python3
"""Build rules/default/governance.toml from Freedom House "Freedom in the World" data.

Run from the repository root:

    python scripts/build_governance.py [--shared ../shared] [--out rules/default/governance.toml]

Inputs (under ``<shared>/data``, see ``<shared>/data/SOURCES.md``):

* ``freedom_house/fiw_1973-2024_statuses_long.csv`` -- statuses (F/PF/NF) for the
  editions 1973-2024, one row per country/territory per edition.
* ``freedom_house/fiw_2013-2024_status_scores.csv`` -- 0-100 aggregate scores,
  editions 2013-2024.
* ``countries/country-codes.csv`` (datasets/country-codes, PDDL) -- name -> ISO 3166-1
  alpha-2 mapping.

Stdlib only. The output is deterministic: re-running on the same inputs gives a
byte-identical file.

Edition keys
------------
Freedom House labels its editions in three ways. Each label is mapped to an integer
key, the year in which the edition was published:

* ``"Jan.-Feb. 1973"`` ... ``"Jan.-Feb. 1977"`` (surveys printed in the journal
  *Freedom at Issue*)  -> that year (1973 ... 1977).
* a plain year ``"1978"`` ... ``"1982"``, ``"2003"`` ... ``"2024"`` -> that year.
* a two-year label ``"1983-84"`` ... ``"1999-2000"`` ... ``"2001-02"`` -> the LATER
  year (1984 ... 2000 ... 2002). The short form's century is taken from the first
  year, and the later year must be the first year + 1.

The labels are checked against ``years_under_review``: for every edition except
"1982" the review period ends in key - 1 (from edition 2003 on, edition N reviews
calendar year N-1; "1990-91" reviews 1990; "1983-84" reviews Aug.1982-Nov.1983).
The "1982" edition reviews Jan.1981-Aug.1982, i.e. it ends in its own publication
year; it is kept under key 1982 (see the note on availability below).

Two labels could collide if FH had published, e.g., both "1983" and "1982-83"; the
data has no such pair, but the build fails if any two labels map to the same key.
Gaps: there is no key 1983. The "1982" edition covers up to Aug. 1982 and the next
one, "1983-84", covers Aug. 1982 - Nov. 1983, so no edition was published in 1983.
All other years 1973-2024 are present.

Availability: an edition is treated as known from April 1 of its key year
(``available_from = "04-01"``). FH releases editions in February/March, so this is
conservative for the modern editions. It is NOT conservative for the "1982" edition,
whose review period ran to Aug. 1982 (published late 1982).

Names and codes
---------------
FH names are matched against the ``official_name_en``, ``CLDR display name`` and
``UNTERM English Short`` columns of country-codes.csv after normalisation (accents
removed, "&" -> "and", "St." -> "Saint", punctuation and a leading/trailing "the"
dropped, case folded). OVERRIDES below handles FH spellings that do not match.
Entities in EXCLUDED (defunct states, sub-national units, disputed territories)
have no ISO code of their own and are left out; the list is printed on stderr.
An FH name that is neither matched, overridden nor excluded stops the build, so a
new name in a future FH release needs a conscious decision.

Only rated rows count: a status of "-" (not rated / not existing in that edition) is
skipped. If two rated FH rows map to one code for the same edition, the build fails.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

STATUSES_CSV = Path("data/freedom_house/fiw_1973-2024_statuses_long.csv")
SCORES_CSV = Path("data/freedom_house/fiw_2013-2024_status_scores.csv")
COUNTRY_CODES_CSV = Path("data/countries/country-codes.csv")

SOURCE_REPO = "pachadotdev/freedomhouse"
SOURCE_COMMIT = "2b64cce127b89a2e5983d9713c8d7c0d0bcbb711"

META = {
    "table": "governance",
    "edition": "FIW 2024",
    "source": (
        "Freedom House, Freedom in the World 2024 (country and territory ratings and "
        "statuses 1973-2024; aggregate scores 2013-2024)"
    ),
    "published": "2024-02-29",
    "available_from": "04-01",
    "attribution": "Freedom House, Freedom in the World (https://freedomhouse.org/report/freedom-world)",
}

VALID_STATUSES = ("F", "PF", "NF")

# Status cells that are not plain F/PF/NF, with the value used.
STATUS_FIXES = {
    # South Africa, edition Jan.-Feb. 1973: FH rated the white population
    # (PR 2, CL 3, Free) and the black population (PR 5, CL 6, Not Free) separately;
    # the cell reads "F (NF)". FH's own "Historical distribution" sheet counts the
    # black-population rating (NF) for that edition, and it describes the state's
    # treatment of the majority, so NF is used.
    ("South Africa", "Jan.-Feb. 1973", "F (NF)"): "NF",
}

# FH name -> ISO 3166-1 alpha-2, for names the normalised match does not find.
# Some entries are alternative spellings FH uses in other files/editions; an entry
# whose name is absent from the data is harmless.
OVERRIDES = {
    # Needed: the normalised match finds nothing.
    "Czech Republic": "CZ",  # ISO short name is now "Czechia"
    "Turkey": "TR",  # ISO short name is now "Türkiye"
    "United Kingdom": "GB",  # ISO: "United Kingdom of Great Britain and Northern Ireland"
    "United States": "US",  # ISO: "United States of America"
    # Kosovo has no ISO 3166-1 code. XK is a user-assigned code (ISO reserves XA-XZ
    # for private use), used by the EU, IMF, SWIFT and others. FH rated Kosovo as a
    # territory from 1993-94 to 2009 and as a country since 2010; both map to XK.
    "Kosovo": "XK",
    # Pinned so the result does not depend on the CLDR/UNTERM columns (today the
    # normalised match gives the same code). Alternative FH spellings are included;
    # an entry whose name is absent from the data is harmless.
    "Congo (Brazzaville)": "CG",  # Republic of the Congo
    "Congo (Kinshasa)": "CD",  # Democratic Republic of the Congo (ex-Zaire)
    "Cote d'Ivoire": "CI",
    "Côte d'Ivoire": "CI",
    "Gambia, The": "GM",
    "The Gambia": "GM",
    "Hong Kong": "HK",  # FH territory
    "Macao": "MO",  # FH territory (rated in editions 2001-2004 only)
    "Taiwan": "TW",
    "Russia": "RU",
    "South Korea": "KR",
    "North Korea": "KP",
    "Micronesia": "FM",
    "St. Kitts and Nevis": "KN",
    "St. Lucia": "LC",
    "St. Vincent and the Grenadines": "VC",
}

# FH names left out, with the reason. Defunct states are NOT mapped onto a
# successor's code.
EXCLUDED = {
    # Defunct states.
    "Czechoslovakia": "defunct state (split 1993 into CZ and SK)",
    "Germany, E.": "defunct state (East Germany, to 1990)",
    "Germany, W.": "defunct state (West Germany, to 1990; unified Germany is DE from edition 1991)",
    "USSR": "defunct state (dissolved 1991)",
    "Yugoslavia": "defunct state (SFRY, then FRY to edition 2003)",
    "Serbia and Montenegro": "defunct state (editions 2004-2006)",
    "Vietnam, N.": "defunct state (North Vietnam, to 1976)",
    "Vietnam, S.": "defunct state (South Vietnam, to 1976)",
    "Yemen, N.": "defunct state (North Yemen, to 1990)",
    "Yemen, S.": "defunct state (South Yemen, to 1990)",
    # Disputed territories without an ISO 3166-1 code.
    "Abkhazia": "disputed territory, no ISO code",
    "Crimea": "disputed territory, no ISO code",
    "Eastern Donbas": "disputed territory, no ISO code",
    "Nagorno-Karabakh": "disputed territory, no ISO code",
    "Northern Cyprus": "disputed territory, no ISO code",
    "Somaliland": "disputed territory, no ISO code",
    "South Ossetia": "disputed territory, no ISO code",
    "Transnistria": "disputed territory, no ISO code",
    "Indian Kashmir": "disputed territory, no ISO code",
    "Pakistani Kashmir": "disputed territory, no ISO code",
    "Tibet": "territory within CN, no ISO code",
    # Palestinian territories: FH never rated one unit matching ISO PS over time
    # (one unit to 1995-96, then split by jurisdiction, since 2011 by geography),
    # so none of them is mapped onto PS.
    "Gaza Strip": "Palestinian territory rated separately, no own ISO code",
    "West Bank": "Palestinian territory rated separately, no own ISO code",
    "West Bank and Gaza Strip": "Palestinian territories as one unit (to edition 1995-96), not mapped onto PS",
    "Israeli-Occupied Territories": "Palestinian territory by jurisdiction (1996-97 to 2010), no own ISO code",
    "Palestinian Authority-Administered Territories": "Palestinian territory by jurisdiction (1996-97 to 2010), no own ISO code",
    # Sub-national units of ISO countries (mapping them would collide with the
    # country's own rating).
    "Chechnya": "sub-national unit of RU, no own ISO code",
    "Kurdistan": "sub-national unit of IQ, no own ISO code",
    "Northern Ireland": "sub-national unit of GB, no own ISO code",
    "West Papua": "sub-national unit of ID, no own ISO code",
}

_LABEL_FREEDOM_AT_ISSUE = re.compile(r"^Jan\.-Feb\. (\d{4})$")
_LABEL_YEAR = re.compile(r"^(\d{4})$")
_LABEL_RANGE = re.compile(r"^(\d{4})-(\d{2}|\d{4})$")
_YEAR_IN_TEXT = re.compile(r"(\d{4})")


def die(msg: str) -> None:
    print(f"build_governance: error: {msg}", file=sys.stderr)
    raise SystemExit(1)


def edition_key(label: str) -> int:
    """Map an FH edition label to its publication year (see module docstring)."""
    m = _LABEL_FREEDOM_AT_ISSUE.match(label) or _LABEL_YEAR.match(label)
    if m:
        return int(m.group(1))
    m = _LABEL_RANGE.match(label)
    if m:
        first = int(m.group(1))
        second = m.group(2)
        later = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
        if later < first:  # e.g. "1999-00"
            later += 100
        if later != first + 1:
            die(f"edition label {label!r}: second year is not first year + 1")
        return later
    die(f"unrecognised edition label {label!r}")
    raise AssertionError  # unreachable


def normalise(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold().replace("&", " and ").replace("\u2019", "'")
    s = s.replace("*", " ")
    s = re.sub(r"\(the\)", " ", s)
    s = re.sub(r"\bst\.?(?=\s)", "saint", s)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    s = re.sub(r"^the ", "", s)
    s = re.sub(r" the$", "", s)
    return s


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        die(f"missing input {path}")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_name_index(path: Path) -> tuple[dict[str, str], set[str]]:
    index: dict[str, str] = {}
    codes: set[str] = set()
    for row in read_csv(path):
        code = row["ISO3166-1-Alpha-2"].strip()
        if not re.fullmatch(r"[A-Z]{2}", code):
            continue
        codes.add(code)
        for col in ("official_name_en", "CLDR display name", "UNTERM English Short"):
            name = row.get(col, "").strip()
            if not name:
                continue
            key = normalise(name)
            if index.get(key, code) != code:
                die(f"country-codes.csv: name {name!r} is ambiguous ({index[key]} / {code})")
            index[key] = code
    return index, codes


def resolve(name: str, index: dict[str, str], iso_codes: set[str]) -> str | None:
    """Return the alpha-2 code for an FH name, or None if it is excluded."""
    if name in EXCLUDED:
        return None
    if name in OVERRIDES:
        code = OVERRIDES[name]
        if code != "XK" and code not in iso_codes:
            die(f"override {name!r} -> {code}: not in country-codes.csv")
        return code
    code = index.get(normalise(name))
    if code is None:
        die(f"FH name {name!r} has no ISO match; add it to OVERRIDES or EXCLUDED")
    return code


def toml_str(s: str) -> str:
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def build(shared: Path) -> tuple[str, list[str]]:
    data = shared
    index, iso_codes = load_name_index(data / COUNTRY_CODES_CSV)
    status_rows = read_csv(data / STATUSES_CSV)
    score_rows = read_csv(data / SCORES_CSV)

    # --- editions: label -> key, collision and gap checks --------------------
    label_key: dict[str, int] = {}
    label_review: dict[str, str] = {}
    for row in status_rows:
        label = row["edition_label"]
        if label not in label_key:
            label_key[label] = edition_key(label)
            label_review[label] = row["years_under_review"]
        elif label_review[label] != row["years_under_review"]:
            die(f"edition {label!r}: inconsistent years_under_review")
    by_key: dict[int, str] = {}
    for label, key in label_key.items():
        if key in by_key:
            die(f"edition labels {by_key[key]!r} and {label!r} both map to {key}")
        by_key[key] = label
    for label, key in sorted(label_key.items(), key=lambda kv: kv[1]):
        years = [int(y) for y in _YEAR_IN_TEXT.findall(label_review[label])]
        if not years:
            die(f"edition {label!r}: no year in years_under_review")
        if years[-1] != key - 1 and label != "1982":
            die(f"edition {label!r}: review period {label_review[label]!r} does not end in {key - 1}")
    first, last = min(by_key), max(by_key)
    gaps = [y for y in range(first, last + 1) if y not in by_key]
    if gaps != [1983]:
        die(f"unexpected edition gaps {gaps} (expected only 1983)")

    # --- statuses ---------------------------------------------------------------
    status: dict[str, dict[int, str]] = {}
    origin: dict[tuple[str, int], str] = {}
    names: dict[str, tuple[int, str, str]] = {}  # code -> (latest key, name, kind)
    excluded: dict[str, str] = {}
    odd: list[str] = []
    for row in status_rows:
        name, kind, label, value = row["country"], row["kind"], row["edition_label"], row["status"].strip()
        if kind not in ("country", "territory"):
            die(f"{name}: unknown kind {kind!r}")
        if value in ("-", ""):
            continue  # not rated / not existing in this edition
        if value not in VALID_STATUSES:
            fixed = STATUS_FIXES.get((name, label, value))
            if fixed is None:
                die(f"{name} {label}: unexpected status {value!r}")
            odd.append(f"{name} {label}: status {value!r} -> {fixed!r}")
            value = fixed
        code = resolve(name, index, iso_codes)
        if code is None:
            excluded[name] = EXCLUDED[name]
            continue
        key = label_key[label]
        if (code, key) in origin:
            die(f"{code} edition {key}: rated twice ({origin[code, key]!r} and {name!r})")
        origin[code, key] = name
        status.setdefault(code, {})[key] = value
        if code not in names or key > names[code][0]:
            names[code] = (key, name, kind)

    # --- totals -------------------------------------------------------------------
    total: dict[str, dict[int, int]] = {}
    seen: dict[tuple[str, int], str] = {}
    for row in score_rows:
        name = row["country"]
        code = resolve(name, index, iso_codes)
        if code is None:
            excluded.setdefault(name, EXCLUDED[name])
            continue
        key = int(row["edition"])
        if (code, key) in seen:
            die(f"{code} edition {key}: two score rows ({seen[code, key]!r} and {name!r})")
        seen[code, key] = name
        raw = row["total_score"].strip()
        if not raw:
            continue
        if not re.fullmatch(r"-?\d+", raw):
            die(f"{name} {key}: non-integer total {raw!r}")
        value = int(raw)
        if key not in status.get(code, {}):
            die(f"{name} {key}: score but no status")
        if row["status"].strip() != status[code][key]:
            die(f"{name} {key}: status differs between the two FH files")
        if not 0 <= value <= 100:
            odd.append(f"{name} {key}: total {value} is outside 0-100 (kept as published)")
        total.setdefault(code, {})[key] = value

    # --- render --------------------------------------------------------------------
    lines = [
        f"# Governance ratings: Freedom House, Freedom in the World, editions {first}-{last}.",
        "# Source and attribution: Freedom House, Freedom in the World"
        " (https://freedomhouse.org/report/freedom-world); data (c) Freedom House"
        " (FH terms allow reuse with attribution); copied via"
        f" {SOURCE_REPO} (commit {SOURCE_COMMIT}). Built by: python scripts/build_governance.py",
        "# Keys of `status`/`total` are edition publication years: \"Jan.-Feb. 1973\"-> 1973, plain"
        " \"1978\"/\"2024\" -> that year, two-year labels \"1983-84\" ... \"2001-02\" -> the later year.",
        "# From edition 2003 on, edition N reviews calendar year N-1. There is no edition 1983"
        " (\"1982\" covers Jan.1981-Aug.1982, \"1983-84\" covers Aug.1982-Nov.1983).",
        "# `total` (0-100 aggregate score) exists for editions 2013-2024 only; FH can publish"
        " negative totals (e.g. SY 2015-2018 = -1).",
        "# Left out (no ISO code of their own): defunct states, disputed territories, Palestinian"
        " territories, sub-national units. XK (Kosovo) is a user-assigned code, not ISO 3166-1.",
        "schema_version = 1",
        "",
        "[governance_meta]",
    ]
    for k, v in META.items():
        lines.append(f"{k} = {toml_str(v)}")
    for code in sorted(status):
        _, name, kind = names[code]
        lines.append("")
        lines.append(f"[governance.{code}]")
        lines.append(f"name = {toml_str(name)}")
        lines.append(f"kind = {toml_str(kind)}")
        items = ", ".join(f"{k} = {toml_str(v)}" for k, v in sorted(status[code].items()))
        lines.append(f"status = {{ {items} }}")
        if code in total:
            items = ", ".join(f"{k} = {v}" for k, v in sorted(total[code].items()))
            lines.append(f"total = {{ {items} }}")
    text = "\n".join(lines) + "\n"

    report = [f"{len(status)} codes, editions {first}-{last} (no edition {', '.join(map(str, gaps))})"]
    report += [f"left out: {n} ({r})" for n, r in sorted(excluded.items())]
    report += [f"note: {o}" for o in odd]
    return text, report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--shared",
        type=Path,
        default=REPO_ROOT / ".." / "shared",
        help="shared data directory (default: ../shared relative to the repo root)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "rules" / "default" / "governance.toml",
        help="output path (default: rules/default/governance.toml)",
    )
    args = p.parse_args(argv)
    text, report = build(args.shared)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    for line in report:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
