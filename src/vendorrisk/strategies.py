"""Hypothesis strategies for vendorrisk contracts and rule packs (like ``hypothesis.extra``).

Install with ``pip install 'vendorrisk[strategies]'``; importing this module without
hypothesis raises :class:`vendorrisk.DependencyError` saying so.

Each contract strategy draws a plain ``dict`` keyed by canonical column name, the same shape a
user passes to :func:`vendorrisk.score` or a row of :func:`vendorrisk.score_table`. Values use
the public vocabulary only (enum values as text, booleans as ``bool``, ``records`` as ``int``,
``signed`` as ``datetime.date``, ``data_categories`` as ``;``-joined text).

An *unknown* input is drawn in one of the three ways a user can write it: the key is absent,
the value is ``None``, or the value is the empty string. Pass ``unknown="none"`` to always use
``None`` (every row then has every key).

- :func:`contracts`: a valid contract; pin any column with a value or a strategy
  (``contracts(buyer_country="PG", records=st.integers(10**6, 10**8))``).
- :func:`contract_lists`: lists of contracts with distinct ids.
- :func:`worsenings`: pairs ``(contract, worse)``, the same contract made worse in exactly one
  input, as the pack's risk order defines it; a monotone pack never scores ``worse`` lower.
- :func:`category_sets`, :func:`country_codes` and the pack's vocabulary
  (:func:`pack_countries`, :func:`jurisdiction_strengths`, :func:`registry_vendor_names`).

Examples
--------
>>> import vendorrisk
>>> from hypothesis import given
>>> from vendorrisk.strategies import contracts, worsenings
>>> @given(contracts())
... def test_scores_are_bounded(contract):
...     assert 0 <= vendorrisk.score(contract).score <= 100
>>> @given(worsenings(buyer_country="PG"))
... def test_our_pack_is_monotone(pair):
...     better, worse = vendorrisk.score_table(list(pair), rules="our-pack").column("score").to_pylist()
...     assert worse >= better
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from functools import cache
from typing import Any, Final, Literal, TypeAlias

import vendorrisk
from vendorrisk.errors import DependencyError
from vendorrisk.schema import DataCategory, Hosting, Operator, ServiceType

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError:  # an optional dependency: say what to install
    raise DependencyError("hypothesis", extra="strategies") from None

__all__ = [
    "CANONICAL_COLUMNS",
    "DATA_CATEGORIES",
    "HOSTING_RISK_ORDER",
    "OPERATOR_RISK_ORDER",
    "SERVICE_TYPES",
    "UNREGISTERED_VENDORS",
    "WORSENABLE",
    "category_sets",
    "contract_lists",
    "contracts",
    "country_codes",
    "is_unknown",
    "join_categories",
    "jurisdiction_strengths",
    "pack_countries",
    "rated_countries",
    "registry_vendor_names",
    "with_all_columns",
    "worsenings",
]

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


#: What a strategy's ``rules`` may be: a loaded pack, a path, or None for the default pack.
PackLike: TypeAlias = "vendorrisk.RulePack | str | os.PathLike[str] | None"
#: Inputs :func:`worsenings` may make worse, each in the pack's risk order.
WORSENABLE: Final = (
    "service_type", "data_categories", "records", "hosting", "operator", "vendor_remote_access",
    "customer_held_keys", "audit_rights", "vendor_country", "vendor_parent_country", "financing_country",
)
_BOOL_RISK: Final = {"vendor_remote_access": (False, True), "customer_held_keys": (True, False), "audit_rights": (True, False)}
_LINKS: Final = ("vendor_country", "vendor_parent_country", "financing_country")


def _pack(rules: PackLike) -> vendorrisk.RulePack:
    return rules if isinstance(rules, vendorrisk.RulePack) else _loaded(None if rules is None else str(rules))


@cache
def _loaded(path: str | None) -> vendorrisk.RulePack:
    return vendorrisk.load_rules(path)


def pack_countries(rules: PackLike = None) -> tuple[str, ...]:
    """Every country code the pack knows: governance-rated buyers and assessed jurisdictions."""
    model = _pack(rules).model
    return tuple(sorted(set(model.governance) | {j.code for j in model.jurisdictions}))


def jurisdiction_strengths(rules: PackLike = None) -> dict[str, float]:
    """Assessed jurisdiction code -> compulsion strength, from the pack."""
    return {j.code: j.strength for j in _pack(rules).model.jurisdictions}


def registry_vendor_names(rules: PackLike = None) -> tuple[str, ...]:
    """Names (not aliases) of the vendors in the pack's registry."""
    return tuple(vendor.name for vendor in _pack(rules).model.vendors)


def rated_countries(edition: int, rules: PackLike = None) -> dict[str, tuple[str, int]]:
    """Country -> (Freedom House status, total) for countries with both in ``edition``."""
    return {
        code: (entry.status[edition], entry.total[edition])
        for code, entry in _pack(rules).model.governance.items()
        if edition in entry.status and edition in entry.total
    }


_STRATEGIES: dict[tuple[str, str, bool], Any] = {}


def country_codes(rules: PackLike = None) -> st.SearchStrategy[str]:
    """A valid ISO 3166-1 alpha-2 code known to the pack (rated, assessed or both)."""
    pack = _pack(rules)
    key = ("countries", pack.fingerprint, False)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = st.sampled_from(pack_countries(pack))
    strategy: st.SearchStrategy[str] = _STRATEGIES[key]
    return strategy


def category_sets(min_size: int = 1) -> st.SearchStrategy[frozenset[str]]:
    """A known set of data categories (never empty: an empty cell means unknown)."""
    return st.frozensets(st.sampled_from(DATA_CATEGORIES), min_size=min_size)


def join_categories(categories: frozenset[str] | Sequence[str]) -> str:
    return ";".join(sorted(categories))


def _field_values(rules: PackLike, registry: bool) -> dict[str, st.SearchStrategy[Any]]:
    pack = _pack(rules)
    key = ("fields", pack.fingerprint, registry)
    if key in _STRATEGIES:
        values: dict[str, st.SearchStrategy[Any]] = _STRATEGIES[key]
        return values
    vendor_names = list(UNREGISTERED_VENDORS)
    if registry:
        vendor_names += registry_vendor_names(pack)
    countries = country_codes(pack)
    link = st.one_of(st.just("none"), countries)
    _STRATEGIES[key] = values = {
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
    return values


_IDS: Final = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_SPELLINGS: Final = st.sampled_from(("absent", "none", "empty"))
_sampled = cache(st.sampled_from)


def _check_pins(pins: dict[str, Any]) -> None:
    unknown = sorted(set(pins) - set(CANONICAL_COLUMNS))
    if unknown:
        raise InvalidArgument(f"{unknown[0]!r} is not a canonical column (pin one of: {', '.join(CANONICAL_COLUMNS)})")


def _pinned(draw: st.DrawFn, value: Any) -> Any:
    return draw(value) if isinstance(value, st.SearchStrategy) else value


@st.composite
def contracts(
    draw: st.DrawFn,
    /,
    rules: PackLike = None,
    *,
    complete: bool = False,
    registry: bool = True,
    unknown: Unknown = "mixed",
    buyer_countries: Sequence[str] | None = None,
    contract_id: str | None = None,
    **pins: Any,
) -> dict[str, Any]:
    """A valid contract as a mapping of canonical columns.

    Parameters
    ----------
    rules : the pack (loaded, or a path; None for the default pack) whose reference data
        (countries, registry vendors) values are drawn from.
    complete : every optional input is known (``vendor_name`` is then an unregistered name or a
        registry vendor; ``buyer_name``, ``source`` and ``value_usd`` are still drawn).
    registry : allow vendor names from the pack's vendor registry.
    unknown : ``"mixed"`` writes an unknown input as an absent key, ``None`` or ``""``;
        ``"none"`` always as ``None``.
    buyer_countries : draw the buyer from these codes (default: any code the pack knows).
    contract_id : a fixed id (default: a short alphanumeric id).
    **pins : canonical column = a value or a strategy: that column is always drawn from it
        (``None`` pins it unknown). Any other name raises ``InvalidArgument``.
    """
    _check_pins(pins)
    row: dict[str, Any] = {
        "contract_id": contract_id if contract_id is not None else draw(_IDS),
        "buyer_country": draw(_sampled(tuple(buyer_countries)) if buyer_countries else country_codes(rules)),
    }
    fields = _field_values(rules, registry)
    # One draw decides which inputs are known (bit set = known); shrinks towards "all unknown".
    known = (1 << len(fields)) - 1 if complete else draw(st.integers(0, (1 << len(fields)) - 1))
    for bit, (name, values) in enumerate(fields.items()):
        if name in pins:
            continue
        if known >> bit & 1:
            row[name] = draw(values)
            continue
        spelling = "none" if unknown == "none" else draw(_SPELLINGS)
        if spelling == "none":
            row[name] = None
        elif spelling == "empty":
            row[name] = ""
    for name, value in pins.items():
        row[name] = _pinned(draw, value)
    return row


def contract_lists(
    rules: PackLike = None, *, min_size: int = 1, max_size: int = 8, **options: Any
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of contracts with distinct ids ``c0``, ``c1``, ...; ``options`` go to :func:`contracts`."""

    @st.composite
    def build(draw: st.DrawFn) -> list[dict[str, Any]]:
        size = draw(st.integers(min_size, max_size))
        return [draw(contracts(rules, contract_id=f"c{index}", **options)) for index in range(size)]

    return build()


def _ranked_pair(draw: st.DrawFn, levels: Sequence[tuple[float, str]], favour: frozenset[str] = frozenset()) -> tuple[str, str]:
    """Two values ``(a, b)`` with ``rank(a) < rank(b)``, from ``(rank, value)`` pairs (two ranks at least).

    Half the time, when some of ``favour`` can be the worse value, the worse value is one of them.
    """
    ranks = sorted({rank for rank, _ in levels})
    favoured = tuple(sorted(value for rank, value in levels if value in favour and rank > ranks[0]))
    prefer: bool = draw(st.booleans()) if favoured else False
    if prefer:
        worse = draw(_sampled(favoured))
        top = next(rank for rank, value in levels if value == worse)
        better = draw(_sampled(tuple(sorted(value for rank, value in levels if rank < top))))
        return better, worse
    low = draw(st.integers(0, len(ranks) - 2))
    high = draw(st.integers(low + 1, len(ranks) - 1))
    pick = [draw(_sampled(tuple(sorted(value for rank, value in levels if rank == ranks[index])))) for index in (low, high)]
    return pick[0], pick[1]


def _service_levels(pack: vendorrisk.RulePack) -> dict[str, tuple[float, ...]]:
    """Each service type's weights in every access table that reads it: the data-path weight, the
    privileged path with and without remote access, and the weight of customer-held keys where the
    vendor processes in clear. One type is worse than another only if no table ranks it lower."""
    access = pack.model.parameters.access
    tables = (access.service_type, access.privileged.with_remote_access, access.privileged.without_remote_access, access.keys_in_clear.service_type)
    return {value: tuple(float(table[ServiceType(value)]) for table in tables) for value in SERVICE_TYPES}


def _dominated_pair(draw: st.DrawFn, levels: dict[str, tuple[float, ...]], favour: frozenset[str] = frozenset()) -> tuple[str, str]:
    """Two values ``(a, b)`` where ``b`` is at least ``a`` in every level and above it in one (a
    partial order: values neither of which dominates the other are never paired)."""
    pairs = tuple(
        (a, b) for a in sorted(levels) for b in sorted(levels)
        if levels[a] != levels[b] and all(x <= y for x, y in zip(levels[a], levels[b]))
    )
    favoured = tuple(pair for pair in pairs if pair[1] in favour)
    prefer: bool = draw(st.booleans()) if favoured else False
    pair: tuple[str, str] = draw(st.sampled_from(favoured if prefer else pairs))
    return pair


@st.composite
def worsenings(
    draw: st.DrawFn, /, rules: PackLike = None, *, fields: Sequence[str] = WORSENABLE, favour: Sequence[str] = (), **pins: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pair ``(contract, worse)``: a complete contract and the same contract worse in one input.

    "Worse" is the pack's risk order: ``hosting``, ``operator`` and the controls follow the
    schema's order (the pack's weights must not fall along it); ``service_type`` the pack's
    access tables (a partial order: lower in none of them); ``records`` more; ``data_categories``
    a strict superset; ``vendor_country``,
    ``vendor_parent_country`` and ``financing_country`` a state with a higher compulsion strength
    (a state is never foreign to the buyer, ``"none"`` is no link, an unassessed state counts
    ``unassessed_strength``). A monotone pack never gives ``worse`` a lower score or gate.

    Parameters
    ----------
    rules : the pack whose order and reference data are used (loaded, a path, or None).
    fields : the inputs that may be made worse (a subset of :data:`WORSENABLE`).
    favour : values (service types, countries) to try as the worse value more often, e.g. those
        the pack's conditions name: a rule on one country is hard to hit among two hundred.
    **pins : columns pinned as in :func:`contracts`; a pinned column is never the one made worse.
    """
    _check_pins(pins)
    choices = [name for name in fields if name not in pins]
    bad = sorted(set(choices) - set(WORSENABLE))
    if bad or not choices:
        raise InvalidArgument(f"fields must be some of {', '.join(WORSENABLE)} and not all pinned; got {', '.join(bad) or 'none left'}")
    pack = _pack(rules)
    preferred = frozenset(favour)
    better = draw(contracts(pack, complete=True, **pins))
    name = draw(_sampled(tuple(choices)))
    worse = dict(better)
    if name in _BOOL_RISK:
        better[name], worse[name] = _BOOL_RISK[name]
    elif name in ("hosting", "operator"):
        order = HOSTING_RISK_ORDER if name == "hosting" else OPERATOR_RISK_ORDER
        better[name], worse[name] = _ranked_pair(draw, list(enumerate(order)), preferred)
    elif name == "service_type":
        better[name], worse[name] = _dominated_pair(draw, _service_levels(pack), preferred)
    elif name == "records":
        better[name] = draw(st.integers(0, 10**9))
        worse[name] = better[name] + draw(st.one_of(st.integers(1, 1_000), st.integers(1, 10**10)))
    elif name == "data_categories":
        superset = draw(category_sets(min_size=2))
        subset = draw(st.frozensets(st.sampled_from(sorted(superset)), min_size=1, max_size=len(superset) - 1))
        better[name], worse[name] = join_categories(subset), join_categories(superset)
    else:  # a link to a state: its effective strength for this buyer
        strength = jurisdiction_strengths(pack)
        unassessed = pack.model.parameters.legal_reach.unassessed_strength
        buyer = better["buyer_country"]
        codes = pack_countries(pack) + (() if name == "vendor_country" else ("none",))
        levels = [(0.0 if code in (buyer, "none") else strength.get(code, unassessed), code) for code in codes]
        better[name], worse[name] = _ranked_pair(draw, levels, preferred)
        if "vendor_name" not in pins:  # a registry vendor's own seat and owners would override the input
            better["vendor_name"] = worse["vendor_name"] = draw(_sampled(UNREGISTERED_VENDORS))
    return better, worse


def with_all_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The row with every canonical column present (absent keys become ``None``)."""
    return {name: row.get(name) for name in CANONICAL_COLUMNS} | {k: v for k, v in row.items() if k not in CANONICAL_COLUMNS}


def is_unknown(row: dict[str, Any], name: str) -> bool:
    return row.get(name) in (None, "")
