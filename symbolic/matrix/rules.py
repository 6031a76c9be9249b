"""Vector-Jacobian rules, one registry: ``VJP[op](expr, G) -> [cotangent of each arg]``.

G is ∂L/∂expr (same shape as expr; a scalar for 1 × 1 loss terms).  A rule returns None for
an argument that needs no cotangent (constants).  The sweep in ``derive`` never knows a rule.
"""
from __future__ import annotations

import sympy as sp

from .functions import elementwise_derivative, from_scalar
from .ops import (BATCH, Apply, LogSumExp, Mean, Softmax, SoftmaxCrossEntropy, hadamard,
                  ones_like, sum_rows, transpose)
from ..functions import logsumexp
from ..rules import derivative as scalar_derivative


def _matmul(expr, g):
    """C = c·F1·F2···Fn: ∂/∂Fi = c · (F1···F(i-1))ᵀ G (F(i+1)···Fn)ᵀ, e.g. δ aᵀ and Wᵀ δ."""
    coeff, factors = expr.as_coeff_matrices()
    g = coeff * g if coeff != 1 else g
    out = []
    for i in range(len(factors)):
        left = [transpose(f) for f in reversed(factors[:i])]
        right = [transpose(f) for f in reversed(factors[i + 1:])]
        out.append(sp.MatMul(*left, g, *right).doit(deep=False) if left or right else g)
    return [None] * (len(expr.args) - len(factors)) + out


def _matadd(expr, g):
    """Sum (a bias b 1ᵀ is a product, so broadcasting is handled by ``_matmul``)."""
    return [g for _ in expr.args]


def _hadamard(expr, g):
    args = expr.args
    return [hadamard(g, *(a for j, a in enumerate(args) if j != i)) for i in range(len(args))]


def _hadamard_power(expr, g):
    """D^∘n: ∂/∂D = G ⊙ (the scalar rule of a^n, mapped back: n D^∘(n−1), −r², 1/(2r))."""
    return [hadamard(g, elementwise_derivative(expr)), None]


def _apply(expr, g):
    return [None, hadamard(g, elementwise_derivative(expr))]


def _logsumexp(expr, g):
    """r = logsumexp over each sample's entries: the scalar rule exp(a_i − r), broadcast."""
    a, r = sp.Dummy("a", real=True), sp.Dummy("r", real=True)
    rows = sp.OneMatrix(expr.arg.shape[0], 1)
    slope = scalar_derivative(logsumexp(a, sp.Dummy()), 0, r)
    spread = from_scalar(slope, {a: expr.arg, r: sp.MatMul(rows, expr)}, expr.arg.shape)
    return [hadamard(sp.MatMul(rows, g), spread)]


def _transpose(expr, g):
    return [g.T]


def _mean(expr, g):
    return [(g / BATCH) * ones_like(expr.arg)]


def _softmax_ce(expr, g):
    """Fused: ∂/∂Z mean_CE(Z, T) = (softmax(Z) ⊙ 1·(1ᵀT) − T) / B, exact for any T (ΣT is
    not assumed to be 1); no Jacobian of softmax is formed."""
    rows = sp.OneMatrix(expr.logits.shape[0], 1)  # 1·(1ᵀT) kept nested: a stored 1ᵀT replaces it
    spread = sp.HadamardProduct(Softmax(expr.logits), sp.MatMul(rows, sum_rows(expr.target)))
    return [sp.MatMul(g / BATCH, sp.MatAdd(spread, sp.MatMul(-1, expr.target))), None]


def _softmax(expr, g):
    """S = softmax(V) per sample: V̄ = S ⊙ (G − 1·1ᵀ(G ⊙ S)) (no n × n Jacobian is formed)."""
    rows = sp.OneMatrix(expr.arg.shape[0], 1)
    return [hadamard(expr, g - sp.MatMul(rows, sum_rows(hadamard(g, expr))))]


VJP = {
    sp.MatMul: _matmul,
    sp.MatAdd: _matadd,
    sp.HadamardProduct: _hadamard,
    sp.HadamardPower: _hadamard_power,
    Apply: _apply,
    sp.Transpose: _transpose,
    Mean: _mean,
    SoftmaxCrossEntropy: _softmax_ce,
    Softmax: _softmax,
    LogSumExp: _logsumexp,
}


def vjp(expr, g) -> list:
    """Cotangents of ``expr``'s args given G; leaves (symbols, constants) have no rule."""
    rule = VJP.get(type(expr))
    if rule is None:
        raise NotImplementedError(f"no vector-Jacobian rule for {type(expr).__name__}: {expr}")
    return rule(expr, g)


#: The registry's rules as the derivation document prints them: (operation, y =, cotangents).
RULE_TEX = [
    ("matrix product", r"C = A B", r"\bar A = \bar C B^{\top}, \quad \bar B = A^{\top} \bar C"),
    ("sum, bias broadcast", r"C = A + b \mathbf{1}^{\top}",
     r"\bar A = \bar C, \quad \bar b = \bar C \mathbf{1}"),
    ("Hadamard product", r"C = A \odot B", r"\bar A = \bar C \odot B, \quad \bar B = \bar C \odot A"),
    ("element-wise f", r"C = f(A)",
     r"\bar A = \bar C \odot f'(A) \text{ (scalar rule of } f \text{, entry by entry)}"),
    ("transpose", r"C = A^{\top}", r"\bar A = \bar C^{\top}"),
    ("batch mean", r"c = \frac{1}{B}\sum_{ij} A_{ij}", r"\bar A = \frac{\bar c}{B} \mathbf{1}\mathbf{1}^{\top}"),
    ("softmax + cross-entropy (fused)", r"c = \operatorname{CE}(\operatorname{softmax}(Z), T)",
     r"\bar Z = \frac{\bar c}{B} \left(\operatorname{softmax}(Z) \odot \left(\mathbf{1}\mathbf{1}^{\top} T\right) - T\right)"),
]
