"""What the Python API accepts as input (issue 14): unknown columns warn (or fail under
``strict=True``), a mapping of equal-length columns is a table, the readers' internal column
name cannot be given, and a DataFrame whose country column pandas emptied says why."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import vendorrisk
from vendorrisk.schema import PARSE_ERROR_COLUMN

ROW: dict[str, Any] = {"contract_id": "K-1", "buyer_country": "PG", "vendor_name": "Huawei", "data_categories": "identity;tax"}


def test_misspelt_keys_warn_with_a_did_you_mean() -> None:
    row = {**ROW, "vendor_nmae": "Huawei", "data_categries": "health", "Records ": 5}
    del row["vendor_name"]
    with pytest.warns(vendorrisk.UnknownColumnWarning) as caught:
        vendorrisk.score(row)
    (warning,) = caught
    assert str(warning.message) == (
        "3 columns are not canonical and are passed through unscored: 'vendor_nmae' (did you mean 'vendor_name'?), "
        "'data_categries' (did you mean 'data_categories'?), 'Records ' (did you mean 'records'?)"
    )
    assert warning.message.columns == ["vendor_nmae", "data_categries", "Records "]  # type: ignore[union-attr]
    assert warning.filename == __file__  # points at the caller's line


def test_unknown_columns_warn_in_tables_and_can_be_filtered() -> None:
    with pytest.warns(vendorrisk.UnknownColumnWarning, match="'Buyer Country' \\(did you mean 'buyer_country'\\?\\)"):
        vendorrisk.score_table([{**ROW, "Buyer Country": "PG"}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", vendorrisk.UnknownColumnWarning)
        out = vendorrisk.score_table([{**ROW, "note": "x"}])
    assert out.column("note").to_pylist() == ["x"]
    assert issubclass(vendorrisk.UnknownColumnWarning, vendorrisk.InputWarning)
    assert issubclass(vendorrisk.InputWarning, UserWarning)


def test_canonical_and_output_columns_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vendorrisk.score_table([{**ROW, "score": 5, "error": "not mine"}])
        vendorrisk.score(ROW)


def test_strict_refuses_unknown_columns() -> None:
    with pytest.raises(vendorrisk.InputError, match=r"'vendor_nmae' \(did you mean 'vendor_name'\?\) \(strict=True\)"):
        vendorrisk.score({**ROW, "vendor_nmae": "x"}, strict=True)
    with pytest.raises(vendorrisk.InputError, match="passed through unscored: 'note'"):
        vendorrisk.score_table([{**ROW, "note": "x"}], strict=True)
    assert vendorrisk.score(ROW, strict=True).error == ""


def test_the_internal_parse_error_column_cannot_invalidate_a_row() -> None:
    row = {**ROW, PARSE_ERROR_COLUMN: "a note of mine"}
    with pytest.raises(vendorrisk.InputError, match=f"the column name '{PARSE_ERROR_COLUMN}' is reserved for vendorrisk"):
        vendorrisk.score(row)
    with pytest.raises(vendorrisk.InputError, match="is reserved for vendorrisk"):
        vendorrisk.score_table([row])
    with pytest.raises(vendorrisk.InputError, match="is reserved for vendorrisk"):
        vendorrisk.score_table(pa.table({**{key: [value] for key, value in row.items()}}))


def _ids(table: pa.Table) -> list[str]:
    return [str(value) for value in table.column("contract_id").to_pylist()]


@pytest.mark.parametrize("kind", [list, tuple, np.array, pa.array])
def test_a_mapping_of_equal_length_columns_is_a_table(kind: Any) -> None:
    columns = {
        "contract_id": kind(["A", "B", "C"]),
        "buyer_country": kind(["PG", "DE", "NA"]),
        "data_categories": kind(["health", "tax;identity", "none"]),
        "records": kind([10, 2_000, 0]),
    }
    out = vendorrisk.score_table(columns)
    assert out.num_rows == 3 and _ids(out) == ["A", "B", "C"]
    assert out.column("error").to_pylist() == ["", "", ""]
    by_rows = vendorrisk.score_table([{name: columns_list[i] for name, columns_list in _plain(columns).items()} for i in range(3)])
    assert out.column("score").to_pylist() == by_rows.column("score").to_pylist()


def _plain(columns: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: (values.to_pylist() if isinstance(values, pa.Array) else list(values)) for name, values in columns.items()}


def test_numpy_columns_keep_nan_as_unknown() -> None:
    out = vendorrisk.score_table(
        {"contract_id": np.array(["A", "B"]), "buyer_country": ["PG", "PG"], "records": np.array([1e6, np.nan]),
         "customer_held_keys": [True, None]}
    )
    assert out.column("error").to_pylist() == ["", ""]
    low, high = out.column("score_low").to_pylist(), out.column("score_high").to_pylist()
    assert high[1] - low[1] > high[0] - low[0]  # the unknowns widen the second row's interval


def test_columns_of_unequal_length_are_an_input_error() -> None:
    with pytest.raises(vendorrisk.InputError, match="a mapping of columns needs columns of one length, not contract_id 2, buyer_country 1"):
        vendorrisk.score_table({"contract_id": ["A", "B"], "buyer_country": ["PG"]})


def test_a_mapping_with_a_scalar_is_still_one_contract() -> None:
    out = vendorrisk.score_table({"contract_id": "A", "buyer_country": "PG", "data_categories": ["health", "tax"]})
    assert out.num_rows == 1 and _ids(out) == ["A"] and out.column("error")[0].as_py() == ""


def test_a_dataframe_whose_country_column_pandas_emptied_warns_with_the_namibia_hint(tmp_path: Any) -> None:
    pd = pytest.importorskip("pandas")
    from vendorrisk.api import NAMIBIA_HINT

    path = tmp_path / "namibia.csv"
    path.write_text("contract_id,buyer_country,vendor_country\nN-1,NA,NA\nN-2,NA,NA\n", encoding="utf-8")
    frame = pd.read_csv(path)  # pandas' defaults: NA is a null
    with pytest.warns(vendorrisk.InputWarning) as caught:
        out = vendorrisk.score_table(frame)
    assert [str(w.message) for w in caught] == [f"column 'buyer_country', 'vendor_country' is null in every row; {NAMIBIA_HINT}"]
    assert out.column("error").to_pylist() == ["buyer_country: missing (required)"] * 2
    kept = pd.read_csv(path, keep_default_na=False)  # what the hint says: Namibia stays Namibia, and no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert vendorrisk.score_table(kept).column("error").to_pylist() == ["", ""]


def test_a_country_column_left_empty_on_purpose_does_not_warn() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"contract_id": ["A"], "buyer_country": ["PG"], "financing_country": [None]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert vendorrisk.score_table(frame).column("error").to_pylist() == [""]
