"""Softmax cross-entropy written out by hand, recognised as the fused ``SoftmaxCrossEntropy``.

A loss that is, per sample, Σ_k t_k (logsumexp(z) − z_k) — whether written so, as
``logsumexp(Z)*sum(T) - sum(T*Z)``, or as ``-sum(T*log(Y))`` with ``Y = softmax(Z)`` (which
``forms`` has already turned into −Σ T⊙(Z − 1·lse(Z))) — is the builder's loss
``SoftmaxCrossEntropy(Z, T)``.  The identity holds for any T (its rows need not sum to 1; the
fused rule's δ_Z = (softmax(Z)·ΣT − T)/B keeps the sum), so the rewrite is exact.

How: the per-sample loss is written as one sum over a sample's entries, 1ᵀM (a per-sample
factor r of 1ᵀM moves inside as 1·r); one entry of M is a scalar expression (each other piece
a dummy), and it must equal t·(ℓ − z) exactly, ℓ the entry of 1·lse(Z), z of Z and t of a
target (a declared batch matrix that no equation defines).  Anything else is left as it is.
"""
from __future__ import annotations

import sympy as sp

from .ops import BATCH, LogSumExp, Mean, SoftmaxCrossEntropy


def recognise_cross_entropy(loss, equations):
    """``SoftmaxCrossEntropy(Z, T)`` for a batch mean of Σ_k T_k (lse(Z) − Z_k), else ``loss``."""
    if not (isinstance(loss, Mean) and loss.arg.shape[0] == 1):
        return loss
    summed = _entry_sum(loss.arg)
    if summed is None:
        return loss
    defined = dict(equations)
    entries = _Entries()
    entry = sp.expand(entries.scalar(summed))
    for piece, dummy in list(entries.dummies.items()):
        logits = _logits(piece, defined)
        found = logits is not None and _target_of(entry, dummy, logits, entries, defined)
        if found:
            return SoftmaxCrossEntropy(logits, found)
    return loss


def _entry_sum(row):
    """M (n × B) with row = 1ᵀM, for a per-sample row built of sums and their products with
    per-sample rows; None when row has another form or sums over vectors of other lengths."""
    terms = row.args if isinstance(row, sp.MatAdd) else (row,)
    pieces = [_entry_term(t) for t in terms]
    if any(p is None for p in pieces) or len({p.shape[0] for p in pieces}) != 1:
        return None
    return pieces[0] if len(pieces) == 1 else sp.MatAdd(*pieces)


def _entry_term(term):
    """c·1ᵀM → c·M; r ⊙ 1ᵀM (r per sample) → M ⊙ 1·r; else None."""
    coeff, body = (term.as_coeff_matrices() if isinstance(term, sp.MatMul)
                   else (sp.S.One, [term]))
    if len(body) == 2 and _is_ones_row(body[0]):
        inner = body[1]
    elif len(body) == 1 and isinstance(body[0], sp.HadamardProduct):
        inner = _hadamard_of_sum(body[0].args)
    else:
        return None
    return None if inner is None else (inner if coeff == 1 else sp.MatMul(coeff, inner))


def _hadamard_of_sum(factors):
    sums = [f for f in factors if isinstance(f, sp.MatMul) and _is_ones_row(f.args[0])
            and len(f.args) == 2]
    if len(sums) != 1:
        return None
    inner = sums[0].args[1]
    rows = sp.OneMatrix(inner.shape[0], 1)
    return sp.HadamardProduct(inner, *(sp.MatMul(rows, f) for f in factors if f is not sums[0]))


def _is_ones_row(expr) -> bool:
    return isinstance(expr, sp.OneMatrix) and expr.shape[0] == 1


def _logits(piece, defined):
    """Z when ``piece`` is 1·lse(Z) (directly or through a node S = logsumexp(Z))."""
    if not (isinstance(piece, sp.MatMul) and len(piece.args) == 2
            and isinstance(piece.args[0], sp.OneMatrix)):
        return None
    row = defined.get(piece.args[1], piece.args[1])
    return row.arg if isinstance(row, LogSumExp) and row.arg.shape == piece.shape else None


def _target_of(entry, lse, logits, entries, defined):
    """T when ``entry`` is exactly t·(lse − z) for a target T (not defined by an equation)."""
    t = sp.expand(entry).coeff(lse)
    target = entries.matrix_of(t)
    if (target is None or target in defined or target.shape != logits.shape
            or target.shape[1] != BATCH):
        return None
    residue = sp.expand(entry - t * (lse - entries.scalar(logits)))
    return target if residue == 0 else None


class _Entries:
    """One entry of an element-wise matrix expression as a scalar; other pieces are dummies."""

    def __init__(self):
        self.dummies: dict = {}

    def scalar(self, expr) -> sp.Expr:
        if isinstance(expr, sp.MatAdd):
            return sp.Add(*(self.scalar(a) for a in expr.args))
        if isinstance(expr, sp.HadamardProduct):
            return sp.Mul(*(self.scalar(a) for a in expr.args))
        if isinstance(expr, sp.HadamardPower):
            return sp.Pow(self.scalar(expr.args[0]), expr.args[1])
        if isinstance(expr, sp.MatMul):
            coeff, matrices = expr.as_coeff_matrices()
            if len(matrices) == 1:
                return coeff * self.scalar(matrices[0])
            if coeff != 1:
                return coeff * self.scalar(sp.MatMul(*matrices))
        if expr not in self.dummies:
            self.dummies[expr] = sp.Dummy(f"m{len(self.dummies)}", real=True)
        return self.dummies[expr]

    def matrix_of(self, scalar):
        """The matrix symbol whose entry is ``scalar`` (a dummy), or None."""
        for piece, dummy in self.dummies.items():
            if dummy == scalar and isinstance(piece, sp.MatrixSymbol):
                return piece
        return None
