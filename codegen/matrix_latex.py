"""LaTeX for matrix expressions: W^{(1)}, δ_{Z^{(1)}}, ⊙, ᵀ, element-wise functions, 1ᵀ."""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .latex import math_name, upright_name
from symbolic.matrix.text import MatrixSums, precedence_of

FUNCTION_TEX = {"sigmoid": r"\sigma", "tanh": r"\tanh", "exp": r"\exp", "log": r"\log",
                "sin": r"\sin", "cos": r"\cos"}  # others: \operatorname{name}


def symbol_tex(name: str) -> str:
    """``W1`` → W^{(1)}, ``delta_Z1`` → δ_{Z^{(1)}}, ``grad_W1`` → ∂L/∂W^{(1)}."""
    if name.startswith("delta_"):
        return rf"\delta_{{{symbol_tex(name[6:])}}}"
    if name.startswith("grad_"):
        return rf"\frac{{\partial L}}{{\partial {symbol_tex(name[5:])}}}"
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if match:
        return f"{match.group(1)}^{{({match.group(2)})}}"
    match = re.fullmatch(r"([A-Za-z]+\d*)_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)", name)
    if match:       # a value deltaprop stored, or the user's Z_out: A^{(1)}_{in}, H_{sigmoid}
        parts = ",".join(upright_name(part) for part in match.group(2).split("_"))
        return f"{symbol_tex(match.group(1))}_{{{parts}}}"
    return name if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name) else math_name(name)


class MatrixLatexPrinter(MatrixSums, LatexPrinter):
    """SymPy's LaTeX printer, taught the matrix-level operations of ``symbolic.matrix``."""

    def parenthesize(self, item, level, is_neg=False, strict=False):
        text = self._print(item)
        low = precedence_of(item) <= level if strict else precedence_of(item) < level
        return rf"\left({text}\right)" if low else text

    def _print_MatrixSymbol(self, expr):
        return symbol_tex(expr.name)

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(a, 50) for a in expr.args)

    def _print_HadamardPower(self, expr):
        base, n = expr.args
        if n == sp.S.Half:
            return rf"\sqrt{{{self._print(base)}}}"
        return rf"{self._base(base)}^{{\circ {self._print(n)}}}"

    def _base(self, expr) -> str:
        """``expr`` ready for a superscript: bare when it is a plain symbol like X."""
        text = self._print(expr)
        plain = getattr(expr, "is_symbol", False) and "^" not in text and "_" not in text
        return text if plain else rf"\left({text}\right)"

    def _print_MatMul(self, expr):
        return self.scaled_product(expr, " ", lambda c, body: rf"{c} \, {body}")

    def _print_Transpose(self, expr):
        return rf"{self._base(expr.arg)}^{{\top}}"

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        return r"\mathbf{1}^{\top}" if rows == 1 and cols != 1 else r"\mathbf{1}"

    def _print_Apply(self, expr):
        name = FUNCTION_TEX.get(expr.name, rf"\operatorname{{{expr.name}}}")
        return rf"{name}\!\left({self._print(expr.arg)}\right)"

    def _print_LogSumExp(self, expr):
        return rf"\operatorname{{logsumexp}}\!\left({self._print(expr.arg)}\right)"

    def _print_Softmax(self, expr):
        return rf"\operatorname{{softmax}}\!\left({self._print(expr.arg)}\right)"

    def _print_SoftmaxCrossEntropy(self, expr):
        z, t = (self._print(a) for a in expr.args)
        return rf"\operatorname{{CE}}\!\left(\operatorname{{softmax}}({z}), {t}\right)"

    def _print_Mean(self, expr):
        return rf"\frac{{1}}{{B}} \sum_{{i,j}} \left[{self._print(expr.arg)}\right]_{{ij}}"


def matrix_latex(expr) -> str:
    return MatrixLatexPrinter().doprint(expr)
