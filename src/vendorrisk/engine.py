"""The engine's pipeline, shared by :mod:`vendorrisk.api` and :mod:`vendorrisk.batch`.

One short function, :func:`run`, shows the whole flow: validate -> features -> factors and
rules -> output columns. :func:`scored_table` wraps it for a table (input columns, then output
columns, with provenance). Both the one-contract API and the stream call these; neither imports
the other.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from vendorrisk._arrays import Coded, hash_strings, made, zero_codes
from vendorrisk.errors import InputError
from vendorrisk.explain import reasons, vectors
from vendorrisk.features import Features, derive
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import (
    BANDS,
    DUPLICATE_WARNING,
    FACTORS,
    GATES,
    OUTPUT_COLUMNS,
    PARSE_ERROR_COLUMN,
    missing_required,
)
from vendorrisk.scoring import Scored, score_batch
from vendorrisk.validate import Inputs, check_as_of, validate

Rules: TypeAlias = RulePack | str | os.PathLike[str] | None


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


def run(table: Source, pack: RulePack, as_of: dt.date | None, hash_ids: bool = False) -> Run:
    """The whole pipeline: validate -> features -> factors and rules -> output columns.

    With ``hash_ids`` the run also carries the batch's :class:`IdHashes`, so a stream can flag
    ids repeated from earlier batches (:func:`vendorrisk.batch.flag_repeats`).
    """
    check_as_of(as_of)
    # A table (a file) without a required column cannot be scored at all; one contract given
    # from Python without one is a contract with an error, like any other invalid row.
    problem = missing_required([n for n in table.column_names if n != PARSE_ERROR_COLUMN]) if isinstance(table, pa.Table) else None
    if problem:
        raise InputError(f"the input has {problem}")
    inputs = validate(table)
    features = derive(inputs, pack, as_of)
    scored = score_batch(inputs, features, pack)
    columns = output_columns(inputs, features, scored, pack)
    columns["warning"], ids = duplicates(table, inputs.n, hash_ids)
    return Run(table, inputs, features, scored, columns, ids)


def duplicates(table: Source, n: int, hash_ids: bool) -> tuple[Coded, IdHashes | None]:
    """``warning`` column: a contract id already used earlier in the table is flagged."""
    if not isinstance(table, pa.Table):  # contracts given one by one from Python: nothing to compare
        return warning_column(made(zero_codes, n)), None
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
    return warning_column(flagged), ids


def warning_column(flagged: NDArray[np.bool_] | NDArray[np.int32]) -> Coded:
    """The ``warning`` column: the duplicate warning where ``flagged`` (true or 1), empty elsewhere."""
    return Coded(flagged.astype(np.int32, copy=False), ["", DUPLICATE_WARNING])


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
    columns["as_of"] = features.as_of
    edition = np.where(features.governance_edition > 0, features.governance_edition, np.nan)
    columns["governance_edition"] = np.where(invalid, np.nan, edition) if any_invalid else edition
    columns["fingerprint"] = Coded(made(zero_codes, inputs.n), [pack.fingerprint])
    columns["error"] = inputs.errors(invalid)
    return columns


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
    metas = (model.jurisdictions_meta, model.vendors_meta, model.incidents_meta, model.governance_meta)
    stamp = {
        "vendorrisk.fingerprint": pack.fingerprint,
        "vendorrisk.pack": f"{model.pack.name} {model.pack.version}",
        **{f"vendorrisk.{meta.table}": f"{meta.edition} ({meta.source})" for meta in metas},
    }
    return {key.encode(): value.encode() for key, value in stamp.items()}


