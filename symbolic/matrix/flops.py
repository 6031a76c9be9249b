"""Floating-point operations of matrix programs, per sample and per call (never ``count_ops``).

Each elementary operation is counted once, on the program's expressions as the generated
NumPy code evaluates them (each assignment once; a subexpression written twice is counted
twice, as it is printed twice).  Rules, for an expression whose result has N entries:

- an (m×k)(k×n) product: 2·m·k·n (a multiply and an add per term, accumulated from zero: the
  convention of ``benchmarks/bench_matrix.py``'s ``step_flops``); a product with an inner
  dimension of one (an outer product, a 1 × 1 factor): m·n multiplications; a chain of
  products is multiplied in the order the code does (right to left when the result has one
  column per sample, since it is stored batch-major and printed transposed; else left to right);
- a product with an all-ones factor: 1ᵀM and M1 are sums, one addition per entry of M
  (accumulated from zero); b·1ᵀ and 1·r are broadcasts, free;
- a sum of t terms: (t − 1)·N additions (a broadcast bias b·1ᵀ is an add per entry; a term
  with a negative sign is a subtraction; all terms negative: one negation per entry more);
- a coefficient c·M other than 1: N multiplications (−M: N negations), and the coefficient's own
  operations (1/B: one division) once per call; a Hadamard product of t factors:
  (t − 1)·N multiplications; transposes: free (a view);
- element-wise functions per entry as the generated code executes them (the prices of
  ``codegen/pricing.py``): σ = 0.5·tanh(0.5·z) + 0.5 is 4 (1 add, 2 muls, 1 call); relu,
  softplus, exp, log, tanh, sin, cos, abs, sign: 1 call; the step mask (z > 0): 1 comparison
  (a call); powers as ``symbolic.count`` prices x^n (n − 1 muls for n ≥ 2, √ a call, 1/x a
  division);
- logsumexp of each sample's k entries: k − 1 calls (``np.logaddexp``, as ``codegen/pricing``);
  softmax of k entries as the ``_softmax`` helper executes it: max (k comparisons), shift (k
  subtractions), exp (k calls), sum (k additions), normalise (k divisions); the fused
  softmax cross-entropy by its definition Σ_k t_k (lse(z) − z_k): lse as above, then k
  subtractions, k multiplications and k additions per sample;
- the batch mean: one addition per entry and one division per call.

Every count is a polynomial in the batch size B (``ops.BATCH``): its coefficient of B is the
work per sample, its constant term the work per call (operations on parameters and numbers
alone).  A B × B intermediate (cost growing with B²) is an error.
"""
from __future__ import annotations

import sympy as sp

from ..count import OpCount, SplitCount, count_expr
from ..errors import NetworkError
from .ops import BATCH, Apply, LogSumExp, Mean, Softmax, SoftmaxCrossEntropy, signed_terms

#: Element-wise function → operations per entry where it is not one call (codegen/pricing.py).
ELEMENTWISE_PRICES = {"sigmoid": OpCount(adds=1, muls=2, funcs=1)}   # 0.5*tanh(0.5*z) + 0.5
ONE_CALL = OpCount(funcs=1)
ADD, MUL, DIV = OpCount(adds=1), OpCount(muls=1), OpCount(divs=1)


#: Operations per sample (the coefficient of B) and per call (the part without B).
Flops = SplitCount

NONE = Flops()


def total(items) -> Flops:
    """The sum of ``Flops`` items."""
    return sum(items, NONE)


def program_flops(assignments) -> Flops:
    """Every (lhs, rhs) assignment's right side, each counted once."""
    return total(expression_flops(rhs) for _, rhs in assignments)


def expression_flops(expr) -> Flops:
    """Operations to evaluate the matrix expression ``expr`` once, its symbols given."""
    if isinstance(expr, (sp.MatrixSymbol, sp.OneMatrix, sp.ZeroMatrix, sp.Identity)):
        return NONE
    rule = _RULES.get(type(expr))
    if rule is None:
        raise NetworkError(f"no FLOP count for the matrix operation {type(expr).__name__} "
                           f"in {expr}")
    return rule(expr)


def times(op: OpCount, amount) -> Flops:
    """``op`` done ``amount`` times, ``amount`` a polynomial in B of degree at most one."""
    poly = sp.Poly(sp.expand(amount), BATCH)
    if poly.degree() > 1:
        raise NetworkError(f"a B × B intermediate ({amount} operations): its cost grows with the "
                           "square of the batch, so there is no count per sample")
    coeffs = [_integer(c, amount) for c in reversed(poly.all_coeffs())] + [0]
    return Flops(op * coeffs[1], op * coeffs[0])


def entries(expr):
    """The number of entries of a matrix expression (a polynomial in B)."""
    rows, cols = expr.shape
    return rows * cols


def _integer(coeff, amount) -> int:
    if not coeff.is_Integer:
        raise NetworkError(f"operation count {amount} has a dimension that is not a number "
                           "or the batch size B")
    return int(coeff)


def _args(expr) -> Flops:
    return total(expression_flops(a) for a in expr.args if isinstance(a, sp.MatrixExpr))


def _matadd(expr) -> Flops:
    terms = signed_terms(expr)
    n = entries(expr)
    out = times(ADD, (len(terms) - 1) * n) + total(expression_flops(t) for _, t in terms)
    if all(negative for negative, _ in terms):
        out += times(MUL, n)
    return out


def _hadamard(expr) -> Flops:
    return times(MUL, (len(expr.args) - 1) * entries(expr)) + _args(expr)


def _hadamard_power(expr) -> Flops:
    base, exponent = expr.args
    per_entry = count_expr(sp.Pow(sp.Dummy(), exponent, evaluate=False))
    return times(per_entry, entries(expr)) + expression_flops(base)


def _apply(expr) -> Flops:
    price = ELEMENTWISE_PRICES.get(expr.name, ONE_CALL)
    return times(price, entries(expr)) + expression_flops(expr.arg)


def _transpose(expr) -> Flops:
    return expression_flops(expr.arg)


def _logsumexp(expr) -> Flops:
    k, samples = expr.arg.shape
    return times(ONE_CALL, (k - 1) * samples) + expression_flops(expr.arg)


def _softmax(expr) -> Flops:
    n = entries(expr)
    per_entry = OpCount(adds=2, divs=1, funcs=2)       # max, shift, exp, sum, normalise
    return times(per_entry, n) + expression_flops(expr.arg)


def _softmax_ce(expr) -> Flops:
    z, _ = expr.args
    k, samples = z.shape
    lse = times(ONE_CALL, (k - 1) * samples)
    terms = times(OpCount(adds=2, muls=1), entries(z))  # lse − z_k, t_k·(…), Σ_k
    return lse + terms + times(DIV, 1) + _args(expr)


def _mean(expr) -> Flops:
    return times(ADD, entries(expr.arg)) + times(DIV, 1) + expression_flops(expr.arg)


def _matmul(expr) -> Flops:
    coeff, factors = expr.as_coeff_matrices()
    out = _chain(_split_ones(factors), expr.shape[1] == BATCH)
    if coeff == 1:
        return out
    scaling = times(count_expr(coeff), 1)              # the coefficient itself, once per call
    if all(isinstance(f, sp.OneMatrix) for f in factors):
        return scaling                                  # c·1: a broadcast number, filled
    return out + scaling + times(MUL, entries(expr))


def _split_ones(factors) -> list:
    """An r × c all-ones factor as 1_r·1ᵀ_c (a sum, then a broadcast), as the printer does."""
    out = []
    for f in factors:
        rows, cols = f.shape
        if isinstance(f, sp.OneMatrix) and rows != 1 and cols != 1:
            out += [sp.OneMatrix(rows, 1), sp.OneMatrix(1, cols)]
        else:
            out.append(f)
    return out


def _chain(factors, batch: bool) -> Flops:
    """F1···Fn: broadcasts and sums by all-ones factors first (from the ends), then products."""
    if len(factors) == 1:
        return expression_flops(factors[0])
    first, last = factors[0], factors[-1]
    if isinstance(first, sp.OneMatrix):
        rest = factors[1:]
        return _chain(rest, batch) + (NONE if first.shape[1] == 1 else _sum_of(rest))
    if isinstance(last, sp.OneMatrix):
        rest = factors[:-1]
        return _chain(rest, batch) + (NONE if last.shape[0] == 1 else _sum_of(rest))
    return _products(factors, batch)


def _sum_of(factors) -> Flops:
    """1ᵀM or M1: one addition per entry of M."""
    rows, cols = factors[0].shape[0], factors[-1].shape[1]
    return times(ADD, rows * cols)


def _products(factors, batch: bool) -> Flops:
    """The products of a chain without all-ones factors, in the generated code's order."""
    out = total(expression_flops(f) for f in factors)
    order = list(reversed(factors)) if batch else list(factors)
    rows, cols = _oriented(order[0], batch)
    for f in order[1:]:
        new_cols = _oriented(f, batch)[1]
        out += times(MUL if cols == 1 else OpCount(adds=1, muls=1), rows * cols * new_cols)
        cols = new_cols
    return out


def _oriented(f, batch: bool):
    """f's shape as the code multiplies it (transposed when the chain is printed transposed)."""
    rows, cols = f.shape
    return (cols, rows) if batch else (rows, cols)


_RULES = {
    sp.MatAdd: _matadd, sp.MatMul: _matmul, sp.HadamardProduct: _hadamard,
    sp.HadamardPower: _hadamard_power, sp.Transpose: _transpose, Apply: _apply,
    LogSumExp: _logsumexp, Softmax: _softmax, SoftmaxCrossEntropy: _softmax_ce, Mean: _mean,
}
