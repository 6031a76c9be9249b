"""``deltaprop derive NETWORK``: the derivation written out as a LaTeX or Markdown document.

Also the build step that writes ``derivation.tex``, ``derivation.md`` and ``graph.dot``.
"""
from __future__ import annotations

import math
from pathlib import Path

from codegen.derivation import Derivation
from symbolic.errors import DeltapropError
from symbolic.examples import POINTS, example_point
from codegen.matrix_document import matrix_document

from .. import matrix_cli
from ..arguments import number
from ..loading import load_network, network_argument, network_source
from ..output import check_targets, emit

HELP = ("write the derivation step by step: forward pass, chain rule, shared δ, costs "
        "(LaTeX or Markdown)")
FORMATS = ("tex", "md")


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (.tex or .md) instead of standard output")
    parser.add_argument("--format", choices=FORMATS,
                        help="tex (a complete LaTeX document) or md (Markdown with $$ blocks); "
                             "default: from the suffix of FILE, else tex")
    point_arguments(parser)
    parser.add_argument("--weights", metavar="W1,W2",
                        help="derive only these weights along their paths (default: all, or one "
                             "per layer for large networks)")
    parser.add_argument("--lr", metavar="ETA", type=number(0, low_open=True),
                        help="a positive learning rate; with --at: show one gradient-descent step w ← w − η·∂L/∂w")


def point_arguments(parser) -> None:
    """The ``--at NAME=VALUE,...`` option (also used by ``deltaprop graph``)."""
    parser.add_argument("--at", metavar="NAME=VALUE,...",
                        help="a worked numeric example at this point (every input, target and "
                             "parameter); 'example' uses a built-in example's own point")


def run(args) -> int:
    network = load_network(args.network)
    check_targets(args.output)            # before the (possibly long) derivation
    fmt = output_format(args.output, args.format)
    if matrix_cli.is_matrix(network):  # matrix-level networks (issue 6)
        return matrix_cli.derive(network, fmt, args)
    weights = [w.strip() for w in args.weights.split(",")] if args.weights else None
    derivation = Derivation(network, weights=weights, at=parse_point(args.at, network.name),
                            lr=args.lr, source=network_source(network))
    text = derivation.latex() if fmt == "tex" else derivation.markdown()
    emit(text, args.output or None)
    return 0


def output_format(path: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(path).suffix.lstrip(".") if path else ""
    if path and suffix not in FORMATS:
        raise DeltapropError(f"{path}: cannot tell the format from the suffix '.{suffix}'; "
                             "use .tex or .md, or give --format")
    return suffix or "tex"


def parse_point(text: str | None, network_name: str) -> dict | None:
    """``w=3,b=4`` → {'w': 3.0, 'b': 4.0}; ``example`` → the built-in example's point."""
    if text is None:
        return None
    if text.strip() == "example":
        if network_name not in POINTS:
            raise DeltapropError(f"--at example: {network_name!r} has no built-in point; "
                                 "give NAME=VALUE,...")
        return {k: float(v) for k, v in POINTS[network_name].items()}
    point = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise DeltapropError(f"--at: expected NAME=VALUE, got {item.strip()!r}")
        if name in point:
            raise DeltapropError(f"--at: {name} is given twice")
        point[name] = _number(value, f"--at: {name}")
    return point


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DeltapropError(f"{where}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise DeltapropError(f"{where}: {text.strip()!r} is not a finite number")
    return value


def build_step(network, outdir):
    """Build step: ``derivation.tex``, ``derivation.md`` and ``graph.dot`` (at the built-in
    example's point when the network is one)."""
    from codegen.dot import derivation_dot

    if matrix_cli.is_matrix(network):
        command = matrix_cli.derive_command(network)
        files = {f"derivation.{fmt}": matrix_document(network, fmt, command=command)
                 for fmt in ("tex", "md")}
        return files, ["derivation: matrix form, LaTeX and Markdown (no graph for matrix networks)"], True
    at = example_point(network)
    derivation = Derivation(network, at=at, source=network_source(network))
    files = {"derivation.tex": derivation.latex(), "derivation.md": derivation.markdown(),
             "graph.dot": derivation_dot(derivation)}
    where = f" at {derivation.command().split('--at ')[1]}" if at else ""
    return files, [f"derivation: LaTeX, Markdown and graph{where}"], True
