"""``vendorrisk diff INPUT --rules NEW [--against OLD]``: what a pack change does to a portfolio.

Exit codes: 0 the comparison was made (whatever it found); 2 usage, input or rule-pack error.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any, Final

from vendorrisk.cli._base import EXIT_OK, past_date
from vendorrisk.io import FORMATS as INPUT_FORMATS
from vendorrisk.io import open_batches
from vendorrisk.policy.diff import CHANGE_COLUMNS, THRESHOLD, TOP, PackDiff, diff_packs
from vendorrisk.schema import BANDS

FORMATS: Final = ("text", "csv", "json")


def add(commands: Any) -> None:
    parser = commands.add_parser("diff", help="score contracts under two rule packs and report what changes")
    parser.add_argument("input", help="CSV, Parquet or JSON Lines file of contracts")
    parser.add_argument("--rules", required=True, metavar="NEW", help="the new rule pack (folder or file)")
    parser.add_argument("--against", metavar="OLD", help="the pack to compare with (default: the shipped default pack)")
    parser.add_argument("--as-of", type=past_date, help="read reference data as of this date for every row")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, metavar="POINTS",
                        help=f"a score moving more than this counts as changed (default {THRESHOLD:g})")
    parser.add_argument("--top", type=int, default=TOP, metavar="N", help=f"contracts listed as top movers (default {TOP})")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text summary (default); csv: one row per changed contract; json: summary and changes")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, help="input format (default: from the extension)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    batches = open_batches(args.input, format=args.input_format)
    result = diff_packs(batches, new=args.rules, old=args.against, as_of=args.as_of, threshold=args.threshold)
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CHANGE_COLUMNS)
        for change in result.changes:
            writer.writerow([change.as_dict()[name] for name in CHANGE_COLUMNS])
    elif args.format == "json":
        json.dump({**result.summary(), "changes": [change.as_dict() for change in result.changes]}, sys.stdout, indent=2)
        print()
    else:
        _text(result, args.top)
    return EXIT_OK


def _text(result: PackDiff, top: int) -> None:
    for label, pack in (("old", result.old), ("new", result.new)):
        print(f"{label}: {pack.name} {pack.model.pack.version} ({pack.source}) {pack.fingerprint}")
    if result.identical:
        print("the packs are identical (same fingerprint): no contract can change")
        return
    print(
        f"{result.rows} contracts ({result.invalid} invalid, not compared): {result.band_changed} change band, "
        f"{result.gate_changed} change gate, {result.score_moved} move more than {result.threshold:g} points"
    )
    if not result.changes:
        print("no contract changes band, gate or score")
        return
    width = max(len(band) for band in BANDS)
    print("band transitions (rows: old, columns: new):")
    print(" " * (width + 2) + " ".join(f"{band:>{width}}" for band in BANDS))
    for i, band in enumerate(BANDS):
        print(f"  {band:<{width}}" + " ".join(f"{int(count):>{width}}" for count in result.transitions[i]))
    print(f"top movers (of {len(result.changes)} changed):")
    for change in result.top(top):
        gate = f", gate {change.gate_old} -> {change.gate_new}" if change.gate_old != change.gate_new else ""
        print(
            f"  {change.contract_id or f'row {change.row + 1}'}: {change.score_old:.1f} {change.band_old} -> "
            f"{change.score_new:.1f} {change.band_new} ({change.delta:+.1f}{gate}): {change.explanation}"
        )
