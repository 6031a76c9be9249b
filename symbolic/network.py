"""Declaring a network: inputs, targets, parameters, ordered node equations and a loss."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

import sympy as sp

from .elementary import canonical
from .errors import NetworkError, NetworkWarning
from .naming import fresh_name
from .program import Assignment, Program
from .unused import warn_unused

ROLES = ("input", "target", "param", "node")


@dataclass(frozen=True, eq=False)
class Network:
    """A network declared as SymPy equations (see the README for an example).

    ``equations`` are ``(node, expression)`` pairs or ``sympy.Eq``; each node is assigned once,
    from inputs, targets, parameters and earlier nodes.  ``loss`` is the per-sample loss.
    ``latex_names`` optionally maps a symbol (or its name) to the LaTeX used to print it.

    Declared with ``sympy.MatrixSymbol``s (a batch ``X`` is n × ``symbolic.matrix.BATCH``),
    the same call gives a matrix-level network (``symbolic.matrix.MatrixNetwork``, which also
    takes ``vector_params``); both go through the same sweep, passes and printers.
    """

    name: str
    inputs: Sequence[sp.Symbol]
    targets: Sequence[sp.Symbol]
    params: Sequence[sp.Symbol]
    equations: Sequence
    loss: sp.Expr
    latex_names: dict = field(default_factory=dict)

    def __new__(cls, *args, **kwargs):
        if cls is Network and _declares_matrices(args, kwargs):
            return _matrix_network(dict(zip(FIELDS, args), **kwargs))
        return super().__new__(cls)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("inputs", _symbol_tuple(self.inputs, "inputs"))
        set_("targets", _symbol_tuple(self.targets, "targets"))
        set_("params", _symbol_tuple(self.params, "params"))
        set_("equations", tuple(_as_assignment(e, i) for i, e in enumerate(self.equations)))
        set_("loss", _as_scalar(self.loss))
        set_("latex_names", {_name_of(k): str(v) for k, v in dict(self.latex_names).items()})
        role = self._check_roles()
        self._check_equations(role)
        self._check_loss(role)
        set_("_role", role)
        set_("written", Program(self.forward))
        self._canonicalise()
        warn_unused(self, stacklevel=3)
        self._warn_buried_sums()

    # -- structure ---------------------------------------------------------------------------
    def _canonicalise(self) -> None:
        """Equations and loss as derived: recognised forms, nested stored values
        (``symbolic.elementary``); ``written`` keeps the forward program as declared and
        ``differentiated`` maps each node (not the stored values) to what the graph derives."""
        loss_symbol = self.loss_symbol
        program, expanded = canonical(self.equations, loss_symbol, self.loss,
                                      {s.name for s in self._role})
        object.__setattr__(self, "differentiated", expanded)
        if loss_symbol != self.loss:
            object.__setattr__(self, "loss", program.pop().rhs)
        object.__setattr__(self, "equations", tuple(program))
        for name in ("forward", "symbols", "index", "_by_name"):
            self.__dict__.pop(name, None)
        object.__setattr__(self, "_role", self._check_roles())

    @property
    def auxiliary(self) -> tuple[sp.Symbol, ...]:
        """Nodes deltaprop added to store a value the derivative reuses (``h_sigmoid``)."""
        declared = set(self.written.lhs)
        return tuple(s for s in self.nodes if s not in declared)

    @property
    def nodes(self) -> tuple[sp.Symbol, ...]:
        return tuple(a.lhs for a in self.equations)

    @cached_property
    def loss_symbol(self) -> sp.Symbol:
        """The loss node: the loss itself when it is a node, else a fresh symbol ``L``."""
        if self.loss in self._role and self._role[self.loss] == "node":
            return self.loss
        return sp.Symbol(fresh_name("L", {s.name for s in self._role}))

    @cached_property
    def forward(self) -> Program:
        """The forward program: every equation, then the loss."""
        if self.loss_symbol == self.loss:
            return Program(self.equations)
        return Program(self.equations + (Assignment(self.loss_symbol, self.loss),))

    @cached_property
    def graph(self):
        """The computational graph with its local partials (``symbolic.graph.Graph``)."""
        from .graph import Graph

        return Graph(self)

    @cached_property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Every symbol in declaration order: inputs, targets, params, nodes, loss."""
        extra = () if self.loss_symbol in self._role else (self.loss_symbol,)
        return self.inputs + self.targets + self.params + self.nodes + extra

    @cached_property
    def index(self) -> dict[sp.Symbol, int]:
        return {s: i for i, s in enumerate(self.symbols)}

    def role(self, symbol: sp.Symbol) -> str:
        """'input', 'target', 'param', 'node' (the loss node counts as a node)."""
        return self._role.get(symbol, "node" if symbol == self.loss_symbol else "unknown")

    def dependencies(self, expr: sp.Expr) -> list[sp.Symbol]:
        """The declared symbols ``expr`` uses, in declaration order."""
        return sorted(expr.free_symbols, key=self.index.__getitem__)

    @cached_property
    def _by_name(self) -> dict[str, sp.Symbol]:
        return {s.name: s for s in self.symbols}

    def symbol(self, name: str) -> sp.Symbol:
        """The declared symbol called ``name``."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        raise NetworkError(f"network {self.name!r} has no symbol named {name!r}")

    def __repr__(self):
        return (f"Network({self.name!r}: {len(self.inputs)} inputs, {len(self.targets)} targets, "
                f"{len(self.params)} params, {len(self.equations)} nodes)")

    # -- validation --------------------------------------------------------------------------
    def _check_roles(self) -> dict[sp.Symbol, str]:
        role: dict[sp.Symbol, str] = {}
        by_name: dict[str, sp.Symbol] = {}
        groups = [("input", self.inputs), ("target", self.targets), ("param", self.params),
                  ("node", self.nodes)]
        for kind, symbols in groups:
            for s in symbols:
                if s in role:
                    if role[s] == kind:
                        what = "assigned twice" if kind == "node" else f"declared twice as {kind}"
                        raise NetworkError(f"{s} is {what}")
                    raise NetworkError(f"{s} is declared both as {role[s]} and as {kind}")
                if s.name in by_name:
                    raise NetworkError(f"two different symbols are named {s.name!r} "
                                       "(same name, different assumptions)")
                role[s], by_name[s.name] = kind, s
        return role

    def _check_equations(self, role: dict) -> None:
        defined = {s for s, k in role.items() if k != "node"}
        for a in self.equations:
            self._check_uses(a.rhs, defined, role, a)
            defined.add(a.lhs)

    def _check_loss(self, role: dict) -> None:
        self._check_uses(self.loss, set(role), role, "the loss")
        if not (self.loss.free_symbols & (set(self.nodes) | set(self.params))):
            raise NetworkError("the loss depends on no node and no parameter")

    @staticmethod
    def _check_uses(expr, defined, role, where) -> None:
        for s in sorted(expr.free_symbols, key=lambda s: s.name):
            if s in role and s in defined:
                continue
            if isinstance(where, Assignment):
                where = f"equation {where.lhs} = {where.rhs}"
            if s not in role and any(r.name == s.name for r in role):
                raise NetworkError(f"{where}: two different symbols are named {s.name!r} "
                                   "(same name, different assumptions)")
            if s not in role:
                raise NetworkError(f"{where}: symbol {s} is declared nowhere "
                                   "(not an input, target, param or node)")
            if s not in defined:
                raise NetworkError(f"{where}: node {s} is used before it is defined")

    def _warn_buried_sums(self) -> None:
        for lhs, rhs in list(self.equations) + [(self.loss_symbol, self.loss)]:
            buried = _buried_sum(rhs)
            if buried is not None:
                warnings.warn(f"network {self.name!r}: {lhs} has a sum of {len(buried.args)} terms "
                              "inside a larger expression; declare that sum as its own node, "
                              "or every local partial repeats it (quadratic cost)",
                              NetworkWarning, stacklevel=4)


def _buried_sum(expr: sp.Expr, limit: int = 32) -> sp.Add | None:
    """A sum of more than ``limit`` terms below the top of ``expr`` (inside a function,
    power or product), or None."""
    stack = [t for a in expr.args for t in a.args] if expr.is_Add else list(expr.args)
    while stack:
        e = stack.pop()
        if e.is_Add and len(e.args) > limit:
            return e
        stack.extend(e.args)
    return None


FIELDS = ("name", "inputs", "targets", "params", "equations", "loss")


def _declares_matrices(args: tuple, kwargs: dict) -> bool:
    """True when the inputs, parameters or nodes given are ``sympy.MatrixSymbol``s."""
    given = dict(zip(FIELDS, args), **kwargs)
    symbols = [*given.get("inputs", ()), *given.get("params", ())]
    symbols += [e.lhs if isinstance(e, sp.Eq) else e[0] for e in given.get("equations", ())
                if isinstance(e, (sp.Eq, tuple, list))]
    return any(isinstance(s, sp.MatrixSymbol) for s in symbols)


def _matrix_network(kwargs: dict):
    """``MatrixNetwork(**kwargs)``, its warnings told at the line that called ``Network``."""
    from .matrix.network import MatrixNetwork

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network = MatrixNetwork(**_matrix_keywords(kwargs))
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=3)
    return network


def _matrix_keywords(kwargs: dict) -> dict:
    """``Network`` keywords as ``MatrixNetwork`` takes them (equations as pairs)."""
    if kwargs.pop("latex_names", None):
        raise NetworkError("latex_names is for scalar networks; matrix networks print the "
                           "declared names")
    if "equations" in kwargs:
        kwargs["equations"] = [(e.lhs, e.rhs) if isinstance(e, sp.Eq) else e
                               for e in kwargs["equations"]]
    return kwargs


def _name_of(key) -> str:
    return key.name if isinstance(key, sp.Symbol) else str(key)


def _symbol_tuple(items: Iterable, what: str) -> tuple[sp.Symbol, ...]:
    items = tuple(items)
    for s in items:
        if not isinstance(s, sp.Symbol):
            raise NetworkError(f"{what}: {s!r} is not a SymPy Symbol")
    return items


def _as_assignment(equation, position: int) -> Assignment:
    if isinstance(equation, sp.Eq):
        lhs, rhs = equation.lhs, equation.rhs
    elif isinstance(equation, (tuple, list, Assignment)) and len(tuple(equation)) == 2:
        lhs, rhs = tuple(equation)
    else:
        raise NetworkError(f"equation {position + 1}: expected (symbol, expression) or "
                           f"sympy.Eq, got {equation!r}")
    if not isinstance(lhs, sp.Symbol):
        raise NetworkError(f"equation {position + 1}: the left side {lhs} is not a single Symbol")
    try:
        return Assignment(lhs, _as_scalar(rhs))
    except NetworkError as err:
        raise NetworkError(f"equation {lhs} = ...: {err}") from None


def _as_scalar(expr) -> sp.Expr:
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return sp.Integer(expr) if isinstance(expr, int) else sp.Float(expr)
    if isinstance(expr, (sp.MatrixBase, sp.MatrixExpr)) or not isinstance(expr, sp.Expr):
        raise NetworkError(f"{expr!r} is not a scalar SymPy expression")
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise NetworkError(f"{expr} contains an infinity or NaN")
    return expr
