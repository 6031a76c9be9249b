"""Golden derivations: the .tex, .md and .dot of every built-in example, kept in ``generated/``.

Each is derived at the example's own point (``symbolic.examples.POINTS``) with one
gradient-descent step of η = 0.5.  ``python -m symbolic.derivation_golden`` prints a unified
diff against freshly generated files; ``--update`` rewrites them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .derivation import Derivation
from .dot import derivation_dot
from .examples import EXAMPLES, POINTS, builtin

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "generated"
UPDATE_COMMAND = "python -m symbolic.derivation_golden --update"
LEARNING_RATE = 0.5


def golden_derivations() -> dict[str, str]:
    """{file name in generated/: text} for every built-in example, in order."""
    files = {}
    for name in EXAMPLES:
        derivation = Derivation(builtin(name), at=POINTS[name], lr=LEARNING_RATE)
        files[f"{name}.tex"] = derivation.latex()
        files[f"{name}.md"] = derivation.markdown()
        files[f"{name}.dot"] = derivation_dot(derivation)
    return files


def main(argv=None) -> int:
    from codegen.golden import differences, write

    parser = argparse.ArgumentParser(prog="python -m symbolic.derivation_golden",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the golden derivations")
    args = parser.parse_args(argv)
    files = golden_derivations()
    if args.update:
        write(GOLDEN_DIR, files)
        print(f"wrote {len(files)} file(s) to {GOLDEN_DIR}: {', '.join(files)}")
        return 0
    diffs = differences(GOLDEN_DIR, files)
    for d in diffs:
        sys.stdout.write(d)
    if diffs:
        print(f"\n{len(diffs)} golden derivation(s) differ; if the change is intended: "
              f"{UPDATE_COMMAND}")
        return 1
    print("golden derivations up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
