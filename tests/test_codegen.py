"""Generated NumPy modules: correctness against independent references, contract, safety."""
from __future__ import annotations

import ast
import warnings

import numpy as np
import pytest
import sympy as sp

import codegen
from codegen.check import check_gradients, random_point
from symbolic import EXAMPLES, POINTS, Network, builtin, derive, sigmoid
from symbolic.evaluate import point, run

EXAMPLE_NAMES = list(EXAMPLES)
RANDOM_MLPS = ["mlp:3-4-2:sigmoid:squared", "mlp:2-3-3:tanh:softmax-ce", "mlp:3-3-2:softplus:bce",
               "mlp:2-4-3-2:sigmoid:softmax-ce", "mlp:4-3-1:relu:bce", "mlp:2-2-2-1:tanh:squared"]


@pytest.fixture(scope="module")
def modules():
    cache = {}

    def get(spec):
        if spec not in cache:
            network = builtin(spec)
            cache[spec] = (network, codegen.load_module(network))
        return cache[spec]
    return get


@pytest.mark.parametrize("spec", EXAMPLE_NAMES + RANDOM_MLPS)
def test_check_passes(spec, modules):
    network, module = modules(spec)
    result = check_gradients(module, network, batch=9, seed=3)
    assert result.ok, result.summary()
    assert result.naive_error is not None


@pytest.mark.parametrize("spec", EXAMPLE_NAMES + ["mlp:2-3-2:sigmoid:softmax-ce"])
def test_gradients_equal_symbolic_delta_program(spec, modules):
    """Batch of one: generated code vs the core engine's δ program evaluated in floats."""
    network, module = modules(spec)
    values = POINTS.get(spec) or {**dict(zip(module.PARAMS, np.linspace(-0.7, 0.9, len(module.PARAMS)))),
                                 **{n: 0.3 for n in module.INPUTS}, **{n: 0.6 for n in module.TARGETS}}
    derivation = derive(network)
    env = run(network.forward + derivation.program, point(network, values))
    loss, grads = module.gradients({p: values[p] for p in module.PARAMS},
                                   {n: values[n] for n in module.INPUTS + module.TARGETS})
    assert loss == pytest.approx(env[network.loss_symbol], rel=1e-12)
    for p in network.params:
        assert grads[p.name] == pytest.approx(env[derivation.gradient[p]], rel=1e-9, abs=1e-14)


def test_seed_121_against_sympy_diff_of_inlined_loss(modules):
    network, module = modules("seed-121")
    inlined = network.loss
    for a in reversed(network.forward.assignments):
        inlined = inlined.subs(a.lhs, a.rhs)
    values = POINTS["seed-121"]
    subs = {network.symbol(k): v for k, v in values.items()}
    _, grads = module.gradients({p: values[p] for p in module.PARAMS}, {"x": values["x"], "t": values["t"]})
    for p in network.params:
        exact = float(sp.diff(inlined, p).rewrite(sp.exp).evalf(30, subs=subs))
        assert grads[p.name] == pytest.approx(exact, rel=1e-12)


def test_mazur_worked_example(modules):
    """The classic 2-2-2 example: E_total = 0.298371109, dE/dw5 = 0.082167041, dE/dw1 = 0.000438568."""
    _, module = modules("seed-222")
    values = POINTS["seed-222"]
    loss, grads = module.gradients({p: values[p] for p in module.PARAMS},
                                   {n: values[n] for n in module.INPUTS + module.TARGETS})
    assert loss == pytest.approx(0.298371109, abs=1e-9)
    assert grads["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert grads["w1"] == pytest.approx(0.000438568, abs=1e-9)


def test_batch_is_mean_of_single_samples(modules):
    _, module = modules("seed-221")
    params, data = random_point(module, 5, seed=1)
    loss, grads = module.gradients(params, data)
    singles = [module.gradients(params, {k: v[i] for k, v in data.items()}) for i in range(5)]
    assert loss == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12)
    for name in module.PARAMS:
        assert grads[name] == pytest.approx(np.mean([s[1][name] for s in singles]), rel=1e-10, abs=1e-15)


def test_blocks_match_one_pass(modules):
    """A batch spanning several blocks gives the loss of forward() over the whole batch."""
    _, module = modules("seed-softmax")
    params, data = random_point(module, 2 * module.BLOCK + 17, seed=2)
    values = module.forward(params, data)
    assert module.loss(params, data) == pytest.approx(np.mean(values["L"]), rel=1e-12)
    assert module.gradients(params, data)[0] == pytest.approx(np.mean(values["L"]), rel=1e-12)


def test_contract(modules):
    network, module = modules("seed-222")
    assert module.PARAMS == tuple(p.name for p in network.params)
    assert module.INPUTS == ("x1", "x2") and module.TARGETS == ("t1", "t2")
    params, data = random_point(module, 7, seed=0)
    values = module.forward(params, data)
    assert list(values) == [s.name for s in network.nodes] + ["L"]
    assert all(v.shape == (7,) for v in values.values())
    assert isinstance(module.loss(params, data), float)
    loss, grads = module.gradients(params, data)
    assert list(grads) == list(module.PARAMS) and all(isinstance(g, float) for g in grads.values())


def test_imports_only_numpy():
    for spec in EXAMPLE_NAMES + ["mlp:2-2-2:relu:bce"]:
        tree = ast.parse(codegen.generate_module(builtin(spec)))
        imported = [a.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for a in node.names]
        assert imported == ["numpy"], (spec, imported)


def test_header_and_comments():
    source = codegen.generate_module(builtin("seed-121"))
    import deltaprop
    head = source.splitlines()[:2]
    assert f"deltaprop {deltaprop.__version__}" in head[0] and "'seed-121'" in head[0]
    assert "do not edit" in head[1]
    assert "h1 = _sigmoid(z1)\n" in source                  # a comment would only repeat it
    assert "L = 0.5*(y - t)**2" in source and "# L = (y - t)**2/2" in source
    assert "delta_z1 = delta_h1*h1*(1 - h1)" in source and "# dL/dz1" in source
    assert "delta_y = y - t" in source and "c0" not in source  # the δ's name, not a temporary
    assert source.count("ops per sample") == 4


def test_stable_at_large_preactivations():
    specs = ["seed-121", "seed-softmax", "mlp:2-3-2:sigmoid:bce", "mlp:2-3-3:softplus:softmax-ce",
             "mlp:2-2-1:tanh:bce"]
    for spec in specs:
        module = codegen.load_module(builtin(spec))
        params = {p: (1.0 if p.startswith("w") else 0.0) for p in module.PARAMS}
        for big in (1000.0, -1000.0):
            data = {n: np.array([big, -big, 0.3]) for n in module.INPUTS}
            data.update({n: np.array([1.0, 0.0, 0.5]) for n in module.TARGETS})
            with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
                warnings.simplefilter("error")
                values = module.forward(params, data)
                loss, grads = module.gradients(params, data)
                naive = module.gradients_naive(params, data)
            assert all(np.isfinite(v).all() for v in values.values()), spec
            assert np.isfinite(loss) and all(np.isfinite(g) for g in grads.values()), spec
            assert naive[0] == pytest.approx(loss) and naive[1] == pytest.approx(grads, abs=1e-12)


def _bce_through_nodes():
    x, t, w, b, z, h = sp.symbols("x t w b z h")
    return Network("bce-log", [x], [t], [w, b], [(z, w * x + b), (h, sigmoid(z))],
                   -t * sp.log(h) - (1 - t) * sp.log(1 - h))


def test_log_of_sigmoid_rewritten_through_a_node():
    network = _bce_through_nodes()
    module = codegen.load_module(network)
    assert check_gradients(module, network).ok
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grads = module.gradients({"w": 1.0, "b": 0.0},
                                       {"x": np.array([1000.0, -1000.0]), "t": np.array([0.0, 1.0])})
    assert loss == pytest.approx(1000.0) and grads["w"] == pytest.approx(1000.0)
    assert grads["b"] == pytest.approx(0.0)


def test_nan_in_gives_nan_out(modules):
    for spec in ["seed-121", "seed-softmax"]:
        _, module = modules(spec)
        params, data = random_point(module, 3, seed=0)
        data[module.INPUTS[0]][0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss, grads = module.gradients(params, data)
        assert np.isnan(loss) and all(np.isnan(g) for g in grads.values())


def test_float_is_a_batch_of_one_and_bad_data_is_refused(modules):
    _, module = modules("seed-121")
    params = {p: 0.1 for p in module.PARAMS}
    assert module.loss(params, {"x": 1.0, "t": 0.5}) == module.loss(params, {"x": [1.0], "t": [0.5]})
    with pytest.raises(ValueError, match="1-D"):
        module.loss(params, {"x": np.ones((2, 2)), "t": 0.5})
    with pytest.raises(ValueError, match="empty"):
        module.loss(params, {"x": np.ones(0), "t": np.ones(0)})


def test_naive_over_the_limit_raises_with_the_count(monkeypatch):
    from codegen import scalar

    monkeypatch.setattr(scalar, "NAIVE_PATH_LIMIT", 3)
    network = builtin("seed-121")
    module = codegen.load_module(network)
    with pytest.raises(NotImplementedError, match="4 chain-rule path terms"):
        module.gradients_naive({p: 0.1 for p in module.PARAMS}, {"x": 1.0, "t": 0.0})
    result = check_gradients(module, network)
    assert result.ok and result.naive_error is None


def test_check_detects_a_wrong_gradient():
    network = builtin("seed-121")
    source = codegen.generate_module(network)
    broken = source.replace("grad_w3 += np.dot(delta_z3, h1)", "grad_w3 += 1.001*np.dot(delta_z3, h1)")
    assert broken != source
    result = check_gradients(codegen.load_module(broken), network)
    assert not result.ok and result.fd_error > 1e-5 and "FAILED" in result.summary()


def test_check_never_passes_on_gradients_that_are_all_zero(tmp_path, capsys):
    """relu(-exp(w)) is 0 with derivative 0 everywhere: zeros equal zeros, which proves nothing."""
    from deltaprop.cli import main
    from symbolic.spec import parse_spec

    text = "input x\ntarget t\nparam w\ny = relu(-exp(w))*x\nloss = (y - t)^2/2\n"
    network = parse_spec(text, "dead.net")
    result = check_gradients(codegen.load_module(network), network)
    assert result.zero_gradient and result.points == codegen.check.MAX_POINTS
    assert not result.ok and result.summary().endswith("proves nothing: NOT VERIFIED")
    (tmp_path / "dead.net").write_text(text)
    assert main(["check", str(tmp_path / "dead.net")]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out


def test_check_moves_on_from_a_point_with_dead_relus():
    network = builtin("mlp:2-3-1:relu:squared")
    module = codegen.load_module(network)
    _, grads = module.gradients(*random_point(module, 16, 0))
    assert not any(grads.values())  # every ReLU of the first point is dead
    result = check_gradients(module, network)
    assert result.ok and result.points > 1 and not result.zero_gradient


def test_emitter_registry():
    class Other:
        name = "other"

    with pytest.raises(TypeError, match="no code emitter"):
        codegen.generate_module(Other())
    codegen.EMITTERS[Other] = lambda net: "# other\n"
    try:
        assert codegen.generate_module(Other()) == "# other\n"
    finally:
        del codegen.EMITTERS[Other]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=6, deadline=None)
@given(sizes=st.lists(st.integers(1, 3), min_size=2, max_size=4),
       activation=st.sampled_from(["sigmoid", "tanh", "softplus", "identity"]),
       loss=st.sampled_from(["squared", "bce", "softmax-ce"]), seed=st.integers(0, 10_000))
def test_random_builder_mlps_pass_the_check(sizes, activation, loss, seed):
    if loss == "softmax-ce":
        sizes[-1] = max(sizes[-1], 2)  # a softmax of one output is constant (the builder refuses it)
    network = builtin(f"mlp:{'-'.join(map(str, sizes))}:{activation}:{loss}")
    result = check_gradients(codegen.load_module(network), network, batch=4, seed=seed)
    assert result.ok, result.summary()


def test_parameter_that_cannot_reach_the_loss_has_zero_gradient():
    x, t, w, v, z, u = sp.symbols("x t w v z u")
    with pytest.warns(UserWarning, match="cannot reach the loss"):
        network = Network("dead", [x], [t], [w, v], [(z, w * x), (u, v * x)], (z - t) ** 2)
    module = codegen.load_module(network)
    loss, grads = module.gradients({"w": 0.5, "v": 2.0}, {"x": [1.0, 2.0], "t": [0.0, 1.0]})
    assert grads["v"] == 0.0 and grads["w"] == pytest.approx(np.mean([2 * 0.5, 2 * 0.0 * 2]))
    assert check_gradients(module, network).ok


@pytest.mark.parametrize("spec", ["seed-121", "layers:2-3-2:sigmoid:squared"])
def test_a_missing_name_raises_a_key_error_listing_the_expected_ones(spec):
    from symbolic.matrix import parse_layers

    network = parse_layers(spec) if spec.startswith("layers:") else builtin(spec)
    module = codegen.load_module(network)
    rng = np.random.default_rng(0)
    params = {k: rng.normal(size=s) for k, s in module.SHAPES.items()} if spec.startswith(
        "layers:") else {name: 0.1 for name in module.PARAMS}
    x, t = module.INPUTS[0], module.TARGETS[0]   # x, t; X, T for layers: (declared names)
    data = {x: np.ones((3, 2)), t: np.ones((3, 2))} if spec.startswith("layers:") else \
        {x: np.ones(3), t: np.ones(3)}
    missing = module.PARAMS[2]
    for function in (module.forward, module.loss, module.gradients, module.gradients_naive):
        with pytest.raises(KeyError) as info:
            function({k: v for k, v in params.items() if k != missing}, data)
        assert str(info.value) == (f"params has no {missing!r} (expected params keys: "
                                   f"{', '.join(module.PARAMS)})")
        with pytest.raises(KeyError, match=f"data has no '{t}' \\(expected data keys: {x}, {t}\\)"):
            function(params, {x: data[x]})


def test_scalar_modules_keep_the_datas_floating_dtype(modules):
    network, module = modules("seed-121")
    params = dict(zip(module.PARAMS, (0.5, -0.3, 0.8, 0.2)))
    x = np.linspace(-1, 1, 50)
    wide = {"x": x, "t": np.full(50, 0.5)}
    narrow = {k: v.astype(np.float32) for k, v in wide.items()}
    assert {v.dtype for v in module.forward(params, narrow).values()} == {np.dtype(np.float32)}
    assert {v.dtype for v in module.forward(params, wide).values()} == {np.dtype(np.float64)}
    ints = {"x": np.arange(3), "t": [0, 1, 0]}
    assert module.forward(params, ints)["y"].dtype == np.float64
    loss32, grads32 = module.gradients(params, narrow)
    loss64, grads64 = module.gradients(params, wide)
    assert isinstance(loss32, float) and loss32 != loss64      # float32 arithmetic ...
    assert loss32 == pytest.approx(loss64, rel=1e-6)           # ... to float32 precision
    assert all(grads32[k] == pytest.approx(grads64[k], rel=1e-5, abs=1e-7) for k in grads64)
