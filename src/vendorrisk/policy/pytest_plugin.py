"""The pytest plugin: rule-pack tests as pytest items (registered as the ``pytest11`` entry point).

pytest collects every file named ``test_*.toml`` that holds ``[[tests]]`` (a single-file pack,
usually ``[pack] extends = "default"``) and every pack listed under the ``vendorrisk_packs`` ini
option, and runs each test as one item named after it, so ``-k``, ``-x`` and ``--lf`` work. A
failure is reported as expected against actual, without a traceback of the plugin. The pack's
tests are scored together, once, when the first of its items runs.

Other ``.toml`` files are never read; switch the plugin off with ``-p no:vendorrisk``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from vendorrisk.policy.cases import Outcome, PackReport

#: The ini option listing packs (folders or files, relative to the rootdir) whose tests run.
INI_PACKS: Final = "vendorrisk_packs"
FILE_PATTERN: Final = "test_*.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_PACKS, "rule packs (folders or files) whose [[tests]] pytest runs", type="linelist", default=[])


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".toml" and file_path.match(FILE_PATTERN) and _holds_tests(file_path):
        pack: PackFile = PackFile.from_parent(parent, path=file_path)
        return pack
    return None


@pytest.hookimpl(tryfirst=True)  # before -k, -m and --lf select among the items
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the tests of the packs the ini option lists (they need not be under the test paths)."""
    names: list[str] = config.getini(INI_PACKS)
    for name in names:
        path = (config.rootpath / name).resolve()
        if not path.exists():
            raise pytest.UsageError(f"{INI_PACKS}: {name}: no such file or folder")
        if any(isinstance(item, PackItem) and item.path == path for item in items):
            continue  # collected already as a test_*.toml file
        collector: PackFile = PackFile.from_parent(session, path=path)
        items.extend(collector.collect())


def _holds_tests(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return "tests" in tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return True  # let the pack loader say what is wrong, as a collection error


class PackFile(pytest.File):
    """A rule pack (file or folder): one item per ``[[tests]]`` entry."""

    _report: PackReport | None = None

    def collect(self) -> Iterator[pytest.Item]:
        from vendorrisk.errors import PackError
        from vendorrisk.rules.loader import load_rules

        try:
            pack = load_rules(self.path)
        except PackError as exc:
            raise self.CollectError(f"vendorrisk: rule pack does not load:\n{exc}") from None
        self.pack = pack
        for test in pack.model.tests:
            yield PackItem.from_parent(self, name=test.name)

    def report(self) -> PackReport:
        """Every test of the pack, scored in one batch the first time an item asks."""
        if self._report is None:
            from vendorrisk.policy.cases import run_tests

            self._report = run_tests(self.pack)
        return self._report


class PackTestFailure(Exception):
    """A pack test's expectations were not met (carries the outcome for the report)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        super().__init__("; ".join(outcome.problems))


class PackItem(pytest.Item):
    """One pack test."""

    def runtest(self) -> None:
        assert isinstance(self.parent, PackFile)
        outcome = next(o for o in self.parent.report().outcomes if o.name == self.name)
        if outcome.status == "skip":
            pytest.skip(outcome.skip_reason)
        if outcome.status == "fail":
            raise PackTestFailure(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PackTestFailure):
            outcome = excinfo.value.outcome
            lines = [f"vendorrisk pack test {outcome.name!r} failed ({outcome.origin})"]
            lines += [f"  {problem}" for problem in outcome.problems]
            if outcome.actual is not None:
                lines.append(f"  came out: {outcome.actual.describe()}")
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"vendorrisk test {self.name}"
