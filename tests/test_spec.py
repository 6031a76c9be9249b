"""Spec files (.net): the format, the seed examples, and every kind of bad or hostile input."""
from __future__ import annotations

import contextlib
import io
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp

from deltaprop.cli import main
from symbolic import EXAMPLES, POINTS, builtin, derive
from symbolic.errors import DeltapropError, NetworkWarning
from symbolic.evaluate import point, run
from symbolic.spec import LIMITS, Limits, SpecError, load_spec_file, parse_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
HEAD = "input x\ntarget t\nparam w b\n"
LOCATED = re.compile(r"^case\.net:(\d+):(\d+): \S")


def gradients_at(network, values: dict) -> dict:
    """∂L/∂p by the δ program, evaluated in floats, keyed by parameter name."""
    derivation = derive(network)
    env = run(derivation.program, run(network.forward, point(network, values)))
    return {p.name: env[g] for p, g in derivation.gradient.items()}


# -- the format --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_files_match_the_builtin_seed_networks(name):
    parsed = load_spec_file(EXAMPLES_DIR / f"{name}.net")
    reference = builtin(name)
    assert parsed.name == name
    assert [s.name for s in parsed.params] == [s.name for s in reference.params]
    assert [s.name for s in parsed.inputs + parsed.targets] == \
        [s.name for s in reference.inputs + reference.targets]
    # the same derivation, printed, and the same numbers at the seeds' worked point
    assert [str(a) for a in derive(parsed).program] == \
        [str(a) for a in derive(reference).program]
    got, want = gradients_at(parsed, POINTS[name]), gradients_at(reference, POINTS[name])
    for p in want:
        assert got[p] == pytest.approx(want[p], rel=1e-12, abs=1e-15)


def test_every_builtin_seed_has_an_example_file():
    assert sorted(p.stem for p in EXAMPLES_DIR.glob("seed-*.net")) == sorted(EXAMPLES)


def test_seed_222_gradient_is_the_classic_number():
    # Mazur's worked example: ∂E/∂w5 = 0.082167041 (w5 is the first output-layer weight)
    grads = gradients_at(load_spec_file(EXAMPLES_DIR / "seed-222.net"), POINTS["seed-222"])
    assert grads["w5"] == pytest.approx(0.082167041, abs=1e-9)


def test_caret_and_double_star_are_both_powers_with_python_precedence():
    net = parse_spec(HEAD + "a = w^2*x + b**3 - 2^-1\nc = -w^2\nd = w^b^2\nloss = a + c + d",
                     "case.net")
    w, b, x = (net.symbol(n) for n in "wbx")
    rhs = net.written.as_dict()   # as written: the derived program stores exp, sqrt, tanh
    assert rhs[net.symbol("a")] == w**2 * x + b**3 - sp.Rational(1, 2)
    assert rhs[net.symbol("c")] == -w**2
    assert rhs[net.symbol("d")] == w**(b**2)


def test_declarations_comments_blank_lines_commas_and_crlf():
    text = ("# a comment\r\n\r\ninput x1, x2   # two inputs\r\n  param w1\r\nparam w2,w3\r\n"
            "target t\r\n\tz = w1*x1 + w2*x2 + w3  # indented\r\nloss = (z - t)^2\r\n")
    net = parse_spec(text.encode("utf-8"), "case.net")
    assert [s.name for s in net.inputs] == ["x1", "x2"]
    assert [s.name for s in net.params] == ["w1", "w2", "w3"]
    assert [a.lhs.name for a in net.equations] == ["z"]


def test_all_functions_are_built_into_sympy_objects():
    from symbolic.functions import relu, sigmoid, softplus, logsumexp
    body = ("a = exp(w) + log(1 + w^2) + sqrt(1 + b^2) + sin(w) + cos(b) + tanh(x)\n"
            "c = sigmoid(w) + relu(b) + softplus(w*x) + abs(b) + logsumexp(w, b)\n"
            "loss = a*c")
    net = parse_spec(HEAD + body, "case.net")
    w, b, x = (net.symbol(n) for n in "wbx")
    rhs = net.written.as_dict()   # as written: the derived program stores exp, sqrt, tanh
    assert rhs[net.symbol("a")] == (sp.exp(w) + sp.log(1 + w**2) + sp.sqrt(1 + b**2) + sp.sin(w)
                                    + sp.cos(b) + sp.tanh(x))
    assert rhs[net.symbol("c")] == sigmoid(w) + relu(b) + softplus(w * x) + sp.Abs(b) + \
        logsumexp(w, b)


def test_abs_differentiates_to_sign_because_spec_symbols_are_real():
    net = parse_spec(HEAD + "h = abs(w*x)\nloss = (h - t)^2 + b", "case.net")
    grads = gradients_at(net, {"x": -1.5, "t": 0.25, "w": 0.7, "b": 0.0})
    assert grads["w"] == pytest.approx(2 * (abs(0.7 * -1.5) - 0.25) * -1.5 * -1.0)


def test_name_defaults_to_file_stem_and_can_be_given():
    assert parse_spec(HEAD + "loss = w*x + b", "dir/my-net.net").name == "my-net"
    assert parse_spec(HEAD + "loss = w*x + b", "<stdin>").name == "spec"
    assert parse_spec(HEAD + "loss = w*x + b", name="given").name == "given"


def test_unreachable_parameter_warns_at_its_declaration():
    with pytest.warns(NetworkWarning, match=r"^case\.net:3:9: .*parameter b cannot reach the loss"):
        parse_spec(HEAD + "loss = (w*x - t)^2", "case.net")


# -- bad input: one located line, the source line, a caret -------------------------------------
BAD = [
    # (body after HEAD, line, col, message fragment)
    ("z = w*x +\nloss = z", 4, 10, "syntax error: invalid syntax"),
    ("z = exp(w\nloss = z", 4, 8, "'(' was never closed"),
    ("output y\nloss = w", 4, 1, "unknown directive 'output'"),
    ("param\nloss = w", 4, 1, "'param' declares no names"),
    ("z = foo(w)\nloss = z", 4, 5, "unknown function 'foo'"),
    ("z = w*xx\nloss = z", 4, 7, "unknown name 'xx'; did you mean 'x'?"),
    ("z = w\nz = b\nloss = z", 5, 1, "'z' is defined twice (first on line 4)"),
    ("param w\nloss = w", 4, 7, "'w' is declared twice as param (first on line 3)"),
    ("w = x\nloss = w", 4, 1, "'w' is already a param (line 3) and cannot also be a node"),
    ("input b\nloss = w", 4, 7, "'b' is already a param (line 3) and cannot also be an input"),
    ("z = w*h\nh = x\nloss = z", 4, 7, "'h' is used before it is defined (on line 5)"),
    ("z = w*z\nloss = z", 4, 7, "'z' is used before it is defined (on line 4)"),
    ("z = w*u\nparam u\nloss = z", 4, 7, "'u' is used before it is defined (on line 5)"),
    ("lambda = w\nloss = w", 4, 1, "'lambda' is a Python keyword and cannot be a name"),
    ("param class\nloss = w", 4, 7, "'class' is a Python keyword and cannot be a name"),
    ("input None\nloss = w", 4, 7, "'None' is a Python keyword"),
    ("__class__ = w\nloss = w", 4, 1, "dunder names"),
    ("param __x\nloss = w", 4, 7, "dunder names"),
    ("z = __import__(w)\nloss = z", 4, 5, "unknown function '__import__'"),
    ("z = w + __builtins__\nloss = z", 4, 9, "dunder names"),
    ("exp = w\nloss = exp", 4, 1, "'exp' is a function and cannot be a name"),
    ("z = exp\nloss = z", 4, 5, "'exp' is a function: call it as exp(...)"),
    ("input = w\nloss = w", 4, 1, "'input' is a directive and cannot be a name"),
    ("param loss\nloss = w", 4, 7, "'loss' is reserved for the line 'loss = EXPR'"),
    ("z = w\n", 4, 1, "no 'loss = EXPR' line"),
    ("", 3, 1, "no 'loss = EXPR' line"),
    ("loss = w\nloss = b", 5, 1, "loss is defined twice (first on line 4)"),
    ("loss = w\nz = loss", 5, 5, "the loss cannot be used in an expression"),
    ("loss = x*t", 4, 1, "the loss depends on no node and no parameter"),
    ("h = 2*x\nloss = (h - t)^2", 5, 1, "the loss depends on no parameter"),
    ("z = w.real\nloss = z", 4, 5, "attribute access is not allowed"),
    ("z = os.system(w)\nloss = z", 4, 5, "attribute access is not allowed"),
    ("w.x = 1\nloss = w", 4, 1, "the left side must be a single name: attribute access"),
    ("z = w[0]\nloss = z", 4, 5, "subscripts are not allowed"),
    ("z[0] = w\nloss = w", 4, 1, "subscripts are not allowed"),
    ("z = (lambda: w)\nloss = z", 4, 6, "lambda expressions are not allowed"),
    ("z = [w for w in x]\nloss = z", 4, 5, "comprehensions are not allowed"),
    ("z = sum(w for w in x)\nloss = z", 4, 5, "unknown function 'sum'"),
    ("z = exp(w for w in x)\nloss = z", 4, 8, "comprehensions are not allowed"),
    ("z = f'{w}'\nloss = z", 4, 5, "f-strings are not allowed"),
    ("z = 'abc'\nloss = z", 4, 5, "strings are not allowed"),
    ("z = 'abc\nloss = z", 4, 5, "strings are not allowed"),
    ("z = b'\\x00'\nloss = z", 4, 5, "strings are not allowed"),
    ("z = exp(x=w)\nloss = z", 4, 9, "keyword arguments are not allowed"),
    ("z = exp(*w)\nloss = z", 4, 9, "starred arguments are not allowed"),
    ("z = (q := w)\nloss = z", 4, 6, "walrus"),
    ("(q := w)\nloss = w", 4, 1, "walrus"),
    ("import os\nloss = w", 4, 1, "import statements are not allowed"),
    ("from os import system\nloss = w", 4, 1, "import statements are not allowed"),
    ("z = w; q = b\nloss = z", 4, 8, "one statement per line"),
    ("z = q = w\nloss = z", 4, 5, "chained assignment"),
    ("z = w\nz += 1\nloss = z", 5, 1, "augmented assignment is not allowed"),
    ("z: int = w\nloss = z", 4, 1, "annotations are not allowed"),
    ("for i in x: pass\nloss = w", 4, 1, "for statements are not allowed"),
    ("z = w < x\nloss = z", 4, 5, "comparisons are not allowed"),
    ("z = w and x\nloss = z", 4, 5, "'and' / 'or' are not allowed"),
    ("z = w if x else b\nloss = z", 4, 5, "conditional expressions are not allowed"),
    ("z = not w\nloss = z", 4, 5, "operator 'not' is not allowed"),
    ("z = ~w\nloss = z", 4, 5, "operator '~' is not allowed"),
    ("z = w % x\nloss = z", 4, 5, "operator '%' is not allowed"),
    ("z = w // x\nloss = z", 4, 5, "operator '//' is not allowed"),
    ("z = w @ x\nloss = z", 4, 5, "operator '@' is not allowed"),
    ("z = (w, x)\nloss = z", 4, 5, "tuples are not allowed"),
    ("z = {w: x}\nloss = z", 4, 5, "dicts are not allowed"),
    ("z = w*True\nloss = z", 4, 7, "True is not allowed"),
    ("z = w*2j\nloss = z", 4, 7, "complex numbers are not allowed"),
    ("z = w*...\nloss = z", 4, 7, "Ellipsis is not allowed"),
    ("z = w(x)\nloss = z", 4, 5, "'w' is a param, not a function"),
    ("z = exp(w, b)\nloss = z", 4, 5, "exp() takes 1 argument, got 2"),
    ("z = logsumexp()\nloss = z", 4, 5, "logsumexp() takes at least one argument"),
    ("z = w $ b\nloss = z", 4, 7, "unexpected character '$'"),
    ("z = w ? b\nloss = z", 4, 7, "unexpected character '?'"),
    ("z = w/0\nloss = z", 4, 7, "division by zero"),
    ("z = w*0^-1\nloss = z", 4, 7, "division by zero"),
    ("z = w*log(0)\nloss = z", 4, 7, "log() of this constant is not a finite real number"),
    ("z = w*sqrt(-1)\nloss = z", 4, 7, "sqrt() of this constant is not a finite real number"),
    ("z = w*1e400\nloss = z", 4, 7, "constant out of floating-point range"),
    ("z = w*exp(1000)\nloss = z", 4, 7, "exp() of this constant is not a finite real number"),
    ("z = w*exp(exp(exp(exp(10))))\nloss = z", 4, 15, "exp() of this constant is not a finite"),
    ("z = w*(-8)^(1/3)\nloss = z", 4, 7, "this power is not a finite real number"),
    ("z = w*1e300*1e300\nloss = z", 4, 5, "constant too large"),
    ("z = 9**9**9*w\nloss = z", 4, 5, "constant too large"),
    ("z = w * 9^9^9\nloss = z", 4, 9, "constant too large"),
    ("z = w * (2*x)^(10^9)\nloss = z", 4, 9, "constant too large"),
    ("z = w * " + "9" * 400 + "\nloss = z", 4, 9, "constant too large"),
    ("z = w * " + "9" * 5000 + "\nloss = z", 4, 1, "syntax error: Exceeds the limit"),
    ("z = " + " + ".join(f"w/{i}" for i in range(1, 400)) + "\nloss = z", 4, 5,
     "constant too large"),
    ("z = w\x1b[31m\nloss = z", 4, 6, "control character U+001B is not allowed"),
    ("z = w\u202e + b\nloss = z", 4, 6, "control character U+202E is not allowed"),
    ("z = w\x00\nloss = z", 4, 6, "control character U+0000 is not allowed"),
    ("\ufb01 = w\nloss = w", 4, 1, "not in Unicode normal form (NFKC)"),
    ("z = w + \ufb01\nloss = z", 4, 9, "not in Unicode normal form (NFKC)"),
    ("param x.1\nloss = w", 4, 7, "'x.1' is not a valid name"),
    ("param " + "a" * 101 + "\nloss = w", 4, 7, "name too long"),
]


@pytest.mark.parametrize("body, line, col, fragment", BAD, ids=[b[3][:40] for b in BAD])
def test_bad_input_is_located_and_explained(body, line, col, fragment):
    with pytest.raises(SpecError) as caught:
        parse_spec(HEAD + body, "case.net")
    err = caught.value
    first = str(err).split("\n")[0]
    assert LOCATED.match(first), first
    assert (err.line, err.col) == (line, col), first
    assert fragment in err.message
    # with the source line and a caret under the column (lines shown cut to their neighbourhood)
    if err.source is not None:
        _, shown, caret = str(err).split("\n")
        assert shown.startswith(f" {line} | ") and caret.lstrip(" |").startswith("^")
        if len(err.source) <= 100:  # shown whole, one character per character
            assert caret.index("^") - len(f" {line} | ") == col - 1


def test_error_message_shows_unprintable_characters_safely():
    with pytest.raises(SpecError) as caught:
        parse_spec(HEAD + "z = w\x1b]0;owned\x07 + b\nloss = z", "case.net")
    assert "\x1b" not in str(caught.value) and "\x07" not in str(caught.value)


def test_invalid_utf8_is_located_by_line_and_column():
    data = (HEAD + "z = w*x\nh = w \xff\nloss = z").encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    with pytest.raises(SpecError) as caught:
        parse_spec(data, "case.net")
    assert str(caught.value).startswith("case.net:5:7: invalid UTF-8 (byte 0xff)")


def test_bom_is_accepted():
    assert parse_spec(b"\xef\xbb\xbf" + (HEAD + "loss = w*x + b").encode(), "case.net")


# -- resource limits: fast, clean, bounded -----------------------------------------------------
def timed_error(text, limits: Limits = LIMITS) -> tuple[SpecError, float]:
    start = time.perf_counter()
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "case.net", limits=limits)
    return caught.value, time.perf_counter() - start


@pytest.mark.parametrize("body, fragment", [
    ("z = " + "(" * 5000 + "w" + ")" * 5000, "nested too deeply"),
    ("z = " + "exp(" * 3000 + "w" + ")" * 3000, "nested too deeply"),
    ("z = " + "-" * 50000 + "w", "nested too deeply"),
    ("z = " + "w**" * 20000 + "w", "nested too deeply"),
    ("z = " + "-" * 70 + "w", "nested too deeply"),
    ("z = " + "w+" * 60000 + "w", "line too long"),
    ("z = 9**9**9**9*w", "constant too large"),
])
def test_hostile_expressions_fail_fast(body, fragment):
    err, seconds = timed_error(HEAD + body + "\nloss = z")
    assert fragment in err.message
    assert seconds < 5


def test_file_size_is_bounded_before_anything_is_parsed():
    err, seconds = timed_error("z = " + "w+" * 1_500_000 + "w\n")
    assert (err.line, err.col) == (1, 1) and "file too large" in err.message
    assert seconds < 2


def test_limits_are_configurable():
    err, _ = timed_error(HEAD + "z = (((w)))\nloss = z", Limits(depth=2))
    assert "nested too deeply" in err.message


def test_long_flat_sums_and_products_are_fine():
    # flat sums build deep Python ASTs: they are parsed, and walked without recursion
    terms = " + ".join(f"w*x{i}" for i in range(3000))
    text = "input " + " ".join(f"x{i}" for i in range(3000)) + "\nparam w\nloss = " + terms
    net = parse_spec(text, "case.net")
    assert len(net.loss.args) == 3000
    net = parse_spec("param w\nloss = " + "*".join(["w"] * 5000), "case.net")
    assert net.loss == sp.Symbol("w", real=True) ** 5000


def test_load_spec_file_checks_the_path(tmp_path):
    with pytest.raises(DeltapropError, match="no such file"):
        load_spec_file(tmp_path / "missing.net")
    with pytest.raises(DeltapropError, match="not a regular file"):
        load_spec_file(tmp_path)


# -- through the command line ------------------------------------------------------------------
def run_main(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_accepts_net_files():
    code, out, err = run_main("info", str(EXAMPLES_DIR / "seed-121.net"))
    assert code == 0 and err == ""
    assert "network  seed-121" in out and "chain-rule paths (naive product terms): 4" in out


def test_cli_error_is_one_located_line_then_the_source(tmp_path):
    path = tmp_path / "bad.net"
    path.write_text(HEAD + "z = w*foo(x)\nloss = z\n")
    code, out, err = run_main("info", str(path))
    assert code == 2 and out == ""
    lines = err.rstrip("\n").split("\n")
    assert lines[0] == (f"deltaprop: error: {path}:4:7: unknown function 'foo' (functions: exp, "
                        "log, ln, sqrt, sin, cos, tanh, sigmoid, relu, softplus, abs, logsumexp)")
    assert lines[1:] == [" 4 | z = w*foo(x)", "   |       ^~~"]


def test_cli_build_writes_nothing_for_a_bad_file(tmp_path):
    path = tmp_path / "bad.net"
    path.write_text(HEAD + "z = w.__class__\nloss = z\n")
    out_dir = tmp_path / "out"
    code, _, err = run_main("build", str(path), "-o", str(out_dir))
    assert code == 2 and "attribute access is not allowed" in err
    assert not out_dir.exists()


@pytest.mark.parametrize("content", [
    (HEAD + "z = w*x\nh = w \xff\nloss = z").encode("latin-1"),
    (HEAD + "z = " + "(" * 100_000 + "w" + ")" * 100_000 + "\nloss = z").encode(),
    (HEAD + "z = 9**9**9**9*w\nloss = z").encode(),
    ("z = " + "w*" * 2_000_000 + "w\n").encode(),
    (HEAD + "z = __import__('os').system('echo owned')\nloss = z").encode(),
], ids=["utf8", "parens", "power", "megabytes", "import"])
def test_subprocess_fails_cleanly_and_quickly(tmp_path, content):
    path = tmp_path / "hostile.net"
    path.write_bytes(content)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "deltaprop", "build", str(path), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert time.perf_counter() - start < 30
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr and "owned" not in proc.stdout
    assert re.match(rf"deltaprop: error: {re.escape(str(path))}:\d+:\d+: \S", proc.stderr)
    assert not (tmp_path / "out").exists()


# -- writing specs -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(EXAMPLES) + [
    "mlp:2-3-2:relu:bce", "mlp:3-12-2:softplus:softmax-ce", "mlp:2-2-1:tanh:squared",
    "mlp:2-2-1:identity:squared"])
def test_format_spec_round_trips_builtin_networks(name):
    from symbolic.spec import format_spec

    network = builtin(name)
    back = parse_spec(format_spec(network), name=network.name)
    assert [str(a) for a in derive(back).program] == \
        [str(a) for a in derive(network).program]
    assert [s.name for s in back.symbols] == [s.name for s in network.symbols]


def test_format_spec_refuses_what_the_format_cannot_say():
    from symbolic import Network
    from symbolic.spec import format_spec

    x, w, lam = sp.symbols("x w lambda")
    with pytest.raises(DeltapropError, match="the constant GoldenRatio cannot be written"):
        format_spec(Network("p", [x], [], [w], [], sp.GoldenRatio * w * x))
    with pytest.raises(DeltapropError, match="Heaviside cannot be written"):
        format_spec(Network("h", [x], [], [w], [], sp.Heaviside(w * x) + w))
    with pytest.raises(DeltapropError, match="'lambda' is a Python keyword"):
        format_spec(Network("k", [x], [], [lam], [], lam * x))
    loss = sp.Symbol("loss")
    with pytest.raises(DeltapropError, match="'loss' is reserved"):
        format_spec(Network("l", [x], [], [w], [(loss, w * x)], loss))


def test_spec_command_writes_a_file_every_command_reads(tmp_path):
    path = tmp_path / "seed-222.net"
    code, out, _ = run_main("spec", "seed-222", "-o", str(path))
    assert code == 0 and path.exists()
    assert parse_spec(path.read_text(), str(path)).name == "seed-222"
    code, out, _ = run_main("info", str(path))
    assert code == 0 and "chain-rule paths (naive product terms): 18" in out


# -- the text never reaches an evaluator ---------------------------------------------------------
def test_spec_text_never_reaches_eval_exec_sympify_or_parse_expr(monkeypatch):
    import builtins
    import importlib

    sympify_module = importlib.import_module("sympy.core.sympify")  # the module, not the function
    sympy_parser = importlib.import_module("sympy.parsing.sympy_parser")

    real_eval, real_exec = builtins.eval, builtins.exec

    def refuse(*args, **kwargs):
        raise AssertionError(f"evaluator called with {args[:1]!r}")

    def no_source_text(real):  # imports exec compiled code objects: fine; text is not
        def guarded(source, *args, **kwargs):
            if isinstance(source, (str, bytes)):
                refuse(source)
            return real(source, *args, **kwargs)
        return guarded

    real_sympify = sympify_module.sympify

    def sympify_without_strings(a, *args, **kwargs):  # SymPy sympifies its own objects: fine
        if isinstance(a, str):
            refuse(a)
        return real_sympify(a, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", no_source_text(real_eval))
    monkeypatch.setattr(builtins, "exec", no_source_text(real_exec))
    monkeypatch.setattr(sympify_module, "sympify", sympify_without_strings)
    monkeypatch.setattr(sp, "sympify", sympify_without_strings)
    monkeypatch.setattr(sympy_parser, "parse_expr", refuse)
    monkeypatch.setattr(sp, "parse_expr", refuse)
    with pytest.raises(AssertionError):  # the guards work
        sp.sympify("w + 1")
    for path in sorted(EXAMPLES_DIR.glob("*.net")):
        load_spec_file(path)
    parse_spec(HEAD + "z = exp(w)^2 + log(1 + x**2)/3 - sqrt(abs(b) + 1)\nloss = (z - t)^2",
               "case.net")
    for body, *_ in BAD:
        with pytest.raises(SpecError):
            parse_spec(HEAD + body, "case.net")


def test_long_flat_sum_is_safe_on_a_thread_with_a_small_stack():
    # CPython builds the ast of a flat sum recursively; on a 1 MB thread stack this crashed the
    # interpreter (SIGSEGV) before long lines were parsed on a thread with a big stack
    script = (
        "import threading\n"
        "from symbolic.spec import parse_spec\n"
        "text = 'input x\\nparam w\\nloss = ' + '+'.join(['w*x'] * 24000)\n"
        "threading.stack_size(1 << 20)\n"
        "out = []\n"
        "t = threading.Thread(target=lambda: out.append(parse_spec(text, 's.net')))\n"
        "t.start(); t.join()\n"
        "print(out[0].loss)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "24000*w*x"


# -- ln, e and directive suggestions (issue 14) -----------------------------------------------
def test_ln_is_log_and_e_is_eulers_number():
    net = parse_spec("input x\nparam w\ny = ln(w*x) + e*w\nloss = y^2\n", "case.net")
    x, w = sp.symbols("x w", real=True)
    assert net.equations[0].rhs == sp.log(w * x) + sp.E * w
    grads = gradients_at(net, {"x": 2.0, "w": 0.5})
    y = math.log(1.0) + math.e * 0.5
    assert grads["w"] == pytest.approx(2 * y * (1 / 0.5 + math.e), rel=1e-12)


def test_a_declared_e_is_the_users_name_everywhere():
    net = parse_spec("input x\nparam w e\nloss = (e*w*x)^2\n", "case.net")
    assert {s.name for s in net.params} == {"w", "e"} and not net.loss.has(sp.E)
    with pytest.raises(SpecError, match=r"case\.net:3:5: 'e' is used before it is defined "
                                        r"\(on line 4\)"):
        parse_spec("input x\nparam w\ny = e*w*x\nparam e\nloss = y^2\n", "case.net")
    with pytest.raises(SpecError, match="'ln' is a function and cannot be a name"):
        parse_spec("input x\nparam ln\nloss = (ln*x)^2\n", "case.net")


def test_format_spec_writes_e_so_that_it_reads_back():
    from symbolic import Network
    from symbolic.spec import format_spec

    x, w, e = sp.symbols("x w e")
    plain = Network("p", [x], [], [w], [], sp.E * w * x)
    assert format_spec(plain).endswith("\nloss = e*w*x\n")
    assert parse_spec(format_spec(plain), "p.net").loss.has(sp.E)
    both = Network("b", [x], [], [w, e], [], sp.E * w * x + e)
    text = format_spec(both)
    assert text.endswith("\nparam w e\nloss = e + exp(1)*w*x\n")
    back = parse_spec(text, "b.net")
    assert back.loss - sp.Symbol("e", real=True) == sp.E * back.params[0] * back.inputs[0]


@pytest.mark.parametrize("word, suggestion", [("inputs", "input"), ("params", "param"),
                                              ("targets", "target"), ("parm", "param")])
def test_directive_typos_get_a_suggestion(word, suggestion):
    with pytest.raises(SpecError, match=rf"case\.net:1:1: unknown directive '{word}' .*; did you "
                                        rf"mean '{suggestion}'\?"):
        parse_spec(f"{word} x\nparam w\nloss = w\n", "case.net")


def test_unused_names_and_dead_nodes_are_located_warnings():
    text = ("input x x2\ntarget t t2\nparam w\ny = w*x\nu = w*x\np = sigmoid(y)\n"
            "v = exp(tanh(w*x2))\nloss = (y - t)^2\n")
    with pytest.warns(NetworkWarning) as caught:
        parse_spec(text, "case.net")
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "case.net:1:9: network 'case': input x2 is not used on any path to the loss; it has no "
        "effect",
        "case.net:2:10: network 'case': target t2 is not used on any path to the loss; it has no "
        "effect",
        "case.net:5:1: network 'case': node u never reaches the loss; it is computed but has no "
        "effect",
        "case.net:7:1: network 'case': node v never reaches the loss; it is computed but has no "
        "effect"]   # p = sigmoid(y) is a read-out (a prediction), not dead; v's stored tanh
    #               (a node deltaprop adds) is not named
