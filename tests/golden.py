"""Golden vectors: the exact numbers the engine gives for reviewed contracts.

``tests/data/golden/contracts.csv`` holds contracts chosen so that every factor, every kind of
foreign link, every rule effect kind and every unknown input is exercised (the ``source`` column
says what each one is for). ``default.json`` and ``effects.json`` hold what the engine gives for
them under the default pack and under ``effects/pack.toml`` (the default pack plus one rule of
every effect kind with a value that is not neutral): every factor to 6 decimals, the score and
its interval at the output's rounding (1 decimal), band, gate, the reaching state, the matched
vendor, how the name matched, the row's warning and the points each fired rule moved.

``tests/test_golden.py`` compares every value exactly. When a change to the model, a pack or the
reference data is meant to move a number, regenerate the files and explain the move in the
commit message and in CHANGELOG.md::

    python tests/golden.py --write        # rewrite the expected files
    python tests/golden.py                # show what would change, exit 1 if anything would
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent / "data" / "golden"
CONTRACTS = HERE / "contracts.csv"
#: expected file -> rule pack (None: the default pack)
PACKS: dict[str, Path | None] = {"default.json": None, "effects.json": HERE / "effects" / "pack.toml"}
FACTOR_DECIMALS = 6
POINT_DECIMALS = 3


def read_contracts(path: Path = CONTRACTS) -> pa.Table:
    """The golden contracts as text columns, as the CLI reads a CSV file."""
    names = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    options = pacsv.ConvertOptions(column_types={name: pa.string() for name in names}, strings_can_be_null=True)
    return pacsv.read_csv(path, convert_options=options)


def compute(pack_path: Path | None, contracts: pa.Table | None = None) -> dict[str, Any]:
    """What the engine gives for the golden contracts under a pack, as the expected files hold it."""
    from vendorrisk.engine import pack_of, run
    from vendorrisk.schema import BANDS, GATES

    pack = pack_of(pack_path)
    table = read_contracts() if contracts is None else contracts
    result = run(table, pack, None)
    scored, columns = result.scored, result.columns
    rule_ids = [compiled.rule.id for compiled in pack.rules]
    ids = table.column("contract_id").to_pylist()
    rows = []
    for i, contract_id in enumerate(ids):
        rows.append(
            {
                "contract_id": contract_id,
                "factors": {name: round(float(value[i]), FACTOR_DECIMALS) for name, value in vars(scored.factors).items() if name != "reach_link"},
                "score": float(scored.score[i]),
                "score_low": float(scored.score_low[i]),
                "score_high": float(scored.score_high[i]),
                "band": BANDS[scored.band[i]],
                "gate": GATES[scored.gate[i]],
                "reach_state": _text(columns["reach_state"], i),
                "matched_vendor": _text(columns["matched_vendor"], i),
                "match": _text(columns["match"], i),
                "warning": _text(columns["warning"], i),
                "rules": {
                    rule_ids[j]: round(float(scored.contribution[i, j]), POINT_DECIMALS) + 0.0  # no -0.0
                    for j in range(len(rule_ids))
                    if scored.fired[i, j]
                },
            }
        )
    return {"pack": pack.name, "contracts": rows}


def _text(coded: Any, i: int) -> str:
    return str(coded.texts[coded.codes[i]])


def render(expected: dict[str, Any]) -> str:
    return json.dumps(expected, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the expected files")
    args = parser.parse_args(argv)
    changed = 0
    for name, pack in PACKS.items():
        path = HERE / name
        text = render(compute(pack))
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if text == old:
            continue
        changed += 1
        if args.write:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parents[2])}")
        else:
            import difflib

            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), str(path), "now"))
    if not changed:
        print("golden vectors are up to date")
    return 1 if changed and not args.write else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main())
