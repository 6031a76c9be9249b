"""The canonical forward program: recognised forms, and stored values for the rules to reuse.

A node such as ``h = z*sigmoid(z)`` (swish) or ``L = exp(exp(a))`` hides a function whose
derivative is written in its own value (σ' = s(1 − s), exp' = e).  ``lower`` gives each such
function that sits *inside* a right side a node of its own (``h_sigmoid = sigmoid(z)``,
``h = z*h_sigmoid``), named after the node it serves, so the forward pass stores it and the
backward pass reuses it, as CasADi and JAX keep their forward intermediates.  A function that
is a whole right side is stored already; one that occurs twice is stored once.
"""
from __future__ import annotations

import sympy as sp

from .forms import recognise
from .functions import sigmoid, softplus
from .naming import fresh_name
from .program import Assignment
from .rules import reuses_value


def canonical(equations, loss_symbol: sp.Symbol, loss: sp.Expr, taken: set[str]
              ) -> tuple[list[Assignment], dict]:
    """The written ``equations`` and loss (as ``loss_symbol = loss``), recognised and lowered:
    (the forward program with its stored values, {node: its recognised right side}).  The
    second is what the graph differentiates: a stored value is reused, never given a δ."""
    written = list(equations) + ([] if loss_symbol == loss else [Assignment(loss_symbol, loss)])
    recognised: dict = {}
    for a in written:
        recognised[a.lhs] = recognise(a.rhs, recognised)
    return lower([Assignment(u, rhs) for u, rhs in recognised.items()], taken), recognised


def lower(equations, taken: set[str]) -> list[Assignment]:
    """``equations`` with every nested value-reusing function stored in a node of its own."""
    extractor = _Extractor({a.rhs: a.lhs for a in equations if reuses_value(a.rhs)}, taken)
    for a in equations:
        extractor.owner = a.lhs
        extractor.add(Assignment(a.lhs, extractor.rhs(a.rhs)))
        extractor.stored.setdefault(a.rhs, a.lhs)
    return extractor.out


class _Extractor:
    """Builds the lowered program ``out``; ``owner`` is the node whose right side is read."""

    def __init__(self, stored: dict, taken: set[str]):
        self.stored, self.taken = stored, taken
        self.out: list[Assignment] = []
        self.defined: set = set()
        self.owner: sp.Symbol | None = None

    def add(self, a: Assignment) -> None:
        self.out.append(a)
        self.defined.add(a.lhs)

    def rhs(self, expr: sp.Expr) -> sp.Expr:
        args = [self.nested(a) for a in expr.args]
        return expr.func(*args) if any(x is not y for x, y in zip(args, expr.args)) else expr

    def nested(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom or not expr.free_symbols:     # a constant (sqrt(2)) is no stored value
            return expr
        node = self.stored.get(expr)
        if node is not None and node in self.defined:
            return node
        expr = self.rhs(expr)
        if not (reuses_value(expr) or self._sigmoid_missing(expr)):
            return expr
        return self._store(expr)

    def _sigmoid_missing(self, expr: sp.Expr) -> bool:
        """A softplus whose derivative σ is not stored: storing it gives σ(a) = exp(a − s)."""
        if not isinstance(expr, softplus):
            return False
        a = expr.args[0]
        return not any(self.stored.get(sigmoid(b)) in self.defined for b in (a, -a))

    def _store(self, expr: sp.Expr) -> sp.Symbol:
        node = self.stored.get(expr)
        if node is None or node not in self.defined:
            node = sp.Symbol(fresh_name(f"{self.owner.name}_{_label(expr)}", self.taken))
            self.add(Assignment(node, expr))
            self.stored[expr] = node
        return node


def _label(expr: sp.Expr) -> str:
    if expr.is_Pow:
        return "sqrt" if expr.exp == sp.S.Half else "pow"
    return type(expr).__name__.lower()
