"""What a Python declaration may contain, made uniform before anything is derived.

Users write matrix networks with SymPy's own objects too: an explicit ``sp.ones(4, 1)`` for a
column of ones, ``(W*X).applyfunc(sp.tanh)`` for an element-wise function.  These become
``OneMatrix`` and ``Apply``; anything the vector-Jacobian rules cannot differentiate (another
explicit matrix, an unknown function, an operation with no rule) is one ``NetworkError``
naming the equation, raised when the network is built.
"""
from __future__ import annotations

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import NetworkError
from .functions import SCALAR, apply
from .ops import Apply, LogSumExp, Mean, Softmax, SoftmaxCrossEntropy

#: Matrix operations the rules know (``rules.VJP``), and the constant leaves.
KNOWN = (sp.MatrixSymbol, sp.OneMatrix, sp.ZeroMatrix, sp.Identity, sp.MatAdd, sp.MatMul,
         sp.HadamardProduct, sp.HadamardPower, sp.Transpose, Apply, Mean, Softmax, LogSumExp,
         SoftmaxCrossEntropy)

#: scalar function class -> Apply name, for ``applyfunc`` with a SymPy function.
_BY_FUNCTION = {type(f(sp.Symbol("a"))): name for name, f in SCALAR.items()
                if name not in ("step", "sqrt")}


def uniform(expr, where: str):
    """``expr`` with explicit all-ones matrices and ``applyfunc`` calls in deltaprop's terms,
    or a NetworkError naming ``where`` for what cannot be differentiated."""
    if isinstance(expr, sp.MatrixBase):
        first = expr[0, 0]
        if first.is_Number and all(e == first for e in expr):   # sp.ones(1, 4)/1000 too
            ones = sp.OneMatrix(*expr.shape)
            return ones if first == 1 else sp.MatMul(first, ones)
        raise NetworkError(f"{where}: the explicit matrix {_short(expr)} is not supported; "
                           "declare it as a parameter or an input (ones, or one number "
                           "times them: sp.OneMatrix)")
    if not isinstance(expr, sp.Basic) or expr.is_Atom or isinstance(expr, (Str, sp.Lambda)):
        return expr
    if isinstance(expr, ElementwiseApplyFunction):
        return _applied(expr, where)
    if isinstance(expr, sp.MatrixExpr) and not isinstance(expr, KNOWN):
        raise NetworkError(f"{where}: {type(expr).__name__} ({_short(expr)}) has no derivative "
                           "rule; write it with @, +, -, hadamard, HadamardPower, apply, "
                           "sum_rows, LogSumExp or Softmax")
    args = [uniform(a, where) for a in expr.args]
    return expr.func(*args) if args != list(expr.args) else expr


def _applied(expr: ElementwiseApplyFunction, where: str):
    d, body = expr.function.args[0][0], expr.function.expr
    name = _BY_FUNCTION.get(type(body))
    if name is None or body.args != (d,):
        raise NetworkError(f"{where}: applyfunc({expr.function}) is not one of the element-wise "
                           f"functions {', '.join(SCALAR)}; use apply(name, ...)")
    return apply(name, uniform(expr.expr, where))


def _short(expr, limit: int = 60) -> str:
    text = " ".join(str(expr).split())
    return text if len(text) <= limit else text[:limit] + " ..."
