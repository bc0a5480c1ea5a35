"""The reliability plot of a fitted calibration (matplotlib, the ``plot`` extra, imported lazily)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vendorrisk.calibration._artefact import Calibration, ModelMetrics
from vendorrisk.errors import DependencyError

#: The models drawn, with their legend labels, from the artefact's out-of-fold metrics.
_CURVES = (("calibrated", "calibrated ({method})"), ("uncalibrated", "uncalibrated (score / 100)"))


def reliability_plot(calibration: Calibration, path: str | Path) -> None:
    """Write the reliability diagram of ``calibration`` to ``path`` (PNG, SVG or PDF, from the extension).

    Top: the observed rate against the mean predicted probability in each bin, out of fold, for
    the calibration and for ``score / 100``, over the diagonal of perfect calibration and the base
    rate. Bottom: how many contracts fall in each bin (where the curve has support).
    """
    if importlib.util.find_spec("matplotlib") is None:
        raise DependencyError("matplotlib", extra="plot")
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    metrics = calibration.metrics
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True, gridspec_kw={"height_ratios": (3, 1)})
    top.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    rate = calibration.training.positives / calibration.training.labelled
    top.axhline(rate, color="grey", linestyle="--", linewidth=0.8, label=f"base rate {rate:.3f}")
    width = 1.0 / len(metrics.calibrated.bins)
    for offset, (name, label) in zip((-0.25, 0.25), _CURVES):
        model: ModelMetrics = getattr(metrics, name)
        shown = [b for b in model.bins if b.count]
        top.plot([b.predicted for b in shown], [b.observed for b in shown], marker="o",
                 label=f"{label.format(method=calibration.method)}: Brier {model.brier:.4f}, ECE {model.ece:.4f}")
        bottom.bar([b.lower + width * (0.5 + offset / 2) for b in model.bins], [b.count for b in model.bins], width=width / 2)
    top.set_ylabel("observed rate")
    top.set_xlim(0, 1)
    top.set_ylim(-0.02, 1.02)
    top.legend(loc="upper left", fontsize="small")
    top.set_title(f"Reliability of {calibration.label!r}, out of fold ({metrics.folds} folds, {calibration.training.labelled:,} labels)")
    bottom.set_xlabel("predicted probability")
    bottom.set_ylabel("contracts")
    figure.tight_layout()
    figure.savefig(Path(path), dpi=120)
    plt.close(figure)
