"""Column mapping: read files whose headers differ from the canonical columns.

A mapping says, for some canonical columns, which header of the file holds them
(``{"contract_id": "ocid", "buyer_country": "Buyer country"}``). It comes from ``--map
canonical=header`` options or a TOML file with a ``[columns]`` table, and the readers of
:mod:`vendorrisk.io` apply it batch by batch. Columns the mapping does not name pass through.

A mapping file::

    # ocds.toml
    [columns]
    contract_id = "ocid"
    buyer_country = "buyer.address.countryName"
    vendor_name = "suppliers/0/name"
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from vendorrisk.errors import InputError
from vendorrisk.schema import CANONICAL_COLUMNS

#: Where a mapping given on the command line comes from, in messages.
OPTION: Final = "--map"


class MappingError(InputError):
    """A column mapping cannot be used: the message names where it came from, the entry and the problem.

    Attributes
    ----------
    source : ``--map``, or the mapping file, or the data file the mapping was applied to.
    key : the entry, e.g. ``columns.buyer_cntry`` in a file or ``buyer_cntry`` on the command line.
    problem : what is wrong, with a did-you-mean where there is one.
    """

    def __init__(self, problem: str, *, source: str | Path, key: str | None = None) -> None:
        self.source = str(source)
        self.key = key
        self.problem = problem
        super().__init__(": ".join(part for part in (self.source, self.key, problem) if part))


class MappingErrors(MappingError):
    """Several problems found in one mapping; all are reported together."""

    def __init__(self, errors: Sequence[MappingError]) -> None:
        self.errors = list(errors)
        InputError.__init__(self, "\n".join(str(error) for error in self.errors))
        self.source, self.key, self.problem = self.errors[0].source, self.errors[0].key, self.errors[0].problem


def _raise(errors: Sequence[MappingError]) -> None:
    """Raise the one problem, or all of them together; nothing if there is none."""
    if errors:
        raise errors[0] if len(errors) == 1 else MappingErrors(errors)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The closest choice, ignoring case (headers are often only capitalised differently)."""
    by_folded = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(word.casefold(), list(by_folded), n=1, cutoff=0.6)
    return f"; did you mean {by_folded[close[0]]!r}?" if close else ""


class _MappingFile(BaseModel):
    """A mapping file: ``[columns]`` canonical = "their header"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, StrictStr]


def check_mapping(mapping: Mapping[str, str], *, source: str | Path = OPTION, prefix: str = "") -> dict[str, str]:
    """Check a mapping canonical column -> file header and return it as a dict.

    Every problem is reported at once: a name that is not a canonical column (with a
    did-you-mean), an empty header, and one header mapped to two canonical columns.

    Examples
    --------
    >>> check_mapping({"contract_id": "ocid"})
    {'contract_id': 'ocid'}
    >>> check_mapping({"buyer_cntry": "Country"})
    Traceback (most recent call last):
    ...
    vendorrisk.mapping.MappingError: --map: buyer_cntry: not a canonical column; did you mean 'buyer_country'?
    """
    errors: list[MappingError] = []
    owner: dict[str, str] = {}
    for canonical, header in mapping.items():
        key = f"{prefix}{canonical}"
        if canonical not in CANONICAL_COLUMNS:
            errors.append(MappingError(f"not a canonical column{_did_you_mean(canonical, CANONICAL_COLUMNS)}", source=source, key=key))
        elif not header:
            errors.append(MappingError("the header is empty", source=source, key=key))
        elif header in owner:
            errors.append(MappingError(f"header {header!r} is already mapped to {owner[header]!r}", source=source, key=key))
        else:
            owner[header] = canonical
    _raise(errors)
    return dict(mapping)


def parse_options(items: Iterable[str]) -> dict[str, str]:
    """``["contract_id=ocid", ...]`` (the ``--map`` options) -> a checked mapping.

    The header may itself contain ``=``: only the first one splits. A canonical column
    given twice is an error.
    """
    mapping: dict[str, str] = {}
    errors: list[MappingError] = []
    for item in items:
        canonical, equals, header = item.partition("=")
        canonical = canonical.strip()
        if not equals or not canonical:
            errors.append(MappingError(f"{item!r} is not canonical=header", source=OPTION))
        elif canonical in mapping:
            errors.append(MappingError(f"given twice ({mapping[canonical]!r} and {header!r})", source=OPTION, key=canonical))
        else:
            mapping[canonical] = header
    _raise(errors)
    return check_mapping(mapping)


def load_file(path: str | Path) -> dict[str, str]:
    """Read a TOML mapping file with a ``[columns]`` table of canonical = "their header"."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError("no such file", source=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read it: {exc}", source=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"not valid TOML: {exc}", source=path) from None
    try:
        model = _MappingFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            MappingError(
                "a [columns] table is required" if error["type"] == "missing" else error["msg"].lower(),
                source=path,
                key=".".join(str(part) for part in error["loc"]),
            )
            for error in exc.errors()
        ]
    else:
        return check_mapping(model.columns, source=path, prefix="columns.")
    raise problems[0] if len(problems) == 1 else MappingErrors(problems)


def load_mapping(options: Iterable[str] = (), file: str | Path | None = None) -> dict[str, str]:
    """The mapping from a file and ``--map`` options together; an option wins over the file for its column."""
    mapping = load_file(file) if file is not None else {}
    mapping.update(parse_options(options))
    return check_mapping(mapping, source=f"{file} and {OPTION}" if file is not None else OPTION)


def renamed(names: Sequence[str], mapping: Mapping[str, str] | None, *, source: str | Path) -> list[str]:
    """The column names of a file after the mapping: each mapped header becomes its canonical name.

    Raises :class:`MappingError` (all problems at once) when a mapped header is not in the file,
    or the file also has the canonical column a header is mapped to (which one to score would
    be a guess). A canonical header that is itself mapped away does not count, so two columns
    can swap names.

    Examples
    --------
    >>> renamed(["ocid", "country", "note"], {"contract_id": "ocid", "buyer_country": "country"}, source="x.csv")
    ['contract_id', 'buyer_country', 'note']
    """
    if not mapping:
        return list(names)
    check_mapping(mapping)
    present = set(names)
    mapped_away = {header for canonical, header in mapping.items() if header != canonical}
    errors: list[MappingError] = []
    for canonical, header in mapping.items():
        if header not in present:
            errors.append(
                MappingError(f"the file has no column {header!r} (mapped to {canonical!r}){_did_you_mean(header, names)}", source=source)
            )
        elif header != canonical and canonical in present and canonical not in mapped_away:
            errors.append(
                MappingError(
                    f"the file has both a {canonical!r} column and {header!r}, which is mapped to {canonical!r}; "
                    "drop the mapping or rename one of the columns",
                    source=source,
                )
            )
    _raise(errors)
    to_canonical = {header: canonical for canonical, header in mapping.items()}
    return [to_canonical.get(name, name) for name in names]
