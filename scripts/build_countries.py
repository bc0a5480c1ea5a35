"""Build ``src/vendorrisk/data/countries.csv`` from the shared ISO 3166-1 table.

Source: datasets/country-codes, ``data/country-codes.csv`` (commit caa72d1e),
licence ODC-PDDL-1.0, as copied to ``../shared/data/countries/``. Only the
alpha-2 code and the CLDR display name are kept. ``XK`` (Kosovo, a
user-assigned code in common use, e.g. by Freedom House and the EU) is added
because ISO 3166-1 has no code for it.

Run from the repository root::

    python scripts/build_countries.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

HEADER = (
    "# ISO 3166-1 alpha-2 codes and short English names.\n"
    "# Source: datasets/country-codes data/country-codes.csv (commit caa72d1e), ODC-PDDL-1.0.\n"
    "# XK (Kosovo) is a user-assigned code added by scripts/build_countries.py.\n"
)
EXTRA = {"XK": "Kosovo"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default="../shared", type=Path)
    parser.add_argument("--out", default="src/vendorrisk/data/countries.csv", type=Path)
    args = parser.parse_args()
    source = args.shared / "data" / "countries" / "country-codes.csv"
    names: dict[str, str] = dict(EXTRA)
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["ISO3166-1-Alpha-2"].strip()
            if len(code) == 2 and code.isalpha():
                names[code] = row["CLDR display name"].strip() or row["official_name_en"].strip()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "name"])
        for code in sorted(names):
            writer.writerow([code, names[code]])


if __name__ == "__main__":
    main()
