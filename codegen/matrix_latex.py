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
    """``W1`` → W^{(1)}, ``hidden`` → \\mathrm{hidden}, ``tau`` → \\tau, ``A1_in`` →
    A^{(1)}_{\\mathrm{in}}; a user's ``delta_Z`` is one more name (see ``own_tex``)."""
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if match:
        return f"{upright_name(match.group(1))}^{{({match.group(2)})}}"
    match = re.fullmatch(r"([A-Za-z]+\d*)_([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)", name)
    if match:       # a value deltaprop stored, or the user's Z_out: A^{(1)}_{in}, H_{sigmoid}
        parts = ",".join(upright_name(part) for part in match.group(2).split("_"))
        base = match.group(1)         # a user's delta_Z is not deltaprop's δ_Z
        base_tex = r"\mathrm{delta}" if base == "delta" else symbol_tex(base)
        return f"{base_tex}_{{{parts}}}"
    return upright_name(name) if re.fullmatch(r"[A-Za-z]+", name) else math_name(name)


def own_tex(kind: str, of) -> str:
    """deltaprop's δ of a node, δ_{Z^{(1)}}, or gradient of a parameter, ∂L/∂W^{(1)}."""
    if kind == "delta":
        return rf"\delta_{{{symbol_tex(of.name)}}}"
    return rf"\frac{{\partial L}}{{\partial {symbol_tex(of.name)}}}"


class MatrixLatexPrinter(MatrixSums, LatexPrinter):
    """SymPy's LaTeX printer, taught the matrix-level operations of ``symbolic.matrix``;
    ``own`` as for ``symbolic.matrix.text.MatrixMathPrinter``."""

    product_sep, hadamard_sep = " ", r" \odot "

    def __init__(self, own: dict | None = None):
        super().__init__()
        self.own = own

    def bracket(self, text: str) -> str:
        return rf"\left({text}\right)"

    def scaled(self, coeff: str, body: str) -> str:
        return rf"{coeff} \, {body}"

    def parenthesize(self, item, level, is_neg=False, strict=False):
        text = self._print(item)
        low = precedence_of(item) <= level if strict else precedence_of(item) < level
        return rf"\left({text}\right)" if low else text

    def _print_MatrixSymbol(self, expr):
        if self.own is None:
            return legacy_symbol_tex(expr.name)
        kind, of = self.own.get(expr, (None, expr))
        return symbol_tex(of.name) if kind is None else own_tex(kind, of)

    def _print_HadamardPower(self, expr):
        base, n = expr.args
        if n == sp.S.Half:
            return rf"\sqrt{{{self._print(base)}}}"
        return rf"{self._base(base)}^{{\circ {self.exponent_text(n)}}}"

    def _base(self, expr) -> str:
        """``expr`` ready for a superscript: bare when it is a plain symbol like X."""
        text = self._print(expr)
        plain = getattr(expr, "is_symbol", False) and "^" not in text and r"\frac" not in text
        return text if plain else rf"\left({text}\right)"

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


def legacy_symbol_tex(name: str) -> str:
    """A name printed without the derivation at hand: ``delta_``/``grad_`` taken as deltaprop's."""
    for prefix, kind in (("delta_", "delta"), ("grad_", "grad")):
        if name.startswith(prefix):
            return own_tex(kind, sp.Symbol(name[len(prefix):]))
    return symbol_tex(name)


def matrix_latex(expr, own: dict | None = None) -> str:
    """``expr`` in LaTeX; ``own``: deltaprop's δ and gradient symbols (``own_symbols``)."""
    return MatrixLatexPrinter(own).doprint(expr)
