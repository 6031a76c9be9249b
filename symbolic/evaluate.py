"""Numeric evaluation of networks and programs in plain Python floats (for tests and examples)."""
from __future__ import annotations

import math
from typing import Mapping

import sympy as sp

from .functions import FLOAT_IMPLEMENTATIONS
from .program import Program

_FUNCTIONS = {
    sp.exp: math.exp, sp.log: math.log, sp.sin: math.sin, sp.cos: math.cos, sp.tan: math.tan,
    sp.tanh: math.tanh, sp.sinh: math.sinh, sp.cosh: math.cosh, sp.Abs: abs,
    sp.sign: lambda z: float((z > 0) - (z < 0)),
    sp.Max: max, sp.Min: min,
    **FLOAT_IMPLEMENTATIONS,
}


def evaluate(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> float:
    """``expr`` at ``values`` (every free symbol must have a value)."""
    if expr.is_Symbol:
        return values[expr]
    if expr.is_Number or expr.is_NumberSymbol:  # NumberSymbol: e, pi
        return float(expr)
    if expr.is_Add:
        return math.fsum(evaluate(a, values) for a in expr.args)
    if expr.is_Mul:
        return math.prod(evaluate(a, values) for a in expr.args)
    if expr.is_Pow:
        return _pow(evaluate(expr.base, values), expr.exp, values)
    if isinstance(expr, sp.Heaviside):
        z = evaluate(expr.args[0], values)
        h0 = float(expr.args[1]) if len(expr.args) > 1 else 0.5
        return 1.0 if z > 0 else 0.0 if z < 0 else h0
    if isinstance(expr, sp.Piecewise):
        for e, c in expr.args:
            if _truth(c, values):
                return evaluate(e, values)
        return float("nan")
    func = _FUNCTIONS.get(type(expr))
    if func is None:
        raise NotImplementedError(f"no float rule for {type(expr).__name__}")
    return float(func(*(evaluate(a, values) for a in expr.args)))


def _pow(base: float, exp: sp.Expr, values) -> float:
    if exp.is_Integer:
        return base ** int(exp)
    if exp == sp.S.Half:
        return math.sqrt(base)
    return base ** evaluate(exp, values)


def run(program: Program, values: Mapping[sp.Symbol, float]) -> dict[sp.Symbol, float]:
    """Execute ``program`` in order; returns ``values`` extended with every assignment."""
    env = dict(values)
    for a in program:
        env[a.lhs] = evaluate(a.rhs, env)
    return env


def point(network, values: Mapping) -> dict[sp.Symbol, float]:
    """Map names or symbols to floats, keyed by the network's symbols."""
    return {(network.symbol(k) if isinstance(k, str) else k): float(v) for k, v in values.items()}


def _truth(cond, values):
    if cond is sp.true or cond == True:  # noqa: E712
        return True
    if cond is sp.false:
        return False
    if isinstance(cond, sp.And):
        return all(_truth(c, values) for c in cond.args)
    if isinstance(cond, sp.Or):
        return any(_truth(c, values) for c in cond.args)
    ops = {sp.Eq: lambda a, b: a == b, sp.Ne: lambda a, b: a != b, sp.Gt: lambda a, b: a > b,
           sp.Lt: lambda a, b: a < b, sp.Ge: lambda a, b: a >= b, sp.Le: lambda a, b: a <= b}
    return ops[type(cond)](evaluate(cond.lhs, values), evaluate(cond.rhs, values))
