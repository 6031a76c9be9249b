"""Matrix-level math reads one way only: module comments (``math_text``) and derivations
(``matrix_latex``, ``deltaprop derive X.net``).

The bracketing check evaluates what is printed under both conventions a reader might assume
(⊙ binds tighter than the matrix product, or looser) and requires both to give the value of
the expression itself, on shapes where the two readings differ in shape or in value."""
import re
import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp
from sympy import HadamardPower, HadamardProduct as HP, OneMatrix

from codegen.matrix_document import matrix_document
from codegen.matrix_latex import matrix_latex
from symbolic import derive
from symbolic.matrix.text import math_text, own_symbols
from symbolic.spec import parse_spec

M = sp.MatrixSymbol
W, D, R, H, X = M("W", 2, 3), M("D", 3, 4), M("R", 3, 4), M("H", 2, 4), M("X", 5, 4)
G = M("G", 2, 4)
S1, S2, S3 = M("S1", 3, 3), M("S2", 3, 3), M("S3", 3, 3)   # square: both readings type-check
TAU = M("tau", 1, 1)
RNG = np.random.default_rng(7)
VALUES = {s.name: RNG.normal(size=s.shape) for s in (W, D, R, H, X, G, S1, S2, S3)}
VALUES["tau"] = 1.7

EXPRESSIONS = [
    W * HP(D, R),                        # was W·D ⊙ R
    HP(W * D, H),                        # was W·D ⊙ H, the other reading
    HP(H, W * D) * X.T,                  # a Hadamard product inside a product inside ...
    W * HP(D, R - D) + HP(H, G),
    (HP(D, R)).T * W.T,
    2 * HP(sp.Rational(1, 4) * D, R),
    sp.Rational(1, 3) * W * HP(D, R),
    -HP(W * D, H) + W * D,
    S1 * HP(S2, S3),
    HP(S1 * S2, S3),
    HP(S1, S2) * S3,
    S1 * HP(S2, S3) * S1.T,
    HP(S1, S2 * S3, S1),
    HP(H, OneMatrix(2, 1) * TAU * OneMatrix(1, 4)) * X.T,   # was δ_Z ⊙ 1 tau 1ᵀ Xᵀ
]


def reference(expr):
    """``expr`` evaluated with NumPy, node by node (independent of any printer)."""
    if isinstance(expr, sp.MatrixSymbol):
        return np.atleast_2d(VALUES[expr.name])
    if isinstance(expr, sp.OneMatrix):
        return np.ones(expr.shape)
    if isinstance(expr, sp.MatMul):
        coeff, factors = expr.as_coeff_matrices()
        out = float(coeff) * reference(factors[0])
        for f in factors[1:]:
            out = out @ reference(f)
        return out
    if isinstance(expr, sp.HadamardProduct):
        return np.prod([reference(a) for a in expr.args], axis=0)
    if isinstance(expr, sp.MatAdd):
        return sum(reference(a) for a in expr.args)
    if isinstance(expr, sp.Transpose):
        return reference(expr.arg).T
    raise TypeError(expr)


class Reading:
    """An array under one reading: ``**`` binds tighter than ``@`` in Python, so which of
    them is ⊙ decides the precedence assumed."""

    def __init__(self, a, hadamard_tighter: bool):
        self.a, self.tight = np.asarray(a, dtype=float), hadamard_tighter

    def _wrap(self, a):
        return Reading(a, self.tight)

    def _value(self, other):
        return other.a if isinstance(other, Reading) else other

    def _hadamard(self, o):
        return self._wrap(self.a * self._value(o))

    def _matmul(self, o, reverse=False):
        left, right = (self._value(o), self.a) if reverse else (self.a, self._value(o))
        if np.ndim(left) == 0 or np.ndim(right) == 0:
            return self._wrap(left * right)
        return self._wrap(left @ right)

    def __pow__(self, o):
        return self._hadamard(o) if self.tight else self._matmul(o)

    def __rpow__(self, o):
        return self._hadamard(o) if self.tight else self._matmul(o, reverse=True)

    def __matmul__(self, o):
        return self._matmul(o) if self.tight else self._hadamard(o)

    def __rmatmul__(self, o):
        return self._matmul(o, reverse=True) if self.tight else self._hadamard(o)

    def __add__(self, o):
        return self._wrap(self.a + self._value(o))

    def __sub__(self, o):
        return self._wrap(self.a - self._value(o))

    def __neg__(self):
        return self._wrap(-self.a)

    @property
    def T(self):
        return self._wrap(self.a.T)


def read(text: str, hadamard_tighter: bool):
    """The printed text evaluated with ⊙ and · at one of the two relative precedences."""
    had, prod = ("**", "@") if hadamard_tighter else ("@", "**")
    code = text.replace("⊙", had).replace("·", prod).replace("ᵀ", ".T")
    assert re.fullmatch(r"[A-Za-z0-9_ ()+\-*/@.]*", code), code
    names = {k: (v if np.ndim(v) == 0 else Reading(v, hadamard_tighter))
             for k, v in VALUES.items()}
    return eval(code, {"__builtins__": {}}, names)        # test-only, our own printed text


def latex_as_text(tex: str) -> str:
    """The LaTeX printer's output in the text printer's notation (juxtaposition as ·)."""
    text = tex.replace(r"\left(", "(").replace(r"\right)", ")").replace(r"^{\top}", "ᵀ")
    text = text.replace(r"\odot", "⊙").replace(r"\tau", "tau").replace(r"\,", "")
    text = re.sub(r"\\frac\{(\d+)\}\{(\d+)\}", r"(\1/\2)", text)
    text = re.sub(r"([A-Za-z])\^\{\((\d+)\)\}", r"\1\2", text)
    text = re.sub(r"\s*([⊙+\-])\s*", r" \1 ", text).strip()
    text = re.sub(r"(?<=[\w)ᵀ])\s+(?=[\w(])", "·", text)
    return re.sub(r"^ - ", "-", text)


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=range(len(EXPRESSIONS)))
@pytest.mark.parametrize("printer", ["text", "latex"])
def test_both_readings_give_the_value(expr, printer):
    text = math_text(expr) if printer == "text" else latex_as_text(matrix_latex(expr))
    want = reference(expr)
    for tighter in (True, False):
        try:
            got = read(text, tighter)
        except ValueError as shapes:
            pytest.fail(f"{text!r} does not even type-check when ⊙ is read "
                        f"{'tighter' if tighter else 'looser'}: {shapes}")
        got = got.a if isinstance(got, Reading) else got
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=text)


def test_the_readings_differ_without_brackets():
    """The check above can fail: the unbracketed forms the printer used to write read two ways."""
    for text in ("S1·S2 ⊙ S3", "S1 ⊙ S2·S3"):
        a, b = read(text, True).a, read(text, False).a
        assert not np.allclose(a, b), text


def test_printed_forms():
    assert math_text(W * HP(D, R)) == "W·(D ⊙ R)"
    assert math_text(HP(H, OneMatrix(2, 1) * TAU * OneMatrix(1, 4)) * X.T) == "tau·H·Xᵀ"
    assert math_text(2 * HP(sp.Rational(1, 4) * D, R)) == "(1/2)·(D ⊙ R)"
    assert matrix_latex(HP(W * D, H)) == r"\left(W D\right) \odot H"
    assert matrix_latex(OneMatrix(1, 2) * HP(H, W * D) * OneMatrix(4, 1)) == (
        r"\mathbf{1}^{\top} \left(\left(W D\right) \odot H\right) \mathbf{1}")


def test_float_exponents_print_short():
    assert math_text(HadamardPower(X, sp.Float(0.5))) == "X^∘0.5"
    assert math_text(HadamardPower(X, sp.Float(1.5))) == "X^∘1.5"
    assert math_text(HadamardPower(X, sp.Rational(3, 2))) == "X^∘(3/2)"
    assert math_text(HadamardPower(X, -1)) == "X^∘(-1)"
    assert matrix_latex(HadamardPower(X, sp.Float(1.5))) == r"X^{\circ 1.5}"


def test_login_spec_comments_and_latex_have_no_long_floats():
    net = parse_spec("input X[3]\ntarget T[2]\nparam W[2,3]\nF = X^0.5 + X^-1\n"
                     "Y = abs(W @ F)^1.5\nloss = sum((Y - T)^2)/2\n")
    printed = [math_text(r) for _, r in net.forward] + [matrix_latex(r) for _, r in net.forward]
    assert any("^∘1.5" in p for p in printed) and any(r"\circ 1.5" in p for p in printed)
    assert not any("0.50000" in p or "1.50000" in p for p in printed)


CLASH = """input X[3]
target T[2]
param grad_W[2,3] tau Wq[2,2]
delta_Z = tau * (grad_W @ X)
hidden = tanh(Wq @ delta_Z)
loss = sum((hidden - T)^2)
"""


def test_user_names_never_print_as_deltaprops_symbols():
    net = parse_spec(CLASH, name="clash")
    doc = matrix_document(net, "md", "deltaprop derive clash.net")
    assert r"\mathrm{delta}_{Z} &= \tau \left(\mathrm{grad}_{W} X\right)" in doc
    assert r"\frac{\partial L}{\partial \mathrm{grad}_{W}} &=" in doc   # its gradient
    assert r"\delta_{\mathrm{delta}_{Z}} &=" in doc                      # δ of the node delta_Z
    assert r"\mathrm{hidden}_{\mathrm{in}} &= \mathrm{Wq} \mathrm{delta}_{Z}" in doc
    assert r"\frac{\partial L}{\partial \tau}" in doc
    own = own_symbols(derive(net))
    user = next(lhs for lhs, _ in net.forward if lhs.name == "delta_Z")
    assert math_text(user, own) == "delta_Z"
    mine = next(d for d, (kind, of) in own.items() if kind == "delta" and of == user)
    assert math_text(mine, own) == "δ_delta_Z"


pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")

SWISH_GELU = """# swish and tanh-GELU written out (a user's spec)
input X[3]
target T[2]
param W1[4,3] W2[2,4]
Z = W1 @ X
H = Z * sigmoid(Z)
Z2 = W2 @ H
G = 0.5*Z2*(1 + tanh(sqrt(2/pi)*(Z2 + 0.044715*Z2^3)))
loss = sum((G - T)^2)/2
"""
DIGITS = """# digits: swish hidden, softmax CE written out, weight decay (a user's spec)
input X[64]
target T[10]
param W1[32,64] b1[32] W2[10,32] b2[10]
Z1 = W1 @ X + b1
H = Z1 * sigmoid(Z1)
Z2 = W2 @ H + b2
P = softmax(Z2)
loss = -sum(T*log(P)) + 0.0001*sum(W1^2) + 0.0001*sum(W2^2)
"""


MLP3 = """# three layers, BCE written out on a sigmoid written out, weight decay (a user's spec)
input X[4]
target T
param W1[8,4] b1[8] W2[6,8] b2[6] w3[1,6] c
H1 = tanh(W1 @ X + b1)
H2 = relu(W2 @ H1 + b2)
Z = w3 @ H2 + c
P = 1/(1 + exp(-Z))
loss = -sum(T*log(P) + (1 - T)*log(1 - P)) + 0.001*(sum(W1^2) + sum(W2^2) + sum(w3^2))
"""


def overfull(log: str) -> list[float]:
    return [float(p) for p in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]


@pdflatex
@pytest.mark.parametrize("name, spec", [("swish_gelu", SWISH_GELU), ("digits", DIGITS),
                                        ("clash", CLASH), ("mlp3", MLP3)])
def test_derivation_fits_the_page(tmp_path, name, spec):
    """Was: δ_{Z⁽²⁾} 118pt too wide, the digits loss 77pt, the rules table 58pt, the mlp3
    loss (a sum inside the batch mean) 156pt."""
    tex = matrix_document(parse_spec(spec, name=name), "tex", f"deltaprop derive {name}.net")
    (tmp_path / f"{name}.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert not [w for w in overfull(log) if w > 1.0], overfull(log)
    if name == "swish_gelu":
        assert r"&\quad" in tex          # δ_{Z⁽²⁾} is broken between its terms


def test_module_comments_write_delta_only_for_deltaprops_own_symbols():
    """A user's node named delta_Z is delta_Z in the comments; deltaprop's δ of it is δ_delta_Z
    (``codegen/matrix_statements.py`` prints with the derivation's own symbols)."""
    from codegen import generate_module
    from symbolic.spec import parse_spec

    spec = ("input X[3]\ntarget T[3]\nparam W[3,3]\ndelta_Z = W @ X\n"
            "loss = sum((delta_Z - T)^2)\n")
    source = generate_module(parse_spec(spec, "dz.net"))
    assert "# delta_Z = W·X  [3×B]" in source and "# δ_Z" not in source
    assert "# δ_delta_Z = (2/B)·(delta_Z - T)" in source
