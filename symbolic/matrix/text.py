"""Readable one-line math for matrix expressions: W2ᵀ·δ_Z2, δ_A1 ⊙ A1 ⊙ (1 − A1), with shapes."""
from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from .ops import signed_terms


def precedence_of(item) -> int:
    """SymPy's precedence levels for matrix expressions, without SymPy's ``precedence``
    (which negates a product to test its sign: a slow ``doit`` per call)."""
    if isinstance(item, sp.MatAdd):
        return 40
    if isinstance(item, (sp.MatMul, sp.HadamardProduct)):
        return 50
    if isinstance(item, sp.HadamardPower):
        return 60
    return 1000


class MatrixMathPrinter(StrPrinter):
    """SymPy's str printer with ⊙ for Hadamard products, ᵀ, · and 1 for the ones matrix."""

    def parenthesize(self, item, level, strict=False):
        text = self._print(item)
        low = precedence_of(item) <= level if strict else precedence_of(item) < level
        return f"({text})" if low else text

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(self.parenthesize(a, 50) for a in expr.args)

    def _print_HadamardPower(self, expr):
        base, n = expr.args
        if n == sp.S.Half:
            return f"sqrt.({self._print(base)})"
        return f"{self.parenthesize(base, 100)}^∘{n}"

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        body = "·".join(self.parenthesize(f, 50) for f in factors)
        if coeff == 1:
            return body
        if coeff == -1:
            return f"-{body}"
        return f"({self._print(coeff)})·{body}"

    def _print_MatAdd(self, expr):
        text = ""
        for negative, term in signed_terms(expr):
            if negative:
                text += " - " + self.parenthesize(term, 50)
            else:
                text += (" + " if text else "") + self._print(term)
        return text

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, 100)}ᵀ"

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        return "1ᵀ" if rows == 1 and cols != 1 else "1"

    def _print_MatrixSymbol(self, expr):
        return expr.name.replace("delta_", "δ_").replace("grad_", "∂L/∂")


def math_text(expr) -> str:
    """``expr`` as readable one-line math."""
    return MatrixMathPrinter().doprint(expr)


def shape_text(expr) -> str:
    """``3×B``; a 1 × 1 result prints as ``scalar``."""
    rows, cols = expr.shape
    return "scalar" if (rows, cols) == (1, 1) else f"{rows}×{cols}"
