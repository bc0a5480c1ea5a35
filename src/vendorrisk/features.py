"""Validated inputs + reference data -> per-contract features (numpy columns).

Resolves the vendor in the registry, the states that can reach it (seat, parent, controlling
shareholders, financing state), the as-of date, the buyer's governance rating and population and
the vendor's incident exposure as of that date. Every array is ``(n_contracts,)`` unless stated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


from vendorrisk._arrays import Coded
from vendorrisk.reference import UNKNOWN, Reference
from vendorrisk.rules.loader import RulePack
from vendorrisk.validate import Inputs

#: Kinds of link through which a state reaches a vendor. ``group`` is the registry seat of the
#: vendor's group when the contract names a local subsidiary in another country; it weighs like a parent.
LINK_KINDS = ("seat", "parent", "group", "shareholder", "financing")


def link_kinds(reference: Reference) -> tuple[str, ...]:
    """The kind of each row of :attr:`Features.links` (one shareholder row per controlling state a vendor can have)."""
    width = reference.holders.shape[1]
    return tuple(kind for kind in LINK_KINDS for _ in range(width if kind == "shareholder" else 1))


@dataclass(frozen=True)
class Features:
    """Per-contract features.

    Attributes
    ----------
    vendor : registry index of the vendor, ``-1`` when the name matches no entry.
    vendor_named : whether the contract names a vendor at all.
    match : how the name resolved: the index into :data:`~vendorrisk.reference.MATCH_KINDS`
        (0 ``none`` also where no vendor is named).
    vendor_warning : per contract, the near-miss or ambiguity warning of its vendor name (codes
        into distinct texts, "" for none).
    restricting_states : the number of states whose restriction lists name the vendor as of
        ``as_of``; NaN (unknown) for an unnamed vendor and for a named one outside the registry
        whose seat is not the buyer's country (it may be listed), 0 for a domestic one.
    links : ``(n_links, n_contracts)`` country codes of the states linked to the vendor
        (``-1`` unknown, ``NO_LINK_CODE`` none); ``link_kind`` names each row's kind.
    as_of : the date reference data is read as of.
    governance_cell : where the buyer's rating as of ``as_of`` is in the reference's rating tables.
    governance_status, governance_edition : Freedom House status and edition as of ``as_of`` (the
        factor reads the total through ``governance_cell``).
    incident_sum : evidence-weighted, decayed incident sum as of ``as_of`` (before saturation).
    population : the buyer country's population in the year of ``as_of``; NaN when unknown.
    """

    vendor: NDArray[np.int32]
    vendor_named: NDArray[np.bool_]
    match: NDArray[np.int8]
    vendor_warning: Coded
    buyer: NDArray[np.int16]
    links: NDArray[np.int16]
    link_kind: tuple[str, ...]
    as_of: NDArray[np.datetime64]
    governance_cell: NDArray[np.intp]
    governance_status: NDArray[np.int8]
    governance_edition: NDArray[np.int16]
    incident_sum: NDArray[np.float64]
    restricting_states: NDArray[np.float64]
    population: NDArray[np.float64]


@dataclass(frozen=True)
class _Matched:
    vendor: NDArray[np.int32]
    row: NDArray[np.int32]
    match: NDArray[np.int8]
    warning: Coded


def _match_vendors(inputs: Inputs, pack: RulePack) -> _Matched:
    """Per contract, the registry index of its vendor (-1 when the name matches no entry), its
    row in :attr:`~vendorrisk.reference.Reference.vendor_links`, how the name matched and its
    warning; each distinct name is resolved once."""
    reference = pack.reference
    outside = len(reference.vendors)  # the row for a named vendor outside the registry; the next: no vendor named
    resolved = [reference.resolve_vendor(name) for name in inputs.vendor_names]
    matched = [found.index for found in resolved]
    warnings = ["", *dict.fromkeys(found.warning for found in resolved if found.warning)]
    position = {text: code for code, text in enumerate(warnings)}
    by_name = np.array(
        [
            [*matched, UNKNOWN],
            [*(index if index >= 0 else outside for index in matched), outside + 1],
            [*(found.code for found in resolved), 0],
            [*(position[found.warning] for found in resolved), 0],
        ],
        dtype=np.int32,
    )
    vendor, row, match, warning = by_name[:, inputs.columns["vendor_name"]]
    return _Matched(vendor, row, match.astype(np.int8), Coded(warning, warnings))


def derive(inputs: Inputs, pack: RulePack, as_of: dt.date | None = None, today: dt.date | None = None) -> Features:
    """Resolve reference data for each contract.

    The as-of date is ``as_of`` when given (it wins over the contract's date, so a portfolio can
    be scored as of one day), else the contract's ``signed`` date, else ``today``.
    """
    reference, params = pack.reference, pack.model.parameters
    columns = inputs.columns
    matched = _match_vendors(inputs, pack)
    vendor, row = matched.vendor, matched.row
    link_kind = link_kinds(reference)
    links = np.empty((len(link_kind), inputs.n), dtype=np.int16)
    links[:-1] = reference.vendor_links[row].T
    links[-1] = columns["financing_country"]
    for at, name in enumerate(("vendor_country", "vendor_parent_country")):  # as the contract gives them: over the registry's
        np.copyto(links[at], columns[name], where=inputs.known[name])
    buyer = columns["buyer_country"]
    # A named vendor outside the registry that is (or may be) foreign: its owners are unknown, so
    # the interval's high end allows a controlling foreign shareholder, never "known safe".
    unresolved_foreign = (vendor < 0) & inputs.known["vendor_name"] & (links[0] != buyer)
    links[link_kind.index("shareholder"), unresolved_foreign] = UNKNOWN

    dates = columns["signed"] if as_of is None else np.full(inputs.n, np.datetime64(as_of, "D"))
    undated = np.isnat(dates)
    if undated.any():
        dates = np.where(undated, np.datetime64(today or dt.date.today(), "D"), dates)
    max_age = params.governance.max_age_years
    cell = reference.governance_cell(buyer, dates, max_age)
    _, status, edition = reference.governance_at(cell, max_age)
    incident_sum = reference.incident_exposure(vendor, dates)
    # Outside the registry: unknown where the owners are (a foreign or unnamed vendor may be listed).
    unknown_lists = unresolved_foreign | ~inputs.known["vendor_name"]
    restricting = np.where(vendor >= 0, reference.restricting_states(vendor, dates), np.where(unknown_lists, np.nan, 0.0))
    population = reference.population_at(buyer, dates)
    return Features(
        vendor, inputs.known["vendor_name"], matched.match, matched.warning, buyer, links, link_kind, dates, cell,
        status, edition, incident_sum, restricting, population,
    )
