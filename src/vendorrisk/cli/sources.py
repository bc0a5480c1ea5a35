"""``vendorrisk sources``: the reference tables of a rule pack with their editions."""

from __future__ import annotations

import argparse
from typing import Any

from vendorrisk.cli._base import EXIT_OK
from vendorrisk.rules.loader import load_rules


def add(commands: Any) -> None:
    parser = commands.add_parser("sources", help="list the reference tables of a rule pack with their editions")
    parser.add_argument("--rules", help="rule pack folder or file (default: the shipped default pack)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    model = pack.model
    print(f"pack {model.pack.name} {model.pack.version} ({pack.source})")
    print(f"fingerprint {pack.fingerprint}")
    tables = [
        (model.jurisdictions_meta, len(model.jurisdictions)),
        (model.vendors_meta, len(model.vendors)),
        (model.incidents_meta, len(model.incidents)),
        (model.governance_meta, len(model.governance)),
    ]
    if model.restrictions_meta is not None:
        tables.append((model.restrictions_meta, len(model.restrictions)))
    if model.population_meta is not None:
        tables.append((model.population_meta, len(model.population)))
    for meta, count in tables:
        print(f"{meta.table}: {count} entries; edition {meta.edition}; published {meta.published}")
        print(f"  source: {meta.source}")
        if meta.attribution:
            print(f"  attribution: {meta.attribution}")
    return EXIT_OK
