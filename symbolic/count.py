"""Operation counts of expressions and programs, each assignment once (never ``count_ops``).

Conventions (one operation each): a binary add or subtraction, a multiplication (``-x``
on its own counts as one), a division, a function call (exp, log, sigmoid, sqrt, a
non-integer power, ...).  ``x**n`` for integer n >= 2 counts n - 1 multiplications; a
term with a negative coefficient inside a sum is a subtraction, not a multiplication.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import sympy as sp

from .functions import logsumexp
from .program import Program


@dataclass(frozen=True)
class OpCount:
    adds: int = 0
    muls: int = 0
    divs: int = 0
    funcs: int = 0

    @property
    def total(self) -> int:
        return self.adds + self.muls + self.divs + self.funcs

    def __add__(self, other: "OpCount") -> "OpCount":
        return OpCount(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __mul__(self, k: int) -> "OpCount":
        return OpCount(*(getattr(self, f.name) * k for f in fields(self)))

    __rmul__ = __mul__

    def as_dict(self) -> dict:
        return {"adds": self.adds, "muls": self.muls, "divs": self.divs, "funcs": self.funcs,
                "total": self.total}


ZERO = OpCount()


@dataclass(frozen=True)
class SplitCount:
    """Operations per sample (on arrays over the batch: executed once per sample) and per call
    (on parameters and numbers alone: executed once, whatever the batch size)."""

    per_sample: OpCount = ZERO
    per_call: OpCount = ZERO

    def __add__(self, other: "SplitCount") -> "SplitCount":
        return SplitCount(self.per_sample + other.per_sample, self.per_call + other.per_call)

    def __mul__(self, k: int) -> "SplitCount":
        return SplitCount(self.per_sample * k, self.per_call * k)

    __rmul__ = __mul__

    @property
    def one_sample(self) -> int:
        """Both: one evaluation for one sample."""
        return self.per_sample.total + self.per_call.total

    def at_batch(self, batch: int) -> int:
        """Total operations of one call on ``batch`` samples."""
        return self.per_sample.total * batch + self.per_call.total

    def as_dict(self) -> dict:
        return {"per_sample": self.per_sample.as_dict(), "per_call": self.per_call.as_dict()}


def count_expr(expr: sp.Expr) -> OpCount:
    """Operations to evaluate ``expr`` once, its symbols given."""
    if expr.is_Atom:
        return ZERO
    if expr.is_Add:
        return _count_add(expr)
    if expr.is_Mul:
        return _count_mul(expr)
    if expr.is_Pow:
        return _count_pow(expr)
    inner = sum((count_expr(a) for a in expr.args), ZERO)
    if isinstance(expr, logsumexp):
        n = len(expr.args)
        return inner + OpCount(adds=n - 1, funcs=n + 1)
    if isinstance(expr, (sp.Max, sp.Min)):
        return inner + OpCount(funcs=len(expr.args) - 1)
    return inner + OpCount(funcs=1)


def _count_add(expr: sp.Add) -> OpCount:
    total = OpCount(adds=len(expr.args) - 1)
    for term in expr.args:
        coeff, rest = term.as_coeff_Mul()
        total += count_expr(-term if coeff.is_negative else term)
    return total


def split_fraction(expr: sp.Mul) -> tuple[sp.Number, list, list]:
    """(numeric coefficient, numerator factors, denominator factors) of a product."""
    coeff, rest = expr.as_coeff_Mul()
    numer, denom = [], []
    for f in sp.Mul.make_args(rest):
        if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
            denom.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp))
        else:
            numer.append(f)
    return coeff, numer, denom


def _count_mul(expr: sp.Mul) -> OpCount:
    coeff, numer, denom = split_fraction(expr)
    total = sum((count_expr(f) for f in numer + denom), ZERO)
    if coeff != 1:
        p, q = (coeff.p, coeff.q) if coeff.is_Rational else (coeff, 1)
        if abs(p) != 1:
            numer.append(p)             # -3*x: one multiplication by -3
        elif p < 0:
            total += OpCount(muls=1)    # -x: a negation
        if q != 1:
            denom.append(q)
    total += OpCount(muls=max(len(numer) - 1, 0) + max(len(denom) - 1, 0))
    if denom:
        total += OpCount(divs=1)
    return total


def _count_pow(expr: sp.Pow) -> OpCount:
    base = count_expr(expr.base)
    e = expr.exp
    if e.is_Integer and e > 0:
        return base + OpCount(muls=int(e) - 1)
    if e.is_Integer and e < 0:
        return base + OpCount(muls=int(-e) - 1, divs=1)
    if e == sp.S.Half:
        return base + OpCount(funcs=1)
    if e == -sp.S.Half:
        return base + OpCount(funcs=1, divs=1)
    return base + count_expr(e) + OpCount(funcs=1)


def count_program(program: Program) -> OpCount:
    """Sum over the assignments, each counted once."""
    return sum((count_expr(a.rhs) for a in program), ZERO)
