"""Matrix operations SymPy lacks: element-wise functions, softmax, fused softmax+CE, batch mean.

Conventions: a per-sample vector is a column; a batch of B samples is a matrix with B columns
(``X`` is n_in × B), so a layer reads Z = W X + b 1ᵀ.  ``B`` is the batch-size symbol.
"""
from __future__ import annotations

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions import MatrixExpr

BATCH = sp.Symbol("B", positive=True, integer=True)


class Apply(MatrixExpr):
    """f applied element by element: ``Apply("relu", Z)``; f names a key of
    ``functions.SCALAR`` (exp, log, sin, cos, tanh, sigmoid, relu, softplus, abs, sign, step)."""

    def __new__(cls, name, arg):
        return super().__new__(cls, Str(name) if isinstance(name, str) else name, arg)

    name = property(lambda self: self.args[0].name)
    arg = property(lambda self: self.args[1])
    shape = property(lambda self: self.args[1].shape)

    def _sympystr(self, printer):
        return f"{self.name}.({printer._print(self.arg)})"


class Softmax(MatrixExpr):
    """Column-wise softmax: each sample's outputs exp(z_k − logsumexp(z))."""

    arg = property(lambda self: self.args[0])
    shape = property(lambda self: self.args[0].shape)

    def _sympystr(self, printer):
        return f"softmax({printer._print(self.arg)})"


class SoftmaxCrossEntropy(MatrixExpr):
    """Mean over the batch of Σ_k t_k (logsumexp(z) − z_k); 1 × 1.  Fused: its VJP is
    (softmax(z)·Σ_k t_k − t)/B, exact for any t (for targets that sum to one, softmax − t)."""

    logits = property(lambda self: self.args[0])
    target = property(lambda self: self.args[1])
    shape = (sp.S.One, sp.S.One)

    def _sympystr(self, printer):
        return f"softmax_ce({printer._print(self.logits)}, {printer._print(self.target)})"


class LogSumExp(MatrixExpr):
    """Per sample (column), log Σ_k exp(v_k): a 1 × B row, printed without overflow."""

    arg = property(lambda self: self.args[0])
    shape = property(lambda self: (sp.S.One, self.args[0].shape[1]))

    def _sympystr(self, printer):
        return f"logsumexp({printer._print(self.arg)})"


class Mean(MatrixExpr):
    """The sum of every element divided by the batch size B (the loss is a mean over samples)."""

    arg = property(lambda self: self.args[0])
    shape = (sp.S.One, sp.S.One)

    def _sympystr(self, printer):
        return f"mean({printer._print(self.arg)})"


def ones_like(expr) -> sp.OneMatrix:
    return sp.OneMatrix(*expr.shape)


def over_batch(column) -> sp.MatrixExpr:
    """b·1ᵀ: a column (n × 1) repeated for every sample (n × B), e.g. a bias."""
    return sp.MatMul(column, sp.OneMatrix(1, BATCH))


def sum_rows(expr) -> sp.MatrixExpr:
    """1ᵀ V: each column's entries summed (one number per sample for a batch matrix)."""
    return sp.MatMul(sp.OneMatrix(1, expr.shape[0]), expr)


def transpose(expr) -> sp.MatrixExpr:
    """Mᵀ, with the all-ones matrix transposed to the all-ones matrix at once."""
    if isinstance(expr, sp.OneMatrix):
        return sp.OneMatrix(expr.shape[1], expr.shape[0])
    return expr.T


def hadamard(*factors):
    """Element-wise product, dropping all-ones factors and pulling scalar coefficients out."""
    coeff, kept = sp.S.One, []
    for f in factors:
        c, f = _split_coeff(f)
        coeff *= c
        if isinstance(f, sp.HadamardProduct):
            kept.extend(f.args)
        elif not _all_ones(f):
            kept.append(f)
    if not kept:
        return coeff * sp.OneMatrix(*factors[0].shape)
    body = kept[0] if len(kept) == 1 else sp.HadamardProduct(*kept)
    return body if coeff == 1 else sp.MatMul(coeff, body)


def sum_terms(expr, coeff=sp.S.One) -> list:
    """The terms of a sum, nested sums (also scaled ones, c·(A + B)) flattened."""
    if isinstance(expr, sp.MatAdd):
        return [t for a in expr.args for t in sum_terms(a, coeff)]
    if isinstance(expr, sp.MatMul):
        c, matrices = expr.as_coeff_matrices()
        if len(matrices) == 1 and isinstance(matrices[0], sp.MatAdd):
            return sum_terms(matrices[0], coeff * c)
    return [expr if coeff == 1 else sp.MatMul(coeff, expr)]


def signed_terms(expr) -> list[tuple[bool, sp.MatrixExpr]]:
    """The terms of a sum (or of a list of terms) as (negative, |term|), positive ones first:
    A − 2·B gives [(False, A), (True, 2·B)].  Built without SymPy's negation (slow ``doit``)."""
    out = []
    for term in (expr.args if isinstance(expr, sp.MatAdd) else expr):
        coeff, body = (term.as_coeff_matrices() if isinstance(term, sp.MatMul)
                       else (sp.S.One, [term]))
        if coeff.could_extract_minus_sign():
            magnitude = -coeff
            term = (body[0] if len(body) == 1 else sp.MatMul(*body)) if magnitude == 1 \
                else sp.MatMul(magnitude, *body)
            out.append((True, term))
        else:
            out.append((False, term))
    return sorted(out, key=lambda pair: pair[0])


def join_terms(expr: sp.MatAdd, show) -> str:
    """A sum as text, positive terms first: ``show(term, negative)`` prints |term| (wrapped
    as its context needs); joined with " + " and " - "."""
    text = ""
    for negative, term in signed_terms(expr):
        piece = show(term, negative)
        text += f" - {piece}" if negative else (" + " if text else "") + piece
    return text


def _split_coeff(expr):
    """(c, M) with expr = c·M; a product of all-ones matrices (a broadcast number) is c·1."""
    if isinstance(expr, sp.MatMul):
        coeff, matrices = expr.as_coeff_matrices()
        if len(matrices) == 1:
            return coeff, matrices[0]
        if all(_all_ones(m) for m in matrices):
            return coeff, sp.OneMatrix(*expr.shape)
    return sp.S.One, expr


def _all_ones(expr) -> bool:
    """An all-ones matrix, also as SymPy writes the 1 × 1 one: Identity(1)."""
    return isinstance(expr, sp.OneMatrix) or (isinstance(expr, sp.Identity)
                                              and expr.shape == (1, 1))
