"""Unit tests for the condition language (``vendorrisk.rules.expr``).

Environments are built by hand following :class:`~vendorrisk.rules.expr.FieldType`: enum,
country and vendor columns are integer codes into the field's ``values`` (``-1`` unknown),
``data_categories`` a ``uint16`` bitmask, booleans ``bool`` arrays, numbers ``float64`` with
NaN for unknown.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

import vendorrisk
from vendorrisk import ExpressionError, VendorRiskError
from vendorrisk.rules.expr import (
    MAX_LENGTH,
    MAX_NODES,
    Direction,
    FieldType,
    compile_condition,
    condition_fields,
    program,
)
from vendorrisk.schema import CANONICAL_COLUMNS, FIELD_BY_NAME, GOVERNANCE_STATUSES, NO_LINK, country_names

VENDORS = ("Huawei", "ZTE", "Microsoft")
FIELDS = condition_fields(VENDORS)
UNKNOWN = -1


def code(field: str, value: str) -> int:
    return FIELDS[field].values.index(value)


def codes(field: str, *values: str | None, dtype: type[np.generic] = np.int16) -> NDArray[np.generic]:
    return np.array([UNKNOWN if value is None else code(field, value) for value in values], dtype=dtype)


def bits(*rows: tuple[str, ...]) -> NDArray[np.uint16]:
    values = FIELDS["data_categories"].values
    return np.array([sum(1 << values.index(c) for c in row) for row in rows], dtype=np.uint16)


def numbers(*values: float) -> NDArray[np.float64]:
    return np.array(values, dtype=np.float64)


def run(text: str, env: Mapping[str, NDArray[np.generic]], n: int) -> list[bool]:
    mask = compile_condition(text, FIELDS)(env, n)
    assert mask.shape == (n,)
    assert mask.dtype == np.bool_
    return [bool(value) for value in mask]


def direction(text: str) -> Direction:
    return compile_condition(text, FIELDS).direction


# --- the field table -------------------------------------------------------------------------


def test_condition_fields_cover_every_risk_column_and_the_factors() -> None:
    for name in CANONICAL_COLUMNS:
        if FIELD_BY_NAME[name].kind not in ("id", "text", "date"):
            assert name in FIELDS, name
    for name in ("contract_id", "buyer_name", "vendor_name", "signed", "source"):
        assert name not in FIELDS
    for factor in ("sensitivity", "volume", "impact", "legal_reach", "access", "incidents", "governance", "likelihood", "base_score"):
        assert FIELDS[factor] == FieldType("number", increasing=True, nullable=False)
    assert FIELDS["vendor"] == FieldType("vendor", VENDORS)
    assert FIELDS["governance_status"].values == GOVERNANCE_STATUSES


def test_condition_fields_types() -> None:
    assert FIELDS["operator"].type == "enum"
    assert FIELDS["operator"].order == ("customer", "third_party", "joint", "vendor")
    assert FIELDS["hosting"].order == ("customer_premises", "in_country", "foreign")
    assert FIELDS["service_type"].order is None
    assert FIELDS["data_categories"].type == "set"
    assert FIELDS["customer_held_keys"] == FieldType("bool", order=(True, False), nullable=False)
    assert FIELDS["vendor_remote_access"] == FieldType("bool", order=(False, True), nullable=False)
    assert FIELDS["records"] == FieldType("number", increasing=True, nullable=False)
    # Ordered inputs are filled before rules run; unordered ones and countries may stay unknown.
    assert not FIELDS["operator"].nullable and not FIELDS["hosting"].nullable
    assert FIELDS["service_type"].nullable and FIELDS["vendor_country"].nullable and FIELDS["governance_status"].nullable
    assert FIELDS["value_usd"].increasing is False
    assert FIELDS["buyer_country"].type == "country"
    assert "GB" in FIELDS["buyer_country"].values and "UK" not in FIELDS["buyer_country"].values
    assert NO_LINK not in FIELDS["vendor_country"].values
    assert FIELDS["vendor_parent_country"].values[-1] == NO_LINK
    assert FIELDS["financing_country"].values[-1] == NO_LINK
    assert list(FIELDS["buyer_country"].values) == sorted(FIELDS["buyer_country"].values)


def test_condition_fields_follow_the_vendor_registry() -> None:
    assert condition_fields(["Acme"])["vendor"].values == ("Acme",)
    with pytest.raises(ExpressionError, match=r"'Huawei' is not a vendor in the pack's registry"):
        compile_condition("vendor == 'Huawei'", condition_fields(["Acme"]))


# --- directions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers that grow with risk
        ("legal_reach >= 0.7", Direction.UP),
        ("legal_reach > 0", Direction.UP),
        ("0.5 < legal_reach", Direction.UP),
        ("legal_reach < 0.5", Direction.DOWN),
        ("0.5 >= legal_reach", Direction.DOWN),
        ("records >= 10_000_000", Direction.UP),
        ("legal_reach * access > 0.3", Direction.UP),
        ("legal_reach + access >= 1", Direction.UP),
        ("legal_reach - 0.5 > 0", Direction.UP),
        ("-legal_reach < -0.5", Direction.UP),
        ("1 / legal_reach < 2", Direction.UP),
        ("legal_reach - access > 0", Direction.MIXED),
        ("legal_reach == 0.5", Direction.MIXED),
        ("legal_reach != 0.5", Direction.MIXED),
        ("0.2 < legal_reach < 0.8", Direction.MIXED),
        ("value_usd > 1_000_000", Direction.CONST),
        ("1 < 2", Direction.CONST),
        # ordered enums
        ("operator == 'vendor'", Direction.UP),
        ("operator == 'customer'", Direction.DOWN),
        ("operator == 'joint'", Direction.MIXED),
        ("operator != 'customer'", Direction.UP),
        ("operator != 'vendor'", Direction.DOWN),
        ("operator in ['joint', 'vendor']", Direction.UP),
        ("operator in ['customer', 'vendor']", Direction.MIXED),
        ("operator not in ['customer', 'third_party']", Direction.UP),
        ("operator in ['customer', 'third_party', 'joint', 'vendor']", Direction.CONST),
        ("hosting == 'foreign'", Direction.UP),
        ("hosting == 'in_country'", Direction.MIXED),
        ("hosting != 'customer_premises'", Direction.UP),
        ("hosting == 'customer_premises'", Direction.DOWN),
        ("'vendor' == operator", Direction.UP),
        ("governance_status == 'NF'", Direction.UP),
        ("governance_status == 'F'", Direction.DOWN),
        # unordered: no direction
        ("service_type == 'cloud_hosting'", Direction.CONST),
        ("vendor_country == 'CN'", Direction.CONST),
        ("vendor == 'Huawei'", Direction.CONST),
        ("vendor_parent_country in ['CN', 'RU']", Direction.CONST),
        # booleans: customer_held_keys is safe when true, vendor_remote_access exposed when true
        ("customer_held_keys", Direction.DOWN),
        ("not customer_held_keys", Direction.UP),
        ("customer_held_keys == false", Direction.UP),
        ("customer_held_keys != true", Direction.UP),
        ("vendor_remote_access", Direction.UP),
        ("vendor_remote_access == false", Direction.DOWN),
        ("not audit_rights", Direction.UP),
        ("customer_held_keys in [true, false]", Direction.CONST),
        # sets: more categories is more exposed
        ("'health' in data_categories", Direction.UP),
        ("'health' not in data_categories", Direction.DOWN),
        # constants and combinations
        ("true", Direction.CONST),
        ("false", Direction.CONST),
        ("not true", Direction.CONST),
        ("operator == 'vendor' and 'health' in data_categories", Direction.UP),
        ("operator == 'vendor' or legal_reach >= 0.9", Direction.UP),
        ("operator == 'customer' and hosting == 'customer_premises' and customer_held_keys and not vendor_remote_access", Direction.DOWN),
        ("operator == 'vendor' and customer_held_keys", Direction.MIXED),
        ("not (operator == 'vendor' or legal_reach > 0.5)", Direction.DOWN),
        ("vendor_country == 'CN' and legal_reach > 0.5", Direction.UP),
    ],
)
def test_direction(text: str, expected: Direction) -> None:
    assert direction(text) is expected


@pytest.mark.parametrize(
    ("text", "truly"),
    [
        # multiplying or dividing by a positive constant keeps the direction ...
        ("(legal_reach - 0.5) * 2 > 0", Direction.UP),  # legal_reach > 0.5
        ("2 * (legal_reach - 0.5) > 0", Direction.UP),
        ("(legal_reach - 0.5) / 2 > 0", Direction.UP),
        # ... so a negated input times a positive constant falls as the input grows
        ("-legal_reach * 2 > -1", Direction.DOWN),  # legal_reach < 0.5
        ("-(legal_reach - 0.5) * 2 > 0", Direction.DOWN),
        ("(0 - legal_reach) / 2 > -0.25", Direction.DOWN),
    ],
)
def test_direction_is_never_the_opposite_of_the_truth(text: str, truly: Direction) -> None:
    """The loader relies on direction to keep packs monotone: it may be conservative (MIXED), never reversed."""
    got = direction(text)
    assert got in (truly, Direction.MIXED), f"{text!r}: direction {got!r}, but the condition is {truly!r}"
    # and the mask agrees with the stated truth
    reach = np.linspace(0.0, 1.0, 11)
    mask = np.array(run(text, {"legal_reach": reach}, reach.size))
    changes = np.flatnonzero(np.diff(mask.astype(int)))
    assert changes.size == 1
    assert mask[-1] == (truly is Direction.UP)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("legal_reach * -1 > -0.5", (Direction.DOWN, Direction.MIXED)),
        ("(legal_reach + 1) * -1 < -1.5", (Direction.UP, Direction.MIXED)),
        ("-2 / legal_reach > -4", (Direction.UP, Direction.MIXED)),
    ],
)
def test_negative_constants_never_keep_the_direction(text: str, expected: tuple[Direction, ...]) -> None:
    assert direction(text) in expected


def test_direction_flipped() -> None:
    assert Direction.UP.flipped() is Direction.DOWN
    assert Direction.DOWN.flipped() is Direction.UP
    assert Direction.MIXED.flipped() is Direction.MIXED
    assert Direction.CONST.flipped() is Direction.CONST


def test_compiled_condition_records_text_and_fields() -> None:
    text = "operator == 'vendor' and 'health' in data_categories and legal_reach > 0 and true"
    condition = compile_condition(text, FIELDS)
    assert condition.text == text
    assert condition.fields == frozenset({"operator", "data_categories", "legal_reach"})


# --- evaluation ------------------------------------------------------------------------------


def test_enum_equality_and_unknown() -> None:
    env = {"service_type": codes("service_type", "software", "network", None, "cloud_hosting", dtype=np.int8)}
    assert run("service_type == 'software'", env, 4) == [True, False, False, False]
    assert run("service_type != 'software'", env, 4) == [False, True, False, True]
    assert run("service_type in ['software', 'cloud_hosting']", env, 4) == [True, False, False, True]
    assert run("service_type not in ['software', 'cloud_hosting']", env, 4) == [False, True, False, False]
    # an unknown value satisfies no condition about it, negated or not
    assert run("not service_type == 'software'", env, 4) == [False, True, False, True]


def test_a_filled_enum_is_read_as_given() -> None:
    """Ordered enums never reach the rules unknown (the engine fills them), so their tests skip
    the unknown check: a code is read as it is."""
    env = {"operator": codes("operator", "vendor", "customer", "joint", dtype=np.int8)}
    assert run("operator != 'vendor'", env, 3) == [False, True, True]
    assert run("operator not in ['vendor', 'joint']", env, 3) == [False, True, False]


def test_truth_gives_sure_and_possible_for_unknown_values() -> None:
    """Kleene logic: unknown rows are never sure and always possible, for a test and its negation."""
    env = {"service_type": codes("service_type", "software", "network", None, dtype=np.int8)}
    for text in ("service_type == 'software'", "not service_type == 'software'", "service_type != 'software'"):
        sure, possible = compile_condition(text, FIELDS).truth(env, 3)
        assert not sure[2] and possible[2], text
        assert sure[0] == possible[0] and sure[1] == possible[1], text


def test_a_program_of_many_conditions_gives_what_each_gives_alone() -> None:
    """A pack's conditions are evaluated together (shared tests computed once, grouped by kind,
    nodes level by level); each result is exactly what the condition gives on its own, and
    a test shared by several conditions or used both ways round is one row of the table."""
    columns = {
        "operator": codes("operator", "vendor", "customer", "joint", "vendor", dtype=np.int8),
        "service_type": codes("service_type", "software", None, "network", "software", dtype=np.int8),
        "legal_reach": numbers(0.0, 0.5, 0.95, 0.3),
        "access": numbers(1.0, 0.2, 0.6, 0.3),
        "value_usd": numbers(1e6, np.nan, 5e7, 0.0),
        "data_categories": bits(("health",), (), ("identity", "health"), ("tax",)),
        "customer_held_keys": np.array([True, False, False, True]),
    }
    texts = [
        "legal_reach > 0", "legal_reach >= 0.5", "legal_reach > 0 and access >= 0.3", "not legal_reach > 0",
        "operator == 'vendor'", "operator != 'vendor'", "operator in ['vendor', 'joint']", "operator == 'vendor' or legal_reach > 0",
        "value_usd > 1e6", "value_usd >= 1e6", "1e6 < value_usd", "'health' in data_categories", "'health' not in data_categories",
        "'identity' in data_categories and legal_reach > 0", "not customer_held_keys", "true", "false or legal_reach > 0.9",
        "not (service_type == 'software' or value_usd > 1e6) and ('tax' in data_categories or not customer_held_keys)",
        "(legal_reach > 0 and access >= 0.3) or (legal_reach >= 0.5 and not customer_held_keys)",
        "legal_reach * access >= 0.2 or service_type != 'network'", "not not customer_held_keys",
    ]
    conditions = [compile_condition(text, FIELDS) for text in texts]
    sure, possible = program(conditions).truth(columns, 4)
    assert sure.shape == possible.shape == (len(texts), 4)
    for row, (text, condition) in enumerate(zip(texts, conditions)):
        alone = condition.truth(columns, 4)
        assert [sure[row].tolist(), possible[row].tolist()] == [m.tolist() for m in alone], text
    together = program(conditions)
    assert together.width == 2 + 15  # true, false and the 15 distinct tests in their positive form


def test_a_batch_mixing_known_and_unknown_inputs_gives_each_row_what_it_gives_alone() -> None:
    """Only contracts with an unknown input are decided on two planes (sure, possible); the others
    on one. A batch of both gives every row exactly what that row gives in a batch of its own."""
    rng = np.random.default_rng(3)
    n = 64
    columns = {
        "service_type": rng.choice([code("service_type", "software"), code("service_type", "network"), UNKNOWN], n).astype(np.int8),
        "legal_reach": rng.choice([0.0, 0.5, 0.95], n),
        "value_usd": rng.choice([0.0, 2e6, np.nan], n),
        "population_share": rng.choice([0.01, 0.5, np.nan], n),
        "data_categories": rng.choice([bits(("health",))[0], bits(("tax",))[0]], n).astype(np.uint16),
    }
    texts = [
        "population_share >= 0.25 or value_usd > 1e6",
        "not (service_type == 'software' or population_share < 0.1) and legal_reach > 0",
        "'health' in data_categories and (value_usd > 1e6 or legal_reach >= 0.5)",
        "legal_reach > 0",
    ]
    conditions = program([compile_condition(text, FIELDS) for text in texts])
    sure, possible = conditions.truth(columns, n)
    for row in range(n):
        alone = conditions.truth({name: values[row : row + 1] for name, values in columns.items()}, 1)
        assert (sure[:, row].tolist(), possible[:, row].tolist()) == (alone[0][:, 0].tolist(), alone[1][:, 0].tolist()), row
    assert (sure != possible).any()  # some rows were uncertain, so both paths ran


@pytest.mark.parametrize(
    ("field", "known", "other"),
    [("service_type", "software", "network"),
     ("governance_status", "NF", "F"), ("vendor_country", "CN", "US"), ("vendor", "Huawei", "ZTE"),
     ("financing_country", "CN", NO_LINK), ("reach_country", "RU", "CN")],
)
def test_unknown_never_matches_equal_or_not_equal(field: str, known: str, other: str) -> None:
    env = {field: codes(field, None, known, other)}
    assert run(f"{field} == {known!r}", env, 3) == [False, True, False]
    assert run(f"{field} != {known!r}", env, 3) == [False, False, True]
    assert run(f"{field} in [{known!r}, {other!r}]", env, 3) == [False, True, True]
    assert run(f"{field} not in [{known!r}]", env, 3) == [False, False, True]


def test_unknown_number_never_matches_any_comparison() -> None:
    env = {"value_usd": numbers(np.nan, 5.0, 7.0)}
    assert run("value_usd == 5", env, 3) == [False, True, False]
    assert run("value_usd != 5", env, 3) == [False, False, True]
    assert run("value_usd > 1", env, 3) == [False, True, True]
    assert run("value_usd <= 100", env, 3) == [False, True, True]
    assert run("value_usd * 2 != 10", env, 3) == [False, False, True]
    assert run("5 != value_usd", env, 3) == [False, False, True]
    assert run("not value_usd == 5", env, 3) == [False, False, True]


def test_countries_and_the_none_link() -> None:
    env = {"vendor_parent_country": codes("vendor_parent_country", "CN", NO_LINK, None, "US")}
    assert run("vendor_parent_country == 'CN'", env, 4) == [True, False, False, False]
    assert run("vendor_parent_country == 'none'", env, 4) == [False, True, False, False]
    assert run("vendor_parent_country != 'none'", env, 4) == [True, False, False, True]
    # country literals are case-insensitive
    assert run("vendor_parent_country == 'cn'", env, 4) == [True, False, False, False]


def test_set_membership() -> None:
    env = {"data_categories": bits(("health", "tax"), ("biometric",), (), ("tax",))}
    assert run("'health' in data_categories", env, 4) == [True, False, False, False]
    assert run("'health' not in data_categories", env, 4) == [False, True, True, True]
    assert run("'tax' in data_categories or 'biometric' in data_categories", env, 4) == [True, True, False, True]
    assert run("'tax' in data_categories and not 'health' in data_categories", env, 4) == [False, False, False, True]


def test_booleans() -> None:
    env = {
        "customer_held_keys": np.array([True, False, True, False]),
        "vendor_remote_access": np.array([True, True, False, False]),
    }
    assert run("customer_held_keys", env, 4) == [True, False, True, False]
    assert run("not customer_held_keys", env, 4) == [False, True, False, True]
    assert run("customer_held_keys == false", env, 4) == [False, True, False, True]
    assert run("customer_held_keys != false", env, 4) == [True, False, True, False]
    assert run("customer_held_keys == True", env, 4) == [True, False, True, False]
    assert run("vendor_remote_access and not customer_held_keys", env, 4) == [False, True, False, False]
    assert run("vendor_remote_access or customer_held_keys", env, 4) == [True, True, True, False]
    assert run("customer_held_keys in [true, false]", env, 4) == [True] * 4
    assert run("customer_held_keys not in [true, false]", env, 4) == [False] * 4


def test_true_and_false_names_broadcast() -> None:
    assert run("true", {}, 3) == [True, True, True]
    assert run("false", {}, 3) == [False, False, False]
    assert run("not false", {}, 2) == [True, True]
    assert run("True and not False", {}, 2) == [True, True]
    env = {"legal_reach": numbers(0.2, 0.9)}
    assert run("legal_reach > 0.5 or false", env, 2) == [False, True]
    assert run("legal_reach > 0.5 and true", env, 2) == [False, True]
    assert run("legal_reach > 0.5 or true", env, 2) == [True, True]


def test_arithmetic() -> None:
    env = {"legal_reach": numbers(0.2, 0.5, 1.0), "access": numbers(1.0, 0.5, 0.1), "records": numbers(10, 2e6, 3e7)}
    assert run("legal_reach * access >= 0.25", env, 3) == [False, True, False]
    assert run("legal_reach + access > 1.1", env, 3) == [True, False, False]
    assert run("legal_reach - access > 0", env, 3) == [False, False, True]
    assert run("records / 1_000_000 >= 2", env, 3) == [False, True, True]
    assert run("-legal_reach < -0.4", env, 3) == [False, True, True]
    assert run("+legal_reach > 0.4", env, 3) == [False, True, True]
    assert run("(legal_reach + access) * 2 == 3", env, 3) == [False, False, False]
    assert run("(legal_reach + access) * 2 == 2.4", env, 3) == [True, False, False]


def test_division_by_zero_does_not_warn_or_match() -> None:
    env = {"legal_reach": numbers(0.0, 0.5), "access": numbers(0.0, 0.0)}
    # warnings are errors in this suite, so a RuntimeWarning would fail here
    assert run("legal_reach / access > 1", env, 2) == [False, True]
    assert run("legal_reach / access != 1", env, 2) == [False, True]


def test_chained_comparisons() -> None:
    env = {"legal_reach": numbers(0.1, 0.3, 0.5, 0.8), "access": numbers(0.9, 0.9, 0.2, 0.9)}
    assert run("0.2 < legal_reach < 0.6", env, 4) == [False, True, True, False]
    assert run("0.2 < legal_reach <= 0.5 < access", env, 4) == [False, True, False, False]
    assert run("access > legal_reach >= 0.3", env, 4) == [False, True, False, True]
    assert run("not 0.2 < legal_reach < 0.6", env, 4) == [True, False, False, True]


def test_chained_comparison_with_unknown() -> None:
    env = {"value_usd": numbers(np.nan, 5.0)}
    assert run("1 < value_usd < 10", env, 2) == [False, True]
    assert run("1 != value_usd != 10", env, 2) == [False, True]


def test_mixed_condition() -> None:
    env = {
        "operator": codes("operator", "vendor", "vendor", "customer", None, dtype=np.int8),
        "customer_held_keys": np.array([False, True, False, False]),
        "data_categories": bits(("biometric",), ("biometric",), ("defense",), ("law_enforcement",)),
        "legal_reach": numbers(0.95, 0.95, 0.95, 0.95),
    }
    text = (
        "legal_reach >= 0.9 and operator == 'vendor' and not customer_held_keys and "
        "('defense' in data_categories or 'law_enforcement' in data_categories or 'biometric' in data_categories)"
    )
    assert run(text, env, 4) == [True, False, False, False]


def test_condition_does_not_touch_unused_columns() -> None:
    env = {"operator": codes("operator", "vendor", dtype=np.int8)}
    assert run("operator == 'vendor' or true", env, 1) == [True]


# --- refused conditions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('echo hi')", 'function calls are not allowed in conditions'),
        ('len(data_categories) > 2', 'function calls are not allowed in conditions'),
        ("operator.upper == 'VENDOR'", 'attribute access is not allowed in conditions'),
        ('lambda: true', 'lambdas are not allowed in conditions'),
        ('[x for x in [1]] == [1]', 'comprehensions are not allowed in conditions'),
        ('{x for x in [1]}', 'comprehensions are not allowed in conditions'),
        ('any(x for x in [true])', 'function calls are not allowed in conditions'),
        ('records ** 2 > 4', "'**' is not allowed in conditions"),
        ("data_categories[0] == 'health'", 'subscripts are not allowed in conditions'),
        ('(x := 1) > 0', 'assignment expressions are not allowed in conditions'),
        ('legal_reach if true else access', 'conditional expressions are not allowed in conditions'),
        ("{'a': 1}", 'dictionaries are not allowed in conditions'),
        ("f'{operator}' == 'vendor'", 'f-strings are not allowed in conditions'),
        ('records // 2 > 1', "'//' is not allowed in conditions"),
        ('records % 2 == 1', "'%' is not allowed in conditions"),
        ('customer_held_keys is true', "'is' is not allowed in conditions"),
        ('legal_reach == None', 'literal None is not allowed (use strings, numbers, true, false)'),
        ('legal_reach > 1e999', 'a number in the condition is too large (not finite as a float)'),
        ("oprator == 'vendor'", "unknown field 'oprator'; did you mean 'operator'?"),
        ("operator == 'vendr'", "'vendr' is not a value of operator; did you mean 'vendor'? (allowed: customer, third_party, joint, vendor)"),
        ("vendor_country == 'UK'", "'UK' is not an ISO 3166-1 alpha-2 code; did you mean 'GB'?"),
        ("vendor_country == 'XX'", "'XX' is not an ISO 3166-1 alpha-2 code"),
        ("vendor == 'Huawey'", "'Huawey' is not a vendor in the pack's registry; did you mean 'Huawei'?"),
        ("'helth' in data_categories", "'helth' is not a value of data_categories; did you mean 'health'? (allowed: health, tax, legal, identity, biometric, financial, education, law_enforcement, defense, social_welfare, telecom_metadata, location, public, none)"),
        ("operator > 'joint'", "'operator' is an enum field: compare it with ==, != or in, not by order"),
        ('operator', "'operator' is an enum field, not a condition; compare it, e.g. operator == 'customer'"),
        ('legal_reach', "'legal_reach' is a number field, not a condition; compare it, e.g. legal_reach >= 0.5"),
        ('legal_reach + 1', "expected a condition, got 'legal_reach + 1'"),
        ('operator + 1 > 2', "'operator' is an enum field, not a number; e.g. operator == 'customer'"),
        ("data_categories == 'health'", "'data_categories' is a set field; test membership, e.g. 'health' in data_categories"),
        ('operator == vendor_country', "'operator' is compared with vendor_country; expected a quoted value (allowed: customer, third_party, joint, vendor)"),
        ('operator in []', "the list after 'in' is empty in '[]'"),
        ("data_categories in ['health']", "'data_categories' is a set field; test membership, e.g. 'health' in data_categories"),
        ("'health' in operator", '\'in\' takes a field and a list, e.g. service_type in [\'cloud_hosting\', \'data_center\'], or a value and data_categories, e.g. \'health\' in data_categories; got "\'health\'" in \'operator\''),
        ("customer_held_keys == 'yes'", "'customer_held_keys' is a boolean field; compare it with true or false, not 'yes'"),
        ("legal_reach > 'high'", "expected a number, got 'high'"),
        ('legal_reach >', 'not a valid condition: invalid syntax (at column 0)'),
        ('', 'not a valid condition: invalid syntax (at column 0)'),
    ],
)
def test_refused(text: str, message: str) -> None:
    """The whole message, not a prefix: a wrong extra clause or a lost did-you-mean must fail."""
    with pytest.raises(ExpressionError) as info:
        compile_condition(text, FIELDS)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError) and isinstance(info.value, VendorRiskError)


def test_refused_call_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for text in (
        "__import__('os').system('echo hi > executed_by_system')",
        "open('executed_by_open', 'w') is None",
        "[open('executed_by_comprehension', 'w') for _ in [1]]",
        "(lambda: open('executed_by_lambda', 'w'))()",
        "__import__('pathlib').Path('executed_by_attribute').touch() or true",
    ):
        with pytest.raises(ExpressionError):
            compile_condition(text, FIELDS)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert capfd.readouterr().out == ""


def test_huge_integer_literal_is_an_expression_error() -> None:
    """A literal too large for a float is a bad condition, not an OverflowError escaping the loader."""
    with pytest.raises(ExpressionError, match=r"^a number in the condition is too large \(not finite as a float\)$"):
        compile_condition("records > 1" + "0" * 400, FIELDS)


# --- limits ----------------------------------------------------------------------------------


def test_max_length() -> None:
    text = "legal_reach > 0"
    at_limit = text + " " * (MAX_LENGTH - len(text))
    assert len(at_limit) == MAX_LENGTH
    assert compile_condition(at_limit, FIELDS).direction is Direction.UP
    with pytest.raises(ExpressionError, match=rf"^condition is longer than {MAX_LENGTH} characters$"):
        compile_condition(at_limit + " ", FIELDS)


def _chain(k: int) -> str:
    return " or ".join(["legal_reach > 0"] * k)


def test_max_nodes() -> None:
    size = {k: len(list(ast.walk(ast.parse(_chain(k), mode="eval")))) for k in range(2, 80)}
    largest = max(k for k, nodes in size.items() if nodes <= MAX_NODES)
    assert len(_chain(largest + 1)) < MAX_LENGTH  # the node limit, not the length limit, is what refuses it
    env = {"legal_reach": numbers(0.0, 0.5)}
    assert run(_chain(largest), env, 2) == [False, True]
    with pytest.raises(ExpressionError, match=rf"^condition has more than {MAX_NODES} syntax nodes$"):
        compile_condition(_chain(largest + 1), FIELDS)


def test_deep_nesting_is_refused_cleanly() -> None:
    with pytest.raises(ExpressionError, match=rf"^condition has more than {MAX_NODES} syntax nodes$"):
        compile_condition("not " * 400 + "true", FIELDS)
    with pytest.raises(ExpressionError, match="not a valid condition"):
        compile_condition("(" * 300 + "true" + ")" * 300, FIELDS)
    with pytest.raises(ExpressionError, match=rf"^condition has more than {MAX_NODES} syntax nodes$"):
        compile_condition("-" * 1900 + "legal_reach > 0", FIELDS)


def test_long_list_of_literals() -> None:
    countries = FIELDS["vendor_country"].values[:60]
    text = f"vendor_country in {list(countries)!r}"
    env = {"vendor_country": codes("vendor_country", countries[0], countries[59], "ZW", None)}
    assert run(text, env, 4) == [True, True, False, False]


def test_condition_fields_are_exactly_this_table() -> None:
    """Every field a condition may read, with its type, values, risk order, whether more is
    riskier, and whether it may be unknown when rules run: the table the type checker and the
    direction inference read, pinned whole (a wrong flag here silently changes which packs load)."""
    countries = tuple(sorted(country_names()))
    links = (*countries, NO_LINK)
    services = ("cloud_hosting", "data_center", "e_government", "safe_city", "network", "managed_services", "software",
                "hardware", "consulting", "cloud_storage", "security_software")  # fmt: skip
    categories = ("health", "tax", "legal", "identity", "biometric", "financial", "education", "law_enforcement", "defense",
                  "social_welfare", "telecom_metadata", "location", "public", "none")  # fmt: skip
    factor = FieldType("number", increasing=True, nullable=False)
    expected = {
        "buyer_country": FieldType("country", countries),
        "vendor_country": FieldType("country", countries),
        "vendor_parent_country": FieldType("country", links),
        "service_type": FieldType("enum", services),
        "data_categories": FieldType("set", categories, increasing=True, nullable=False),
        "records": FieldType("number", increasing=True, nullable=False),
        "hosting": FieldType("enum", ("customer_premises", "in_country", "foreign"), ("customer_premises", "in_country", "foreign"), nullable=False),
        "operator": FieldType("enum", ("customer", "third_party", "joint", "vendor"), ("customer", "third_party", "joint", "vendor"), nullable=False),
        "vendor_remote_access": FieldType("bool", order=(False, True), nullable=False),
        "customer_held_keys": FieldType("bool", order=(True, False), nullable=False),
        "audit_rights": FieldType("bool", order=(True, False), nullable=False),
        "financing_country": FieldType("country", links),
        "value_usd": FieldType("number"),
        "vendor": FieldType("vendor", tuple(VENDORS)),
        "reach_country": FieldType("country", countries),
        "restricting_states": FieldType("number", increasing=True),
        "governance_status": FieldType("enum", ("F", "PF", "NF"), ("F", "PF", "NF")),
        "population_share": FieldType("number", increasing=True),
        **{name: factor for name in ("sensitivity", "volume", "impact", "legal_reach", "access", "privileged_path",
                                     "incidents", "governance", "likelihood", "base_score")},
    }  # fmt: skip
    fields = condition_fields(VENDORS)  # built here, not at import, so that a mutation run sees the code
    assert list(fields) == list(expected)
    for name, field_type in expected.items():
        assert fields[name] == field_type, name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("len(legal_reach) > 1", "function calls are not allowed in conditions"),
        ("data_categories[0] == 'health'", "subscripts are not allowed in conditions"),
        ("[x for x in data_categories]", "comprehensions are not allowed in conditions"),
        ("{x for x in data_categories}", "comprehensions are not allowed in conditions"),
        ("{x: 1 for x in data_categories}", "comprehensions are not allowed in conditions"),
        ("(x for x in data_categories)", "comprehensions are not allowed in conditions"),
        ("(lambda: 1) == 1", "lambdas are not allowed in conditions"),
        ("(x := 1) > 0", "assignment expressions are not allowed in conditions"),
        ("(1 if legal_reach else 2) > 0", "conditional expressions are not allowed in conditions"),
        ("{1: 2}", "dictionaries are not allowed in conditions"),
        ("f'{legal_reach}' == 'x'", "f-strings are not allowed in conditions"),
        ("legal_reach.real > 0", "attribute access is not allowed in conditions"),
        ("legal_reach ** 2 > 0.5", "'**' is not allowed in conditions"),
        ("legal_reach // 2 > 0", "'//' is not allowed in conditions"),
        ("legal_reach % 2 > 0", "'%' is not allowed in conditions"),
        ("legal_reach & access", "'&' is not allowed in conditions"),
        ("legal_reach | access", "'|' is not allowed in conditions"),
        ("legal_reach ^ access", "'^' is not allowed in conditions"),
        ("legal_reach << 1 > 0", "'<<' is not allowed in conditions"),
        ("legal_reach >> 1 > 0", "'>>' is not allowed in conditions"),
        ("~legal_reach > 0", "'~' is not allowed in conditions"),
        ("legal_reach is access", "'is' is not allowed in conditions"),
        ("legal_reach is not access", "'is not' is not allowed in conditions"),
        ("legal_reach @ access > 0", "'@' is not allowed in conditions"),
        ("[*data_categories] == 1", "'*' unpacking is not allowed in conditions"),
        ("'a' < 'b'", "expected a number, got 'a'"),
        ("legal_reach", "'legal_reach' is a number field, not a condition; compare it, e.g. legal_reach >= 0.5"),
        ("operator", "'operator' is an enum field, not a condition; compare it, e.g. operator == 'customer'"),
        ("1", "expected a condition, got '1'"),
        ("None", "literal None is not allowed (use strings, numbers, true, false)"),
        ("await legal_reach", "await is not allowed in conditions"),
        ("(yield)", "yield is not allowed in conditions"),
        ("(yield from legal_reach)", "YieldFrom is not allowed in conditions"),
        ("(legal_reach > 0) + 1 > 1", "expected a number, got 'legal_reach > 0'"),
        ("legal_reach / 0 > 1", "division by zero"),
        ("records in [1, 2]", "'records' is a number field; e.g. records >= 0.5"),
        ("customer_held_keys + 1 > 2", "'customer_held_keys' is a bool field, not a number; e.g. customer_held_keys"),
        (
            "operator in 'vendor'",
            "'in' takes a field and a list, e.g. service_type in ['cloud_hosting', 'data_center'], or a value and "
            "data_categories, e.g. 'health' in data_categories; got 'operator' in \"'vendor'\"",
        ),
        ("1 in data_categories", "write 'value' in data_categories, with a quoted value on the left"),
        (
            "'health' in records",
            "'in' takes a field and a list, e.g. service_type in ['cloud_hosting', 'data_center'], or a value and "
            "data_categories, e.g. 'health' in data_categories; got \"'health'\" in 'records'",
        ),
    ],
)
def test_each_refused_construct_gets_exactly_its_message(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_condition(text, FIELDS)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        # a sum or difference with a negative term is not non-negative: a product with it is MIXED
        ("(legal_reach + -0.5) * access > 0", (Direction.MIXED,)),
        ("(legal_reach - 0.5) * access > 0", (Direction.MIXED,)),
        ("legal_reach * (access - 0.5) > 0", (Direction.MIXED,)),
        ("legal_reach * (0.5 - access) > 0", (Direction.MIXED,)),
        # two negated factors: truly UP; the compiler may say MIXED, never DOWN
        ("(access * -1) * (legal_reach * -1) > 0.1", (Direction.UP, Direction.MIXED)),
        ("(access / -2) * (legal_reach / -2) > 0.01", (Direction.UP, Direction.MIXED)),
        ("-legal_reach * -access > 0.1", (Direction.UP, Direction.MIXED)),
        # non-negative constants (0 included) keep a product monotone
        ("legal_reach * (access + 0) > 0.1", (Direction.UP,)),
        ("legal_reach * (access + 0.5) > 0.1", (Direction.UP,)),
        ("legal_reach * -(-2) > 0.5", (Direction.UP,)),
        ("+legal_reach > 0.5", (Direction.UP,)),
        ("legal_reach / 1 > 0.5", (Direction.UP,)),
        # a product with a field that has no risk order moves with the other factor only
        ("legal_reach * value_usd > 5", (Direction.UP,)),
        ("value_usd * (value_usd - 5) > 0", (Direction.CONST,)),
        ("value_usd == 5", (Direction.CONST,)),
        # a product or quotient of non-negative terms is itself non-negative
        ("(legal_reach * access) * incidents > 0.1", (Direction.UP,)),
        ("(legal_reach / 2) * access > 0.1", (Direction.UP,)),
    ],
)
def test_direction_of_products_and_sums_with_negative_terms(text: str, allowed: tuple[Direction, ...]) -> None:
    assert direction(text) in allowed


def test_arithmetic_never_warns_on_overflow() -> None:
    """Conditions run under -W error in the suite, as in a user's strict pipeline: an overflow is
    just a large number (inf), not a warning."""
    assert run("records * 1e308 * 1e308 > 1", {"records": np.array([1e10, 0.0])}, 2) == [True, False]


def test_a_negated_unknown_number_is_open() -> None:
    condition = compile_condition("-population_share < -0.1", FIELDS)
    sure, possible = condition.truth({"population_share": np.array([np.nan, 0.5, 0.01])}, 3)
    assert sure.tolist() == [False, True, False]
    assert possible.tolist() == [True, True, False]


@pytest.mark.parametrize(
    "texts",
    [
        ("legal_reach >= 0.5", "access >= 0.5"),  # same operator and limit, different fields
        ("legal_reach * access >= 0.3", "legal_reach + access >= 0.3"),  # compound sides
        ("legal_reach >= 0.5", "legal_reach > 0.5"),  # same field and limit, different operators
    ],
)
def test_conditions_sharing_a_program_keep_their_own_tests(texts: tuple[str, ...]) -> None:
    """A pack's conditions run as one program whose equal tests are shared: tests that only look
    alike must not be merged."""
    env = {"legal_reach": numbers(0.5, 0.2, 0.9, 0.1), "access": numbers(0.1, 0.5, 0.9, 0.25)}
    conditions = [compile_condition(text, FIELDS) for text in texts]
    together, _ = program(conditions).truth(env, 4)
    for row, condition in zip(together, conditions):
        assert row.tolist() == condition(env, 4).tolist()
    assert together[0].tolist() != together[1].tolist()


def test_python_truth_constants_and_negated_groups_evaluate() -> None:
    env = {"operator": codes("operator", "vendor", "customer", "joint", dtype=np.int8), "legal_reach": numbers(0.2, 0.9, 0.1)}
    assert run("True", env, 3) == [True, True, True]
    assert run("False", env, 3) == [False, False, False]
    assert run("not (operator == 'vendor' or legal_reach > 0.5)", env, 3) == [False, False, True]
    assert run("not (operator == 'joint' and legal_reach < 0.5)", env, 3) == [True, True, False]


def test_max_nodes_is_inclusive() -> None:
    """A condition of exactly MAX_NODES syntax nodes compiles; one more is refused."""
    exact = "not (" + " or ".join(["legal_reach > 0"] * 39) + ")"
    assert len(list(ast.walk(ast.parse(exact, mode="eval")))) == MAX_NODES
    assert compile_condition(exact, FIELDS).direction is Direction.DOWN
    with pytest.raises(ExpressionError, match=rf"^condition has more than {MAX_NODES} syntax nodes$"):
        compile_condition("not " + exact, FIELDS)


def test_a_long_list_of_allowed_values_shows_the_first_twenty() -> None:
    names = [vendor.name for vendor in vendorrisk.load_rules().model.vendors]
    assert len(names) > 20
    with pytest.raises(ExpressionError) as raised:
        compile_condition("vendor == Huawei", condition_fields(names))
    assert str(raised.value) == f"'vendor' is compared with Huawei; expected a quoted value (allowed: {', '.join(names[:20])}, ...)"
