"""Reasons, vectors and readable explanations of scored contracts.

Reasons are the ids of the rules that fired, gates first (block, then warn), then by how many
points each moved the score, then in pack order. The vector is a compact, canonical, CVSS-like
string of factor levels, e.g. ``VRX:1/DS:H/LR:C/AP:H/IH:M/GV:PF``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

import numpy as np
from numpy.typing import NDArray

from vendorrisk._arrays import SMALL, Coded, distinct

from vendorrisk.features import Features
from vendorrisk.reference import COUNTRY_CODES
from vendorrisk.rules.loader import RulePack
from vendorrisk.rules.model import Gate
from vendorrisk.schema import ASSUMABLE, FIELD_BY_NAME, GOVERNANCE_STATUSES
from vendorrisk.scoring import GATE_LEVEL, Scored, per_pack
from vendorrisk.validate import Inputs

VECTOR_VERSION: Final = "VRX:1"
#: Vector metrics: label and the factor each one shows.
VECTOR_METRICS: Final = (("DS", "impact"), ("LR", "legal_reach"), ("AP", "access"), ("IH", "incidents"))
LEVELS: Final = ("N", "L", "M", "H", "C")
_LEVEL_WEIGHTS: Final = len(LEVELS) ** np.arange(len(VECTOR_METRICS) - 1, -1, -1)


def _ranked(fired: NDArray[np.bool_], contribution: NDArray[np.float64], pack: RulePack) -> NDArray[np.intp]:
    """``(n_contracts, n_rules)`` rule indices most important first, ``n_rules`` after the fired ones.

    Order: gate level (block, warn), then points moved (at most 100), then pack order.
    """
    n, n_rules = fired.shape
    key = np.where(fired, _rank_base(pack) + np.abs(contribution), -np.inf)
    order = np.argsort(-key, axis=1, kind="stable")
    ranked: NDArray[np.intp] = np.where(fired[np.arange(n)[:, None], order], order, n_rules)
    return ranked


def _build_rank_base(pack: RulePack) -> NDArray[np.float64]:
    """``(n_rules,)`` ``1000 * gate level - 1e-9 * index``: gates first, then pack order on a tie."""
    levels = [GATE_LEVEL[r.rule.effect.gate] if isinstance(r.rule.effect, Gate) else 0 for r in pack.rules]
    base: NDArray[np.float64] = np.array(levels, dtype=float) * 1000.0 - np.arange(len(levels)) * 1e-9
    return base


_rank_base = per_pack(_build_rank_base)


def reasons(scored: Scored, pack: RulePack) -> Coded:
    """``(n_contracts,)`` fired rule ids joined by ``;``, most important first."""
    n, n_rules = scored.fired.shape
    if n_rules == 0:
        return Coded(np.zeros(n, dtype=np.int32), [""])
    ranked = _ranked(scored.fired, scored.contribution, pack)
    if n > SMALL and (n_rules + 1) ** n_rules < 2**62:  # one int64 key per ordering: sorting 1-D keys is fast
        key = (ranked * (n_rules + 1) ** np.arange(n_rules)).sum(axis=1)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        unique = ranked[first]
    else:
        unique, inverse = distinct(ranked, axis=0)
    ids = [r.rule.id for r in pack.rules]
    return Coded(inverse.reshape(-1), [";".join(ids[j] for j in row if j < n_rules) for row in unique.tolist()])


def vectors(scored: Scored, features: Features, pack: RulePack) -> Coded:
    """``(n_contracts,)`` canonical vector strings."""
    values = np.array([getattr(scored.factors, factor) for _, factor in VECTOR_METRICS])  # (n_metrics, n)
    levels = np.searchsorted(_level_thresholds(pack), values, side="right")
    # One integer per contract: the governance status then each level, in base len(LEVELS).
    key = (features.governance_status.astype(np.int64) + 1) * len(LEVELS) ** len(VECTOR_METRICS) + _LEVEL_WEIGHTS @ levels
    if len(key) <= SMALL:
        return Coded(np.arange(len(key)), [_vector_text(k) for k in key.tolist()])
    # Keys are small (4 * 5**4): find the ones present by counting, not sorting.
    unique = np.flatnonzero(np.bincount(key, minlength=1))
    position = np.zeros(unique[-1] + 1 if len(unique) else 1, dtype=np.intp)
    position[unique] = np.arange(len(unique))
    inverse = position[key]
    return Coded(inverse.reshape(-1), [_vector_text(int(present)) for present in unique])


def _build_level_thresholds(pack: RulePack) -> NDArray[np.float64]:
    """Where each level starts: N at 0 (or below), L above 0, then M, H and C at the pack's thresholds."""
    v = pack.model.vector
    return np.array([np.nextafter(0.0, 1.0), v.medium, v.high, v.critical])


_level_thresholds = per_pack(_build_level_thresholds)


@functools.lru_cache(maxsize=4096)
def _vector_text(key: int) -> str:
    """The vector string of one key: the governance status, then each level, in base len(LEVELS)."""
    parts = []
    for label, _ in reversed(VECTOR_METRICS):
        parts.append(f"{label}:{LEVELS[key % len(LEVELS)]}")
        key //= len(LEVELS)
    governance = "X" if key == 0 else GOVERNANCE_STATUSES[key - 1]
    return "/".join([VECTOR_VERSION, *reversed(parts), f"GV:{governance}"])


@dataclass(frozen=True)
class Result:
    """The score of one contract, with everything needed to explain it.

    ``score``, ``band``, ``score_low``, ``score_high`` and ``gate`` are ``None`` when the
    contract is invalid; ``error`` then says which column and what is wrong. ``probability`` is
    set when the contract was scored with a calibration.
    """

    contract_id: str | None
    score: float | None
    band: str | None
    score_low: float | None
    score_high: float | None
    gate: str | None
    factors: dict[str, float]
    reasons: tuple[str, ...]
    vector: str | None
    fingerprint: str
    as_of: dt.date | None
    error: str
    #: The calibrated probability of the outcome (``score(..., calibration=...)``), else None.
    probability: float | None = None
    _describe: Callable[[], dict[str, object]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def details(self) -> dict[str, object]:
        """What :meth:`explain` prints: factor breakdown, assumed inputs, fired rules (computed on demand)."""
        return self._describe() if self._describe is not None else {}

    @property
    def sensitivity(self) -> float:
        return self.factors["sensitivity"]

    @property
    def legal_reach(self) -> float:
        return self.factors["legal_reach"]

    @property
    def access(self) -> float:
        return self.factors["access"]

    @property
    def incidents(self) -> float:
        return self.factors["incidents"]

    @property
    def governance(self) -> float:
        return self.factors["governance"]

    def explain(self) -> str:
        """A readable, multi-line explanation: drivers, rules fired with their rationale, remediations."""
        if self.error:
            return f"Contract {self.contract_id}: not scored: {self.error}"
        d = self.details
        lines = [
            f"Contract {self.contract_id}: exposure {self.score:.1f} ({self.band}), "
            f"range {self.score_low:.1f}-{self.score_high:.1f} over unknown inputs; gate: {self.gate}",
            f"Vector {self.vector}; as of {self.as_of}; pack {d.get('pack_name')} ({self.fingerprint[:19]}...)",
            "",
            "Drivers:",
            f"  impact       {d['impact']:.2f} = sensitivity {self.sensitivity:.2f} x volume {d['volume']:.2f}",
            f"  vendor       {d['vendor_text']}",
            f"  legal reach  {self.legal_reach:.2f}  {d['reach_text']}",
            f"  restrictions {d['restriction_text']}",
            f"  access path  {self.access:.2f}  {d['access_text']}",
            f"  incidents    {self.incidents:.2f}  {d['incident_text']}",
            f"  governance   {self.governance:.2f}  {d['governance_text']}",
            f"  likelihood   {d['likelihood']:.2f}; base score 100 x impact x likelihood = {d['base_score']:.1f}",
        ]
        assumed = d.get("assumed") or []
        if assumed:
            lines += ["", "Unknown inputs (point score assumes; the range spans every value):"]
            lines += [f"  {name} = {value}" for name, value in assumed]  # type: ignore[attr-defined]
        rules = d.get("rules") or []
        if rules:
            lines += ["", "Rules fired (most important first):"]
            for rule, points in rules:  # type: ignore[attr-defined]
                moved = f"{points:+.1f} points" if points else "no change to the score"
                effect = rule.effect
                what = getattr(effect, "gate", None) or f"{effect.kind}"
                lines += [
                    f"  - {rule.id} [{what}; {moved}]",
                    f"    {rule.summary}",
                    f"    Why: {rule.rationale}",
                ]
                if rule.remediation:
                    lines.append(f"    Remediation: {rule.remediation}")
        else:
            lines += ["", "No rule fired."]
        return "\n".join(lines)


def _plain(value: object) -> str:
    """An assumption as the text a user would write in the CSV."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(_plain(item) for item in value)
    return str(value)


def _access_text(row: int, inputs: Inputs, pack: RulePack) -> str:
    parts = []
    for name in ("service_type", "operator", "hosting", "vendor_remote_access", "customer_held_keys", "audit_rights"):
        spec = FIELD_BY_NAME[name]
        if inputs.known[name][row]:
            code = int(inputs.columns[name][row])
            value: object = spec.values[code] if spec.kind == "enum" else _plain(bool(code))
        else:
            value = f"{_plain(getattr(pack.model.assumptions, name))} (assumed)"
        parts.append(f"{name}={value}")
    return ", ".join(parts)


def _privileged_text(privileged: float, access: float) -> str:
    """What the privileged remote path adds to the access line (nothing when the service has none)."""
    if privileged <= 0.0:
        return ""
    share = "it sets the access path" if privileged >= access else "below the data path"
    return f"; privileged remote path (updates, telemetry, remote support) {privileged:.2f}: {share}"


def describe_row(row: int, inputs: Inputs, scored: Scored, features: Features, pack: RulePack) -> dict[str, object]:
    """The details :meth:`Result.explain` prints for one contract."""
    f = scored.factors
    params = pack.model.parameters
    link = int(f.reach_link[row])
    if link >= 0:
        code = int(features.links[link, row])
        state = COUNTRY_CODES[code] if 0 <= code < len(COUNTRY_CODES) else "an unknown state"
        kind = features.link_kind[link]
        name = next((j.name for j in pack.model.jurisdictions if j.code == state), None)
        laws = next((j.laws for j in pack.model.jurisdictions if j.code == state), [])
        law_text = "; ".join(f"{law.name} {law.year}" for law in laws[:2])
        reach_text = f"via {state} ({kind}){' - ' + law_text if law_text else ' (not assessed: pack default strength)' if name is None and state != 'an unknown state' else ''}"
    else:
        reach_text = "no foreign state reaches the vendor"
    vendor = int(features.vendor[row])
    vendor_text = f"registry vendor {pack.model.vendors[vendor].name}" if vendor >= 0 else "vendor not in the registry"
    reach_text = f"{reach_text}; {vendor_text}"
    name_code = int(inputs.columns["vendor_name"][row])
    given = inputs.vendor_names[name_code] if 0 <= name_code < len(inputs.vendor_names) else None
    match = pack.reference.resolve_vendor(given) if given is not None else None
    if match is None:
        resolution = "no vendor named: seat, owners, incidents and restrictions unknown"
    elif match.index >= 0:
        resolution = f"{given!r} resolved to registry vendor {pack.model.vendors[match.index].name} ({match.reason})"
    else:
        resolution = f"{given!r} is not in the registry: seat and owners as the contract gives them, else unknown"
        resolution += f"; {match.warning}" if match.warning else ""
    as_of = features.as_of[row].astype(dt.date)
    listed = pack.reference.restrictions_of(vendor, as_of) if vendor >= 0 else []
    if vendor < 0:
        restriction_text = "unknown (vendor not resolved in the registry)"
    elif listed:
        states = sorted({entry.state for entry in listed})
        measures = "; ".join(f"{entry.state}: {entry.measure} (from {entry.listed})" for entry in listed)
        restriction_text = f"{len(states)} state(s) restrict this vendor as of {as_of}: {measures}"
    else:
        restriction_text = f"no restriction list names this vendor as of {as_of}"
    edition = int(features.governance_edition[row])
    status = int(features.governance_status[row])
    governance_text = (
        f"Freedom House {GOVERNANCE_STATUSES[status]}, edition {edition}" if status >= 0 else "no Freedom House rating: assumed"
    )
    ranked = _ranked(scored.fired[row : row + 1], scored.contribution[row : row + 1], pack)[0]
    fired = [(pack.rules[j].rule, float(scored.contribution[row, j])) for j in ranked if j < len(pack.rules)]
    assumed = [
        (name, _plain(getattr(pack.model.assumptions, name))) for name in ASSUMABLE if not scored.known[name][row]
    ]
    return {
        "pack_name": f"{pack.model.pack.name} {pack.model.pack.version}",
        "impact": float(f.impact[row]),
        "volume": float(f.volume[row]),
        "likelihood": float(f.likelihood[row]),
        "base_score": float(f.base_score[row]),
        "reach_text": reach_text,
        "vendor_text": resolution,
        "restriction_text": restriction_text,
        "access_text": _access_text(row, inputs, pack) + _privileged_text(float(f.privileged_path[row]), float(f.access[row])),
        "incident_text": (
            f"decayed, evidence-weighted sum {features.incident_sum[row]:.2f} of incidents public by the as-of date "
            f"(half-life {params.incidents.half_life_years:g} years)"
        ),
        "governance_text": governance_text,
        "governance_edition": edition or None,
        "vendor": pack.model.vendors[vendor].name if vendor >= 0 else None,
        "assumed": assumed,
        "rules": fired,
    }

