"""The NumPy printer retargeted: ``numpy.NAME`` translated per backend, helpers called alike.

``PythonCodePrinter`` (plain floats, ``math``) and ``ArrayApiCodePrinter`` (``xp.``) subclass
this: each says how a NumPy name translates and which arguments open a helper call (``xp, ``
for array-api helpers, which take the namespace), and inherits the rest.
"""
from __future__ import annotations

import re

import sympy as sp

from .printer import NumPyCodePrinter, number

_NP_INF = re.compile(r"(?<![\w.])np\.inf\b")


class TranslatedPrinter(NumPyCodePrinter):
    """A NumPy printer whose ``numpy.NAME`` references go through ``translate``."""

    #: How infinity is spelled (``number`` prints ``np.inf`` for coefficients beyond float64).
    inf = "np.inf"
    #: Leading arguments of every helper call.
    helper_args = ""

    def translate(self, name: str) -> str:
        """Code for ``numpy.<name>``; NotImplementedError when the backend has none."""
        raise NotImplementedError(name)

    def doprint(self, expr, assign_to=None):
        return _NP_INF.sub(self.inf, super().doprint(expr, assign_to))

    def _module_format(self, fqn, register=True):
        return self.translate(fqn[len("numpy."):]) if fqn.startswith("numpy.") else fqn

    def call(self, helper: str, *args: str) -> str:
        """``helper(<helper_args>arg, ...)``, recording that the module needs the helper."""
        return f"{self._helper(helper)}({self.helper_args}{', '.join(args)})"

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return self.call("_heaviside", self._print(expr.args[0]), number(h0))

    def _print_Piecewise(self, expr):
        """A chain of ``choose`` (the rules' conventions at singular points, e.g. 0 where a
        power's exponent is 0); a Piecewise without a final True case as NumPy's select."""
        *cases, (last, cond) = expr.args
        if cond != sp.true:
            return super()._print_Piecewise(expr)
        text = self._print(last)
        for value, condition in reversed(cases):
            text = self.choose(self._print(condition), self._print(value), text)
        return text

    def choose(self, condition: str, value: str, other: str) -> str:
        """Code for "value where condition holds, else other"."""
        return f"xp.where({condition}, {value}, {other})"
