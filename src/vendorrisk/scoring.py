"""Factors, their combination, the rules, bands, gates and the interval over unknown inputs.

The whole model, for one contract or millions, is numpy arithmetic on ``(n_contracts,)`` columns
(formulas in ``docs/methodology.md``)::

    S = min(1, max_c w_c + b * (k - 1))                      sensitivity
    V = v0 + (1 - v0) * min(1, log10(1 + r) / log10(1 + r_sat))   volume
    I = S * V                                                impact
    C = max over foreign links l of strength(l) * weight(kind_l)   legal reach
    A = w_service * w_operator * w_hosting * w_remote * w_keys * w_audit   access path
    H = 1 - exp(-sum_i g(grade_i) * 0.5 ** (age_i / half_life))     incidents
    G = 1 - max(FH total, 0) / 100   (or the status weight)            governance
    L = clip(A * (C * (1 + g_G * G) + g_H * H), 0, 1)                likelihood
    base = 100 * I * L
    score = clip(max(min(base * prod(m) + sum(a), min caps), max floors), 0, 100)

Unknown inputs are evaluated three times: at the pack's assumption (the point score), at their
least exposed value (``score_low``) and at their most exposed value (``score_high``). Every
factor is monotone in every ordered input and the loader only admits rules whose conditions
move with their effect, so ``score_low <= score <= score_high`` and the bounds are exact over
ordered unknowns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from vendorrisk.features import Features
from vendorrisk.reference import NO_LINK_CODE, UNKNOWN
from vendorrisk.rules.model import Add, Cap, Floor, Gate, Multiply, Parameters
from vendorrisk.rules.loader import RulePack
from vendorrisk.schema import ASSUMABLE, FIELD_BY_NAME
from vendorrisk.validate import Inputs

Scenario = Literal["point", "low", "high"]
SCENARIOS: Final[tuple[Scenario, ...]] = ("point", "low", "high")
GATE_LEVEL: Final = {"warn": 1, "block": 2}
SCORE_DECIMALS: Final = 1
Float = NDArray[np.float64]


@dataclass(frozen=True)
class Factors:
    """Factor columns for one scenario, each ``(n_contracts,)`` in 0..1 (``base_score`` 0..100)."""

    sensitivity: Float
    volume: Float
    impact: Float
    legal_reach: Float
    access: Float
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
    unknown: dict[str, NDArray[np.bool_]]  # input name -> rows where it was unknown and assumed


# --- filling unknown inputs ----------------------------------------------------------------


def _fill(inputs: Inputs, pack: RulePack, scenario: Scenario) -> dict[str, NDArray[np.generic]]:
    """Ordered inputs with unknowns replaced by the assumption (point), best (low) or worst (high) value."""
    assumptions = pack.model.assumptions
    filled: dict[str, NDArray[np.generic]] = {}
    for name in ("hosting", "operator", "service_type"):
        spec = FIELD_BY_NAME[name]
        column, known = inputs.columns[name], inputs.known[name]
        if scenario == "point":
            value = spec.values.index(getattr(assumptions, name))
        elif spec.risk_order is None:
            filled[name] = column  # unordered: stays unknown (-1) at the interval's ends
            continue
        else:
            value = spec.values.index(str(spec.risk_order[0 if scenario == "low" else -1]))
        filled[name] = np.where(known, column, value).astype(np.int8)
    for name in ("vendor_remote_access", "customer_held_keys", "audit_rights"):
        spec = FIELD_BY_NAME[name]
        assert spec.risk_order is not None
        value = {"point": getattr(assumptions, name), "low": spec.risk_order[0], "high": spec.risk_order[1]}[scenario]
        filled[name] = np.where(inputs.known[name], inputs.columns[name] == 1, bool(value))
    categories = FIELD_BY_NAME["data_categories"].values
    assumed_bits = sum(1 << categories.index(c) for c in assumptions.data_categories)
    all_bits = (1 << len(categories)) - 1
    fill_bits = {"point": assumed_bits, "low": 0, "high": all_bits}[scenario]
    filled["data_categories"] = np.where(inputs.known["data_categories"], inputs.columns["data_categories"], fill_bits).astype(np.uint16)
    fill_records = {"point": float(assumptions.records), "low": 0.0, "high": np.inf}[scenario]
    filled["records"] = np.where(inputs.known["records"], inputs.columns["records"], fill_records)
    return filled


# --- factors ---------------------------------------------------------------------------------


def _sensitivity(bits: NDArray[np.uint16], params: Parameters) -> Float:
    """``S = min(1, max_c w_c + linkage_bonus * (k - 1))`` over the distinct bitmasks of the batch."""
    p = params.sensitivity
    categories = FIELD_BY_NAME["data_categories"].values
    weights = np.array([p.weights[c] for c in categories])  # type: ignore[index]
    unique, inverse = np.unique(bits, return_inverse=True)
    members = ((unique[:, None] >> np.arange(len(categories))) & 1).astype(bool)  # (n_unique, n_categories)
    chosen = np.where(members, weights, 0.0)
    linked = (members & (weights >= p.linkage_threshold)).sum(axis=1)
    value = np.minimum(1.0, chosen.max(axis=1, initial=0.0) + p.linkage_bonus * np.maximum(linked - 1, 0))
    return value[inverse.reshape(-1)]


def _volume(records: Float, params: Parameters) -> Float:
    p = params.volume
    with np.errstate(invalid="ignore"):
        share = np.minimum(1.0, np.log10(1.0 + records) / np.log10(1.0 + p.saturation_records))
    return p.floor + (1.0 - p.floor) * share


def _weights(table: dict[str, float], field: str) -> Float:
    return np.array([table[value] for value in FIELD_BY_NAME[field].values])  # type: ignore[index]


def _access(filled: dict[str, NDArray[np.generic]], inputs: Inputs, params: Parameters, scenario: Scenario) -> Float:
    p = params.access
    access = np.ones(inputs.n)
    for name in ("service_type", "operator", "hosting"):
        weights = _weights(getattr(p, name), name)
        codes = filled[name]
        unknown_value = {"low": weights.min(), "high": weights.max(), "point": np.nan}[scenario]
        access *= np.where(codes >= 0, weights[np.maximum(codes, 0)], unknown_value)
    for name in ("vendor_remote_access", "customer_held_keys", "audit_rights"):
        bool_weights = getattr(p, name)
        access *= np.where(filled[name], bool_weights.true, bool_weights.false)
    return access


def _legal_reach(features: Features, params: Parameters, pack: RulePack, scenario: Scenario) -> tuple[Float, NDArray[np.intp]]:
    """``C = max_l strength(state_l) * weight(kind_l)`` over foreign links, with unknowns per scenario."""
    p = params.legal_reach
    strength = pack.reference.strength
    assumed = pack.model.assumptions.vendor_strength
    weight = np.array([getattr(p, "parent" if kind == "group" else kind) for kind in features.link_kind])[:, None]
    links = features.links
    known = links != UNKNOWN
    codes = np.where(known, links, NO_LINK_CODE)
    s = strength[codes]
    unassessed = np.isnan(s)
    s = np.where(unassessed, {"point": p.unassessed_strength, "low": 0.0, "high": 1.0}[scenario], s)
    foreign = codes != features.buyer[None, :]
    contribution = np.where(foreign, s * weight, 0.0)
    # An unknown link: the seat is assumed foreign at `vendor_strength`; other links are assumed absent.
    unknown_seat = {"point": assumed, "low": 0.0, "high": 1.0}[scenario]
    unknown_other = {"point": 0.0, "low": 0.0, "high": 1.0}[scenario]
    unknown_value = np.array([unknown_seat if kind == "seat" else unknown_other for kind in features.link_kind])[:, None]
    contribution = np.where(known, contribution, unknown_value * weight)
    best = contribution.argmax(axis=0)
    reach = contribution.max(axis=0)
    return reach, np.where(reach > 0, best, -1)


def _governance(features: Features, params: Parameters, pack: RulePack, scenario: Scenario) -> Float:
    p = params.governance
    status_weights = np.array([p.status_weights[s] for s in ("F", "PF", "NF")])
    by_status = np.where(features.governance_status >= 0, status_weights[np.maximum(features.governance_status, 0)], np.nan)
    value = by_status
    if p.use_total:
        value = np.where(np.isnan(features.governance_total), by_status, 1.0 - np.maximum(features.governance_total, 0.0) / 100.0)
    unknown = {"point": pack.model.assumptions.governance, "low": 0.0, "high": 1.0}[scenario]
    return np.where(np.isnan(value), unknown, value)


def factors(inputs: Inputs, features: Features, pack: RulePack, filled: dict[str, NDArray[np.generic]], scenario: Scenario) -> Factors:
    params = pack.model.parameters
    sensitivity = _sensitivity(filled["data_categories"], params)  # type: ignore[arg-type]
    volume = _volume(filled["records"], params)  # type: ignore[arg-type]
    impact = sensitivity * volume
    reach, reach_link = _legal_reach(features, params, pack, scenario)
    access = _access(filled, inputs, params, scenario)
    incidents = 1.0 - np.exp(-features.incident_sum)
    governance = _governance(features, params, pack, scenario)
    p = params.likelihood
    likelihood = np.clip(access * (reach * (1.0 + p.governance_gain * governance) + p.incident_gain * incidents), 0.0, 1.0)
    base = 100.0 * impact * likelihood
    return Factors(sensitivity, volume, impact, reach, access, incidents, governance, likelihood, base, reach_link)


# --- rules -----------------------------------------------------------------------------------


def rule_env(inputs: Inputs, features: Features, filled: dict[str, NDArray[np.generic]], f: Factors, scenario: Scenario) -> dict[str, NDArray[np.generic]]:
    """The columns conditions see (names as in :func:`vendorrisk.rules.expr.condition_fields`)."""
    env: dict[str, NDArray[np.generic]] = {
        name: inputs.columns[name]
        for name in ("buyer_country", "vendor_country", "vendor_parent_country", "financing_country", "value_usd")
    }
    env.update(filled)
    env["vendor"] = features.vendor
    reach_rows = np.maximum(f.reach_link, 0)
    reach_country = features.links[reach_rows, np.arange(inputs.n)]
    env["reach_country"] = np.where((f.reach_link >= 0) & (reach_country < NO_LINK_CODE), reach_country, UNKNOWN)
    status = features.governance_status
    if scenario != "point":
        status = np.where(status >= 0, status, 0 if scenario == "low" else 2).astype(np.int8)
    env["governance_status"] = status
    for name in ("sensitivity", "volume", "impact", "legal_reach", "access", "incidents", "governance", "likelihood", "base_score"):
        env[name] = getattr(f, name)
    return env


def apply_rules(base: Float, env: dict[str, NDArray[np.generic]], pack: RulePack, n: int) -> tuple[Float, NDArray[np.int8], NDArray[np.bool_], Float]:
    """Fire the rules and combine their effects with the base score.

    Order: multiply, add, then caps, then floors (a floor wins over a cap: exposure is never
    understated because a mitigation and a hard finding both apply), then clip to 0..100.

    Returns the score, the gate level (0 pass, 1 warn, 2 block), the fired mask
    ``(n_contracts, n_rules)`` and each rule's contribution in points ``(n_contracts, n_rules)``.
    """
    rules = pack.rules
    fired = np.zeros((n, len(rules)), dtype=bool)
    for j, compiled in enumerate(rules):
        fired[:, j] = compiled.condition(env, n)
    contribution = np.zeros((n, len(rules)))
    factor = np.ones(n)
    added = np.zeros(n)
    gate = np.zeros(n, dtype=np.int8)
    for j, compiled in enumerate(rules):
        effect = compiled.rule.effect
        if isinstance(effect, Multiply):
            factor = np.where(fired[:, j], factor * effect.factor, factor)
            contribution[:, j] = np.where(fired[:, j], base * (effect.factor - 1.0), 0.0)
        elif isinstance(effect, Add):
            added += np.where(fired[:, j], effect.points, 0.0)
            contribution[:, j] = np.where(fired[:, j], effect.points, 0.0)
        elif isinstance(effect, Gate):
            level = 1 if pack.model.gates.warn_only else GATE_LEVEL[effect.gate]
            gate = np.maximum(gate, np.where(fired[:, j], level, 0)).astype(np.int8)
    score = base * factor + added
    for kind in (Cap, Floor):
        limits = [(j, r.rule.effect.score) for j, r in enumerate(rules) if isinstance(r.rule.effect, kind)]  # type: ignore[union-attr]
        if not limits:
            continue
        before = score
        for j, limit in limits:
            moved = np.minimum(limit - before, 0.0) if kind is Cap else np.maximum(limit - before, 0.0)
            contribution[:, j] = np.where(fired[:, j], moved, 0.0)
            bound = np.where(fired[:, j], limit, np.inf if kind is Cap else -np.inf)
            score = np.minimum(score, bound) if kind is Cap else np.maximum(score, bound)
    return np.clip(score, 0.0, 100.0), gate, fired, contribution


def band_of(score: Float, pack: RulePack) -> NDArray[np.int8]:
    """0 low, 1 medium, 2 high, 3 critical; ``score >= threshold`` enters the band."""
    b = pack.model.bands
    return np.searchsorted(np.array([b.medium, b.high, b.critical]), score, side="right").astype(np.int8)


def score_batch(inputs: Inputs, features: Features, pack: RulePack) -> Scored:
    """Score every contract of a batch at the point, low and high scenarios."""
    results = {}
    point_factors = None
    for scenario in SCENARIOS:
        filled = _fill(inputs, pack, scenario)
        f = factors(inputs, features, pack, filled, scenario)
        env = rule_env(inputs, features, filled, f, scenario)
        results[scenario] = apply_rules(f.base_score, env, pack, inputs.n)
        if scenario == "point":
            point_factors = f
    assert point_factors is not None
    score, gate, fired, contribution = results["point"]
    # Round once, here, so the band always agrees with the score a reader sees.
    score = np.round(score, SCORE_DECIMALS)
    low = np.minimum(np.round(results["low"][0], SCORE_DECIMALS), score)
    high = np.maximum(np.round(results["high"][0], SCORE_DECIMALS), score)
    unknown = {name: ~inputs.known[name] for name in ASSUMABLE}
    return Scored(point_factors, score, low, high, band_of(score, pack), gate, fired, contribution, unknown)

