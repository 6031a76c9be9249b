"""``deltaprop graph NETWORK -o FILE.dot|.svg|.png``: the computational graph as a picture."""
from __future__ import annotations

import argparse
from pathlib import Path

from codegen.derivation import Derivation
from codegen.dot import (AUTO_PARAM_NODES, AUTO_PARTIAL_EDGES, check_layout_size,
                          derivation_dot, render)
from symbolic.errors import DeltapropError

from ..loading import load_network, network_argument, network_source
from ..matrix_cli import is_matrix
from ..output import write_atomic
from .derive import parse_point, point_arguments

HELP = "draw the computational graph with its local partials (DOT; SVG/PNG with Graphviz)"
FORMATS = ("dot", "svg", "png")


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE", required=True,
                        help="FILE.dot (no dependency), FILE.svg or FILE.png (Graphviz's dot)")
    point_arguments(parser)
    parser.add_argument("--partials", action=argparse.BooleanOptionalAction, default=None,
                        help="label each edge with its local partial (default: when the graph "
                             f"has at most {AUTO_PARTIAL_EDGES} edges)")
    parser.add_argument("--params", action=argparse.BooleanOptionalAction, default=None,
                        help="draw each parameter as a box (default: for at most "
                             f"{AUTO_PARAM_NODES} parameters; otherwise the node equations "
                             "name them)")


def run(args) -> int:
    fmt = Path(args.output).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise DeltapropError(f"{args.output}: expected a .dot, .svg or .png file name")
    network = load_network(args.network)
    if is_matrix(network):
        raise DeltapropError(f"{network.name} is a matrix-level network; graph draws scalar "
                             "networks (mlp:SIZES:ACT:LOSS). Matrix networks support info, "
                             "build, generate, check, train, derive, compare and spec")
    if fmt != "dot":   # before the derivation: a graph too large to lay out fails at once
        check_layout_size(network, fmt, str(Path(args.output).with_suffix(".dot")))
    derivation = Derivation(network, at=parse_point(args.at, network.name),
                            source=network_source(network))
    text = derivation_dot(derivation, partials=args.partials, params=args.params)
    content = text if fmt == "dot" else render(text, fmt)
    write_atomic(args.output, content)
    print(f"wrote {args.output}")
    return 0
