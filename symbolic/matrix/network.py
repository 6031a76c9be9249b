"""A network whose nodes are matrices: ordered (MatrixSymbol, matrix expression) equations."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import sympy as sp

from ..errors import NetworkError
from .ops import BATCH


#: attributes of scalar ``Network`` objects that matrix networks do not have.
SCALAR_ONLY = ("graph", "index", "dependencies", "latex_names")


@dataclass(frozen=True, eq=False)
class MatrixNetwork:
    """Layers as matrix equations over a batch: ``inputs``/``targets`` are n × B MatrixSymbols,
    ``params`` are weight matrices and bias columns, ``loss`` a 1 × 1 expression (a batch mean).
    """

    name: str
    inputs: Sequence[sp.MatrixSymbol]
    targets: Sequence[sp.MatrixSymbol]
    params: Sequence[sp.MatrixSymbol]
    equations: Sequence[tuple]
    loss: sp.MatrixExpr
    loss_symbol: sp.MatrixSymbol = sp.MatrixSymbol("L", 1, 1)

    def __post_init__(self):
        for key in ("inputs", "targets", "params", "equations"):
            object.__setattr__(self, key, tuple(getattr(self, key)))
        self._check()

    @property
    def nodes(self) -> tuple:
        return tuple(lhs for lhs, _ in self.equations)

    @cached_property
    def forward(self) -> tuple:
        """Every equation, then ``L = loss``: a list of (lhs, rhs)."""
        return self.equations + ((self.loss_symbol, self.loss),)

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

    def __getattr__(self, name):
        if name in SCALAR_ONLY:  # a command written for scalar networks: one clear line
            raise NetworkError(f"{self.name} is a matrix-level network; this command needs a "
                               "scalar network (mlp:SIZES:ACT:LOSS). Matrix networks support "
                               "info, build, generate, check, train and derive")
        raise AttributeError(name)

    def __repr__(self):
        return (f"MatrixNetwork({self.name!r}: {len(self.params)} parameter matrices, "
                f"{len(self.equations)} nodes)")

    def _check(self) -> None:
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
    return "×".join(str(d) for d in expr.shape)


def _matrix_symbols(expr) -> list:
    return sorted((s for s in expr.free_symbols if isinstance(s, sp.MatrixSymbol)),
                  key=lambda s: s.name)
