"""The structure every network shares, scalar or matrix: who uses whom, what reaches the loss.

A network's graph has one vertex per symbol and one edge per use: ``consumer`` u reads
``producer`` v.  An edge knows how to pull a cotangent back across itself
(``Edge.cotangents``): for a scalar edge that is g·∂u/∂v, for a matrix edge the
vector-Jacobian product of u's right side.  The one reverse sweep (``symbolic.sweep``), the
naive path sums and the cost tables read nothing else.
"""
from __future__ import annotations

from functools import cached_property

import sympy as sp


class Dag:
    """Producers, consumers, the active set and path counts of a network's forward program.

    Subclasses give ``edges``: {(consumer, producer): edge} over the active symbols.
    """

    def __init__(self, network):
        self.network = network
        self.rhs = network.differentiated          # stored values (h_sigmoid) are not nodes here
        self.values = network.forward.as_dict()
        self.producers = {u: network.dependencies(e) for u, e in self.rhs.items()}
        self.consumers: dict = {s: [] for s in network.symbols}
        for u, vs in self.producers.items():
            for v in vs:
                self.consumers[v].append(u)

    @property
    def loss(self):
        return self.network.loss_symbol

    @cached_property
    def reaches_loss(self) -> frozenset:
        """Symbols with a path to the loss."""
        seen = {self.loss}
        for u in reversed(list(self.rhs)):
            if u in seen:
                seen.update(self.producers[u])
        return frozenset(seen)

    @cached_property
    def active(self) -> tuple:
        """Parameters and nodes that depend on a parameter and reach the loss, in order."""
        depends = set(self.network.params)
        for u in self.rhs:
            if any(v in depends for v in self.producers[u]):
                depends.add(u)
        return tuple(s for s in self.network.symbols if s in depends and s in self.reaches_loss)

    @cached_property
    def edges(self) -> dict:
        raise NotImplementedError

    def in_edges(self, v) -> list:
        """Edges from the consumers of ``v`` into ``v``, in consumer order."""
        return [self.edges[(u, v)] for u in self.consumers[v] if (u, v) in self.edges]

    def out_edges(self, u) -> list:
        """Edges from ``u`` to its active producers."""
        return [self.edges[(u, v)] for v in self.producers.get(u, ()) if (u, v) in self.edges]

    @cached_property
    def path_counts(self) -> dict:
        """Number of chain-rule paths from the loss to each active symbol (dynamic programming)."""
        counts = {s: 0 for s in self.active}
        counts[self.loss] = 1
        for v in reversed(self.active):
            if v != self.loss:
                counts[v] = sum(counts[e.consumer] for e in self.in_edges(v))
        return counts

    def symbol_like(self, name: str, like):
        """A new symbol called ``name`` of ``like``'s kind (a δ or gradient symbol)."""
        return sp.Symbol(name)

    def total(self, terms: list, like):
        """The sum of a δ's or gradient's terms (zero of ``like``'s kind when there are none)."""
        return sp.Add(*terms)
