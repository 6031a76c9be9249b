"""Recognising the standard forms people write out by hand, so they derive like the builtins.

``1/(1 + exp(-z))`` becomes ``sigmoid(z)``, ``(exp(z) - exp(-z))/(exp(z) + exp(-z))`` becomes
``tanh(z)``, ``log(1 + exp(z))`` ``softplus(z)``, ``log(exp(a) + exp(b))`` ``logsumexp(a, b)``,
``exp(a)/(exp(a) + exp(b))`` ``exp(a - logsumexp(a, b))`` (softmax), ``Max(0, z)`` ``relu(z)``.
Logarithms of these forms simplify, also through a node (``h = sigmoid(z)``):
``log(h)`` = ``-softplus(-z)``, ``log(1 - h)`` = ``-softplus(z)``, ``log(exp(u))`` = ``u``.
That is what turns sigmoid + cross-entropy into δ_z = y − t and softmax + cross-entropy into
δ_z = a·Σt − t: the rules of ``symbolic.rules`` then reuse the stored forward values.

``RECOGNISED`` lists the forms (README shows it); ``recognise`` rewrites one expression.
"""
from __future__ import annotations

import sympy as sp

from .functions import logsumexp, relu, sigmoid, softplus

#: The written-out forms and what they become (for the README and the derivation text).
RECOGNISED = (
    ("1/(1 + exp(-z)), exp(z)/(1 + exp(z))", "sigmoid(z)"),
    ("(exp(z) - exp(-z))/(exp(z) + exp(-z)), (1 - exp(-2z))/(1 + exp(-2z)), 2σ(2z) − 1", "tanh(z)"),
    ("log(1 + exp(z))", "softplus(z)"),
    ("log(exp(z1) + ... + exp(zk))", "logsumexp(z1, ..., zk)"),
    ("exp(zi)/(exp(z1) + ... + exp(zk))", "exp(zi − logsumexp(z1, ..., zk))  (softmax)"),
    ("log(e_i/S), e_k = exp(z_k) and S = e_1 + ... + e_k as nodes", "z_i − logsumexp(z1, ..., zk)"),
    ("log(σ(z)), log(1 − σ(z))", "−softplus(−z), −softplus(z)"),
    ("log(exp(u))", "u"),
    ("Max(0, z)", "relu(z)"),
)

_SIGNS = (sp.exp, sp.log, sp.Max, sigmoid, sp.Pow)


def recognise(expr: sp.Expr, nodes: dict | None = None) -> sp.Expr:
    """``expr`` with every recognised form rewritten; ``nodes`` maps a node symbol to its
    (already recognised) right side, so ``log(h)`` sees that ``h = sigmoid(z)``."""
    if expr.is_Atom or not expr.has(*_SIGNS):
        return expr
    return _Recogniser(nodes or {}).rewrite(expr)


class _Recogniser:
    def __init__(self, nodes: dict):
        self.nodes = nodes
        self.memo: dict = {}

    def rewrite(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom:
            return expr
        if expr not in self.memo:
            self.memo[expr] = self._rewrite(expr)
        return self.memo[expr]

    def _rewrite(self, expr: sp.Expr) -> sp.Expr:
        args = [self.rewrite(a) for a in expr.args]
        if any(a is not b for a, b in zip(args, expr.args)):
            expr = expr.func(*args)
        for rule in _rules_for(expr):
            found = rule(self, expr)
            if found is not None and found != expr:
                return self.rewrite(found)
        return expr

    def value(self, expr: sp.Expr) -> sp.Expr:
        """The right side behind a node symbol (the expression itself otherwise)."""
        return self.nodes.get(expr, expr) if expr.is_Symbol else expr


# -- the rules ---------------------------------------------------------------------------------
def _one_plus_exp(expr: sp.Expr):
    """u if ``expr`` is 1 + exp(u), else None."""
    if expr.is_Add and len(expr.args) == 2 and sp.S.One in expr.args:
        other = expr.args[1] if expr.args[0] == 1 else expr.args[0]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _sum_of_exps(expr: sp.Expr, r: _Recogniser | None = None):
    """[u1, ..., uk] if ``expr`` is exp(u1) + ... + exp(uk), k ≥ 2, the exponentials possibly
    behind nodes (``S = e1 + e2``, ``e1 = exp(z1)``), else None."""
    terms = [r.value(a) if r is not None else a for a in expr.args] if expr.is_Add else []
    if terms and all(isinstance(a, sp.exp) for a in terms):
        return [a.args[0] for a in terms]
    return None


def _pow_rule(r: _Recogniser, expr: sp.Pow):
    """(1 + exp(u))**-n = sigmoid(-u)**n."""
    u = _one_plus_exp(expr.base)
    if u is not None and expr.exp.is_negative:
        return sigmoid(-u) ** (-expr.exp)
    return None


def _log_rule(r: _Recogniser, expr: sp.log):
    arg = expr.args[0]
    value = r.value(arg)
    if isinstance(value, sp.exp):
        return value.args[0]                                   # log(exp(u)) = u (real u)
    if isinstance(value, sigmoid):
        return -softplus(-value.args[0])                       # log σ(u) = -softplus(-u)
    inner = _one_minus_sigmoid(r, arg)
    if inner is not None:
        return -softplus(inner)                                # log(1 - σ(u)) = -softplus(u)
    u = _one_plus_exp(arg)
    if u is not None:
        return softplus(u)
    exps = _sum_of_exps(value if value.is_Add else arg, r)
    if exps:
        return logsumexp(*exps)
    return _log_of_product(r, value) if value.is_Mul else None


def _log_of_product(r: _Recogniser, product: sp.Mul):
    """log(e1/S) = z1 − logsumexp(z1, z2) with e_k = exp(z_k) and S = e1 + e2 nodes (softmax
    written through nodes): the log of a product as the sum of its factors' logs, when every
    factor's log simplifies; else None."""
    logs = []
    for f in product.args:
        base, n = (f.base, f.exp) if f.is_Pow and f.exp.is_Integer else (f, 1)
        simpler = _log_rule(r, sp.log(base, evaluate=False)) if not base.is_Number else None
        if simpler is None:
            return None
        logs.append(n * simpler)
    return sp.Add(*logs)


def _one_minus_sigmoid(r: _Recogniser, expr: sp.Expr):
    """u if ``expr`` is 1 - σ(u) (σ(u) possibly behind a node), else None."""
    if not (expr.is_Add and len(expr.args) == 2 and sp.S.One in expr.args):
        return None
    other = expr.args[1] if expr.args[0] == 1 else expr.args[0]
    value = r.value(-other)
    return value.args[0] if isinstance(value, sigmoid) else None


def _max_rule(r: _Recogniser, expr: sp.Max):
    if len(expr.args) == 2 and sp.S.Zero in expr.args:
        return relu(expr.args[1] if expr.args[0] == 0 else expr.args[0])
    return None


def _add_rule(r: _Recogniser, expr: sp.Add):
    """2σ(2u) - 1 = tanh(u)."""
    if len(expr.args) == 2 and sp.S.NegativeOne in expr.args:
        other = expr.args[1] if expr.args[0] == -1 else expr.args[0]
        coeff, rest = other.as_coeff_Mul()
        if coeff == 2 and isinstance(rest, sigmoid):
            return sp.tanh(rest.args[0] / 2)
    return None


def _mul_rule(r: _Recogniser, expr: sp.Mul):
    factors = list(expr.args)
    for find in (_softmax, _sigmoid_pair, _tanh_quotient, _tanh_sigmoid):
        found = find(factors)
        if found is not None:
            kept, new = found
            return sp.Mul(*kept, new)
    return None


def _softmax(factors):
    """exp(ui)·(exp(u1) + ... + exp(uk))**-1 = exp(ui - logsumexp(u1, ..., uk))."""
    for f in factors:
        exps = _sum_of_exps(f.base) if f.is_Pow and f.exp == -1 else None
        top = next((g for g in factors if isinstance(g, sp.exp)), None) if exps else None
        if top is not None:
            return _without(factors, f, top), sp.exp(top.args[0] - logsumexp(*exps))
    return None


def _sigmoid_pair(factors):
    """exp(u)·σ(-u) = σ(u)."""
    for f in factors:
        if isinstance(f, sp.exp):
            match = sigmoid(-f.args[0])
            if match in factors:
                return _without(factors, f, match), sigmoid(f.args[0])
    return None


def _tanh_quotient(factors):
    """(exp(u) - exp(-u))·(exp(u) + exp(-u))**-1 = tanh(u)."""
    for f in factors:
        if f.is_Pow and f.exp == -1 and f.base.is_Add and len(f.base.args) == 2:
            a, b = f.base.args
            if isinstance(a, sp.exp) and isinstance(b, sp.exp) and sp.expand(a.args[0] + b.args[0]) == 0:
                u = a.args[0] if not a.args[0].could_extract_minus_sign() else b.args[0]
                numerator = sp.exp(u) - sp.exp(-u)
                if numerator in factors:
                    return _without(factors, f, numerator), sp.tanh(u)
    return None


def _tanh_sigmoid(factors):
    """(1 - exp(u))·σ(-u) = tanh(-u/2), (exp(u) - 1)·σ(-u) = tanh(u/2)."""
    for f in factors:
        if isinstance(f, sigmoid):
            u = -f.args[0]
            for sign in (1, -1):
                numerator = sign * (1 - sp.exp(u))
                if numerator in factors:
                    return _without(factors, f, numerator), sp.tanh(-sign * u / 2)
    return None


def _without(factors, *drop):
    kept = list(factors)
    for d in drop:
        kept.remove(d)
    return kept


_RULES = {sp.Pow: (_pow_rule,), sp.log: (_log_rule,), sp.Max: (_max_rule,), sp.Add: (_add_rule,),
          sp.Mul: (_mul_rule,)}


def _rules_for(expr):
    for kind, rules in _RULES.items():
        if isinstance(expr, kind):
            return rules
    return ()
