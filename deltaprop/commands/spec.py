"""``deltaprop spec NETWORK [-o FILE.net]``: write a network in the ``.net`` spec format."""
from __future__ import annotations

from symbolic.spec import format_spec
from symbolic.spec.matrix_write import format_matrix_spec

from ..loading import load_network, network_argument
from ..matrix_cli import is_matrix
from ..output import emit

HELP = "write a network as a .net spec file (a starting point to edit; read back by every command)"


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE.net",
                        help="file to write (default: print the spec)")


def run(args) -> int:
    network = load_network(args.network)
    text = format_matrix_spec(network) if is_matrix(network) else format_spec(network)
    emit(text, args.output, f"({text.count(chr(10))} lines) for network {network.name}")
    return 0
