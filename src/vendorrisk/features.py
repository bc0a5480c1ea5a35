"""Validated inputs + reference data -> per-contract features (numpy columns).

Resolves the vendor in the registry, the states that can reach it (seat, parent, controlling
shareholders, financing state), the as-of date, the buyer's governance rating and the vendor's
incident exposure as of that date. Every array is ``(n_contracts,)`` unless stated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


from vendorrisk.reference import NO_LINK_CODE, UNKNOWN, Reference
from vendorrisk.rules.loader import RulePack
from vendorrisk.validate import Inputs

#: Kinds of link through which a state reaches a vendor. ``group`` is the registry seat of the
#: vendor's group when the contract names a local subsidiary in another country; it weighs like a parent.
LINK_KINDS = ("seat", "parent", "group", "shareholder", "financing")


def link_kinds(reference: Reference) -> tuple[str, ...]:
    """The kind of each row of :attr:`Features.links` (one shareholder row per controlling state a vendor can have)."""
    return ("seat", "parent", "group", *(["shareholder"] * reference.holders.shape[1]), "financing")


@dataclass(frozen=True)
class Features:
    """Per-contract features.

    Attributes
    ----------
    vendor : registry index of the vendor, ``-1`` when the name matches no entry.
    vendor_named : whether the contract names a vendor at all.
    links : ``(n_links, n_contracts)`` country codes of the states linked to the vendor
        (``-1`` unknown, ``NO_LINK_CODE`` none); ``link_kind`` names each row's kind.
    as_of : the date reference data is read as of.
    governance_total, governance_status, governance_edition : Freedom House as of ``as_of``.
    incident_sum : evidence-weighted, decayed incident sum as of ``as_of`` (before saturation).
    """

    vendor: NDArray[np.int32]
    vendor_named: NDArray[np.bool_]
    buyer: NDArray[np.int16]
    links: NDArray[np.int16]
    link_kind: tuple[str, ...]
    as_of: NDArray[np.datetime64]
    governance_total: NDArray[np.float64]
    governance_status: NDArray[np.int8]
    governance_edition: NDArray[np.int16]
    incident_sum: NDArray[np.float64]


def _match_vendors(inputs: Inputs, pack: RulePack) -> NDArray[np.int32]:
    """Registry index per contract: each distinct name is matched once."""
    matched = [pack.reference.match_vendor(name) for name in inputs.vendor_names]
    vendor: NDArray[np.int32] = np.array([*matched, UNKNOWN], dtype=np.int32)[inputs.columns["vendor_name"]]
    return vendor


def derive(inputs: Inputs, pack: RulePack, as_of: dt.date | None = None, today: dt.date | None = None) -> Features:
    """Resolve reference data for each contract.

    The as-of date is ``as_of`` when given (it wins over the contract's date, so a portfolio can
    be scored as of one day), else the contract's ``signed`` date, else ``today``.
    """
    reference, params = pack.reference, pack.model.parameters
    columns = inputs.columns
    vendor = _match_vendors(inputs, pack)
    matched = vendor >= 0
    safe_vendor = np.where(matched, vendor, 0)

    def from_registry(column: str, registry: NDArray[np.int16]) -> NDArray[np.int16]:
        given = columns[column].astype(np.int16)
        if not len(registry):
            return given
        return np.where(inputs.known[column], given, np.where(matched, registry[safe_vendor], UNKNOWN)).astype(np.int16)

    seat = from_registry("vendor_country", reference.vendor_seat)
    parent = from_registry("vendor_parent_country", reference.vendor_parent)
    # With no vendor named, its group and owners are unknown; a named vendor outside the registry has none known.
    named = inputs.known["vendor_name"]
    holders = reference.holders[np.where(matched, vendor, len(reference.vendors))].T  # (width, n)
    holders = np.where(named, holders, UNKNOWN).astype(np.int16)
    group_seat = reference.vendor_seat[safe_vendor] if len(reference.vendor_seat) else np.full(inputs.n, UNKNOWN)
    group = np.where(matched, group_seat, np.where(named, NO_LINK_CODE, UNKNOWN))
    links = np.concatenate([np.array([seat, parent, group], dtype=np.int16), holders, columns["financing_country"][None].astype(np.int16)])
    link_kind = link_kinds(reference)

    dates = columns["signed"] if as_of is None else np.full(inputs.n, np.datetime64(as_of, "D"))
    undated = np.isnat(dates)
    if undated.any():
        dates = np.where(undated, np.datetime64(today or dt.date.today(), "D"), dates)
    buyer = columns["buyer_country"].astype(np.int16)
    total, status, edition = reference.governance_rating(buyer, dates, params.governance.max_age_years)
    incident_sum = reference.incident_exposure(vendor, dates)
    return Features(vendor, inputs.known["vendor_name"], buyer, links, link_kind, dates, total, status, edition, incident_sum)
