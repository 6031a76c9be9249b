"""Backpropagation: one reverse sweep computing each shared δ_v = ∂L/∂v exactly once.

δ_v = Σ over the consumers u of v of what the edge u → v pulls back from δ_u (δ_L = 1), and
for every parameter ∂L/∂p the same sum.  Scalar and matrix networks go through this one
sweep: a scalar edge pulls back δ_u·∂u/∂v, a matrix edge the vector-Jacobian product of u's
right side (δ_A = Wᵀδ_Z, ∂L/∂W = δ_Z Aᵀ).  Compare ``symbolic.naive``, which builds the same
gradients from the same edges without sharing anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .naming import fresh_name
from .program import Assignment, Program


@dataclass(frozen=True, eq=False)
class Derivation:
    """The backward program: δ assignments in sweep order, then one gradient per parameter."""

    network: object        # symbolic.Network or symbolic.matrix.MatrixNetwork
    delta: dict            # node -> its δ symbol, in sweep order
    gradient: dict         # param -> its gradient symbol, in declaration order
    program: Program

    @property
    def delta_node(self) -> dict:
        """δ symbol -> the node it is the δ of."""
        return {d: v for v, d in self.delta.items()}

    def gradient_expression(self, param) -> sp.Expr:
        """∂L/∂param in δ form, e.g. ``delta_z1*x``."""
        return self.program.as_dict()[self.gradient[param]]

    def closure(self, param) -> Program:
        """The assignments ``grad_param`` needs, in program order (its unshared chain)."""
        needed, out = {self.gradient[param]}, []
        for a in reversed(self.program):
            if a.lhs in needed:
                out.append(a)
                needed |= a.rhs.free_symbols
        return Program(reversed(out))

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


def derive(network) -> Derivation:
    """Shared-δ backward program of ``network`` (see module docstring)."""
    graph, params = network.graph, set(network.params)
    taken = {s.name for s in network.symbols}
    pending: dict = {}
    delta, assignments = {}, []
    for u in reversed(graph.active):
        if u in params:
            continue
        g = sp.S.One
        if u != graph.loss:
            delta[u] = graph.symbol_like(fresh_name(f"delta_{u.name}", taken), u)
            assignments.append(Assignment(delta[u], graph.total(pending.pop(u, []), u)))
            g = delta[u]
        for edge in graph.out_edges(u):
            pending.setdefault(edge.producer, []).extend(edge.cotangents(g))
    gradient = {p: graph.symbol_like(fresh_name(f"grad_{p.name}", taken), p)
                for p in network.params}
    assignments += [Assignment(gradient[p], graph.total(pending.get(p, []), p))
                    for p in network.params]
    return Derivation(network, delta, gradient, Program(assignments))
