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
    """f applied element by element: ``Apply("relu", Z)``; f names a key of ``ELEMENTWISE``."""

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
    """Mean over the batch of Σ_k t_k (logsumexp(z) − z_k); 1 × 1.  Fused: its VJP is (softmax − t)/B."""

    logits = property(lambda self: self.args[0])
    target = property(lambda self: self.args[1])
    shape = (sp.S.One, sp.S.One)

    def _sympystr(self, printer):
        return f"softmax_ce({printer._print(self.logits)}, {printer._print(self.target)})"


class Mean(MatrixExpr):
    """The sum of every element divided by the batch size B (the loss is a mean over samples)."""

    arg = property(lambda self: self.args[0])
    shape = (sp.S.One, sp.S.One)

    def _sympystr(self, printer):
        return f"mean({printer._print(self.arg)})"


def ones_like(expr) -> sp.OneMatrix:
    return sp.OneMatrix(*expr.shape)


def hadamard(*factors):
    """Element-wise product, dropping all-ones factors and pulling scalar coefficients out."""
    coeff, kept = sp.S.One, []
    for f in factors:
        c, f = _split_coeff(f)
        coeff *= c
        if isinstance(f, sp.HadamardProduct):
            kept.extend(f.args)
        elif not isinstance(f, sp.OneMatrix):
            kept.append(f)
    if not kept:
        return coeff * sp.OneMatrix(*factors[0].shape)
    body = kept[0] if len(kept) == 1 else sp.HadamardProduct(*kept)
    return body if coeff == 1 else sp.MatMul(coeff, body)


def _split_coeff(expr):
    if isinstance(expr, sp.MatMul):
        coeff, matrices = expr.as_coeff_matrices()
        if len(matrices) == 1:
            return coeff, matrices[0]
    return sp.S.One, expr
