"""One registry of derivative rules for elementary functions, apart from any traversal.

Each rule gives ∂f(a1, ..., ak)/∂ai as a SymPy expression in the arguments and in ``r``, the
function's own value, wherever the derivative can reuse it (exp' = r, tanh' = 1 − r²,
σ' = r(1 − r), (1/u)' = −r², √u' = 1/(2r)): once the forward pass has stored r, the backward
pass needs no exponential and no square root.  Rules are plain SymPy, so they print as code and
as LaTeX (``rule_table``).  Conventions at singular points follow PyTorch and HIPS autograd:
relu'(0) = 0, |x|'(0) = 0, ∂(x^y)/∂x = 0 at x = y = 0, ∂(x^y)/∂y = 0 at x = 0.
"""
from __future__ import annotations

import sympy as sp

from .functions import logsumexp, relu, sigmoid, softplus


def _pow_base(base, exponent, r):
    """∂(base^exponent)/∂base."""
    if exponent.is_Number:
        if exponent == -1:
            return -r ** 2
        if exponent == sp.S.Half:
            return 1 / (2 * r)
        return exponent * base ** (exponent - 1)
    return sp.Piecewise((0, sp.Eq(exponent, 0)), (exponent * base ** (exponent - 1), True))


def _pow_exponent(base, exponent, r):
    """∂(base^exponent)/∂exponent."""
    if base.is_Number and base.is_positive:
        return r * sp.log(base)
    return sp.Piecewise((0, sp.Eq(base, 0)), (r * sp.log(base), True))


#: function class → rule(args, r, i): ∂f(args)/∂args[i], r standing for f(args).
RULES = {
    sp.exp: lambda a, r, i: r,
    sp.log: lambda a, r, i: 1 / a[0],
    sp.tanh: lambda a, r, i: 1 - r ** 2,
    sigmoid: lambda a, r, i: r * (1 - r),
    softplus: lambda a, r, i: sigmoid(a[0]),
    relu: lambda a, r, i: sp.Heaviside(a[0], 0),
    sp.Abs: lambda a, r, i: sp.sign(a[0]),
    sp.sin: lambda a, r, i: sp.cos(a[0]),
    sp.cos: lambda a, r, i: -sp.sin(a[0]),
    logsumexp: lambda a, r, i: sp.exp(a[i] - r),
    sp.Pow: lambda a, r, i: _pow_base(*a, r) if i == 0 else _pow_exponent(*a, r),
    sp.sign: lambda a, r, i: sp.S.Zero,
    sp.Heaviside: lambda a, r, i: sp.S.Zero,
}

#: functions whose rule reuses their own value: worth storing when they sit inside a formula.
REUSES_VALUE = (sp.exp, sp.tanh, sigmoid, logsumexp)


def rule_for(expr: sp.Expr):
    """The rule of ``expr``'s head, or None (SymPy's ``diff`` then decides)."""
    return RULES.get(type(expr)) if not expr.is_Pow else RULES[sp.Pow]


def derivative(expr: sp.Expr, i: int, r: sp.Expr | None = None) -> sp.Expr:
    """∂expr/∂(its argument i), with ``r`` (default: ``expr`` itself) standing for its value."""
    r = expr if r is None else r
    rule = rule_for(expr)
    if rule is not None:
        return rule(expr.args, r, i)
    dummy = sp.Dummy("a")
    args = list(expr.args)
    args[i] = dummy
    return sp.diff(expr.func(*args), dummy).subs(dummy, expr.args[i])


def reuses_value(expr: sp.Expr) -> bool:
    """True if the rule of ``expr`` is written in terms of its own value."""
    if expr.is_Pow:
        return expr.exp == sp.S.Half or not expr.exp.is_Number
    return isinstance(expr, REUSES_VALUE)


def rule_table() -> list[tuple[sp.Expr, sp.Expr]]:
    """(f(a), ∂f/∂a) for each rule, in terms of r = f(a), for documentation."""
    a, b, r = sp.symbols("a b r")
    rows = []
    for func in RULES:
        if func is sp.Pow:
            rows += [(a ** -1, _pow_base(a, sp.S.NegativeOne, r)),
                     (sp.sqrt(a), _pow_base(a, sp.S.Half, r)),
                     (a ** b, _pow_base(a, b, r)), (a ** b, _pow_exponent(a, b, r))]
        elif func is logsumexp:
            rows.append((func(a, b), RULES[func]((a, b), r, 0)))
        else:
            rows.append((func(a), RULES[func]((a,), r, 0)))
    return rows
