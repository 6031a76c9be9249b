"""Fuzzed correctness: random valid networks (as Python Networks and as spec text) give
gradients that match central differences and the naive chain rule, in the symbolic layer and
in the generated NumPy module; random malformed specs give only the clean located error."""
from __future__ import annotations

import contextlib
import io
import math
import re
import sys
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import codegen
from deltaprop.cli import main
from peer.checks import unassigned_names
from random_networks import descriptions, near_kink, random_values
from reference import reference_gradients
from symbolic import builtin, derive, derive_naive
from symbolic.errors import DeltapropError, NetworkWarning
from symbolic.evaluate import evaluate, point, run
from symbolic.spec import format_spec, parse_spec


def fuzz(examples: int) -> settings:
    """Hypothesis settings: bounded examples (the whole file stays well under a minute)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


def quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)  # a parameter may miss the loss: fine
        return fn(*args)


def delta_gradients(network, env: dict) -> dict:
    derivation = derive(network)
    values = run(derivation.program, env)
    return {p.name: values[g] for p, g in derivation.gradient.items()}


def naive_gradients(network, env: dict) -> dict:
    return {g.param.name: evaluate(g.expression, env) for g in derive_naive(network)}


def loss_at(network, values: dict) -> float:
    return run(network.forward, point(network, values))[network.loss_symbol]


def central_differences(network, values: dict) -> dict:
    grads = {}
    for p in network.params:
        h = 1e-6 * max(1.0, abs(values[p.name]))
        up, down = dict(values), dict(values)
        up[p.name] += h
        down[p.name] -= h
        grads[p.name] = (loss_at(network, up) - loss_at(network, down)) / (2 * h)
    return grads


def assert_gradients_close(got: dict, want: dict, loss: float, rel: float, what: str,
                           slack: float = 1e-13) -> None:
    """|got − want| ≤ rel·max(|got|, |want|) + slack·max(1, |loss|) for every parameter
    (the slack covers rounding: central differences lose about ε·|loss|/h)."""
    assert list(got) == list(want)
    for name in want:
        g, w = got[name], want[name]
        bound = rel * max(abs(g), abs(w)) + slack * max(1.0, abs(loss))
        assert abs(g - w) <= bound, f"{what}: d/d{name} {g!r} != {w!r}"


# -- symbolic layer ----------------------------------------------------------------------------
@fuzz(220)
@given(descriptions(), st.integers(0, 59), st.integers(0, 2**32))
def test_random_networks_delta_matches_naive_and_central_differences(desc, style, seed):
    python_net = quiet(desc.network)
    spec_net = quiet(parse_spec, desc.spec(style), "fuzz.net")
    values = random_values(desc, seed)
    env = run(spec_net.forward, point(spec_net, values))
    assume(not near_kink(spec_net, env))
    loss = env[spec_net.loss_symbol]
    assume(math.isfinite(loss) and abs(loss) < 1e12)

    # the spec text and the Python declaration are the same network
    py_env = run(python_net.forward, point(python_net, values))
    assert py_env[python_net.loss_symbol] == pytest.approx(loss, rel=1e-12, abs=1e-300)
    assert [str(a) for a in derive(spec_net).program] == \
        [str(a) for a in derive(python_net).program]
    written = quiet(parse_spec, format_spec(python_net), "written.net")
    assert [str(a) for a in written.forward] == [str(a) for a in python_net.forward]

    delta = delta_gradients(spec_net, env)
    assert_gradients_close(naive_gradients(spec_net, env), delta, loss, 1e-9, "naive vs δ")
    assert_gradients_close(central_differences(spec_net, values), delta, loss, 2e-5,
                           "central differences vs δ", slack=1e-9)


@fuzz(100)
@given(descriptions(max_nodes=4), st.integers(0, 2**32))
def test_random_networks_delta_matches_sympy_diff_of_the_inlined_loss(desc, seed):
    # independent of deltaprop's partials: SymPy's own diff, evaluated in 40-digit mpmath
    network = quiet(desc.network)
    values = random_values(desc, seed)
    env = run(network.forward, point(network, values))
    assume(not near_kink(network, env))
    loss = env[network.loss_symbol]
    assume(math.isfinite(loss) and abs(loss) < 1e12)
    reference = reference_gradients(network, point(network, values))
    assert_gradients_close(delta_gradients(network, env), {p.name: g for p, g in reference.items()},
                           loss, 1e-10, "δ vs SymPy diff of the inlined loss", slack=1e-14)


# -- generated NumPy modules -------------------------------------------------------------------
def batch_data(desc, seed: int, batch: int = 3) -> tuple[dict, dict, list]:
    samples = [random_values(desc, seed + k) for k in range(batch)]
    params = {n: samples[0][n] for n in desc.params}
    for s in samples:
        s.update(params)
    data = {n: np.array([s[n] for s in samples]) for n in desc.inputs + desc.targets}
    return params, data, samples


@fuzz(120)
@given(descriptions(max_nodes=6), st.integers(0, 59), st.integers(0, 2**32))
def test_random_networks_generated_module_matches_symbolic_and_central_differences(desc, style,
                                                                                   seed):
    check_generated_module(desc, style, seed)


@fuzz(50)
@given(descriptions(max_nodes=5, nonlinear_losses="only"), st.integers(0, 59),
       st.integers(0, 2**32))
def test_random_nonlinear_losses_without_target_generated_module_runs_and_matches(desc, style,
                                                                                  seed):
    # exp(node), logsumexp(nodes, w), sigmoid(node), (1 + node^2)^w, node*w, ...: a loss whose
    # derivative reuses its own value must not reference a name the module never assigned
    check_generated_module(desc, style, seed)


def check_generated_module(desc, style: int, seed: int) -> None:
    """The generated module's gradients equal the symbolic ones, gradients_naive and central
    differences of its own loss, over a batch of three samples."""
    network = quiet(parse_spec, desc.spec(style), "fuzz.net")
    params, data, samples = batch_data(desc, seed)
    envs = [run(network.forward, point(network, s)) for s in samples]
    assume(not any(near_kink(network, e) for e in envs))
    assume(all(math.isfinite(e[network.loss_symbol]) and abs(e[network.loss_symbol]) < 1e12
               for e in envs))
    module = codegen.load_module(network)
    assert not unassigned_names(module.__deltaprop_source__)  # a name read but never assigned
    loss, grads = module.gradients(params, data)
    naive_loss, naive = module.gradients_naive(params, data)

    # the batch mean of the symbolic per-sample values
    want_loss = sum(e[network.loss_symbol] for e in envs) / len(envs)
    per_sample = [delta_gradients(network, e) for e in envs]
    want = {p: sum(g[p] for g in per_sample) / len(per_sample) for p in desc.params}
    assert float(loss) == pytest.approx(want_loss, rel=1e-9, abs=1e-12)
    assert_gradients_close({p: float(grads[p]) for p in desc.params}, want, want_loss, 1e-8,
                           "generated vs symbolic δ")
    assert float(naive_loss) == pytest.approx(float(loss), rel=1e-12, abs=1e-15)
    assert_gradients_close({p: float(naive[p]) for p in desc.params},
                           {p: float(grads[p]) for p in desc.params}, want_loss, 1e-9,
                           "gradients_naive vs gradients")
    # central differences of the generated loss itself
    fd = {}
    for p in desc.params:
        h = 1e-6 * max(1.0, abs(params[p]))
        up, down = dict(params, **{p: params[p] + h}), dict(params, **{p: params[p] - h})
        fd[p] = (float(module.loss(up, data)) - float(module.loss(down, data))) / (2 * h)
    assert_gradients_close(fd, {p: float(grads[p]) for p in desc.params}, want_loss, 2e-5,
                           "generated: central differences vs gradients", slack=1e-9)


ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "identity"]
LOSSES = ["squared", "bce", "softmax-ce"]


def extreme_point(module, sign: float) -> tuple[dict, dict]:
    """Inputs ±1000 and weights ±1/fan-in, so pre-activations reach about ±1000."""
    rng = np.random.default_rng(7)
    params = {}
    for name in module.PARAMS:
        fan_in = 2 if name.startswith("w1") else 3
        params[name] = 0.0 if name.startswith("b") else float(rng.choice([-1, 1])) / fan_in
    data = {n: np.array([sign * 1000.0, -sign * 1000.0, sign * 999.0]) for n in module.INPUTS}
    data.update({n: np.array([0.0, 1.0, 1.0]) for n in module.TARGETS})
    return params, data


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_generated_code_is_finite_at_pre_activations_of_1000(activation, loss):
    module = codegen.load_module(builtin(f"mlp:2-3-2:{activation}:{loss}"))
    for sign in (1.0, -1.0):
        params, data = extreme_point(module, sign)
        values = module.forward(params, data)
        pre = [np.max(np.abs(v)) for k, v in values.items() if k.startswith("z")]
        assert 500 <= max(pre) <= 1001  # the point really is extreme, and within the bound
        for fn in (module.gradients, module.gradients_naive):
            value, grads = fn(params, data)
            assert np.isfinite(value), (fn.__name__, sign)
            assert all(np.isfinite(g) for g in grads.values()), (fn.__name__, sign, grads)


@pytest.mark.parametrize("name", ["seed-121", "seed-222", "seed-softmax", "mlp:2-3-2:relu:bce",
                                  "mlp:2-2-2:softplus:softmax-ce", "mlp:2-2-1:tanh:squared"])
def test_generated_code_turns_nan_input_into_nan_output(name):
    module = codegen.load_module(builtin(name))
    params = {p: 0.3 for p in module.PARAMS}
    data = {n: np.array([0.5, 0.2]) for n in module.INPUTS + module.TARGETS}
    data[module.INPUTS[0]] = np.array([np.nan, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no exception, not even a warning turned into one
        for fn in (module.gradients, module.gradients_naive):
            value, grads = fn(params, data)
            assert np.isnan(value)
            assert all(np.isnan(g) for g in grads.values()), grads
        assert np.isnan(module.loss(params, data))


# -- malformed specs ---------------------------------------------------------------------------
TOKENS = ["(", ")", "^", "**", "=", "==", ".", "[0]", ",", ":", "lambda", ":=", "'", '"', "#",
          "__class__", "import", "9**9**9", "1e999", "\x00", "\x1b", "\u202e", "\ufb01", "exp",
          "foo(", "loss", "input", "param", "x1", "w1", "h1", "-", "/0", "\t", "\n", "\r", "@",
          "$", "{", "}", "\\", "1j", "not ", "f'{x1}'", "*", "+", "=" * 3, "()" * 70]


@st.composite
def malformed(draw) -> bytes:
    desc = draw(descriptions(max_nodes=4))
    text = desc.spec(draw(st.integers(0, 59)))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup", "drop", "swap"]))
        if op in ("dup", "drop", "swap"):
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "dup":
                lines.insert(j, lines[i])
            elif op == "drop":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
            continue
        at = draw(st.integers(0, max(0, len(text) - 1)))
        token = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
        end = at + (draw(st.integers(1, 3)) if op != "insert" else 0)
        text = text[:at] + ("" if op == "delete" else token) + text[end:]
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:  # sometimes break the encoding too
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + data[at:]
    return data


LOCATED = re.compile(r"deltaprop: error: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \S")
LOCATED_WARNING = re.compile(r"deltaprop: warning: .+?:\d+:\d+: network '.*': (parameter \w+ "
                             r"cannot reach the loss|(input|target) \w+ is not used on any path "
                             r"to the loss|node \w+ never reaches the loss)")


def show_on_stderr(message, category, filename, lineno, file=None, line=None):
    """What the command line does with a warning: one line on (the redirected) stderr."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno))


@fuzz(300)
@given(malformed())
def test_malformed_specs_give_only_the_clean_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("mutant")
    path, module = folder / "mutant.net", folder / "mutant.py"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch.object(warnings, "showwarning", show_on_stderr):
        code = main(["generate", str(path), "-o", str(module)])
    lines = err.getvalue().rstrip("\n").split("\n")
    warned = [line for line in lines if line.startswith("deltaprop: warning: ")]
    assert all(LOCATED_WARNING.match(line) for line in warned), warned
    lines = [line for line in lines if line not in warned]
    if code == 0:  # the mutation left a valid network (perhaps with an unused parameter)
        assert lines == [""] or lines == []
        assert module.exists()
        return
    assert code == 2 and out.getvalue() == ""
    match = LOCATED.match(lines[0])
    assert match and match["file"] == str(path), err.getvalue()
    assert len(lines) in (1, 3) and "Traceback" not in err.getvalue()
    if len(lines) == 3:
        assert lines[1].startswith(f" {match['line']} | ") and "^" in lines[2]
        assert all(c.isprintable() for c in lines[1] + lines[2])
    assert sorted(p.name for p in folder.iterdir()) == ["mutant.net"]  # nothing else written


@fuzz(300)
@given(st.binary(max_size=200)
       | st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_random_bytes_parse_or_fail_cleanly(data):
    try:
        quiet(parse_spec, data, "noise.net")
    except DeltapropError as err:
        assert re.match(r"noise\.net:\d+:\d+: \S", str(err)), str(err)
