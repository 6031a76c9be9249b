"""Matrix-level networks: derivation shape, generated code against scalar-level gradients,
central differences and dtype."""
import numpy as np
import pytest

from codegen import generate_module, load_module
from deltaprop.loading import load_network
from symbolic import derive, mlp
from symbolic.errors import NetworkError
from symbolic.evaluate import run
from symbolic.matrix import layers, parse_layers
from symbolic.matrix.text import math_text

CASES = [([2, 3, 2], "sigmoid", "squared"), ([3, 4, 2], "tanh", "softmax-ce"),
         ([2, 3, 3, 1], "softplus", "squared"), ([3, 4, 3], "relu", "softmax-ce"),
         ([2, 3, 2], "identity", "squared"), ([1, 3, 1], "tanh", "squared"),
         ([1, 1], "sigmoid", "squared")]  # one input: W1 is a one-column matrix, not a bias


def _random_problem(net, module, batch, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0, 0.7, s).astype(dtype) for k, s in module.SHAPES.items()}
    n_in, n_out = net.inputs[0].shape[0], net.targets[0].shape[0]
    x = rng.normal(0, 1, (batch, n_in)).astype(dtype)
    if net.name.endswith("softmax-ce"):
        t = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, batch)]
    else:
        t = rng.uniform(0, 1, (batch, n_out)).astype(dtype)
    return params, {"X": x, "T": t}


def _scalar_gradients(sizes, activation, loss, params, data):
    """Mean over the batch of the scalar-level network's δ gradients (symbolic.evaluate)."""
    net = mlp(sizes, activation, loss)
    derivation = derive(net)
    sep = "_" if max(sizes) >= 10 else ""
    values = {}
    for l in range(1, len(sizes)):
        for j in range(sizes[l]):
            values[net.symbol(f"b{l}_{j + 1}")] = float(params[f"b{l}"][j])
            for i in range(sizes[l - 1]):
                values[net.symbol(f"w{l}_{j + 1}{sep}{i + 1}")] = float(params[f"W{l}"][j, i])
    total = {p: 0.0 for p in net.params}
    losses = []
    for x_row, t_row in zip(data["X"], data["T"]):
        sample = dict(values)
        sample.update({s: float(v) for s, v in zip(net.inputs, x_row)})
        sample.update({s: float(v) for s, v in zip(net.targets, t_row)})
        env = run(derivation.program, run(net.forward, sample))
        losses.append(env[net.loss_symbol])
        for p in net.params:
            total[p] += env[derivation.gradient[p]]
    batch = len(data["X"])
    return np.mean(losses), {p.name: g / batch for p, g in total.items()}


@pytest.mark.parametrize("sizes,activation,loss", CASES)
def test_matrix_gradients_equal_scalar_level_gradients(sizes, activation, loss):
    net = layers(sizes, activation, loss)
    module = load_module(generate_module(net))
    params, data = _random_problem(net, module, batch=5, seed=len(sizes))
    value, grads = module.gradients(params, data)
    scalar_value, scalar = _scalar_gradients(sizes, activation, loss, params, data)
    assert value == pytest.approx(scalar_value, rel=1e-10)
    for l in range(1, len(sizes)):
        for j in range(sizes[l]):
            assert grads[f"b{l}"][j] == pytest.approx(scalar[f"b{l}_{j + 1}"], rel=1e-9, abs=1e-12)
            for i in range(sizes[l - 1]):
                assert grads[f"W{l}"][j, i] == pytest.approx(scalar[f"w{l}_{j + 1}{i + 1}"],
                                                            rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("sizes,activation,loss", CASES)
def test_matrix_gradients_match_central_differences(sizes, activation, loss):
    net = layers(sizes, activation, loss)
    module = load_module(generate_module(net))
    params, data = _random_problem(net, module, batch=6, seed=7)
    _, grads = module.gradients(params, data)
    rng = np.random.default_rng(1)
    for _ in range(3):
        direction = {k: rng.normal(size=v.shape) for k, v in params.items()}
        h = 1e-6
        shifted = lambda s: {k: v + s * h * direction[k] for k, v in params.items()}  # noqa: E731
        numeric = (module.loss(shifted(1), data) - module.loss(shifted(-1), data)) / (2 * h)
        analytic = sum(float(np.sum(grads[k] * direction[k])) for k in params)
        assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("sizes,activation,loss", CASES[:2])
def test_naive_equals_shared_and_forward_matches_loss(sizes, activation, loss):
    net = layers(sizes, activation, loss)
    module = load_module(generate_module(net))
    params, data = _random_problem(net, module, batch=4, seed=3)
    value, grads = module.gradients(params, data)
    naive_value, naive = module.gradients_naive(params, data)
    assert naive_value == value == module.loss(params, data) == module.forward(params, data)["L"]
    for k in module.PARAMS:
        np.testing.assert_array_equal(naive[k], grads[k])


@pytest.mark.parametrize("sizes,activation,loss", CASES)
def test_in_place_rewrites_never_touch_the_callers_arrays(sizes, activation, loss):
    """The generated code writes in place (bias, ReLU, δ masks) only into arrays it made:
    read-only inputs raise on any write, and a second call gives the same numbers."""
    net = layers(sizes, activation, loss)
    module = load_module(generate_module(net))
    params, data = _random_problem(net, module, batch=5, seed=11)
    for array in list(params.values()) + list(data.values()):
        array.setflags(write=False)
    first = module.gradients(params, data)
    second = module.gradients(params, data)
    naive = module.gradients_naive(params, data)
    nodes = module.forward(params, data)
    assert first[0] == second[0] == naive[0] == module.loss(params, data) == nodes["L"]
    for k in module.PARAMS:
        np.testing.assert_array_equal(first[1][k], second[1][k])
        np.testing.assert_array_equal(first[1][k], naive[1][k])


def test_float32_in_float32_out():
    net = parse_layers("layers:6-5-4:relu:softmax-ce")
    module = load_module(generate_module(net))
    params, data = _random_problem(net, module, batch=8, seed=0, dtype=np.float32)
    value, grads = module.gradients(params, data)
    assert np.asarray(value).dtype == np.float32
    assert all(g.dtype == np.float32 and g.shape == params[k].shape for k, g in grads.items())
    assert all(v.dtype == np.float32 for v in module.forward(params, data).values())


def test_derivation_is_the_textbook_recursion():
    derivation = derive(parse_layers("layers:2-3-2:sigmoid:squared"))
    text = {math_text(lhs): math_text(rhs) for lhs, rhs in derivation.program}
    assert text["δ_A1"] == "W2ᵀ·δ_Z2"
    assert text["δ_Z1"] == "δ_A1 ⊙ A1 ⊙ (1 - A1)"
    assert text["∂L/∂W1"] == "δ_Z1·Xᵀ"
    assert text["∂L/∂b2"] == "δ_Z2·1"
    assert "δ_X" not in text  # the input needs no gradient


def test_generated_code_uses_matmul_and_is_deterministic():
    net = parse_layers("layers:4-3-2:tanh:squared")
    source = generate_module(net)
    assert "Z1 = X @ W1.T  #" in source and "Z1 += b1  #" in source
    assert "delta_Z1.T @ X" in source and "ones_B @ delta_Z1" in source
    assert source == generate_module(parse_layers("layers:4-3-2:tanh:squared"))


def test_layers_name_is_a_network_everywhere():
    assert load_network("layers:784-256-128-10:relu:softmax-ce").params[0].shape == (256, 784)


@pytest.mark.parametrize("spec,message", [
    ("layers:2-x-1:relu:squared", "sizes must be integers"),
    ("layers:2-3-1:gelu:squared", "unknown activation"),
    ("layers:2-3-1:relu:hinge", "unknown loss"),
    ("layers:2-3-1", "expected layers:SIZES"),
    ("layers:2-3-1:relu:softmax-ce", "softmax-ce needs at least two outputs"),
    ("layers:100000-1000-1:relu:squared", "100,002,001 weights and biases, over the limit"),
])
def test_bad_layers_names(spec, message):
    with pytest.raises(NetworkError, match=message):
        parse_layers(spec)


def test_derive_prints_the_matrix_form_with_shapes(capsys):
    from deltaprop.cli import main

    assert main(["derive", "layers:4-5-3:relu:softmax-ce", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert r"\delta_{A^{(1)}} &= \left(W^{(2)}\right)^{\top} \delta_{Z^{(2)}} && [5 \times B]" in out
    assert r"\frac{\partial L}{\partial W^{(1)}} &= \delta_{Z^{(1)}} X^{\top} && [5 \times 4]" in out
    assert (r"\delta_{Z^{(2)}} &= \frac{1}{B} \, \left(Y \odot \left(\mathbf{1} T_{\mathrm{sum}}\right) - T\right)"
            in out)   # exact for any T: softmax(Z)·ΣT − T
    assert main(["derive", "layers:4-5-3:relu:softmax-ce", "--at", "x=1"]) == 2


def test_check_command_on_matrix_networks(capsys):
    from deltaprop.cli import main

    assert main(["check", "layers:3-4-2:sigmoid:squared"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("ok")


def test_scalar_only_commands_fail_with_one_line(tmp_path, capsys):
    from deltaprop.cli import main

    assert main(["graph", "layers:3-4-2:sigmoid:squared", "-o", str(tmp_path / "g.dot")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "matrix-level network" in err


def test_matmul_rule_with_three_factors_and_a_coefficient():
    """d/dF of <G, c·A·B·D> against the explicit entries, differentiated by SymPy."""
    import sympy as sp

    from symbolic.matrix.rules import vjp

    A, B, D, G = (sp.MatrixSymbol(n, r, c) for n, r, c in
                  [("A", 2, 3), ("B", 3, 2), ("D", 2, 4), ("G", 2, 4)])
    expr = sp.MatMul(sp.Rational(3, 2), A, B, D)
    cotangents = vjp(expr, G)
    assert cotangents[0] is None  # the coefficient
    rng = np.random.default_rng(0)
    values = {m: sp.Matrix(rng.integers(-3, 4, m.shape)) for m in (A, B, D, G)}
    for matrix, cotangent in zip((A, B, D), cotangents[1:]):
        entries = sp.Matrix(*matrix.shape, lambda i, j: sp.Symbol(f"e{i}{j}"))
        explicit = sum(sp.matrix_multiply_elementwise(
            expr.subs({**values, matrix: entries}).doit(), values[G]))
        expected = entries.applyfunc(lambda e: sp.diff(explicit, e))
        assert sp.Matrix(cotangent.subs(values).doit()) == expected
