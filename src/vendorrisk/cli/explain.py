"""``vendorrisk explain``: explain chosen contracts of a file and, with ``--what-if``, their mitigation plans."""

from __future__ import annotations

import argparse
import json
from typing import Any, Final

import pyarrow as pa

from vendorrisk.api import score
from vendorrisk.cli._base import EXIT_INVALID_ROWS, EXIT_OK, add_pack_options, add_reading_options
from vendorrisk.errors import InputError
from vendorrisk.explain import Result
from vendorrisk.io import open_batches
from vendorrisk.mapping import load_mapping
from vendorrisk.rules.loader import load_rules
from vendorrisk.schema import PARSE_ERROR_COLUMN
from vendorrisk.whatif import WhatIf, what_ifs

#: Without ``--id``, every contract of a file of at most this many is explained.
ALL_WHEN_AT_MOST: Final = 10
OUTPUT_FORMATS: Final = ("text", "json")


def add(commands: Any) -> None:
    parser = commands.add_parser("explain", help="explain chosen contracts of a file, with --what-if their mitigation plans")
    parser.add_argument("input", help="CSV, Parquet or JSON Lines file in the canonical columns (as for score; vendorrisk score --help lists them)")
    parser.add_argument(
        "--id", action="append", default=[], metavar="ID", dest="ids",
        help=f"explain this contract_id (repeatable; default: every contract of a file of at most {ALL_WHEN_AT_MOST})",
    )
    parser.add_argument("--what-if", action="store_true", help="also list mitigation plans from the pack's [mitigations], best first, with the smallest plan down a band and the one that lowers the gate marked")
    parser.add_argument("--all-plans", action="store_true", help="with --what-if, list every plan (default: the best 10 and the marked ones)")
    parser.add_argument("--format", choices=OUTPUT_FORMATS, default="text", dest="output_format", help="text (default) or json")
    add_pack_options(parser)
    add_reading_options(parser, "--input-format")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    rows = _chosen(args)
    if args.what_if:
        # Contracts whose record could not be parsed have no cells to change: they are explained only.
        plannable = [row for row in rows if not row.get(PARSE_ERROR_COLUMN)]
        planned = iter(what_ifs(plannable, pack, args.as_of))
        plans: list[WhatIf | None] = [None if row.get(PARSE_ERROR_COLUMN) else next(planned) for row in rows]
        results = [plan.baseline if plan is not None else score(row, pack, args.as_of) for plan, row in zip(plans, rows)]
    else:
        results = [score(row, pack, args.as_of) for row in rows]
        plans = [None] * len(rows)
    if args.output_format == "json":
        print(json.dumps([_as_json(result, plan) for result, plan in zip(results, plans)], indent=2, default=str))
    else:
        blocks = []
        for result, plan in zip(results, plans):
            text = result.explain()
            if plan is not None and not result.error:
                text += "\n\n" + plan.explain(limit=None if args.all_plans else 10)
            blocks.append(text)
        print(("\n\n" + "=" * 100 + "\n\n").join(blocks))
    return EXIT_INVALID_ROWS if any(result.error for result in results) else EXIT_OK


def _chosen(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The rows of the chosen contracts, in file order (each id's every row)."""
    mapping = load_mapping(args.map, args.map_file)
    batches = list(open_batches(args.input, format=args.format, delimiter=args.delimiter, encoding=args.encoding, mapping=mapping))
    rows: list[dict[str, Any]] = pa.Table.from_batches(batches).to_pylist() if batches else []
    if not args.ids:
        if len(rows) > ALL_WHEN_AT_MOST:
            raise InputError(
                f"{args.input} has {len(rows)} contracts; choose some with --id "
                f"(every contract is explained only in a file of at most {ALL_WHEN_AT_MOST})"
            )
        return rows
    wanted = set(args.ids)
    chosen = [row for row in rows if str(row.get("contract_id")) in wanted]
    missing = sorted(wanted - {str(row.get("contract_id")) for row in chosen})
    if missing:
        raise InputError(f"{args.input}: no contract_id {', '.join(repr(m) for m in missing)}")
    return chosen


def _as_json(result: Result, plan: WhatIf | None) -> dict[str, Any]:
    details = result.details
    out: dict[str, Any] = {
        "contract_id": result.contract_id,
        "score": result.score,
        "band": result.band,
        "score_low": result.score_low,
        "score_high": result.score_high,
        "gate": result.gate,
        "factors": result.factors,
        "reasons": list(result.reasons),
        "vector": result.vector,
        "as_of": result.as_of,
        "fingerprint": result.fingerprint,
        "error": result.error,
        "explanation": result.explain(),
    }
    if details:
        out["drivers"] = {key: value for key, value in details.items() if key not in ("rules", "assumed")}
    if plan is not None:
        out["what_if"] = plan.to_dict()
    return out
