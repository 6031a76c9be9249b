"""One entry of an element-wise matrix expression, as a scalar expression the scalar engine reads.

Sums, Hadamard products and powers, element-wise functions and numbers are one scalar
expression per entry; every other piece (a product W·X, a sum over a sample, a broadcast b·1ᵀ,
a transpose) is a dummy standing for that piece's entry.  ``from_scalar`` maps the result back.
"""
from __future__ import annotations

import sympy as sp

from .functions import SCALAR, from_scalar
from .ops import Apply


class Entries:
    """Converts element-wise matrix expressions to scalar entries, one dummy per other piece."""

    def __init__(self):
        self.dummies: dict = {}          # matrix piece -> Dummy

    @property
    def pieces(self) -> dict:
        """Dummy -> the matrix piece it stands for."""
        return {d: m for m, d in self.dummies.items()}

    def dummy(self, piece) -> sp.Dummy:
        if piece not in self.dummies:
            self.dummies[piece] = sp.Dummy(f"e{len(self.dummies)}", real=True)
        return self.dummies[piece]

    def scalar(self, expr) -> sp.Expr:
        """One entry of ``expr``."""
        special = self.special(expr)
        if special is not None:
            return special
        if isinstance(expr, sp.MatAdd):
            return sp.Add(*(self.scalar(a) for a in expr.args))
        if isinstance(expr, sp.HadamardProduct):
            return sp.Mul(*(self.scalar(a) for a in expr.args))
        if isinstance(expr, sp.HadamardPower):
            return sp.Pow(self.scalar(expr.args[0]), expr.args[1])
        if isinstance(expr, Apply):
            return SCALAR[expr.name](self.scalar(expr.arg))
        if isinstance(expr, sp.OneMatrix):
            return sp.S.One
        if isinstance(expr, sp.MatMul):
            coeff, matrices = expr.as_coeff_matrices()
            if all(isinstance(m, sp.OneMatrix) for m in matrices):
                return coeff
            if len(matrices) == 1:
                return coeff * self.scalar(matrices[0])
            if coeff != 1:  # c·(W·X), −1·(1·lse(Z)): the piece without its coefficient
                return coeff * self.scalar(sp.MatMul(*matrices))
        return self.piece(expr)

    def special(self, expr):
        """A subclass's own reading of ``expr``'s entry, or None (the general rules)."""
        return None

    def piece(self, expr) -> sp.Dummy:
        """The dummy for a piece that is not element-wise."""
        return self.dummy(expr)

    def matrix(self, scalar: sp.Expr, shape):
        """The scalar entry ``scalar`` back as matrix operations of ``shape``."""
        return from_scalar(scalar, self.pieces, shape)
