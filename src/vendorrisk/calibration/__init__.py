"""Optional calibration: turn exposure scores into probabilities of an observed outcome.

A rule-based score ranks contracts; where an organisation holds outcomes (contracts later found
to have leaked data, or rated by its auditors), a calibration fitted to them says how likely the
outcome is at each score, and how good those probabilities are. See ``docs/calibration.md``.

- :func:`fit_calibration` scores labelled contracts with a pack, fits a :class:`Calibrator`
  (``isotonic`` on the score, or ``logistic`` on the score and the factors with non-negative
  coefficients) and measures it out of fold against the uncalibrated ``score / 100`` and the
  base rate. It needs scikit-learn (``pip install 'vendorrisk[ml]'``).
- A :class:`Calibration` is the fitted artefact: JSON with a ``schema_version``, never pickle,
  tied to the fingerprint of the pack it was fitted with. Applying it needs numpy only; it reads
  the engine's output columns and adds ``probability``; it never changes the score or the band.

Examples
--------
>>> from vendorrisk.calibration import load_calibration  # doctest: +SKIP
>>> calibration = load_calibration("calibration.json", rules=None)  # doctest: +SKIP
>>> vendorrisk.score_table(contracts, calibration=calibration)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from vendorrisk.calibration._artefact import (
    INPUTS,
    METHODS,
    SCHEMA_VERSION,
    Calibration,
    CalibrationWarning,
    Method,
    calibration_of,
    load_calibration,
    parse_calibration,
)
from vendorrisk.calibration._plot import reliability_plot
from vendorrisk.errors import DependencyError
from vendorrisk.schema import PROBABILITY_COLUMN

if TYPE_CHECKING:
    from vendorrisk.calibration._fit import Calibrator, Fitted

__all__ = [
    "INPUTS",
    "METHODS",
    "PROBABILITY_COLUMN",
    "SCHEMA_VERSION",
    "Calibration",
    "CalibrationWarning",
    "Calibrator",
    "Fitted",
    "calibration_of",
    "fit_calibration",
    "load_calibration",
    "parse_calibration",
    "reliability_plot",
]


def _require(library: str, module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise DependencyError(library, extra=extra)


def fit_calibration(
    data: Any, label: str, *, method: Method = "isotonic", rules: Any = None, as_of: Any = None, folds: int = 5, seed: int = 0,
    read: bool = False,
) -> Fitted:
    """Score labelled contracts with a pack, fit a calibration of ``label`` and measure it out of fold.

    Parameters
    ----------
    data : contracts with an outcome column, in anything :func:`vendorrisk.score_table` reads
        (scored or not: they are scored again with ``rules``, so the artefact names that pack).
    label : the outcome column: 0/1, true/false (or yes/no); a missing or other value excludes
        the row, and :attr:`Fitted.excluded` says which rows and why. Invalid contracts are
        excluded too.
    method : ``"isotonic"`` (on the score) or ``"logistic"`` (on ``score / 100`` and the five
        factors, every coefficient >= 0).
    rules, as_of : as for :func:`vendorrisk.score_table`.
    folds : stratified folds (shuffled with ``seed``) for the out-of-fold predictions the metrics are computed on.
    seed : the seed of the folds and of the bootstrap; the same data and seed give the same artefact.
    read : ``data`` is an Arrow table as :func:`vendorrisk.io.open_batches` reads a file (its
        malformed records flagged in the readers' internal column), scored as ``vendorrisk score``
        scores it; ``vendorrisk calibrate`` uses this.

    Raises
    ------
    DependencyError
        scikit-learn is not installed.
    CalibrationError
        Fewer than 50 usable labels, fewer than 10 of the rarer outcome, or only one outcome.

    Warns
    -----
    CalibrationWarning
        Fewer than 1000 usable labels: every metric then carries a 95% bootstrap interval.
    """
    _require("scikit-learn", "sklearn", "ml")
    from vendorrisk.calibration import _fit

    return _fit.fit_calibration(data, label, method=method, rules=rules, as_of=as_of, folds=folds, seed=seed, read=read)


def __getattr__(name: str) -> Any:
    """``Calibrator`` and ``Fitted`` are imported with scikit-learn, on first use."""
    if name in ("Calibrator", "Fitted"):
        _require("scikit-learn", "sklearn", "ml")
        from vendorrisk.calibration import _fit

        return getattr(_fit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
