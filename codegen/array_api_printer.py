"""SymPy → Python array API code: the NumPy printer with ``xp.`` and the standard's names.

``xp`` is the namespace ``array_api_compat.array_namespace`` returns for the caller's arrays
(NumPy, CuPy, PyTorch, JAX, Dask, ...).  The standard names ``atan``, ``asin``, ``pow`` where
NumPy has ``arctan``, ``arcsin``, ``power``; it has no ``heaviside``, and a boolean array times
a float array is an error, so the step function is printed with ``xp.where``.  Numbers stay
Python float literals: a NumPy scalar times a non-NumPy array would silently return NumPy.
"""
from __future__ import annotations

from .translated_printer import TranslatedPrinter

#: NumPy names that the array API standard spells differently.
STANDARD_NAMES = {"arccos": "acos", "arcsin": "asin", "arctan": "atan", "arccosh": "acosh",
                  "arcsinh": "asinh", "arctanh": "atanh", "arctan2": "atan2", "power": "pow",
                  "absolute": "abs"}
#: NumPy names with no counterpart in the standard.
NOT_STANDARD = frozenset({"heaviside", "select", "exp2", "euler_gamma", "logaddexp2"})

#: Array-API helpers the generated module defines when it uses them (name → source): the
#: NumPy module's stable forms, over ``xp`` (``logaddexp`` is in the standard).
HELPERS = {
    "_sigmoid": '''def _sigmoid(xp, z):
    """1/(1 + exp(-z)) without overflow: 0.5*tanh(z/2) + 0.5."""
    return 0.5 * xp.tanh(0.5 * z) + 0.5
''',
    "_softplus": '''def _softplus(xp, z):
    """log(1 + exp(z)) without overflow."""
    return xp.logaddexp(z, 0.0)
''',
    "_logsumexp": '''def _logsumexp(xp, *zs):
    """log(exp(z1) + ... + exp(zk)) without overflow, by k - 1 xp.logaddexp calls."""
    total = zs[0]
    for z in zs[1:]:
        total = xp.logaddexp(total, z)
    return total
''',
}
HELPERS["_heaviside"] = '''def _heaviside(xp, z, at_zero):
    """0 for z < 0, at_zero for z == 0, 1 for z > 0, nan for nan (NumPy's heaviside)."""
    return xp.where(z > 0, 1.0, xp.where(z < 0, 0.0, xp.where(z == 0, at_zero, z)))
'''


class ArrayApiCodePrinter(TranslatedPrinter):
    """Prints element-wise code over arrays of the namespace ``xp``."""

    inf = "xp.inf"
    helper_args = "xp, "

    def translate(self, name: str) -> str:
        if name in NOT_STANDARD:
            raise NotImplementedError(f"numpy.{name} is not in the array API standard")
        return "xp." + STANDARD_NAMES.get(name, name)

    def _print_sigmoid(self, expr):
        return self.call("_sigmoid", self._print(expr.args[0]))

    def _print_softplus(self, expr):
        return self.call("_softplus", self._print(expr.args[0]))

    def _print_logsumexp(self, expr):
        return self.call("_logsumexp", *[self._print(a) for a in expr.args])

    def _print_relu(self, expr):
        return f"xp.maximum({self._print(expr.args[0])}, 0.0)"

    def _print_Max(self, expr):
        return self._nested("xp.maximum", expr.args)

    def _print_Min(self, expr):
        return self._nested("xp.minimum", expr.args)
