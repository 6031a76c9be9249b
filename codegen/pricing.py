"""Operation counts of generated code as it executes: deltaprop's functions priced by their code.

``symbolic.cost`` counts a call of ``sigmoid``, ``softplus`` or ``logsumexp`` as one operation.
The generated module executes the printed code instead (``codegen.printer``): ``sigmoid(z)`` is
``0.5*np.tanh(0.5*z) + 0.5`` (two multiplications, one addition, one call: 4), ``softplus(z)``
is ``np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))`` (6), ``logsumexp`` of k arguments
``k - 1`` maxima, k subtractions, k exponentials, ``k - 1`` additions, a log and an addition
(4k), ``relu(z)`` one ``np.maximum``.  Everything else follows ``symbolic.cost``'s conventions.

Conventions of ``shipped_cost`` (one evaluation for one sample, as CasADi counts its function):
every assignment of the program ``gradients`` executes (after copy propagation and common
subexpressions) once, its deltaprop functions priced as above; the loss and each gradient's
per-sample summand once; a subexpression of numbers alone costs nothing (it is a constant); the
sum over the batch that the generated code accumulates is not counted (CasADi's per-sample
function leaves it to the caller).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from symbolic.cost import ZERO, OpCount, count_expr
from symbolic.functions import logsumexp, relu, sigmoid, softplus

#: Function class → price of one call of its printed code, given the number of arguments.
PRICES: dict[type, Callable[[int], OpCount]] = {
    sigmoid: lambda k: OpCount(adds=1, muls=2, funcs=1),      # 0.5*tanh(0.5*z) + 0.5
    softplus: lambda k: OpCount(adds=1, muls=1, funcs=4),     # max(z,0) + log1p(exp(-|z|))
    logsumexp: lambda k: OpCount(adds=2 * k, funcs=2 * k),    # see the module docstring
    relu: lambda k: OpCount(funcs=1),                         # np.maximum(z, 0.0)
}


def executed_ops(expr: sp.Expr) -> OpCount:
    """Operations to evaluate ``expr`` once as its printed code does, its symbols given."""
    extra = [ZERO]

    def flatten(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if not e.free_symbols:
            return sp.Dummy()                    # a constant: no operation per sample
        price = PRICES.get(type(e))
        if price is not None:
            extra[0] += price(len(e.args)) + sum((executed_ops(a) for a in e.args), ZERO)
            return sp.Dummy()
        args = [flatten(a) for a in e.args]
        return e.func(*args) if any(x is not y for x, y in zip(args, e.args)) else e

    flat = flatten(expr)
    return count_expr(flat) + extra[0]


def executed_program_ops(assignments) -> OpCount:
    """Sum over the assignments, each right side priced by ``executed_ops``."""
    return sum((executed_ops(a.rhs) for a in assignments), ZERO)


@dataclass(frozen=True)
class ShippedCost:
    """Per-sample cost of the generated ``gradients``: its forward part and its δ part."""

    forward: OpCount
    delta: OpCount

    @property
    def total(self) -> int:
        return self.forward.total + self.delta.total


def shipped_cost(network) -> ShippedCost:
    """What the generated ``gradients`` of ``network`` executes per sample (module docstring):
    forward (with the loss) and δ backward (with each gradient's summand)."""
    from .scalar import ScalarEmitter        # scalar.py prices its comments with this module

    forward, backward, summands = ScalarEmitter(network).gradients_program()
    delta = executed_program_ops(backward) + sum((executed_ops(e) for e in summands.values()),
                                                 ZERO)
    return ShippedCost(executed_program_ops(forward), delta)
