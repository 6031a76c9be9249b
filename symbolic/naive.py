"""Naive differentiation: each parameter's gradient as its own sum over chain-rule paths.

∂L/∂w1 = ∂L/∂y·∂y/∂z3·∂z3/∂h1·∂h1/∂z1·∂z1/∂w1 (+ the other paths).  Nothing is shared
between parameters, so the common prefixes are rebuilt for every one of them: the number
of path terms grows exponentially with depth.  Paths are counted (``count_path_terms``)
before they are built, and building refuses past a limit.

The same for matrix networks: a path pulls the loss's 1 back across its edges one after the
other (∂L/∂W1 = ((1/B)(Y − T)) … through W2ᵀ … ·Xᵀ), and a tied or reused matrix sums its paths.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .errors import NetworkError
from .graph import Edge
from .naming import fresh_name
from .program import Assignment, Program

DEFAULT_PATH_LIMIT = 100_000


@dataclass(frozen=True)
class ChainPath:
    """One path from the loss down to a parameter, as its edges in that order."""

    edges: tuple[Edge, ...]

    @property
    def nodes(self) -> tuple[sp.Symbol, ...]:
        return (self.edges[0].consumer,) + tuple(e.producer for e in self.edges)

    @property
    def factors(self) -> tuple[sp.Expr, ...]:
        return tuple(e.partial for e in self.edges)

    @property
    def product(self) -> sp.Expr:
        return sp.Mul(*self.factors)

    def pulled_back(self, graph) -> sp.Expr:
        """This path's term of the gradient: 1 pulled back across each edge in turn (for a
        scalar path the product of its partials)."""
        g = sp.S.One
        for edge in self.edges:
            g = graph.total(edge.cotangents(g), edge.producer)
        return g


@dataclass(frozen=True)
class NaiveGradient:
    """∂L/∂param as a sum over its chain-rule paths."""

    param: sp.Symbol
    paths: tuple[ChainPath, ...]

    @property
    def expression(self) -> sp.Expr:
        """The substituted form, in node values: Σ over paths of the product of partials."""
        return sp.Add(*(p.product for p in self.paths))

    def value(self, values) -> float:
        """The numeric form: the sum of path products at forward ``values`` (symbol -> float)."""
        from .evaluate import evaluate

        return sum(math.prod(evaluate(f, values) for f in p.factors) for p in self.paths)


def count_path_terms(network) -> int:
    """Total number of chain-rule products over all parameters, without building any."""
    counts = network.graph.path_counts
    return sum(counts.get(p, 0) for p in network.params)


def derive_naive(network, limit: int = DEFAULT_PATH_LIMIT) -> list[NaiveGradient]:
    """Every parameter's chain-rule paths; fails with the count when it exceeds ``limit``."""
    total = count_path_terms(network)
    if total > limit:
        raise NetworkError(f"network {network.name!r} has {total:,} chain-rule path terms, "
                           f"over the limit of {limit:,}: too many to build naively")
    graph = network.graph
    memo: dict[sp.Symbol, list[tuple[Edge, ...]]] = {graph.loss: [()]}

    def paths_to(v: sp.Symbol) -> list[tuple[Edge, ...]]:
        if v not in memo:
            memo[v] = [prefix + (e,) for e in graph.in_edges(v) for prefix in paths_to(e.consumer)]
        return memo[v]

    for v in reversed(graph.active):  # consumers first: the recursion stays one level deep
        paths_to(v)
    return [NaiveGradient(p, tuple(ChainPath(edges) for edges in memo.get(p, [])))
            for p in network.params]


def naive_program(network, gradient: NaiveGradient, own: dict | None = None) -> Program:
    """``gradient``'s paths laid out as assignments, as matrix code computes them: each path
    pulls 1 back edge by edge into δ-named temporaries of its own (nothing is shared, not even
    between two paths of one parameter), then ``grad_p`` sums what the paths' last edges give.
    With one path per parameter (an MLP) this is the parameter's own δ chain.  ``own``, if
    given, is told what each new symbol is: ("delta", node) or ("grad", param)."""
    graph, param = network.graph, gradient.param
    taken = {s.name for s in network.symbols}
    own = {} if own is None else own
    assignments, terms = [], []
    for path in gradient.paths:
        g = sp.S.One
        for edge in path.edges[:-1]:
            node = edge.producer
            delta = graph.symbol_like(fresh_name(f"delta_{node.name}", taken), node)
            assignments.append(Assignment(delta, graph.total(edge.cotangents(g), node)))
            own[delta], g = ("delta", node), delta
        terms += path.edges[-1].cotangents(g)
    grad = graph.symbol_like(fresh_name(f"grad_{param.name}", taken), param)
    own[grad] = ("grad", param)
    return Program(assignments + [Assignment(grad, graph.total(terms, param))])
