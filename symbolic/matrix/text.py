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


def broadcast_scalar(expr):
    """``s`` when ``expr`` = c·1·s·1ᵀ, a 1 × 1 matrix s broadcast to ``expr``'s shape (inside
    a Hadamard product it scales the other factors exactly); else None."""
    if not isinstance(expr, sp.MatMul):
        return None
    coeff, factors = expr.as_coeff_matrices()
    rest = list(factors)
    if rest and isinstance(rest[0], sp.OneMatrix) and rest[0].shape[1] == 1:
        rest = rest[1:]
    if rest and isinstance(rest[-1], sp.OneMatrix) and rest[-1].shape[0] == 1:
        rest = rest[:-1]
    if len(rest) == 1 and len(rest) < len(factors) and rest[0].shape == (1, 1):
        return rest[0]
    return None


def hadamard_parts(expr, coeff) -> tuple:
    """(the numbers of the factors times ``coeff``, broadcast scalars, the other matrices)."""
    scalars, plain = [], []
    for m in expr.args:
        c, factors = m.as_coeff_matrices() if isinstance(m, sp.MatMul) else (1, [m])
        coeff *= c
        scalar = broadcast_scalar(m)
        if scalar is not None:
            scalars.append(scalar)
        else:
            plain.append(factors[0] if len(factors) == 1 else sp.MatMul(*factors))
    if not plain:                          # all broadcast: the last stays the matrix it is
        plain.append(sp.MatMul(*m.as_coeff_matrices()[1]))
        scalars.pop()
    return coeff, scalars, plain


def binding(item) -> str:
    """How ``item`` prints: 'sum', 'matmul' (two or more matrix factors), 'hadamard',
    'scaled' (a positive number or a broadcast scalar times one matrix) or 'atom'."""
    if isinstance(item, sp.MatAdd):
        return "sum"
    coeff, factors = item.as_coeff_matrices() if isinstance(item, sp.MatMul) else (1, [item])
    if len(factors) == 1 and isinstance(factors[0], sp.HadamardProduct):
        coeff, scalars, _ = hadamard_parts(factors[0], coeff)
        if not scalars and coeff == 1:
            return "hadamard"
    elif isinstance(item, sp.MatMul) and len(factors) > 1:
        return "matmul"
    elif not isinstance(item, sp.MatMul):
        return "atom"
    return "scaled" if coeff.is_positive else "matmul"


#: What each context brackets: a Hadamard product inside a matrix product and a matrix
#: product inside a Hadamard product, so that no line needs its shapes worked out to be read.
BRACKETED = {"matmul": {"sum", "hadamard"}, "hadamard": {"sum", "matmul", "hadamard"}}


class MatrixSums:
    """Sums, matrix and Hadamard products for matrix printers, bracketed unambiguously.
    Subclasses set ``product_sep``, ``hadamard_sep`` and ``bracket(text)``."""

    def _print_MatAdd(self, expr):
        return join_terms(expr, self.term_text)

    def term_text(self, term, negative: bool) -> str:
        """|term| of a sum, bracketed when it is itself a sum and is subtracted."""
        return self.parenthesize(term, 50) if negative else self._print(term)

    def operand(self, item, context: str) -> str:
        """``item`` printed as a factor of a 'matmul' or 'hadamard' product."""
        text = self._print(item)
        return self.bracket(text) if binding(item) in BRACKETED[context] else text

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        if len(factors) == 1 and isinstance(factors[0], sp.HadamardProduct):
            return self.hadamard_text(factors[0], coeff)
        return self.scaled_text(coeff, self.product_sep.join(self.operand(f, "matmul")
                                                             for f in factors))

    def _print_HadamardProduct(self, expr):
        return self.hadamard_text(expr, sp.S.One)

    def hadamard_text(self, expr, coeff) -> str:
        """c·τ·(A ⊙ B): the numbers and broadcast scalars of the factors pulled in front."""
        coeff, scalars, matrices = hadamard_parts(expr, coeff)
        body = self.hadamard_sep.join(self.operand(m, "hadamard") for m in matrices)
        if not scalars and coeff == 1:
            return body
        if len(matrices) > 1 and (scalars or coeff not in (1, -1)):
            body = self.bracket(body)
        body = self.product_sep.join([*(self.operand(s, "matmul") for s in scalars), body])
        return self.scaled_text(coeff, body)

    def scaled_text(self, coeff, body: str) -> str:
        if coeff in (1, -1):
            return body if coeff == 1 else f"-{body}"
        return self.scaled(self._print(coeff), body)

    def exponent_text(self, n) -> str:
        """A power's exponent: a float as its shortest decimal (0.5, not 0.500000000000000),
        a negative or fractional one bracketed in one-line text."""
        if isinstance(n, sp.Float):
            value = float(n)
            return repr(int(value)) if value.is_integer() else repr(value)
        return self._print(n)


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
    """SymPy's str printer with ⊙ for Hadamard products, ᵀ, · and 1 for the ones matrix.
    ``own`` maps deltaprop's δ and gradient symbols to ("delta" | "grad", what they are of):
    only they print as δ_Z and ∂L/∂W, a user's name ``delta_Z`` as it is.  Without ``own``
    a name ``delta_Z`` or ``grad_W`` is taken to be deltaprop's."""

    product_sep, hadamard_sep = "·", " ⊙ "

    def __init__(self, own: dict | None = None):
        super().__init__({"full_prec": False})
        self.own = own

    def bracket(self, text: str) -> str:
        return f"({text})"

    def scaled(self, coeff: str, body: str) -> str:
        return f"({coeff})·{body}"

    def parenthesize(self, item, level, strict=False):
        text = self._print(item)
        low = precedence_of(item) <= level if strict else precedence_of(item) < level
        return f"({text})" if low else text

    def _print_HadamardPower(self, expr):
        base, n = expr.args
        if n == sp.S.Half:
            return f"sqrt.({self._print(base)})"
        exponent = self.exponent_text(n)
        plain = exponent.isdigit() or (isinstance(n, sp.Float) and n > 0)
        return f"{self.parenthesize(base, 100)}^∘{exponent if plain else self.bracket(exponent)}"

    def _print_Transpose(self, expr):
        return f"{self.parenthesize(expr.arg, 100)}ᵀ"

    def _print_OneMatrix(self, expr):
        rows, cols = expr.shape
        return "1ᵀ" if rows == 1 and cols != 1 else "1"

    def _print_MatrixSymbol(self, expr):
        if self.own is None:
            return expr.name.replace("delta_", "δ_").replace("grad_", "∂L/∂")
        kind, of = self.own.get(expr, (None, expr))
        return {"delta": "δ_", "grad": "∂L/∂"}.get(kind, "") + of.name


def own_symbols(derivation) -> dict:
    """deltaprop's own symbols of a derivation: δ symbol -> ("delta", node), gradient symbol
    -> ("grad", parameter), for the printers' ``own``."""
    own = {d: ("delta", v) for v, d in derivation.delta.items()}
    own.update({g: ("grad", p) for p, g in derivation.gradient.items()})
    return own


def math_text(expr, own: dict | None = None) -> str:
    """``expr`` as readable one-line math (``own``: see ``MatrixMathPrinter``)."""
    return MatrixMathPrinter(own).doprint(expr)


def shape_text(expr) -> str:
    """``3×B``; a 1 × 1 result prints as ``scalar``."""
    rows, cols = expr.shape
    return "scalar" if (rows, cols) == (1, 1) else f"{rows}×{cols}"
