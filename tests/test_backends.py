"""Backends python and array-api (issue 15): same numbers as independent references, same
contract as the NumPy modules, NumPy's answers at singular points, only the backend's import."""
from __future__ import annotations

import ast
import math
import re
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import codegen
from codegen.check import check_gradients, random_point
from codegen.check import random_matrix_point
from deltaprop.cli import main
from symbolic import EXAMPLES, POINTS, builtin, derive
from symbolic.evaluate import point, run
from symbolic.matrix import parse_layers
from symbolic.spec import parse_spec

xs = pytest.importorskip("array_api_strict")
StrictArray = type(xs.asarray(0.0))

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_NAMES = list(EXAMPLES)
MLPS = ["mlp:3-4-2:sigmoid:squared", "mlp:2-3-3:tanh:softmax-ce", "mlp:3-3-2:softplus:bce",
        "mlp:4-3-1:relu:bce", "mlp:2-2-2-1:tanh:squared"]
LAYERS = ["layers:2-3-2:sigmoid:squared", "layers:4-8-3:relu:softmax-ce",
          "layers:3-5-4-2:tanh:squared", "layers:3-5-2:softplus:softmax-ce"]
BACKENDS = ["python", "array-api"]


@pytest.fixture(scope="module")
def modules():
    cache = {}

    def get(spec, backend=None):
        if (spec, backend) not in cache:
            network = parse_layers(spec) if spec.startswith("layers:") else builtin(spec)
            cache[spec, backend] = (network, codegen.load_module(network, backend))
        return cache[spec, backend]
    return get


def _values(spec, module):
    return POINTS.get(spec) or {**dict(zip(module.PARAMS, np.linspace(-0.7, 0.9, len(module.PARAMS)))),
                                **{n: 0.3 for n in module.INPUTS}, **{n: 0.6 for n in module.TARGETS}}


# -- correctness against independent references -----------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spec", EXAMPLE_NAMES + MLPS)
def test_check_against_central_differences(spec, backend, modules):
    network, module = modules(spec, backend)
    result = check_gradients(module, network, batch=7, seed=2)
    assert result.ok and result.naive_error is not None, result.summary()


@pytest.mark.parametrize("spec", EXAMPLE_NAMES + MLPS)
def test_python_gradients_equal_the_symbolic_delta_program(spec, modules):
    """One sample: the python module against the core engine's δ program evaluated in floats."""
    network, module = modules(spec, "python")
    values = _values(spec, module)
    env = run(network.forward + derive(network).program, point(network, values))
    loss, grads = module.gradients({p: float(values[p]) for p in module.PARAMS},
                                   {n: float(values[n]) for n in module.INPUTS + module.TARGETS})
    assert isinstance(loss, float) and all(isinstance(g, float) for g in grads.values())
    assert loss == pytest.approx(env[network.loss_symbol], rel=1e-12)
    gradient = derive(network).gradient
    for p in network.params:
        assert grads[p.name] == pytest.approx(env[gradient[p]], rel=1e-9, abs=1e-14)


def test_python_seed_121_against_sympy_diff_of_the_inlined_loss(modules):
    network, module = modules("seed-121", "python")
    inlined = network.loss
    for a in reversed(network.forward.assignments):
        inlined = inlined.subs(a.lhs, a.rhs)
    values = POINTS["seed-121"]
    subs = {network.symbol(k): v for k, v in values.items()}
    _, grads = module.gradients({p: values[p] for p in module.PARAMS},
                                {"x": values["x"], "t": values["t"]})
    for p in network.params:
        exact = float(sp.diff(inlined, p).rewrite(sp.exp).evalf(30, subs=subs))
        assert grads[p.name] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_mazur_worked_example(backend, modules):
    """The classic 2-2-2 example: E_total = 0.298371109, dE/dw5 = 0.082167041, dE/dw1 = 0.000438568."""
    _, module = modules("seed-222", backend)
    values = POINTS["seed-222"]
    data = {n: values[n] for n in module.INPUTS + module.TARGETS}
    if backend == "array-api":
        data = {n: xs.asarray([v]) for n, v in data.items()}
    loss, grads = module.gradients({p: values[p] for p in module.PARAMS}, data)
    assert float(loss) == pytest.approx(0.298371109, abs=1e-9)
    assert float(grads["w5"]) == pytest.approx(0.082167041, abs=1e-9)
    assert float(grads["w1"]) == pytest.approx(0.000438568, abs=1e-9)


# -- array-api: on array-api-strict, every result equals the NumPy module's -------------------
@pytest.mark.parametrize("spec", EXAMPLE_NAMES[1:] + MLPS)
def test_array_api_on_strict_arrays_equals_numpy(spec, modules):
    _, reference = modules(spec)
    _, module = modules(spec, "array-api")
    params, data = random_point(reference, 9000, seed=1)     # two blocks, the last one partial
    strict = {k: xs.asarray(v) for k, v in data.items()}
    expected, got = reference.gradients(params, data), module.gradients(params, strict)
    naive = module.gradients_naive(params, strict)
    for loss, grads in (got, naive):
        assert isinstance(loss, StrictArray) and loss.shape == ()
        assert all(isinstance(g, StrictArray) for g in grads.values())
        assert float(loss) == pytest.approx(expected[0], rel=1e-12)
        for p in reference.PARAMS:
            assert float(grads[p]) == pytest.approx(expected[1][p], rel=1e-9, abs=1e-13)
    assert float(module.loss(params, strict)) == pytest.approx(reference.loss(params, data), rel=1e-12)
    nodes = module.forward(params, strict)
    assert list(nodes) == list(reference.NODES)
    for name, values in reference.forward(params, data).items():
        assert isinstance(nodes[name], StrictArray) and nodes[name].shape == (9000,)
        assert np.allclose(np.asarray(nodes[name]), values, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("spec", LAYERS)
def test_array_api_matrix_on_strict_arrays_equals_numpy(spec, modules):
    _, reference = modules(spec)
    _, module = modules(spec, "array-api")
    params, data = random_matrix_point(reference, 40, seed=3)
    strict_params = {k: xs.asarray(v) for k, v in params.items()}
    strict_data = {k: xs.asarray(v) for k, v in data.items()}
    loss, grads = reference.gradients(params, data)
    for function in (module.gradients, module.gradients_naive):
        got_loss, got = function(strict_params, strict_data)
        assert float(got_loss) == pytest.approx(float(loss), rel=1e-12)
        for p in reference.PARAMS:
            assert isinstance(got[p], StrictArray) and got[p].shape == grads[p].shape
            assert np.allclose(np.asarray(got[p]), grads[p], rtol=1e-10, atol=1e-14)
    nodes = module.forward(strict_params, strict_data)
    for name, values in reference.forward(params, data).items():
        assert np.allclose(np.asarray(nodes[name]), values, rtol=1e-12)


def test_array_api_keeps_float32_and_returns_numpy_for_numpy(modules):
    _, module = modules("layers:4-8-3:relu:softmax-ce", "array-api")
    params, data = random_matrix_point(module, 16, seed=0, dtype=np.float32)
    loss, grads = module.gradients({k: xs.asarray(v) for k, v in params.items()},
                                   {k: xs.asarray(v) for k, v in data.items()})
    assert loss.dtype == xs.float32 and all(g.dtype == xs.float32 for g in grads.values())
    _, scalar = modules("seed-121", "array-api")
    loss, grads = scalar.gradients({p: 0.2 for p in scalar.PARAMS},
                                   {"x": np.ones(3, np.float32), "t": np.zeros(3, np.float32)})
    assert isinstance(loss, np.ndarray) and loss.dtype == np.float32
    loss, grads = scalar.gradients({p: 0.2 for p in scalar.PARAMS}, {"x": np.array([1, 2]), "t": np.array([0, 1])})
    assert loss.dtype == np.float64                     # integer data computes in float64


def test_array_api_network_without_inputs_takes_the_parameters_namespace(modules):
    _, module = modules("seed-product", "array-api")
    loss, grads = module.gradients({"w": xs.asarray(3.0), "b": xs.asarray(4.0)}, {})
    assert isinstance(loss, StrictArray)
    assert (float(loss), float(grads["w"]), float(grads["b"])) == (162.0, 18.0, 63.0)
    with pytest.raises(TypeError, match="no arrays"):
        module.gradients({"w": 3.0, "b": 4.0}, {})


def test_array_api_takes_numpy_scalar_parameters_with_another_librarys_data(modules):
    """The namespace comes from the data; parameters are converted to it (the optimizers of
    ``train`` hand back NumPy scalars)."""
    _, module = modules("seed-121", "array-api")
    data = {"x": xs.asarray([1.0, 2.0]), "t": xs.asarray([0.0, 1.0])}
    params = {"w1": np.float32(0.5), "w2": np.float64(0.1), "w3": 1, "w4": np.asarray(0.2)}
    loss, grads = module.gradients(params, data)
    assert isinstance(loss, StrictArray) and all(isinstance(g, StrictArray) for g in grads.values())
    want = module.gradients({k: float(v) for k, v in params.items()}, data)
    assert float(loss) == float(want[0]) and {k: float(g) for k, g in grads.items()} == \
        {k: float(g) for k, g in want[1].items()}


# -- the contract of the python module ---------------------------------------------------------
def test_python_contract(modules):
    network, module = modules("seed-222", "python")
    _, reference = modules("seed-222")
    assert (module.PARAMS, module.INPUTS, module.TARGETS, module.NODES) == (
        reference.PARAMS, reference.INPUTS, reference.TARGETS, reference.NODES)
    params, data = random_point(reference, 1, seed=0)
    sample = {k: float(v[0]) for k, v in data.items()}
    values = module.forward(params, sample)
    assert list(values) == list(reference.NODES)
    assert all(isinstance(v, float) for v in values.values())
    for name, array in reference.forward(params, data).items():
        assert values[name] == pytest.approx(float(array[0]), rel=1e-13)
    assert module.loss(params, sample) == pytest.approx(reference.loss(params, data), rel=1e-13)


@pytest.mark.parametrize("backend, spec", [("python", "seed-121"), ("array-api", "seed-121"),
                                           ("array-api", "layers:4-8-3:relu:softmax-ce")])
def test_a_missing_name_is_a_key_error_listing_the_expected_names(backend, spec, modules):
    _, module = modules(spec, backend)
    params = {p: 0.1 for p in module.PARAMS[1:]}
    data = {n: (0.5 if backend == "python" else np.ones((2, 1))) for n in module.INPUTS + module.TARGETS}
    with pytest.raises(KeyError, match=f"params has no '{module.PARAMS[0]}' \\(expected params keys: "):
        module.gradients(params, data)
    params[module.PARAMS[0]] = 0.1
    del data[module.TARGETS[0]]
    for function in (module.forward, module.loss, module.gradients, module.gradients_naive):
        with pytest.raises(KeyError, match=f"data has no '{module.TARGETS[0]}'"):
            function(params, data)


SINGULAR = """input x
target t
param w
u = w*x
loss = exp(u) + log(u) + 1/u + sqrt(u) + u^3 + u^(1/3) + cos(u)*t + (u*u)^w + u^(w - 1)
"""


@pytest.mark.parametrize("x", [0.0, -1.0, 800.0, 1e110, -1e110, float("inf"), float("nan")])
def test_python_gives_numpys_inf_and_nan_where_math_would_raise(x):
    network = parse_spec(SINGULAR, "singular.net")
    python, reference = codegen.load_module(network, "python"), codegen.load_module(network)
    params, sample = {"w": 1.0}, {"x": x, "t": 0.5}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = reference.gradients(params, sample)
        expected_nodes = reference.forward(params, sample)
    loss, grads = python.gradients(params, sample)     # must not raise
    nodes = python.forward(params, sample)
    pairs = [(loss, expected[0]), (grads["w"], expected[1]["w"])]
    pairs += [(nodes[k], float(expected_nodes[k][0])) for k in expected_nodes]
    for got, want in pairs:
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, rel=1e-12), (x, got, want)


@pytest.mark.parametrize("spec", ["seed-121", "seed-softmax", "mlp:2-3-2:sigmoid:bce",
                                  "mlp:2-3-3:softplus:softmax-ce", "mlp:2-2-1:relu:bce"])
def test_python_stays_finite_at_large_preactivations_and_nan_gives_nan(spec, modules):
    _, module = modules(spec, "python")
    params = {p: (1.0 if p.startswith("w") else 0.0) for p in module.PARAMS}
    for big in (1000.0, -1000.0):
        sample = {n: big for n in module.INPUTS}
        sample.update({n: 1.0 for n in module.TARGETS})
        loss, grads = module.gradients(params, sample)
        assert math.isfinite(loss) and all(math.isfinite(g) for g in grads.values()), (spec, big)
        assert module.gradients_naive(params, sample)[1] == pytest.approx(grads, abs=1e-12)
    sample[module.INPUTS[0]] = float("nan")
    loss, grads = module.gradients(params, sample)
    assert math.isnan(loss) and any(math.isnan(g) for g in grads.values())


# -- what the files contain ---------------------------------------------------------------------
def _imports(source: str) -> list[str]:
    tree = ast.parse(source)
    return [a.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
            for a in node.names]


@pytest.mark.parametrize("backend, library", [("python", "math"), ("array-api", "array_api_compat")])
def test_imports_only_the_backends_library(backend, library):
    specs = EXAMPLE_NAMES + ["mlp:2-2-2:relu:bce", "mlp:2-2-2:softplus:softmax-ce"]
    networks = [builtin(s) for s in specs] + [parse_spec(SINGULAR, "singular.net")]
    if backend == "array-api":
        networks += [parse_layers(s) for s in LAYERS]
    for network in networks:
        source = codegen.generate_module(network, backend)
        assert _imports(source) == [library], (network.name, _imports(source))
        assert not re.search(r"\b(np|numpy)\.", source), network.name
        head = source.splitlines()[:2]
        assert f"(backend {backend})" in head[0] and f"--backend {backend}" in head[1]


def test_array_api_code_uses_only_standard_calls():
    """No NumPy-only spellings: dot, einsum, out=, methods such as .sum()/.max(), heaviside."""
    for network in [builtin(s) for s in EXAMPLE_NAMES + MLPS] + [parse_layers(s) for s in LAYERS]:
        source = codegen.generate_module(network, "array-api")
        for banned in (r"xp\.dot\(", "einsum", r"\bout=", r"(?<!\bxp)\.(sum|max|min|mean)\(",
                       r"xp\.heaviside", "asfortranarray", r"xp\.arc", r"xp\.power"):
            assert not re.search(banned, source), (network.name, banned)


def test_reserved_names_stay_distinct():
    text = "input math xp x\ntarget t\nparam array_api_compat np w\nh = sigmoid(w*x + math*xp)\nloss = (h*array_api_compat - t)^2 + np^2\n"
    network = parse_spec(text, "names.net")
    for backend in BACKENDS:
        module = codegen.load_module(network, backend)
        assert check_gradients(module, network).ok, backend


SCRIPT = ("import sys, codegen; from symbolic import builtin; from symbolic.matrix import parse_layers\n"
          "for n, b in zip(sys.argv[1::2], sys.argv[2::2]):\n"
          "    net = parse_layers(n) if n.startswith('layers:') else builtin(n)\n"
          "    sys.stdout.write(codegen.generate_module(net, b) + '\\0')\n")
CASES = [("seed-softmax", "python"), ("seed-softmax", "array-api"),
         ("layers:4-8-3:relu:softmax-ce", "array-api")]


def test_deterministic_across_hash_seeds():
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outputs.add(subprocess.run([sys.executable, "-c", SCRIPT, *[a for c in CASES for a in c]],
                                   cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout)
    networks = [parse_layers(n) if n.startswith("layers:") else builtin(n) for n, _ in CASES]
    assert outputs == {"".join(codegen.generate_module(net, b) + "\0"
                               for net, (_, b) in zip(networks, CASES))}


# -- command line --------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_generate_backend_writes_that_module(backend, tmp_path, capsys):
    out = tmp_path / "net.py"
    assert main(["generate", "seed-222", "--backend", backend, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == codegen.generate_module(builtin("seed-222"), backend)
    assert f"backend {backend}" in capsys.readouterr().out


def test_generate_python_backend_refuses_matrix_networks(tmp_path, capsys):
    out = tmp_path / "net.py"
    assert main(["generate", "layers:2-3-1:relu:squared", "--backend", "python", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: error: the python backend is for scalar networks")
    assert err.count("\n") == 1 and not out.exists()
    assert main(["generate", "seed-121", "--backend", "cuda"]) == 2
    assert "invalid choice: 'cuda'" in capsys.readouterr().err


def test_train_sgd_on_a_scalar_network_uses_the_python_backend(capsys):
    args = ["train", "seed-222", "--epochs", "30", "--lr", "0.5", "--batch-size", "1"]
    assert main(args) == 0
    auto = capsys.readouterr().out
    assert "gradients: python backend" in auto
    assert main(args + ["--backend", "numpy"]) == 0
    numpy_run = capsys.readouterr().out
    assert "gradients:" not in numpy_run             # the default says nothing
    strip = lambda text: [line for line in text.splitlines() if not line.startswith("gradients:")]  # noqa: E731
    assert strip(auto) == strip(numpy_run)           # the same trained weights, to 9 digits
    assert main(["train", "layers:2-3-1:relu:squared", "--backend", "python"]) == 2
    assert "--backend python is for scalar networks" in capsys.readouterr().err


# -- random networks (the fuzzer's: every function, skip connections, awkward names) -------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from random_networks import descriptions, random_values  # noqa: E402


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptions(max_nodes=5), st.integers(0, 59), st.integers(0, 2**32))
def test_random_networks_give_the_numpy_modules_numbers_on_every_backend(desc, style, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # a parameter may miss the loss: fine
        network = parse_spec(desc.spec(style), "fuzz.net")
    reference = codegen.load_module(network)
    python, array_api = (codegen.load_module(network, b) for b in BACKENDS)
    samples = [random_values(desc, seed + k) for k in range(3)]
    params = {n: samples[0][n] for n in desc.params}
    data = {n: np.array([s[n] for s in samples]) for n in desc.inputs + desc.targets}
    with np.errstate(all="ignore"):
        want_loss, want = reference.gradients(params, data)
        per_sample = [reference.gradients(params, {k: v[i] for k, v in data.items()})
                      for i in range(3)]
    got_loss, got = array_api.gradients(params, {k: xs.asarray(v) for k, v in data.items()})
    assert float(got_loss) == pytest.approx(want_loss, rel=1e-12, abs=1e-300, nan_ok=True)
    assert {p: float(g) for p, g in got.items()} == pytest.approx(want, rel=1e-9, abs=1e-12, nan_ok=True)
    for i, (loss_i, grads_i) in enumerate(per_sample):
        loss, grads = python.gradients(params, {k: float(v[i]) for k, v in data.items()})
        assert loss == pytest.approx(loss_i, rel=1e-12, abs=1e-300, nan_ok=True)
        assert grads == pytest.approx(grads_i, rel=1e-9, abs=1e-12, nan_ok=True)


def _matrix_spec_cases():
    from test_matrix_user import SPEC_CASES

    return {**SPEC_CASES, "autoencoder": (ROOT / "examples" / "autoencoder.net").read_text()}


@pytest.mark.parametrize("name", sorted(_matrix_spec_cases()))
def test_array_api_matrix_specs_on_strict_arrays_equal_numpy(name):
    """The matrix spec files' cases (tests/test_matrix_user.py, examples/autoencoder.net):
    broadcasts, vector algebra, row-wise logsumexp, constants, written-out losses."""
    network = parse_spec(_matrix_spec_cases()[name], f"{name}.net")
    reference, module = codegen.load_module(network), codegen.load_module(network, "array-api")
    params, data = random_matrix_point(reference, 12, seed=1)
    loss, grads = reference.gradients(params, data)
    strict = ({k: xs.asarray(v) for k, v in params.items()}, {k: xs.asarray(v) for k, v in data.items()})
    for function in (module.gradients, module.gradients_naive):
        got_loss, got = function(*strict)
        assert float(got_loss) == pytest.approx(float(loss), rel=1e-12, abs=1e-15)
        for p in reference.PARAMS:
            assert np.allclose(np.asarray(got[p]), grads[p], rtol=1e-10, atol=1e-14), p
