"""``vendorrisk calibrate``: fit a calibration of an outcome column, print its metrics, write the artefact.

Exit codes: 0 every row used; 2 usage, input, rule-pack or calibration error (too few labels,
one outcome); 3 some rows not used (missing or non-binary label, invalid contract: each reason is
reported on stderr; the artefact is still written).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from vendorrisk.calibration import METHODS, fit_calibration, reliability_plot
from vendorrisk.calibration._artefact import Calibration, ModelMetrics
from vendorrisk.cli._base import EXIT_INVALID_ROWS, EXIT_OK, add_pack_options, add_reading_options
from vendorrisk.errors import DependencyError, InputError
from vendorrisk.io import open_batches
from vendorrisk.mapping import load_mapping

#: Row numbers shown per exclusion reason (the rest are counted).
SHOWN_ROWS: Final = 10
#: Metric columns of the printed table: heading and the ModelMetrics field.
COLUMNS: Final = (("Brier", "brier"), ("reliab.", "reliability"), ("resol.", "resolution"), ("log loss", "log_loss"), ("ECE", "ece"), ("ROC AUC", "roc_auc"))
MODELS: Final = (("calibrated", "calibrated"), ("score / 100", "uncalibrated"), ("base rate", "base_rate"))


def add(commands: Any) -> None:
    parser = commands.add_parser("calibrate", help="fit probabilities of an outcome to scores (needs vendorrisk[ml])")
    parser.add_argument("input", help="labelled contracts (CSV, Parquet or JSON Lines; scored or not) with a 0/1 outcome column")
    parser.add_argument("--label", required=True, metavar="COLUMN", help="the outcome column: 0/1 or true/false (yes/no)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="write the calibration artefact here (JSON)")
    parser.add_argument("--method", choices=METHODS, default="isotonic", help="isotonic on the score (default), or logistic on the score and factors with non-negative coefficients")
    parser.add_argument("--plot", metavar="FILE", help="write the reliability diagram here (PNG, SVG or PDF; needs vendorrisk[plot])")
    add_pack_options(parser)
    add_reading_options(parser)
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for the out-of-fold metrics (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds and the bootstrap (default 0)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no metrics table: only errors, warnings and the rows not used")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.is_dir() or not output.parent.is_dir():
        raise InputError(f"{output}: cannot write the artefact there (give -o a file in an existing folder)")
    if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
        raise DependencyError("matplotlib", extra="plot")  # before fitting: the fit should not be wasted
    mapping = load_mapping(args.map, args.map_file)
    batches = list(open_batches(args.input, format=args.format, delimiter=args.delimiter, encoding=args.encoding, mapping=mapping))
    if not batches or not sum(batch.num_rows for batch in batches):
        raise InputError(f"{args.input}: no contracts to calibrate on")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = fit_calibration(
            pa.Table.from_batches(batches), args.label, method=args.method, rules=args.rules, as_of=args.as_of,
            folds=args.folds, seed=args.seed, read=True,
        )
    for warning in caught:
        print(f"vendorrisk: warning: {warning.message}", file=sys.stderr)
    calibration = fitted.calibration
    calibration.save(output)
    if args.plot is not None:
        reliability_plot(calibration, args.plot)
    if not args.quiet:
        print(report(calibration, args.input))
    for exclusion in fitted.excluded:
        rows = ", ".join(str(row + 1) for row in exclusion.rows[:SHOWN_ROWS].tolist())
        more = f" and {len(exclusion.rows) - SHOWN_ROWS} more" if len(exclusion.rows) > SHOWN_ROWS else ""
        values = f"; values {', '.join(map(repr, exclusion.values[:SHOWN_ROWS]))}" if exclusion.values else ""
        print(f"vendorrisk: {len(exclusion.rows)} not used, {exclusion.reason}: rows {rows}{more}{values}", file=sys.stderr)
    if not args.quiet:
        print(f"vendorrisk: wrote {output}" + (f" and {args.plot}" if args.plot else ""), file=sys.stderr)
    return EXIT_INVALID_ROWS if fitted.excluded else EXIT_OK


def report(calibration: Calibration, source: str) -> str:
    """The metrics of ``calibration`` as readable tables (what ``vendorrisk calibrate`` prints)."""
    t, m = calibration.training, calibration.metrics
    intervals = m.bootstrap > 0
    width = 22 if intervals else 9
    lines = [
        f"{source}: {t.rows:,} contracts, {t.labelled:,} labels of {calibration.label!r} used "
        f"({t.positives:,} positive, {t.positives / t.labelled:.1%}); method {calibration.method}",
        f"pack {calibration.fingerprint}",
        "",
        f"Out-of-fold metrics ({m.folds} folds)" + (f"; [{m.bootstrap} bootstrap resamples, 95% interval]" if intervals else "") + ":",
        f"{'':<13}" + "".join(f"{heading:>{width}}" for heading, _ in COLUMNS),
    ]
    for title, name in MODELS:
        model: ModelMetrics = getattr(m, name)
        lines.append(f"{title:<13}" + "".join(f"{_cell(model, field):>{width}}" for _, field in COLUMNS))
    calibrated, baseline = m.calibrated.brier, m.uncalibrated.brier
    verdict = "lowers" if calibrated < baseline else "does NOT lower"
    paired = ""
    if m.brier_difference is not None:
        paired = f" Paired bootstrap 95% interval of the difference: [{m.brier_difference.low:+.4f}, {m.brier_difference.high:+.4f}]."
    lines += [
        f"Calibration {verdict} the Brier score: {calibrated:.4f} against {baseline:.4f} for score / 100 and {m.base_rate.brier:.4f} for the base rate.{paired}",
        "",
        "Reliability (calibrated, out of fold):",
        f"{'predicted in':<14}{'contracts':>10}{'mean predicted':>16}{'observed rate':>15}",
    ]
    for b in m.calibrated.bins:
        if b.count:
            lines.append(f"{f'{b.lower:.1f}-{b.upper:.1f}':<14}{b.count:>10,}{b.predicted:>16.4f}{b.observed:>15.4f}")
    return "\n".join(lines)


def _cell(model: ModelMetrics, field: str) -> str:
    value = f"{getattr(model, field):.4f}"
    if model.intervals is None or field not in model.intervals:
        return value
    interval = model.intervals[field]
    return f"{value} [{interval.low:.3f},{interval.high:.3f}]"
