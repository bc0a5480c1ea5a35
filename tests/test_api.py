"""The public API: score(), score_table(), load_rules(); input forms, output shape, invalid rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyarrow as pa
import pytest

import vendorrisk
from vendorrisk.batch import score_stream

AS_OF = dt.date(2024, 6, 1)
# The output columns the API promises, in this order (more may be interleaved, e.g. provenance).
OUTPUT_COLUMNS = [
    "score", "band", "score_low", "score_high", "gate", "sensitivity", "legal_reach", "access",
    "incidents", "governance", "reasons", "vector", "as_of", "fingerprint", "error",
]
SCORED = ["score", "band", "score_low", "score_high", "gate", "sensitivity", "legal_reach", "access",
          "incidents", "governance", "reasons", "vector"]
GOOD: dict[str, Any] = {
    "contract_id": "G-1",
    "buyer_country": "PG",
    "vendor_name": "Huawei",
    "service_type": "data_center",
    "data_categories": "identity;tax",
    "records": 2_000_000,
    "hosting": "in_country",
    "operator": "vendor",
    "vendor_remote_access": True,
    "customer_held_keys": False,
    "audit_rights": False,
    "financing_country": "CN",
    "value_usd": 53_000_000,
    "signed": "2010-06-01",
}
OTHER: dict[str, Any] = {
    "contract_id": "G-2",
    "buyer_country": "DE",
    "vendor_name": None,
    "vendor_country": "US",
    "service_type": "cloud_hosting",
    "data_categories": "health",
    "records": 10_000,
    "hosting": "foreign",
    "operator": "vendor",
    "vendor_remote_access": False,
    "customer_held_keys": True,
    "audit_rights": True,
    "vendor_parent_country": "none",
    "financing_country": "none",
    "signed": "2023-01-15",
}


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


def _scored(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in SCORED}


def _assert_output_columns(names: list[str], inputs: list[str]) -> None:
    """``names`` is the input columns, then the output columns: starting with score, ending with
    error, holding every promised column in the promised order."""
    assert names[: len(inputs)] == inputs
    added = names[len(inputs):]
    assert added[0] == "score" and added[-1] == "error", added
    assert [name for name in added if name in OUTPUT_COLUMNS] == OUTPUT_COLUMNS, added


# --- invalid rows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("buyer_country", "XX", "'XX'"),
        ("buyer_country", "Papua New Guinea", "'Papua New Guinea'"),
        ("vendor_country", "UK", "'UK'"),
        ("financing_country", "China", "'China'"),
        ("service_type", "blockchain", "'blockchain'"),
        ("hosting", "offshore", "'offshore'"),
        ("operator", "nobody", "'nobody'"),
        ("data_categories", "health;dna", "'dna'"),
        ("customer_held_keys", "maybe", "'maybe'"),
        ("records", -5, ">= 0"),
        ("records", "12 thousand", "'12 thousand'"),
        ("records", "1.5", "whole number"),
        ("value_usd", "-1", ">= 0"),
        ("signed", "2021-02-30", "'2021-02-30'"),
        ("signed", "30/01/2021", "'30/01/2021'"),
        ("contract_id", None, "missing"),
        ("contract_id", "", "missing"),
    ],
)
def test_invalid_row_is_kept_with_an_error_naming_the_column(column: str, value: Any, shown: str) -> None:
    """The bad row stays in place with empty scores and an error 'column: problem' showing the
    bad value; the rows around it score exactly as they do alone."""
    bad = {**GOOD, "contract_id": "B-1", column: value}
    out = _rows(vendorrisk.score_table([GOOD, bad, OTHER], as_of=AS_OF))
    assert [row["contract_id"] for row in out] == ["G-1", bad["contract_id"], "G-2"]  # passed through as given
    error = out[1]["error"]
    assert error.startswith(f"{column}: "), error
    assert shown in error, error
    assert all(out[1][name] is None for name in SCORED), out[1]
    assert out[1]["fingerprint"] == vendorrisk.load_rules().fingerprint
    for row, alone in ((out[0], GOOD), (out[2], OTHER)):
        assert row["error"] == ""
        assert _scored(row) == _scored(_rows(vendorrisk.score_table([alone], as_of=AS_OF))[0])

    result = vendorrisk.score(bad, as_of=AS_OF)
    assert result.error == error
    assert (result.score, result.band, result.score_low, result.score_high, result.gate) == (None,) * 5
    assert result.factors == {} and result.reasons == ()
    assert result.explain().endswith(f"not scored: {error}")
    # Once more: one contract's cells are converted once per distinct text, their problems too.
    assert vendorrisk.score(bad, as_of=AS_OF).error == error


def test_every_problem_of_a_row_is_reported() -> None:
    bad = {**GOOD, "buyer_country": "XX", "records": "lots", "signed": "2021-02-30"}
    error = vendorrisk.score(bad).error
    assert [part.split(":")[0] for part in error.split("; ")] == ["buyer_country", "records", "signed"], error


def test_table_without_a_contract_id_column_is_refused() -> None:
    with pytest.raises(vendorrisk.InputError, match="contract_id"):
        vendorrisk.score_table([{"buyer_country": "PG"}])
    with pytest.raises(ValueError, match="buyer_country"):  # InputError refines ValueError
        vendorrisk.score_table(pa.table({"contract_id": ["a"]}))


# --- input forms ---------------------------------------------------------------------------------


def test_rows_with_different_keys_keep_every_column() -> None:
    """Unknown may be written as an absent key: a key missing from the first row but present in
    a later one must still be read for that later row (no input is lost)."""
    first = {"contract_id": "a", "buyer_country": "PG", "vendor_country": "CN"}
    second = {**first, "contract_id": "b", "hosting": "customer_premises", "operator": "customer",
              "customer_held_keys": True, "vendor_remote_access": False, "audit_rights": True,
              "data_categories": "public", "records": 5}
    table = vendorrisk.score_table([first, second], as_of=AS_OF)
    assert "hosting" in table.column_names
    out = _rows(table)
    assert out[1]["score"] == vendorrisk.score(second, as_of=AS_OF).score
    assert out[1]["score"] < out[0]["score"]


def test_contract_model_scores_like_the_mapping() -> None:
    contract = vendorrisk.Contract(
        contract_id="G-1", buyer_country="PG", vendor_name="Huawei",
        service_type=vendorrisk.ServiceType.DATA_CENTER,
        data_categories=frozenset({vendorrisk.DataCategory.IDENTITY, vendorrisk.DataCategory.TAX}),
        records=2_000_000, hosting=vendorrisk.Hosting.IN_COUNTRY, operator=vendorrisk.Operator.VENDOR,
        vendor_remote_access=True, customer_held_keys=False, audit_rights=False,
        financing_country="CN", value_usd=53_000_000.0, signed=dt.date(2010, 6, 1),
    )
    assert vendorrisk.score(contract) == vendorrisk.score(GOOD)
    assert _scored(_rows(vendorrisk.score_table([contract]))[0]) == _scored(_rows(vendorrisk.score_table([GOOD]))[0])


def test_arrow_table_input_scores_like_the_list() -> None:
    rows = [GOOD, OTHER]
    columns = sorted({key for row in rows for key in row})
    table = pa.table({name: pa.array([None if row.get(name) is None else str(row[name]) for row in rows], pa.string()) for name in columns})
    from_arrow = _rows(vendorrisk.score_table(table, as_of=AS_OF))
    from_list = _rows(vendorrisk.score_table(rows, as_of=AS_OF))
    assert [_scored(row) for row in from_arrow] == [_scored(row) for row in from_list]


def test_typed_arrow_columns_are_read() -> None:
    """Native Arrow types (int, bool, date) mean the same as their text."""
    typed = pa.table({
        "contract_id": ["a"], "buyer_country": ["PG"], "vendor_country": ["CN"], "records": pa.array([5_000], pa.int64()),
        "customer_held_keys": pa.array([True]), "signed": pa.array([dt.date(2020, 1, 1)], pa.date32()),
    })
    text = {"contract_id": "a", "buyer_country": "PG", "vendor_country": "CN", "records": "5000",
            "customer_held_keys": "true", "signed": "2020-01-01"}
    assert _scored(_rows(vendorrisk.score_table(typed))[0]) == _scored(_rows(vendorrisk.score_table([text]))[0])


def test_pandas_dataframe_input() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([GOOD, OTHER])
    assert [_scored(r) for r in _rows(vendorrisk.score_table(frame))] == [_scored(r) for r in _rows(vendorrisk.score_table([GOOD, OTHER]))]


@pytest.mark.parametrize(("yes", "no"), [("true", "false"), ("YES", "No"), ("1", "0"), ("True", "FALSE"), (True, False)])
def test_booleans_accept_the_documented_spellings(yes: Any, no: Any) -> None:
    want = vendorrisk.score({**OTHER, "vendor_remote_access": True, "customer_held_keys": False})
    got = vendorrisk.score({**OTHER, "vendor_remote_access": yes, "customer_held_keys": no})
    assert got.error == "" and (got.score, got.reasons) == (want.score, want.reasons)


def test_unknown_is_not_false() -> None:
    """An empty boolean is unknown (widens the interval), not false."""
    named = {**OTHER, "vendor_name": "Microsoft"}  # a registry vendor: its ledger, owners and restrictions are known
    unknown, false = vendorrisk.score({**named, "audit_rights": ""}), vendorrisk.score({**named, "audit_rights": False})
    assert unknown.score_high > unknown.score_low
    assert false.score_high == false.score_low


# --- output shape ----------------------------------------------------------------------------


def test_output_is_input_columns_then_output_columns() -> None:
    rows = [{**GOOD, "note": 1}, {**GOOD, "contract_id": "G-3", "note": 2}]
    with pytest.warns(vendorrisk.UnknownColumnWarning, match="passed through unscored: 'note'$"):
        table = vendorrisk.score_table(rows)
    _assert_output_columns(table.column_names, [*GOOD, "note"])
    assert table.column("note").to_pylist() == [1, 2]
    assert table.num_rows == 2
    assert table.schema.metadata[b"vendorrisk.fingerprint"] == vendorrisk.load_rules().fingerprint.encode()


def test_input_column_named_like_an_output_is_replaced() -> None:
    table = vendorrisk.score_table([{**GOOD, "score": "not mine"}])
    assert table.column_names.count("score") == 1
    assert table.column("score")[0].as_py() == vendorrisk.score(GOOD).score


def test_empty_input_gives_an_empty_table_with_every_column() -> None:
    table = vendorrisk.score_table([])
    assert table.num_rows == 0
    _assert_output_columns(table.column_names, list(vendorrisk.Contract.model_fields))


def test_result_attributes_match_the_table_row() -> None:
    result = vendorrisk.score(GOOD, as_of=AS_OF)
    row = _rows(vendorrisk.score_table([GOOD], as_of=AS_OF))[0]
    assert _scored(row) == {**{name: getattr(result, name) for name in SCORED}, "reasons": ";".join(result.reasons)}
    assert result.factors == {name: getattr(result, name) for name in ("sensitivity", "legal_reach", "access", "incidents", "governance")}
    assert result.as_of == row["as_of"] == AS_OF
    assert result.fingerprint == row["fingerprint"] == vendorrisk.load_rules().fingerprint
    assert result.contract_id == "G-1" and result.error == ""
    text = result.explain()
    assert text.startswith(f"Contract G-1: exposure {result.score:.1f} ({result.band})")
    assert all(rule in text for rule in result.reasons)


def test_as_of_accepts_a_date_or_iso_text_and_refuses_other_text() -> None:
    assert vendorrisk.score(GOOD, as_of="2024-06-01") == vendorrisk.score(GOOD, as_of=AS_OF)
    with pytest.raises(vendorrisk.InputError, match="01/06/2024"):
        vendorrisk.score(GOOD, as_of="01/06/2024")


def test_default_pack_is_loaded_by_none_or_name() -> None:
    assert vendorrisk.load_rules().fingerprint == vendorrisk.load_rules("default").fingerprint
    assert vendorrisk.load_rules().fingerprint.startswith("sha256:")
    with pytest.raises(vendorrisk.PackError):
        vendorrisk.load_rules("/nonexistent/pack")


# --- duplicates and unreadable records ---------------------------------------------------------


def test_repeated_contract_id_is_scored_and_warned_not_an_error() -> None:
    rows = [GOOD, {**GOOD, "records": 10}, {**GOOD, "contract_id": "G-9"}]
    table = vendorrisk.score_table(rows)
    assert table.column("warning").to_pylist() == ["", "contract_id: duplicate of an earlier row", ""]
    assert table.column("error").to_pylist() == ["", "", ""]
    assert None not in table.column("score").to_pylist()


def test_duplicates_are_flagged_across_the_batches_of_a_stream() -> None:
    import pyarrow as pa

    from vendorrisk.batch import score_stream

    first = pa.Table.from_pylist([{"contract_id": "a", "buyer_country": "PG"}, {"contract_id": "b", "buyer_country": "PG"}])
    second = pa.Table.from_pylist([{"contract_id": "b", "buyer_country": "PG"}, {"contract_id": "c", "buyer_country": "PG"}])
    written: list[pa.Table] = []
    summary = score_stream([*first.to_batches(), *second.to_batches()], written.append)
    warnings = [w for table in written for w in table.column("warning").to_pylist()]
    assert warnings == ["", "", "contract_id: duplicate of an earlier row", ""]
    assert summary.duplicates == 1 and summary.invalid == 0 and summary.rows == 4


def test_a_stream_whose_pack_fails_leaves_no_reader_running() -> None:
    """The pack loads while the first batches are read; when it fails, the reader has stopped
    before the error reaches the caller (a reader still inside pyarrow as the interpreter
    exits can abort the process)."""
    import threading
    from pathlib import Path

    from vendorrisk.batch import score_stream
    from vendorrisk.errors import PackError

    def endless() -> Any:
        while True:
            yield pa.RecordBatch.from_pylist([{"contract_id": "a", "buyer_country": "PG"}])

    bad = Path(__file__).parent / "data" / "packs" / "invalid" / "function_call.toml"
    with pytest.raises(PackError):
        score_stream(endless(), lambda table: None, rules=bad)
    assert not [t for t in threading.enumerate() if t.name.startswith("vendorrisk-")]


def test_a_reader_parse_error_becomes_the_row_error_and_the_column_is_dropped() -> None:
    from vendorrisk.engine import scored_table
    from vendorrisk.schema import PARSE_ERROR_COLUMN

    rows = [{**GOOD, PARSE_ERROR_COLUMN: None}, {"contract_id": None, "buyer_country": None, PARSE_ERROR_COLUMN: "line 3: 5 fields, expected 18"}]
    table, _ = scored_table(pa.Table.from_pylist([{key: vendorrisk.schema.to_cell(value) for key, value in row.items()} for row in rows]),
                            vendorrisk.load_rules(), None)
    assert PARSE_ERROR_COLUMN not in table.column_names
    errors = table.column("error").to_pylist()
    assert errors[0] == ""
    assert errors[1].startswith("record: line 3: 5 fields, expected 18")
    assert table.column("score").to_pylist()[1] is None


@pytest.mark.parametrize("bad", ["1,000", "12abc", "inf", "-5", "2.5", "nanx"])
def test_bad_numbers_are_reported_in_small_and_large_batches_alike(bad: str) -> None:
    """Arrow's fast cast and the careful per-cell path must agree on what a bad number is."""
    for size in (3, 300):  # below and above the small-batch threshold
        rows = [{**GOOD, "contract_id": f"N-{i}", "records": str(1000 + i)} for i in range(size)]
        rows[1]["records"] = bad
        errors = vendorrisk.score_table(rows).column("error").to_pylist()
        assert errors[1].startswith("records: "), (size, bad, errors[1])
        assert errors[0] == errors[2] == "", size


def test_one_contract_without_required_keys_is_an_invalid_result_not_an_exception() -> None:
    result = vendorrisk.score({"contract_id": "x"})
    assert result.error == "buyer_country: missing (required)" and result.score is None
    assert vendorrisk.score({}).error == "contract_id: missing (required); buyer_country: missing (required)"
    assert "not scored" in vendorrisk.score({"buyer_country": "PG"}).explain()


def test_explain_lists_the_fired_rules_in_the_order_of_reasons() -> None:
    result = vendorrisk.score({**GOOD, "data_categories": "biometric;identity", "records": 20_000_000})
    text = result.explain()
    positions = [text.index(f"- {rule_id} [") for rule_id in result.reasons]
    assert len(result.reasons) >= 2 and positions == sorted(positions)


def test_every_dictionary_of_a_small_table_holds_each_text_once() -> None:
    """Small batches keep a text per row inside the engine; the Arrow output must not (pandas
    refuses a dictionary with repeats, so ``score_table(rows).to_pandas()`` would fail)."""
    table = vendorrisk.score_table([GOOD, {**GOOD, "contract_id": "G-3"}, OTHER, {**GOOD, "buyer_country": "XX"}])
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            for chunk in column.chunks:
                texts = chunk.dictionary.to_pylist()
                assert len(set(texts)) == len(texts), name
    frame = table.to_pandas()
    assert frame["reasons"].astype(object).fillna("").tolist() == [row["reasons"] or "" for row in table.to_pylist()]


def test_nan_nat_and_pandas_na_are_unknown_like_an_empty_cell() -> None:
    """A row taken from a DataFrame holds NaN, NaT or pandas.NA where the table has no value:
    scored alone it must mean what the DataFrame means (unknown), not be an invalid row."""
    import numpy as np
    import pandas as pd

    missing = {
        "records": float("nan"), "value_usd": np.float32("nan"), "signed": pd.NaT,
        "customer_held_keys": pd.NA, "vendor_remote_access": None, "audit_rights": np.nan,
        "hosting": np.datetime64("NaT"),
    }
    absent = {key: value for key, value in GOOD.items() if key not in missing}
    want = vendorrisk.score(absent, as_of=AS_OF)
    got = vendorrisk.score({**absent, **missing}, as_of=AS_OF)
    assert got.error == "" and (got.score, got.score_low, got.score_high, got.reasons) == (want.score, want.score_low, want.score_high, want.reasons)
    frame = pd.DataFrame([{**GOOD, "records": None, "signed": None}, {**GOOD, "contract_id": "G-9"}])
    frame["signed"] = pd.to_datetime(frame["signed"])
    rows = frame.to_dict("records")
    table = vendorrisk.score_table(frame, as_of=AS_OF)
    for index, row in enumerate(rows):
        alone = vendorrisk.score(row, as_of=AS_OF)
        assert alone.error == "" and alone.score == table.column("score")[index].as_py()


def test_typed_arrow_columns_read_as_the_parquet_reader_reads_them() -> None:
    """A table given from Python takes the same column types as a Parquet file: a list of
    categories, integers beyond float precision; a column that cannot be text is an InputError."""
    listed = pa.table({
        "contract_id": ["a", "b"], "buyer_country": ["PG", "PG"],
        "data_categories": pa.array([["health", "tax"], None], pa.list_(pa.string())),
        "records": pa.array([2**63, 5], pa.uint64()),
    })
    text = pa.table({
        "contract_id": ["a", "b"], "buyer_country": ["PG", "PG"], "data_categories": ["health;tax", None],
        "records": pa.array([float(2**63), 5.0]),
    })
    assert [_scored(r) for r in _rows(vendorrisk.score_table(listed))] == [_scored(r) for r in _rows(vendorrisk.score_table(text))]
    binary = pa.table({"contract_id": ["a"], "buyer_country": ["PG"], "vendor_name": pa.array([b"\xff"], pa.binary())})
    with pytest.raises(vendorrisk.InputError, match=r"^the table: Invalid UTF8 payload"):
        vendorrisk.score_table(binary)


def test_the_package_is_marked_as_typed() -> None:
    """PEP 561: without ``py.typed`` a type checker ignores the annotations of an installed vendorrisk."""
    from importlib import resources

    assert resources.files("vendorrisk").joinpath("py.typed").is_file()


# --- argument checks (issue 14 item 11) --------------------------------------------------------


@pytest.mark.parametrize("as_of", [2021, 2021.5, ["2021-01-01"], b"2021-01-01"])
def test_an_as_of_of_the_wrong_type_is_an_input_error(as_of: object) -> None:
    """An integer year used to raise a raw TypeError from date.fromisoformat (and reach the stream as day 2021 of 1970)."""
    from vendorrisk.engine import AS_OF_FORMAT

    pattern = rf"^as_of must be {re.escape(AS_OF_FORMAT)}, not {type(as_of).__name__} "
    with pytest.raises(vendorrisk.InputError, match=pattern):
        vendorrisk.score(GOOD, as_of=as_of)  # type: ignore[arg-type]
    with pytest.raises(vendorrisk.InputError, match=pattern):
        vendorrisk.score_table([GOOD], as_of=as_of)  # type: ignore[arg-type]
    with pytest.raises(vendorrisk.InputError, match=pattern):
        score_stream([], lambda table: None, None, as_of)  # type: ignore[arg-type]


@pytest.mark.parametrize("as_of", ["20240601", "2024-W22-6", "2024-06-31", " 2024-06-01"])
def test_an_as_of_text_is_exactly_yyyy_mm_dd(as_of: str) -> None:
    with pytest.raises(vendorrisk.InputError, match=rf"^as_of {re.escape(repr(as_of))} is not a date \(use YYYY-MM-DD\)$"):
        vendorrisk.score(GOOD, as_of=as_of)


def test_an_as_of_datetime_counts_as_its_date() -> None:
    import pandas as pd

    want = vendorrisk.score(GOOD, as_of=AS_OF)
    for given in (dt.datetime(2024, 6, 1, 23, 59), pd.Timestamp("2024-06-01 12:00"), "2024-06-01"):
        got = vendorrisk.score(GOOD, as_of=given)
        assert (got.score, got.as_of) == (want.score, AS_OF)


@pytest.mark.parametrize("rules", [5, ["default"], b"default"])
def test_rules_of_the_wrong_type_are_a_pack_error(rules: object) -> None:
    from vendorrisk.rules.loader import PACK_ARGUMENT

    with pytest.raises(vendorrisk.PackError, match=rf"^{re.escape(PACK_ARGUMENT)}; got {type(rules).__name__} "):
        vendorrisk.score(GOOD, rules=rules)  # type: ignore[arg-type]
    with pytest.raises(vendorrisk.PackError, match=rf"^{re.escape(PACK_ARGUMENT)}; got {type(rules).__name__} "):
        vendorrisk.score_table([GOOD], rules=rules)  # type: ignore[arg-type]


@pytest.mark.parametrize("output", [5, None, ["arrow"], "Arrow"])
def test_an_unknown_output_is_an_input_error(output: object) -> None:
    with pytest.raises(vendorrisk.InputError, match=rf"^output {re.escape(repr(output))} is not one of arrow, pandas, polars$"):
        vendorrisk.score_table([GOOD], output=output)  # type: ignore[call-overload]


def test_duplicate_column_names_are_an_input_error() -> None:
    """pandas raised pyarrow's ValueError; an Arrow table with a repeated canonical column a KeyError."""
    import pandas as pd

    frame = pd.DataFrame([["G-1", "PG", 10, 20]], columns=["contract_id", "buyer_country", "records", "records"])
    with pytest.raises(vendorrisk.InputError, match=r"^the table has more than one column named 'records': give each column once$"):
        vendorrisk.score_table(frame)
    table = pa.table([pa.array(["G-1"]), pa.array(["PG"]), pa.array(["DE"])], names=["contract_id", "buyer_country", "buyer_country"])
    with pytest.raises(vendorrisk.InputError, match=r"^the table has more than one column named 'buyer_country': give each column once$"):
        vendorrisk.score_table(table)


def test_a_column_name_that_is_not_text_is_an_input_error() -> None:
    """score_table raised pyarrow's TypeError; score ignored the key."""
    with pytest.raises(vendorrisk.InputError, match=r"^a column name must be text, not int 5$"):
        vendorrisk.score_table([{**GOOD, 5: "x"}])
    with pytest.raises(vendorrisk.InputError, match=r"^a column name must be text, not int 5$"):
        vendorrisk.score({**GOOD, 5: "x"})


@pytest.mark.parametrize("text", ["NaN", "nan", " -NaN ", "NAN"])
@pytest.mark.parametrize("size", [3, 300])  # below and above the small-batch threshold
def test_nan_text_in_a_number_cell_is_unknown_like_a_nan_float(text: str, size: int) -> None:
    """``records=float("nan")`` was unknown while the CSV text NaN was an invalid row: both are unknown now."""
    rows = [{**GOOD, "contract_id": f"N-{i}", "records": str(1000 + i)} for i in range(size)]
    as_text = vendorrisk.score_table([{**rows[1], "records": text}, *rows[2:]], as_of=AS_OF)
    as_float = vendorrisk.score_table([{**rows[1], "records": float("nan")}, *rows[2:]], as_of=AS_OF)
    absent = vendorrisk.score_table([{k: v for k, v in rows[1].items() if k != "records"}, *rows[2:]], as_of=AS_OF)
    for name in ("error", "score", "score_low", "score_high", "reasons"):
        assert as_text.column(name).to_pylist() == as_float.column(name).to_pylist() == absent.column(name).to_pylist(), name
    assert as_text.column("error")[0].as_py() == ""
    one = vendorrisk.score({**GOOD, "value_usd": text, "records": text}, as_of=AS_OF)
    assert one.error == "" and one.score == vendorrisk.score({**GOOD, "value_usd": float("nan"), "records": None}, as_of=AS_OF).score


# --- library messages are neutral (issue 14 item 12) -------------------------------------------


@pytest.mark.parametrize(("columns", "message"), [
    (["Contract ID", "buyer_country"], "the input has no 'contract_id' column (required); the column 'Contract ID' looks like it: rename it"),
    (["contract_id;buyer_country"], "the input has no 'contract_id', 'buyer_country' columns (required); "
                                    "the only column is 'contract_id;buyer_country': are the fields separated by ';'?"),
    (["contract_id"], "the input has no 'buyer_country' column (required)"),
])
def test_a_missing_required_column_is_reported_without_command_line_options(columns: list[str], message: str) -> None:
    """A Python caller has no --map or --delimiter: the message says what is wrong, and the error
    carries the columns so that the command line can add its own options."""
    from vendorrisk.errors import MissingColumnsError

    table = pa.table({name: ["x"] for name in columns})
    with pytest.raises(MissingColumnsError, match=f"^{re.escape(message)}$") as info:
        vendorrisk.score_table(table)
    assert isinstance(info.value, vendorrisk.InputError)
    assert info.value.columns == tuple(columns)
    assert "--" not in str(info.value)
