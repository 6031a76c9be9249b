"""``deltaprop generate NETWORK -o FILE.py``: write the stand-alone NumPy module of a network."""
from __future__ import annotations

from codegen import generate_module

from ..loading import load_network, network_argument
from ..output import emit

HELP = "write the stand-alone NumPy module (forward, loss, gradients) of a network"


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE.py",
                        help="file to write (default: print the module)")


def run(args) -> int:
    network = load_network(args.network)
    source = generate_module(network)
    emit(source, args.output, f"({source.count(chr(10))} lines) for network {network.name}")
    return 0
