"""Golden files: everything generated for the built-in examples, kept in ``generated/``.

One mechanism for every artefact: the generated modules (``seed_121.py``, the ``layers:``
examples; ``seed_121_python.py`` and ``seed_121_array_api.py`` for the other backends) and the
derivations (``seed-121.tex``, ``.md``, ``.dot``, derived at the example's
own point with one step of η = 0.5).  ``differences`` regenerates them in memory and returns a
unified diff per file that differs, is missing, or is stale (in ``generated/`` but no longer
produced).  ``python -m codegen.golden`` prints the diffs; ``--update`` rewrites the folder
(the same as ``python -m pytest --update-golden``).
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path

from codegen.derivation import Derivation
from codegen.dot import derivation_dot
from symbolic.examples import EXAMPLES, POINTS, builtin
from symbolic.matrix import parse_layers

from .generate import generate_module
from .steps import module_filename

#: Matrix-level networks whose generated modules are golden too.
MATRIX_EXAMPLES = ("layers:2-3-2:sigmoid:squared", "layers:4-8-3:relu:softmax-ce")
LEARNING_RATE = 0.5
#: Backends besides NumPy whose modules are golden too, and those that take matrix networks.
OTHER_BACKENDS = ("python", "array-api")
MATRIX_BACKENDS = ("array-api",)
GOLDEN_DIR = Path(__file__).resolve().parent.parent / "generated"
UPDATE_COMMAND = "python -m pytest --update-golden (or: python -m codegen.golden --update)"


def golden_modules() -> dict[str, str]:
    """{file name: module source} for every built-in example and matrix example, on every
    backend."""
    networks = [builtin(name) for name in EXAMPLES] + [parse_layers(s) for s in MATRIX_EXAMPLES]
    return {**{module_filename(n): generate_module(n) for n in networks}, **backend_modules()}


def golden_derivations() -> dict[str, str]:
    """{file name: text} of the .tex, .md and .dot of every built-in example."""
    files = {}
    for name in EXAMPLES:
        derivation = Derivation(builtin(name), at=POINTS[name], lr=LEARNING_RATE)
        files[f"{name}.tex"] = derivation.latex()
        files[f"{name}.md"] = derivation.markdown()
        files[f"{name}.dot"] = derivation_dot(derivation)
    return files


def backend_modules() -> dict[str, str]:
    """{``seed_121_python.py``, ...: source} for the other backends (issue 15): every built-in
    example for ``python`` and ``array-api``, the matrix examples for ``array-api``."""
    out = {}
    for backend in OTHER_BACKENDS:
        networks = [builtin(name) for name in EXAMPLES]
        if backend in MATRIX_BACKENDS:
            networks += [parse_layers(spec) for spec in MATRIX_EXAMPLES]
        for network in networks:
            suffix = "_" + backend.replace("-", "_")
            out[module_filename(network)[:-3] + suffix + ".py"] = generate_module(network, backend)
    return out


def golden_files() -> dict[str, str]:
    """Every golden file, in a fixed order."""
    return {**golden_modules(), **golden_derivations()}


def differences(folder: Path = GOLDEN_DIR, fresh: dict | None = None) -> list[str]:
    """One unified diff per file of ``folder`` that differs from ``fresh`` (default: every
    golden file regenerated), is missing from ``folder`` or is stale there."""
    fresh = golden_files() if fresh is None else fresh
    stale = sorted(p.name for p in Path(folder).iterdir() if p.is_file() and p.name not in fresh)
    diffs = [_diff(name, _read(Path(folder) / name), text) for name, text in fresh.items()]
    diffs += [_diff(name, _read(Path(folder) / name), "", stale=True) for name in stale]
    return [d for d in diffs if d]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _diff(name: str, old: str, new: str, stale: bool = False) -> str:
    if old == new and not stale:
        return ""
    after = "(stale: no longer generated)" if stale else "(regenerated)"
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"generated/{name} (golden)",
                                 tofile=f"generated/{name} {after}")
    return "".join(lines) or f"--- generated/{name} (golden)\n+++ generated/{name} {after}\n"


def update(folder: Path = GOLDEN_DIR) -> list[str]:
    """Rewrite ``folder`` with every golden file and remove stale ones; the names written."""
    fresh = golden_files()
    for path in Path(folder).iterdir():
        if path.is_file() and path.name not in fresh:
            path.unlink()
    for name, text in fresh.items():
        _write_atomic(Path(folder) / name, text)
    return list(fresh)


def _write_atomic(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(temp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen.golden", description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite generated/")
    args = parser.parse_args(argv)
    if args.update:
        names = update()
        print(f"wrote {len(names)} golden file(s) to {GOLDEN_DIR}")
        return 0
    diffs = differences()
    sys.stdout.writelines(diffs)
    if diffs:
        print(f"\n{len(diffs)} golden file(s) differ; if the change is intended: {UPDATE_COMMAND}")
        return 1
    print("golden files up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
