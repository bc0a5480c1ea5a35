"""The portfolio report: one self-contained HTML file (inline SVG charts, inline CSS, no script, no
network), rendered with Jinja2 with autoescaping on, so a contract's own text can never become markup.

Its Content-Security-Policy (``default-src 'none'``) forbids any script and any fetch, so even a
template mistake could not make the file load or run anything.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from importlib import resources
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from vendorrisk.engine import Rules, pack_of
from vendorrisk.errors import DependencyError, InputError
from vendorrisk.report import charts
from vendorrisk.report.concentration import NO_FOREIGN_STATE, Concentration, concentration
from vendorrisk.schema import BANDS, CANONICAL_COLUMNS, GATES
from vendorrisk.whatif import what_ifs

__all__ = ["TEMPLATE", "TOP", "render_report"]

TEMPLATE: Final = "report.html.j2"
#: The report lists this many contracts, highest score first, each with its best mitigation.
TOP: Final = 20
#: Bars in the by-country chart and states in the over-time chart.
MAX_COUNTRIES: Final = 25
MAX_STATES: Final = 8


def render_report(results: pa.Table, rules: Rules = None, *, title: str = "vendorrisk portfolio report", top: int = TOP, generated: dt.date | None = None) -> str:
    """The report of a scored portfolio (:func:`vendorrisk.score_table`'s output) as HTML text.

    Parameters
    ----------
    results : the scored table (input columns and output columns).
    rules : the pack it was scored with (default: the default pack).
    title : the report's heading.
    top : how many contracts to list with reasons and their best mitigation.
    generated : the date printed as the report's date (default: today).

    Shows the score distribution by band, bands by buyer country, exposure by reaching foreign state
    over the signed years, the states' shares with the HHI, the top contracts with reasons and their
    best mitigation (:func:`vendorrisk.what_if`, one engine batch for all of them), the gated
    contracts, and the provenance: pack fingerprint, reference editions, as-of dates.
    """
    try:
        import jinja2
    except ImportError:
        raise DependencyError("Jinja2", extra="report") from None
    pack = pack_of(rules)
    spread = concentration(results, pack)
    rows = _rows(results)
    valid = [row for row in rows if not row.get("error") and row.get("score") is not None]
    ranked = sorted(valid, key=lambda row: (-float(row["score"]), str(row.get("contract_id"))))[: max(0, top)]
    plans = what_ifs([{name: row.get(name) for name in CANONICAL_COLUMNS if name in row} for row in ranked], pack)
    bands = pack.model.bands
    context = {
        "title": title,
        "generated": (generated or dt.date.today()).isoformat(),
        "pack": pack,
        "metas": [pack.model.jurisdictions_meta, pack.model.vendors_meta, pack.model.incidents_meta, pack.model.governance_meta],
        "as_of": _as_of_range(results),
        "n": len(rows),
        "invalid": [row for row in rows if row.get("error")],
        "band_counts": Counter(row.get("band") for row in valid),
        "gate_counts": Counter(row.get("gate") for row in valid),
        "bands": BANDS,
        "gates": GATES,
        "band_colours": charts.BAND_COLOURS,
        "charts": _charts(valid, spread, {"medium": bands.medium, "high": bands.high, "critical": bands.critical}),
        "top": [_top_row(row, plan) for row, plan in zip(ranked, plans)],
        "gated": [row for row in valid if row.get("gate") in ("block", "warn")],
        "spread": spread,
        "no_foreign_state": NO_FOREIGN_STATE,
    }
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(resources.files("vendorrisk.report").joinpath(TEMPLATE).read_text(encoding="utf-8"))
    return template.render(context)


def _rows(results: pa.Table) -> list[dict[str, Any]]:
    if not isinstance(results, pa.Table):
        raise InputError(f"the report needs the pyarrow.Table that score_table returns, not a {type(results).__name__}")
    empty = dict.fromkeys(CANONICAL_COLUMNS)  # a column the table lacks shows as empty
    return [{**empty, **row} for row in results.to_pylist()]


def _as_of_range(results: pa.Table) -> tuple[str, str] | None:
    if "as_of" not in results.column_names or not results.num_rows:
        return None
    low, high = pc.min_max(results.column("as_of")).values()
    return (str(low.as_py()), str(high.as_py())) if low.is_valid else None


def _charts(valid: list[dict[str, Any]], spread: Concentration, bands: dict[str, float]) -> list[tuple[str, str, Any]]:
    from markupsafe import Markup  # Jinja2's own dependency

    by_country: dict[str, Counter[str]] = {}
    for row in valid:
        by_country.setdefault(str(row.get("buyer_country")), Counter())[str(row.get("band"))] += 1
    biggest = sorted(by_country, key=lambda c: (-sum(by_country[c].values()), c))[:MAX_COUNTRIES]
    states = [s.state for s in spread.states if s.state != NO_FOREIGN_STATE]
    shown = [
        (
            "Score distribution by band",
            "Contracts per 5-point score bin, coloured by band.",
            charts.bands_histogram([float(row["score"]) for row in valid], bands),
        ),
        (
            "Bands by buyer country",
            f"Contracts per band for the {len(biggest)} buyer countries with the most contracts.",
            charts.bands_by_country({c: by_country[c] for c in biggest}),
        ),
        (
            "Exposure by foreign state over time",
            "Sum of scores by the year the contract was signed, stacked by the state whose reach gives the legal-reach factor.",
            charts.exposure_over_time(spread.by_year, states[:MAX_STATES]),
        ),
        (
            "Share of exposure by foreign state",
            "Each state's share of the portfolio's exposure (sum of scores); 'none': contracts no foreign state reaches.",
            charts.state_shares([(s.state, s.share) for s in spread.states], spread.hhi_states),
        ),
    ]
    # The SVG comes from matplotlib, which escapes the text it draws; it is the only unescaped content.
    return [(heading, caption, Markup(svg)) for heading, caption, svg in shown]


def _top_row(row: dict[str, Any], plan: Any) -> dict[str, Any]:
    best = plan.down_a_band or (plan.plans[0] if plan.plans else None)
    return {
        **row,
        "reason_list": [reason for reason in str(row.get("reasons") or "").split(";") if reason],
        "mitigation": None if best is None else {
            "ids": " + ".join(best.ids), "score": best.score, "band": best.band, "gate": best.gate,
            "down_a_band": best is plan.down_a_band,
        },
    }
