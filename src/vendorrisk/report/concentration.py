"""Exposure per foreign state and vendor across a portfolio, and how concentrated it is.

Each scored contract is attributed to the foreign state whose link gives its legal-reach factor
(the strongest foreign link: seat, parent, group, shareholder or financing state; see
docs/methodology.md). Contracts that no foreign state reaches, and invalid rows, are counted apart.

Formulas, over the valid contracts ``i`` with scores ``s_i`` (0..100):

- exposure of state ``k``: ``E_k = sum_{i reached by k} s_i``; its share ``E_k / sum_i s_i``
  (the share of the portfolio's exposure, so the shares of the states and of "no foreign state"
  add up to 1).
- concentration across states: the Herfindahl-Hirschman index of the states' shares of the
  *foreign-reached* exposure, ``HHI = sum_k (100 * E_k / sum_j E_j) ** 2`` on 0..10,000
  (10,000: one state reaches all of it); ``10,000 / HHI`` is the effective number of states.
- the same across vendors (registry name when the vendor is in the registry, else the name given).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vendorrisk.engine import Rules, pack_of
from vendorrisk.errors import InputError
from vendorrisk.schema import country_names

__all__ = ["HHI_MAX", "NO_FOREIGN_STATE", "Concentration", "StateExposure", "VendorExposure", "concentration"]

HHI_MAX: Final = 10_000.0
#: The label of contracts that no foreign state reaches.
NO_FOREIGN_STATE: Final = "none"
UNKNOWN_VENDOR: Final = "(vendor not named)"
_NEEDED: Final = ("contract_id", "buyer_country", "score", "reach_state", "matched_vendor")


@dataclass(frozen=True)
class StateExposure:
    """One foreign state (or :data:`NO_FOREIGN_STATE`) and what of the portfolio it reaches."""

    state: str
    name: str
    contracts: int
    buyers: int
    buyer_countries: int
    records: int
    contracts_without_records: int
    value_usd: float
    exposure: float
    share: float


@dataclass(frozen=True)
class VendorExposure:
    vendor: str
    contracts: int
    exposure: float
    share: float


@dataclass(frozen=True)
class Concentration:
    """Exposure per foreign state, per vendor and per signed year, with the HHIs (module docstring).

    ``states`` and ``vendors`` are sorted by exposure, largest first; ``by_year`` maps a signed year
    to ``{state: exposure}`` (contracts without a signed date are left out of it).
    """

    states: tuple[StateExposure, ...]
    vendors: tuple[VendorExposure, ...]
    hhi_states: float
    hhi_vendors: float
    total_exposure: float
    contracts: int
    invalid: int
    by_year: dict[int, dict[str, float]]

    @property
    def effective_states(self) -> float:
        """``10,000 / HHI``: the number of equally exposed states that would give the same HHI."""
        return HHI_MAX / self.hhi_states if self.hhi_states else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "states": [vars(s) for s in self.states],
            "vendors": [vars(v) for v in self.vendors],
            "hhi_states": self.hhi_states,
            "hhi_vendors": self.hhi_vendors,
            "effective_states": self.effective_states,
            "total_exposure": self.total_exposure,
            "contracts": self.contracts,
            "invalid": self.invalid,
            "by_year": {str(year): states for year, states in self.by_year.items()},
        }


def hhi(values: np.ndarray[Any, Any]) -> float:
    """``sum_k (100 * v_k / sum v) ** 2`` on 0..10,000; 0 for an empty or all-zero list."""
    total = float(np.sum(values))
    if total <= 0:
        return 0.0
    shares = 100.0 * np.asarray(values, dtype=float) / total
    return float(np.sum(shares**2))


def concentration(results: pa.Table, rules: Rules = None) -> Concentration:
    """Exposure per foreign state and vendor of a scored portfolio (:func:`vendorrisk.score_table`'s
    output), with the Herfindahl-Hirschman index across states and across vendors.

    Parameters
    ----------
    results : the scored table: the input columns and the output columns.
    rules : the pack the results were scored with (default: the default pack): a table scored
        with another pack (its ``fingerprint`` column) is refused. The reaching state and vendor
        are the engine's own (``reach_state``, ``matched_vendor``): nothing is scored again.

    Examples
    --------
    >>> from vendorrisk import score_table
    >>> out = score_table([{"contract_id": "a", "buyer_country": "PG", "vendor_name": "Huawei"},
    ...                    {"contract_id": "b", "buyer_country": "DE", "vendor_name": "Microsoft"}])
    >>> sorted(s.state for s in concentration(out).states)
    ['CN', 'US']
    """
    if not isinstance(results, pa.Table):
        raise InputError(f"concentration needs the pyarrow.Table that score_table returns, not a {type(results).__name__}")
    missing = [name for name in _NEEDED if name not in results.column_names]
    if missing:
        nor = f" (nor {', '.join(missing[1:])})" if len(missing) > 1 else ""
        raise InputError(f"concentration needs scored results; the table has no {missing[0]} column{nor}")
    pack = pack_of(rules)
    if "fingerprint" in results.column_names and results.num_rows:
        used = set(pc.unique(results.column("fingerprint").drop_null()).to_pylist())
        if used - {pack.fingerprint}:
            raise InputError(
                f"the results were scored with pack {sorted(used)[0]}, not {pack.fingerprint}: pass that pack as rules"
            )
    state, vendor = _reach(results)
    score = results.column("score").to_numpy(zero_copy_only=False).astype(float)
    valid = ~np.isnan(score)
    if "error" in results.column_names:
        valid &= ~pc.fill_null(pc.not_equal(results.column("error"), ""), False).to_numpy(zero_copy_only=False)
    score = np.where(valid, score, 0.0)
    total = float(score.sum())
    states = _states(results, state, score, valid, total)
    foreign = np.array([s.exposure for s in states if s.state != NO_FOREIGN_STATE])
    vendors = _vendors(vendor, state, score, valid)
    return Concentration(
        states=states,
        vendors=vendors,
        hhi_states=hhi(foreign),
        hhi_vendors=hhi(np.array([v.exposure for v in vendors])),
        total_exposure=total,
        contracts=int(valid.sum()),
        invalid=int((~valid).sum()),
        by_year=_by_year(results, state, score, valid),
    )


def _reach(results: pa.Table) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Per row, the reaching state's code (or :data:`NO_FOREIGN_STATE`) and the vendor's label, read
    from the output columns the engine wrote: ``reach_state`` (``CN (parent)``; ``unknown (seat)``
    and empty count as no known foreign state) and ``matched_vendor``, else the vendor's name."""
    n = results.num_rows
    reach = pc.fill_null(results.column("reach_state").cast(pa.string()), "")
    code = pc.utf8_slice_codeunits(reach, 0, 2).to_numpy(zero_copy_only=False)
    known = pc.match_substring_regex(reach, r"^[A-Z]{2} \(").to_numpy(zero_copy_only=False)
    state = np.where(known, code, NO_FOREIGN_STATE)
    named = pc.fill_null(results.column("matched_vendor").cast(pa.string()), "").to_numpy(zero_copy_only=False)
    given = pc.fill_null(_text(results, "vendor_name", n), "").to_numpy(zero_copy_only=False)
    vendor = np.where(named != "", named, np.where(given == "", UNKNOWN_VENDOR, given))
    return state, vendor


def _states(results: pa.Table, state: np.ndarray[Any, Any], score: np.ndarray[Any, Any], valid: np.ndarray[Any, Any], total: float) -> tuple[StateExposure, ...]:
    n = results.num_rows
    table = pa.table({
        "state": pa.array(state, pa.string()),
        "buyer": _text(results, "buyer_name", n),
        "buyer_country": results.column("buyer_country").cast(pa.string()),
        "records": _number(results, "records", n),
        "value_usd": _number(results, "value_usd", n),
        "score": pa.array(score),
    }).filter(pa.array(valid))
    table = table.append_column("buyer_key", pc.binary_join_element_wise(table.column("buyer_country"), pc.fill_null(table.column("buyer"), ""), "|"))
    table = table.append_column("no_records", pc.is_null(table.column("records")))
    grouped = table.group_by("state").aggregate([
        ("score", "count"), ("buyer_key", "count_distinct"), ("buyer_country", "count_distinct"),
        ("records", "sum"), ("no_records", "sum"), ("value_usd", "sum"), ("score", "sum"),
    ]).to_pylist()
    names = country_names()
    states = [
        StateExposure(
            state=row["state"],
            name=names.get(row["state"], "no foreign state") if row["state"] != NO_FOREIGN_STATE else "no foreign state",
            contracts=int(row["score_count"]),
            buyers=int(row["buyer_key_count_distinct"]),
            buyer_countries=int(row["buyer_country_count_distinct"]),
            records=int(row["records_sum"] or 0),
            contracts_without_records=int(row["no_records_sum"] or 0),
            value_usd=float(row["value_usd_sum"] or 0.0),
            exposure=float(row["score_sum"]),
            share=float(row["score_sum"]) / total if total else 0.0,
        )
        for row in grouped
    ]
    return tuple(sorted(states, key=lambda s: (s.state == NO_FOREIGN_STATE, -s.exposure, s.state)))


def _vendors(vendor: np.ndarray[Any, Any], state: np.ndarray[Any, Any], score: np.ndarray[Any, Any], valid: np.ndarray[Any, Any]) -> tuple[VendorExposure, ...]:
    """Vendors of the foreign-reached contracts by exposure."""
    keep = valid & (state != NO_FOREIGN_STATE)
    if not keep.any():
        return ()
    table = pa.table({"vendor": pa.array(vendor[keep], pa.string()), "score": pa.array(score[keep])})
    grouped = table.group_by("vendor").aggregate([("score", "count"), ("score", "sum")]).to_pylist()
    total = float(score[keep].sum())
    rows = [
        VendorExposure(row["vendor"], int(row["score_count"]), float(row["score_sum"]), float(row["score_sum"]) / total if total else 0.0)
        for row in grouped
    ]
    return tuple(sorted(rows, key=lambda v: (-v.exposure, v.vendor)))


def _by_year(results: pa.Table, state: np.ndarray[Any, Any], score: np.ndarray[Any, Any], valid: np.ndarray[Any, Any]) -> dict[int, dict[str, float]]:
    if "signed" not in results.column_names:
        return {}
    signed = results.column("signed")
    if not pa.types.is_date(signed.type):
        signed = pc.strptime(signed.cast(pa.string()), format="%Y-%m-%d", unit="s", error_is_null=True)
    years = pc.year(signed)
    table = pa.table({"year": years, "state": pa.array(state, pa.string()), "score": pa.array(score)}).filter(
        pc.and_(pa.array(valid), pc.is_valid(years))
    )
    out: dict[int, dict[str, float]] = {}
    for row in table.group_by(["year", "state"]).aggregate([("score", "sum")]).to_pylist():
        out.setdefault(int(row["year"]), {})[row["state"]] = float(row["score_sum"])
    return dict(sorted(out.items()))


def _text(results: pa.Table, name: str, n: int) -> pa.ChunkedArray | pa.Array:
    return results.column(name).cast(pa.string()) if name in results.column_names else pa.nulls(n, pa.string())


def _number(results: pa.Table, name: str, n: int) -> pa.ChunkedArray | pa.Array:
    if name not in results.column_names:
        return pa.nulls(n, pa.float64())
    column = results.column(name)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.cast(pc.if_else(pc.equal(pc.utf8_trim_whitespace(column), ""), None, column), pa.float64(), safe=False)
    return column.cast(pa.float64())
