"""Softmax cross-entropy written out by hand, recognised as the fused ``SoftmaxCrossEntropy``.

A loss that is, per sample, Σ_k t_k (logsumexp(z) − z_k) — whether written so, as
``logsumexp(Z)*sum(T) - sum(T*Z)``, or as ``-sum(T*log(Y))`` with ``Y = softmax(Z)`` (which
``forms`` has already turned into −Σ T⊙(Z − 1·lse(Z))) — is the builder's loss
``SoftmaxCrossEntropy(Z, T)``.  The identity holds for any T (its rows need not sum to 1; the
fused rule's δ_Z = (softmax(Z)·ΣT − T)/B keeps the sum), so the rewrite is exact.

How: the per-sample terms that sum over a sample's n entries are written as one such sum
1ᵀM (a per-sample factor r of 1ᵀM moves inside as 1·r); one entry of M is a scalar expression
(each other piece a dummy), and it must be t·(ℓ − z) + rest, ℓ the entry of 1·lse(Z), z of Z
and t of a target (a declared batch matrix that no equation defines).  The loss becomes
``SoftmaxCrossEntropy(Z, T)`` plus the batch mean of the rest and of the other terms (a
weight decay ``0.01*sum(W^2)``); anything else is left as it is.
"""
from __future__ import annotations

import sympy as sp

from .ops import BATCH, LogSumExp, Mean, SoftmaxCrossEntropy, sum_terms


def recognise_cross_entropy(loss, equations, entries):
    """``SoftmaxCrossEntropy(Z, T)`` (plus the batch mean of the other terms, e.g. a weight
    decay) for a batch mean of Σ_k T_k (lse(Z) − Z_k) + ..., else ``loss`` unchanged."""
    if not (isinstance(loss, Mean) and loss.arg.shape[0] == 1):
        return loss
    terms = sum_terms(loss.arg)
    sums = [_entry_term(t) for t in terms]
    for n in sorted({m.shape[0] for m in sums if m is not None}, key=str):
        group = [m for m in sums if m is not None and m.shape[0] == n]
        others = [t for t, m in zip(terms, sums) if m is None or m.shape[0] != n]
        summed = group[0] if len(group) == 1 else sp.MatAdd(*group)
        fused = _fused(summed, dict(equations), entries)
        if fused is not None:
            cross_entropy, residue = fused
            rest = others + ([] if residue is None else [sp.MatMul(sp.OneMatrix(1, n), residue)])
            return cross_entropy if not rest else sp.MatAdd(
                cross_entropy, Mean(rest[0] if len(rest) == 1 else sp.MatAdd(*rest)))
    return loss


def _fused(summed, defined, entries):
    """(SoftmaxCrossEntropy(Z, T), the rest of ``summed`` as an n × B matrix or None) when the
    entry of ``summed`` is t·(ℓ − z) + rest, ℓ the entry of 1·lse(Z); else None."""
    entry = sp.expand_mul(entries.scalar(summed))
    for piece, dummy in list(entries.dummies.items()):
        logits = _logits(piece, defined)
        found = logits is not None and _split(entry, dummy, logits, entries, defined)
        if found:
            target, residue = found
            rest = None if residue == 0 else _matrix(residue, entries, summed.shape)
            if residue == 0 or rest is not None:
                return SoftmaxCrossEntropy(logits, target), rest
    return None


def _matrix(residue, entries, shape):
    try:
        return entries.matrix(residue, shape)
    except NotImplementedError:
        return None


def _entry_term(term):
    """c·1ᵀM → c·M; r ⊙ 1ᵀM (r per sample) → M ⊙ 1·r; else None."""
    coeff, body = (term.as_coeff_matrices() if isinstance(term, sp.MatMul)
                   else (sp.S.One, [term]))
    if len(body) == 1 and isinstance(body[0], sp.MatMul):   # c·(1ᵀM), nested
        inner = _entry_term(body[0])
    elif len(body) == 2 and _is_ones_row(body[0]):
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


def _split(entry, lse, logits, entries, defined):
    """(T, rest) when ``entry`` is t·(lse − z) + rest for a target T (a batch matrix no
    equation defines) and rest holds neither lse nor the −t·z it cancels; else None."""
    t = entry.coeff(lse)
    target = _matrix_symbol(t, entries.dummies)
    if (target is None or target in defined or target.shape != logits.shape
            or target.shape[1] != BATCH):
        return None
    rest = entry - t * lse + sp.expand_mul(t * entries.scalar(logits))  # like terms cancel
    shorter = len(sp.Add.make_args(rest)) <= len(sp.Add.make_args(entry)) - 2
    return (target, rest) if rest == 0 or (shorter and not rest.has(lse)) else None


def _matrix_symbol(scalar, dummies: dict):
    """The matrix symbol whose entry is ``scalar`` (a dummy of ``dummies``), or None."""
    found = [m for m, d in dummies.items() if d == scalar and isinstance(m, sp.MatrixSymbol)]
    return found[0] if found else None
