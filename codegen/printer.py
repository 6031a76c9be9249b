"""SymPy → NumPy code for one expression over a batch, printed with the names of a ``Namer``.

A subclass of SymPy's ``NumPyPrinter`` that overrides only what it must: symbols print as
their safe identifiers, ``numpy`` is ``np``, numbers print as plain Python floats
(``0.5``, not ``(1/2)`` or ``0.500000000000000``), ``1/x`` instead of ``x**(-1.0)``, and
deltaprop's functions print in numerically stable forms.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

#: Stable NumPy helpers the generated module defines when it uses them (name → source).
HELPERS = {
    "_sigmoid": '''def _sigmoid(z):
    """1/(1 + exp(-z)) without overflow: 0.5*tanh(z/2) + 0.5."""
    return 0.5 * np.tanh(0.5 * z) + 0.5
''',
    "_softplus": '''def _softplus(z):
    """log(1 + exp(z)) without overflow: max(z, 0) + log1p(exp(-|z|))."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
''',
    "_logsumexp": '''def _logsumexp(*zs):
    """log(exp(z1) + ... + exp(zk)), shifted by the maximum so no exp overflows."""
    top = zs[0]
    for z in zs[1:]:
        top = np.maximum(top, z)
    total = np.exp(zs[0] - top)
    for z in zs[1:]:
        total = total + np.exp(z - top)
    return top + np.log(total)
''',
}


class NumPyCodePrinter(NumPyPrinter):
    """Prints expressions with ``names`` ({Symbol: identifier}); records helpers it needs."""

    def __init__(self, names: dict):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False,
                          "order": "none"})   # SymPy's canonical order: deterministic, no sorting
        self.names = names
        self.helpers: list[str] = []

    def _module_format(self, fqn, register=True):
        return "np." + fqn[len("numpy."):] if fqn.startswith("numpy.") else fqn

    def _print_Symbol(self, expr):
        return self.names[expr]

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return str(int(expr))

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer and expr.exp.is_negative:
            if expr.exp == -1:
                return f"1/{self.parenthesize(expr.base, PRECEDENCE['Atom'], strict=True)}"
            positive = sp.Pow(expr.base, -expr.exp, evaluate=False)
            return f"1/{self.parenthesize(positive, PRECEDENCE['Pow'])}"
        return self._hprint_Pow(expr, rational=rational, sqrt="numpy.sqrt")

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Rational and not coeff.is_Integer and rest != 1:
            return f"{float(coeff)!r}*{self.parenthesize(rest, PRECEDENCE['Mul'])}"
        return super()._print_Mul(expr)

    def _print_Max(self, expr):
        return self._nested("np.maximum", expr.args)

    def _print_Min(self, expr):
        return self._nested("np.minimum", expr.args)

    def _nested(self, func: str, args) -> str:
        """func(a, func(b, c)): element-wise over any mix of scalars and arrays."""
        text = self._print(args[-1])
        for a in reversed(args[:-1]):
            text = f"{func}({self._print(a)}, {text})"
        return text

    def _helper(self, name: str) -> str:
        if name not in self.helpers:
            self.helpers.append(name)
        return name

    def _print_sigmoid(self, expr):
        return f"{self._helper('_sigmoid')}({self._print(expr.args[0])})"

    def _print_softplus(self, expr):
        return f"{self._helper('_softplus')}({self._print(expr.args[0])})"

    def _print_relu(self, expr):
        return f"np.maximum({self._print(expr.args[0])}, 0.0)"

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return f"np.heaviside({self._print(expr.args[0])}, {float(h0)!r})"

    def _print_logsumexp(self, expr):
        return f"{self._helper('_logsumexp')}({', '.join(self._print(a) for a in expr.args)})"
