"""The condition language: Python-like expressions parsed with :mod:`ast` against a whitelist.

A condition is type-checked against the fields it may see when the pack loads and compiled to
a tree of nodes; a :class:`Program` turns the trees of a pack's conditions into a few numpy
operations that give every condition's boolean mask at once. Nothing is ever
passed to ``eval``/``exec``; names, calls, attributes, subscripts, lambdas, comprehensions and
``**`` are refused before anything runs.

Grammar (informally)::

    cond    := cond "and" cond | cond "or" cond | "not" cond | "(" cond ")"
             | boolean_field | "true" | "false"
             | num cmp num [cmp num ...]          # cmp: < <= > >= == !=
             | field ("==" | "!=") literal
             | field ["not"] "in" "[" literal, ... "]"
             | "'category'" ["not"] "in" data_categories
    num     := number | numeric_field | num ("+"|"-"|"*"|"/") num | "-" num | "(" num ")"

A condition on an unknown value is evaluated in three-valued (Kleene) logic: it is *sure*
where it holds whatever the value is and *possible* where it holds for some value; ``not``
swaps the two. The point score fires a rule only where its condition is sure (an unknown value
satisfies no condition about it, negated or not); the ends of the interval take sure or
possible, whichever bounds the rule's effect soundly. Ordered inputs are never unknown when
rules run: the engine fills them from the pack's assumptions or their best/worst value.

Each compiled condition also carries its *direction*: whether it can only turn true as risk
grows (``UP``), only as it falls (``DOWN``), neither (``MIXED``), or does not depend on any
ordered input (``CONST``). The pack loader uses it to keep every pack monotone.
"""

from __future__ import annotations

import ast
import difflib
import enum
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from vendorrisk._arrays import constant
from vendorrisk.errors import ExpressionError
from vendorrisk.schema import (
    FIELDS,
    GOVERNANCE_STATUSES,
    NO_LINK,
    country_names,
)

Env: TypeAlias = Mapping[str, NDArray[Any]]


Mask: TypeAlias = NDArray[np.bool_]
Truth: TypeAlias = tuple[Mask, Mask]
Column: TypeAlias = NDArray[np.float64]

#: Longest condition text and largest syntax tree a pack may hold (keeps compile and evaluation bounded).
MAX_LENGTH: Final = 2000
MAX_NODES: Final = 200


class Direction(enum.IntFlag):
    """How a condition moves as one ordered input worsens."""

    CONST = 0
    UP = 1
    DOWN = 2
    MIXED = 3

    def flipped(self) -> Direction:
        return Direction((self & Direction.UP) << 1 | (self & Direction.DOWN) >> 1)


TypeName = Literal["number", "bool", "enum", "set", "country", "vendor"]


@dataclass(frozen=True, slots=True)
class FieldType:
    """What a condition may do with one name.

    ``values`` are the literals an enum, set, country or vendor field accepts; ``order`` lists
    values (or ``(False, True)`` for booleans) from least to most exposed for ordered fields;
    ``increasing`` marks numbers where more is more exposed. Enum/set/country/vendor columns are
    integer codes: the index of the value in ``values`` (``-1`` unknown); sets are bitmasks.
    """

    type: TypeName
    values: tuple[str, ...] = ()
    order: tuple[str, ...] | tuple[bool, bool] | None = None
    increasing: bool = False
    nullable: bool = True  # may be unknown (NaN, code -1) when rules run


def condition_fields(vendor_names: Sequence[str]) -> dict[str, FieldType]:
    """The names a condition may use, with their types.

    Contract fields come from :data:`vendorrisk.schema.FIELDS`; the derived fields and factors
    are produced by :mod:`vendorrisk.features` and :mod:`vendorrisk.scoring` (a test checks that
    they produce exactly these names).
    """
    countries = tuple(sorted(country_names()))
    fields: dict[str, FieldType] = {}
    for spec in FIELDS:
        if spec.kind == "enum":
            # Ordered enums are filled before rules run (the assumption, or the best or worst
            # value at the interval's ends); unordered ones may stay unknown at the ends.
            fields[spec.name] = FieldType("enum", spec.values, spec.risk_order, nullable=spec.risk_order is None)
        elif spec.kind == "set":
            fields[spec.name] = FieldType("set", spec.values, increasing=True, nullable=False)
        elif spec.kind == "bool":
            fields[spec.name] = FieldType("bool", order=spec.risk_order, nullable=False)
        elif spec.kind in ("count", "amount"):
            # Ordered inputs (records) are filled before rules run; others may stay unknown.
            fields[spec.name] = FieldType("number", increasing=spec.increasing, nullable=not spec.increasing)
        elif spec.kind == "country":
            fields[spec.name] = FieldType("country", countries)
        elif spec.kind == "link_country":
            fields[spec.name] = FieldType("country", (*countries, NO_LINK))
    fields["vendor"] = FieldType("vendor", tuple(vendor_names))
    fields["reach_country"] = FieldType("country", countries)
    fields["restricting_states"] = FieldType("number", increasing=True)
    fields["governance_status"] = FieldType("enum", GOVERNANCE_STATUSES, GOVERNANCE_STATUSES)
    # records / the buyer country's population (reference data): unknown where the population is.
    fields["population_share"] = FieldType("number", increasing=True, nullable=True)
    for factor in ("sensitivity", "volume", "impact", "legal_reach", "access", "privileged_path", "incidents", "governance",
                   "likelihood", "base_score"):
        fields[factor] = FieldType("number", increasing=True, nullable=False)
    return fields


# --- evaluator nodes -------------------------------------------------------------------------


class _Num:
    """A numeric sub-expression: evaluates to float64 (NaN = unknown)."""

    direction: Direction
    nonneg: bool
    nullable: bool = True  # whether it can be NaN (unknown) when rules run

    def __call__(self, env: Env) -> Column:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(slots=True)
class _NumConst(_Num):
    value: float
    scalar: NDArray[np.float64] | None = None  # set from value

    def __post_init__(self) -> None:
        self.direction = Direction.CONST
        self.nonneg = self.value >= 0
        self.nullable = False
        self.scalar = constant(self.value)  # a 0-d array: ufuncs take it without converting it on each call

    def __call__(self, env: Env) -> Column:
        return self.scalar  # type: ignore[return-value]  # set in __post_init__; broadcasts


@dataclass(slots=True)
class _NumField(_Num):
    name: str
    direction: Direction
    nonneg: bool = True
    nullable: bool = True

    def __call__(self, env: Env) -> Column:
        return env[self.name]  # the engine gives every number field as float64


_ARITH: Final[dict[type[ast.operator], Callable[[Column, Column], Column]]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
}


def _scaled(direction: Direction, factor: float) -> Direction:
    """Direction of ``factor * x`` given the direction of ``x``."""
    if factor == 0:
        return Direction.CONST
    return direction if factor > 0 else direction.flipped()


def _both_nonneg(left: _Num, right: _Num, right_direction: Direction) -> Direction:
    """A product or quotient of two non-constant terms is monotone only when both are non-negative."""
    if left.nonneg and right.nonneg:
        return left.direction | right_direction
    return Direction.MIXED if (left.direction | right.direction) else Direction.CONST


@dataclass(slots=True)
class _NumBinary(_Num):
    op: type[ast.operator]
    left: _Num
    right: _Num

    def __post_init__(self) -> None:
        left, right = self.left, self.right
        self.nullable = left.nullable or right.nullable
        if self.op is ast.Add:
            self.direction, self.nonneg = left.direction | right.direction, left.nonneg and right.nonneg
        elif self.op is ast.Sub:
            self.direction, self.nonneg = left.direction | right.direction.flipped(), False
        elif self.op is ast.Mult:
            if isinstance(right, _NumConst):
                self.direction = _scaled(left.direction, right.value)
            elif isinstance(left, _NumConst):
                self.direction = _scaled(right.direction, left.value)
            else:
                self.direction = _both_nonneg(left, right, right.direction)
            self.nonneg = left.nonneg and right.nonneg
        else:  # division: x / c scales x; c / x and x / y move against a non-negative denominator
            self.nullable = not isinstance(right, _NumConst)  # 0 / 0 is NaN: matches nothing
            if isinstance(right, _NumConst):
                if right.value == 0:
                    raise ExpressionError("division by zero")
                self.direction = _scaled(left.direction, right.value)
            elif isinstance(left, _NumConst) and right.nonneg:
                self.direction = _scaled(right.direction.flipped(), left.value)
            else:
                self.direction = _both_nonneg(left, right, right.direction.flipped())
            self.nonneg = left.nonneg and right.nonneg

    def __call__(self, env: Env) -> Column:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _ARITH[self.op](self.left(env), self.right(env))


@dataclass(slots=True)
class _NumNeg(_Num):
    operand: _Num

    def __post_init__(self) -> None:
        self.direction, self.nonneg = self.operand.direction.flipped(), False
        self.nullable = self.operand.nullable

    def __call__(self, env: Env) -> Column:
        return np.negative(self.operand(env))


class _Cond:
    """A boolean sub-expression. Conditions are not evaluated node by node: a :class:`Program`
    turns the trees of one or more conditions into a few array operations (see there)."""

    direction: Direction


class _Leaf(_Cond):
    """A test on columns: a comparison, a code or category test, a boolean field.

    ``key`` says what the test computes, so that conditions sharing a test compute it once;
    ``nullable`` whether its inputs can be unknown when rules run.
    """

    key: object
    nullable: bool

    def literal(self) -> tuple[_Leaf, bool]:
        """The test in its positive form, and whether this one is its negation."""
        return self, False

    def comparison(self) -> tuple[type[ast.cmpop], str, float] | None:
        """``(op, field, constant)`` when the test is ``field op constant`` on a column that is
        never unknown or a number (NaN unknown), so a :class:`Program` can group it with others."""
        return None

    def values(self, env: Env) -> tuple[Mask, Mask | None]:  # pragma: no cover - interface
        """The test's result where its inputs are known, and where they are unknown (None: never)."""
        raise NotImplementedError


@dataclass(slots=True)
class _Const(_Cond):
    value: bool
    direction: Direction = Direction.CONST


_COMPARE: Final[dict[type[ast.cmpop], Callable[..., Mask]]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_MIRRORED: Final[dict[type[ast.cmpop], type[ast.cmpop]]] = {  # c op x  <=>  x mirrored(op) c
    ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq,
}


@dataclass(slots=True)
class _NumCompare(_Leaf):
    op: type[ast.cmpop]
    left: _Num
    right: _Num
    direction: Direction = Direction.CONST
    nullable: bool = True
    key: object = None

    def __post_init__(self) -> None:
        simple = self.comparison()  # "x > 0" and "0 < x" are one test
        self.key = (simple[0].__name__, *simple[1:]) if simple else repr((self.op.__name__, self.left, self.right))
        self.nullable = self.left.nullable or self.right.nullable
        rising = self.left.direction | self.right.direction.flipped()  # true as left - right grows
        if self.op in (ast.Gt, ast.GtE):
            self.direction = rising
        elif self.op in (ast.Lt, ast.LtE):
            self.direction = rising.flipped()
        else:
            self.direction = Direction.MIXED if rising else Direction.CONST

    def comparison(self) -> tuple[type[ast.cmpop], str, float] | None:  # either way round
        if isinstance(self.left, _NumField) and isinstance(self.right, _NumConst):
            return self.op, self.left.name, self.right.value
        if isinstance(self.left, _NumConst) and isinstance(self.right, _NumField):
            return _MIRRORED[self.op], self.right.name, self.left.value
        return None

    def values(self, env: Env) -> tuple[Mask, Mask | None]:
        left, right = self.left(env), self.right(env)
        result = _COMPARE[self.op](left, right)  # NaN compares false (no warning)
        return result, (np.isnan(left) | np.isnan(right)) if self.nullable else None


@dataclass(slots=True)
class _CodeIn(_Leaf):
    """``field in {codes}`` for enum, country and vendor codes (``-1`` = unknown)."""

    name: str
    codes: tuple[int, ...]
    negate: bool
    direction: Direction
    nullable: bool = True  # whether the column can hold -1 when rules run
    key: object = None

    def __post_init__(self) -> None:
        self.key = ("in", self.name, self.codes, self.negate)

    def literal(self) -> tuple[_Leaf, bool]:
        return (_CodeIn(self.name, self.codes, False, self.direction, self.nullable), True) if self.negate else (self, False)

    def comparison(self) -> tuple[type[ast.cmpop], str, float] | None:
        return (ast.Eq, self.name, float(self.codes[0])) if len(self.codes) == 1 and not self.nullable and not self.negate else None

    def values(self, env: Env) -> tuple[Mask, Mask | None]:
        column = env[self.name]
        hit: Mask = column == self.codes[0]
        for code in self.codes[1:]:  # a handful of codes: cheaper than np.isin
            hit = hit | (column == code)
        return hit, column < 0 if self.nullable else None


@dataclass(slots=True)
class _SetHas(_Leaf):
    """``'category' in data_categories``: a bit test on the category bitmask (never unknown here).
    A :class:`Program` tests all the bits of one field in one operation."""

    name: str
    bit: int
    negate: bool
    direction: Direction
    nullable: bool = False
    key: object = None

    def __post_init__(self) -> None:
        self.key = ("has", self.name, self.bit, self.negate)

    def literal(self) -> tuple[_Leaf, bool]:
        return (_SetHas(self.name, self.bit, False, self.direction), True) if self.negate else (self, False)


@dataclass(slots=True)
class _Flag(_Leaf):
    """A boolean field (never unknown here: the engine fills it)."""

    name: str
    expect: bool
    direction: Direction
    nullable: bool = False
    key: object = None

    def __post_init__(self) -> None:
        self.key = ("flag", self.name, self.expect)

    def literal(self) -> tuple[_Leaf, bool]:
        return (self, False) if self.expect else (_Flag(self.name, True, self.direction.flipped()), True)

    def comparison(self) -> tuple[type[ast.cmpop], str, float] | None:  # a program tests it as ``field == 1``
        return (ast.Eq, self.name, 1.0) if self.expect else None


@dataclass(slots=True)
class _Not(_Cond):
    operand: _Cond

    def __post_init__(self) -> None:
        self.direction = self.operand.direction.flipped()


@dataclass(slots=True)
class _All(_Cond):
    operands: tuple[_Cond, ...]
    any_of: bool
    direction: Direction = Direction.CONST

    def __post_init__(self) -> None:
        for operand in self.operands:
            self.direction |= operand.direction


# --- evaluation ------------------------------------------------------------------------------
#
# A program evaluates one or more conditions on a table of boolean rows ``(planes, rows, n)``:
# plane 0 holds where a row is *sure*, plane 1 (only when some test can meet an unknown input)
# where it is *possible*. The rows are, in order: true, false, each distinct test; the
# negations of all those (``not`` swaps sure and possible); then the ``and``/``or`` nodes of
# the conditions in negation normal form, level by level. Tests of the form ``field op
# constant`` (numbers, and codes and booleans that are never unknown) are computed one array
# operation per operator, category tests one per field, and
# each level of nodes is one gather and one reduction, so a pack's conditions cost a few dozen
# array calls whatever their number, and none is computed twice.

_TRUE, _FALSE = 0, 1
_Branch: TypeAlias = "tuple[bool, tuple[_Node, ...]]"  # (any_of, operands)
_Node: TypeAlias = "int | _Branch"  # a row of the table, or a branch


def _collect(cond: _Cond, leaves: dict[object, _Leaf]) -> None:
    """Every distinct test of a condition, in its positive form."""
    if isinstance(cond, _Not):
        _collect(cond.operand, leaves)
    elif isinstance(cond, _All):
        for operand in cond.operands:
            _collect(operand, leaves)
    elif isinstance(cond, _Leaf):
        leaf = cond.literal()[0]
        leaves.setdefault(leaf.key, leaf)


def _normal(cond: _Cond, negated: bool, row: Mapping[object, int], width: int, levels: dict[_Branch, int]) -> _Node:
    """The condition in negation normal form over table rows; ``levels`` gets each branch's height."""
    if isinstance(cond, _Not):
        return _normal(cond.operand, not negated, row, width, levels)
    if isinstance(cond, _Const):
        return _TRUE if cond.value != negated else _FALSE
    if isinstance(cond, _All):
        operands = tuple(dict.fromkeys(_normal(operand, negated, row, width, levels) for operand in cond.operands))
        if len(operands) == 1:
            return operands[0]
        branch = (cond.any_of != negated, operands)  # not (a and b) = not a or not b
        levels[branch] = 1 + max(levels[operand] if isinstance(operand, tuple) else 0 for operand in operands)
        return branch
    assert isinstance(cond, _Leaf)
    leaf, flipped = cond.literal()
    return row[leaf.key] + (width if flipped != negated else 0)


class Program:
    """Conditions compiled to one evaluation: ``truth(env, n)`` gives their ``(sure, possible)``
    masks, each ``(n_conditions, n)`` (the same array when no test can meet an unknown input)."""

    def __init__(self, roots: Sequence[_Cond]) -> None:
        leaves: dict[object, _Leaf] = {}
        for root in roots:
            _collect(root, leaves)
        compares: dict[tuple[type[ast.cmpop], bool], list[tuple[str, float, object]]] = {}
        bit_tests: dict[str, list[tuple[int, object]]] = {}
        singles: list[_Leaf] = []
        for key, leaf in leaves.items():
            simple = leaf.comparison()
            if simple is not None:
                op, name, constant = simple
                compares.setdefault((op, leaf.nullable), []).append((name, constant, key))
            elif isinstance(leaf, _SetHas):
                bit_tests.setdefault(leaf.name, []).append((leaf.bit, key))
            else:
                singles.append(leaf)
        row: dict[object, int] = {}  # test key -> its row

        def place(keys: list[object]) -> slice:
            rows = slice(2 + len(row), 2 + len(row) + len(keys))
            row.update((key, rows.start + i) for i, key in enumerate(keys))
            return rows

        self.compares = [
            (_COMPARE[op], tuple(name for name, _, _ in tests), np.array([[constant] for _, constant, _ in tests]),
             place([key for _, _, key in tests]), nullable)
            for (op, nullable), tests in compares.items()
        ]
        self.bit_tests = [
            (name, np.array([[bit] for bit, _ in tests], dtype=np.uint16), place([key for _, key in tests]))
            for name, tests in bit_tests.items()
        ]
        rows = place([leaf.key for leaf in singles])
        self.singles = list(zip(singles, range(rows.start, rows.stop)))
        self.width = 2 + len(row)  # true, false and the tests; their negations follow
        self.planes = 2 if any(leaf.nullable for leaf in leaves.values()) else 1
        levels: dict[_Branch, int] = {}
        tops = [_normal(root, False, row, self.width, levels) for root in roots]
        # Branches go in rows after the negations, grouped by height, then and/or: each group is
        # one gather and one reduction, padded with rows that change nothing (true for and).
        branch_row: dict[_Branch, int] = {}

        def row_of(node: _Node) -> int:
            return branch_row[node] if isinstance(node, tuple) else node

        def group(branch: _Branch) -> tuple[int, bool]:
            return levels[branch], branch[0]

        self.levels: list[tuple[slice, NDArray[np.intp], bool]] = []
        size = 2 * self.width
        for (_, any_of), members in itertools.groupby(sorted(levels, key=group), key=group):
            branches = list(members)
            most = max(len(operands) for _, operands in branches)
            pad = _FALSE if any_of else _TRUE
            index = [[row_of(operand) for operand in operands] + [pad] * (most - len(operands)) for _, operands in branches]
            self.levels.append((slice(size, size + len(branches)), np.array(index, dtype=np.intp), any_of))
            branch_row.update((branch, size + i) for i, branch in enumerate(branches))
            size += len(branches)
        self.size = size
        self.roots = np.array([row_of(top) for top in tops], dtype=np.intp)

    def truth(self, env: Env, n: int) -> tuple[Mask, Mask]:
        table = np.empty((1, self.size, n), dtype=bool)  # the second plane, if any, only where needed
        result = table[0]
        unknown = np.zeros((self.width, n), dtype=bool) if self.planes == 2 else None
        result[_TRUE] = True
        result[_FALSE] = False
        for compare, names, limits, rows, nullable in self.compares:
            values = env[names[0]][None] if len(names) == 1 else np.array([env[name] for name in names])
            compare(values, limits, out=result[rows])
            if nullable:
                assert unknown is not None
                np.isnan(values, out=unknown[rows])
        for name, bits, rows in self.bit_tests:
            np.not_equal(env[name] & bits, 0, out=result[rows])
        for leaf, at in self.singles:
            result[at], unknown_inputs = leaf.values(env)
            if unknown_inputs is not None:
                assert unknown is not None
                unknown[at] = unknown_inputs
        if unknown is None:
            sure = self._decide(table)
            return sure, sure
        # Only contracts with an unknown input need the second plane: the rest are decided on
        # one plane (there sure = possible), the few others on two, and scattered back.
        uncertain = np.flatnonzero(unknown.any(axis=0))
        sure = self._decide(table[:1])
        possible = sure.copy()
        if len(uncertain):
            width = self.width
            part = np.empty((2, self.size, len(uncertain)), dtype=bool)
            tests, part_unknown = result[:width, uncertain], unknown[:, uncertain]
            # possible where it holds or an input is unknown; sure where it holds and they are known
            np.logical_or(tests, part_unknown, out=part[1, :width])
            np.logical_and(tests, ~part_unknown, out=part[0, :width])
            decided = self._decide(part)
            sure[:, uncertain] = decided[0]
            possible[:, uncertain] = decided[1]
        return sure, possible

    def _decide(self, table: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """The roots' rows of ``table`` ``(planes, size, n)`` whose test rows are filled: the
        negations and the and/or levels computed in place; ``(planes, n_conditions, n)``, or
        ``(n_conditions, n)`` for one plane."""
        width = self.width
        np.invert(table[::-1, :width], out=table[:, width : 2 * width])  # not: swaps sure and possible
        for rows, index, any_of in self.levels:
            gathered = table[:, index]  # (planes, nodes, operands, n)
            (gathered.any if any_of else gathered.all)(axis=2, out=table[:, rows])
        chosen = table[:, self.roots]
        return chosen[0] if table.shape[0] == 1 else chosen


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition: call it on an environment of columns to get a ``(n_contracts,)`` mask."""

    text: str
    fields: frozenset[str]
    direction: Direction
    _root: _Cond
    _program: Program

    def __call__(self, env: Env, n: int) -> Mask:
        """``(n,)`` where the condition surely holds (an unknown value satisfies nothing about it)."""
        return self.truth(env, n)[0]

    def truth(self, env: Env, n: int) -> tuple[Mask, Mask]:
        """``(sure, possible)`` masks, each ``(n,)``: where the condition holds whatever the unknown
        inputs are, and where it holds for some value of them (see :class:`_Cond`)."""
        sure, possible = self._program.truth(env, n)
        return sure[0], possible[0]


def program(conditions: Sequence[Condition]) -> Program:
    """One evaluation of several conditions (a pack's rules): see :class:`Program`."""
    return Program([condition._root for condition in conditions])


_ALLOWED_NODES: Final = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Compare, ast.Eq, ast.NotEq, ast.Lt,
    ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Name, ast.Load, ast.Constant, ast.List,
    ast.Tuple, ast.Set,
)
_BOOL_NAMES: Final = {"true": True, "false": False}


def _article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _choices(values: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(values[:limit])
    return f" (allowed: {shown}{', ...' if len(values) > limit else ''})"


def _describe(node: ast.AST) -> str:
    """What a refused syntax node is, with its verb: 'function calls are', 'attribute access is'."""
    plural = {
        ast.Call: "function calls", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
        ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
        ast.GeneratorExp: "comprehensions", ast.NamedExpr: "assignment expressions",
        ast.IfExp: "conditional expressions", ast.Dict: "dictionaries", ast.JoinedStr: "f-strings",
    }
    singular = {
        ast.Attribute: "attribute access", ast.Pow: "'**'", ast.Starred: "'*' unpacking", ast.FloorDiv: "'//'",
        ast.Mod: "'%'", ast.BitAnd: "'&'", ast.BitOr: "'|'", ast.BitXor: "'^'", ast.LShift: "'<<'",
        ast.RShift: "'>>'", ast.Invert: "'~'", ast.Is: "'is'", ast.IsNot: "'is not'", ast.MatMult: "'@'",
        ast.Await: "await", ast.Yield: "yield",
    }
    if type(node) in plural:
        return f"{plural[type(node)]} are"
    return f"{singular.get(type(node), type(node).__name__)} is"


class _Compiler:
    def __init__(self, fields: Mapping[str, FieldType]) -> None:
        self.fields = fields
        self.used: set[str] = set()

    # entry ----------------------------------------------------------------------------------
    def compile(self, text: str) -> Condition:
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"condition is longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"not a valid condition: {exc.msg} (at column {exc.offset})") from None
        nodes = list(ast.walk(tree))
        if len(nodes) > MAX_NODES:
            raise ExpressionError(f"condition has more than {MAX_NODES} syntax nodes")
        for node in nodes:
            if not isinstance(node, _ALLOWED_NODES):
                raise ExpressionError(f"{_describe(node)} not allowed in conditions")
            if isinstance(node, ast.Constant) and not isinstance(node.value, (str, int, float, bool)):
                raise ExpressionError(f"literal {node.value!r} is not allowed (use strings, numbers, true, false)")
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                try:
                    finite = math.isfinite(float(node.value))
                except OverflowError:
                    finite = False
                if not finite:
                    raise ExpressionError("a number in the condition is too large (not finite as a float)")
        root = self.cond(tree.body)
        return Condition(text, frozenset(self.used), root.direction, root, Program([root]))

    # booleans -------------------------------------------------------------------------------
    def cond(self, node: ast.expr) -> _Cond:
        if isinstance(node, ast.BoolOp):
            return _All(tuple(self.cond(value) for value in node.values), isinstance(node.op, ast.Or))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return _Not(self.cond(node.operand))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return _Const(node.value)
        if isinstance(node, ast.Name):
            if node.id in _BOOL_NAMES:
                return _Const(_BOOL_NAMES[node.id])
            field = self.field(node.id)
            if field.type == "bool":
                return self.flag(node.id, True)
            raise ExpressionError(
                f"{node.id!r} is {_article(field.type)} field, not a condition; compare it, {self.example(node.id)}"
            )
        raise ExpressionError(f"expected a condition, got {ast.unparse(node)!r}")

    def flag(self, name: str, expect: bool) -> _Flag:
        order = self.fields[name].order
        assert order is not None
        direction = Direction.UP if expect == order[1] else Direction.DOWN
        return _Flag(name, expect, direction)

    def compare(self, node: ast.Compare) -> _Cond:
        if len(node.ops) > 1:  # a < b <= c  ->  (a < b) and (b <= c)
            parts = [
                ast.Compare(left=left, ops=[op], comparators=[right])
                for left, op, right in zip([node.left, *node.comparators], node.ops, node.comparators)
            ]
            return _All(tuple(self.compare(part) for part in parts), any_of=False)
        left, op, right = node.left, type(node.ops[0]), node.comparators[0]
        if op in (ast.In, ast.NotIn):
            return self.membership(left, right, negate=op is ast.NotIn)
        typed = self.typed_name(left) or self.typed_name(right)
        if typed is not None and typed.type != "number":
            name_node, literal = (left, right) if self.typed_name(left) else (right, left)
            assert isinstance(name_node, ast.Name)
            if op not in (ast.Eq, ast.NotEq):
                raise ExpressionError(f"{name_node.id!r} is {_article(typed.type)} field: compare it with ==, != or in, not by order")
            return self.match(name_node.id, [literal], negate=op is ast.NotEq)
        return _NumCompare(op, self.num(left), self.num(right))

    def membership(self, left: ast.expr, right: ast.expr, negate: bool) -> _Cond:
        if isinstance(right, ast.Name) and self.field(right.id).type == "set":
            if not (isinstance(left, ast.Constant) and isinstance(left.value, str)):
                raise ExpressionError(f"write 'value' in {right.id}, with a quoted value on the left")
            field = self.fields[right.id]
            bit = 1 << self.literal_index(right.id, field, left)
            direction = Direction.DOWN if negate else Direction.UP
            return _SetHas(right.id, bit, negate, direction)
        if isinstance(left, ast.Name) and isinstance(right, (ast.List, ast.Tuple, ast.Set)):
            if not right.elts:
                raise ExpressionError(f"the list after 'in' is empty in {ast.unparse(right)!r}")
            return self.match(left.id, right.elts, negate)
        raise ExpressionError(
            f"'in' takes a field and a list, e.g. service_type in ['cloud_hosting', 'data_center'], "
            f"or a value and data_categories, e.g. 'health' in data_categories; got {ast.unparse(left)!r} in {ast.unparse(right)!r}"
        )

    def match(self, name: str, literals: Sequence[ast.expr], negate: bool) -> _Cond:
        field = self.field(name)
        if field.type == "bool":
            values = {self.bool_literal(name, literal) for literal in literals}
            if len(values) == 2:
                return _Const(not negate)
            return self.flag(name, values.pop() != negate)
        if field.type in ("number", "set"):
            raise ExpressionError(f"{name!r} is {_article(field.type)} field; {self.example(name)}")
        codes = tuple(sorted({self.literal_index(name, field, literal) for literal in literals}))
        return _CodeIn(name, codes, negate, self.enum_direction(field, codes, negate), field.nullable)

    def enum_direction(self, field: FieldType, codes: tuple[int, ...], negate: bool) -> Direction:
        if field.order is None:
            return Direction.CONST
        ranks = [field.order.index(field.values[code]) for code in codes]
        matched = set(ranks) if not negate else set(range(len(field.order))) - set(ranks)
        size = len(field.order)
        if not matched or len(matched) == size:
            return Direction.CONST
        if matched == set(range(size - len(matched), size)):
            return Direction.UP
        if matched == set(range(len(matched))):
            return Direction.DOWN
        return Direction.MIXED

    # numbers --------------------------------------------------------------------------------
    def num(self, node: ast.expr) -> _Num:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"expected a number, got {ast.unparse(node)}")
            return _NumConst(float(node.value))
        if isinstance(node, ast.Name):
            field = self.field(node.id)
            if field.type != "number":
                raise ExpressionError(f"{node.id!r} is {_article(field.type)} field, not a number; {self.example(node.id)}")
            direction = Direction.UP if field.increasing else Direction.CONST
            return _NumField(node.id, direction, nullable=field.nullable)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            return _NumBinary(type(node.op), self.num(node.left), self.num(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self.num(node.operand)
            return _NumConst(-operand.value) if isinstance(operand, _NumConst) else _NumNeg(operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.num(node.operand)
        raise ExpressionError(f"expected a number, got {ast.unparse(node)!r}")

    # names and literals ---------------------------------------------------------------------
    def field(self, name: str) -> FieldType:
        if name not in self.fields:
            raise ExpressionError(f"unknown field {name!r}{_did_you_mean(name, list(self.fields))}")
        self.used.add(name)
        return self.fields[name]

    def typed_name(self, node: ast.expr) -> FieldType | None:
        return self.field(node.id) if isinstance(node, ast.Name) and node.id not in _BOOL_NAMES else None

    def literal_index(self, name: str, field: FieldType, node: ast.expr) -> int:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            raise ExpressionError(f"{name!r} is compared with {ast.unparse(node)}; expected a quoted value{_choices(field.values)}")
        value = node.value
        if field.type == "country" and value.upper() in field.values and value != NO_LINK:
            value = value.upper()
        if value not in field.values:
            hint = "; did you mean 'GB'?" if field.type == "country" and value.upper() == "UK" else _did_you_mean(value, field.values)
            allowed = "" if field.type in ("country", "vendor") else _choices(field.values)
            kind = {"country": "an ISO 3166-1 alpha-2 code", "vendor": "a vendor in the pack's registry"}.get(
                field.type, f"a value of {name}"
            )
            raise ExpressionError(f"{node.value!r} is not {kind}{hint}{allowed}")
        return field.values.index(value)

    def bool_literal(self, name: str, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name) and node.id in _BOOL_NAMES:
            return _BOOL_NAMES[node.id]
        raise ExpressionError(f"{name!r} is a boolean field; compare it with true or false, not {ast.unparse(node)}")

    def example(self, name: str) -> str:
        field = self.fields[name]
        if field.type == "number":
            return f"e.g. {name} >= 0.5"
        if field.type == "set":
            return f"test membership, e.g. '{field.values[0]}' in {name}"
        return f"e.g. {name} == {field.values[0]!r}" if field.values else f"e.g. {name}"


def compile_condition(text: str, fields: Mapping[str, FieldType]) -> Condition:
    """Parse, type-check and compile a condition.

    Raises
    ------
    ExpressionError
        If the text uses anything outside the whitelist, names an unknown field or value,
        or mixes types; the message says what and offers a did-you-mean where one is close.

    Examples
    --------
    >>> fields = condition_fields(["Huawei"])
    >>> cond = compile_condition("operator == 'vendor' and 'health' in data_categories", fields)
    >>> cond.direction
    <Direction.UP: 1>
    """
    return _Compiler(fields).compile(text)
