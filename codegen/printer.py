"""SymPy → NumPy code for one expression over a batch, printed with the names of a ``Namer``.

A subclass of SymPy's ``NumPyPrinter`` that overrides only what it must: symbols print as
their safe identifiers, ``numpy`` is ``np``, numbers print as plain Python floats
(``0.5``, not ``(1/2)`` or ``0.500000000000000``), ``1/x`` instead of ``x**(-1.0)``, and
deltaprop's functions print in numerically stable forms.

Python's compiler recurses once per operator of a chain ``a*b*c*...`` (left-nested), so a flat
product or sum of thousands of operands (the chain-rule product of a deep chain, a wide layer)
would not compile.  Sums and products of more than ``MAX_OPERANDS`` operands are therefore
printed in parenthesised groups of at most ``MAX_OPERANDS`` (groups of groups if needed), and
long ``np.maximum``/``np.minimum`` nests are split in halves: no operator chain and no nest of
calls grows with the size of the network.  Shorter expressions print exactly as before.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

#: Operands a sum or product prints flat; longer ones go in parenthesised groups of this size.
MAX_OPERANDS = 128
#: Arguments of Max/Min printed as one right-nested chain; more are split in halves.
MAX_NESTED = 8

#: Stable NumPy helpers the generated module defines when it uses them (name → source).
HELPERS = {
    "_sigmoid": '''def _sigmoid(z):
    """1/(1 + exp(-z)) without overflow: 0.5*tanh(z/2) + 0.5."""
    return 0.5 * np.tanh(0.5 * z) + 0.5
''',
    "_softplus": '''def _softplus(z):
    """log(1 + exp(z)) without overflow; NaN in gives NaN out without a warning."""
    with np.errstate(invalid="ignore"):
        return np.logaddexp(0.0, z)
''',
    "_logsumexp": '''def _logsumexp(*zs):
    """log(exp(z1) + ... + exp(zk)) without overflow, by k - 1 np.logaddexp calls."""
    with np.errstate(invalid="ignore"):
        total = zs[0]
        for z in zs[1:]:
            total = np.logaddexp(total, z)
        return total
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
        return number(expr)

    def _print_Rational(self, expr):
        return number(expr)

    def _print_Integer(self, expr):
        try:
            float(int(expr))
        except OverflowError:            # Python's int * np.float64 would raise: print inf
            return number(expr)
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
            return f"{number(coeff)}*{self.parenthesize(rest, PRECEDENCE['Mul'])}"
        factors = sp.Mul.make_args(rest)
        if len(factors) <= MAX_OPERANDS:
            return super()._print_Mul(expr)
        flat = super()._print_Mul
        product = grouped([f"({flat(sp.Mul(*g, evaluate=False))})" for g in chunks(factors)], "*")
        if coeff == 1:
            return product
        return "-" + product if coeff == -1 else f"{self._print(coeff)}*{product}"

    def _as_ordered_terms(self, expr, order=None):
        """SymPy's term order, except that a sum starts with a positive term when it has one:
        ``x - t`` (one subtraction) rather than ``-t + x`` (a negation and an addition)."""
        terms = list(super()._as_ordered_terms(expr, order=order))
        first = next((i for i, t in enumerate(terms) if not t.as_coeff_Mul()[0].is_negative), 0)
        return [terms[first]] + terms[:first] + terms[first + 1:]

    def _print_Add(self, expr, order=None):
        terms = self._as_ordered_terms(expr, order=order)
        if len(terms) <= MAX_OPERANDS:
            return super()._print_Add(expr, order=order)
        flat = super()._print_Add
        return grouped([f"({flat(sp.Add(*g, evaluate=False))})" for g in chunks(terms)], " + ")

    def _print_Max(self, expr):
        return self._nested("np.maximum", expr.args)

    def _print_Min(self, expr):
        return self._nested("np.minimum", expr.args)

    def _nested(self, func: str, args) -> str:
        """func(a, func(b, c)): element-wise over any mix of scalars and arrays (many arguments:
        func(<first half>, <second half>), so calls nest about log2 of their number deep)."""
        if len(args) > MAX_NESTED:
            half = len(args) // 2
            return f"{func}({self._nested(func, args[:half])}, {self._nested(func, args[half:])})"
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
        return f"np.heaviside({self._print(expr.args[0])}, {number(h0)})"

    def _print_logsumexp(self, expr):
        return f"{self._helper('_logsumexp')}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Piecewise(self, expr):
        """``np.where`` chains (the rules' conventions at singular points)."""
        *cases, (last, cond) = expr.args
        if cond != sp.true:
            return super()._print_Piecewise(expr)
        text = self._print(last)
        for value, cond in reversed(cases):
            text = f"np.where({self._print(cond)}, {self._print(value)}, {text})"
        return text


def number(value) -> str:
    """A SymPy or Python number as a float literal (``0.5``); one beyond the float range (a
    coefficient such as 10**450 that derivatives can build) as ``np.inf``, its value in float64."""
    try:
        value = float(value)
    except OverflowError:
        value = float("inf") if value > 0 else float("-inf")
    if value == float("inf"):
        return "np.inf"
    if value == float("-inf"):
        return "-np.inf"
    return repr(value)


def chunks(items) -> list:
    """``items`` cut into consecutive groups of at most ``MAX_OPERANDS``, as even as possible."""
    items = list(items)
    count = -(-len(items) // MAX_OPERANDS)
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for k in range(count):
        end = start + size + (k < extra)
        out.append(items[start:end])
        start = end
    return out


def grouped(parts: list, op: str) -> str:
    """``parts`` joined by ``op``; over ``MAX_OPERANDS`` of them, in parenthesised groups (of
    groups ...), so that no chain of ``op`` is longer than ``MAX_OPERANDS`` operands."""
    while len(parts) > MAX_OPERANDS:
        parts = [f"({op.join(g)})" for g in chunks(parts)]
    return op.join(parts)
