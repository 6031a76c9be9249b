"""Readable one-line math for matrix expressions: W2ᵀ·δ_Z2, δ_A1 ⊙ A1 ⊙ (1 − A1), with shapes."""
from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from .ops import join_terms


#: Precedence levels of the code and spec printers (higher binds tighter).
ATOM, POWER, PRODUCT, SUM = 4, 3, 2, 1


def wrap(printed: tuple[str, int], at_least: int) -> str:
    """``printed`` = (text, precedence), parenthesised when it binds less than ``at_least``."""
    text, precedence = printed
    return text if precedence >= at_least else f"({text})"


def power_text(base: tuple[str, int], n, sqrt: str, power: str, exponent) -> tuple[str, int]:
    """B^∘n as (text, precedence): ``sqrt(B)`` for ½, ``1 / B`` for −1, else B ``power`` n."""
    if n == sp.S.Half:
        return f"{sqrt}({base[0]})", ATOM
    if n == -1:
        return f"1 / {wrap(base, PRODUCT + 1)}", PRODUCT
    return f"{wrap(base, ATOM)}{power}{exponent(n)}", POWER


class MatrixSums:
    """``_print_MatAdd`` and the product of a coefficient and matrices, for matrix printers."""

    def _print_MatAdd(self, expr):
        return join_terms(expr, lambda term, negative: (self.parenthesize(term, 50) if negative
                                                        else self._print(term)))

    def scaled_product(self, expr, sep: str, scaled) -> str:
        """c·F1·F2… joined by ``sep``; ``scaled(c, body)`` prints a coefficient other than ±1."""
        coeff, factors = expr.as_coeff_matrices()
        body = sep.join(self.parenthesize(f, 50) for f in factors)
        if coeff in (1, -1):
            return body if coeff == 1 else f"-{body}"
        return scaled(self._print(coeff), body)


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


class MatrixMathPrinter(MatrixSums, StrPrinter):
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
        return self.scaled_product(expr, "·", lambda c, body: f"({c})·{body}")

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
