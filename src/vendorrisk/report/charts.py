"""The report's charts as inline SVG, drawn with matplotlib's SVG backend (the ``report`` extra).

Figures are made with :class:`matplotlib.figure.Figure` directly, not pyplot, so no global state or
GUI backend is touched and charts can be drawn from any thread. Text stays text in the SVG
(``svg.fonttype = none``) and element ids are seeded, so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from vendorrisk.errors import DependencyError
from vendorrisk.schema import BANDS

#: Band colours (colour-blind-safe ramp), shared with the HTML template's legend.
BAND_COLOURS: Final = {"low": "#4daf4a", "medium": "#f0c808", "high": "#e66101", "critical": "#b2182b"}
STATE_COLOURS: Final = ("#b2182b", "#2166ac", "#762a83", "#1b7837", "#e08214", "#35978f", "#8c510a", "#c51b7d", "#4d4d4d", "#80cdc1")
OTHER_COLOUR: Final = "#bababa"
_ID_OR_REFERENCE: Final = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_RC: Final[dict[Any, Any]] = {"svg.fonttype": "none", "svg.hashsalt": "vendorrisk", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise DependencyError("matplotlib", extra="report") from None
    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Any, name: str) -> str:
    """The figure as an inline ``<svg>`` element; ``name`` seeds its element ids, so ids differ
    between the charts of one page and stay the same from run to run."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": f"vendorrisk-{name}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # drop the XML declaration and doctype: the SVG is inline in HTML
    # matplotlib numbers its elements per figure (figure_1, patch_1, ...): prefix every id and every
    # reference to one, so the ids of several charts in one page never collide.
    return _ID_OR_REFERENCE.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", text)


def bands_histogram(scores: Sequence[float], bands: Mapping[str, float]) -> str:
    """Score distribution: a histogram of scores in 5-point bins, each bin coloured by its band.

    ``bands`` gives each band's lower bound (``medium``, ``high``, ``critical``)."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        figure = _figure(6.5, 2.8)
        axes = figure.add_subplot()
        edges = list(range(0, 105, 5))
        lower = [0.0, bands["medium"], bands["high"], bands["critical"]]
        for index, band in enumerate(BANDS):
            top = lower[index + 1] if index + 1 < len(lower) else 100.0001
            chosen = [s for s in scores if lower[index] <= s < top]
            axes.hist(chosen, bins=edges, color=BAND_COLOURS[band], label=f"{band} ({len(chosen)})", edgecolor="white")
        axes.set_xlim(0, 100)
        axes.set_xlabel("exposure score")
        axes.set_ylabel("contracts")
        axes.legend(frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, 1.15))
        return _svg(figure, "bands_histogram")


def bands_by_country(counts: Mapping[str, Mapping[str, int]]) -> str:
    """Bands by buyer country: one horizontal stacked bar per country (most contracts at the top)."""
    import matplotlib

    countries = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    with matplotlib.rc_context(_RC):
        figure = _figure(6.5, max(2.0, 0.24 * len(countries) + 0.9))
        axes = figure.add_subplot()
        left = [0] * len(countries)
        for band in BANDS:
            widths = [counts[c].get(band, 0) for c in countries]
            axes.barh(countries, widths, left=left, color=BAND_COLOURS[band], label=band, edgecolor="white")
            left = [a + b for a, b in zip(left, widths)]
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.invert_yaxis()
        axes.set_xlabel("contracts")
        axes.legend(frameon=False, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
        return _svg(figure, "bands_by_country")


def exposure_over_time(by_year: Mapping[int, Mapping[str, float]], states: Sequence[str]) -> str:
    """Exposure (sum of scores) by signed year, stacked by reaching state; ``states`` in legend order,
    the rest as "other"."""
    import matplotlib

    years = list(by_year)
    with matplotlib.rc_context(_RC):
        figure = _figure(6.5, 2.8)
        axes = figure.add_subplot()
        bottom = [0.0] * len(years)
        shown = list(states[: len(STATE_COLOURS)])
        for colour, state in zip(STATE_COLOURS, shown):
            heights = [by_year[y].get(state, 0.0) for y in years]
            axes.bar(years, heights, bottom=bottom, color=colour, label=state)
            bottom = [a + b for a, b in zip(bottom, heights)]
        rest = [sum(v for s, v in by_year[y].items() if s not in shown and s != "none") for y in years]
        if any(rest):
            axes.bar(years, rest, bottom=bottom, color=OTHER_COLOUR, label="other")
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("year signed")
        axes.set_ylabel("exposure (sum of scores)")
        axes.legend(frameon=False, ncols=min(6, len(shown) + 1), loc="lower center", bbox_to_anchor=(0.5, 1.0))
        return _svg(figure, "exposure_over_time")


def state_shares(states: Sequence[tuple[str, float]], hhi: float) -> str:
    """Share of the portfolio's exposure per reaching state, with the HHI in the title."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        figure = _figure(6.5, max(2.0, 0.26 * len(states) + 0.9))
        axes = figure.add_subplot()
        labels = [state for state, _ in states]
        shares = [100 * share for _, share in states]
        colours = [STATE_COLOURS[i] if i < len(STATE_COLOURS) and label != "none" else OTHER_COLOUR for i, label in enumerate(labels)]
        axes.barh(labels, shares, color=colours)
        axes.invert_yaxis()
        axes.set_xlabel("share of the portfolio's exposure (%)")
        axes.set_title(f"concentration across states: HHI {hhi:,.0f} of 10,000", loc="left", fontsize=9)
        return _svg(figure, "state_shares")
