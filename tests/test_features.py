"""Tests of ``vendorrisk.features``: the links through which states reach a vendor and the
reference facts a contract is given (what the golden vectors cannot isolate)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

import vendorrisk
from vendorrisk.features import LINK_KINDS, derive, link_kinds
from vendorrisk.validate import validate

PACK = vendorrisk.load_rules()
AS_OF = dt.date(2024, 6, 1)


def test_one_shareholder_row_per_controlling_state_the_registry_allows() -> None:
    for width, shareholders in ((1, 1), (2, 2), (3, 3)):
        reference = SimpleNamespace(holders=np.zeros((4, width)))
        kinds = link_kinds(reference)  # type: ignore[arg-type]
        assert kinds == ("seat", "parent", "group", *["shareholder"] * shareholders, "financing")
    assert link_kinds(PACK.reference) == LINK_KINDS  # the default registry: one controlling state each


def _features(**columns: list[str | None]) -> object:
    n = len(next(iter(columns.values())))
    return derive(validate({"contract_id": [f"C{i}" for i in range(n)], **columns}), PACK, AS_OF)


@pytest.mark.parametrize(
    ("vendor_name", "vendor_country", "expected"),
    [
        ("Lao Digital Systems", "LA", 0.0),  # domestic and outside the registry: surely on no list
        (None, "CN", None),  # no vendor named: its lists are unknown
        ("Saigon Data Systems", "VN", None),  # foreign and outside the registry: it may be listed
        ("Acme Integrators", None, None),  # outside the registry with no seat: it may be foreign
    ],
)
def test_restricting_states_outside_the_registry(vendor_name: str | None, vendor_country: str | None, expected: float | None) -> None:
    features = _features(buyer_country=["LA"], vendor_name=[vendor_name], vendor_country=[vendor_country])
    value = features.restricting_states[0]  # type: ignore[attr-defined]
    assert (np.isnan(value) if expected is None else value == expected), value


def test_a_registry_vendor_counts_the_states_listing_it_as_of_the_date() -> None:
    early, late = (
        derive(validate({"contract_id": ["C"], "buyer_country": ["KE"], "vendor_name": ["Huawei"]}), PACK, day)
        for day in (dt.date(2012, 1, 1), dt.date(2024, 6, 1))
    )
    assert 0 <= early.restricting_states[0] < late.restricting_states[0]


def test_only_an_unresolved_foreign_vendor_gets_an_unknown_shareholder() -> None:
    """The first registry vendor (index 0) is a registry vendor like any other."""
    features = _features(
        buyer_country=["KE", "KE", "KE"], vendor_name=[PACK.model.vendors[0].name, "Saigon Data Systems", "Kenya Local Systems"],
        vendor_country=[None, "VN", "KE"],
    )  # fmt: skip
    shareholder = features.links[features.link_kind.index("shareholder")]  # type: ignore[attr-defined]
    assert features.vendor.tolist()[0] == 0  # type: ignore[attr-defined]
    assert shareholder[0] != -1 and shareholder[1] == -1 and shareholder[2] != -1
