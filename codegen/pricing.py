"""Operation counts of generated code as it executes: deltaprop's functions priced by their code.

``symbolic.count`` counts a call of ``sigmoid``, ``softplus`` or ``logsumexp`` as one operation.
The generated module executes the printed code instead (``codegen.printer``): ``sigmoid(z)`` is
``0.5*np.tanh(0.5*z) + 0.5`` (two multiplications, one addition, one call: 4), ``softplus(z)``
is ``np.logaddexp(0.0, z)`` (1), ``logsumexp`` of k arguments ``k - 1`` nested ``np.logaddexp``,
``relu(z)`` one ``np.maximum``; a ``Piecewise`` of n cases is ``n - 1`` nested ``np.where``
(each condition a comparison).  Everything else follows ``symbolic.count``'s conventions: one
ufunc call is one operation, and ``x**n`` for an integer n costs n - 1 multiplications (NumPy
calls one ``np.power``; CasADi, like ``symbolic.count``, multiplies).

``shipped_cost`` prices the program the generated ``gradients`` executes (after copy
propagation and common subexpressions): every assignment once, the loss and each gradient's
summand once; a subexpression of numbers alone costs nothing (a constant).  It splits the
operations in two:

- per sample: operations on arrays over the batch (on a batch of n, executed n times);
- per call: operations on parameters and numbers alone (nodes of parameters alone, scale factors
  pulled out of the sums over the batch, such as the ½ of a squared loss), executed once per
  call or per block of samples, whatever the batch size.

Their sum is the cost of one evaluation for one sample, CasADi's convention.  The sum over the
batch that ``gradients`` accumulates is not counted (CasADi's per-sample function leaves it to
its caller).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from symbolic.count import ZERO, OpCount, SplitCount, count_expr
from symbolic.functions import logsumexp, relu, sigmoid, softplus

#: Function class → price of one call of its printed code, given the number of arguments.
PRICES: dict[type, Callable[[int], OpCount]] = {
    sigmoid: lambda k: OpCount(adds=1, muls=2, funcs=1),      # 0.5*tanh(0.5*z) + 0.5
    softplus: lambda k: OpCount(funcs=1),                     # np.logaddexp(0.0, z)
    logsumexp: lambda k: OpCount(funcs=k - 1),                # k - 1 nested np.logaddexp
    relu: lambda k: OpCount(funcs=1),                         # np.maximum(z, 0.0)
}


def executed_ops(expr: sp.Expr) -> OpCount:
    """Operations to evaluate ``expr`` once as its printed code does, its symbols given."""
    extra = [ZERO]

    def flatten(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if not e.free_symbols:
            return sp.Dummy()                    # a constant: no operation
        if isinstance(e, sp.Piecewise):
            extra[0] += _piecewise_ops(e)
            return sp.Dummy()
        price = PRICES.get(type(e))
        if price is not None:
            extra[0] += price(len(e.args)) + sum((executed_ops(a) for a in e.args), ZERO)
            return sp.Dummy()
        if e.is_Add and all(_negative(term) for term in e.args):
            extra[0] += OpCount(muls=1)          # -a - b: a negation, then subtractions
        if e.is_Add or e.is_Mul:
            e = _group_constants(e)
        return _rebuilt(e, [flatten(a) for a in e.args])

    return count_expr(flatten(expr)) + extra[0]


def _piecewise_ops(e: sp.Piecewise) -> OpCount:
    """np.where(c1, v1, np.where(c2, v2, ... v_n)): one call and one comparison per case but the
    last (whose condition is True), plus the values' and the comparisons' operands."""
    total = OpCount(funcs=len(e.args) - 1)
    for value, cond in e.args:
        total += executed_ops(value)
        if cond is not sp.true:
            total += OpCount(funcs=1) + sum((executed_ops(a) for a in cond.args), ZERO)
    return total


def _negative(term: sp.Expr) -> bool:
    return bool(term.as_coeff_Mul()[0].is_negative)


def _group_constants(e: sp.Expr) -> sp.Expr:
    """``sqrt(2)*pi**(-1/2)*x`` as one constant times x: constants are combined once."""
    constant = [a for a in e.args if not a.free_symbols and not a.is_Number]
    if len(constant) < 2 and not (constant and any(a.is_Number for a in e.args)):
        return e
    rest = [a for a in e.args if a.free_symbols]
    return e.func(sp.Dummy(), *rest, evaluate=False) if rest else e


#: Operations per sample (on arrays over the batch) and per call (on scalars alone).
SplitCost = SplitCount


def split_ops(expr: sp.Expr, batched: set) -> SplitCost:
    """``executed_ops`` of ``expr`` split into per-sample and per-call operations: each maximal
    subexpression free of ``batched`` symbols (the scalar operands of a sum or product grouped
    together) is evaluated once per call."""
    scalars, cases = [], [SplitCost()]

    def hoist(e: sp.Expr) -> sp.Expr:
        if e.is_Atom:
            return e
        if not e.free_symbols & batched:
            scalars.append(e)
            return sp.Dummy()
        if isinstance(e, sp.Piecewise):
            cases[0] += _split_piecewise(e, batched)
            return sp.Dummy()
        if e.is_Add or e.is_Mul:
            e = _group_scalars(e, batched)
        return _rebuilt(e, [hoist(a) for a in e.args])

    flat = hoist(expr)
    return SplitCost(executed_ops(flat), sum((executed_ops(s) for s in scalars), ZERO)) + cases[0]


def _split_piecewise(e: sp.Piecewise, batched: set) -> SplitCost:
    """A batched ``np.where`` chain: the calls per sample, each value and condition split."""
    total = SplitCost(OpCount(funcs=len(e.args) - 1))
    for value, cond in e.args:
        total += split_ops(value, batched)
        if cond is not sp.true:
            test = SplitCost(OpCount(funcs=1)) if cond.free_symbols & batched else SplitCost(
                per_call=OpCount(funcs=1))
            total += test + sum((split_ops(a, batched) for a in cond.args), SplitCost())
    return total


def _group_scalars(e: sp.Expr, batched: set) -> sp.Expr:
    """A sum or product with its scalar operands (numbers included, when a parameter or a
    constant is among them) gathered into one operand, so that they are combined once."""
    scalar = [a for a in e.args if not a.free_symbols & batched]
    if len(scalar) < 2 or all(a.is_Number for a in scalar):
        return e
    rest = [a for a in e.args if a.free_symbols & batched]
    return e.func(e.func(*scalar, evaluate=False), *rest, evaluate=False)


def reduction_ops(summand: sp.Expr, batched: set) -> SplitCost:
    """Σ over the batch of ``summand`` as ``ScalarEmitter.reduction`` prints it: per term, the
    scalar factor multiplies the block's sum (per call), the batched factors are np.dot/np.sum
    operands (per sample).  One accumulation is the sum over the batch and is not counted; each
    further batched term is accumulated separately, as costly as adding it per sample."""
    total = SplitCost()
    terms = sp.Add.make_args(summand)
    for term in terms:
        factors = sp.Mul.make_args(term)
        arrays = [f for f in factors if f.free_symbols & batched]
        scale = sp.Mul(*[f for f in factors if not f.free_symbols & batched])
        total += SplitCost(executed_ops(sp.Mul(*arrays)) if arrays else ZERO,
                           executed_ops(scale) + OpCount(muls=1 if arrays and abs(scale) != 1
                                                         else 0))
    batched_terms = sum(1 for t in terms if t.free_symbols & batched)
    extra = max(batched_terms - 1, 0)             # a sum per extra term: as costly as a +
    return total + SplitCost(OpCount(adds=extra), OpCount(adds=len(terms) - 1 - extra))


def _rebuilt(e: sp.Expr, args: list) -> sp.Expr:
    return e.func(*args) if any(x is not y for x, y in zip(args, e.args)) else e


@dataclass(frozen=True)
class ShippedCost:
    """What the generated ``gradients`` executes: its forward part (with the loss) and its δ
    part (with each gradient's summand), each split per sample / per call."""

    forward: SplitCost
    delta: SplitCost

    @property
    def per_sample(self) -> int:
        return self.forward.per_sample.total + self.delta.per_sample.total

    @property
    def one_sample(self) -> int:
        """Every operation once: one evaluation for one sample (CasADi's convention)."""
        return self.forward.one_sample + self.delta.one_sample


def program_cost(network, assignments, summands: dict, program=None,
                 all_summands: dict | None = None, loss_stored: bool = False) -> SplitCost:
    """``assignments`` (part of ``program``, by default all of it) and the batch sums of
    ``summands``, as the generated code executes them.  Unless ``loss_stored``, the loss
    assignment, when nothing in ``program`` or ``all_summands`` uses it, is a batch sum too."""
    program = list(assignments) if program is None else program
    all_summands = summands if all_summands is None else all_summands
    batched = set(network.inputs) | set(network.targets)
    for a in program:
        if a.rhs.free_symbols & batched:
            batched.add(a.lhs)
    loss = network.loss_symbol
    used = set().union(*(a.rhs.free_symbols for a in program),
                       *(e.free_symbols for e in all_summands.values()))
    constant = _constants(program)
    total = SplitCost()
    for a in assignments:
        reduced = (a.lhs == loss and loss not in used and loss not in network.nodes
                   and not loss_stored)
        total += (reduction_ops if reduced else split_ops)(a.rhs.xreplace(constant), batched)
    return sum((reduction_ops(e.xreplace(constant), batched) for e in summands.values()), total)


def _constants(program) -> dict:
    """{temporary: its value} for assignments of numbers alone (``c0 = sqrt(2)``): their uses
    are constants, folded like any other (CasADi folds them too)."""
    values: dict = {}
    for a in program:
        rhs = a.rhs.xreplace(values)
        if not rhs.free_symbols:
            values[a.lhs] = rhs
    return values


def executed_comment(cost: SplitCost) -> str:
    """The op count a generated function states in its comment."""
    per_call = f" + {cost.per_call.total} per call" if cost.per_call.total else ""
    return f"{cost.per_sample.total} ops per sample{per_call} as executed"
