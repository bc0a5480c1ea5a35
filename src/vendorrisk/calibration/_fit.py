"""Fitting a calibration: the scikit-learn estimator, cross-validation and the out-of-fold metrics.

The only module of vendorrisk that imports scikit-learn (and scipy, which it brings); it is
imported lazily by :func:`vendorrisk.calibration.fit_calibration` and by the
``vendorrisk.calibration.Calibrator`` attribute.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from vendorrisk import __version__
from vendorrisk.calibration._artefact import (
    INPUTS,
    KIND,
    METHODS,
    SCHEMA_VERSION,
    Bin,
    Calibration,
    CalibrationWarning,
    Interval,
    IsotonicParameters,
    LogisticParameters,
    Method,
    Metrics,
    ModelMetrics,
    Training,
    design,
    isotonic_curve,
    logistic_curve,
)
from vendorrisk.errors import CalibrationError
from vendorrisk.schema import (
    CANONICAL_COLUMNS,
    FALSE_WORDS,
    OUTPUT_COLUMNS,
    PROBABILITY_COLUMN,
    TRUE_WORDS,
)

#: Refuse to fit with fewer usable labels than this ...
MIN_LABELS: Final = 50
#: ... or fewer than this of the rarer outcome.
MIN_PER_CLASS: Final = 10
#: Below this many usable labels, warn and give every metric a bootstrap interval.
FEW_LABELS: Final = 1000
BOOTSTRAP: Final = 200
#: The central coverage of the bootstrap percentile intervals.
COVERAGE: Final = 0.95
DEFAULT_FOLDS: Final = 5
RELIABILITY_BINS: Final = 10
#: Probabilities are clipped to [CLIP, 1 - CLIP] inside the log loss (a score of 0 for a
#: contract that went wrong costs -log(1e-15) = 34.5, not infinity).
CLIP: Final = 1e-15
#: L2 penalty on the logistic coefficients (not the intercept): keeps separable labels finite.
ALPHA: Final = 1e-4

ONE_CLASS: Final = "every usable label in {label!r} is {value}: calibration needs both outcomes (0 and 1)"
TOO_FEW_LABELS: Final = "only {n} usable labels in {label!r}; calibration needs at least {minimum}"
TOO_FEW_OF_CLASS: Final = "only {n} contracts with {label!r} = {value}; calibration needs at least {minimum} of each outcome"
FEW_LABELS_WARNING: Final = (
    "only {n} usable labels (fewer than {few}): the metrics are uncertain; each has a {coverage:.0%} bootstrap interval"
)
NOT_BINARY: Final = "Only binary classification is supported. The type of the target is {kind}."
ONE_CLASS_IN_Y: Final = "y has one class: a calibration needs both outcomes"
ISOTONIC_ONE_COLUMN: Final = "the isotonic method takes one column (the score); X has {n}"
UNKNOWN_METHOD: Final = "unknown method {method!r}: use one of {methods}"
RESERVED_LABEL: Final = "the label column cannot be {label!r}: that name is a contract or output column"
NO_LABEL: Final = "no label column {label!r} in the input (its columns: {columns})"

#: Why a row was not used, in the order they are checked.
LABEL_MISSING: Final = "label missing"
LABEL_NOT_BINARY: Final = "label not 0/1 or true/false"
CONTRACT_INVALID: Final = "contract invalid (see its error)"
_MISSING: Final = -1
_NOT_BINARY: Final = -2


class Calibrator(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A scikit-learn classifier that maps vendorrisk outputs to the probability of an outcome.

    Parameters
    ----------
    method : ``"isotonic"`` or ``"logistic"``.
        isotonic: ``X`` is one column (the score); the fit is the non-decreasing step function
        minimising the squared error (pool-adjacent-violators, :class:`sklearn.isotonic.IsotonicRegression`),
        applied as ``p = interp(x, x_thresholds_, y_thresholds_)``, constant beyond the ends.
        logistic: ``p = 1 / (1 + exp(-(intercept_ + X @ coef_)))`` with every ``coef_ >= 0``, so the
        probability never falls when an input rises. The coefficients minimise
        ``mean(log(1 + exp(z)) - y z) + alpha / 2 * |coef_|^2`` under the bounds ``coef_ >= 0``
        (scipy's L-BFGS-B, which supports bounds: the sign is a constraint of the solver, not a
        clipping afterwards).
    alpha : L2 penalty on the logistic coefficients (not on the intercept).

    Attributes
    ----------
    classes_ : the two labels, sorted; ``predict_proba[:, 1]`` is the probability of ``classes_[1]``.
    x_thresholds_, y_thresholds_ : isotonic: the fitted curve.
    coef_ : logistic: ``(n_features,)`` non-negative coefficients. intercept_ : float.
    n_features_in_ : the number of columns of ``X`` at fit.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(0, 100, 200)[:, None]
    >>> y = (np.arange(200) % 3 == 0) | (X[:, 0] > 60)
    >>> model = Calibrator("isotonic").fit(X, y)
    >>> bool(np.all(np.diff(model.predict_proba(X)[:, 1]) >= 0))
    True
    """

    def __init__(self, method: Method = "isotonic", alpha: float = ALPHA) -> None:
        self.method = method
        self.alpha = alpha

    def fit(self, X: Any, y: Any) -> Calibrator:
        """Fit on ``X`` ``(n_samples, n_features)`` and binary ``y``; return ``self``."""
        if self.method not in METHODS:
            raise ValueError(UNKNOWN_METHOD.format(method=self.method, methods=", ".join(METHODS)))
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(NOT_BINARY.format(kind=kind))
        self.classes_, target = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError(ONE_CLASS_IN_Y)
        outcome = target.astype(np.float64)
        if self.method == "isotonic":
            if X.shape[1] != 1:
                raise ValueError(ISOTONIC_ONE_COLUMN.format(n=X.shape[1]))
            curve = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(X[:, 0], outcome)
            self.x_thresholds_ = np.asarray(curve.X_thresholds_, dtype=np.float64)
            self.y_thresholds_ = np.clip(np.asarray(curve.y_thresholds_, dtype=np.float64), 0.0, 1.0)
        else:
            self.coef_, self.intercept_ = _monotone_logistic(X, outcome, float(self.alpha))
        return self

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """``(n_samples, 2)``: the probabilities of ``classes_[0]`` and ``classes_[1]``."""
        p = self._probability(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> NDArray[Any]:
        """``classes_[1]`` where its probability exceeds 0.5, else ``classes_[0]``."""
        positive = self._probability(X) > 0.5  # checks that it is fitted before classes_ is read
        classes: NDArray[Any] = self.classes_[positive.astype(np.intp)]
        return classes

    def _probability(self, X: Any) -> NDArray[np.float64]:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.method == "isotonic":
            return isotonic_curve(X[:, 0], self.x_thresholds_, self.y_thresholds_)
        return logistic_curve(X, self.coef_, self.intercept_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # Monotone by construction: it cannot fit data whose outcome falls as an input rises (as
        # scikit-learn's generic blobs may), so it does not promise a good accuracy on them.
        tags.classifier_tags.poor_score = True
        return tags

    def artefact_parameters(self) -> IsotonicParameters | LogisticParameters:
        """The fitted curve as artefact parameters (the logistic inputs named by :data:`INPUTS`)."""
        check_is_fitted(self)
        if self.method == "isotonic":
            return IsotonicParameters(x=self.x_thresholds_.tolist(), y=self.y_thresholds_.tolist())
        names = INPUTS["logistic"]
        if len(names) != len(self.coef_):
            raise ValueError(f"a calibration artefact needs the columns {', '.join(names)}; this model has {len(self.coef_)} inputs")
        return LogisticParameters(intercept=float(self.intercept_), coefficients=dict(zip(names, self.coef_.tolist())))


def _monotone_logistic(X: NDArray[np.float64], y: NDArray[np.float64], alpha: float) -> tuple[NDArray[np.float64], float]:
    """Penalised logistic regression with ``coef >= 0`` by L-BFGS-B (bounds on the coefficients)."""
    n, d = X.shape

    def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        w, b = theta[:d], theta[d]
        z = X @ w + b
        p = np.exp(-np.logaddexp(0.0, -z))
        value = float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * alpha * (w @ w))
        residual = (p - y) / n
        return value, np.append(X.T @ residual + alpha * w, residual.sum())

    start = np.zeros(d + 1)
    start[d] = np.log((y.mean() + 1e-9) / (1.0 - y.mean() + 1e-9))  # the base rate's log odds
    bounds = [(0.0, None)] * d + [(None, None)]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 1000})
    theta = np.asarray(result.x, dtype=np.float64)
    return np.maximum(theta[:d], 0.0), float(theta[d])


# --- labels --------------------------------------------------------------------------------------


def parse_labels(column: pa.ChunkedArray | pa.Array) -> tuple[NDArray[np.int8], list[str]]:
    """``(n_rows,)`` outcomes: 1, 0, -1 (missing) or -2 (not binary), and the distinct non-binary values.

    Accepted: booleans; numbers equal to 0 or 1; text (any case, spaces stripped) in the schema's
    boolean words (``1/0``, ``true/false``, ``yes/no``, ``t/f``, ``y/n``) or a number 0 or 1.
    Empty text, null and NaN are missing. Each distinct value is read once.
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_boolean(kind):
        values = column.cast(pa.int8()).fill_null(_MISSING)
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int8), []
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        numbers = np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        out = np.full(len(numbers), _NOT_BINARY, dtype=np.int8)
        out[numbers == 1.0] = 1
        out[numbers == 0.0] = 0
        out[np.isnan(numbers)] = _MISSING
        bad = sorted({repr(float(v)) for v in np.unique(numbers[out == _NOT_BINARY])})
        return out, bad
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
    try:
        text = column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise CalibrationError(f"the label column has type {kind}; give 0/1 or true/false") from None
    encoded = pc.dictionary_encode(text)
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.intp)
    distinct = encoded.dictionary.to_pylist()
    meaning = np.array([_word(value) for value in distinct] + [_MISSING], dtype=np.int8)  # code -1 reads the last
    bad = sorted(value for value, code in zip(distinct, meaning) if code == _NOT_BINARY)
    return meaning[codes], bad


def _word(value: str) -> int:
    word = value.strip().lower()
    if not word:
        return _MISSING
    if word in TRUE_WORDS:
        return 1
    if word in FALSE_WORDS:
        return 0
    try:
        number = float(word)
    except ValueError:
        return _NOT_BINARY
    return 1 if number == 1.0 else 0 if number == 0.0 else _MISSING if number != number else _NOT_BINARY


# --- fitting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    """Rows not used for fitting, for one reason: ``rows`` are 0-based input positions; ``values``
    the distinct offending labels (for :data:`LABEL_NOT_BINARY`)."""

    reason: str
    rows: NDArray[np.intp]
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fitted:
    """What :func:`fit_calibration` returns: the calibration, the rows it did not use and why, and
    the out-of-fold predictions of the labelled rows (for plots and checks)."""

    calibration: Calibration
    excluded: tuple[Exclusion, ...]
    scored: pa.Table
    used: NDArray[np.bool_]
    labels: NDArray[np.float64]
    out_of_fold: NDArray[np.float64]
    baseline: NDArray[np.float64]


def fit_calibration(
    data: Any,
    label: str,
    *,
    method: Method = "isotonic",
    rules: Any = None,
    as_of: Any = None,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    read: bool = False,
) -> Fitted:
    """Score ``data`` with the pack, then fit and measure a calibration of ``label`` (see the package docs).

    With ``read``, ``data`` is a table from :func:`vendorrisk.io.open_batches` (its malformed
    records flagged in the readers' internal column) and is scored by the engine as the
    ``score`` command scores it; otherwise it is anything :func:`vendorrisk.score_table` reads.
    """
    from vendorrisk.api import score_table, to_arrow  # the API imports this package: not at import time
    from vendorrisk.engine import as_of_date, pack_of, scored_table

    if method not in METHODS:
        raise CalibrationError(UNKNOWN_METHOD.format(method=method, methods=", ".join(METHODS)))
    if label in CANONICAL_COLUMNS or label in OUTPUT_COLUMNS or label == PROBABILITY_COLUMN:
        raise CalibrationError(RESERVED_LABEL.format(label=label))
    arrow = data if read else to_arrow(data)
    if label not in arrow.column_names:
        raise CalibrationError(NO_LABEL.format(label=label, columns=", ".join(arrow.column_names)))
    pack = pack_of(rules)
    # The label column is the caller's, not an input the pack scores: kept aside, not warned about.
    contracts = arrow.drop_columns([label])
    scored = scored_table(contracts, pack, as_of_date(as_of))[0] if read else score_table(contracts, pack, as_of)
    outcome, bad_values = parse_labels(arrow.column(label))
    invalid = np.asarray(pc.not_equal(scored.column("error"), "").to_numpy(zero_copy_only=False), dtype=bool)
    excluded = tuple(
        exclusion
        for exclusion in (
            Exclusion(CONTRACT_INVALID, np.flatnonzero(invalid)),
            Exclusion(LABEL_MISSING, np.flatnonzero(~invalid & (outcome == _MISSING))),
            Exclusion(LABEL_NOT_BINARY, np.flatnonzero(~invalid & (outcome == _NOT_BINARY)), tuple(bad_values)),
        )
        if len(exclusion.rows)
    )
    used = ~invalid & (outcome >= 0)
    y = outcome[used].astype(np.float64)
    _check_counts(y, label, folds)
    columns = {name: scored.column(name).to_numpy(zero_copy_only=False)[used] for name in INPUTS[method]}
    X = design(columns, method)
    baseline = np.clip(np.asarray(scored.column("score").to_numpy(zero_copy_only=False)[used], dtype=np.float64) / 100.0, 0.0, 1.0)
    model = Calibrator(method)
    out_of_fold, base_rate = _out_of_fold(model, X, y, folds, seed)
    final = clone(model).fit(X, y)
    metrics = _metrics(y, out_of_fold, baseline, base_rate, folds, seed)
    calibration = Calibration(
        schema_version=SCHEMA_VERSION,
        kind=KIND,
        method=method,
        label=label,
        fingerprint=pack.fingerprint,
        vendorrisk_version=__version__,
        parameters=final.artefact_parameters(),
        training=Training(
            rows=scored.num_rows,
            labelled=len(y),
            positives=int(y.sum()),
            negatives=int(len(y) - y.sum()),
            excluded={exclusion.reason: len(exclusion.rows) for exclusion in excluded},
            seed=seed,
        ),
        metrics=metrics,
    )
    return Fitted(calibration, excluded, scored, used, y, out_of_fold, baseline)


def _check_counts(y: NDArray[np.float64], label: str, folds: int) -> None:
    n, positives = len(y), int(y.sum())
    negatives = n - positives
    if n and (positives == 0 or negatives == 0):
        raise CalibrationError(ONE_CLASS.format(label=label, value=int(y[0])))
    if n < MIN_LABELS:
        raise CalibrationError(TOO_FEW_LABELS.format(n=n, label=label, minimum=MIN_LABELS))
    rarer, value = min((positives, 1), (negatives, 0))
    if rarer < MIN_PER_CLASS:
        raise CalibrationError(TOO_FEW_OF_CLASS.format(n=rarer, label=label, value=value, minimum=MIN_PER_CLASS))
    if not 2 <= folds <= MIN_PER_CLASS:
        raise CalibrationError(f"folds must be between 2 and {MIN_PER_CLASS}; got {folds}")
    if n < FEW_LABELS:
        warnings.warn(FEW_LABELS_WARNING.format(n=n, few=FEW_LABELS, coverage=COVERAGE), CalibrationWarning, stacklevel=3)


def _out_of_fold(
    model: Calibrator, X: NDArray[np.float64], y: NDArray[np.float64], folds: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each row's probability from the model fitted on the other folds, and those folds' base rate."""
    predicted = np.empty(len(y))
    base_rate = np.empty(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        predicted[test] = clone(model).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        base_rate[test] = y[train].mean()
    return predicted, base_rate


# --- metrics -------------------------------------------------------------------------------------

_TAIL: Final = (1.0 - COVERAGE) / 2.0 * 100.0  # percent in each tail of a bootstrap interval
_SCALARS: Final = ("brier", "reliability", "resolution", "uncertainty", "log_loss", "ece", "roc_auc")


def _metrics(
    y: NDArray[np.float64],
    calibrated: NDArray[np.float64],
    baseline: NDArray[np.float64],
    base_rate: NDArray[np.float64],
    folds: int,
    seed: int,
) -> Metrics:
    few = len(y) < FEW_LABELS
    samples = _bootstrap_rows(len(y), seed) if few else []
    models = {name: _model_metrics(y, p, samples) for name, p in (("calibrated", calibrated), ("uncalibrated", baseline), ("base_rate", base_rate))}
    gain = None
    if samples:  # paired: the same resampled contracts for both models
        differences = [np.mean((calibrated[rows] - y[rows]) ** 2) - np.mean((baseline[rows] - y[rows]) ** 2) for rows in samples]
        low, high = np.percentile(differences, [_TAIL, 100.0 - _TAIL])
        gain = Interval(low=float(low), high=float(high))
    return Metrics(folds=folds, bootstrap=len(samples), brier_difference=gain, **models)


def _bootstrap_rows(n: int, seed: int) -> list[NDArray[np.intp]]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, n) for _ in range(BOOTSTRAP)]


def scalar_metrics(y: NDArray[np.float64], p: NDArray[np.float64], bins: int = RELIABILITY_BINS) -> dict[str, float]:
    """Brier score and its split, log loss, ECE and ROC AUC of probabilities ``p`` for outcomes ``y``.

    With ``N`` rows, bins ``k`` of equal width on ``p`` holding ``n_k`` rows of mean prediction
    ``p_k`` and observed rate ``o_k``, and ``o`` the overall rate:

    - brier = mean((p - y)^2)
    - reliability = sum_k n_k (p_k - o_k)^2 / N (lower is better)
    - resolution = sum_k n_k (o_k - o)^2 / N (higher is better)
    - uncertainty = o (1 - o); brier ~= reliability - resolution + uncertainty (exact when each
      bin holds one predicted value)
    - log_loss = -mean(y log p' + (1 - y) log(1 - p')) with ``p' = clip(p, CLIP, 1 - CLIP)``
    - ece = sum_k n_k |p_k - o_k| / N
    - roc_auc: the probability that a random positive has a higher ``p`` than a random negative (ties count half)
    """
    counts, mean_p, observed = _binned(y, p, bins)
    filled = counts > 0
    n, rate = len(y), float(y.mean())
    clipped = np.clip(p, CLIP, 1.0 - CLIP)
    auc = _roc_auc(y, p) if 0.0 < rate < 1.0 else float("nan")
    return {
        "brier": float(np.mean((p - y) ** 2)),
        "reliability": float(np.sum(counts[filled] * (mean_p[filled] - observed[filled]) ** 2) / n),
        "resolution": float(np.sum(counts[filled] * (observed[filled] - rate) ** 2) / n),
        "uncertainty": rate * (1.0 - rate),
        "log_loss": float(-np.mean(y * np.log(clipped) + (1.0 - y) * np.log1p(-clipped))),
        "ece": float(np.sum(counts[filled] * np.abs(mean_p[filled] - observed[filled])) / n),
        "roc_auc": auc,
    }


def _roc_auc(y: NDArray[np.float64], p: NDArray[np.float64]) -> float:
    """Mann-Whitney: ``(R+ - n+ (n+ + 1) / 2) / (n+ n-)`` with ``R+`` the sum of the positives' ranks of ``p``
    (ties get their average rank, so a tied pair counts half)."""
    positive = y == 1.0
    n_pos = float(positive.sum())
    n_neg = len(y) - n_pos
    ranks = rankdata(p)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg))


def _binned(y: NDArray[np.float64], p: NDArray[np.float64], bins: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    index = np.minimum((p * bins).astype(np.intp), bins - 1)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(index, weights=p, minlength=bins) / counts
        observed = np.bincount(index, weights=y, minlength=bins) / counts
    return counts, np.clip(mean_p, 0.0, 1.0), observed


def _model_metrics(y: NDArray[np.float64], p: NDArray[np.float64], samples: list[NDArray[np.intp]]) -> ModelMetrics:
    values = scalar_metrics(y, p)
    counts, mean_p, observed = _binned(y, p, RELIABILITY_BINS)
    table = [
        Bin(
            lower=k / RELIABILITY_BINS,
            upper=(k + 1) / RELIABILITY_BINS,
            count=int(counts[k]),
            predicted=float(mean_p[k]) if counts[k] else None,
            observed=float(observed[k]) if counts[k] else None,
        )
        for k in range(RELIABILITY_BINS)
    ]
    intervals = None
    if samples:
        draws = np.array([[scalar_metrics(y[rows], p[rows])[name] for name in _SCALARS] for rows in samples])
        low, high = np.nanpercentile(draws, [_TAIL, 100.0 - _TAIL], axis=0)
        intervals = {name: Interval(low=float(low[j]), high=float(high[j])) for j, name in enumerate(_SCALARS)}
    return ModelMetrics(**values, bins=table, intervals=intervals)

