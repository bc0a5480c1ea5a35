"""The error hierarchy: one root, a few subclasses that carry where the problem is."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class VendorRiskError(Exception):
    """Root of every error this library raises on purpose."""


class PackError(VendorRiskError, ValueError):
    """A rule pack cannot be loaded: the message names the file, the key path and the problem.

    Attributes
    ----------
    path : the file (or folder) that was being read, if known.
    key : the key path inside it, e.g. ``rules[3].when`` or ``rules.vendor_holds_keys.when``.
    problem : what is wrong, with the allowed values or a did-you-mean where there is one.
    """

    def __init__(self, problem: str, *, path: Path | str | None = None, key: str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.key = key
        self.problem = problem
        where = ": ".join(part for part in (self.path, self.key) if part)
        super().__init__(f"{where}: {problem}" if where else problem)


class PackErrors(PackError):
    """Several problems found in one pack; all are reported together."""

    def __init__(self, errors: Sequence[PackError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class ExpressionError(VendorRiskError, ValueError):
    """A rule condition is not allowed or does not type-check (raised at pack load, never at scoring)."""


class DependencyError(VendorRiskError, ImportError):
    """An optional library that the call needs is not installed; the message says how to install it.

    Attributes
    ----------
    library : the missing library, e.g. ``polars``.
    extra : the vendorrisk extra that installs it.
    """

    def __init__(self, library: str, *, extra: str) -> None:
        self.library = library
        self.extra = extra
        super().__init__(f"{library} is not installed: pip install 'vendorrisk[{extra}]'")


class InputError(VendorRiskError, ValueError):
    """The input as a whole cannot be read (missing file, missing required column, bad option).

    Row-level problems are never raised: they end up in the output's ``error`` column.
    """


class CalibrationError(VendorRiskError, ValueError):
    """A calibration cannot be fitted (too few labels, one class) or an artefact cannot be used
    (malformed, hostile, or fitted with another rule pack under ``strict``).

    Attributes
    ----------
    path : the artefact file, if the problem is in one.
    problem : what is wrong.
    """

    def __init__(self, problem: str, *, path: Path | str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class MissingColumnsError(InputError):
    """A table lacks a required column, so none of it can be scored.

    Attributes
    ----------
    columns : the table's column names, from which a caller can offer its own advice (the
        command line suggests ``--map`` and ``--delimiter``; see :func:`vendorrisk.schema.lookalikes`).
    """

    def __init__(self, problem: str, *, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        super().__init__(f"the input has {problem}")


class InputWarning(UserWarning):
    """The input can be scored, but something in it is likely not what was meant (filter it with
    :mod:`warnings`, or pass ``strict=True`` to make it an :class:`InputError`)."""


class UnknownColumnWarning(InputWarning):
    """An input column (a key of a mapping) is neither canonical nor an output column: it is
    passed through and never scored, so a misspelt ``vendor_nmae`` leaves ``vendor_name`` unknown.

    Attributes
    ----------
    columns : the unknown columns, in input order.
    """

    def __init__(self, message: str, columns: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.columns = list(columns)
