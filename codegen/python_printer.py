"""SymPy → plain-Python float code for one sample, using nothing but ``math``.

A subclass of the NumPy printer (same names, numbers, long-sum grouping), so the scalar emitter
prints every backend alike.  Python floats raise where NumPy returns inf or nan
(``math.exp(1000)``, ``1/0.0``, ``math.log(0.0)``, ``(1e200)**2``), so every operation that
can raise goes through a small helper with NumPy's answer: ``_exp``, ``_log``, ``_sqrt``, ...
(``try``/``except`` costs nothing in CPython 3.11+ when nothing is raised), divisions through
``_div`` and powers through ``_pow``.  Sigmoid is inlined as 0.5·tanh(z/2) + 0.5 (no overflow,
no call), small integer powers of a name as products (``x*x``: inf on overflow, never raises).

What stays different from NumPy: ``max``/``min`` (ReLU, Max, Min) order NaN arguments as
Python does (``max(nan, 0.0)`` is nan, ``max(0.0, nan)`` is 0.0; ReLU is printed with the
argument first), and no RuntimeWarnings are emitted.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from .printer import number
from .translated_printer import TranslatedPrinter

#: Helpers guarding a ``math`` function: name → (math function, exception, value when raised).
GUARDED = {
    "_exp": ("exp", "OverflowError", "math.inf"),
    "_log": ("log", "ValueError", "-math.inf if z == 0.0 else math.nan"),
    "_log1p": ("log1p", "ValueError", "-math.inf if z == -1.0 else math.nan"),
    "_sqrt": ("sqrt", "ValueError", "math.nan"),
    "_sin": ("sin", "ValueError", "math.nan"),
    "_cos": ("cos", "ValueError", "math.nan"),
    "_tan": ("tan", "ValueError", "math.nan"),
    "_cosh": ("cosh", "OverflowError", "math.inf"),
    "_sinh": ("sinh", "OverflowError", "math.copysign(math.inf, z)"),
}


def _guarded_source(name: str) -> str:
    func, error, fallback = GUARDED[name]
    return (f'def {name}(z):\n    """math.{func}(z), or NumPy\'s value where math raises '
            f'{error}."""\n    try:\n        return math.{func}(z)\n    except {error}:\n'
            f"        return {fallback}\n")


#: Plain-Python helpers the generated module defines when it uses them (name → source).
HELPERS = {name: _guarded_source(name) for name in GUARDED}
HELPERS.update({
    "_div": '''def _div(a, b):
    """a/b as NumPy divides floats: a nonzero number over zero is ±inf, 0/0 is nan."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
''',
    "_pow": '''def _pow(a, b):
    """a**b as NumPy computes it: overflow gives ±inf, 0**-1 gives inf, (-8)**(1/3) gives nan."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0.0 and b % 2.0 == 1.0 else math.inf
    except ValueError:
        return math.inf if a == 0.0 else math.nan
''',
    "_sign": '''def _sign(z):
    """-1.0, 0.0 or 1.0 by the sign of z; nan for nan."""
    return 1.0 if z > 0.0 else -1.0 if z < 0.0 else z
''',
    "_heaviside": '''def _heaviside(z, at_zero):
    """0.0 for z < 0, at_zero for z == 0, 1.0 for z > 0; nan for nan (as NumPy's heaviside)."""
    return 1.0 if z > 0.0 else 0.0 if z < 0.0 else at_zero if z == 0.0 else z
''',
    "_softplus": '''def _softplus(z):
    """log(1 + exp(z)) without overflow: max(z, 0) + log1p(exp(-|z|))."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))
''',
    "_logsumexp": '''def _logsumexp(*zs):
    """log(exp(z1) + ... + exp(zk)), shifted by the maximum so no exp overflows."""
    top = max(zs)
    return top + math.log(math.fsum(_exp(z - top) for z in zs))
''',
})
#: Helpers that call other helpers.
NEEDS = {"_logsumexp": ("_exp",)}

#: numpy function or constant (as SymPy's NumPy printer names it) → plain-Python code.
PYTHON_NAMES = {
    "exp": "_exp", "log": "_log", "log1p": "_log1p", "sqrt": "_sqrt", "sin": "_sin",
    "cos": "_cos", "tan": "_tan", "cosh": "_cosh", "sinh": "_sinh", "sign": "_sign",
    "tanh": "math.tanh", "arctan": "math.atan", "arcsinh": "math.asinh", "expm1": "_expm1",
    "inf": "math.inf", "nan": "math.nan", "pi": "math.pi", "e": "math.e",
}
GUARDED["_expm1"] = ("expm1", "OverflowError", "math.inf")
HELPERS["_expm1"] = _guarded_source("_expm1")

class PythonCodePrinter(TranslatedPrinter):
    """Prints one sample's float arithmetic; records the helpers it needs in ``helpers``."""

    inf = "math.inf"

    def translate(self, name: str) -> str:
        if name not in PYTHON_NAMES:
            raise NotImplementedError(f"no plain-Python code for numpy.{name}")
        code = PYTHON_NAMES[name]
        return self._helper(code) if code.startswith("_") else code

    def _helper(self, name: str) -> str:
        for needed in NEEDS.get(name, ()):
            super()._helper(needed)
        return super()._helper(name)

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.base, expr.exp
        if exp.is_Integer and exp.is_negative:
            return self.call("_div", "1.0", self._print(sp.Pow(base, -exp, evaluate=False)))
        if exp == sp.S.Half:
            return self.call("_sqrt", self._print(base))
        if exp.is_Integer and 2 <= exp <= 4 and base.is_Symbol:
            return "*".join([self._print(base)] * int(exp))
        if exp == 1:
            return self._print(base)
        return self.call("_pow", self._print(base), self._print(exp))

    def _print_Mul(self, expr):
        factors = sp.Mul.make_args(expr)
        below = [f for f in factors if f.is_Pow and f.exp.is_Integer and f.exp.is_negative]
        if not below:
            return super()._print_Mul(expr)
        above = sp.Mul(*[f for f in factors if f not in below])
        denominator = sp.Mul(*[sp.Pow(f.base, -f.exp, evaluate=False) for f in below],
                             evaluate=False)
        numerator = "1.0" if above == 1 else self._print(above)
        return self.call("_div", numerator, self._print(denominator))

    def _print_Integer(self, expr):
        return number(expr)                 # floats in, floats out: 0.0, not 0

    def choose(self, condition: str, value: str, other: str) -> str:
        return f"({value} if {condition} else {other})"

    def _print_Relational(self, expr):
        prec = PRECEDENCE["Relational"]
        return (f"{self.parenthesize(expr.lhs, prec)} {expr.rel_op} "
                f"{self.parenthesize(expr.rhs, prec)}")

    def _print_relu(self, expr):
        return f"max({self._print(expr.args[0])}, 0.0)"

    def _print_sigmoid(self, expr):
        inner = self.parenthesize(expr.args[0], PRECEDENCE["Mul"])
        return f"(0.5*math.tanh(0.5*{inner}) + 0.5)"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"
