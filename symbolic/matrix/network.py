"""A network whose nodes are matrices: ordered (MatrixSymbol, matrix expression) equations."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import sympy as sp

from ..errors import NetworkError, NetworkWarning
from ..naming import fresh_name
from ..program import Assignment, Program
from ..unused import warn_unused
from .declared import uniform
from .forms import recognise_forms
from .graph import MatrixGraph
from .functions import SCALAR
from .lift import lift_stored_values
from .ops import BATCH, Apply, Mean


@dataclass(frozen=True, eq=False)
class MatrixNetwork:
    """Matrix equations over a batch of B samples, one column per sample.

    ``inputs`` (at least one) and ``targets`` (any number, none is fine) are n × B
    ``MatrixSymbol``s (``sp.MatrixSymbol("X", 6, BATCH)``); ``params`` are matrices and
    columns of fixed shapes, in any order; ``equations`` are (MatrixSymbol, expression) pairs in
    evaluation order.  ``loss`` is one number per sample (1 × B, e.g. ``sum_rows(E)``), whose
    batch mean is taken, or already a 1 × 1 batch mean (``Mean(...)``).  ``vector_params``
    names the parameters stored as 1-D arrays (default: those added as a bias b·1ᵀ).
    """

    name: str
    inputs: Sequence[sp.MatrixSymbol]
    targets: Sequence[sp.MatrixSymbol]
    params: Sequence[sp.MatrixSymbol]
    equations: Sequence[tuple]
    loss: sp.MatrixExpr
    loss_symbol: sp.MatrixSymbol = sp.MatrixSymbol("L", 1, 1)
    vector_params: Sequence[sp.MatrixSymbol] | None = None
    #: nodes this class added: pieces the backward pass reads, stored (see ``lift``).
    stored_nodes: tuple = field(default=(), init=False)

    def __post_init__(self):
        for key in ("inputs", "targets", "params", "equations"):
            object.__setattr__(self, key, tuple(getattr(self, key)))
        if getattr(self.loss, "shape", None) == (1, BATCH):
            object.__setattr__(self, "loss", Mean(self.loss))  # per sample -> batch mean
        declared = {getattr(s, "name", None) for s in self.inputs + self.targets + self.params}
        declared |= {getattr(tuple(e)[0], "name", None) for e in self.equations
                     if isinstance(e, (tuple, list, Assignment))}
        if self.loss_symbol.name in declared:      # a parameter called L: the loss is L_1
            object.__setattr__(self, "loss_symbol", sp.MatrixSymbol(
                fresh_name(self.loss_symbol.name, declared), 1, 1))
        self._check_kinds()
        self._store_what_backward_reads()
        self._check()
        warn_unused(self, stacklevel=3)

    @property
    def nodes(self) -> tuple:
        return tuple(lhs for lhs, _ in self.equations)

    @property
    def declared_nodes(self) -> tuple:
        """The nodes the user declared, in order (without ``stored_nodes``)."""
        return tuple(s for s in self.nodes if s not in self.stored_nodes)

    @cached_property
    def forward(self) -> Program:
        """Every equation, then ``L = loss``."""
        return Program(self.equations + ((self.loss_symbol, self.loss),))

    @cached_property
    def differentiated(self) -> dict:
        """Each node's right side as the sweep derives it (stored values included: at the
        matrix level they are nodes of their own)."""
        return self.forward.as_dict()

    @cached_property
    def graph(self) -> MatrixGraph:
        """Producers, consumers and vector-Jacobian edges (``symbolic.matrix.graph``)."""
        return MatrixGraph(self)

    @cached_property
    def index(self) -> dict:
        return {s: i for i, s in enumerate(self.symbols)}

    def dependencies(self, expr) -> list:
        """The network's matrices ``expr`` uses, in declaration order."""
        return sorted((s for s in expr.free_symbols if s in self.index), key=self.index.__getitem__)

    @cached_property
    def symbols(self) -> tuple:
        return self.inputs + self.targets + self.params + self.nodes + (self.loss_symbol,)

    @cached_property
    def bias_columns(self) -> frozenset:
        """Parameters broadcast over the batch as b·1ᵀ: the columns stored as 1-D arrays (a
        weight matrix with one column, as in a layer with one input, stays 2-D)."""
        found = set()
        for _, rhs in self.forward:
            for product in sp.preorder_traversal(rhs):
                if isinstance(product, sp.MatMul):
                    _, factors = product.as_coeff_matrices()
                    if (len(factors) == 2 and factors[0] in self.params
                            and isinstance(factors[1], sp.OneMatrix)):
                        found.add(factors[0])
        return frozenset(found)

    @cached_property
    def vectors(self) -> frozenset:
        """Parameters stored as 1-D arrays (declared vectors, or bias columns)."""
        if self.vector_params is None:
            return self.bias_columns
        return frozenset(self.vector_params)

    def role(self, symbol) -> str:
        for kind, group in (("input", self.inputs), ("target", self.targets),
                            ("param", self.params)):
            if symbol in group:
                return kind
        return "node" if symbol in self.nodes or symbol == self.loss_symbol else "unknown"

    def symbol(self, name: str):
        for s in self.symbols:
            if s.name == name:
                return s
        raise NetworkError(f"network {self.name!r} has no symbol named {name!r}")

    def is_batch(self, expr) -> bool:
        """True when ``expr`` has one column per sample (its column count is B)."""
        return expr.shape[1] == BATCH

    def __repr__(self):
        return (f"MatrixNetwork({self.name!r}: {len(self.params)} parameter matrices, "
                f"{len(self.equations)} nodes)")

    def _store_what_backward_reads(self) -> None:
        """Written-out forms recognised (``forms``), then stored values lifted (``lift``)."""
        taken = {s.name for s in self.inputs + self.targets + self.params + (self.loss_symbol,)}
        taken |= {lhs.name for lhs, _ in self.equations}
        equations, loss = recognise_forms(self.equations, self.loss)
        equations, loss = lift_stored_values(equations, loss, self.loss_symbol, taken)
        declared = {lhs for lhs, _ in self.equations}
        object.__setattr__(self, "stored_nodes",
                           tuple(lhs for lhs, _ in equations if lhs not in declared))
        object.__setattr__(self, "equations", tuple(Program(equations)))   # Assignments
        object.__setattr__(self, "loss", loss)

    def _check_kinds(self) -> None:
        """Matrix symbols and expressions, known element-wise functions, before any pass
        (SymPy's own ones and applyfunc made uniform first: ``declared``)."""
        for s in self.inputs + self.targets + self.params + tuple(l for l, _ in self.equations):
            if not isinstance(s, sp.MatrixSymbol):
                raise NetworkError(f"{self.name}: {s!r} is not a sympy MatrixSymbol")
        equations = tuple((lhs, uniform(rhs, f"{self.name}: {lhs} = ...")) for lhs, rhs in
                          self.equations)
        object.__setattr__(self, "equations", equations)
        object.__setattr__(self, "loss", uniform(self.loss, f"{self.name}: the loss"))
        for lhs, rhs in self.equations + ((self.loss_symbol, self.loss),):
            if not isinstance(rhs, sp.MatrixExpr):
                raise NetworkError(f"{self.name}: {lhs} = {rhs} is not a matrix expression")
            for f in rhs.atoms(Apply):
                if f.name not in SCALAR:
                    raise NetworkError(f"{self.name}: unknown element-wise function {f.name!r} "
                                       f"in {lhs}; known: {', '.join(SCALAR)}")

    def _check(self) -> None:
        if not self.inputs:
            raise NetworkError(f"{self.name}: a matrix network needs at least one input "
                               "(the batch size is read from it)")
        for s in self.inputs + self.targets:
            if not (isinstance(s, sp.MatrixSymbol) and s.shape[1] == BATCH):
                raise NetworkError(f"{self.name}: input or target {s} must be a MatrixSymbol "
                                   "with one column per sample, e.g. MatrixSymbol('X', 6, BATCH)")
        if getattr(self.loss, "shape", None) != (1, 1):
            raise NetworkError(f"{self.name}: the loss must be one number per sample (1 × B) "
                               f"or a 1 × 1 batch mean, not {_shape(self.loss)}")
        names = [s.name for s in self.symbols]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise NetworkError(f"{self.name}: names used twice: {', '.join(duplicates)}")
        defined = set(self.inputs + self.targets + self.params)
        for lhs, rhs in self.forward:
            if lhs.shape != rhs.shape:
                raise NetworkError(f"{self.name}: {lhs} is {_shape(lhs)} but {rhs} is {_shape(rhs)}")
            unknown = [s for s in _matrix_symbols(rhs) if s not in defined]
            if unknown:
                raise NetworkError(f"{self.name}: {lhs} = {rhs} uses undefined {unknown[0]}")
            defined.add(lhs)


def _shape(expr) -> str:
    return "×".join(str(d) for d in getattr(expr, "shape", ("scalar",)))


def _matrix_symbols(expr) -> list:
    return sorted((s for s in expr.free_symbols if isinstance(s, sp.MatrixSymbol)),
                  key=lambda s: s.name)
