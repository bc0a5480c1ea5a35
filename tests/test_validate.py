"""Tests of the row checks of ``vendorrisk.validate`` that guard against silent score changes:
empty category lists, future dates, dates in forms the docs do not give (issue 14, items 2, 3, 5)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

import vendorrisk
from vendorrisk._arrays import SMALL
from vendorrisk.errors import InputError
from vendorrisk.schema import FIELD_BY_NAME, FIELDS
from vendorrisk.validate import DATE_FORMAT, FUTURE_TOLERANCE_DAYS, NO_CATEGORY, Inputs, check_as_of, parse_date, validate

TODAY = dt.date(2026, 12, 4)


def errors_of(table: pa.Table, today: dt.date = TODAY) -> list[str]:
    inputs = validate(table, today)
    coded = inputs.errors()
    return [coded[row] or "" for row in range(inputs.n)]


def table(**columns: list[str | None]) -> pa.Table:
    n = len(next(iter(columns.values())))
    return pa.table({"contract_id": [f"C{i}" for i in range(n)], "buyer_country": ["PG"] * n, **columns})


@pytest.mark.parametrize("cell", [";", ";;", " ; ", "; ;"])
def test_a_category_list_of_only_separators_is_an_error_not_none(cell: str) -> None:
    # many rows: the Arrow path; one row: the Python path
    for rows in (1, 40):
        inputs = validate(table(data_categories=[cell] * rows), TODAY)
        assert not inputs.known["data_categories"].any()
        assert all(error == f"data_categories: {cell!r} {NO_CATEGORY}" for error in errors_of(table(data_categories=[cell] * rows)))


def test_explicit_none_and_a_trailing_separator_still_read() -> None:
    inputs = validate(table(data_categories=["none", "health;", "", None]), TODAY)
    assert inputs.known["data_categories"].tolist() == [True, True, False, False]
    assert errors_of(table(data_categories=["none", "health;", "", None])) == [""] * 4


def test_separators_only_score_as_invalid_not_as_no_data() -> None:
    result = vendorrisk.score({"contract_id": "X", "buyer_country": "PG", "vendor_name": "Huawei", "data_categories": ";"})
    assert result.score is None and NO_CATEGORY in result.error


@pytest.mark.parametrize("text", ["20210101", "2024-W01-1", "2021-001", "2021-1-1", "2021-01-01T00:00", "2021/01/01"])
def test_dates_only_in_the_documented_form(text: str) -> None:
    assert parse_date(text) is None
    assert errors_of(table(signed=[text])) == [f"signed: {text!r} is not a date (use {DATE_FORMAT})"]


def test_documented_dates_still_read() -> None:
    assert parse_date(" 2021-01-01 ") == dt.date(2021, 1, 1)
    assert errors_of(table(signed=["2021-01-01", " 2020-02-29"])) == ["", ""]


@pytest.mark.parametrize(
    ("signed", "ok"),
    [
        (TODAY, True),
        (TODAY + dt.timedelta(days=FUTURE_TOLERANCE_DAYS), True),
        (TODAY + dt.timedelta(days=FUTURE_TOLERANCE_DAYS + 1), False),
        (dt.date(2099, 1, 1), False),
        (dt.date(9999, 12, 31), False),
    ],
)
def test_signed_after_the_run_date_beyond_the_tolerance_is_a_row_error(signed: dt.date, ok: bool) -> None:
    expected = "" if ok else (
        f"signed: {signed.isoformat()} is more than {FUTURE_TOLERANCE_DAYS} days after the run date {TODAY.isoformat()}"
    )
    assert errors_of(table(signed=[signed.isoformat()])) == [expected]
    assert errors_of(table(signed=[signed.isoformat()] * 40)) == [expected] * 40
    typed = pa.table({"contract_id": ["A"], "buyer_country": ["PG"], "signed": pa.array([signed], pa.date32())})
    assert errors_of(typed) == [expected]  # a typed column (Parquet, DataFrames) too


def test_future_signed_date_is_refused_through_the_api() -> None:
    result = vendorrisk.score({"contract_id": "F", "buyer_country": "PG", "signed": "2099-01-01"})
    assert result.score is None and result.error.startswith("signed: 2099-01-01 is more than")


def test_as_of_after_today_is_refused() -> None:
    check_as_of(TODAY, TODAY)
    with pytest.raises(InputError, match=r"as_of 2026-12-05 is after today \(2026-12-04\)"):
        check_as_of(TODAY + dt.timedelta(days=1), TODAY)
    with pytest.raises(InputError, match="is after today"):
        vendorrisk.score({"contract_id": "F", "buyer_country": "PG"}, as_of="2099-01-01")
    with pytest.raises(InputError, match="is after today"):
        vendorrisk.score_table([{"contract_id": "F", "buyer_country": "PG"}], as_of=dt.date(9999, 12, 31))
    with pytest.raises(InputError, match=f"is not a date \\(use {DATE_FORMAT}\\)"):
        vendorrisk.score({"contract_id": "F", "buyer_country": "PG"}, as_of="20210101")


@pytest.mark.parametrize("text", ["1609459200", "2021-01-01T00:00:00", "20210101", "2024-W01-1"])
def test_the_contract_model_takes_dates_only_in_the_documented_form(text: str) -> None:
    with pytest.raises(ValueError, match=f"{text!r} is not a date \\(use YYYY-MM-DD\\)"):
        vendorrisk.Contract(contract_id="a", buyer_country="PG", signed=text)
    assert vendorrisk.Contract(contract_id="a", buyer_country="PG", signed=" 2021-01-01").signed == dt.date(2021, 1, 1)
    assert vendorrisk.Contract(contract_id="a", buyer_country="PG", signed=dt.date(2021, 1, 1)).signed == dt.date(2021, 1, 1)


# --- the three ways a column is read agree cell for cell ---------------------------------------
#
# A batch of more than SMALL (64) rows goes through Arrow kernels, a smaller one through plain
# Python, one contract from Python through a per-cell cache, and typed Arrow columns (integers
# from Parquet, booleans, dates) through casts. The same cells must give the same codes, the same
# known mask and the same errors on every path; these tables hold, per column, blank and
# whitespace-only cells, padded and mis-cased values, invalid text and good values.

CELLS: dict[str, list[str | None]] = {
    "contract_id": ["C-1", "  ", "", None, " C-2 ", "7"],
    "buyer_country": ["PG", " ke ", "Kenya", "XX", "na", "DE"],
    "buyer_name": ["Ministry", "", "   ", None, "x", "\t"],
    "vendor_name": ["Huawei", "  ", "", None, " Huawei ", "Acme"],
    "vendor_country": ["CN", "", "  ", None, "cn", "Narnia"],
    "vendor_parent_country": ["none", "None ", "", "US", "ZZ", "  "],
    "service_type": ["cloud_hosting", "Cloud Hosting", " cloud-hosting ", "", "  ", "clod_hosting"],
    "data_categories": ["health;tax", "", "  ", ";", "none", "helth", " Health ; TAX ;"],
    "records": ["1000", "", "  ", "NaN", "-5", "2.5", "1e3", "abc", " 42 ", "inf"],
    "hosting": ["foreign", "", " ", "FOREIGN", "abroad", "in-country"],
    "operator": ["vendor", "", "  ", "Vendor", "vendr", "third party"],
    "vendor_remote_access": ["true", "", " ", "yes", "FALSE", "maybe", "0"],
    "customer_held_keys": ["false", "", "  ", "True", "n", "1", "nope"],
    "audit_rights": ["true", "", " ", "no", "Y", "2"],
    "financing_country": ["CN", "", "  ", "none", "cn ", "QQ"],
    "value_usd": ["1.5", "", "  ", "nan", "-1", "x", "1,000"],
    "signed": ["2024-01-02", "", "  ", "2024-1-2", "2024-02-30", "2099-01-01", " 2023-05-06 "],
    "source": ["s", "", "  ", None, "t", "u"],
}
ROWS = 3 * SMALL + 7  # more than SMALL: the Arrow path


def _column_cells(name: str, n: int = ROWS) -> list[str | None]:
    cells = CELLS[name]
    step = 1 + sum(map(ord, name)) % 5  # columns cycle at different speeds, so rows mix their cells
    return [cells[(i * step + i // len(cells)) % len(cells)] for i in range(n)]


def _big_table() -> pa.Table:
    return pa.table({name: pa.array(_column_cells(name), pa.string()) for name in CELLS})


def _row_view(inputs: Inputs, row: int) -> dict[str, object]:
    view: dict[str, object] = {}
    for spec in FIELDS:
        value = inputs.columns[spec.name]
        if spec.name == "vendor_name":
            index = int(value[row])
            view[spec.name] = inputs.vendor_names[index] if index < len(inputs.vendor_names) else None
        elif spec.kind in ("id", "text"):
            view[spec.name] = None
        else:
            cell = value[row]
            view[spec.name] = None if (isinstance(cell, float) and cell != cell) or (isinstance(cell, np.datetime64) and np.isnat(cell)) else cell.item() if hasattr(cell, "item") else cell
        view[f"{spec.name}.known"] = bool(inputs.known[spec.name][row])
    view["error"] = inputs.errors()[row] or ""
    return view



def test_a_large_batch_reads_every_cell_as_the_same_cell_alone() -> None:
    big = _big_table()
    assert big.num_rows > SMALL
    whole = validate(big, TODAY)
    for row in range(big.num_rows):
        alone = validate(big.slice(row, 1), TODAY)
        assert _row_view(whole, row) == _row_view(alone, 0), row


def test_one_contract_from_python_reads_as_the_same_row_of_a_table() -> None:
    big = _big_table()
    whole = validate(big, TODAY)
    for row in range(0, big.num_rows, 3):
        cells = {name: [big.column(name)[row].as_py()] for name in CELLS}
        assert _row_view(validate(cells, TODAY), 0) == _row_view(whole, row), row


def test_blank_and_whitespace_cells_are_unknown_on_every_path() -> None:
    for n in (SMALL - 1, SMALL + 1, 200):
        blanks = ["", " ", "\t", None] * (n // 4 + 1)
        cells = {name: blanks[:n] for name in CELLS if name not in ("contract_id", "buyer_country")}
        inputs = validate(pa.table({"contract_id": [f"C{i}" for i in range(n)], "buyer_country": ["PG"] * n, **cells}), TODAY)
        for name in cells:
            assert not inputs.known[name].any(), (n, name)
        assert not inputs.invalid().any(), n


def test_typed_arrow_columns_read_as_their_text() -> None:
    """Parquet gives integers, floats, booleans and dates, not text: the same values as text."""
    n = SMALL + 6
    ids = list(range(n))
    records = [None if i % 7 == 0 else i * 1000 for i in range(n)]
    value = [None if i % 5 == 0 else i * 2.5 for i in range(n)]
    flags = [None if i % 3 == 0 else i % 2 == 0 for i in range(n)]
    days = [None if i % 4 == 0 else dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(n)]
    typed = pa.table({
        "contract_id": pa.array(ids, pa.int64()), "buyer_country": pa.array(["PG"] * n).dictionary_encode(),
        "records": pa.array(records, pa.int64()), "value_usd": pa.array(value, pa.float64()),
        "vendor_remote_access": pa.array(flags, pa.bool_()), "signed": pa.array(days, pa.date32()),
    })  # fmt: skip
    text = pa.table({
        "contract_id": [str(i) for i in ids], "buyer_country": ["PG"] * n,
        "records": [None if r is None else str(r) for r in records], "value_usd": [None if v is None else repr(v) for v in value],
        "vendor_remote_access": [None if f is None else str(f).lower() for f in flags],
        "signed": [None if d is None else d.isoformat() for d in days],
    })  # fmt: skip
    for rows in (n, 1, SMALL):  # the Arrow path, and the small one
        a, b = validate(typed.slice(0, rows), TODAY), validate(text.slice(0, rows), TODAY)
        for row in range(rows):
            assert _row_view(a, row) == _row_view(b, row), (rows, row)
        assert a.known["contract_id"].all()
        assert a.known["records"].tolist() == [r is not None for r in records[:rows]]
        assert a.known["vendor_remote_access"].tolist() == [f is not None for f in flags[:rows]]


# Every bad cell of CELLS, with the whole message it gets (not a prefix: a wrong extra problem
# or a lost did-you-mean must fail). The same on the Arrow path (many rows) and the Python one.
ERRORS: list[tuple[str, str | None, str]] = [
    ('contract_id', '  ', 'contract_id: missing (required)'),
    ('contract_id', '', 'contract_id: missing (required)'),
    ('contract_id', None, 'contract_id: missing (required)'),
    ('buyer_country', 'Kenya', "buyer_country: 'Kenya' is not an ISO 3166-1 alpha-2 country code; did you mean 'KE'?"),
    ('buyer_country', 'XX', "buyer_country: 'XX' is not an ISO 3166-1 alpha-2 country code"),
    ('vendor_country', 'Narnia', "vendor_country: 'Narnia' is not an ISO 3166-1 alpha-2 country code"),
    ('vendor_parent_country', 'ZZ', "vendor_parent_country: 'ZZ' is not an ISO 3166-1 alpha-2 country code"),
    ('service_type', 'clod_hosting', "service_type: 'clod_hosting' is not one of cloud_hosting, data_center, e_government, safe_city, network, managed_services, software, hardware, consulting, cloud_storage, security_software; did you mean 'cloud_hosting'?"),
    ('data_categories', ';', "data_categories: ';' names no data category (leave the cell empty for unknown, or write 'none' for no data)"),
    ('data_categories', 'helth', "data_categories: 'helth' is not a data category; did you mean 'health'? (allowed: health, tax, legal, identity, biometric, financial, education, law_enforcement, defense, social_welfare, telecom_metadata, location, public, none)"),
    ('records', '-5', 'records: must be >= 0'),
    ('records', '2.5', 'records: must be a whole number'),
    ('records', 'abc', "records: 'abc' is not a number"),
    ('records', 'inf', "records: 'inf' is not a number"),
    ('hosting', 'abroad', "hosting: 'abroad' is not one of customer_premises, in_country, foreign"),
    ('operator', 'vendr', "operator: 'vendr' is not one of customer, third_party, joint, vendor; did you mean 'vendor'?"),
    ('vendor_remote_access', 'maybe', "vendor_remote_access: 'maybe' is not a boolean (use true/false, yes/no or 1/0)"),
    ('customer_held_keys', 'nope', "customer_held_keys: 'nope' is not a boolean (use true/false, yes/no or 1/0)"),
    ('audit_rights', '2', "audit_rights: '2' is not a boolean (use true/false, yes/no or 1/0)"),
    ('financing_country', 'QQ', "financing_country: 'QQ' is not an ISO 3166-1 alpha-2 country code"),
    ('value_usd', '-1', 'value_usd: must be >= 0'),
    ('value_usd', 'x', "value_usd: 'x' is not a number"),
    ('value_usd', '1,000', "value_usd: '1,000' is not a number"),
    ('signed', '2024-1-2', "signed: '2024-1-2' is not a date (use YYYY-MM-DD)"),
    ('signed', '2024-02-30', "signed: '2024-02-30' is not a date (use YYYY-MM-DD)"),
    ('signed', '2099-01-01', 'signed: 2099-01-01 is more than 31 days after the run date 2026-12-04'),
]


@pytest.mark.parametrize(("column", "cell", "message"), ERRORS, ids=[f"{c}={v!r}" for c, v, _ in ERRORS])
def test_each_bad_cell_gets_exactly_its_message(column: str, cell: str | None, message: str) -> None:
    for rows in (1, SMALL + 1):
        cells = {"contract_id": ["C"] * rows, "buyer_country": ["PG"] * rows, column: [cell] * rows}
        assert errors_of(pa.table(cells)) == [message] * rows, rows


def test_every_checked_column_has_a_pinned_message() -> None:
    free_text = {"buyer_name", "vendor_name", "source"}
    assert {column for column, _, _ in ERRORS} == set(CELLS) - free_text


def test_a_row_with_several_bad_cells_names_each_in_column_order() -> None:
    bad = pa.table({"contract_id": ["C"], "buyer_country": ["XX"], "records": ["-5"], "hosting": ["abroad"], "signed": ["2024-1-2"]})
    assert errors_of(bad) == [
        "buyer_country: 'XX' is not an ISO 3166-1 alpha-2 country code; records: must be >= 0; "
        "hosting: 'abroad' is not one of customer_premises, in_country, foreign; signed: '2024-1-2' is not a date (use YYYY-MM-DD)"
    ]



def test_padded_numbers_beyond_the_fast_cast_are_read_and_checked() -> None:
    """Arrow's cast refuses ' 7 ', so a large batch of padded numbers takes the cell-by-cell path:
    the values are read, and a negative one is still an error (its array must be writable)."""
    n = SMALL + 6
    cells = [" 7 "] * (n - 1) + ["-5"]
    inputs = validate(table(records=cells), TODAY)
    assert inputs.columns["records"][: n - 1].tolist() == [7.0] * (n - 1)
    assert errors_of(table(records=cells)) == [""] * (n - 1) + ["records: must be >= 0"]


def test_a_reader_parse_error_column_given_as_cells_names_the_record() -> None:
    from vendorrisk.schema import PARSE_ERROR_COLUMN

    cells = {"contract_id": ["C1", "C2"], "buyer_country": ["PG", "PG"], PARSE_ERROR_COLUMN: ["line 3: expected 18 fields, saw 2", None]}
    inputs = validate(cells, TODAY)
    assert [inputs.errors()[row] for row in range(2)] == ["record: line 3: expected 18 fields, saw 2", ""]


def test_an_infinite_number_from_a_typed_column_must_be_finite() -> None:
    for rows in (1, SMALL + 1):
        cells = pa.table({"contract_id": ["C"] * rows, "buyer_country": ["PG"] * rows,
                          "records": pa.array([float("inf")] * rows), "value_usd": pa.array([float("-inf")] * rows)})  # fmt: skip
        assert errors_of(cells) == ["records: must be finite; value_usd: must be finite"] * rows


def test_an_unreadable_record_says_only_that_even_with_cells_missing() -> None:
    from vendorrisk.schema import PARSE_ERROR_COLUMN

    for rows in (2, SMALL + 2):
        cells = pa.table({"contract_id": [None] + ["C"] * (rows - 1), "buyer_country": [None] + ["PG"] * (rows - 1),
                          PARSE_ERROR_COLUMN: ["line 2: expected 18 fields, saw 1"] + [None] * (rows - 1)})  # fmt: skip
        assert errors_of(cells)[:2] == ["record: line 2: expected 18 fields, saw 1", ""]


def test_none_is_a_link_state_not_a_country() -> None:
    """'none' says a vendor has no parent or financing state; the buyer and the seat are countries."""
    cells = pa.table({"contract_id": ["C"], "buyer_country": ["none"], "vendor_country": ["none"], "vendor_parent_country": ["none"]})
    assert errors_of(cells) == [
        "buyer_country: 'none' is not an ISO 3166-1 alpha-2 country code; vendor_country: 'none' is not an ISO 3166-1 alpha-2 country code"
    ]


def test_the_run_date_given_decides_what_is_in_the_future() -> None:
    for rows in (1, SMALL + 1):
        cells = table(signed=["2000-03-01"] * rows)
        assert errors_of(cells, dt.date(2000, 1, 1)) == ["signed: 2000-03-01 is more than 31 days after the run date 2000-01-01"] * rows
        assert errors_of(cells, dt.date(2000, 2, 1)) == [""] * rows


def test_uk_is_refused_with_a_hint_at_gb() -> None:
    message = "'UK' is not an ISO 3166-1 alpha-2 country code; did you mean 'GB'?"
    for rows in (1, SMALL + 1):
        assert errors_of(table(vendor_country=["UK"] * rows)) == [f"vendor_country: {message}"] * rows


def test_enum_values_read_case_hyphens_and_spaces_alike() -> None:
    cells = ["In-Country", " in country ", "IN_COUNTRY", "in-country"]
    for rows in (len(cells), SMALL + 4):
        inputs = validate(table(hosting=(cells * rows)[:rows], operator=(["Third Party", "third-party"] * rows)[:rows]), TODAY)
        assert inputs.known["hosting"].all() and inputs.known["operator"].all()
        assert set(inputs.columns["hosting"].tolist()) == {FIELD_BY_NAME["hosting"].values.index("in_country")}
        assert set(inputs.columns["operator"].tolist()) == {FIELD_BY_NAME["operator"].values.index("third_party")}


def test_empty_parts_of_a_category_list_are_skipped_not_the_end() -> None:
    inputs = validate(table(data_categories=["health;;tax", ";tax", "tax;"]), TODAY)
    tax, health = (1 << FIELD_BY_NAME["data_categories"].values.index(c) for c in ("tax", "health"))
    assert inputs.columns["data_categories"].tolist() == [tax | health, tax, tax]
