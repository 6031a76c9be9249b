"""The computational graph of a network and its local partials ∂u/∂v, one per edge.

Every derivation (naive paths, shared δ, cost counts, pictures) is built from these
partials; nodes stay symbols, the network is never inlined into one expression.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import sympy as sp

from .functions import sigmoid, softplus
from .count import count_expr
from .dag import Dag
from .rules import derivative, rule_for


@dataclass(frozen=True)
class Edge:
    """``consumer`` uses ``producer``; ``partial`` = ∂consumer/∂producer in node values."""

    consumer: sp.Symbol
    producer: sp.Symbol
    partial: sp.Expr

    def cotangents(self, g: sp.Expr) -> list[sp.Expr]:
        """The terms this edge adds to δ_producer given δ_consumer = g: [g·∂u/∂v]."""
        return [g * self.partial]


class Graph(Dag):
    """The scalar graph: every edge carries its local partial ∂u/∂v."""

    @cached_property
    def edges(self) -> dict[tuple[sp.Symbol, sp.Symbol], Edge]:
        """Every edge (u, v) with v active, in forward order of u then v."""
        active = set(self.active)
        reuse = self._forward_value_map()
        edges = {}
        for u, rhs in self.rhs.items():
            if u not in active:
                continue
            wanted = [v for v in self.producers[u] if v in active]
            for v, d in local_partials(rhs, wanted, u).items():
                edges[(u, v)] = Edge(u, v, cheapest(reuse_forward_values(d, reuse)))
        return edges

    def _forward_value_map(self) -> dict[sp.Expr, sp.Expr]:
        """Right sides the forward pass already stored, mapped to their node (σ(z1) → h1),
        and what else they give for one operation (``mirrors``)."""
        stored: dict = {}
        for u, rhs in list(self.values.items()) + list(self.rhs.items()):
            if rhs.is_Mul:
                stored.setdefault(_factors(rhs), u)
            if rhs.is_Atom or rhs.is_Add or rhs.is_Mul or (rhs.is_Pow and rhs.exp.is_Integer):
                continue        # cheap to recompute, and h² read as L would puzzle a reader
            stored.setdefault(rhs, u)
            for expr, value in mirrors(rhs, u):
                stored.setdefault(expr, value)
        return stored


def mirrors(rhs: sp.Expr, u: sp.Symbol) -> list:
    """Values a stored node gives cheaply: σ(−a) = 1 − σ(a), tanh(−a) = −tanh(a), and from
    s = softplus(a): σ(a) = exp(a − s), σ(−a) = exp(−s) (both overflow-free)."""
    a = rhs.args[0] if rhs.args else None
    if isinstance(rhs, sigmoid):
        return [(sigmoid(-a), 1 - u)]
    if isinstance(rhs, sp.tanh):
        return [(sp.tanh(-a), -u)]
    if isinstance(rhs, softplus):
        return [(sigmoid(a), sp.exp(a - u)), (sigmoid(-a), sp.exp(-u))]
    return []


def reuse_forward_values(expr: sp.Expr, stored: dict) -> sp.Expr:
    """Replace, bottom-up, every subexpression the forward pass stored by its node symbol, and
    the factors of a stored product inside a larger one (z·s·(1 − s) → h·(1 − s), h = z·s)."""
    if expr.is_Atom or not stored:
        return expr
    args = [reuse_forward_values(a, stored) for a in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    if rebuilt.is_Mul:
        rebuilt = _reuse_product(rebuilt, stored)
    return stored.get(rebuilt, rebuilt)


def _factors(product: sp.Mul) -> tuple:
    """A product's factors as a hashable key (distinct from any expression key)."""
    return ("product",) + tuple(sorted(map(sp.srepr, product.args)))


def _reuse_product(product: sp.Mul, stored: dict) -> sp.Expr:
    """``product`` with one stored product's factors (two or three of them) replaced by it."""
    factors = list(product.args)
    if len(factors) > 8:
        return product
    for size in (3, 2):
        for chosen in combinations(range(len(factors)), size):
            node = stored.get(_factors(sp.Mul(*(factors[i] for i in chosen), evaluate=False)))
            if node is not None:
                rest = [f for i, f in enumerate(factors) if i not in chosen]
                return sp.Mul(node, *rest)
    return product


SMALL = 64   # partials with at most this many nodes are also tried expanded (y·(1−t) − t·(1−y) → y − t)


def local_partials(expr: sp.Expr, wanted: list[sp.Symbol], value: sp.Symbol | None = None
                   ) -> dict[sp.Symbol, sp.Expr]:
    """∂expr/∂v for each v in ``wanted`` (in that order), zero partials left out.

    Sums of products of distinct symbols (``w1*x1 + w2*x2 + b``) are read off directly; the
    rest goes by the chain rule over the expression tree, each function by its rule in
    ``symbolic.rules`` with ``value`` (the node storing ``expr``) standing for its result.
    """
    wanted_set = set(wanted)
    partials = _multilinear_partials(expr, wanted_set)
    if partials is None:
        partials = _chain_rule(expr, wanted_set, value)
    return {v: partials[v] for v in wanted if v in partials and partials[v] != 0}


def _chain_rule(expr: sp.Expr, wanted: set, value=None) -> dict:
    """{v: ∂expr/∂v} over the tree; ``value`` stands for expr's own value in its rule."""
    if expr.is_Symbol:
        return {expr: sp.S.One} if expr in wanted else {}
    if expr.is_Atom or not (expr.free_symbols & wanted):
        return {}
    if expr.is_Add:
        return _sum_parts([_chain_rule(a, wanted) for a in expr.args])
    if expr.is_Mul:
        return _product_rule(expr, wanted, value)
    if rule_for(expr) is None and not isinstance(expr, sp.Function):
        return {v: sp.diff(expr, v) for v in wanted if expr.has(v)}
    r = expr if value is None else value
    parts = []
    for i, arg in enumerate(expr.args):
        inner = _chain_rule(arg, wanted)
        if inner:
            outer = derivative(expr, i, r)
            parts.append({v: outer * d for v, d in inner.items()})
    return _sum_parts(parts)


def _product_rule(expr: sp.Mul, wanted: set, value) -> dict:
    """Σ_j (Π_{k≠j} f_k)·∂f_j; a factor u**n (n < 0) of a stored product r gives n·r/u·∂u."""
    parts = []
    for j, f in enumerate(expr.args):
        inner = _chain_rule(f, wanted) if not (f.is_Pow and f.exp.is_Number) else {}
        if f.is_Pow and f.exp.is_Number:
            base = _chain_rule(f.base, wanted)
            if value is not None and f.exp.is_negative:
                outer = f.exp * value / f.base
            else:
                outer = sp.Mul(*expr.args[:j], *expr.args[j + 1:]) * derivative(f, 0)
            parts.append({v: outer * d for v, d in base.items()})
            continue
        rest = sp.Mul(*expr.args[:j], *expr.args[j + 1:])
        parts.append({v: rest * d for v, d in inner.items()})
    return _sum_parts(parts)


def _sum_parts(parts: list[dict]) -> dict:
    total: dict = {}
    for part in parts:
        for v, d in part.items():
            total.setdefault(v, []).append(d)
    return {v: sp.Add(*ds) for v, ds in total.items()}


def _is_small(expr: sp.Expr) -> bool:
    seen, stack = 0, [expr]
    while stack:
        e = stack.pop()
        seen += 1
        if seen > SMALL:
            return False
        stack.extend(e.args)
    return True


def cheapest(d: sp.Expr) -> sp.Expr:
    """The cheapest of ``d``, its common factors pulled out (2*y - 2*t → 2*(y - t)) and, for
    small ``d``, its expansion (y*(1 - t) - t*(1 - y) → y - t), collected by one symbol or
    function value (a·t1 + a·t2 + a·t3 − t3 → a·(t1 + t2 + t3) − t3)."""
    if d.is_Atom or not any(e.is_Add for e in sp.preorder_traversal(d)):
        return d                          # a symbol or a product: nothing to factor or expand
    candidates = [d, sp.factor_terms(d)]
    if _is_small(d) and not d.has(sp.Piecewise):
        expanded = sp.expand(d, power_exp=False, power_base=False, log=False)
        candidates += [expanded, sp.factor_terms(expanded)]
        pieces = sorted(expanded.free_symbols, key=str) + sorted(expanded.atoms(sp.Function), key=str)
        candidates += [sp.collect(expanded, p) for p in pieces]
    return min(candidates, key=lambda e: count_expr(e).total)


def _multilinear_partials(expr: sp.Expr, wanted: set) -> dict | None:
    terms = expr.args if expr.is_Add else (expr,)
    parts: dict[sp.Symbol, list] = {}
    for term in terms:
        if term.is_Number:
            continue
        if term.is_Symbol:
            coeff, factors = sp.S.One, (term,)
        elif term.is_Mul:
            coeff, factors = term.as_coeff_mul()
            if not all(f.is_Symbol for f in factors) or len(set(factors)) != len(factors):
                return None
        else:
            return None
        for i, f in enumerate(factors):
            if f in wanted:
                parts.setdefault(f, []).append(sp.Mul(coeff, *factors[:i], *factors[i + 1:]))
    return {v: sp.Add(*p) for v, p in parts.items()}
