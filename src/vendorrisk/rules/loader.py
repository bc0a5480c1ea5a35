"""Find, read, layer, validate and compile rule packs.

A pack is a folder of TOML files (merged: lists concatenate, tables must not collide) or a single
TOML file. A pack whose ``[pack]`` table says ``extends = "default"`` (or a path) is laid over
that base: parameters merge key by key, rules merge by ``id`` (a partial rule overrides only the
keys it gives, so ``{ id = "x", enabled = false }`` switches a rule off), table rows by their key.
Every problem found is reported with the file, the key path and what is wrong.
"""

from __future__ import annotations

import copy
import difflib
import re
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from vendorrisk import reference as reference_module
from vendorrisk.rules import model as model_module
from vendorrisk.errors import ExpressionError, PackError, PackErrors
from vendorrisk.reference import Reference
from vendorrisk.rules.expr import Condition, Direction, compile_condition, condition_fields
from vendorrisk.rules.model import KEYED_LISTS, Pack, Rule

DEFAULT: Final = "default"
_EFFECT_KINDS: Final = frozenset({"add", "multiply", "floor", "cap", "gate"})
#: Lists whose entries are merged key by key when a pack extends another (a partial entry overrides
#: only the keys it gives) and whose messages name the file each entry came from.
_TRACKED: Final = ("rules", "tests")
#: Top-level keys left out of the fingerprint: they do not change any score (docs/policy-testing.md).
UNSCORED_KEYS: Final = frozenset({"tests"})
#: How many packs a chain of ``extends`` may hold (the pack itself included); a longer chain is
#: refused rather than followed (each link is a level of recursion and a deep copy of the base).
MAX_EXTENDS: Final = 16
#: How deep arrays and tables may nest in a pack file; the pack format needs five levels.
MAX_NESTING: Final = 16
#: How a pack file starts when it has a byte-order mark: UTF-8's is skipped, UTF-16's is named.
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
#: What ``path`` (and ``rules=``) may be, for the message that refuses anything else.
PACK_ARGUMENT: Final = "a rule pack is a path to a pack folder or .toml file, 'default', a loaded RulePack, or None (the default pack)"


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    condition: Condition
    origin: str


@dataclass(frozen=True)
class RulePack:
    """A validated pack with its conditions compiled; immutable and safe to share between threads.

    Attributes
    ----------
    model : the merged, validated :class:`~vendorrisk.rules.model.Pack`.
    rules : the enabled rules, in pack order, each with its compiled condition.
    fingerprint : ``sha256:`` + hex digest of the pack's canonical JSON; stamped on every result.
    source : where the pack was read from.
    """

    model: Pack
    rules: tuple[CompiledRule, ...]
    fingerprint: str
    source: str
    origins: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def reference(self) -> Reference:
        model = self.model
        month, day = (model.governance_meta.available_from or "01-01").split("-")
        params = model.parameters
        return Reference(
            model.jurisdictions,
            model.vendors,
            model.incidents,
            model.governance,
            (int(month), int(day)),
            (params.legal_reach.control_single, params.legal_reach.control_combined),
            {str(grade): weight for grade, weight in params.incidents.grade_weights.items()},
            {str(kind): weight for kind, weight in params.incidents.kind_weights.items()},
            params.incidents.half_life_years * 365.25,
            model.restrictions,
            model.population,
        )

    @property
    def name(self) -> str:
        return self.model.pack.name


def default_pack_path() -> Path:
    """The default pack: inside the installed wheel, or ``rules/default`` in a source checkout."""
    shipped = Path(str(resources.files("vendorrisk"))) / "_packs" / DEFAULT
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[3] / "rules" / DEFAULT


_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], RulePack] = {}


def load_rules(path: str | os.PathLike[str] | None = None) -> RulePack:
    """Load a rule pack (the default pack when ``path`` is None).

    Loaded packs are cached by path and file modification times, so repeated calls are cheap.

    Raises
    ------
    PackError
        If the pack cannot be read or is invalid; the message names file, key path and problem.
    """
    if path is not None and (not isinstance(path, (str, os.PathLike)) or not str(path).strip()):
        raise PackError(f"{PACK_ARGUMENT}; got {type(path).__name__} {path!r}"[:300])
    target = default_pack_path() if path is None or str(path) == DEFAULT else Path(path)
    files = _pack_files(target)
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    key = (str(target.resolve()), stamp)
    if key not in _CACHE:
        _CACHE[key] = _build(target, files)
    return _CACHE[key]


def forget_memos() -> None:
    """:meth:`~vendorrisk.reference.Reference.forget_memos` for every loaded pack (tests only)."""
    for pack in _CACHE.values():
        pack.reference.forget_memos()


def _pack_files(target: Path) -> list[Path]:
    if target.is_dir():
        files = sorted(target.glob("*.toml"))
        if not files:
            raise PackError("the folder holds no .toml files", path=target)
        return files
    if target.is_file():
        return [target]
    raise PackError("no such file or folder", path=target)


def _read(path: Path) -> dict[str, Any]:
    """One pack file as a document: UTF-8 (a leading byte-order mark is skipped), valid TOML,
    nested at most :data:`MAX_NESTING` deep, list entries keyed by text (:data:`KEYED_LISTS`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        document = tomllib.loads(_text(data))
    except UnicodeDecodeError as exc:
        raise PackError(_not_utf8(data, exc), path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"not valid TOML: {exc}", path=path) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise PackError(f"arrays or tables nest too deeply to read (at most {MAX_NESTING} levels)", path=path) from None
    too_deep = _too_deep(document)
    if too_deep:
        raise PackError(f"arrays or tables nest more than {MAX_NESTING} levels deep", path=path, key=too_deep)
    problem = _bad_entry_key(document)
    if problem:
        raise PackError(problem[1], path=path, key=problem[0])
    return document


def _text(data: bytes) -> str:
    """A pack file's bytes as text: strict UTF-8, after a UTF-8 byte-order mark if there is one."""
    return data.removeprefix(_UTF8_BOM).decode("utf-8")


def _not_utf8(data: bytes, exc: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8: line and column (characters), and the byte found there."""
    start = exc.start + (len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0)
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
    where = f"byte 0x{data[start]:02x} at line {line}, column {column}"
    if data.startswith(_UTF16_BOMS):
        return f"not UTF-8 text: it starts with a UTF-16 byte-order mark ({where}); a pack file must be saved as UTF-8"
    return f"not UTF-8 text ({where}; Latin-1 or Windows-1252?); a pack file must be saved as UTF-8"


def _too_deep(document: Mapping[str, Any]) -> str | None:
    """The top-level key under which arrays or tables nest deeper than :data:`MAX_NESTING`, if any.

    Walked with a stack, not recursion, so that any depth the TOML reader returns is safe here.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, key) for key, value in document.items()]
    while stack:
        value, depth, key = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_NESTING:
                return key
            stack.extend((child, depth + 1, key) for child in (value.values() if isinstance(value, dict) else value))
    return None


def _bad_entry_key(document: Mapping[str, Any]) -> tuple[str, str] | None:
    """(key path, problem) for the first entry of a keyed list whose key (a rule's ``id``, a
    vendor's ``name``, ...) is not text: entries merge by that key, so it must be one."""
    for name, (key, label) in KEYED_LISTS.items():
        entries = document.get(name)
        for index, entry in enumerate(entries if isinstance(entries, list) else ()):
            value = entry.get(key) if isinstance(entry, dict) else None
            if value is not None and not isinstance(value, str):
                return f"{name}[{index}].{key}", f"the {label} must be a string, not {_shown(value)}"
    return None


def _kind(value: object) -> str:
    """How a message names the type of a TOML value (or a Python argument)."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array", dict: "a table"}
    return next((label for kind, label in names.items() if isinstance(value, kind)), f"a {type(value).__name__}")


def _shown(value: object) -> str:
    """A TOML value for a message: its type and its value as JSON (close to how TOML writes it)."""
    return f"{_kind(value)}, {json.dumps(value, ensure_ascii=False, default=str)[:80]}"


def _read_pack(
    target: Path, files: Sequence[Path], chain: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge a pack's files; return the raw document and the file each top-level key/rule came from.

    Lists from several files are concatenated; tables are merged key by key, and the same key
    given twice with different values is an error naming both files.
    """
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for path in files:
        for key, value in _read(path).items():
            if isinstance(value, list) and isinstance(merged.get(key, []), list):
                merged.setdefault(key, []).extend(value)
                if key in _TRACKED:  # rules and tests: each entry's file, for messages
                    label = KEYED_LISTS[key][0]
                    for entry in value:
                        if isinstance(entry, dict) and isinstance(entry.get(label), str):
                            origins[f"{key}.{entry[label]}"] = str(path)
            else:
                clash = _clash(merged.get(key), value, key)
                if clash:
                    raise PackError(f"also defined in {origins.get(key, 'another file')}", path=path, key=clash)
                merged[key] = _overlay(merged[key], value) if isinstance(merged.get(key), dict) else value
            origins.setdefault(key, str(path))
    extends = merged.get("pack", {}).get("extends") if isinstance(merged.get("pack"), dict) else None
    if extends is not None:
        base_target = _base_of(target, extends, chain, origins.get("pack", str(target)))
        base, base_origins = _read_pack(base_target, _pack_files(base_target), (*chain, target.resolve()))
        base_origins.update(origins)
        try:
            layered = _overlay(base, merged)
            layered["pack"].pop("extends", None)  # a dict: extends was read from it
            return layered, base_origins
        except PackError as exc:
            raise PackError(exc.problem, path=target, key=exc.key) from None
    return merged, origins


def _base_of(target: Path, extends: object, chain: tuple[Path, ...], referrer: str) -> Path:
    """The pack that ``target`` extends: checked, and named with the file that refers to it."""
    key = "pack.extends"
    if not isinstance(extends, str) or not extends.strip():
        raise PackError(
            f"extends must name a pack: {DEFAULT!r} or a path relative to the pack's folder; got {_shown(extends)}", path=referrer, key=key
        )
    base = (default_pack_path() if extends == DEFAULT else (target.parent / extends)).resolve()
    if base in (*chain, target.resolve()):
        raise PackError(f"packs extend each other in a cycle through {base}", path=target, key=key)
    if len(chain) + 1 >= MAX_EXTENDS:
        raise PackError(
            f"extends {extends!r}: more than {MAX_EXTENDS} packs extend each other in a chain from {chain[0]}; "
            f"a chain holds at most {MAX_EXTENDS}", path=referrer, key=key,
        )
    if not base.exists():
        raise PackError(f"extends {extends!r}: no such pack file or folder {base}", path=referrer, key=key)
    if base.is_dir() and not any(base.glob("*.toml")):
        raise PackError(f"extends {extends!r}: the folder {base} holds no .toml files", path=referrer, key=key)
    return base


def _clash(old: Any, new: Any, key: str) -> str | None:
    """The key path where two files give different values for the same key, if any."""
    if old is None or old == new:
        return None
    if isinstance(old, dict) and isinstance(new, dict):
        for name in old.keys() & new.keys():
            clash = _clash(old[name], new[name], f"{key}.{name}")
            if clash:
                return clash
        return None
    return key


def _overlay(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in top.items():
        if key in KEYED_LISTS and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_keyed(key, result[key], value, partial=key in _TRACKED)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _overlay(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_keyed(name: str, base: list[Any], top: list[Any], partial: bool) -> list[Any]:
    key, label = KEYED_LISTS[name]
    merged = list(base)
    # Entries without their key are appended as they are: validation then says the key is missing.
    position = {entry[key]: index for index, entry in enumerate(merged) if isinstance(entry, dict) and key in entry}
    given = [entry[key] for entry in top if isinstance(entry, dict) and key in entry]
    twice = sorted({str(value) for value in given if given.count(value) > 1})
    if twice:
        raise PackError(f"duplicate {label} {twice[0]!r}: give each entry once per pack", key=f"{name}.{twice[0]}")
    for entry in top:
        index = position.get(entry[key]) if isinstance(entry, dict) and key in entry else None
        if index is None:
            merged.append(entry)
        else:
            merged[index] = {**merged[index], **entry} if partial else entry
    return merged


def _key_path(document: Mapping[str, Any], loc: Sequence[int | str]) -> str:
    """Render a pydantic location, naming rules by id: ``rules.vendor_holds_keys.effect.points``."""
    parts: list[str] = []
    node: Any = document
    tagged = False
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            entry = node[item] if item < len(node) else None
            label = next((entry[k] for k in ("id", "code", "name") if isinstance(entry, dict) and isinstance(entry.get(k), str)), None)
            parts.append(f".{label}" if label else f"[{item}]")
            node = entry
        elif item == "[key]" or (parts and parts[-1] == ".effect" and item in _EFFECT_KINDS and not tagged):
            tagged = True  # pydantic's marker for a dict key, or the union's tag after "effect"
        else:
            parts.append(f".{item}")
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts).lstrip(".")


def _origin(origins: Mapping[str, str], key: str, default: str) -> str:
    first = key.split(".")[0]
    if first in _TRACKED and "." in key:
        return origins.get(".".join(key.split(".")[:2]), origins.get(first, default))
    return origins.get(first, default)


def _build(target: Path, files: Sequence[Path]) -> RulePack:
    document, origins = _read_pack(target, files)
    try:
        model = Pack.model_validate(document)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            key = _key_path(document, error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key" + _key_hint(error["loc"])
            elif error["type"] in ("literal_error", "enum") and isinstance(error.get("input"), str):
                allowed = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
                close = difflib.get_close_matches(error["input"], allowed, n=1, cutoff=0.6)
                message += f"; did you mean {close[0]!r}?" if close else ""
            errors.append(PackError(message, path=_origin(origins, key, str(target)), key=key or None))
        raise PackErrors(errors) from None
    fields = condition_fields([vendor.name for vendor in model.vendors])
    compiled: list[CompiledRule] = []
    problems = _unknown_rules_in_tests(model, origins, target)
    for rule in model.rules:
        key = f"rules.{rule.id}.when"
        origin = _origin(origins, key, str(target))
        try:
            condition = compile_condition(rule.when, fields)
        except ExpressionError as exc:
            problems.append(PackError(str(exc), path=origin, key=key))
            continue
        problem = _monotonicity_problem(rule, condition)
        if problem:
            problems.append(PackError(problem, path=origin, key=key))
        elif rule.enabled:
            compiled.append(CompiledRule(rule, condition, origin))
    if problems:
        raise PackErrors(problems)
    return RulePack(model, tuple(compiled), fingerprint(model), str(target), origins)


def _unknown_rules_in_tests(model: Pack, origins: Mapping[str, str], target: Path) -> list[PackError]:
    """A test's ``fires``/``not_fires`` must name rules of the pack. A disabled rule still counts:
    a test inherited from a base pack may name it, and then fails when run, which must not stop
    the pack from loading for scoring."""
    known = [rule.id for rule in model.rules]
    problems: list[PackError] = []
    for test in model.tests:
        for name in ("fires", "not_fires"):
            for rule_id in getattr(test.expect, name):
                if rule_id not in known:
                    close = difflib.get_close_matches(rule_id, known, n=1, cutoff=0.6)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    key = f"tests.{test.name}.expect.{name}"
                    problems.append(PackError(f"no rule {rule_id!r} in the pack{hint}", path=_origin(origins, key, str(target)), key=key))
    return problems


def _key_hint(loc: Sequence[int | str]) -> str:
    """A did-you-mean for a misspelt key, from every key the pack format knows."""
    name = str(loc[-1]) if loc else ""
    close = [key for key in difflib.get_close_matches(name, sorted(_known_keys()), n=2, cutoff=0.6) if key != name]
    return f"; did you mean {close[0]!r}?" if close else ""


@cache
def _known_keys() -> frozenset[str]:
    keys: set[str] = set()
    for module in (model_module, reference_module):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
                keys |= set(value.model_fields)
    return frozenset(keys)


def _monotonicity_problem(rule: Rule, condition: Condition) -> str | None:
    """Why a rule would break monotonicity, or None: a raising effect needs a condition that only
    turns true as risk grows, a lowering one a condition that only turns true as risk falls."""
    if rule.raises:
        wrong, needs, example = Direction.DOWN, "raises the score (or gates)", "hosting != 'customer_premises' rather than hosting == 'in_country'"
    elif rule.lowers:
        wrong, needs, example = Direction.UP, "lowers the score", "customer_held_keys, or hosting == 'customer_premises'"
    else:
        return None
    if not condition.direction & wrong:
        return None
    turn = (
        "is not monotone in risk" if condition.direction == Direction.MIXED
        else f"can turn true as an input gets {'less risky' if wrong == Direction.DOWN else 'riskier'}"
    )
    grows = "grows" if wrong == Direction.DOWN else "falls"
    return (
        f"the condition {turn}, so this {rule.effect.kind} would make the score fall as risk grows; "
        f"a rule that {needs} needs a condition that only turns true as risk {grows} (e.g. {example})"
    )


def fingerprint(model: Pack) -> str:
    """``sha256:`` + the digest of the pack's canonical JSON (sorted keys, no whitespace).

    The pack's ``[[tests]]`` are left out (:data:`UNSCORED_KEYS`): the fingerprint names what
    scored a result, and adding or fixing a test changes no score.
    """
    canonical = json.dumps(model.model_dump(mode="json", exclude=set(UNSCORED_KEYS)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
