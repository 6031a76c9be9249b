"""Backpropagation: one reverse sweep computing each shared δ_v = ∂L/∂v exactly once.

δ_v = Σ over the consumers u of v of δ_u·∂u/∂v (δ_L = 1), and for every parameter
∂L/∂p = Σ over its consumers u of δ_u·∂u/∂p.  Compare ``symbolic.naive``, which builds
the same gradients from the same local partials without sharing anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .graph import Edge
from .naming import fresh_symbols
from .program import Assignment, Program


@dataclass(frozen=True, eq=False)
class DeltaDerivation:
    """The backward program: δ assignments in reverse order, then one gradient per parameter."""

    network: "Network"     # symbolic.network.Network
    delta: dict            # node -> its δ symbol, in sweep order
    gradient: dict         # param -> its gradient symbol, in declaration order
    program: Program

    @property
    def delta_node(self) -> dict:
        """δ symbol -> the node it is the δ of."""
        return {d: v for v, d in self.delta.items()}

    def gradient_expression(self, param: sp.Symbol) -> sp.Expr:
        """∂L/∂param in δ form, e.g. ``delta_z1*x``."""
        return self.program.as_dict()[self.gradient[param]]

    @cached_property
    def weights_behind(self) -> dict:
        """For each δ node v, the parameters that reach the loss through v: they all reuse δ_v."""
        graph, params = self.network.graph, set(self.network.params)
        behind: dict = {}
        for v in graph.active:
            if v in params:
                continue
            found: dict = {}
            for u in graph.producers.get(v, ()):
                if u in params:
                    found[u] = None
                elif u in behind:
                    found.update(behind[u])
            behind[v] = found
        order = self.network.index
        return {v: sorted(behind[v], key=order.__getitem__) for v in self.delta}


def derive_delta(network) -> DeltaDerivation:
    """Shared-δ backward program of ``network`` (see module docstring)."""
    graph = network.graph
    params = set(network.params)
    swept = [v for v in reversed(graph.active) if v not in params and v != graph.loss]
    taken = {s.name for s in network.symbols}
    delta = fresh_symbols("delta_", swept, taken)
    gradient = fresh_symbols("grad_", network.params, taken)

    def term(edge: Edge) -> sp.Expr:
        if edge.consumer == graph.loss:
            return edge.partial
        return delta[edge.consumer] * edge.partial

    assignments = [Assignment(delta[v], sp.Add(*map(term, graph.in_edges(v)))) for v in swept]
    assignments += [Assignment(gradient[p], sp.Add(*map(term, graph.in_edges(p))))
                    for p in network.params]
    return DeltaDerivation(network, delta, gradient, Program(assignments))
