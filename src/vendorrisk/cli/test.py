"""``vendorrisk test [PACK ...]``: run rule packs' ``[[tests]]`` and report coverage.

Exit codes: 0 every test passed (skips allowed); 1 a test failed; 2 a pack does not load.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Final

from vendorrisk.cli._base import EXIT_FAIL_ON, EXIT_OK
from vendorrisk.policy.cases import PackReport, run_tests
from vendorrisk.rules.loader import DEFAULT, load_rules
from vendorrisk.schema import BANDS

FORMATS: Final = ("text", "json")
#: The status word at the start of each line, padded to one width.
MARKS: Final = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


def add(commands: Any) -> None:
    parser = commands.add_parser("test", help="run the [[tests]] of rule packs and report rule coverage")
    parser.add_argument("packs", nargs="*", metavar="PACK", help="rule pack folders or files (default: the shipped default pack)")
    parser.add_argument("-k", dest="names", action="append", metavar="NAME", help="run only the test of this name (repeatable)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default) or json on stdout")
    parser.add_argument("--junit-xml", metavar="PATH", help="also write a JUnit XML report here (read by CI systems)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    packs = [load_rules(path) for path in args.packs or [DEFAULT]]  # every pack loads before any test runs
    reports = [run_tests(pack, args.names) for pack in packs]
    if args.format == "json":
        json.dump([_json(report) for report in reports], sys.stdout, indent=2)
        print()
    else:
        for report in reports:
            _text(report)
    if args.junit_xml:
        _junit(reports).write(Path(args.junit_xml), encoding="utf-8", xml_declaration=True)
    return EXIT_OK if all(report.passed for report in reports) else EXIT_FAIL_ON


def _text(report: PackReport) -> None:
    pack = report.pack
    print(f"pack {pack.name} {pack.model.pack.version} ({pack.source}) {pack.fingerprint}")
    for outcome in report.outcomes:
        if outcome.status == "skip":
            print(f"  {MARKS['skip']} {outcome.name}: {outcome.skip_reason}")
            continue
        print(f"  {MARKS[outcome.status]} {outcome.name}")
        if outcome.status == "fail" and outcome.actual is not None:
            print(f"       in {outcome.origin}")
            for problem in outcome.problems:
                print(f"       {problem}")
            print(f"       came out: {outcome.actual.describe()}")
    counts = report.counts
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    n_rules = len(pack.rules)
    covered = n_rules - len(report.uncovered_rules)
    print(f"coverage: {covered} of {n_rules} rules fire in some test", end="")
    print("; not fired: " + ", ".join(report.uncovered_rules) if report.uncovered_rules else "")
    reached = [band for band in BANDS if band not in report.unreached_bands]
    print(f"bands reached: {', '.join(reached) or 'none'}", end="")
    print("; not reached: " + ", ".join(report.unreached_bands) if report.unreached_bands else "")


def _json(report: PackReport) -> dict[str, Any]:
    pack = report.pack
    return {
        "pack": pack.name,
        "version": pack.model.pack.version,
        "source": pack.source,
        "fingerprint": pack.fingerprint,
        "counts": dict(report.counts),
        "tests": [
            {
                "name": outcome.name,
                "status": outcome.status,
                "file": outcome.origin,
                "problems": list(outcome.problems),
                "actual": None if outcome.actual is None else outcome.actual.as_dict(),
                "skip": outcome.skip_reason or None,
            }
            for outcome in report.outcomes
        ],
        "coverage": {
            "rules": [compiled.rule.id for compiled in pack.rules],
            "uncovered_rules": list(report.uncovered_rules),
            "unreached_bands": list(report.unreached_bands),
        },
    }


def _junit(reports: list[PackReport]) -> ET.ElementTree[ET.Element]:
    """One ``<testsuite>`` per pack, one ``<testcase>`` per test (JUnit XML as CI systems read it)."""
    root = ET.Element("testsuites")
    for report in reports:
        counts = report.counts
        suite = ET.SubElement(
            root, "testsuite", name=f"vendorrisk pack {report.pack.name}",
            tests=str(len(report.outcomes)), failures=str(counts["fail"]), skipped=str(counts["skip"]), errors="0",
        )
        for outcome in report.outcomes:
            case = ET.SubElement(suite, "testcase", classname=f"vendorrisk.{report.pack.name}", name=outcome.name, file=outcome.origin)
            if outcome.status == "skip":
                ET.SubElement(case, "skipped", message=outcome.skip_reason)
            elif outcome.status == "fail" and outcome.actual is not None:
                failure = ET.SubElement(case, "failure", message="; ".join(outcome.problems))
                failure.text = "\n".join([*outcome.problems, f"came out: {outcome.actual.describe()}"])
    return ET.ElementTree(root)
