"""Readable one-line math for matrix expressions: W2ᵀ·δ_Z2, δ_A1 ⊙ A1 ⊙ (1 − A1), with shapes."""
from __future__ import annotations

from sympy.printing.str import StrPrinter


class MatrixMathPrinter(StrPrinter):
    """SymPy's str printer with ⊙ for Hadamard products, ᵀ, · and 1 for the ones matrix."""

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(self.parenthesize(a, 50) for a in expr.args)

    def _print_HadamardPower(self, expr):
        base, n = expr.args
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
        terms = sorted(expr.args, key=lambda term: term.could_extract_minus_sign())
        text = ""
        for term in terms:
            if term.could_extract_minus_sign():
                text += " - " + self.parenthesize(-term, 50)
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
