"""Policy as a tested artefact: pack tests and their runner, lint, diff, and the pytest plugin.

:mod:`vendorrisk.policy.cases` runs a pack's ``[[tests]]`` through the one engine as a batch;
:mod:`vendorrisk.policy.lint` finds rules that cannot fire, do nothing or break monotonicity;
:mod:`vendorrisk.policy.diff` compares the scores of two packs on the same contracts;
:mod:`vendorrisk.policy.pytest_plugin` runs pack tests as pytest items.
"""

from __future__ import annotations

from vendorrisk.policy.cases import Outcome, PackReport, run_tests
from vendorrisk.policy.diff import PackDiff, diff_packs
from vendorrisk.policy.lint import Finding, lint_pack

__all__ = ["Finding", "Outcome", "PackDiff", "PackReport", "diff_packs", "lint_pack", "run_tests"]
