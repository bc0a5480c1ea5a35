"""Run mutation testing on the scoring core and report the score per module (docs/testing.md).

    python scripts/mutation.py                 # mutate the core modules (and reference), run, report
    python scripts/mutation.py scoring         # only vendorrisk.scoring (after changing it)
    python scripts/mutation.py --report        # report the last run again, without running

mutmut (``pip install '.[mutation]'``) mutates the modules listed under ``[tool.mutmut]`` in
pyproject.toml, one small change at a time (an operator, a constant, a comparison, a dropped
argument), and runs the tests that reach the changed function against each mutant. A mutant the
tests fail on is *killed*; one they pass on *survived*: the suite would not notice that change.
Survivors judged equivalent (they cannot change any result) are listed with the reason in
``scripts/data/mutation_equivalents.toml`` and set aside in the second score.

Exit status 1 when one of the four core modules (scoring, features, validate, rules.expr) scores
below the project's targets (88% raw, 90% without the equivalents), 2 when mutmut is missing or
fails; reference.py is measured too, without a target yet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "scripts" / "data" / "mutation_equivalents.toml"
MODULES = ("scoring", "features", "validate", "rules.expr", "reference")
TARGETED = MODULES[:4]  # the targets of issue 23 are for the four core modules; reference is measured
RAW_TARGET, ADJUSTED_TARGET = 88.0, 90.0
DETECTED = ("killed", "timeout", "caught by type check")  # a mutant that hangs is noticed too


def _mutmut() -> str:
    found = shutil.which("mutmut") or str(Path(sys.executable).with_name("mutmut"))
    if not Path(found).exists():
        raise SystemExit("mutation.py: mutmut is not installed: python -m pip install '.[mutation]'")
    return found


def results(mutmut: str) -> dict[str, str]:
    """Every mutant of the last run and its status, from ``mutmut results --all true``."""
    out = subprocess.run([mutmut, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"mutation.py: mutmut results failed:\n{out.stderr}")
    statuses = {}
    for line in out.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("vendorrisk."):
            statuses[name] = status
    return statuses


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change any result."""
    data = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8"))
    return {entry["mutant"]: entry["reason"] for entry in data.get("equivalent", [])}


def module_of(mutant: str) -> str:
    """``vendorrisk.rules.expr.x__describe__mutmut_3`` -> ``rules.expr``."""
    return mutant.removeprefix("vendorrisk.").split(".x")[0]


def _row(label: str, mine: dict[str, str], judged: dict[str, str]) -> tuple[float, float]:
    """Print one line of the table for these mutants; return its raw and adjusted scores."""
    counts = Counter(mine.values())
    detected = sum(counts[s] for s in DETECTED)
    equivalent = sum(1 for name, status in mine.items() if name in judged and status not in DETECTED)
    raw, adjusted = 100.0 * detected / len(mine), 100.0 * detected / (len(mine) - equivalent)
    print(f"{label:<12}{len(mine):>8}{detected:>8}{counts['survived']:>9}{counts['no tests']:>9}{raw:>7.1f}%{equivalent:>7}{adjusted:>8.1f}%")
    other = {status: count for status, count in counts.items() if status not in (*DETECTED, "survived", "no tests")}
    if other:
        print(f"{'':<12}not checked or other: {other}")
    return raw, adjusted


def report(statuses: dict[str, str], modules: tuple[str, ...], judged: dict[str, str]) -> bool:
    """Print the table; True when every targeted module meets both targets."""
    print(f"{'module':<12}{'mutants':>8}{'killed':>8}{'survived':>9}{'no tests':>9}{'raw':>8}{'equiv.':>7}{'adjusted':>9}")
    ok = True
    for module in modules:
        mine = {name: status for name, status in statuses.items() if module_of(name) == module}
        if mine:
            raw, adjusted = _row(module, mine, judged)
            if module in TARGETED:
                ok &= raw >= RAW_TARGET and adjusted >= ADJUSTED_TARGET
    total = {name: status for name, status in statuses.items() if module_of(name) in modules}
    if total:
        _row("all", total, judged)
    stale = [name for name in judged if statuses.get(name) in DETECTED]
    if stale:
        print(f"note: {len(stale)} mutants listed as equivalent are now killed; remove them from {EQUIVALENTS.relative_to(ROOT)}: {', '.join(stale[:5])}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="module", help=f"modules to mutate: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--report", action="store_true", help="report the last run without running mutmut")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested at once (default: the CPU count)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module {unknown[0]!r} (choose from {', '.join(MODULES)})")
    modules = tuple(args.modules) or MODULES
    mutmut = _mutmut()
    if not args.report:
        env = dict(os.environ)
        env.setdefault("VENDORRISK_SHARED", str(ROOT.parent / "shared"))
        patterns = [f"vendorrisk.{module}.*" for module in args.modules]
        run = subprocess.run([mutmut, "run", "--max-children", str(args.jobs), *patterns], cwd=ROOT, env=env, check=False)
        if run.returncode != 0:
            return 2
    ok = report(results(mutmut), modules, equivalents())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
