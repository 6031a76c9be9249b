"""``deltaprop check NETWORK``: generate and import the module, then check its gradients."""
from __future__ import annotations

from codegen import check_gradients, load_module

from ..arguments import integer, seed
from ..loading import load_network, network_argument

HELP = "check the generated gradients against central differences and the naive chain rule"


def add_arguments(parser) -> None:
    network_argument(parser)
    parser.add_argument("--batch", type=integer(1, 100_000), default=16, help="samples in the random batch (16)")
    parser.add_argument("--seed", type=seed(), default=0, help="random seed (0)")


def run(args) -> int:
    network = load_network(args.network)
    result = check_gradients(load_module(network), network, batch=args.batch, seed=args.seed)
    print(result.summary())
    return 0 if result.ok else 1
