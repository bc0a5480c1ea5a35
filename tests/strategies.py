"""Hypothesis strategies for vendorrisk contracts, in the canonical columns.

Each strategy draws a plain ``dict`` keyed by canonical column name, the same shape a user
passes to :func:`vendorrisk.score` or a row of :func:`vendorrisk.score_table`. Values use the
public vocabulary only (enum values as text, booleans as ``bool``, ``records`` as ``int``,
``signed`` as ``datetime.date``, ``data_categories`` as ``;``-joined text).

An *unknown* input is drawn in one of the three ways a user can write it: the key is absent,
the value is ``None``, or the value is the empty string. Pass ``unknown="none"`` to always use
``None`` (every row then has every key).

Examples
--------
>>> from hypothesis import given
>>> @given(contracts())
... def test_scores_are_bounded(contract):
...     assert 0 <= vendorrisk.score(contract).score <= 100
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any, Final, Literal

from hypothesis import strategies as st

import vendorrisk
from vendorrisk import DataCategory, Hosting, Operator, ServiceType

#: Canonical column names, in order (the public contract with users; DESIGN.md section 5).
CANONICAL_COLUMNS: Final = (
    "contract_id", "buyer_country", "buyer_name", "vendor_name", "vendor_country",
    "vendor_parent_country", "service_type", "data_categories", "records", "hosting", "operator",
    "vendor_remote_access", "customer_held_keys", "audit_rights", "financing_country", "value_usd",
    "signed", "source",
)
SERVICE_TYPES: Final = tuple(member.value for member in ServiceType)
DATA_CATEGORIES: Final = tuple(member.value for member in DataCategory)
#: Ordered enums, least to most exposed (DESIGN.md section 5; stated here, not read from the code).
HOSTING_RISK_ORDER: Final = ("customer_premises", "in_country", "foreign")
OPERATOR_RISK_ORDER: Final = ("customer", "third_party", "joint", "vendor")
#: Vendor names that match nothing in the default registry.
UNREGISTERED_VENDORS: Final = ("Acme Data Systems", "Example Integrator SA", "Nowhere Cloud Pty")

Unknown = Literal["mixed", "none"]
_MIN_DATE: Final = dt.date(2000, 1, 1)
_MAX_DATE: Final = dt.date(2025, 12, 31)

assert set(HOSTING_RISK_ORDER) == {member.value for member in Hosting}
assert set(OPERATOR_RISK_ORDER) == {member.value for member in Operator}


@cache
def _pack(path: str | None) -> vendorrisk.RulePack:
    return vendorrisk.load_rules(path)


def pack_countries(rules: str | None = None) -> tuple[str, ...]:
    """Every country code the pack knows: governance-rated buyers and assessed jurisdictions."""
    model = _pack(rules).model
    return tuple(sorted(set(model.governance) | {j.code for j in model.jurisdictions}))


def jurisdiction_strengths(rules: str | None = None) -> dict[str, float]:
    """Assessed jurisdiction code -> compulsion strength, from the pack."""
    return {j.code: j.strength for j in _pack(rules).model.jurisdictions}


def registry_vendor_names(rules: str | None = None) -> tuple[str, ...]:
    """Names (not aliases) of the vendors in the pack's registry."""
    return tuple(vendor.name for vendor in _pack(rules).model.vendors)


def rated_countries(edition: int, rules: str | None = None) -> dict[str, tuple[str, int]]:
    """Country -> (Freedom House status, total) for countries with both in ``edition``."""
    return {
        code: (entry.status[edition], entry.total[edition])
        for code, entry in _pack(rules).model.governance.items()
        if edition in entry.status and edition in entry.total
    }


@cache
def country_codes(rules: str | None = None) -> st.SearchStrategy[str]:
    """A valid ISO 3166-1 alpha-2 code known to the pack (rated, assessed or both)."""
    return st.sampled_from(pack_countries(rules))


def category_sets(min_size: int = 1) -> st.SearchStrategy[frozenset[str]]:
    """A known set of data categories (never empty: an empty cell means unknown)."""
    return st.frozensets(st.sampled_from(DATA_CATEGORIES), min_size=min_size)


def join_categories(categories: frozenset[str] | Sequence[str]) -> str:
    return ";".join(sorted(categories))


@cache
def _field_values(rules: str | None, registry: bool) -> dict[str, st.SearchStrategy[Any]]:
    vendor_names = list(UNREGISTERED_VENDORS)
    if registry:
        vendor_names += registry_vendor_names(rules)
    countries = country_codes(rules)
    link = st.one_of(st.just("none"), countries)
    return {
        "buyer_name": st.sampled_from(["Ministry of Health", "National Data Centre", "Revenue Authority"]),
        "vendor_name": st.sampled_from(vendor_names),
        "vendor_country": countries,
        "vendor_parent_country": link,
        "service_type": st.sampled_from(SERVICE_TYPES),
        "data_categories": category_sets().map(join_categories),
        "records": st.one_of(st.integers(0, 1_000), st.integers(0, 10**10)),
        "hosting": st.sampled_from(HOSTING_RISK_ORDER),
        "operator": st.sampled_from(OPERATOR_RISK_ORDER),
        "vendor_remote_access": st.booleans(),
        "customer_held_keys": st.booleans(),
        "audit_rights": st.booleans(),
        "financing_country": link,
        "value_usd": st.one_of(st.integers(0, 10**9), st.floats(0, 1e9, allow_nan=False)),
        "signed": st.dates(_MIN_DATE, _MAX_DATE),
        "source": st.just("https://example.org/contract"),
    }


_IDS: Final = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_SPELLINGS: Final = st.sampled_from(("absent", "none", "empty"))
_sampled = cache(st.sampled_from)


@st.composite
def contracts(
    draw: st.DrawFn,
    rules: str | None = None,
    *,
    complete: bool = False,
    registry: bool = True,
    unknown: Unknown = "mixed",
    buyer_countries: Sequence[str] | None = None,
    contract_id: str | None = None,
) -> dict[str, Any]:
    """A valid contract as a mapping of canonical columns.

    Parameters
    ----------
    rules : the pack whose reference data (countries, registry vendors) values are drawn from.
    complete : every optional input is known (``vendor_name`` is then an unregistered name or a
        registry vendor; ``buyer_name``, ``source`` and ``value_usd`` are still drawn).
    registry : allow vendor names from the pack's vendor registry.
    unknown : ``"mixed"`` writes an unknown input as an absent key, ``None`` or ``""``;
        ``"none"`` always as ``None``.
    buyer_countries : draw the buyer from these codes (default: any code the pack knows).
    contract_id : a fixed id (default: a short alphanumeric id).
    """
    row: dict[str, Any] = {
        "contract_id": contract_id if contract_id is not None else draw(_IDS),
        "buyer_country": draw(_sampled(tuple(buyer_countries)) if buyer_countries else country_codes(rules)),
    }
    fields = _field_values(rules, registry)
    # One draw decides which inputs are known (bit set = known); shrinks towards "all unknown".
    known = (1 << len(fields)) - 1 if complete else draw(st.integers(0, (1 << len(fields)) - 1))
    for bit, (name, values) in enumerate(fields.items()):
        if known >> bit & 1:
            row[name] = draw(values)
            continue
        spelling = "none" if unknown == "none" else draw(_SPELLINGS)
        if spelling == "none":
            row[name] = None
        elif spelling == "empty":
            row[name] = ""
    return row


def contract_lists(
    rules: str | None = None, *, min_size: int = 1, max_size: int = 8, **options: Any
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of contracts with distinct ids ``c0``, ``c1``, ...; ``options`` go to :func:`contracts`."""

    @st.composite
    def build(draw: st.DrawFn) -> list[dict[str, Any]]:
        size = draw(st.integers(min_size, max_size))
        return [draw(contracts(rules, contract_id=f"c{index}", **options)) for index in range(size)]

    return build()


def with_all_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The row with every canonical column present (absent keys become ``None``)."""
    return {name: row.get(name) for name in CANONICAL_COLUMNS} | {k: v for k, v in row.items() if k not in CANONICAL_COLUMNS}


def is_unknown(row: dict[str, Any], name: str) -> bool:
    return row.get(name) in (None, "")
