"""The engine's pipeline, shared by :mod:`vendorrisk.api` and :mod:`vendorrisk.batch`.

One short function, :func:`run`, shows the whole flow: validate -> features -> factors and
rules -> output columns. :func:`scored_table` wraps it for a table (input columns, then output
columns, with provenance). Both the one-contract API and the stream call these; neither imports
the other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from vendorrisk._arrays import Coded, hash_strings, made, zero_codes
from vendorrisk.errors import InputError, MissingColumnsError
from vendorrisk.explain import Result, describe_row, reasons, vectors
from vendorrisk.features import Features, derive
from vendorrisk.reference import COUNTRY_CODES, MATCH_KINDS
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import (
    BANDS,
    CANONICAL_COLUMNS,
    DUPLICATE_WARNING,
    FACTORS,
    GATES,
    OUTPUT_COLUMNS,
    PARSE_ERROR_COLUMN,
    WARNING_SEPARATOR,
    Contract,
    missing_required,
    to_cell,
)
from vendorrisk.scoring import Scored, score_batch
from vendorrisk.validate import Inputs, check_as_of, validate

Rules: TypeAlias = RulePack | str | os.PathLike[str] | None
_CANONICAL: Final = frozenset(CANONICAL_COLUMNS)


Source: TypeAlias = "pa.Table | dict[str, list[Any]]"


@dataclass(frozen=True)
class IdHashes:
    """A batch's contract ids as ``rows`` (per row, the index of its id among the batch's
    distinct ids; -1 for none) and ``hashes`` (a 64-bit hash of each distinct id), so that the
    ids of a stream's batches can be compared without keeping them."""

    rows: NDArray[np.intp]
    hashes: NDArray[np.int64]


@dataclass(frozen=True)
class Run:
    table: Source
    inputs: Inputs
    features: Features
    scored: Scored
    columns: dict[str, Any]
    ids: IdHashes | None


def pack_of(rules: Rules) -> RulePack:
    return rules if isinstance(rules, RulePack) else load_rules(rules)


#: What ``as_of`` may be, for the message that refuses anything else.
AS_OF_FORMAT: Final = "a datetime.date or a 'YYYY-MM-DD' string"
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_of_date(value: object) -> dt.date | None:
    """``as_of`` as a date: None, a date (a datetime gives its date), or ``YYYY-MM-DD`` text.

    Raises
    ------
    InputError
        For any other value (an integer year, a datetime64, a misspelt date), which would
        otherwise be read as some other date or fail deep inside the engine.
    """
    if value is None or type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):  # pandas.Timestamp too
        return value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            with contextlib.suppress(ValueError):  # 2024-06-31
                return dt.date.fromisoformat(value)
        raise InputError(f"as_of {value!r} is not a date (use YYYY-MM-DD)")
    raise InputError(f"as_of must be {AS_OF_FORMAT}, not {type(value).__name__} {value!r}"[:300])


def run(table: Source, pack: RulePack, as_of: dt.date | None, hash_ids: bool = False) -> Run:
    """The whole pipeline: validate -> features -> factors and rules -> output columns.

    With ``hash_ids`` the run also carries the batch's :class:`IdHashes`, so a stream can flag
    ids repeated from earlier batches (:func:`vendorrisk.batch.flag_repeats`).
    """
    check_as_of(as_of)
    # A table (a file) without a required column cannot be scored at all; one contract given
    # from Python without one is a contract with an error, like any other invalid row.
    names = [n for n in table.column_names if n != PARSE_ERROR_COLUMN] if isinstance(table, pa.Table) else []
    problem = missing_required(names) if isinstance(table, pa.Table) else None
    if problem:
        raise MissingColumnsError(problem, columns=names)
    inputs = validate(table)
    features = derive(inputs, pack, as_of)
    scored = score_batch(inputs, features, pack)
    columns = output_columns(inputs, features, scored, pack)
    flagged, ids = duplicates(table, inputs.n, hash_ids)
    columns["warning"] = warning_column(flagged, features.vendor_warning)
    return Run(table, inputs, features, scored, columns, ids)


def duplicates(table: Source, n: int, hash_ids: bool) -> tuple[NDArray[np.bool_], IdHashes | None]:
    """Rows whose contract id was already used earlier in the table (and the id hashes if asked)."""
    if not isinstance(table, pa.Table):  # contracts given one by one from Python: nothing to compare
        return np.zeros(n, dtype=bool), None
    flagged = np.zeros(n, dtype=bool)
    ids = None
    if n:
        encoded = pc.dictionary_encode(table.column("contract_id")).combine_chunks()
        indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        _, first = np.unique(indices, return_index=True)
        flagged[:] = indices >= 0
        flagged[first] = False
        if hash_ids:
            ids = IdHashes(indices.astype(np.intp), hash_strings(encoded.dictionary.cast(pa.string())))
    return flagged, ids


def warning_column(flagged: NDArray[np.bool_], others: Coded | None = None) -> Coded:
    """The ``warning`` column: the duplicate warning where ``flagged``, then the row's other
    warnings (``others``: e.g. a vendor name's near miss), joined with ``WARNING_SEPARATOR``."""
    duplicate = flagged.astype(np.int32)
    if others is None:
        return Coded(duplicate, ["", DUPLICATE_WARNING])
    texts = [WARNING_SEPARATOR.join(t for t in (dup, other) if t) for other in others.texts for dup in ("", DUPLICATE_WARNING)]
    return Coded(np.maximum(others.codes, 0) * 2 + duplicate, texts)


def split_warnings(warning: Any) -> tuple[NDArray[np.bool_], Coded]:
    """The duplicate flags and the other warnings of an Arrow ``warning`` column (the inverse of
    :func:`warning_column`), so a stream can flag ids repeated from earlier batches."""
    encoded = pc.dictionary_encode(warning.cast(pa.string())).combine_chunks()
    texts = encoded.dictionary.to_pylist()
    codes = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
    flagged_text = np.array([text.startswith(DUPLICATE_WARNING) for text in texts], dtype=bool)
    others = [text.removeprefix(DUPLICATE_WARNING).removeprefix(WARNING_SEPARATOR) for text in texts]
    return flagged_text[codes] if len(texts) else np.zeros(len(codes), dtype=bool), Coded(codes, others)


def output_columns(inputs: Inputs, features: Features, scored: Scored, pack: RulePack) -> dict[str, Any]:
    """Output columns as numpy arrays; invalid rows get nulls (NaN / None) and their error."""
    invalid = inputs.invalid()
    any_invalid = bool(inputs.problems) and bool(invalid.any())  # most batches: nothing to blank out

    def numbers(values: NDArray[np.float64], decimals: int | None) -> NDArray[np.float64]:
        rounded = values if decimals is None else values.round(decimals)
        return np.where(invalid, np.nan, rounded) if any_invalid else rounded

    def words(codes: NDArray[np.int8] | Coded, names: tuple[str, ...] = ()) -> Coded:
        coded = codes if isinstance(codes, Coded) else Coded(codes, names)
        return coded.masked(invalid) if any_invalid else coded

    scores = numbers(np.array([scored.score, scored.score_low, scored.score_high]), None)  # rounded by the engine
    columns: dict[str, Any] = {
        "score": scores[0],
        "band": words(scored.band, BANDS),
        "score_low": scores[1],
        "score_high": scores[2],
        "gate": words(scored.gate, GATES),
    }
    rounded = numbers(np.array([getattr(scored.factors, factor) for factor in FACTORS]), 3)
    for index, factor in enumerate(FACTORS):
        columns[factor] = rounded[index]
    columns["reasons"] = words(reasons(scored, pack))
    columns["vector"] = words(vectors(scored, features, pack))
    columns["matched_vendor"] = words(Coded(features.vendor + 1, ["", *pack.reference.vendor_names]))
    columns["match"] = words(Coded(features.match, MATCH_KINDS))
    columns["reach_state"] = words(reach_states(scored, features))
    columns["as_of"] = features.as_of
    edition = np.where(features.governance_edition > 0, features.governance_edition, np.nan)
    columns["governance_edition"] = np.where(invalid, np.nan, edition) if any_invalid else edition
    columns["fingerprint"] = Coded(made(zero_codes, inputs.n), [pack.fingerprint])
    columns["error"] = inputs.errors(invalid)
    return columns


def reach_states(scored: Scored, features: Features) -> Coded:
    """``(n_contracts,)`` the state whose link drives legal reach and the link, e.g. ``CN (parent)``;
    ``unknown (seat)`` when an unknown state is assumed; empty when no foreign state reaches the vendor."""
    link = scored.factors.reach_link
    n = link.shape[0]
    code = features.links[np.maximum(link, 0), np.arange(n)].astype(np.int64)
    n_codes = len(COUNTRY_CODES) + 1
    key = np.where(link >= 0, (link.astype(np.int64) + 1) * (n_codes + 1) + (code + 1), 0)
    unique, inverse = np.unique(key, return_inverse=True)
    texts = []
    for k in unique.tolist():
        at, state = divmod(k, n_codes + 1)
        if at == 0:
            texts.append("")
        else:
            name = COUNTRY_CODES[state - 1] if 0 < state <= len(COUNTRY_CODES) else "unknown"
            texts.append(f"{name} ({features.link_kind[at - 1]})")
    return Coded(inverse.reshape(-1), texts)


def to_arrow_columns(columns: Mapping[str, Any]) -> dict[str, pa.Array]:
    out: dict[str, pa.Array] = {}
    for name in OUTPUT_COLUMNS:
        values = columns[name]
        if isinstance(values, Coded):
            out[name] = values.to_arrow()
        elif name == "governance_edition":
            out[name] = pa.array(values, from_pandas=True).cast(pa.int16())
        elif values.dtype.kind == "f":
            out[name] = pa.array(values, from_pandas=True)  # NaN -> null
        else:
            out[name] = pa.array(values, type=pa.date32())
    return out


def scored_table(arrow: pa.Table, pack: RulePack, as_of: dt.date | None, hash_ids: bool = False) -> tuple[pa.Table, IdHashes | None]:
    """The input columns then the output columns, with the provenance metadata (and the id hashes if asked)."""
    done = run(arrow, pack, as_of, hash_ids)
    kept = arrow.drop_columns([name for name in (*OUTPUT_COLUMNS, PARSE_ERROR_COLUMN) if name in arrow.column_names])
    out = to_arrow_columns(done.columns)
    result = pa.Table.from_arrays([*kept.columns, *out.values()], names=[*kept.column_names, *out])
    return result.replace_schema_metadata({**(arrow.schema.metadata or {}), **provenance(pack)}), done.ids


def provenance(pack: RulePack) -> dict[bytes, bytes]:
    """Schema metadata stamped on every scored table: the pack and the editions of its reference tables."""
    model = pack.model
    metas = [model.jurisdictions_meta, model.vendors_meta, model.incidents_meta, model.governance_meta]
    metas += [model.restrictions_meta] if model.restrictions_meta else []
    metas += [model.population_meta] if model.population_meta is not None else []
    stamp = {
        "vendorrisk.fingerprint": pack.fingerprint,
        "vendorrisk.pack": f"{model.pack.name} {model.pack.version}",
        **{f"vendorrisk.{meta.table}": f"{meta.edition} ({meta.source})" for meta in metas},
    }
    return {key.encode(): value.encode() for key, value in stamp.items()}


def row_cells(item: Any) -> dict[str, Any]:
    """One contract given from Python (a :class:`~vendorrisk.schema.Contract` or a mapping) as
    cells keyed by column: canonical values as the validator reads them, other keys as given."""
    if isinstance(item, Contract):
        return dict(item.to_row())
    if not isinstance(item, Mapping):
        raise InputError(f"cannot score a {type(item).__name__}: give a Contract or a mapping")
    odd = next((key for key in item if not isinstance(key, str)), None)
    if odd is not None:
        raise InputError(f"a column name must be text, not {type(odd).__name__} {odd!r}"[:300])
    return {key: (to_cell(value) if key in _CANONICAL else value) for key, value in item.items()}


def result_of(run: Run, row: int, pack: RulePack, probability: float | None = None) -> Result:
    """Row ``row`` of a run as a :class:`~vendorrisk.explain.Result` (with ``probability`` when a
    calibration gave one)."""
    c = run.columns
    error = c["error"][row] or ""
    valid = not error
    score, low, high, *factors = (float(c[name][row]) for name in ("score", "score_low", "score_high", *FACTORS))
    as_of = c["as_of"][row]
    return Result(
        contract_id=_contract_id(run, row),
        score=None if math.isnan(score) else score,
        band=c["band"][row],
        score_low=None if math.isnan(low) else low,
        score_high=None if math.isnan(high) else high,
        gate=c["gate"][row],
        factors=dict(zip(FACTORS, factors)) if valid else {},
        reasons=tuple(c["reasons"][row].split(";")) if valid and c["reasons"][row] else (),
        vector=c["vector"][row],
        fingerprint=pack.fingerprint,
        as_of=None if np.isnat(as_of) else as_of.astype(dt.date),
        error=error,
        probability=probability if valid else None,
        _describe=(lambda: describe_row(row, run.inputs, run.scored, run.features, pack)) if valid else None,
    )


def _contract_id(run: Run, row: int) -> str | None:
    table = run.table
    value = table.column("contract_id")[row].as_py() if isinstance(table, pa.Table) else table.get("contract_id", [None])[row]
    return None if value is None else str(value)
