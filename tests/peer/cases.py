"""Gradient cases from other projects' own test files, each written as a deltaprop `.net` spec.

Every case names its source precisely (repository, file, test function) and gives one or more
points: parameter values and data (a list is a batch).  Where the source test fixes the point
(micrograd's a = -4, b = 2; autograd's x = 0.7, y = 1.8; Tangent's scalar grid; CasADi's starting
points x0; JAX's softmax vector), that point is used; where it draws random numbers
(``npr.randn()``, ``rand(3, 3)``), the point here is a fixed one of ours, said so in ``note``.
``known`` gives values the source itself states (micrograd's README numbers, SymPy's closed-form
derivatives, JAX's asserted values) as functions of the point, with the source's precision.

The formulas are written the way the sources write them: sigmoid as 1/(1 + exp(-z)), tanh, cosh
and sinh with exponentials, softmax and log-mean-exp written out, losses that are non-linear
functions of nodes and parameters (exp(exp(a)), x**y, logsumexp(...), sigmoid(sigmoid(h0 + a) + a)).
The source files were read through the search tools (HIPS/autograd, google/tangent and
karpathy/micrograd at their newest snapshots; the others through the code index).
"""
from __future__ import annotations

import math
import random
import textwrap
from dataclasses import dataclass, replace
from typing import Callable


@dataclass(frozen=True)
class Case:
    id: str
    source: str            # "owner/repo, path, test name"
    spec: str              # the .net text
    points: tuple          # ({name: float or [floats]}, ...): params and data
    known: Callable | None = None   # point -> {"loss" or param name: value the source states}
    known_tol: tuple = (1e-12, 1e-15)  # (relative, absolute) for ``known``
    note: str = ""
    sympy_reference: bool = True  # False only where no fixed precision reaches (|logit| = 1e9)


def spec(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


def seeded(seed: int, names, low: float = -1.0, high: float = 1.0) -> dict:
    """Fixed pseudo-random values (4 decimals) where the source draws random numbers."""
    rng = random.Random(seed)
    return {n: round(rng.uniform(low, high), 4) for n in names}


def dense(inputs, prefix: str, n_out: int, activation: str) -> tuple[list, list, list]:
    """(node lines, output names, parameter names) of a dense layer written out by hand:
    z{prefix}_j = w{prefix}_1j*x1 + ... + b{prefix}_j, a{prefix}_j = activation(z{prefix}_j)."""
    lines, outputs, params = [], [], []
    for j in range(1, n_out + 1):
        weights = [f"w{prefix}_{i}{j}" for i in range(1, len(inputs) + 1)]
        params += weights + [f"b{prefix}_{j}"]
        terms = " + ".join(f"{w}*{x}" for w, x in zip(weights, inputs))
        lines.append(f"z{prefix}_{j} = {terms} + b{prefix}_{j}")
        lines.append(f"a{prefix}_{j} = " + activation.format(f"z{prefix}_{j}"))
        outputs.append(f"a{prefix}_{j}")
    return lines, outputs, params


def network_spec(declarations: list, lines: list, loss: str) -> str:
    return "\n".join(declarations + lines + [f"loss = {loss}"]) + "\n"


# -- micrograd: test/test_engine.py ---------------------------------------------------------------
MICROGRAD = [
    Case("micrograd/sanity-check", "karpathy/micrograd, test/test_engine.py, test_sanity_check",
         spec("""
            param x
            z = 2*x + 2 + x
            q = relu(z) + z*x
            h = relu(z*z)
            loss = h + q + q*x
         """), ({"x": -4.0},),
         note="micrograd compares with PyTorch at x = -4; y = -20, dy/dx = 46 worked by hand",
         known=lambda v: {"loss": -20.0, "x": 46.0}),
    Case("micrograd/more-ops", "karpathy/micrograd, test/test_engine.py, test_more_ops",
         spec("""
            param a b
            c = a + b
            d = a*b + b^3
            c2 = c + c + 1
            c3 = c2 + 1 + c2 + (-a)
            d2 = d + d*2 + relu(b + a)
            d3 = d2 + 3*d2 + relu(b - a)
            e = c3 - d3
            f = e^2
            loss = f/2.0 + 10.0/f
         """), ({"a": -4.0, "b": 2.0},),
         note="known values: micrograd README.md, same expression (g = 24.7041, "
              "a.grad = 138.8338, b.grad = 645.5773)",
         known=lambda v: {"loss": 24.7041, "a": 138.8338, "b": 645.5773}, known_tol=(0, 5e-5)),
]

# -- HIPS autograd: tests/test_scalar_ops.py (each 3.0 * f(x)), tests/test_core.py, test_numpy.py --
SCALAR_OPS = "HIPS/autograd, tests/test_scalar_ops.py, "
OURS_RANDN = "source draws npr.randn(); points are ours"
AUTOGRAD = [
    Case("autograd/abs", SCALAR_OPS + "test_abs", spec("param x\nloss = 3.0*abs(x)"),
         ({"x": 1.1}, {"x": -1.1}), known=lambda v: {"x": 3.0 * math.copysign(1, v["x"])}),
    Case("autograd/sin", SCALAR_OPS + "test_sin", spec("param x\nloss = 3.0*sin(x)"),
         ({"x": 1.6243}, {"x": -0.6118}), note=OURS_RANDN,
         known=lambda v: {"x": 3 * math.cos(v["x"])}),
    Case("autograd/exp", SCALAR_OPS + "test_exp", spec("param x\nloss = 3.0*exp(x)"),
         ({"x": -0.5282}, {"x": 1.1}), note=OURS_RANDN,
         known=lambda v: {"x": 3 * math.exp(v["x"])}),
    Case("autograd/log", SCALAR_OPS + "test_log", spec("param x\nloss = 3.0*log(x)"),
         ({"x": 1.0730}, {"x": 0.05}), note="source: abs(npr.randn()); points are ours",
         known=lambda v: {"x": 3 / v["x"]}),
    Case("autograd/neg", SCALAR_OPS + "test_neg", spec("param x\nloss = 3.0*-x"),
         ({"x": 0.8654},), note=OURS_RANDN, known=lambda v: {"x": -3.0}),
    Case("autograd/cos", SCALAR_OPS + "test_cos", spec("param x\nloss = 3.0*cos(x)"),
         ({"x": -2.3015},), note=OURS_RANDN, known=lambda v: {"x": -3 * math.sin(v["x"])}),
    Case("autograd/tan", SCALAR_OPS + "test_tan",
         spec("param x\nloss = 3.0*sin(x)/cos(x)   # np.tan, written as sin/cos"),
         ({"x": 0.7448}, {"x": -1.2}), note=OURS_RANDN,
         known=lambda v: {"x": 3 / math.cos(v["x"]) ** 2}, known_tol=(1e-12, 1e-14)),
    Case("autograd/cosh", SCALAR_OPS + "test_cosh",
         spec("param x\nloss = 3.0*(exp(x) + exp(-x))/2   # np.cosh written out"),
         ({"x": 0.3190},), note=OURS_RANDN, known=lambda v: {"x": 3 * math.sinh(v["x"])}),
    Case("autograd/sinh", SCALAR_OPS + "test_sinh",
         spec("param x\nloss = 3.0*(exp(x) - exp(-x))/2   # np.sinh written out"),
         ({"x": -0.2494},), note=OURS_RANDN, known=lambda v: {"x": 3 * math.cosh(v["x"])}),
    Case("autograd/tanh", SCALAR_OPS + "test_tanh", spec("param x\nloss = 3.0*tanh(x)"),
         ({"x": 1.4621},), note=OURS_RANDN,
         known=lambda v: {"x": 3 * (1 - math.tanh(v["x"]) ** 2)}),
    Case("autograd/sqrt", SCALAR_OPS + "test_sqrt", spec("param x\nloss = 3.0*sqrt(x)"),
         ({"x": 4.17022},), note="source: 10.0 * npr.rand(); point is ours",
         known=lambda v: {"x": 1.5 / math.sqrt(v["x"])}),
    Case("autograd/log1p", SCALAR_OPS + "test_log1p",
         spec("param x\nloss = 3.0*log(1 + x)   # np.log1p"), ({"x": 0.7205},),
         note="source: abs(npr.randn()); point is ours", known=lambda v: {"x": 3 / (1 + v["x"])}),
    Case("autograd/expm1", SCALAR_OPS + "test_expm1",
         spec("param x\nloss = 3.0*(exp(x) - 1)   # np.expm1"), ({"x": 0.3877},),
         note="source: abs(npr.randn()); point is ours",
         known=lambda v: {"x": 3 * math.exp(v["x"])}),
    Case("autograd/exp2", SCALAR_OPS + "test_exp2",
         spec("param x\nloss = 3.0*2^x   # np.exp2"), ({"x": 0.3224},),
         note="source: abs(npr.randn()); point is ours",
         known=lambda v: {"x": 3 * math.log(2) * 2 ** v["x"]}),
    Case("autograd/log10", SCALAR_OPS + "test_log10",
         spec("param x\nloss = 3.0*log(x)/log(10)   # np.log10"), ({"x": 0.3841},),
         note="source: abs(npr.randn()); point is ours",
         known=lambda v: {"x": 3 / (v["x"] * math.log(10))}),
    Case("autograd/sinc", SCALAR_OPS + "test_sinc",
         spec("param x\nloss = 3.0*sin(pi*x)/(pi*x)   # np.sinc, normalised"),
         ({"x": 1.4675},), note="source: 10.0 * npr.rand(); point is ours"),
    Case("autograd/power-arg0", SCALAR_OPS + "test_power_arg0",
         spec("param x\ninput y\nloss = x^y   # np.power(x, y), y fixed"),
         ({"x": 1.1832, "y": 1.7}, {"x": 1.5, "y": [1.7, 3.0, 0.5]}),
         note="source: y = randn()**2 + 1, x = rand()**2 + 1; points are ours"),
    Case("autograd/power-arg1", SCALAR_OPS + "test_power_arg1",
         spec("input x\nparam y\nloss = x^y   # np.power(x, y), x fixed"),
         ({"x": 0.8207, "y": 0.4201}, {"x": [0.8207, 2.5, 1.0], "y": 0.4201}),
         note="source: x = randn()**2, y = rand()**2; points are ours"),
    Case("autograd/reciprocal", SCALAR_OPS + "test_reciprocal",
         spec("param x\nloss = 1/x"), ({"x": 0.6853},), known=lambda v: {"x": -1 / v["x"] ** 2},
         note="source: npr.rand(); point is ours"),
    Case("autograd/divide", SCALAR_OPS + "test_divide_arg0, test_divide_arg1",
         spec("param x y\nloss = x/y"), ({"x": 0.2045, "y": 0.8781},),
         known=lambda v: {"x": 1 / v["y"], "y": -v["x"] / v["y"] ** 2},
         note="source: npr.rand(), npr.rand(); point is ours"),
]
CORE = "HIPS/autograd, tests/test_core.py, "
for _name, _formula in (("add", "x + y"), ("sub", "x - y"), ("div", "x/y"), ("mul", "x*y"),
                        ("pow", "x**y")):
    AUTOGRAD.append(Case(f"autograd/core-{_name}", CORE + f"test_{_name} (check_binary_func)",
                         spec(f"param x y\nloss = {_formula}"), ({"x": 0.7, "y": 1.8},),
                         note="the source's point: x, y = 0.7, 1.8"))
NUMPY = "HIPS/autograd, tests/test_numpy.py, "
_BASE = {"b1": 1.3, "b2": 0.6223, "b3": 1.0282, "b4": 0.7617, "b5": 2.2}
AUTOGRAD += [
    Case("autograd/mean-list-of-boxes", NUMPY + "test_mean_list_of_boxes",
         spec("param x\nu = x + 2\nloss = (x + u)/2   # np.mean([x, x + 2])"), ({"x": 0.0},),
         known=lambda v: {"x": 1.0}),
    Case("autograd/std-list-of-boxes", NUMPY + "test_std_list_of_boxes",
         spec("""
            param x
            u = x + 2
            m = (x + u)/2
            loss = sqrt(((x - m)^2 + (u - m)^2)/2)   # np.std([x, x + 2])
         """), ({"x": 0.0}, {"x": 1.25}), known=lambda v: {"loss": 1.0, "x": 0.0},
         known_tol=(1e-15, 1e-15), note="symmetric around the mean: the gradient is 0"),
    Case("autograd/var-list-of-boxes", NUMPY + "test_var_list_of_boxes",
         spec("""
            param x
            u = x + 2
            m = (x + u)/2
            loss = ((x - m)^2 + (u - m)^2)/2   # np.var([x, x + 2])
         """), ({"x": 0.0},), known=lambda v: {"loss": 1.0, "x": 0.0}, known_tol=(1e-15, 1e-15)),
    Case("autograd/sum-of-exp-times-base", NUMPY + "test_plain_numpy_reductions_on_box (sum)",
         spec("""
            param a
            input b1 b2 b3 b4 b5
            e = exp(a)
            loss = e*b1 + e*b2 + e*b3 + e*b4 + e*b5   # np.sum(np.exp(a) * base)
         """), ({"a": 0.7, **_BASE},),
         note="the source's a = 0.7; base = abs(randn(5)) + 0.5 is ours"),
    Case("autograd/prod-of-exp-times-base", NUMPY + "test_plain_numpy_reductions_on_box (prod)",
         spec("""
            param a
            input b1 b2 b3 b4 b5
            loss = (exp(a)*b1)*(exp(a)*b2)*(exp(a)*b3)*(exp(a)*b4)*(exp(a)*b5)   # np.prod
         """), ({"a": 0.7, **_BASE},),
         note="the source's a = 0.7; base = abs(randn(5)) + 0.5 is ours"),
]

# -- Tangent: tests/functions.py (scalars a, b, c from tests/conftest.py: -2 ... 2) ---------------
TANGENT_FILE = "google/tangent, tests/functions.py, "
TANGENT_NOTE = "points from tests/conftest.py's scalar grid (-2, -1.5, ..., 2)"
_LR_LINES, _LR_OUT, _LR_PARAMS = dense(["x1", "x2", "x3"], "", 5, "0.5*(tanh({}) + 1)")
_LR_LINES += [f"q{j} = a_{j}*t{j} + (1 - a_{j})*(1 - t{j})" for j in range(1, 6)]
_BI_LINES, _BI_OUT, _BI_PARAMS = dense(["x1", "x2", "h1", "h2"], "", 2, "tanh({})")
TANGENT = [
    Case("tangent/saxpy", TANGENT_FILE + "saxpy", spec("param a b c\nloss = a*b + c"),
         ({"a": 0.5, "b": -1.5, "c": 2.0},), note=TANGENT_NOTE,
         known=lambda v: {"a": v["b"], "b": v["a"], "c": 1.0}),
    Case("tangent/numpy-exp2", TANGENT_FILE + "numpy_exp2", spec("param a\nloss = exp(exp(a))"),
         ({"a": -0.5}, {"a": 1.0}), note=TANGENT_NOTE,
         known=lambda v: {"a": math.exp(math.exp(v["a"])) * math.exp(v["a"])},
         known_tol=(1e-13, 0)),
    Case("tangent/super-iterpower", TANGENT_FILE + "super_iterpower",
         spec("""
            param a
            a1 = a*a*a
            a2 = a1*a1*a1
            a3 = a2*a2*a2
            loss = a3
         """), ({"a": 1.5}, {"a": -0.5}), note=TANGENT_NOTE,
         known=lambda v: {"a": 27 * v["a"] ** 26}, known_tol=(1e-13, 0)),
    Case("tangent/iterpower-static", TANGENT_FILE + "iterpower_static",
         spec("param a\na1 = a*a\na2 = a1*a1\nloss = a2*a2"), ({"a": -1.5}, {"a": 2.0}),
         note=TANGENT_NOTE, known=lambda v: {"a": 8 * v["a"] ** 7}, known_tol=(1e-13, 0)),
    Case("tangent/gradgrad-pow-twice", TANGENT_FILE + "gradgrad_pow_twice",
         spec("param a\nb = a*a\nloss = b*b"), ({"a": -2.0}, {"a": 0.1}), note=TANGENT_NOTE,
         known=lambda v: {"a": 4 * v["a"] ** 3}, known_tol=(1e-13, 0)),
    Case("tangent/binop-div2", TANGENT_FILE + "test_binop_div2", spec("param a\nloss = 3.0/a"),
         ({"a": -0.1}, {"a": 1.5}), note=TANGENT_NOTE, known=lambda v: {"a": -3 / v["a"] ** 2}),
    Case("tangent/binop-div3", TANGENT_FILE + "test_binop_div3 (through identity_assign)",
         spec("param a\nb = a   # identity_assign\nloss = a/b"), ({"a": 0.5}, {"a": -2.0}),
         note=TANGENT_NOTE + "; a/a is 1, so the gradient is 0",
         known=lambda v: {"loss": 1.0, "a": 0.0}, known_tol=(1e-15, 1e-15)),
    Case("tangent/logistic-regression", TANGENT_FILE + "logistic_regression "
         "(run by tests/test_reverse_mode.py::test_logistic_regression)",
         network_spec(["input x1 x2 x3", "target t1 t2 t3 t4 t5", "param " + " ".join(_LR_PARAMS)],
                      _LR_LINES, "-(" + " + ".join(f"log(q{j})" for j in range(1, 6)) + ")"),
         ({"x1": 0.4170, "x2": 0.7203, "x3": 0.0001, "t1": 0.0, "t2": 1.0, "t3": 0.0, "t4": 0.0,
           "t5": 0.0, **seeded(11, _LR_PARAMS)},),
         note="W is 3x5, b has 5 entries, label[1] = 1 as in the source; W, b, input are ours "
              "(the source draws randn/rand)"),
    Case("tangent/bilinear", TANGENT_FILE + "bilinear",
         network_spec(["input x1 x2 h1 h2", "param " + " ".join(_BI_PARAMS)], _BI_LINES,
                      " + ".join(_BI_OUT)),
         ({"x1": [0.3, -1.2], "x2": [0.9, 0.4], "h1": [-0.5, 0.1], "h2": [1.1, -0.7],
           **seeded(12, _BI_PARAMS)},),
         note="y = tanh(x.W + h.U + b), loss = sum(y); W, U as one 4x2 matrix; values are ours"),
]

# -- JAX: tests/nn_test.py, tests/lax_autodiff_test.py --------------------------------------------
NN_TEST = "jax-ml/jax, tests/nn_test.py, "
LAX_AD = "jax-ml/jax, tests/lax_autodiff_test.py, "
_SOFTMAX_X = {"x1": 5.5, "x2": 1.3, "x3": -4.2, "x4": 0.9}  # testSoftmaxGrad's x
_EXPS = " + ".join(f"exp(x{i})" for i in range(1, 5))
JAX = [
    Case("jax/softplus-grad", NN_TEST + "testSoftplusGrad, testSoftplusGradZero, "
         "testSoftplusValue, testSoftplusZero",
         spec("param x\nloss = log(1 + exp(x))   # nn.softplus written out"),
         ({"x": 1e-8}, {"x": 0.0}, {"x": 89.0}),
         known=lambda v: {0.0: {"loss": math.log(2), "x": 0.5},
                          89.0: {"loss": 89.0}}.get(v["x"], {}),
         known_tol=(1e-12, 0)),
    Case("jax/squareplus-grad", NN_TEST + "testSquareplusGrad, testSquareplusGradZero, "
         "testSquareplusZero",
         spec("param x\nloss = (x + sqrt(x^2 + 4))/2   # nn.squareplus, b = 4"),
         ({"x": 1e-8}, {"x": 0.0}), known=lambda v: {"loss": 1.0} if v["x"] == 0 else {}),
    Case("jax/mish-grad", NN_TEST + "testMishGrad, testMishGradZero, testMishZero",
         spec("param x\nloss = x*tanh(log(1 + exp(x)))   # nn.mish written out"),
         ({"x": 1e-8}, {"x": 0.0}), known=lambda v: {"loss": 0.0} if v["x"] == 0 else {}),
    Case("jax/mish-value", NN_TEST + "testMishValue", spec("param x\nloss = x*tanh(softplus(x))"),
         ({"x": 1e3},), known=lambda v: {"loss": 1e3, "x": 1.0}, known_tol=(1e-12, 0)),
    Case("jax/mish-value-written-out", NN_TEST + "testMishValue (mish(1e3) == 1e3), softplus "
         "written as log(1 + exp(x))", spec("param x\nloss = x*tanh(log(1 + exp(x)))"),
         ({"x": 1e3},), known=lambda v: {"loss": 1e3, "x": 1.0}, known_tol=(1e-12, 0),
         note="exp(1000) overflows: a stable form must be used (issue 11, point 3)"),
    Case("jax/softplus-grad-large", NN_TEST + "testSoftplusGradInf (grad softplus(inf) == 1), "
         "softplus written as log(1 + exp(x))", spec("param x\nloss = log(1 + exp(x))"),
         ({"x": 1e3}, {"x": -1e3}),
         known=lambda v: {"loss": max(v["x"], 0.0), "x": float(v["x"] > 0)},
         known_tol=(1e-12, 0), note="x = +-1000 stand for +-inf; exp(1000) overflows"),
    Case("jax/log1mexp-grad", NN_TEST + "testLog1mExp, testLog1mExpGrad",
         spec("param x\nloss = log(1 - exp(-x))   # nn.log1mexp written out"),
         ({"x": 1e-2}, {"x": 1e-1}, {"x": 1.0}, {"x": 10.0}, {"x": 1.1}),
         known=lambda v: {"loss": -0.45867515} if v["x"] == 1 else {}, known_tol=(0, 5e-9)),
    Case("jax/gelu-tanh",
         NN_TEST + "testGelu (approximate=True; formula from jax/_src/nn/functions.py)",
         spec("""
            param x
            loss = 0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3)))
         """), ({"x": -12.0}, {"x": -1.0}, {"x": 0.5}, {"x": 5.0}),
         note="points from the test's linspace(-12, 5)"),
    Case("jax/custom-jvp-leak",
         NN_TEST + "testCustomJVPLeak (scan of hx = sigmoid(hx + a), length 2)",
         spec("""
            param a
            input h0
            h1 = sigmoid(h0 + a)
            loss = sigmoid(h1 + a)
         """), ({"a": 1.0, "h0": 0.0},), note="the source's a = 1, hx = 0"),
    Case("jax/custom-jvp-leak2", NN_TEST + "testCustomJVPLeak2 (sigmoid as 1/(1 + exp(-x)))",
         spec("""
            param a
            input h0
            h1 = 1/(1 + exp(-(h0 + a)))
            loss = 1/(1 + exp(-(h1 + a)))
         """), ({"a": 1.0, "h0": 0.0},), note="the source's a = 1, hx = 0"),
    Case("jax/softmax-grad", NN_TEST + "testSoftmaxGrad (first output)",
         spec(f"param x1 x2 x3 x4\nloss = exp(x1)/({_EXPS})   # nn.softmax(x)[0] written out"),
         (_SOFTMAX_X,), note="the source's x = [5.5, 1.3, -4.2, 0.9]"),
    Case("jax/softmax-large-logits", NN_TEST + "testSoftmaxWhereGrad (regression test for "
         "jax#19490: x = [36., 10000.]), without the mask, softmax written out",
         spec("param x1 x2\nloss = exp(x1)/(exp(x1) + exp(x2))"), ({"x1": 36.0, "x2": 10000.0},),
         known=lambda v: {"loss": 0.0, "x1": 0.0, "x2": 0.0}, known_tol=(0, 0),
         note="the source's x; exp(10000) overflows: e^(36 - 10000) underflows to exactly 0"),
    Case("jax/log-softmax", NN_TEST + "testSoftmaxWhereMask (fn = log_softmax, first output)",
         spec("param x1 x2 x3 x4\nloss = x1 - logsumexp(x1, x2, x3, x4)"), (_SOFTMAX_X,),
         note="the source's x = [5.5, 1.3, -4.2, 0.9]"),
    Case("jax/logsumexp", NN_TEST + "testSoftmaxGrad's x through logsumexp",
         spec("param x1 x2 x3 x4\nloss = logsumexp(x1, x2, x3, x4)"), (_SOFTMAX_X,),
         note="d/dx logsumexp = softmax(x)"),
    Case("jax/log-mean-exp", NN_TEST + "testLogMeanExp (reference: log(mean(exp(x))))",
         spec("param x1 x2 x3 x4 x5\n"
              "loss = log((exp(x1) + exp(x2) + exp(x3) + exp(x4) + exp(x5))/5)"),
         ({"x1": 0.0976, "x2": 0.4304, "x3": 0.2055, "x4": 0.0898, "x5": -0.1527},),
         note="source: rand(5)*2 - 1; point is ours"),
    Case("jax/stop-gradient-f2", LAX_AD + "testStopGradient (f2)",
         spec("param x y\nloss = sin(x)*cos(y)"), ({"x": 3.14, "y": 3.14},),
         known=lambda v: {"x": math.cos(v["x"]) * math.cos(v["y"]),
                          "y": -math.sin(v["x"]) * math.sin(v["y"])}),
    Case("jax/reciprocal", LAX_AD + "testHigherOrderGradientOfReciprocal (1/x, first order)",
         spec("param x\nloss = 1/x   # intentionally 1/x, as in the source"), ({"x": 4.0},),
         known=lambda v: {"x": -0.0625}),
    Case("jax/pow-shape-mismatch", LAX_AD + "testPowShapeMismatch (x = iota(4), y = 2)",
         spec("param x\ninput y\nloss = x^y"),
         ({"x": 1.0, "y": 2.0}, {"x": 2.0, "y": 2.0}, {"x": 3.0, "y": 2.0}),
         known=lambda v: {"x": 2 * v["x"]},
         note="expected: diag(y * x**(y - 1)); x = 0 is in test_peer_suite's singular points"),
]

# -- PyTorch: test/test_autograd.py ---------------------------------------------------------------
PYTORCH_CASES = [
    Case("pytorch/pow-scalar-base", "pytorch/pytorch, test/test_autograd.py, test_pow_scalar_base "
         "(gradcheck of torch.pow(2, a), a = arange(1, 13))", spec("param a\nloss = 2^a"),
         tuple({"a": float(a)} for a in (1, 2, 7, 12)),
         known=lambda v: {"loss": 2 ** v["a"], "a": math.log(2) * 2 ** v["a"]},
         known_tol=(1e-14, 0),
         note="four of the source's twelve points"),
]

# -- SymPy: sympy/core/tests/test_diff.py and sympy/functions tests (sympy 1.14) ------------------
SYMPY_DIFF = "sympy/sympy, sympy/core/tests/test_diff.py, "
SYMPY = [
    Case("sympy/diff-ab-b5", SYMPY_DIFF + "test_diff (e = a*b + b**5)",
         spec("param a b\nloss = a*b + b^5"), ({"a": 0.7, "b": -1.3},),
         known=lambda v: {"a": v["b"], "b": v["a"] + 5 * v["b"] ** 4}),
    Case("sympy/diff-a-bc", SYMPY_DIFF + "test_diff (e = a*(b + c))",
         spec("param a b c\nloss = a*(b + c)"), ({"a": 1.5, "b": -0.25, "c": 2.0},),
         known=lambda v: {"a": v["b"] + v["c"], "b": v["a"], "c": v["a"]}),
    Case("sympy/diff-abc", SYMPY_DIFF + "test_diff (e = a*b*c)",
         spec("param a b c\nloss = a*b*c"), ({"a": 1.5, "b": -0.25, "c": 2.0},),
         known=lambda v: {"a": v["b"] * v["c"], "b": v["a"] * v["c"], "c": v["a"] * v["b"]}),
    Case("sympy/diff2-cos-sin", SYMPY_DIFF + "test_diff2 (e.diff(x).expand() == x**3*cos(x))",
         spec("param x\nloss = 3*(-2 + x^2)*cos(x) + x*(-6 + x^2)*sin(x)"),
         ({"x": 0.8}, {"x": -2.5}), known=lambda v: {"x": v["x"] ** 3 * math.cos(v["x"])},
         known_tol=(1e-12, 1e-14)),
    Case("sympy/diff2-x-x1-cubed", SYMPY_DIFF + "test_diff2 (e = x*(x + 1)**3)",
         spec("param x\nloss = x*(x + 1)^3"), ({"x": 0.8},),
         known=lambda v: {"x": (v["x"] + 1) ** 3 + 3 * v["x"] * (v["x"] + 1) ** 2}),
    Case("sympy/diff2-exp-x2", SYMPY_DIFF + "test_diff2 (e = 2*exp(x*x)*x)",
         spec("param x\nloss = 2*exp(x*x)*x"), ({"x": 0.8}, {"x": -1.7}),
         known=lambda v: {"x": (2 + 4 * v["x"] ** 2) * math.exp(v["x"] ** 2)}),
    Case("sympy/diff3-sin-b5", SYMPY_DIFF + "test_diff3 (e = a*b + sin(b**5))",
         spec("param a b\nloss = a*b + sin(b^5)"), ({"a": 0.7, "b": 1.1},),
         known=lambda v: {"a": v["b"], "b": v["a"] + 5 * v["b"] ** 4 * math.cos(v["b"] ** 5)}),
    Case("sympy/diff3-c-log-c", SYMPY_DIFF + "test_diff3 (e = c*log(c) - c; e.diff(c) == log(c))",
         spec("param c\nloss = c*log(c) - c"), ({"c": 2.5}, {"c": 0.3}),
         known=lambda v: {"c": math.log(v["c"])}, known_tol=(1e-12, 1e-15)),
    Case("sympy/diff3-log-sin", SYMPY_DIFF + "test_diff3 (e = log(sin(c)); e.diff(c) == cot(c))",
         spec("param c\nloss = log(sin(c))"), ({"c": 1.2},),
         known=lambda v: {"c": math.cos(v["c"]) / math.sin(v["c"])}),
    Case("sympy/diff3-2-to-a", SYMPY_DIFF + "test_diff3 (e = 2**a/log(2); e.diff(a) == 2**a)",
         spec("param a\nloss = 2^a/log(2)"), ({"a": 1.5}, {"a": -3.0}),
         known=lambda v: {"a": 2 ** v["a"]}),
    Case("sympy/nth-derivative-product", SYMPY_DIFF + "test_diff_nth_derivative "
         "(exprm2 = 2*y*x*sin(x)*cos(x)*log(x)*exp(x))",
         spec("param x y\nloss = 2*y*x*sin(x)*cos(x)*log(x)*exp(x)"), ({"x": 1.3, "y": -0.6},)),
    Case("sympy/cos-sin-gradient", SYMPY_DIFF + "test_diff_nth_derivative "
         "((cos(x)*sin(y)).diff([[x, y, z]]))",
         spec("param x y\nloss = cos(x)*sin(y)"), ({"x": 0.4, "y": -1.1},),
         known=lambda v: {"x": -math.sin(v["x"]) * math.sin(v["y"]),
                          "y": math.cos(v["x"]) * math.cos(v["y"])}),
    Case("sympy/tanh-rewrite-exp",
         "sympy/sympy, sympy/functions/elementary/tests/test_hyperbolic.py, test_tanh_rewrite "
         "(tanh(x).rewrite(exp)) and test_derivs (tanh(x).diff(x) == 1 - tanh(x)**2)",
         spec("param x\nloss = (exp(x) - exp(-x))/(exp(x) + exp(-x))"),
         ({"x": 0.6}, {"x": -3.0}, {"x": 1000.0}, {"x": -1000.0}),
         known=lambda v: {"x": 1 - math.tanh(v["x"]) ** 2}, known_tol=(1e-12, 1e-15),
         note="points are ours; at +-1000 exp(x) overflows"),
    Case("sympy/abs-diff-sign",
         "sympy/sympy, sympy/functions/elementary/tests/test_complexes.py, test_Abs "
         "(Abs(x).diff(x) == sign(x) for real x)",
         spec("param x\nloss = abs(x)"), ({"x": -0.8}, {"x": 2.0}),
         known=lambda v: {"x": math.copysign(1, v["x"])}),
]

# -- CasADi: test/python/hock_schittkowski/hsNNN.py (objective at the problem's x0) ----------------
HS = "casadi/casadi, test/python/hock_schittkowski/"
CASADI = [
    Case("casadi/hs001", HS + "hs001.py, hs001 (Rosenbrock)",
         spec("param x1 x2\nloss = 100*(x2 - x1^2)^2 + (1 - x1)^2"),
         ({"x1": -2.0, "x2": 1.0}, {"x1": 1.0, "x2": 1.0}),
         known=lambda v: {"x1": -400 * v["x1"] * (v["x2"] - v["x1"] ** 2) - 2 * (1 - v["x1"]),
                          "x2": 200 * (v["x2"] - v["x1"] ** 2)},
         note="x0 = (-2, 1) and the optimum (1, 1)"),
    Case("casadi/hs004", HS + "hs004.py, hs004", spec("param x1 x2\nloss = (x1 + 1)^3/3 + x2"),
         ({"x1": 1.125, "x2": 0.125},), known=lambda v: {"x1": (v["x1"] + 1) ** 2, "x2": 1.0}),
    Case("casadi/hs005", HS + "hs005.py, hs005",
         spec("param x1 x2\nloss = sin(x1 + x2) + (x1 - x2)^2 - 1.5*x1 + 2.5*x2 + 1"),
         ({"x1": 0.0, "x2": 0.0}, {"x1": 0.5 - math.pi / 3, "x2": -0.5 - math.pi / 3}),
         note="x0 = (0, 0) and x_opt = (-pi/3 + 1/2, -pi/3 - 1/2)"),
    Case("casadi/hs007", HS + "hs007.py, hs007", spec("param x1 x2\nloss = log(1 + x1^2) - x2"),
         ({"x1": 2.0, "x2": 2.0},),
         known=lambda v: {"x1": 2 * v["x1"] / (1 + v["x1"] ** 2), "x2": -1.0}),
    Case("casadi/hs025", HS + "hs025.py, hs025 (sum over s = 1, ..., 99 as the batch)",
         spec("""
            input s
            param x1 x2 x3
            u = 25 + (-50*log(s/100))^(2/3)
            r = -s/100 + exp(-(u - x2)^x3/x1)
            loss = r^2
         """), ({"x1": 100.0, "x2": 12.5, "x3": 3.0, "s": [float(i) for i in range(1, 100)]},),
         note="x0 = (100, 12.5, 3); the module's loss is the batch mean, i.e. f/99"),
    Case("casadi/hs038", HS + "hs038.py, hs038 (Wood)",
         spec("""
            param x1 x2 x3 x4
            loss = 100*(x2 - x1^2)^2 + (1 - x1)^2 + 90*(x4 - x3^2)^2 + (1 - x3)^2 + 10.1*((x2 - 1)^2 + (x4 - 1)^2) + 19.8*(x2 - 1)*(x4 - 1)
         """), ({"x1": -3.0, "x2": -1.0, "x3": -3.0, "x4": -1.0},)),
    Case("casadi/hs045", HS + "hs045.py, hs045",
         spec("param x1 x2 x3 x4 x5\nloss = 2 - x1*x2*x3*x4*x5/120"),
         ({"x1": 0.0, "x2": 0.0, "x3": 0.0, "x4": 0.0, "x5": 0.0},
          {"x1": 1.0, "x2": 2.0, "x3": 3.0, "x4": 4.0, "x5": 5.0}),
         note="x0 = 0 and x_opt = (1, ..., 5), f_opt = 1",
         known=lambda v: {"loss": 2 - math.prod(v.values()) / 120}),
    Case("casadi/hs059", HS + "hs059.py, hs059",
         spec("""
            param x1 x2
            loss = -75.196 + 3.8112*x1 - 0.12694*x1^2 + 0.0020567*x1^3 - 1.0345e-5*x1^4 + 6.8306*x2 - 0.030234*x1*x2 + 1.28134e-3*x2*x1^2 + 2.266e-7*x1^4*x2 - 0.25645*x2^2 + 0.0034604*x2^3 - 1.3514e-5*x2^4 + 28.106/(x2 + 1) + 5.2375e-6*x1^2*x2^2 + 6.3e-8*x1^3*x2^2 - 7e-10*x1^3*x2^3 - 3.405e-4*x1*x2^2 + 1.6638e-6*x1*x2^3 + 2.8673*exp(0.0005*x1*x2) - 3.5256e-5*x1^3*x2
         """), ({"x1": 90.0, "x2": 10.0}, {"x1": 13.5501, "x2": 51.66}),
         note="x0 = (90, 10) and x_opt"),
    Case("casadi/hs071", HS + "hs071.py, hs071",
         spec("param x1 x2 x3 x4\nloss = x1*x4*(x1 + x2 + x3) + x3"),
         ({"x1": 1.0, "x2": 5.0, "x3": 5.0, "x4": 1.0},),
         known=lambda v: {"x1": v["x1"] * v["x4"] + v["x4"] * (v["x1"] + v["x2"] + v["x3"]),
                          "x2": v["x1"] * v["x4"], "x3": v["x1"] * v["x4"] + 1,
                          "x4": v["x1"] * (v["x1"] + v["x2"] + v["x3"])},
         note="x0 = (1, 5, 5, 1) (x0[0] is left at 0 in the file, its bound is 1)"),
    Case("casadi/hs076", HS + "hs076.py, hs076",
         spec("""
            param x1 x2 x3 x4
            loss = x1^2 + 0.5*x2^2 + x3^2 + 0.5*x4^2 - x1*x3 + x3*x4 - x1 - 3*x2 + x3 - x4
         """), ({"x1": 0.5, "x2": 0.5, "x3": 0.5, "x4": 0.5},)),
    Case("casadi/hs080", HS + "hs080.py, hs080",
         spec("param x1 x2 x3 x4 x5\nloss = exp(x1*x2*x3*x4*x5)"),
         ({"x1": -2.0, "x2": 2.0, "x3": 2.0, "x4": -1.0, "x5": -1.0},
          {"x1": -1.71714, "x2": 1.59571, "x3": 1.82725, "x4": -0.763643, "x5": -0.763643}),
         note="x0 = xi = (-2, 2, 2, -1, -1) and x_opt"),
    Case("casadi/hs093", HS + "hs093.py, hs093",
         spec("""
            param x1 x2 x3 x4 x5 x6
            loss = 0.0204*x1*x4*(x1 + x2 + x3) + 0.0187*x2*x3*(x1 + 1.57*x2 + x4) + 0.0607*x1*x4*x5^2*(x1 + x2 + x3) + 0.0437*x2*x3*x6^2*(x1 + 1.57*x2 + x4)
         """), ({"x1": 5.54, "x2": 4.4, "x3": 12.02, "x4": 11.82, "x5": 0.702, "x6": 0.852},)),
]

# -- TensorFlow and optax: cross-entropy losses written out ----------------------------------------
XENT = "tensorflow/tensorflow, tensorflow/python/kernel_tests/nn_ops/xent_op_test_base.py, "
OPTAX = "google-deepmind/optax, optax/losses/_classification_test.py, "


def softmax_lines(n: int) -> list:
    """e_i = exp(z_i), s = sum, p_i = e_i/s: softmax written out as people write it."""
    return ([f"e{i} = exp(z{i})" for i in range(1, n + 1)]
            + ["s = " + " + ".join(f"e{i}" for i in range(1, n + 1))]
            + [f"p{i} = e{i}/s" for i in range(1, n + 1)])


def cross_entropy(n: int) -> str:
    return "-(" + " + ".join(f"t{i}*log(p{i})" for i in range(1, n + 1)) + ")"


def logits_point(logits, labels) -> dict:
    point = {f"z{i}": float(z) for i, z in enumerate(logits, 1)}
    point.update({f"t{i}": float(t) for i, t in enumerate(labels, 1)})
    return point


def softmax_minus_labels(v: dict, n: int) -> dict:
    """TF's own reference gradient (_npXent: bp = probs - labels, labels summing to 1)."""
    e = [math.exp(v[f"z{i}"]) for i in range(1, n + 1)]
    return {f"z{i}": e[i - 1] / sum(e) - v[f"t{i}"] for i in range(1, n + 1)}


_XENT_POINTS = tuple(logits_point(z, t) for z, t in (
    ([1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 1.0]), ([1.0, 2.0, 3.0, 4.0], [0.0, 0.5, 0.5, 0.0]),
    ([0.1, 0.2, 0.3, 0.4], [0.0, 0.0, 1.0, 0.0]), ([0.1, 0.4, 0.9, 1.6], [1.0, 0.0, 0.0, 0.0]),
    ([0.1, 0.8, 2.7, 6.4], [0.0, 0.5, 0.0, 0.5])))
_XENT_DECLARATIONS = ["param z1 z2 z3 z4", "target t1 t2 t3 t4"]
_POLY_LOGITS = [0.14, 1.456, 2.356, -0.124, -2.47]
_POLY_LABELS = [0.1, 0.15, 0.2, 0.25, 0.3]
_POLY_EXPECTED = {2: 4.5317, 1: 3.7153, -1: 2.0827, 0: 2.8990, -0.5: 2.4908}
_BCE_POINTS = tuple({"w": 1.0, "p": p, "t": t} for p, t in (
    ([-1e9, -1e-9], [1.0, 0.0]), ([1e9, 1e-9], [1.0, 0.0]), ([-1e9, 1e-9], [0.0, 1.0]),
    ([0.0, 0.0], [1.0, 0.0])))
_BCE_EXPECTED = {(-1e9, 1.0): 5e8, (1e9, 1.0): 0.3465736, (-1e9, 0.0): 0.3465736,
                 (0.0, 1.0): 0.6931472}


def bce_expected(v: dict) -> dict:
    """The source's expected mean loss and the textbook gradient mean((sigmoid(w*p) - t)*p)."""
    def sigmoid(z):
        return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    grads = [(sigmoid(v["w"] * p) - t) * p for p, t in zip(v["p"], v["t"])]
    return {"loss": _BCE_EXPECTED[(v["p"][0], v["t"][0])], "w": sum(grads) / len(grads)}


_KL_LOG_PS = [-2.9957, -3.5066, -3.9120, -1.2040, -0.6931, -2.3026]
_KL_QS = [0.2, 0.2, 0.2, 0.1, 0.15, 0.15]
CROSS_ENTROPY = [
    Case("tf/xent-written-out", XENT + "testNpXent and testGradient (logits and labels of both)",
         network_spec(_XENT_DECLARATIONS, softmax_lines(4), cross_entropy(4)), _XENT_POINTS,
         known=lambda v: softmax_minus_labels(v, 4), known_tol=(1e-12, 1e-15),
         note="the source states the gradient probs - labels and the losses 1.3862, 1.9401"),
    Case("tf/xent-logsumexp", XENT + "testNpXent and testGradient, cross-entropy through "
         "logsumexp (log-softmax)", network_spec(
             _XENT_DECLARATIONS, [],
             "(t1 + t2 + t3 + t4)*logsumexp(z1, z2, z3, z4) - (t1*z1 + t2*z2 + t3*z3 + t4*z4)"),
         _XENT_POINTS, known=lambda v: softmax_minus_labels(v, 4), known_tol=(1e-12, 1e-15)),
    Case("optax/poly1-cross-entropy", OPTAX + "PolyLossTest.test_scalar (poly_loss_cross_entropy "
         "= softmax_cross_entropy + epsilon*(1 - pt), optax/losses/_classification.py)",
         network_spec(["param z1 z2 z3 z4 z5", "target t1 t2 t3 t4 t5", "input eps"],
                      softmax_lines(5) + ["pt = " + " + ".join(f"t{i}*p{i}" for i in range(1, 6))],
                      cross_entropy(5) + " + eps*(1 - pt)"),
         tuple(dict(logits_point(_POLY_LOGITS, _POLY_LABELS), eps=float(e))
               for e in _POLY_EXPECTED),
         known=lambda v: {"loss": _POLY_EXPECTED[v["eps"]]}, known_tol=(0, 1e-4),
         note="the source's logits, labels and epsilons; expected values with its atol 1e-4"),
    Case("optax/sigmoid-bce-written-out",
         OPTAX + "SigmoidCrossEntropyTest.test_sigmoid_cross_entropy "
         "(mean over preds), sigmoid written as 1/(1 + exp(-z))",
         spec("""
            param w
            input p
            target t
            z = w*p
            y = 1/(1 + exp(-z))
            loss = -(t*log(y) + (1 - t)*log(1 - y))
         """), _BCE_POINTS, known=bce_expected, known_tol=(1e-6, 1e-6), sympy_reference=False,
         note="logits = w*preds with w = 1; the source's preds, labels, expected means and "
         "tolerances; preds of 1e9 overflow exp(-z). No 30-digit reference: 1 - sigmoid(1e9) "
         "needs 4e8 digits; the gradient is checked against mean((sigmoid(z) - t)*p)"),
    Case("optax/sigmoid-bce-builtin", OPTAX + "SigmoidCrossEntropyTest.test_sigmoid_cross_entropy "
         "(mean over preds), with sigmoid()",
         spec("""
            param w
            input p
            target t
            y = sigmoid(w*p)
            loss = -(t*log(y) + (1 - t)*log(1 - y))
         """), _BCE_POINTS, known=bce_expected, known_tol=(1e-6, 1e-6), sympy_reference=False,
         note="logits = w*preds with w = 1; as above"),
    Case("optax/kl-divergence",
         OPTAX + "KLDivergenceTest.test_scalar (kl_divergence(log_ps[0], qs[0]))",
         network_spec(["param " + " ".join(f"lp{i}" for i in range(1, 7)),
                       "target " + " ".join(f"q{i}" for i in range(1, 7))], [],
                      " + ".join(f"q{i}*(log(q{i}) - lp{i})" for i in range(1, 7))),
         ({**{f"lp{i}": v for i, v in enumerate(_KL_LOG_PS, 1)},
           **{f"q{i}": v for i, v in enumerate(_KL_QS, 1)}},),
         known=lambda v: {"loss": 0.8875577, **{f"lp{i}": -v[f"q{i}"] for i in range(1, 7)}},
         known_tol=(0, 1e-4),
         note="the source's log_ps[0], qs[0] and expected 0.8875577 (atol 1e-4)"),
]

# -- SymbolicNeuralNetworks.jl / AbstractNeuralNetworks.jl ----------------------------------------
SNN = "JuliaGNI/SymbolicNeuralNetworks.jl, "
_S1, _S1_OUT, _S1_P = dense(["x1", "x2", "x3"], "1", 2, "tanh({})")
_S2, _S2_OUT, _S2_P = dense(_S1_OUT, "2", 1, "tanh({})")
_F1, _F1_OUT, _F1_P = dense(["x1", "x2", "x3"], "1", 2, "tanh({})")
_A1, _A1_OUT, _A1_P = dense(["x1", "x2"], "1", 2, "{}")
_A2, _A2_OUT, _A2_P = dense(_A1_OUT, "2", 2, "{}")
_SNN_BATCH3 = {"x1": [0.5212, 0.9066, 0.1404], "x2": [0.0357, 0.6232, 0.7458],
               "x3": [0.8835, 0.0123, 0.3381]}
JULIA = [
    Case("snn/symbolic-gradient-3-2-1-tanh", SNN + "test/derivatives/symbolic_gradient.jl, "
         "test_symbolic_gradient (Chain(Dense(3, 2, tanh), Dense(2, 1, tanh)), "
         "loss norm(output)^2)",
         network_spec(["input x1 x2 x3", "param " + " ".join(_S1_P + _S2_P)], _S1 + _S2,
                      f"{_S2_OUT[0]}^2"),
         ({**_SNN_BATCH3, **seeded(21, _S1_P + _S2_P)},),
         note="a batch of 3 (second_dim = 3) as in the source; values are ours (rand)"),
    Case("snn/pullback-feedforward-loss", SNN + "test/derivatives/pullback.jl, "
         "'a batch gives the gradient of the summed per-sample loss' (Dense(3, 2, tanh), "
         "FeedForwardLoss)",
         network_spec(["input x1 x2 x3", "target t1 t2", "param " + " ".join(_F1_P)], _F1,
                      "sqrt((a1_1 - t1)^2 + (a1_2 - t2)^2)/sqrt(t1^2 + t2^2)"),
         ({"x1": [0.1, 0.7, 0.3, 0.9], "x2": [0.5, 0.2, 0.8, 0.4], "x3": [0.6, 0.3, 0.1, 0.7],
           "t1": [0.25, 0.8, 0.6, 0.1], "t2": [0.9, 0.35, 0.2, 0.55], **seeded(22, _F1_P)},),
         note="FeedForwardLoss = norm(model(input) - output)/norm(output) "
              "(JuliaGNI/AbstractNeuralNetworks.jl, src/losses.jl); batch of 4, values ours"),
    Case("ann/feedforward-loss-docstring", "JuliaGNI/AbstractNeuralNetworks.jl, src/losses.jl, "
         "FeedForwardLoss docstring (jldoctest: Chain(Dense(2, 2), Dense(2, 2)))",
         network_spec(["input x1 x2", "target t1 t2", "param " + " ".join(_A1_P + _A2_P)],
                      _A1 + _A2, "sqrt((a2_1 - t1)^2 + (a2_2 - t2)^2)/sqrt(t1^2 + t2^2)"),
         ({"x1": 1.0, "x2": 2.0, "t1": 3.0, "t2": 4.0, **seeded(23, _A1_P + _A2_P)},),
         note="input_vec = [1, 2], output_vec = [3, 4] from the docstring; weights are ours"),
]

CASES = (MICROGRAD + AUTOGRAD + TANGENT + JAX + PYTORCH_CASES + SYMPY + CASADI + CROSS_ENTROPY
         + JULIA)

# -- Singular points: conventions of PyTorch and autograd, NumPy float semantics ------------------
# ``known`` is the whole expectation here (SymPy's diff is 0/0 or 0*log(0) at these points and
# central differences do not exist): {"loss": value, param: gradient}, compared exactly.
PYTORCH = "pytorch/pytorch, "
SINGULAR = [
    Case("singular/pow-0-0", PYTORCH + "issue #8940 'x**0 at x = 0', fixed by PR #8945 "
         "(pow_backward: exponent == 0 gives zeros); HIPS/autograd, tests/test_scalar_ops.py, "
         "test_power_arg0 (grad(power(x, 0.0))(0.0) == 0.0, autograd #116)",
         spec("param x y\nloss = x^y"), ({"x": 0.0, "y": 0.0},),
         known=lambda v: {"loss": 1.0, "x": 0.0, "y": 0.0}),
    Case("singular/pow-0-0-exponent-as-data", PYTORCH + "test/test_autograd.py, "
         "test_pow_zero_tensor_gradient (zeros.pow(zeros).sum() has gradient 0; added with PR "
         "#8945 for issue #8940: sum(x**0) at x = [0., 1.] gave x.grad [nan, 0])",
         spec("param x\ninput y\nloss = x^y"), ({"x": 0.0, "y": [0.0, 0.0]},),
         known=lambda v: {"loss": 1.0, "x": 0.0}),
    Case("singular/pow-dy-at-base-0", PYTORCH + "issue #27134 'Gradient for d/db a**b should be 0 "
         "at a=0 instead of NaN' (a = [0., 2.], b = 1: b.grad per sample [0, 1.386])",
         spec("input a\nparam b\nloss = a^b"), ({"a": [0.0, 2.0], "b": 1.0},),
         known=lambda v: {"loss": 1.0, "b": math.log(2)}),
    Case("singular/pow-dy-base-0-arg1",
         "HIPS/autograd, tests/test_scalar_ops.py, test_power_arg1_zero "
         "(power(0.0, y) for y = rand()**2; autograd's vjp uses log(replace_zero(x, 1.0)))",
         spec("input x\nparam y\nloss = x^y"), ({"x": 0.0, "y": 0.49},),
         known=lambda v: {"loss": 0.0, "y": 0.0}),
    Case("singular/pow-base-0-both-params", "jax-ml/jax, tests/lax_autodiff_test.py, "
         "testPowShapeMismatch (x = iota(4) starts at 0, y = 2: d/dx = y*x**(y - 1) = 0) and "
         "pytorch issue #27134 (d/dy = 0 at x = 0)",
         spec("param x y\nloss = x^y"), ({"x": 0.0, "y": 2.0},),
         known=lambda v: {"loss": 0.0, "x": 0.0, "y": 0.0}),
    Case("singular/relu-at-0",
         "jax-ml/jax, tests/nn_test.py, testReluGradAtZero (grad(relu)(0.) == 0.)",
         spec("param x\nloss = relu(x)"), ({"x": 0.0},), known=lambda v: {"loss": 0.0, "x": 0.0}),
    Case("singular/relu-node-at-0", "jax-ml/jax, tests/nn_test.py, testReluGradAtZero "
         "(through a node: z = w*u - 1 = 0)",
         spec("param w\ninput u\nz = w*u - 1\nloss = relu(z)"), ({"w": 1.0, "u": 1.0},),
         known=lambda v: {"loss": 0.0, "w": 0.0}),
    Case("singular/abs-at-0", "HIPS/autograd, tests/test_scalar_ops.py, test_abs "
         "(check_grads(fun, order=1)(0.0); the abs vjp uses replace_zero: 0 at 0)",
         spec("param x\nloss = 3.0*abs(x)"), ({"x": 0.0},),
         known=lambda v: {"loss": 0.0, "x": 0.0}),
    Case("singular/reciprocal-at-0", "google/tangent, tests/functions.py, test_binop_div2 (3.0/a) "
         "at a = 0: IEEE values, no ZeroDivisionError",
         spec("param a\nloss = 3.0/a"), ({"a": 0.0},),
         known=lambda v: {"loss": math.inf, "a": -math.inf}),
    Case("singular/log-at-0",
         "HIPS/autograd, tests/test_scalar_ops.py, test_log (3.0*log(x)) at the "
         "edge of its domain: IEEE values, no exception",
         spec("param x\nloss = 3.0*log(x)"), ({"x": 0.0},),
         known=lambda v: {"loss": -math.inf, "x": math.inf}),
    Case("singular/sqrt-at-0", "HIPS/autograd, tests/test_scalar_ops.py, test_sqrt (3.0*sqrt(x)) "
         "at 0: IEEE values, no exception",
         spec("param x\nloss = 3.0*sqrt(x)"), ({"x": 0.0},),
         known=lambda v: {"loss": 0.0, "x": math.inf}),
]


def through_a_node(case: Case) -> Case:
    """The same singular point with the power in a node and a linear loss 2*p: the power's own
    rule at the point, whatever the loss's derivative does with its own value."""
    formula = case.spec.rsplit("loss = ", 1)[1].strip()
    text = case.spec.rsplit("loss = ", 1)[0] + f"p = {formula}\nloss = 2*p\n"
    return replace(case, id=case.id + "-through-node", spec=text,
                   known=lambda v, known=case.known: {k: 2 * x for k, x in known(v).items()})


SINGULAR += [through_a_node(c) for c in SINGULAR if c.id.startswith("singular/pow")]
