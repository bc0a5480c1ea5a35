"""Factors, their combination, the rules, bands, gates and the interval over unknown inputs.

The whole model, for one contract or millions, is numpy arithmetic on ``(n_contracts,)`` columns
(formulas in ``docs/methodology.md``)::

    S = min(1, max_c w_c + b * (k - 1))                      sensitivity
    V = v0 + (1 - v0) * min(1, log10(1 + r) / log10(1 + r_sat))   volume
    I = S * V                                                impact
    C = max over foreign links l of strength(l) * weight(kind_l)   legal reach
    A = max(w_service * w_operator * w_hosting * w_remote * w_keys * w_audit, P)   access path
        (w_keys with customer-held keys: max(keys.true, in_clear[service], in_clear[operator]);
         P = privileged[remote][service], the vendor's privileged remote path)
    H = 1 - exp(-sum_i g(grade_i) * k(kind_i) * 0.5 ** (age_i / half_life))     incidents
    G = 1 - max(FH total, 0) / 100   (or the status weight)            governance
    L = soft(A * (C * (1 + g_G * G) + g_H * H), k_L, 1)              likelihood
    base = 100 * I * L
    score = clip(max(min(soft(base * prod(m) + sum(a), k_S, 100), min caps), max floors), 0, 100)
    soft(x, k, top) = x if x <= k else k + (top - k) * (1 - exp(-(x - k) / (top - k)))

Every contract is evaluated three times in one stacked pass: with unknowns at the pack's
assumption (the point score), at their least exposed value (``score_low``) and at their most
exposed value (``score_high``); unknown reference facts (an unassessed jurisdiction, an unknown
seat, owner or rating, an unnamed vendor's incidents) span their range the same way. Every
factor is monotone in every ordered input, the loader only admits rules whose conditions move
with their effect, and conditions on unknown unordered fields take their sure or possible
value, whichever bounds the effect; so ``score_low <= score <= score_high`` and the bounds
are exact over ordered unknowns and sound over the rest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import numpy as np
from numpy.typing import NDArray

from vendorrisk import _arrays
from vendorrisk._arrays import made
from vendorrisk.features import Features, link_kinds
from vendorrisk.reference import NO_LINK_CODE, UNKNOWN
from vendorrisk.rules.model import Add, Cap, Floor, Gate, Multiply, Parameters
from vendorrisk.rules.expr import Program, program
from vendorrisk.rules.loader import RulePack
from vendorrisk.schema import FIELD_BY_NAME, Operator, ServiceType
from vendorrisk.validate import Inputs

GATE_LEVEL: Final = {"warn": 1, "block": 2}
POINT, LOW, HIGH = 0, 1, 2  # scenario codes of the stacked batch
SCORE_DECIMALS: Final = 1
_ZERO, _HUNDRED = (_arrays.constant(value) for value in (0.0, 100.0))
Float = NDArray[np.float64]


@dataclass(frozen=True)
class Factors:
    """Factor columns for one scenario, each ``(n_contracts,)`` in 0..1 (``base_score`` 0..100)."""

    sensitivity: Float
    volume: Float
    impact: Float
    legal_reach: Float
    access: Float
    privileged_path: Float  # P, the privileged remote path's share of A (A >= P)
    incidents: Float
    governance: Float
    likelihood: Float
    base_score: Float
    reach_link: NDArray[np.intp]  # index into Features.links of the strongest foreign link, -1 none


@dataclass(frozen=True)
class Scored:
    """The engine's output for a batch: point factors and everything the writers need."""

    factors: Factors
    score: Float
    score_low: Float
    score_high: Float
    band: NDArray[np.int8]
    gate: NDArray[np.int8]
    fired: NDArray[np.bool_]  # (n_contracts, n_rules)
    contribution: Float  # (n_contracts, n_rules) points each fired rule moved the score
    known: dict[str, NDArray[np.bool_]]  # input name -> rows where it was given (elsewhere: unknown, and assumed)


# --- filling unknown inputs ----------------------------------------------------------------
#
# The three evaluations are stacked into one batch of 3 * n rows: rows [0, n) are the point
# scenario, [n, 2n) the low one, [2n, 3n) the high one. ``scenario`` is that ``(3 * n,)`` code.


T = TypeVar("T")


_MEMOS: list[dict[str, Any]] = []  # every per_pack memo, so that clear_tables can empty them


def per_pack(build: Callable[[RulePack], T]) -> Callable[[RulePack], T]:
    """Memoise a table derived from a pack's parameters, keyed by the pack's fingerprint.

    Applied by assignment (``_table = per_pack(_build_table)``), not as a decorator: mutmut
    (docs/testing.md) leaves decorated functions alone, and these builders hold formulas."""
    built: dict[str, T] = {}
    _MEMOS.append(built)

    @functools.wraps(build)
    def get(pack: RulePack) -> T:
        if pack.fingerprint not in built:
            built[pack.fingerprint] = build(pack)
        return built[pack.fingerprint]

    return get


def clear_tables() -> None:
    """Forget every memoised per-pack table (they are rebuilt on next use). For tests: a
    mutation run clears them as each test session starts, so a mutated builder is run, not its
    cached table."""
    for memo in _MEMOS:
        memo.clear()


_ENUMS: Final = ("hosting", "operator", "service_type")
_BOOLEANS: Final = ("vendor_remote_access", "customer_held_keys", "audit_rights")
_CODED: Final = (*_ENUMS, *_BOOLEANS, "data_categories")  # filled as integer codes, in one array
_FLAGS: Final = slice(len(_ENUMS), len(_ENUMS) + len(_BOOLEANS))


def _build_fill_values(pack: RulePack) -> tuple[NDArray[np.int16], Float]:
    """The value an unknown input takes at the point (the assumption), the low end (its least
    exposed value) and the high end (its most exposed value): ``(len(_CODED), 3, 1)`` codes
    (booleans 0/1, categories a bitmask) and ``(3, 1)`` for ``records``."""
    assumptions = pack.model.assumptions
    categories = FIELD_BY_NAME["data_categories"].values
    rows: list[tuple[int, int, int]] = []
    for name in _CODED:
        spec = FIELD_BY_NAME[name]
        if name == "data_categories":
            rows.append((sum(1 << categories.index(c) for c in assumptions.data_categories), 0, (1 << len(categories)) - 1))
        elif spec.kind == "bool":
            assert spec.risk_order is not None
            rows.append((int(getattr(assumptions, name)), int(spec.risk_order[0]), int(spec.risk_order[1])))
        elif spec.risk_order is None:  # unordered: stays unknown (-1) at the interval's ends
            rows.append((spec.values.index(getattr(assumptions, name)), UNKNOWN, UNKNOWN))
        else:
            best, worst = (spec.values.index(str(value)) for value in (spec.risk_order[0], spec.risk_order[-1]))
            rows.append((spec.values.index(getattr(assumptions, name)), best, worst))
    records = np.array([[assumptions.records], [0.0], [np.inf]])
    return np.array(rows, dtype=np.int16)[:, :, None], records


_fill_values = per_pack(_build_fill_values)


def _fill(inputs: Inputs, pack: RulePack) -> dict[str, NDArray[Any]]:
    """Inputs ``(3 * n,)`` with unknowns replaced by the assumption (point), best (low) and worst
    (high) value: ``int16`` codes, ``bool`` for booleans, ``float64`` records."""
    codes, records = _fill_values(pack)
    given = np.array([inputs.columns[name] for name in _CODED], dtype=np.int16)[:, None, :]
    known = np.array([inputs.known[name] for name in _CODED])[:, None, :]
    stacked = np.where(known, given, codes).reshape(len(_CODED), -1)  # (n_coded, 3 * n): point, low, high
    filled = dict(zip(_CODED, stacked))
    filled.update(zip(_BOOLEANS, stacked[_FLAGS] == 1))
    filled["records"] = np.where(inputs.known["records"], inputs.columns["records"], records).reshape(-1)
    return filled


# --- factors ---------------------------------------------------------------------------------


def _build_sensitivity_table(pack: RulePack) -> Float:
    """``(2**14,)`` S for every possible set of data categories, indexed by its bitmask."""
    p = pack.model.parameters.sensitivity
    categories = FIELD_BY_NAME["data_categories"].values
    weights = np.array([p.weights[c] for c in categories])  # type: ignore[index]
    every = np.arange(1 << len(categories))
    members = ((every[:, None] >> np.arange(len(categories))) & 1).astype(bool)  # (2**14, n_categories)
    linked = (members & (weights >= p.linkage_threshold)).sum(axis=1)
    chosen = np.where(members, weights, 0.0).max(axis=1, initial=0.0)
    table: Float = np.minimum(1.0, chosen + p.linkage_bonus * np.maximum(linked - 1, 0))
    return table


_sensitivity_table = per_pack(_build_sensitivity_table)


def _sensitivity(bits: NDArray[np.int16], pack: RulePack) -> Float:
    """``S = min(1, max_c w_c + linkage_bonus * (k - 1))``, looked up by category bitmask."""
    result: Float = _sensitivity_table(pack)[bits]
    return result


def _volume(records: Float, params: Parameters) -> Float:
    p = params.volume
    share = np.minimum(1.0, np.log10(1.0 + records) / np.log10(1.0 + p.saturation_records))  # +inf records: 1
    volume: Float = p.floor + (1.0 - p.floor) * share
    return volume


_ACCESS_FIELDS: Final = ("service_type", "operator", "hosting", "vendor_remote_access", "audit_rights")  # the product's plain factors


def _by_code(spec_name: str, weights: list[float]) -> Float:
    """A weight table by code: ``(n_values,)`` for an ordered field or a boolean (codes 0, 1),
    ``(3, n_values + 1)`` by scenario for an unordered one (see :func:`_access_tables`)."""
    table = np.array(weights)
    if FIELD_BY_NAME[spec_name].risk_order is None:
        table = np.array([[*table, np.nan], [*table, table.min()], [*table, table.max()]])
    return table


def _build_access_tables(pack: RulePack) -> dict[str, Float]:
    """Per access-path table, its weight by code (booleans: 0, 1).

    Ordered fields and booleans are filled in every scenario, so one row serves all three. An
    unordered field (``service_type``) may stay unknown at the interval's ends: its tables are
    ``(3, n_values + 1)`` by scenario (point, low, high) and code, the last column (code -1)
    holding the lowest weight at the low end and the highest at the high end (at the point the
    assumption has filled it). Besides the fields of :data:`_ACCESS_FIELDS`: ``keys`` (false,
    true), ``keys_in_clear_service`` and ``keys_in_clear_operator`` (the floor under the
    customer-held-keys weight) and ``privileged_false`` / ``privileged_true`` (the privileged
    path without and with vendor remote access), both by service type.
    """
    access = pack.model.parameters.access
    services = FIELD_BY_NAME["service_type"].values
    tables: dict[str, Float] = {}
    for name in _ACCESS_FIELDS:
        spec = FIELD_BY_NAME[name]
        table = getattr(access, name)
        tables[name] = _by_code(name, [table.false, table.true] if spec.kind == "bool" else [table[v] for v in spec.values])
    tables["keys"] = np.array([access.customer_held_keys.false, access.customer_held_keys.true])
    tables["keys_in_clear_service"] = _by_code("service_type", [access.keys_in_clear.service_type[ServiceType(v)] for v in services])
    operators = FIELD_BY_NAME["operator"].values
    tables["keys_in_clear_operator"] = _by_code("operator", [access.keys_in_clear.operator[Operator(v)] for v in operators])
    for remote, by_service in ((False, access.privileged.without_remote_access), (True, access.privileged.with_remote_access)):
        tables[f"privileged_{str(remote).lower()}"] = _by_code("service_type", [by_service[ServiceType(v)] for v in services])
    return tables


_access_tables = per_pack(_build_access_tables)


def _weight(table: Float, codes: NDArray[Any], scenario: NDArray[np.intp]) -> Float:
    """``table`` (see :func:`_access_tables`) read at each row's code (and scenario, for an unordered field)."""
    codes = codes.view(np.int8) if codes.dtype == bool else codes  # a bool index would be a mask
    weight: Float = table[scenario, codes] if table.ndim == 2 else table.take(codes)
    return weight


def _access(filled: dict[str, NDArray[Any]], pack: RulePack, scenario: NDArray[np.intp]) -> tuple[Float, Float]:
    """``A = max(A_data, P)`` and ``P``.

    ``A_data = w_service * w_operator * w_hosting * w_remote * w_keys * w_audit``, where
    ``w_keys = max(keys.true, keys_in_clear.service_type[s], keys_in_clear.operator[o])`` when the
    customer holds the keys (else ``keys.false``); ``P = privileged.with_remote_access[s]`` with
    vendor remote access, else ``privileged.without_remote_access[s]``.
    """
    tables = _access_tables(pack)
    access: Float | None = None
    for name in _ACCESS_FIELDS:
        weight = _weight(tables[name], filled[name], scenario)
        access = weight if access is None else np.multiply(access, weight, out=access)
    assert access is not None
    keys = filled["customer_held_keys"]
    in_clear = np.maximum(
        _weight(tables["keys_in_clear_service"], filled["service_type"], scenario),
        _weight(tables["keys_in_clear_operator"], filled["operator"], scenario),
    )
    access *= np.where(keys, np.maximum(tables["keys"][1], in_clear), tables["keys"][0])
    remote = filled["vendor_remote_access"]
    privileged = np.where(
        remote,
        _weight(tables["privileged_true"], filled["service_type"], scenario),
        _weight(tables["privileged_false"], filled["service_type"], scenario),
    )
    result: Float = np.maximum(access, privileged, out=access)
    return result, privileged


def soft_top(x: Float, knee: float, top: float) -> Float:
    """``x`` below ``knee``; above it, ``knee + (top - knee) * (1 - exp(-(x - knee) / (top - knee)))``.

    Continuous with slope 1 at the knee, strictly increasing and below ``top``: distinct values
    above the knee stay distinct where a clip would tie them at ``top``.

    Examples
    --------
    >>> soft_top(np.array([0.5, 0.8, 1.0, 1.5]), 0.8, 1.0).round(4).tolist()
    [0.5, 0.8, 0.9264, 0.994]
    """
    span = top - knee
    over = np.maximum(x - knee, 0.0)
    result: Float = np.where(x > knee, knee + span * -np.expm1(-over / span), x)
    return result


@dataclass(frozen=True)
class _ReachTable:
    """Legal reach by ranked key: see :func:`_reach_table`."""

    keys: NDArray[np.int64]
    value_of: Float
    link_of: NDArray[np.intp]
    offsets: NDArray[np.intp]  # (n_links, 1): each link's place in a code's block


def _build_reach_table(pack: RulePack) -> _ReachTable:
    """What a foreign state on a link contributes, ``strength * weight(kind)``, as ranked keys.

    ``keys`` ``(3, (n_codes + 1) * n_links)``: per scenario (point, low, high), at
    ``code * n_links + link``, ``rank(value) * n_links + (n_links - 1 - link)``, where ``rank``
    is the index of the value among the sorted distinct contributions. The largest key of a
    contract is then its strongest link, the first one on a tie. ``value_of[key]`` is that
    contribution, exactly, and ``link_of[key]`` the link (-1 for a contribution of 0); both
    end with an entry for key -1: no foreign link at all.

    The last code is an unknown link (code -1 reads it too, counted from the end): assumed
    foreign at ``vendor_strength`` for the seat and absent for other links at the point, absent
    at the low end, the strongest at the high end. A state with no assessed strength counts
    ``unassessed_strength`` at the point, 0 and 1 at the ends.
    """
    p = pack.model.parameters.legal_reach
    kinds = link_kinds(pack.reference)
    n_links = len(kinds)
    weight = np.array([getattr(p, "parent" if kind == "group" else kind) for kind in kinds])
    strength = pack.reference.strength  # (n_codes,), NaN = unassessed, 0 at NO_LINK_CODE
    table = np.empty((3, len(strength) + 1, n_links))
    seat = np.array([kind == "seat" for kind in kinds])
    for scenario, (unassessed, unknown_seat, unknown_other) in enumerate(
        ((p.unassessed_strength, pack.model.assumptions.vendor_strength, 0.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    ):
        table[scenario, :-1] = np.where(np.isnan(strength), unassessed, strength)[:, None]
        table[scenario, -1] = np.where(seat, unknown_seat, unknown_other)
    values, rank = np.unique(table * weight, return_inverse=True)
    order = n_links - 1 - np.arange(n_links)  # the first link ranks highest on a tie
    keys = rank.reshape(table.shape) * n_links + order
    every = np.arange(len(values) * n_links)
    value_of = np.append(values[every // n_links], 0.0)
    link_of = np.append(np.where(value_of[:-1] > 0, n_links - 1 - every % n_links, -1), -1)
    offsets = np.arange(n_links)[:, None]
    return _ReachTable(keys.reshape(3, -1).astype(np.int64), value_of, link_of, offsets)


_reach_table = per_pack(_build_reach_table)


def _legal_reach(features: Features, pack: RulePack) -> tuple[Float, NDArray[np.intp]]:
    """``C = max_l strength(state_l) * weight(kind_l)`` over foreign links, for the three scenarios.

    ``features`` are the batch's own ``(n,)`` features; the result is ``(3 * n,)``, stacked like
    the other scenario columns, with the index of the first strongest link (-1 when ``C = 0``).
    """
    table = _reach_table(pack)
    n_links = len(features.link_kind)
    index = features.links.astype(np.intp) * n_links + table.offsets  # code -1 (unknown) reads the last code's block
    contribution = np.take(table.keys, index, axis=1)  # (3, n_links, n)
    contribution[:, features.links == features.buyer] = -1  # a state is never foreign to itself
    best = np.maximum.reduce(contribution, axis=1).reshape(-1)  # (3 * n,)
    return table.value_of[best], table.link_of[best]


def _build_governance_weights(pack: RulePack) -> tuple[Float, Float]:
    """``G`` by rating, flat like the reference's rating tables (NaN: no usable rating): from the
    FH total, or the status weight when there is no total (or the pack says so); and ``(3, 1)``
    what an unknown rating counts per scenario (the assumption, 0, 1)."""
    p = pack.model.parameters.governance
    _, totals, statuses, _ = pack.reference.usable_ratings(p.max_age_years)
    by_status = np.array([p.status_weights["F"], p.status_weights["PF"], p.status_weights["NF"], np.nan])[statuses]  # -1: NaN
    weight = np.where(np.isnan(totals), by_status, 1.0 - np.maximum(totals, 0.0) / 100.0) if p.use_total else by_status
    unknown = np.array([[pack.model.assumptions.governance], [0.0], [1.0]])
    return weight.reshape(-1), unknown


_governance_weights = per_pack(_build_governance_weights)


def _governance(features: Features, pack: RulePack) -> Float:
    """``G`` for the three stacked scenarios, looked up by rating; an unknown rating is the
    assumption at the point, 0 and 1 at the interval's ends."""
    weights, unknown = _governance_weights(pack)
    value = weights.take(features.governance_cell)
    stacked: Float = np.where(np.isnan(value), unknown, value)  # (3, n)
    return stacked.reshape(-1)


def factors(features: Features, pack: RulePack, filled: dict[str, NDArray[Any]], scenario: NDArray[np.intp]) -> Factors:
    """Factor columns ``(3 * n,)`` for the stacked scenarios from the batch's ``(n,)`` features."""
    params = pack.model.parameters
    sensitivity = _sensitivity(filled["data_categories"], pack)
    volume = _volume(filled["records"], params)
    impact = sensitivity * volume
    reach, reach_link = _legal_reach(features, pack)
    access, privileged = _access(filled, pack, scenario)
    exposure = 1.0 - np.exp(-features.incident_sum)
    # No vendor named: its ledger is unknown, so the high end assumes the worst.
    incidents = np.concatenate([exposure, exposure, np.where(features.vendor_named, exposure, 1.0)])
    governance = _governance(features, pack)
    p = params.likelihood
    raw = np.maximum(access * (reach * (1.0 + p.governance_gain * governance) + p.incident_gain * incidents), 0.0)
    likelihood = soft_top(raw, params.saturation.likelihood_knee, 1.0)
    base = 100.0 * impact * likelihood
    return Factors(sensitivity, volume, impact, reach, access, privileged, incidents, governance, likelihood, base, reach_link)


# --- rules -----------------------------------------------------------------------------------


def _three(column: NDArray[Any]) -> NDArray[Any]:
    """A per-contract column repeated for the three stacked scenarios."""
    return np.concatenate([column, column, column], axis=-1)


def _reach_country(features: Features, f: Factors) -> NDArray[np.int16]:
    """The state whose reach gave ``legal_reach`` (``NO_LINK_CODE`` when surely none, -1 when unknown)."""
    links = _three(features.links)
    reach_country = links[np.maximum(f.reach_link, 0), np.arange(links.shape[1])]
    # No foreign state reaches the vendor and no link is unknown: known "none", not unknown.
    nobody = (f.reach_link < 0) & (links != UNKNOWN).all(axis=0)
    result: NDArray[np.int16] = np.where(f.reach_link >= 0, reach_country, np.where(nobody, NO_LINK_CODE, UNKNOWN))
    return result


_DERIVED: Final[dict[str, Callable[[Inputs, Features, Factors, NDArray[np.intp], RulePack], NDArray[Any]]]] = {
    # A named vendor that is not in the registry is known not to be any registry vendor.
    "vendor": lambda inputs, features, f, scenario, pack: _three(
        np.where(features.vendor >= 0, features.vendor, np.where(features.vendor_named, len(pack.model.vendors), UNKNOWN))
    ),
    "reach_country": lambda inputs, features, f, scenario, pack: _reach_country(features, f),
    # Unknown (NaN) for an unnamed vendor or a foreign one outside the registry: it may be listed.
    "restricting_states": lambda inputs, features, f, scenario, pack: _three(features.restricting_states),
    # An unknown rating: no match at the point; best (F) and worst (NF) status at the interval's ends.
    "governance_status": lambda inputs, features, f, scenario, pack: np.where(
        _three(features.governance_status) >= 0, _three(features.governance_status), np.array([UNKNOWN, 0, 2])[scenario]
    ).astype(np.int8),
}
_FACTOR_NAMES: Final = ("sensitivity", "volume", "impact", "legal_reach", "access", "privileged_path", "incidents", "governance", "likelihood", "base_score")


def _build_program(pack: RulePack) -> Program:
    """The pack's conditions, in rule order, compiled to one evaluation."""
    return program([compiled.condition for compiled in pack.rules])


_program = per_pack(_build_program)


def _build_condition_fields(pack: RulePack) -> frozenset[str]:
    """Every column a condition of the pack reads."""
    return frozenset(name for compiled in pack.rules for name in compiled.condition.fields)


_condition_fields = per_pack(_build_condition_fields)


def rule_env(
    inputs: Inputs, features: Features, filled: dict[str, NDArray[Any]], f: Factors, scenario: NDArray[np.intp], pack: RulePack
) -> dict[str, NDArray[Any]]:
    """The columns the pack's conditions read (names as in :func:`vendorrisk.rules.expr.condition_fields`),
    ``(3 * n,)`` each, stacked like the scenarios."""
    env: dict[str, NDArray[Any]] = {}
    for name in _condition_fields(pack):
        if name in filled:
            env[name] = filled[name]
        elif name == "population_share":
            # Records per inhabitant of the buyer country, with records filled like every ordered
            # input (0 and +inf at the interval's ends); NaN (unknown) where the population is.
            env[name] = filled["records"] / _three(features.population)
        elif name in _FACTOR_NAMES:
            env[name] = getattr(f, name)
        elif name in _DERIVED:
            env[name] = _DERIVED[name](inputs, features, f, scenario, pack)
        else:  # an input no unknown value is assumed for: the same in every scenario
            env[name] = _three(inputs.columns[name])
    return env


def apply_rules(
    base: Float, env: dict[str, NDArray[Any]], pack: RulePack, scenario: NDArray[np.intp]
) -> tuple[Float, NDArray[np.int8], NDArray[np.bool_], Float]:
    """Fire the rules and combine their effects with the base score.

    Order: multiply, add, soft saturation above ``saturation.score_knee`` (so scores near the top
    stay distinct instead of clipping at 100), then caps, then floors (a floor wins over a cap:
    exposure is never understated because a mitigation and a hard finding both apply), then clip
    to 0..100.

    Returns the score of every row; then, for the point rows only (the first third), the gate
    level (0 pass, 1 warn, 2 block), the fired mask ``(n_contracts, n_rules)`` and each rule's
    contribution in points ``(n_contracts, n_rules)``: what reasons and explanations show.
    """
    n = scenario.shape[0]
    effects = _effects(pack)
    fired, possible = _program(pack).truth(env, n)  # (n_rules, n) each: rule-major, each rule's row contiguous
    if possible is not fired:
        # Where an unknown input leaves a condition open, the low end assumes what lowers the
        # score and the high end what raises it; the point score needs it to be sure.
        open_end = np.where(effects.raises, scenario == HIGH, scenario == LOW)
        fired = fired | (possible & open_end)
    # Multiply and add in a few passes over the fired matrix.
    score = base * np.where(fired, effects.factor, 1.0).prod(axis=0) if effects.multiply else base.copy()
    if effects.add:  # einsum, not `@`: numpy sends a float matmul to BLAS, whose threads then spin on the other cores
        score += np.einsum("r,rn->n", effects.points[:, 0], fired)
    knee = pack.model.parameters.saturation.score_knee
    over = score > knee  # few rows: soften those only
    if over.any():
        score[over] = soft_top(score[over], knee, 100.0)
    # Gates and contributions matter at the point only (rows [0, n / 3)).
    point = slice(0, n // 3)
    shown = fired[:, point]
    gate = np.maximum.reduce(shown * effects.gate, axis=0, initial=0)
    contribution = shown * (effects.points + base[point] * (effects.factor - 1.0) if effects.multiply else effects.points)
    for limits, bound in ((effects.caps, np.minimum), (effects.floors, np.maximum)):
        if not limits:
            continue
        before = score[point].copy()
        for j, limit in limits:  # a cap moves the score down to its limit (never up), a floor up
            moved = contribution[j]
            np.subtract(limit, before, out=moved, where=shown[j])
            bound(moved, _ZERO, out=moved)
            bound(score, limit, out=score, where=fired[j])
    return np.minimum(np.maximum(score, _ZERO), _HUNDRED), gate, shown.T, contribution.T


@dataclass(frozen=True)
class _Effects:
    """The rules' effects as ``(n_rules, 1)`` columns: multiplier (1 if none), points (0 if none),
    gate level (0 if none), whether each rule raises the score; the indices of the rules of each
    kind; and the (index, limit) of each cap and floor (limits as 0-d arrays)."""

    factor: Float
    points: Float
    gate: NDArray[np.int8]
    raises: NDArray[np.bool_]
    multiply: tuple[int, ...]
    add: tuple[int, ...]
    caps: tuple[tuple[int, Float], ...]
    floors: tuple[tuple[int, Float], ...]


def _build_effects(pack: RulePack) -> _Effects:
    kinds = [compiled.rule.effect for compiled in pack.rules]
    warn_only = pack.model.gates.warn_only
    return _Effects(
        factor=np.array([e.factor if isinstance(e, Multiply) else 1.0 for e in kinds]).reshape(-1, 1),
        points=np.array([e.points if isinstance(e, Add) else 0.0 for e in kinds]).reshape(-1, 1),
        gate=np.array([(1 if warn_only else GATE_LEVEL[e.gate]) if isinstance(e, Gate) else 0 for e in kinds], dtype=np.int8).reshape(-1, 1),
        raises=np.array([compiled.rule.raises for compiled in pack.rules], dtype=bool).reshape(-1, 1),
        multiply=tuple(j for j, e in enumerate(kinds) if isinstance(e, Multiply)),
        add=tuple(j for j, e in enumerate(kinds) if isinstance(e, Add)),
        caps=tuple((j, _arrays.constant(e.score)) for j, e in enumerate(kinds) if isinstance(e, Cap)),
        floors=tuple((j, _arrays.constant(e.score)) for j, e in enumerate(kinds) if isinstance(e, Floor)),
    )


_effects = per_pack(_build_effects)


def _build_band_thresholds(pack: RulePack) -> Float:
    b = pack.model.bands
    return np.array([b.medium, b.high, b.critical])


_band_thresholds = per_pack(_build_band_thresholds)


def band_of(score: Float, pack: RulePack) -> NDArray[np.int8]:
    """0 low, 1 medium, 2 high, 3 critical; ``score >= threshold`` enters the band."""
    return np.searchsorted(_band_thresholds(pack), score, side="right").astype(np.int8)


def _scenario_column(n: int) -> NDArray[np.intp]:
    """``(3 * n,)``: the scenario of each stacked row (0 point, 1 low, 2 high)."""
    return np.repeat(np.arange(3), n)


def score_batch(inputs: Inputs, features: Features, pack: RulePack) -> Scored:
    """Score every contract of a batch at the point, low and high scenarios (stacked: one pass)."""
    n = inputs.n
    scenario: NDArray[np.intp] = made(_scenario_column, n)  # read-only, shared for small batches
    filled = _fill(inputs, pack)
    f = factors(features, pack, filled, scenario)
    env = rule_env(inputs, features, filled, f, scenario, pack)
    score3, gate, fired3, contribution3 = apply_rules(f.base_score, env, pack, scenario)
    point = slice(0, n)
    point_factors = Factors(**{name: value[point] for name, value in vars(f).items()})
    # Round once, here, so the band always agrees with the score a reader sees.
    rounded = score3.round(SCORE_DECIMALS)
    score = rounded[point]
    low = np.minimum(rounded[n : 2 * n], score)
    high = np.maximum(rounded[2 * n :], score)
    fired, contribution = np.ascontiguousarray(fired3), np.ascontiguousarray(contribution3)
    return Scored(point_factors, score, low, high, band_of(score, pack), gate, fired, contribution, inputs.known)
