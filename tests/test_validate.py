"""Tests of the row checks of ``vendorrisk.validate`` that guard against silent score changes:
empty category lists, future dates, dates in forms the docs do not give (issue 14, items 2, 3, 5)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

import vendorrisk
from vendorrisk.errors import InputError
from vendorrisk.validate import DATE_FORMAT, FUTURE_TOLERANCE_DAYS, NO_CATEGORY, check_as_of, parse_date, validate

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
