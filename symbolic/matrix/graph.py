"""The matrix network's graph: the shared structure (``symbolic.dag``), edges pulled back by
vector-Jacobian rules (``rules.VJP``).

An edge u → v pulls δ_u back through u's right side to every place v appears in it: for a
dense layer Z = W A + b 1ᵀ the edges give δ_A = Wᵀ δ_Z, ∂L/∂W = δ_Z Aᵀ and ∂L/∂b = δ_Z 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from ..count import count_expr
from ..dag import Dag
from ..graph import cheapest, mirrors, reuse_forward_values
from .entries import Entries
from .ops import Apply
from .rules import vjp


@dataclass(frozen=True)
class MatrixEdge:
    """``consumer`` = ``rhs`` uses the matrix ``producer``."""

    consumer: sp.MatrixSymbol
    producer: sp.MatrixSymbol
    rhs: sp.MatrixExpr

    def cotangents(self, g) -> list:
        """The terms this edge adds to δ_producer given δ_consumer = g, one per use."""
        found: list = []
        _pull_back(self.rhs, g, self.producer, found)
        return found


def _pull_back(expr, g, target, found: list) -> None:
    if expr == target:
        found.append(g)
        return
    if isinstance(expr, sp.MatrixSymbol) or not expr.has(target):
        return
    for arg, cotangent in zip(expr.args, vjp(expr, g)):
        if cotangent is not None:
            _pull_back(arg, cotangent, target, found)


class MatrixGraph(Dag):
    """Edges carry the right side they pull back through; δ and gradients are matrices."""

    def __init__(self, network):
        super().__init__(network)
        self._entries = Entries()        # one dummy per piece, shared by every δ sum
        self._simplified: dict = {}      # δ sum -> its simplified form (the sweep and every
                                         # naive path ask for the same sums)

    @cached_property
    def edges(self) -> dict:
        active = set(self.active)
        return {(u, v): MatrixEdge(u, v, rhs) for u, rhs in self.rhs.items() if u in active
                for v in self.producers[u] if v in active}

    @cached_property
    def _stored(self) -> dict:
        """Right sides the forward pass computed, mapped to their node (reused, not redone)."""
        return {rhs: lhs for lhs, rhs in self.network.equations}

    @cached_property
    def _entry_values(self) -> dict:
        """The stored nodes entry by entry (σ(a) → s, and its mirrors: σ(−a) → 1 − s), for the
        scalar engine's reuse of forward values."""
        stored: dict = {}
        for lhs, rhs in self.network.equations:
            if isinstance(rhs, Apply):
                value, node = self._entries.scalar(rhs), self._entries.dummy(lhs)
                stored.setdefault(value, node)
                for expr, mirror in mirrors(value, node):
                    stored.setdefault(expr, mirror)
        return stored

    def symbol_like(self, name: str, like):
        return sp.MatrixSymbol(name, *like.shape)

    def total(self, terms: list, like):
        if not terms:
            return sp.ZeroMatrix(*like.shape)
        total = terms[0] if len(terms) == 1 else sp.MatAdd(*terms)
        total = total.xreplace(self._stored)
        if total not in self._simplified:
            self._simplified[total] = self._cheapest_entries(total)
        return self._simplified[total]

    def _entry_cost(self, total) -> int:
        """Operations per entry of ``total`` as written (a sum's equal terms counted apart:
        SymPy's scalar sum would already have merged them)."""
        if isinstance(total, sp.MatAdd):
            return len(total.args) - 1 + sum(self._entry_cost(a) for a in total.args)
        return count_expr(self._entries.scalar(total)).total

    def _cheapest_entries(self, total):
        """``total`` simplified entry by entry as the scalar level simplifies a partial (stored
        values and their mirrors reused, then factored, expanded or collected), when that is
        cheaper: (1/B)(1 − T) ⊙ S − (1/B) T ⊙ σ(−Z) becomes (1/B)(S − T)."""
        values = self._entry_values
        scalar = self._entries.scalar(total)
        better = cheapest(reuse_forward_values(scalar, values))
        if count_expr(better).total >= self._entry_cost(total):
            return total
        try:
            return self._entries.matrix(better, total.shape)
        except NotImplementedError:
            return total
