"""DataFrames in and out (vendorrisk.frames) and large tables scored in slices (api.SLICE)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import vendorrisk
from vendorrisk import api

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "contracts.csv"
AS_OF = "2024-06-01"


def _arrow() -> pa.Table:
    text = pacsv.ConvertOptions(strings_can_be_null=False, column_types={})
    return pacsv.read_csv(EXAMPLE, convert_options=text)


def _scores(table: pa.Table) -> list[tuple[Any, ...]]:
    names = ["contract_id", "score", "band", "score_low", "score_high", "gate", "reasons", "vector", "warning", "error"]
    return list(zip(*(table.column(name).to_pylist() for name in names)))


def test_pandas_in_pandas_out_keeps_the_index_and_orders_bands() -> None:
    frame = pd.read_csv(EXAMPLE, parse_dates=["signed"])
    frame.index = pd.Index([f"row-{i}" for i in range(len(frame))], name="mine")
    out = vendorrisk.score_table(frame, as_of=AS_OF, output="pandas")
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(frame.index)
    assert list(out.columns[: len(frame.columns)]) == list(frame.columns)  # input columns first, as they were
    assert out["band"].cat.ordered and list(out["band"].cat.categories) == ["low", "medium", "high", "critical"]
    assert out["gate"].cat.ordered and list(out["gate"].cat.categories) == ["pass", "warn", "block"]
    high = out[out["band"] >= "high"]
    assert len(high) == int(out["score"].ge(50).sum()) > 0
    want = vendorrisk.score_table(_arrow(), as_of=AS_OF)
    assert out["score"].tolist() == want.column("score").to_pylist()
    assert out.loc["row-0", "contract_id"] == frame.loc["row-0", "contract_id"]


def test_pandas_result_carries_the_provenance_in_attrs() -> None:
    pack = vendorrisk.load_rules()
    out = vendorrisk.score_table(pd.read_csv(EXAMPLE), output="pandas")
    stamp = out.attrs["vendorrisk"]
    assert stamp["fingerprint"] == pack.fingerprint == out["fingerprint"].iloc[0]
    assert {"pack", "jurisdictions", "vendors", "incidents", "governance"} <= set(stamp)


def test_an_invalid_row_in_a_pandas_result_has_no_band() -> None:
    rows = [{"contract_id": "a", "buyer_country": "PG"}, {"contract_id": "b", "buyer_country": "Papua"}]
    out = vendorrisk.score_table(pd.DataFrame(rows), output="pandas")
    assert out["band"].isna().tolist() == [False, True]
    assert out["error"].iloc[1].startswith("buyer_country: ")


def test_polars_in_polars_out() -> None:
    frame = pl.read_csv(EXAMPLE, try_parse_dates=True)
    out = vendorrisk.score_table(frame, as_of=AS_OF, output="polars")
    assert isinstance(out, pl.DataFrame)
    assert out.height == frame.height and out.columns[: frame.width] == frame.columns
    want = vendorrisk.score_table(_arrow(), as_of=AS_OF)
    assert out["score"].to_list() == want.column("score").to_pylist()
    assert out["band"].to_list() == want.column("band").to_pylist()


def test_a_polars_lazy_frame_is_collected_and_scored() -> None:
    lazy = pl.scan_csv(EXAMPLE).filter(pl.col("buyer_country") != "DE")
    out = vendorrisk.score_table(lazy, as_of=AS_OF)
    eager = vendorrisk.score_table(lazy.collect(), as_of=AS_OF)
    assert out.num_rows == eager.num_rows > 0 and _scores(out) == _scores(eager)


def test_polars_categorical_and_enum_columns_mean_their_text() -> None:
    frame = pl.read_csv(EXAMPLE).with_columns(
        pl.col("service_type").cast(pl.Categorical),
        pl.col("hosting").cast(pl.Enum(["customer_premises", "in_country", "foreign"])),
    )
    assert _scores(vendorrisk.score_table(frame, as_of=AS_OF)) == _scores(vendorrisk.score_table(_arrow(), as_of=AS_OF))


def test_rows_given_as_mappings_can_come_out_as_a_dataframe() -> None:
    rows = [{"contract_id": "a", "buyer_country": "PG", "vendor_name": "Huawei"}]
    out = vendorrisk.score_table(rows, output="pandas")
    assert isinstance(out, pd.DataFrame) and list(out.index) == [0] and out["contract_id"].tolist() == ["a"]


def test_an_unknown_output_is_refused_with_the_choices() -> None:
    with pytest.raises(vendorrisk.InputError, match=r"output 'excel' is not one of arrow, pandas, polars"):
        vendorrisk.score_table([{"contract_id": "a", "buyer_country": "PG"}], output="excel")  # type: ignore[arg-type]


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_a_missing_library_says_which_extra_to_install(library: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, library, None)  # import of it now raises ImportError
    with pytest.raises(vendorrisk.DependencyError, match=rf"{library} is not installed: pip install 'vendorrisk\[{library}\]'") as caught:
        vendorrisk.score_table([{"contract_id": "a", "buyer_country": "PG"}], output=library)  # type: ignore[arg-type]
    assert isinstance(caught.value, ImportError) and caught.value.extra == library


@pytest.mark.parametrize("size", [1, 3, 16])
def test_a_table_scored_in_slices_equals_one_pass(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slicing changes nothing: scores, reasons, errors and the duplicate warnings, also for an id
    repeated across slices and for a table that arrives in many chunks."""
    table = _arrow()
    ids = table.column("contract_id").to_pylist()
    ids[20], ids[34], ids[3] = ids[1], ids[1], ""  # a repeat in a later slice, twice; a missing id
    table = table.set_column(0, "contract_id", pa.array(ids))
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=5))
    whole = vendorrisk.score_table(table, as_of=AS_OF)
    monkeypatch.setattr(api, "SLICE", size)
    for data in (table, chunked):
        sliced = vendorrisk.score_table(data, as_of=AS_OF)
        assert sliced.schema == whole.schema and sliced.schema.metadata == whole.schema.metadata
        assert sliced.to_pylist() == whole.to_pylist()
    warned = [row["contract_id"] for row in whole.to_pylist() if row["warning"]]
    assert warned == [ids[1], ids[1]]


def test_an_empty_table_scores_to_an_empty_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "SLICE", 1)
    empty = pa.table({"contract_id": pa.array([], pa.string()), "buyer_country": pa.array([], pa.string())})
    out = vendorrisk.score_table(empty)
    assert out.num_rows == 0 and "score" in out.column_names
