"""Limits of generated scalar modules: very long chains, sums and products (Python's compiler
recurses once per operator of a flat chain), and overflow in parameter arithmetic (parameters
follow NumPy's rules: inf or nan, never an exception)."""
from __future__ import annotations

import ast
import py_compile

import numpy as np
import pytest
import sympy as sp

import codegen
from codegen.check import check_gradients
from codegen.printer import MAX_OPERANDS, NumPyCodePrinter
from codegen.scalar import join_terms
from deltaprop.cli import main
from symbolic.spec import load_spec_file

#: Deepest expression nesting we accept in generated code (Python 3.11's compiler gives up
#: somewhere between 2,000 and 3,000 nested operators).
DEPTH_BOUND = 2 * MAX_OPERANDS + 40


def deepest(source: str) -> int:
    """The deepest nesting of expression nodes in ``source`` (walked without recursion)."""
    depth, stack = 0, [(ast.parse(source), 0)]
    while stack:
        node, d = stack.pop()
        d += isinstance(node, ast.expr)
        depth = max(depth, d)
        stack.extend((child, d) for child in ast.iter_child_nodes(node))
    return depth


def evaluate(code: str, values: dict) -> float:
    """``code`` compiled as a function body (the way a module compiles it) and run."""
    namespace = {"np": np}
    exec(compile(f"def _f({', '.join(values)}):\n    return {code}\n", "<printed>", "exec"),
         namespace)
    return namespace["_f"](**values)


# -- printer: long sums, products and Max -------------------------------------------------------

N = 5000
SYMBOLS = sp.symbols(f"s0:{N}", real=True)
NAMES = {s: s.name for s in SYMBOLS}
VALUES = dict(zip(NAMES.values(), np.random.default_rng(1).uniform(0.9, 1.1, N)))


@pytest.mark.parametrize("make, expected", [
    (lambda s: sp.Add(*s), lambda v: sum(v)),
    (lambda s: sp.Mul(*s), lambda v: np.prod(v)),
    (lambda s: -3 * sp.Mul(*s), lambda v: -3 * np.prod(v)),
    (lambda s: sp.Rational(1, 3) * sp.Mul(*s), lambda v: np.prod(v) / 3),
    (lambda s: -sp.Mul(*s[:2500]) / sp.Mul(*s[2500:]), lambda v: -np.prod(v[:2500]) / np.prod(v[2500:])),
    (lambda s: sp.Add(*[(-1) ** i * k * x for i, (k, x) in enumerate(zip(range(1, N + 1), s))]),
     lambda v: sum((-1) ** i * (i + 1) * x for i, x in enumerate(v))),
    (lambda s: sp.Mul(*s[:3000]) * sp.Add(*s[3000:]), lambda v: np.prod(v[:3000]) * sum(v[3000:])),
    (lambda s: sp.Max(*s[:1000], evaluate=False), lambda v: max(v[:1000])),
    (lambda s: sp.Min(*s[:1000], evaluate=False), lambda v: min(v[:1000])),
], ids=["sum", "product", "negative-coefficient", "rational-coefficient", "quotient",
        "signed-sum", "product-of-sum", "max", "min"])
def test_long_expressions_compile_with_bounded_nesting(make, expected):
    expr = make(SYMBOLS)
    code = NumPyCodePrinter(NAMES).doprint(expr)
    assert code == NumPyCodePrinter(NAMES).doprint(expr)          # deterministic
    assert deepest(code) <= DEPTH_BOUND
    value = evaluate(code, VALUES)
    assert value == pytest.approx(expected(list(VALUES.values())), rel=1e-9)


def test_short_sums_and_products_print_flat_as_before():
    s = SYMBOLS[:MAX_OPERANDS]
    printer = NumPyCodePrinter(NAMES)
    total, product = printer.doprint(sp.Add(*s)), printer.doprint(sp.Mul(*s))
    assert "(" not in total and sorted(total.split(" + ")) == sorted(x.name for x in s)
    assert "(" not in product and sorted(product.split("*")) == sorted(x.name for x in s)
    assert printer.doprint(sp.Max(*s[:3])) == "np.maximum(s0, np.maximum(s1, s2))"


def test_long_batch_reductions_are_grouped():
    terms = [("-" if i % 3 == 0 else "+", f"s{i}") for i in range(N)]
    code = join_terms(terms)
    assert deepest(code) <= DEPTH_BOUND
    assert evaluate(code, VALUES) == pytest.approx(
        sum((-1 if i % 3 == 0 else 1) * v for i, v in enumerate(VALUES.values())), rel=1e-9)
    short = terms[:MAX_OPERANDS]
    assert "(" not in join_terms(short) and join_terms(short).startswith("-s0 + s1 + s2 - s3")


# -- whole modules: a 3,000-node chain and a 5,000-term sum -----------------------------------

def chain_spec(path, n: int) -> None:
    """h1 = w*x, h_i = h_(i-1) + a_i*h_(i-1)/1000: gradients_naive multiplies n factors
    (1 + a_i/1000), which neither vanish nor blow up, so the check has something to compare."""
    lines = ["input x " + " ".join(f"a{i}" for i in range(2, n + 1)), "target t", "param w",
             "h1 = w*x"]
    lines += [f"h{i} = h{i - 1} + a{i}*h{i - 1}/1000" for i in range(2, n + 1)]
    lines.append(f"loss = (h{n} - t)^2/2")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def sum_spec(path, n: int) -> None:
    lines = ["input " + " ".join(f"x{i}" for i in range(1, n + 1)), "target t",
             "param " + " ".join(f"w{i}" for i in range(1, n + 1)),
             "y = " + " + ".join(f"w{i}*x{i}" for i in range(1, n + 1)), "loss = (y - t)^2/2"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("write, n", [(chain_spec, 3000), (sum_spec, 4000)], ids=["chain", "sum"])
def test_huge_network_module_compiles_and_checks(tmp_path, capsys, monkeypatch, write, n):
    spec = tmp_path / f"big{n}.net"
    write(spec, n)
    out = tmp_path / "module.py"
    assert main(["generate", str(spec), "-o", str(out)]) == 0
    source = out.read_text(encoding="utf-8")
    py_compile.compile(str(out), cfile=str(tmp_path / "module.pyc"), doraise=True)
    assert deepest(source) <= DEPTH_BOUND
    module = codegen.load_module(source)
    result = check_gradients(module, load_spec_file(spec))
    assert result.ok and result.naive_error is not None, result.summary()
    # the command line, on the module generated above (not generated a second time)
    monkeypatch.setattr("deltaprop.commands.check.load_module", lambda network: module)
    capsys.readouterr()
    assert main(["check", str(spec)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.out.rstrip().endswith(": ok")


def test_a_module_that_does_not_compile_is_a_one_line_error():
    with pytest.raises(codegen.scalar.CodegenError, match="does not compile"):
        codegen.load_module("x = " + "*".join(["1.0"] * 10_000) + "\n")


# -- overflow: parameters follow NumPy's rules --------------------------------------------------

def spec_module(tmp_path, text: str):
    path = tmp_path / "net.net"
    path.write_text(text, encoding="utf-8")
    network = load_spec_file(path)
    return path, network, codegen.load_module(network)


HUGE_POWER = "input x\ntarget t\nparam w\ny = w^1000000000*x\nloss = (y - t)^2/2\n"


def test_huge_power_gives_inf_not_an_exception(tmp_path):
    _, _, module = spec_module(tmp_path, HUGE_POWER)
    data = {"x": np.array([0.5, -1.0]), "t": np.array([0.1, 0.2])}
    with np.errstate(all="ignore"):
        for fn in (module.gradients, module.gradients_naive):
            loss, grads = fn({"w": 2.0}, data)
            assert loss == np.inf and not np.isfinite(grads["w"])
        assert module.loss({"w": 2.0}, data) == np.inf
        assert module.forward({"w": 2.0}, data)["y"].tolist() == [np.inf, -np.inf]
        loss, grads = module.gradients({"w": float("nan")}, data)
        assert np.isnan(loss) and np.isnan(grads["w"])
    loss, grads = module.gradients({"w": 0.5}, data)               # underflow: exact zeros
    assert type(loss) is float and type(grads["w"]) is float and grads["w"] == 0.0


@pytest.mark.parametrize("text", [
    HUGE_POWER,
    # derivatives multiply the exponents: 10**450 does not fit a float (printed as np.inf)
    "input x\ntarget t\nparam w\na = w^(10^150)\nb = a^(10^150)\nc = b^(10^150)\ny = c*x\n"
    "loss = (y - t)^2/2\n",
    # 1/w of a parameter alone: Python floats would raise ZeroDivisionError at w = 0
    "input x\ntarget t\nparam w\na = 1/(w - w^2)\ny = sigmoid(a*x)\nloss = (y - t)^2/2\n",
], ids=["power", "huge-coefficient", "division"])
def test_check_ends_in_one_line_never_a_traceback(tmp_path, capsys, text):
    path, network, module = spec_module(tmp_path, text)
    with np.errstate(all="ignore"):
        module.gradients({"w": 1.0}, {"x": 1.0, "t": 0.5})
        module.gradients_naive({"w": 1.0}, {"x": 1.0, "t": 0.5})
        module.loss({"w": 1.0}, {"x": 1.0, "t": 0.5})
    capsys.readouterr()
    code = main(["check", str(path)])
    captured = capsys.readouterr()
    out = captured.out
    assert out.count("\n") == 1
    assert all(line.startswith("deltaprop: warning: ") for line in captured.err.splitlines())
    assert (code, out.rstrip().rsplit(": ", 1)[-1]) in [(0, "ok"), (1, "FAILED"), (1, "NOT VERIFIED")]
    if text == HUGE_POWER:
        assert code == 1 and out.rstrip().endswith("FAILED")
