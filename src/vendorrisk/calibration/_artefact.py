"""The fitted calibration as data: a strict JSON artefact and the curves that apply it.

Nothing here imports scikit-learn: applying a calibration is a few numpy operations, so
``vendorrisk score --calibration`` works on an install without the ``ml`` extra. The artefact
is JSON read by strict pydantic models (never pickle): a misspelt key, a missing field, a
number out of range, a decreasing curve or a negative coefficient is a
:class:`~vendorrisk.errors.CalibrationError` naming the key path, never code execution.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeAlias

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike, NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from vendorrisk.errors import CalibrationError
from vendorrisk.schema import FACTORS, PROBABILITY_COLUMN

SCHEMA_VERSION: Final = 1
KIND: Final = "vendorrisk.calibration"
Method: TypeAlias = Literal["isotonic", "logistic"]
METHODS: Final[tuple[Method, ...]] = ("isotonic", "logistic")
#: The scored columns each method reads, in the order of its design matrix.
INPUTS: Final[dict[str, tuple[str, ...]]] = {"isotonic": ("score",), "logistic": ("score", *FACTORS)}
#: The logistic method reads ``score / SCORE_SCALE`` so that every input is on 0..1.
SCORE_SCALE: Final = 100.0
#: Decimals of the ``probability`` output column (rounded once, at the output boundary).
PROBABILITY_DECIMALS: Final = 4
#: A larger file is refused before it is read (a fitted isotonic curve has at most a few
#: thousand points; metrics are a few kilobytes).
MAX_ARTEFACT_BYTES: Final = 16 << 20
#: Shown validation problems of a malformed artefact (the rest are counted).
_SHOWN_PROBLEMS: Final = 5

PACK_MISMATCH: Final = "was fitted with rule pack {fitted}, not {used}: its probabilities describe another model's scores"

_STRICT: Final = ConfigDict(extra="forbid", frozen=True, strict=True)
Finite = Annotated[float, Field(allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]
Fingerprint = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


class IsotonicParameters(BaseModel):
    """A non-decreasing piecewise-linear curve of the score: ``p = interp(score, x, y)``,
    constant beyond the ends."""

    model_config = _STRICT
    x: list[Finite] = Field(min_length=1)
    y: list[Unit] = Field(min_length=1)

    @model_validator(mode="after")
    def _curve(self) -> IsotonicParameters:
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} points and y has {len(self.y)}: they must have the same length")
        if any(b <= a for a, b in zip(self.x, self.x[1:])):
            raise ValueError("x must be strictly increasing")
        if any(b < a for a, b in zip(self.y, self.y[1:])):
            raise ValueError("y must be non-decreasing (the probability never falls as the score rises)")
        return self


class LogisticParameters(BaseModel):
    """``p = 1 / (1 + exp(-(intercept + sum_j coefficients[j] * x_j)))`` with ``x_score = score / 100``
    and ``x_f`` the factor ``f``; every coefficient is >= 0."""

    model_config = _STRICT
    intercept: Finite
    coefficients: dict[str, NonNegative]

    @model_validator(mode="after")
    def _names(self) -> LogisticParameters:
        expected = INPUTS["logistic"]
        if tuple(self.coefficients) != expected:
            raise ValueError(f"coefficients must be exactly {', '.join(expected)} in this order; got {', '.join(self.coefficients) or 'none'}")
        return self


def _parameters_kind(value: Any) -> str:
    """Which parameters a value holds: an isotonic curve has ``x``/``y``, anything else is read as logistic."""
    if isinstance(value, Mapping):
        return "isotonic" if "x" in value or "y" in value else "logistic"
    return "isotonic" if isinstance(value, IsotonicParameters) else "logistic"


Parameters: TypeAlias = Annotated[
    Annotated[IsotonicParameters, Tag("isotonic")] | Annotated[LogisticParameters, Tag("logistic")],
    Discriminator(_parameters_kind),
]


class Bin(BaseModel):
    """One bin of the reliability table: predictions in ``[lower, upper)`` (the last bin includes 1)."""

    model_config = _STRICT
    lower: Unit
    upper: Unit
    count: Count
    predicted: Unit | None
    observed: Unit | None


class Interval(BaseModel):
    """A bootstrap percentile interval."""

    model_config = _STRICT
    low: Finite
    high: Finite


class ModelMetrics(BaseModel):
    """Out-of-fold metrics of one model of the probability (see :mod:`vendorrisk.calibration`)."""

    model_config = _STRICT
    brier: NonNegative
    reliability: NonNegative
    resolution: NonNegative
    uncertainty: NonNegative
    log_loss: NonNegative
    ece: NonNegative
    roc_auc: Unit
    bins: list[Bin]
    intervals: dict[str, Interval] | None = None


class Metrics(BaseModel):
    """The three models compared out of fold: the calibration, the uncalibrated ``score / 100`` and
    the base rate of the training folds."""

    model_config = _STRICT
    folds: Annotated[int, Field(ge=2)]
    bootstrap: Count
    calibrated: ModelMetrics
    uncalibrated: ModelMetrics
    base_rate: ModelMetrics
    #: With a bootstrap: the interval of Brier(calibrated) - Brier(score / 100) over the same
    #: resampled contracts (below 0 throughout: calibration helped beyond the resampling noise).
    brier_difference: Interval | None = None


class Training(BaseModel):
    """What the calibration was fitted on."""

    model_config = _STRICT
    rows: Count
    labelled: Count
    positives: Count
    negatives: Count
    excluded: dict[str, Count]
    seed: int


class Calibration(BaseModel):
    """A fitted calibration: turns scored contracts into probabilities of the labelled outcome.

    It reads the engine's output columns (:data:`INPUTS`) and adds one, ``probability``; it never
    changes the score, the band or any other column. Load one with :func:`load_calibration`, fit
    one with :func:`vendorrisk.calibration.fit_calibration`.
    """

    model_config = _STRICT
    schema_version: Literal[1]
    kind: Literal["vendorrisk.calibration"]
    method: Method
    label: str = Field(min_length=1)
    fingerprint: Fingerprint
    vendorrisk_version: str
    parameters: Parameters
    training: Training
    metrics: Metrics

    @model_validator(mode="after")
    def _matching(self) -> Calibration:
        wanted = IsotonicParameters if self.method == "isotonic" else LogisticParameters
        if not isinstance(self.parameters, wanted):
            raise ValueError(f"method {self.method!r} needs {wanted.__name__.removesuffix('Parameters').lower()} parameters")
        if self.training.positives + self.training.negatives != self.training.labelled:
            raise ValueError("training.positives + training.negatives must equal training.labelled")
        return self

    @property
    def inputs(self) -> tuple[str, ...]:
        """The scored columns this calibration reads."""
        return INPUTS[self.method]

    def probability(self, columns: Mapping[str, ArrayLike]) -> NDArray[np.float64]:
        """``(n_contracts,)`` probabilities from the scored columns :attr:`inputs` (NaN where any is missing).

        Isotonic: ``p = interp(score, x, y)``. Logistic: ``p = expit(intercept + w_score * score / 100
        + sum_f w_f * f)`` over the factors ``f``. Not rounded.
        """
        return predict(self.parameters, design(columns, self.method))

    def add_to(self, table: pa.Table) -> pa.Table:
        """``table`` (scored) with a ``probability`` column appended (replaced if present), rounded to
        :data:`PROBABILITY_DECIMALS`; null where the contract has no score."""
        missing = [name for name in self.inputs if name not in table.column_names]
        if missing:
            raise CalibrationError(f"the scored table has no column {', '.join(map(repr, missing))}, which the calibration reads")
        columns = {name: table.column(name).to_numpy(zero_copy_only=False).astype(np.float64) for name in self.inputs}
        probability = pa.array(self.probability(columns).round(PROBABILITY_DECIMALS), from_pandas=True)  # NaN -> null
        if PROBABILITY_COLUMN in table.column_names:
            table = table.drop_columns([PROBABILITY_COLUMN])
        return table.append_column(PROBABILITY_COLUMN, probability)

    def check_pack(self, fingerprint: str, *, strict: bool = False, source: str | os.PathLike[str] | None = None) -> None:
        """Warn (:class:`CalibrationWarning`), or with ``strict`` raise, when fitted with another pack."""
        if fingerprint == self.fingerprint:
            return
        problem = PACK_MISMATCH.format(fitted=self.fingerprint, used=fingerprint)
        if strict:
            raise CalibrationError(problem, path=None if source is None else os.fspath(source))
        where = f"{os.fspath(source)}: " if source is not None else "the calibration "
        warnings.warn(f"{where}{problem}", CalibrationWarning, stacklevel=3)

    def to_json(self) -> str:
        """The artefact as JSON text (floats written so that they read back to the same bits)."""
        return json.dumps(self.model_dump(mode="json"), indent=1, allow_nan=False) + "\n"

    def save(self, path: str | Path) -> None:
        """Write the artefact to ``path`` as JSON."""
        Path(path).write_text(self.to_json(), encoding="utf-8")


class CalibrationWarning(UserWarning):
    """A calibration is used with another pack than it was fitted with, or fitted from few labels."""


def design(columns: Mapping[str, ArrayLike], method: str) -> NDArray[np.float64]:
    """``(n_contracts, n_inputs)`` design matrix of ``method`` from the scored columns (score scaled for logistic)."""
    names = INPUTS[method]
    missing = [name for name in names if name not in columns]
    if missing:
        raise CalibrationError(f"no column {', '.join(map(repr, missing))}, which the {method} calibration reads")
    matrix = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    if method == "logistic":
        matrix[:, 0] /= SCORE_SCALE
    return matrix


def isotonic_curve(x: NDArray[np.float64], xs: NDArray[np.float64], ys: NDArray[np.float64]) -> NDArray[np.float64]:
    """``interp(x, xs, ys)``: linear between the thresholds, constant beyond the ends; NaN stays NaN."""
    out: NDArray[np.float64] = np.interp(x, xs, ys)
    return out


def logistic_curve(matrix: NDArray[np.float64], coefficients: NDArray[np.float64], intercept: float) -> NDArray[np.float64]:
    """``1 / (1 + exp(-z))`` with ``z = intercept + matrix @ coefficients``, computed as ``exp(-log(1 + exp(-z)))``
    (no overflow for any finite ``z``)."""
    z = matrix @ coefficients + intercept
    out: NDArray[np.float64] = np.exp(-np.logaddexp(0.0, -z))
    return out


def predict(parameters: IsotonicParameters | LogisticParameters, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(n_contracts,)`` probabilities of the design ``matrix`` under ``parameters``."""
    if isinstance(parameters, IsotonicParameters):
        return isotonic_curve(matrix[:, 0], np.array(parameters.x), np.array(parameters.y))
    weights = np.array(list(parameters.coefficients.values()))
    return logistic_curve(matrix, weights, parameters.intercept)


def load_calibration(path: str | os.PathLike[str], rules: Any = None, *, strict: bool = False) -> Calibration:
    """Read and strictly validate a calibration artefact (JSON).

    Parameters
    ----------
    path : the JSON file written by :meth:`Calibration.save` or ``vendorrisk calibrate``.
    rules : a pack (or its path) to check the artefact against; ``None`` skips the check.
    strict : with ``rules``, raise instead of warning when the artefact was fitted with another pack.

    Raises
    ------
    CalibrationError
        The file is missing, too large, not JSON, or not a valid artefact (the message names the keys).
    """
    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_ARTEFACT_BYTES:
            raise CalibrationError(f"is {size:,} bytes; a calibration artefact is at most {MAX_ARTEFACT_BYTES:,}", path=file)
        text = file.read_bytes()
    except OSError as exc:
        raise CalibrationError(f"cannot read it: {exc.strerror or exc}", path=file) from None
    calibration = parse_calibration(text, source=file)
    if rules is not None:
        from vendorrisk.engine import (
            pack_of,  # the engine is not needed to read an artefact
        )

        calibration.check_pack(pack_of(rules).fingerprint, strict=strict, source=file)
    return calibration


def calibration_of(calibration: Calibration | str | os.PathLike[str] | None, fingerprint: str) -> Calibration | None:
    """A :class:`Calibration` from an artefact or its path, checked against the pack ``fingerprint`` (a warning on mismatch)."""
    if calibration is None:
        return None
    if isinstance(calibration, Calibration):
        calibration.check_pack(fingerprint)
        return calibration
    if isinstance(calibration, (str, os.PathLike)):
        loaded = load_calibration(calibration)
        loaded.check_pack(fingerprint, source=os.fspath(calibration))
        return loaded
    raise CalibrationError(f"calibration must be a Calibration or the path of its JSON file, not a {type(calibration).__name__}")


def parse_calibration(text: str | bytes, *, source: str | Path | None = None) -> Calibration:
    """A :class:`Calibration` from JSON text, strictly validated (see :func:`load_calibration`)."""
    try:
        return Calibration.model_validate_json(text)
    except ValidationError as exc:
        problems = exc.errors(include_url=False, include_input=False)
        shown = [_problem(error) for error in problems[:_SHOWN_PROBLEMS]]
        more = len(problems) - len(shown)
        detail = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        raise CalibrationError(f"not a valid calibration artefact: {detail}", path=source) from None


def _problem(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{location}: {message}" if location else message
