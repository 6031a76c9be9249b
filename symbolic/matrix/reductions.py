"""Per-sample reductions written out by hand, recognised as the stable ones.

``log(sum(exp(Z)))`` is logsumexp(Z) and ``exp(Z)/sum(exp(Z))`` is softmax(Z), also through
nodes (``E = exp(Z)``, ``S = sum(E)``, ``P = E/S``), as the scalar level recognises
log Σ e^{z_i} and e^{z_i}/Σ e^{z_j}.  Written out, both overflow once a logit passes about 89
in float32; recognised, they are computed without overflow and differentiated by their rules.
"""
from __future__ import annotations

import sympy as sp

from .ops import Apply, LogSumExp, Softmax


def recognise_reductions(equations, loss):
    """(equations, loss) with written-out logsumexp and softmax replaced (see module doc)."""
    definitions: dict = {}
    out = []
    for lhs, rhs in equations:
        rewritten = _rewrite(rhs, definitions)
        definitions[lhs] = rewritten
        out.append((lhs, rewritten))
    return tuple(out), _rewrite(loss, definitions)


def _rewrite(expr, definitions: dict):
    if not isinstance(expr, sp.MatrixExpr) or isinstance(expr, sp.MatrixSymbol):
        return expr
    args = [_rewrite(a, definitions) for a in expr.args]
    expr = expr.func(*args) if args != list(expr.args) else expr
    return _logsumexp(expr, definitions) or _softmax(expr, definitions) or expr


def _logsumexp(expr, definitions):
    """log.(1ᵀ exp.(A)) → logsumexp(A)."""
    if isinstance(expr, Apply) and expr.name == "log":
        exponent = _exp_summed(expr.arg, definitions)
        if exponent is not None:
            return LogSumExp(exponent)
    return None


def _softmax(expr, definitions):
    """exp.(A) ⊙ 1·(1ᵀ exp.(A))^∘−1 → softmax(A) (the two factors in any order)."""
    if not (isinstance(expr, sp.HadamardProduct) and len(expr.args) == 2):
        return None
    for top, bottom in (expr.args, reversed(expr.args)):
        exponent = _exp_of(top, definitions)
        if exponent is not None and _reciprocal_sum_of(bottom, definitions) == exponent:
            return Softmax(exponent)
    return None


def _reciprocal_sum_of(expr, definitions):
    """A for 1·(1ᵀ exp.(A))^∘−1 (the per-sample sum spread over the rows), else None."""
    if isinstance(expr, sp.MatMul):
        coeff, matrices = expr.as_coeff_matrices()
        if coeff == 1 and len(matrices) == 2 and isinstance(matrices[0], sp.OneMatrix):
            power = matrices[1]
            if isinstance(power, sp.HadamardPower) and power.args[1] == -1:
                return _exp_summed(power.args[0], definitions)
    return None


def _exp_summed(expr, definitions):
    """A for 1ᵀ exp.(A) (or a node holding it), else None."""
    expr = definitions.get(expr, expr)
    if isinstance(expr, sp.MatMul):
        coeff, matrices = expr.as_coeff_matrices()
        if coeff == 1 and len(matrices) == 2 and isinstance(matrices[0], sp.OneMatrix):
            return _exp_of(matrices[1], definitions)
    return None


def _exp_of(expr, definitions):
    """A for exp.(A) (or a node holding it), else None."""
    expr = definitions.get(expr, expr)
    return expr.arg if isinstance(expr, Apply) and expr.name == "exp" else None
