"""The computational graph of a network and its local partials ∂u/∂v, one per edge.

Every derivation (naive paths, shared δ, cost counts, pictures) is built from these
partials; nodes stay symbols, the network is never inlined into one expression.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .network import Network


@dataclass(frozen=True)
class Edge:
    """``consumer`` uses ``producer``; ``partial`` = ∂consumer/∂producer in node values."""

    consumer: sp.Symbol
    producer: sp.Symbol
    partial: sp.Expr


class Graph:
    """Producers, consumers and local partials of a network's forward program."""

    def __init__(self, network: Network):
        self.network = network
        self.rhs = network.forward.as_dict()
        self.producers = {u: network.dependencies(e) for u, e in self.rhs.items()}
        self.consumers: dict[sp.Symbol, list[sp.Symbol]] = {s: [] for s in network.symbols}
        for u, vs in self.producers.items():
            for v in vs:
                self.consumers[v].append(u)

    @property
    def loss(self) -> sp.Symbol:
        return self.network.loss_symbol

    @cached_property
    def reaches_loss(self) -> frozenset:
        """Symbols with a path to the loss."""
        seen = {self.loss}
        for u in reversed(self.network.forward.lhs):
            if u in seen:
                seen.update(self.producers[u])
        return frozenset(seen)

    @cached_property
    def active(self) -> tuple[sp.Symbol, ...]:
        """Parameters and nodes that depend on a parameter and reach the loss, in order."""
        depends = set(self.network.params)
        for u in self.network.forward.lhs:
            if any(v in depends for v in self.producers[u]):
                depends.add(u)
        return tuple(s for s in self.network.symbols if s in depends and s in self.reaches_loss)

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
            for v, d in local_partials(rhs, wanted).items():
                edges[(u, v)] = Edge(u, v, reuse_forward_values(d, reuse))
        return edges

    def in_edges(self, v: sp.Symbol) -> list[Edge]:
        """Edges from the consumers of ``v`` into ``v``, in consumer order."""
        return [self.edges[(u, v)] for u in self.consumers[v] if (u, v) in self.edges]

    def out_edges(self, u: sp.Symbol) -> list[Edge]:
        """Edges from ``u`` to its active producers."""
        return [self.edges[(u, v)] for v in self.producers.get(u, ()) if (u, v) in self.edges]

    @cached_property
    def path_counts(self) -> dict[sp.Symbol, int]:
        """Number of chain-rule paths from the loss to each active symbol (dynamic programming)."""
        counts = {s: 0 for s in self.active}
        counts[self.loss] = 1
        for v in reversed(self.active):
            if v != self.loss:
                counts[v] = sum(counts[e.consumer] for e in self.in_edges(v))
        return counts

    def _forward_value_map(self) -> dict[sp.Expr, sp.Symbol]:
        """Right sides that the forward pass already stored, mapped to their node (σ(z1) → h1)."""
        return {rhs: u for u, rhs in self.rhs.items()
                if not (rhs.is_Atom or rhs.is_Add or rhs.is_Mul)}


def reuse_forward_values(expr: sp.Expr, stored: dict) -> sp.Expr:
    """Replace, bottom-up, every subexpression the forward pass stored by its node symbol."""
    if expr.is_Atom or not stored:
        return expr
    args = [reuse_forward_values(a, stored) for a in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    return stored.get(rebuilt, rebuilt)


SMALL = 64   # expressions with at most this many nodes are differentiated by ``diff`` directly


def local_partials(expr: sp.Expr, wanted: list[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """∂expr/∂v for each v in ``wanted`` (in that order), zero partials left out.

    Sums of products of distinct symbols (``w1*x1 + w2*x2 + b``) are read off directly.
    Small right sides go through SymPy's ``diff`` (whose rules for deltaprop's own functions
    live in ``symbolic.functions``), keeping the cheaper of the result and its factored form.
    Large ones are taken apart by the chain rule, so a big sum inside a function is
    differentiated once, not once per symbol.
    """
    if _is_small(expr):
        linear = _multilinear_partials(expr, set(wanted))
        if linear is None:
            linear = {v: _cheapest(sp.diff(expr, v)) for v in wanted}
    else:
        linear = _structural_partials(expr, set(wanted))
    return {v: linear[v] for v in wanted if v in linear and linear[v] != 0}


def _structural_partials(expr: sp.Expr, wanted: set) -> dict:
    """The chain rule over the expression tree: sums, products, powers, one-argument functions."""
    linear = _multilinear_partials(expr, wanted)
    if linear is not None:
        return linear
    present = [v for v in wanted if expr.has(v)]
    if not present:
        return {}
    if expr.is_Add or expr.is_Mul:
        parts: dict = {}
        for i, arg in enumerate(expr.args):
            rest = sp.Mul(*expr.args[:i], *expr.args[i + 1:]) if expr.is_Mul else sp.S.One
            for v, d in _structural_partials(arg, wanted).items():
                parts.setdefault(v, []).append(rest * d)
        return {v: sp.Add(*ds) for v, ds in parts.items()}
    if expr.is_Pow and not any(expr.exp.has(v) for v in present):
        outer = expr.exp * expr.base ** (expr.exp - 1)
        return {v: outer * d for v, d in _structural_partials(expr.base, wanted).items()}
    if isinstance(expr, sp.Function) and len(expr.args) == 1:
        outer = expr.fdiff(1)
        return {v: outer * d for v, d in _structural_partials(expr.args[0], wanted).items()}
    return {v: sp.diff(expr, v) for v in present}


def _is_small(expr: sp.Expr) -> bool:
    seen, stack = 0, [expr]
    while stack:
        e = stack.pop()
        seen += 1
        if seen > SMALL:
            return False
        stack.extend(e.args)
    return True


def _cheapest(d: sp.Expr) -> sp.Expr:
    """``d`` or its common factors pulled out (2*y - 2*t → 2*(y - t)), whichever costs less."""
    from .cost import count_expr

    factored = sp.factor_terms(d)
    return factored if count_expr(factored).total < count_expr(d).total else d


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
