"""Shared test setup (kept tiny).

Hypothesis imports ``hypothesis.extra._patching`` (and through it libcst, which imports the
deprecated ``mypy_extensions.TypedDict``) only when a property test *fails*, to suggest an
``@example`` patch. Under ``-W error`` that DeprecationWarning crashes pytest with an
INTERNALERROR instead of reporting the failure, so import it once here with the warning ignored.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:  # libcst not installed: hypothesis then skips the patch quietly
        pass

# pytester: the pytest plugin of vendorrisk.policy is tested by running pytest inside pytest.
pytest_plugins = ("pytester",)

# `mutmut run` (docs/testing.md) passes --hypothesis-profile=mutation: the same examples on every
# run, so a mutant's verdict does not depend on which random examples it met, and fewer of them.
from hypothesis import settings  # noqa: E402

settings.register_profile("mutation", derandomize=True, max_examples=30, deadline=None, database=None)


# Under mutmut every test session runs in a process forked after the whole selection ran once,
# so the per-pack tables, parse caches and resolved vendor names are already filled: a mutated
# table builder, parser or name matcher would never run. Empty them when such a session starts
# (mutmut sets MUTANT_UNDER_TEST), before any fixture of any scope uses them; a normal run keeps
# them, as users do.
import os  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _fresh_tables_under_mutmut() -> None:
    if os.environ.get("MUTANT_UNDER_TEST"):
        from vendorrisk import scoring, validate
        from vendorrisk.rules import loader

        scoring.clear_tables()
        validate.clear_caches()
        loader.forget_memos()
