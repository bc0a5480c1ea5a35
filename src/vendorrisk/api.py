"""The Python API: score one contract or a table of them with one engine."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from vendorrisk._arrays import Coded, hash_strings, made, zero_codes
from vendorrisk.errors import InputError
from vendorrisk.explain import Result, describe_row, reasons, vectors
from vendorrisk.features import Features, derive
from vendorrisk.frames import Output, checked, frame_to_arrow, library_of, to_output
from vendorrisk.io import readable
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import (
    BANDS,
    CANONICAL_COLUMNS,
    DUPLICATE_WARNING,
    FACTORS,
    GATES,
    OUTPUT_COLUMNS,
    PARSE_ERROR_COLUMN,
    Contract,
    missing_required,
    to_cell,
)
from vendorrisk.scoring import Scored, score_batch
from vendorrisk.validate import Inputs, validate

Rules = RulePack | str | os.PathLike[str] | None
_CANONICAL = frozenset(CANONICAL_COLUMNS)
#: :func:`score_table` scores larger tables in slices of this many rows, a few at once: each
#: slice's temporaries stay in the CPU caches and memory, and the slices use every core.
SLICE: Final = 65_536


Source: TypeAlias = "pa.Table | dict[str, list[Any]]"


@dataclass(frozen=True)
class IdHashes:
    """A batch's contract ids as ``rows`` (per row, the index of its id among the batch's
    distinct ids; -1 for none) and ``hashes`` (a 64-bit hash of each distinct id), so that the
    ids of a stream's batches can be compared without keeping them."""

    rows: NDArray[np.intp]
    hashes: NDArray[np.int64]


@dataclass(frozen=True)
class _Run:
    table: Source
    inputs: Inputs
    features: Features
    scored: Scored
    columns: dict[str, Any]
    ids: IdHashes | None


def _pack(rules: Rules) -> RulePack:
    return rules if isinstance(rules, RulePack) else load_rules(rules)


def _run(table: Source, pack: RulePack, as_of: dt.date | None, hash_ids: bool = False) -> _Run:
    """The whole pipeline: validate -> features -> factors and rules -> output columns.

    With ``hash_ids`` the run also carries the batch's :class:`IdHashes`, so a stream can flag
    ids repeated from earlier batches (:func:`vendorrisk.batch.flag_repeats`).
    """
    # A table (a file) without a required column cannot be scored at all; one contract given
    # from Python without one is a contract with an error, like any other invalid row.
    problem = missing_required([n for n in table.column_names if n != PARSE_ERROR_COLUMN]) if isinstance(table, pa.Table) else None
    if problem:
        raise InputError(f"the input has {problem}")
    inputs = validate(table)
    features = derive(inputs, pack, as_of)
    scored = score_batch(inputs, features, pack)
    columns = _output_columns(inputs, features, scored, pack)
    columns["warning"], ids = _duplicates(table, inputs.n, hash_ids)
    return _Run(table, inputs, features, scored, columns, ids)


def _duplicates(table: Source, n: int, hash_ids: bool) -> tuple[Coded, IdHashes | None]:
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


def _output_columns(inputs: Inputs, features: Features, scored: Scored, pack: RulePack) -> dict[str, Any]:
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


def _to_arrow_columns(columns: Mapping[str, Any]) -> dict[str, pa.Array]:
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


def to_arrow(data: Any) -> pa.Table:
    """Turn an Arrow table, a pandas or polars DataFrame, or an iterable of mappings/Contracts into
    Arrow, with typed canonical columns the validator reads (:func:`vendorrisk.io.readable`)."""
    return readable(_arrow(data), "the table")


def _arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if library_of(data) is not None:
        return frame_to_arrow(data)
    if isinstance(data, (Mapping, Contract)):
        data = [data]
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        rows = [_row(item) for item in data]
        if not rows:
            return _empty()
        names = list(dict.fromkeys(key for row in rows for key in row))  # every key of every row, in order
        try:
            return pa.table({name: [row.get(name) for row in rows] for name in names})
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise InputError(f"cannot make a table of these rows: {exc}") from None
    raise InputError(f"cannot score a {type(data).__name__}: give a Contract, a mapping, a list of them, or a table")


def _empty() -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in CANONICAL_COLUMNS})


def _row(item: Any) -> dict[str, Any]:
    if isinstance(item, Contract):
        return dict(item.to_row())
    if not isinstance(item, Mapping):
        raise InputError(f"cannot score a {type(item).__name__}: give a Contract or a mapping")
    return {key: (to_cell(value) if key in _CANONICAL else value) for key, value in item.items()}


@overload
def score_table(table: Any, rules: Rules = None, as_of: dt.date | str | None = None, *, output: Literal["arrow"] = "arrow") -> pa.Table: ...
@overload
def score_table(table: Any, rules: Rules = None, as_of: dt.date | str | None = None, *, output: Literal["pandas", "polars"]) -> Any: ...
def score_table(table: Any, rules: Rules = None, as_of: dt.date | str | None = None, *, output: Output = "arrow") -> Any:
    """Score every contract of a table; return the input columns followed by the output columns.

    Parameters
    ----------
    table : pyarrow.Table, pandas.DataFrame, polars.DataFrame (or LazyFrame) or an iterable of
        mappings or :class:`~vendorrisk.schema.Contract` objects, in the canonical columns.
    rules : a loaded pack, a path to a pack folder or file, or None for the default pack.
    as_of : read reference data as of this date for every row (default: each row's ``signed``).
    output : ``"arrow"`` (a pyarrow.Table), ``"pandas"`` or ``"polars"`` (a DataFrame; see
        :func:`vendorrisk.frames.to_output`: a pandas result keeps the input DataFrame's index).

    Every input row appears in the output, in order; an invalid row has empty scores and an
    ``error`` naming the column and the problem. Input columns named like an output column
    are replaced. The pack fingerprint is in the ``fingerprint`` column and the schema metadata.
    A table of more than :data:`SLICE` rows is scored in slices of that many, on a few threads
    (:func:`vendorrisk.batch.score_stream`), with the same results.

    Examples
    --------
    >>> out = score_table([{"contract_id": "x", "buyer_country": "PG", "vendor_name": "Huawei"}])
    >>> out.column("band")[0].as_py() in ("low", "medium", "high", "critical")
    True
    """
    checked(output)  # before any work: a typo should not cost a million rows of scoring
    arrow, pack, date = to_arrow(table), _pack(rules), _date(as_of)
    if arrow.num_rows <= SLICE:
        scored = _scored(arrow, pack, date)[0]
    else:
        from vendorrisk.batch import score_stream  # the stream is built on this module's pipeline

        pieces: list[pa.Table] = []
        score_stream(_slices(arrow), pieces.append, pack, date)
        scored = pa.concat_tables(pieces)
    return to_output(scored, output, like=table)


def _slices(table: pa.Table) -> Iterator[pa.RecordBatch]:
    """``table`` as record batches of at most :data:`SLICE` rows (however it is chunked)."""
    for start in range(0, table.num_rows, SLICE):
        yield from table.slice(start, SLICE).combine_chunks().to_batches()


def _scored(arrow: pa.Table, pack: RulePack, as_of: dt.date | None, hash_ids: bool = False) -> tuple[pa.Table, IdHashes | None]:
    """The input columns then the output columns, with the provenance metadata (and the id hashes if asked)."""
    run = _run(arrow, pack, as_of, hash_ids)
    kept = arrow.drop_columns([name for name in (*OUTPUT_COLUMNS, PARSE_ERROR_COLUMN) if name in arrow.column_names])
    out = _to_arrow_columns(run.columns)
    result = pa.Table.from_arrays([*kept.columns, *out.values()], names=[*kept.column_names, *out])
    return result.replace_schema_metadata({**(arrow.schema.metadata or {}), **provenance(pack)}), run.ids


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


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"as_of {value!r} is not a date (use YYYY-MM-DD)") from None


def score(contract: Contract | Mapping[str, Any], rules: Rules = None, as_of: dt.date | str | None = None) -> Result:
    """Score one contract: a batch of one through the same engine as :func:`score_table`.

    Examples
    --------
    >>> result = score({"contract_id": "PG-1", "buyer_country": "PG", "vendor_name": "Huawei",
    ...                 "service_type": "data_center", "data_categories": "identity;tax"})
    >>> result.band in ("low", "medium", "high", "critical")
    True
    >>> print(result.explain())  # doctest: +ELLIPSIS
    Contract PG-1: exposure ...
    """
    pack = _pack(rules)
    if not isinstance(contract, (Mapping, Contract)):
        raise InputError(f"cannot score a {type(contract).__name__}: give a Contract or a mapping")
    # One row from Python skips Arrow: the columns go to the same validator as lists of cells.
    row = {"contract_id": None, **_row(contract)}  # at least one column: a batch of exactly one
    run = _run({name: [value] for name, value in row.items()}, pack, _date(as_of))
    return _result(run, 0, pack)


def _result(run: _Run, row: int, pack: RulePack) -> Result:
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
        _describe=(lambda: describe_row(row, run.inputs, run.scored, run.features, pack)) if valid else None,
    )


def _contract_id(run: _Run, row: int) -> str | None:
    table = run.table
    value = table.column("contract_id")[row].as_py() if isinstance(table, pa.Table) else table.get("contract_id", [None])[row]
    return None if value is None else str(value)
