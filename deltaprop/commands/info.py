"""``deltaprop info NETWORK``: what a network declares, its chain-rule paths and its costs."""
from __future__ import annotations

import re

from symbolic import derive, network_costs
from symbolic.cost import cost_table, ratio_line

from ..loading import load_network, network_argument
from ..matrix_cli import is_matrix

HELP = "show inputs, targets, parameters, nodes, chain-rule paths and op counts"
LIST_LIMIT = 24


def add_arguments(parser) -> None:
    network_argument(parser)


def run(args) -> int:
    network = load_network(args.network)
    if is_matrix(network):
        return _matrix_info(network)
    costs = network_costs(network, derive(network))
    print(f"network  {network.name}")
    print(f"inputs   {_names(network.inputs)}")
    print(f"targets  {_names(network.targets)}")
    print(f"params   {len(network.params):,}: {_grouped(network.params)}")
    print(f"nodes    {len(network.nodes):,}: {_grouped(network.nodes)}")
    print(f"loss     {_loss_line(network)}")
    print(f"chain-rule paths (naive product terms): {costs.paths:,}")
    print()
    print("\n".join(cost_table(costs.rows()) + [ratio_line(costs.ratios)]))
    return 0


def _matrix_info(network) -> int:
    from symbolic.matrix.text import math_text

    print(f"network  {network.name} (matrix-level; B = batch size)")
    for label, group in (("inputs", network.inputs), ("targets", network.targets),
                         ("params", network.params), ("nodes", network.nodes)):
        shown = " ".join(f"{s.name} ({_matrix_shape(network, s)})" for s in group)
        print(f"{label:<9}{shown or '(none)'}")
    print(f"loss     {_short(math_text(network.loss))}")
    weights = sum(int(p.shape[0]) * int(p.shape[1]) for p in network.params)
    print(f"scalar weights: {weights:,}")
    if network.name.startswith("layers:"):
        print(f"op counts and chain-rule paths: deltaprop info mlp:{network.name.split(':', 1)[1]}")
    return 0


def _matrix_shape(network, symbol) -> str:
    """``6×B`` per sample, ``3`` for a vector parameter, ``3×6`` for a matrix."""
    rows, cols = symbol.shape
    if network.is_batch(symbol):
        return f"{rows}×B"
    return f"{rows}" if symbol in network.vectors else f"{rows}×{cols}"


def _names(symbols) -> str:
    return _grouped(symbols) if symbols else "(none)"


def _grouped(symbols) -> str:
    if len(symbols) <= LIST_LIMIT:
        return " ".join(s.name for s in symbols)
    counts: dict[str, int] = {}
    for s in symbols:
        key = re.match(r"([^\d_]*)(\d+_)?", s.name).group(0)
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{key}* ({n:,})" for key, n in counts.items())


def _loss_line(network) -> str:
    """``L = (y - t)**2/2``, or for a loss that is a node: ``the node z = x*y``."""
    if network.loss == network.loss_symbol:
        rhs = network.forward.as_dict()[network.loss_symbol]
        return f"the node {network.loss_symbol} = {_short(rhs)}"
    return f"{network.loss_symbol} = {_short(network.loss)}"


def _short(expr, limit: int = 200) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[:limit] + " ..."
