"""Operation counts on programs, each assignment once (never ``count_ops`` of an expanded tree).

Conventions (one operation each): a binary add or subtraction, a multiplication (``-x``
on its own counts as one), a division, a function call (exp, log, sigmoid, sqrt, a
non-integer power, ...).  ``x**n`` for integer n >= 2 counts n - 1 multiplications; a
term with a negative coefficient inside a sum is a subtraction, not a multiplication.
Naive costs are computed on the graph by dynamic programming, so they are exact without
building a single path.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import sympy as sp

from .functions import logsumexp
from .network import Network
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


@dataclass(frozen=True)
class NetworkCosts:
    forward: OpCount
    naive: OpCount
    delta: OpCount
    paths: int

    def as_dict(self) -> dict:
        return {"forward": self.forward.as_dict(), "naive": self.naive.as_dict(),
                "delta": self.delta.as_dict(), "paths": self.paths}


def naive_cost(network: Network) -> OpCount:
    """Cost of evaluating every parameter's chain-rule sum on its own, given forward values.

    Per path: each local partial on it, plus one multiplication per extra non-unit factor;
    per parameter: one addition per extra path.  Aggregated over paths by dynamic
    programming over the graph (number of paths, summed partial costs, factor counts).
    """
    graph = network.graph
    n = {graph.loss: 1}                  # paths from the loss to v
    ops = {graph.loss: ZERO}             # Σ over those paths of the partials' costs
    factors = {graph.loss: 0}            # Σ over paths of non-unit factors
    bare = {graph.loss: 1}               # paths with no non-unit factor at all
    for v in reversed(graph.active):
        if v == graph.loss:
            continue
        n[v], ops[v], factors[v], bare[v] = 0, ZERO, 0, 0
        for e in graph.in_edges(v):
            u, unit = e.consumer, e.partial == 1
            n[v] += n[u]
            ops[v] += ops[u] + n[u] * count_expr(e.partial)
            factors[v] += factors[u] + (0 if unit else n[u])
            bare[v] += bare[u] if unit else 0
    total = ZERO
    for p in network.params:
        if n.get(p, 0):
            muls = factors[p] - n[p] + bare[p]
            total += ops[p] + OpCount(muls=muls, adds=n[p] - 1)
    return total


def network_costs(network: Network, delta=None) -> NetworkCosts:
    """Forward, naive-backward and shared-δ-backward costs (``delta``: a derivation to reuse)."""
    from .delta import derive_delta
    from .naive import count_path_terms

    delta = delta or derive_delta(network)
    return NetworkCosts(forward=count_program(network.forward), naive=naive_cost(network),
                        delta=count_program(delta.program),
                        paths=count_path_terms(network))
