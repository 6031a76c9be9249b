"""What a network declares but does not use, for scalar and matrix networks alike (read off the
shared graph, ``symbolic.dag``): a parameter that cannot reach the loss, an input or target with
no effect, a node that is computed but never reaches the loss."""
from __future__ import annotations

import warnings

from .errors import NetworkError, NetworkWarning


def warn_unused(network, stacklevel: int) -> None:
    """A ``NetworkWarning`` for each unused parameter, input, target and node; a
    ``NetworkError`` when no parameter reaches the loss (``stacklevel``: the caller's user)."""
    def warn(text: str) -> None:
        warnings.warn(f"network {network.name!r}: {text}", NetworkWarning,
                      stacklevel=stacklevel + 2)

    reaching = network.graph.reaches_loss
    unreachable = [p for p in network.params if p not in reaching]
    if len(unreachable) == len(network.params):
        raise NetworkError(f"{network.name}: the loss depends on no parameter")
    for p in unreachable:
        warn(f"parameter {p} cannot reach the loss; its gradient is zero")
    for role, s in unused_data(network):
        warn(f"{role} {s} is not used on any path to the loss; it has no effect")
    for u in dead_nodes(network):
        warn(f"node {u} never reaches the loss; it is computed but has no effect")


def unused_data(network) -> list[tuple]:
    """(role, symbol) of each input and target that the loss does not depend on."""
    reaching = network.graph.reaches_loss
    return [(role, s) for role, group in (("input", network.inputs), ("target", network.targets))
            for s in group if s not in reaching]


def dead_nodes(network) -> list:
    """Nodes with no path to the loss, except read-outs: a node computed from other nodes, each
    reaching the loss or itself a read-out (a prediction such as softmax probabilities next
    to a loss written on the logits), is an output, not dead."""
    graph = network.graph            # its nodes are the user's: stored values are not nodes there
    nodes = set(graph.producers)
    live = set(graph.reaches_loss)
    stored = set(getattr(network, "stored_nodes", ()))  # deltaprop's (ΣT read by the δ sweep)
    dead = []
    for u in graph.producers:
        used = graph.producers[u]
        if u in live:
            continue
        if used and all(v in live for v in used) and any(v in nodes for v in used):
            live.add(u)           # a read-out (or a value deltaprop stored for one)
        elif u not in stored:
            dead.append(u)
    return dead
