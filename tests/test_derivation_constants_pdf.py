"""Every constant and function a network may contain prints as LaTeX that pdflatex sets.

One document holds them all: SymPy's constants, numbers of every kind, each function of the
spec files (``symbolic.spec.FUNCTIONS``), each function the float evaluator and the generated
code accept (``symbolic.evaluate``), a few more a Python network may use (erf for the exact
GELU, inverse trigonometric functions, ``Piecewise``), and for each function its derivative as
SymPy gives it (``Heaviside``, ``sign``, ``DiracDelta``, ...) and its powers.  pdflatex must
finish without an error and without an overfull line (as in test_derivation_pdf.py).
"""
import shutil

import pytest
import sympy as sp

from codegen.templates import environment
from codegen.derivation import Derivation
from codegen.document import Display, Row, Section, render_blocks
from symbolic.evaluate import _FUNCTIONS as EVALUATED
from codegen.latex import TextbookLatexPrinter
from symbolic.network import Network
from symbolic.spec import FUNCTIONS as SPEC_FUNCTIONS

from test_derivation_pdf import compile_tex

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                reason="pdflatex is not installed")

x, y, w = sp.symbols("x y w", real=True)
CONSTANTS = [sp.pi, sp.E, sp.GoldenRatio, sp.EulerGamma, sp.Catalan, sp.TribonacciConstant,
             sp.I, sp.oo, -sp.oo, sp.nan, sp.zoo]
NUMBERS = [sp.Integer(-7), sp.Rational(3, 7), sp.Rational(-1, 2), sp.Float("0.044715"),
           sp.Float("1e-30"), sp.Float("1e40"), sp.Float("-2.5e300"), sp.Integer(10) ** 40,
           sp.sqrt(2 / sp.pi), sp.exp(-sp.Rational(1, 2)), sp.log(2), sp.pi ** 2 / 6]
MORE_FUNCTIONS = [sp.erf, sp.erfc, sp.asin, sp.acos, sp.atan, sp.asinh, sp.atanh, sp.floor,
                  sp.ceiling, sp.Heaviside, sp.sign, sp.DiracDelta]


def one_argument_functions():
    """Every function of one argument, each once, in a fixed order."""
    spec = [f for f, arity in SPEC_FUNCTIONS.values() if arity == 1]
    evaluated = [f for f in EVALUATED if f not in (sp.Max, sp.Min)]
    out = []
    for f in spec + evaluated + MORE_FUNCTIONS:
        if f not in out:
            out.append(f)
    return out


def expressions():
    """(label, expression) for everything the document shows."""
    u = w * x + sp.pi * y
    items = [(f"constant {c!r}", c * x) for c in CONSTANTS]
    items += [(f"number {n!r}", n * x + n) for n in NUMBERS]
    for f in one_argument_functions():
        value = f(u)
        items += [(f"{f.__name__}", value), (f"{f.__name__} derivative", sp.diff(value, w)),
                  (f"{f.__name__} squared", value ** 2), (f"{f.__name__} inverse", 1 / value)]
    many = [a for f, arity in SPEC_FUNCTIONS.values() if arity is None for a in
            (f(x, y), f(x, y, u), sp.diff(f(x, y, u), w))]
    items += [(f"many {i}", e) for i, e in enumerate(many)]
    items += [("max", sp.Max(0, u)), ("max derivative", sp.diff(sp.Max(0, u), w)),
              ("min", sp.Min(x, u)), ("min derivative", sp.diff(sp.Min(x, u), w)),
              ("power", x ** y), ("power derivative", sp.diff(x ** y, y)),
              ("roots", sp.sqrt(u) + sp.cbrt(u) + u ** sp.Rational(2, 5)),
              ("negative power", u ** -3), ("log base 2", sp.log(u, 2)),
              ("piecewise", sp.Piecewise((u, u > 0), (0, True)))]
    return items


def test_expressions_cover_every_spec_function():
    heads = {type(e) for _, e in expressions()} | {e.func for _, e in expressions()}
    shown = {f for f, _ in SPEC_FUNCTIONS.values()}
    assert shown <= heads | {sp.sqrt}   # sqrt(u) is a Pow
    assert any(isinstance(e, sp.Heaviside) or e.has(sp.Heaviside) for _, e in expressions())


def test_no_constant_or_function_prints_as_text():
    printer = TextbookLatexPrinter()
    for label, expr in expressions():
        tex = printer.doprint(expr)
        assert r"\text{\Pi}" not in tex and "ImaginaryUnit" not in tex, (label, tex)
        assert "Infinity" not in tex and "GoldenRatio" not in tex, (label, tex)
    assert printer.doprint(sp.pi) == r"\pi"
    assert printer.doprint(sp.GoldenRatio) == r"\phi"
    assert printer.doprint(sp.Float("1e40")) == r"1.0 \cdot 10^{40}"


def test_one_document_with_every_constant_and_function_compiles(tmp_path):
    printer = TextbookLatexPrinter()
    rows = [Row(r"\text{(%d)}" % i, [[[("", printer.doprint(e))]]])
            for i, (_, e) in enumerate(expressions(), 1)]
    section = Section("Every constant and function", [Display(rows)])
    text = environment().get_template("derivation.tex.j2").render(
        title="constants", sections=render_blocks([section], "tex"), command="test", point="")
    log = compile_tex(tmp_path, "constants", text)
    assert "Overfull \\hbox" not in log
    assert len(rows) > 80


def test_derivation_with_pi_and_every_spec_function_compiles(tmp_path):
    """A network whose nodes use each spec function and π, with a worked example."""
    xs = sp.symbols("x t w v", real=True)
    x_, t, w_, v = xs
    nodes = sp.symbols("z h1 h2 h3 h4 h5 h6 h7 h8 h9 h10 h11 gelu y", real=True)
    z, *hs, gelu, out = nodes
    fns = list(dict.fromkeys(f for f, arity in SPEC_FUNCTIONS.values() if arity == 1))
    assert len(fns) <= len(hs) - 1, "more spec functions than nodes: add nodes here"
    equations = [(z, w_ * x_)]
    equations += [(h, f(z) if f not in (sp.log, sp.sqrt) else f(z ** 2 + 1))
                  for h, f in zip(hs, fns)]
    lse = [f for f, arity in SPEC_FUNCTIONS.values() if arity is None][0]
    equations.append((hs[len(fns)], lse(*hs[:3])))
    equations.append((gelu, z * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + sp.Float("0.044715")
                                                                         * z ** 3))) / 2))
    equations.append((out, v * (sum(hs[:len(fns) + 1]) + gelu + sp.E + sp.GoldenRatio)))
    net = Network("every-function", [x_], [t], [w_, v], equations, (out - t) ** 2 / 2)
    doc = Derivation(net, at={"x": 0.5, "t": 1, "w": 1.5, "v": 0.25}, lr=0.1)
    log = compile_tex(tmp_path, "every", doc.latex())
    assert "Overfull \\hbox" not in log
