"""Golden modules: the generated module of every built-in example, kept in ``generated/``.

``python -m codegen.golden`` compares them with freshly generated ones and prints a unified
diff; ``python -m codegen.golden --update`` rewrites them.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from symbolic.examples import EXAMPLES, builtin

from .steps import module_filename
from symbolic.matrix import parse_layers  # noqa: E402

#: Matrix-level networks whose generated modules are golden too.
MATRIX_EXAMPLES = ("layers:2-3-2:sigmoid:squared", "layers:4-8-3:relu:softmax-ce")

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "generated"
UPDATE_COMMAND = "python -m codegen.golden --update"


def golden_modules() -> dict[str, str]:
    """{file name in generated/: module source} for every built-in example, in order."""
    from . import generate_module

    out = {}
    for name in EXAMPLES:
        network = builtin(name)
        out[module_filename(network)] = generate_module(network)
    for spec in MATRIX_EXAMPLES:  # matrix-level networks (issue 6)
        network = parse_layers(spec)
        out[module_filename(network)] = generate_module(network)
    return out


def write(folder: Path, files: dict[str, str]) -> None:
    from deltaprop.output import write_atomic

    for name, text in files.items():
        write_atomic(folder / name, text)


def differences(folder: Path = GOLDEN_DIR, fresh: dict | None = None) -> list[str]:
    """Unified diffs (one string per file) between ``folder`` and freshly generated modules."""
    fresh = golden_modules() if fresh is None else fresh
    diffs = []
    for name, text in fresh.items():
        path = folder / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            diffs.append("".join(difflib.unified_diff(
                old.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"generated/{name} (golden)", tofile=f"generated/{name} (regenerated)")))
    return diffs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.golden", description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the golden modules")
    args = parser.parse_args(argv)
    if args.update:
        files = golden_modules()
        write(GOLDEN_DIR, files)
        print(f"wrote {len(files)} module(s) to {GOLDEN_DIR}: {', '.join(files)}")
        return 0
    diffs = differences()
    for d in diffs:
        sys.stdout.write(d)
    if diffs:
        print(f"\n{len(diffs)} golden module(s) differ; if the change is intended: {UPDATE_COMMAND}")
        return 1
    print("golden modules up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
