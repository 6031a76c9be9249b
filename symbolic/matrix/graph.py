"""The matrix network's graph: the shared structure (``symbolic.dag``), edges pulled back by
vector-Jacobian rules (``rules.VJP``).

An edge u → v pulls δ_u back through u's right side to every place v appears in it: for a
dense layer Z = W A + b 1ᵀ the edges give δ_A = Wᵀ δ_Z, ∂L/∂W = δ_Z Aᵀ and ∂L/∂b = δ_Z 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from ..dag import Dag
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

    @cached_property
    def edges(self) -> dict:
        active = set(self.active)
        return {(u, v): MatrixEdge(u, v, rhs) for u, rhs in self.rhs.items() if u in active
                for v in self.producers[u] if v in active}

    @cached_property
    def _stored(self) -> dict:
        """Right sides the forward pass computed, mapped to their node (reused, not redone)."""
        return {rhs: lhs for lhs, rhs in self.network.equations}

    def symbol_like(self, name: str, like):
        return sp.MatrixSymbol(name, *like.shape)

    def total(self, terms: list, like):
        if not terms:
            return sp.ZeroMatrix(*like.shape)
        total = terms[0] if len(terms) == 1 else sp.MatAdd(*terms)
        return total.xreplace(self._stored)
