"""Element-wise functions at the matrix level, differentiated by the scalar rule registry.

``Apply("tanh", Z)`` is tanh applied entry by entry.  Its derivative is not tabled here: the
scalar rule of ``symbolic.rules`` is applied to a scalar dummy (tanh(a)' = 1 − r², r = tanh(a))
and the result is mapped back to matrix operations (numbers broadcast as c·1, products as
Hadamard products, powers as Hadamard powers, functions as ``Apply``), with r standing for
``Apply("tanh", Z)`` itself, which the derivation replaces by the stored node.  So every
element-wise function of scalar specs, and every power, differentiates by the same rules.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..functions import ACTIVATIONS, relu, sigmoid, softplus  # noqa: F401 (one activation table)
from ..rules import derivative as scalar_derivative
from .ops import Apply, hadamard

#: Apply name -> scalar function of one argument (the scalar level's own objects).
SCALAR = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
    "tanh": sp.tanh, "sigmoid": sigmoid, "relu": relu, "softplus": softplus, "abs": sp.Abs,
    "sign": sp.sign, "step": lambda a: sp.Heaviside(a, 0),
}

#: scalar function class -> Apply name (sqrt is a power: see ``_from_scalar_power``).
_NAMES = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tanh: "tanh",
          sigmoid: "sigmoid", relu: "relu", softplus: "softplus", sp.Abs: "abs",
          sp.sign: "sign"}



def activate(name: str, z):
    """f.(Z) for an activation name; identity returns Z itself."""
    return z if name == "identity" else apply(name, z)


def apply(name: str, arg):
    """``Apply(name, arg)``, with sqrt as the Hadamard power ½ and log(exp(V)) as V."""
    if name not in SCALAR:
        raise ValueError(f"no element-wise function {name!r}; known: {', '.join(SCALAR)}")
    if name == "sqrt":
        return sp.HadamardPower(arg, sp.S.Half)
    if name == "log" and isinstance(arg, Apply) and arg.name == "exp":
        return arg.arg
    return Apply(name, arg)


@lru_cache(maxsize=4096)
def elementwise_derivative(expr) -> sp.MatrixExpr:
    """f'(Z) for ``expr`` = Apply(f, Z) or HadamardPower(Z, n), as a matrix expression
    (cached: the storing pass and the sweep both ask)."""
    a, r = sp.Dummy("a", real=True), sp.Dummy("r", real=True)
    if isinstance(expr, sp.HadamardPower):
        base, exponent = expr.args
        scalar = sp.Pow(a, exponent, evaluate=False)
    else:
        base, scalar = expr.arg, SCALAR[expr.name](a)
    slope = scalar_derivative(scalar, 0, r)
    return from_scalar(slope, {a: base, r: expr}, base.shape)


def from_scalar(expr: sp.Expr, matrices: dict, shape) -> sp.MatrixExpr:
    """The element-wise scalar ``expr`` over ``matrices`` ({dummy: matrix}) as matrix operations;
    a number becomes c·1 of ``shape``."""
    if expr in matrices:
        return matrices[expr]
    if expr.is_Number or not (expr.free_symbols & set(matrices)):
        return _constant(expr, shape)
    if expr.is_Add:
        return sp.MatAdd(*(from_scalar(t, matrices, shape) for t in expr.args))
    if expr.is_Mul:
        coeff, factors = expr.as_independent(*matrices, as_Add=False)   # numbers, 1/B
        if coeff == expr:
            return _constant(expr, shape)
        factors = sorted(sp.Mul.make_args(factors), key=lambda f: f not in matrices)  # r ⊙ (1 − r)
        body = hadamard(*(from_scalar(f, matrices, shape) for f in factors))
        return body if coeff == 1 else sp.MatMul(coeff, body)
    if expr.is_Pow and expr.exp.is_Number:
        return sp.HadamardPower(from_scalar(expr.base, matrices, shape), expr.exp)
    if isinstance(expr, sp.Heaviside) and expr.args[1:] == (0,):
        return Apply("step", from_scalar(expr.args[0], matrices, shape))
    if type(expr) in _NAMES and len(expr.args) == 1:
        return Apply(_NAMES[type(expr)], from_scalar(expr.args[0], matrices, shape))
    raise NotImplementedError(f"no matrix form of the element-wise derivative {expr}")


def _constant(value, shape):
    ones = sp.OneMatrix(*shape)
    return ones if value == 1 else sp.MatMul(value, ones)
