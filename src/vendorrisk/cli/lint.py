"""``vendorrisk lint [PACK]``: static findings and a monotonicity search for a rule pack.

Exit codes: 0 no findings; 1 findings; 2 the pack does not load.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Final

from vendorrisk.cli._base import EXIT_FAIL_ON, EXIT_OK
from vendorrisk.errors import DependencyError
from vendorrisk.policy.lint import BUDGET, SAMPLE, lint_pack
from vendorrisk.rules.loader import load_rules

FORMATS: Final = ("text", "json")


def add(commands: Any) -> None:
    parser = commands.add_parser("lint", help="find rules that cannot fire, do nothing or break monotonicity")
    parser.add_argument("pack", nargs="?", metavar="PACK", help="rule pack folder or file (default: the shipped default pack)")
    parser.add_argument("--budget", type=float, default=BUDGET, metavar="SECONDS",
                        help=f"time for the monotonicity search (default {BUDGET:g}; 0 skips it; needs hypothesis)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and the search (default 0)")
    parser.add_argument("--sample", type=int, default=SAMPLE, metavar="N", help=f"contracts in the reachability sample (default {SAMPLE})")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default) or json on stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    pack = load_rules(args.pack)
    budget = args.budget
    if budget > 0:
        try:
            import vendorrisk.strategies  # noqa: F401  (the search draws from it)
        except DependencyError as exc:
            print(f"vendorrisk: lint: no monotonicity search: {exc}", file=sys.stderr)
            budget = 0.0
    findings = lint_pack(pack, budget=budget, seed=args.seed, sample=max(1, args.sample))
    if args.format == "json":
        json.dump({"pack": pack.name, "fingerprint": pack.fingerprint, "findings": [f.as_dict() for f in findings]}, sys.stdout, indent=2)
        print()
    else:
        print(f"pack {pack.name} {pack.model.pack.version} ({pack.source}) {pack.fingerprint}")
        for finding in findings:
            print(f"{finding.file}: {finding.key}: [{finding.kind}] {finding.message}")
            if finding.example:
                print("  paste this test case into the pack; it fails until the rule is fixed:")
                print("\n".join(f"    {line}" for line in finding.example.splitlines()))
        search = f"monotonicity search {budget:g} s (seed {args.seed})" if budget > 0 else "no monotonicity search"
        print(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}; {search}")
    return EXIT_FAIL_ON if findings else EXIT_OK
