"""The matrix-level δ sweep: one reverse pass over the equations applying ``rules.VJP``.

For a dense layer this yields δ_A = Wᵀ δ_Z (the seeds' E_h = Wᵀ·E_o), δ_Z = δ_A ⊙ f′(Z),
∂L/∂W = δ_Z Aᵀ and ∂L/∂b = δ_Z 1 (summed over the batch).  Inputs get no δ.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..naming import fresh_name
from .network import MatrixNetwork
from .rules import vjp


@dataclass(frozen=True)
class MatrixDerivation:
    """``program``: (lhs, rhs) pairs, δ assignments in sweep order then one ``grad_P`` per param."""

    network: MatrixNetwork
    delta: dict
    gradient: dict
    program: tuple

    def closure(self, param) -> tuple:
        """The assignments ``grad_param`` needs, in program order (its unshared chain)."""
        needed, out = {self.gradient[param]}, []
        for lhs, rhs in reversed(self.program):
            if lhs in needed:
                out.append((lhs, rhs))
                needed |= rhs.free_symbols
        return tuple(reversed(out))


def derive_matrix(network: MatrixNetwork) -> MatrixDerivation:
    """δ for every node that reaches the loss, and ∂L/∂P for every parameter matrix."""
    reuse = {rhs: lhs for lhs, rhs in network.equations}
    fresh = _fresh_names(network)
    pending: dict = {}
    delta, program = {}, []
    for lhs, rhs in reversed(network.forward):
        if lhs == network.loss_symbol:
            g = sp.S.One
        elif lhs in pending:
            delta[lhs] = sp.MatrixSymbol(fresh(f"delta_{lhs.name}"), *lhs.shape)
            program.append((delta[lhs], _total(pending.pop(lhs), reuse)))
            g = delta[lhs]
        else:
            continue
        _backprop(rhs, g, network, pending)
    gradient = {}
    for p in network.params:
        gradient[p] = sp.MatrixSymbol(fresh(f"grad_{p.name}"), *p.shape)
        terms = pending.get(p) or [sp.ZeroMatrix(*p.shape)]
        program.append((gradient[p], _total(terms, reuse)))
    return MatrixDerivation(network, delta, gradient, tuple(program))


def _fresh_names(network):
    """A function giving names no symbol of ``network`` has (δ of a node named delta_Z ...)."""
    taken = {s.name for s in network.symbols}
    return lambda name: fresh_name(name, taken)


def _backprop(expr, g, network, pending) -> None:
    if isinstance(expr, sp.MatrixSymbol):
        if network.role(expr) in ("param", "node"):
            pending.setdefault(expr, []).append(g)
        return
    if not _depends_on_unknowns(expr, network):
        return
    for arg, cotangent in zip(expr.args, vjp(expr, g)):
        if cotangent is not None:
            _backprop(arg, cotangent, network, pending)


def _depends_on_unknowns(expr, network) -> bool:
    return any(isinstance(s, sp.MatrixSymbol) and network.role(s) in ("param", "node")
               for s in expr.free_symbols)


def _total(terms, reuse):
    total = terms[0] if len(terms) == 1 else sp.MatAdd(*terms)
    return total.xreplace(reuse)
