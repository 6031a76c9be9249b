"""deltaprop train --init/--save, the generated modules' init_params, and divergence (exit 1)."""
import math
import textwrap

import numpy as np
import pytest
import sympy as sp

from codegen import generate_module, load_module
from codegen.initial import init_bounds
from deltaprop.loading import load_network
from symbolic import Network, builtin
from symbolic.matrix import parse_layers
from test_cli_output import files_under, one_line_error, run

LINE_NET = "input x\ntarget t\nparam w b\ny = w*x + b\nloss = (y - t)^2/2\n"


@pytest.fixture
def line(tmp_path):
    net = tmp_path / "line.net"
    net.write_text(LINE_NET)
    x = np.linspace(-3, 3, 50)
    np.savez(tmp_path / "d.npz", x=x, t=2 * x + 1)
    return net, tmp_path / "d.npz"


@pytest.fixture
def classes(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 3))
    np.savez(tmp_path / "m.npz", X=X, T=np.eye(2)[(X[:, 0] > X[:, 1]).astype(int)])
    return "layers:3-4-2:tanh:softmax-ce", tmp_path / "m.npz"


def arrays(path) -> dict:
    with np.load(path) as archive:
        return {k: archive[k] for k in archive.files}


# -- --save and --init ---------------------------------------------------------------------
@pytest.mark.parametrize("problem", ["line", "classes"])
def test_save_then_init_round_trips_exactly(tmp_path, capsys, request, problem):
    network, data = request.getfixturevalue(problem)
    common = ["train", network, "--data", data, "--lr", "0.05", "--seed", "3"]
    assert run(capsys, *common, "--epochs", "2", "--save", tmp_path / "two.npz")[0] == 0
    assert run(capsys, *common, "--epochs", "1", "--save", tmp_path / "one.npz")[0] == 0
    code, out, _ = run(capsys, *common, "--epochs", "1", "--init", tmp_path / "one.npz",
                       "--save", tmp_path / "one_more.npz")
    assert code == 0 and f"parameters written to {tmp_path / 'one_more.npz'}" in out
    two, one_more = arrays(tmp_path / "two.npz"), arrays(tmp_path / "one_more.npz")
    assert list(two) == list(one_more)
    for name in two:                       # 2 epochs = 1 epoch, saved, loaded, 1 more epoch
        np.testing.assert_array_equal(two[name], one_more[name])
        assert two[name].dtype == one_more[name].dtype
    assert run(capsys, *common, "--epochs", "0", "--init", tmp_path / "one.npz",
               "--save", tmp_path / "again.npz")[0] == 0
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "one.npz").read_bytes()


def test_saved_parameters_are_keyed_by_name_with_the_module_shapes(tmp_path, capsys, classes):
    network, data = classes
    assert run(capsys, "train", network, "--data", data, "--epochs", "3",
               "--save", tmp_path / "p.npz")[0] == 0
    saved = arrays(tmp_path / "p.npz")
    module = load_module(generate_module(parse_layers(network)))
    assert {k: v.shape for k, v in saved.items()} == module.SHAPES
    assert all(v.dtype == np.float32 for v in saved.values())


def test_init_is_used_as_given(tmp_path, capsys, line):
    net, data = line
    np.savez(tmp_path / "exact.npz", w=np.float64(2.0), b=np.float64(1.0))
    code, out, _ = run(capsys, "train", net, "--data", data, "--init", tmp_path / "exact.npz",
                       "--epochs", "5")
    assert code == 0
    assert "loss on the training set (50 samples): 0 -> 0" in out
    assert "parameters: w = 2, b = 1" in out


@pytest.mark.parametrize("params, words", [
    ({"w": 1.0}, ["no parameter 'b' (1 missing; the file has: w)"]),
    ({"w": 1.0, "b": 0.0, "c": 3.0}, ["'c' is not a parameter of the network (it has: w, b)"]),
    ({"w": [1.0], "b": 0.0}, ["parameter 'w' has shape (1,); the network's is ()"]),
    ({"w": np.nan, "b": 0.0}, ["parameter 'w' is nan, not a finite float64"]),
    ({"w": "one", "b": 0.0}, ["array 'w' holds <U3 values, not real numbers"]),
])
def test_bad_init_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, line, params, words):
    net, data = line
    np.savez(tmp_path / "init.npz", **params)
    before = files_under(tmp_path)
    code, out, err = run(capsys, "train", net, "--data", data, "--init", tmp_path / "init.npz",
                         "--save", tmp_path / "p.npz")
    one_line_error(code, err, "init.npz", *words)
    assert out == "" and files_under(tmp_path) == before


def test_bad_matrix_init_names_the_expected_shape(tmp_path, capsys, classes):
    network, data = classes
    np.savez(tmp_path / "init.npz", W1=np.zeros((3, 4)), b1=np.zeros(4), W2=np.zeros((2, 4)),
             b2=np.zeros(2))
    code, _, err = run(capsys, "train", network, "--data", data, "--init", tmp_path / "init.npz")
    one_line_error(code, err, "parameter 'W1' has shape (3, 4); the network's is (4, 3)")
    (tmp_path / "text.npz").write_text("W1,b1\n")
    code, _, err = run(capsys, "train", network, "--data", data, "--init", tmp_path / "text.npz")
    one_line_error(code, err, "text.npz: not a readable .npz archive")
    code, _, err = run(capsys, "train", network, "--data", data, "--init", tmp_path / "no.npz")
    one_line_error(code, err, "no.npz: cannot read")


def test_save_never_replaces_an_input_and_says_so_before_training(tmp_path, capsys, line):
    net, data = line
    np.savez(tmp_path / "init.npz", w=np.float64(1.0), b=np.float64(0.0))
    for target in (data, net, tmp_path / "init.npz"):
        before = target.read_bytes()
        code, out, err = run(capsys, "train", net, "--data", data, "--init",
                             tmp_path / "init.npz", "--save", target)
        one_line_error(code, err, "refusing to overwrite an input file")
        assert out == "" and target.read_bytes() == before


# -- init_params in the generated modules ----------------------------------------------------
def test_matrix_init_params_is_glorot_uniform_and_deterministic():
    module = load_module(generate_module(parse_layers("layers:300-200-10:relu:softmax-ce")))
    first, again, other = module.init_params(5), module.init_params(5), module.init_params(6)
    for name, shape in module.SHAPES.items():
        assert first[name].shape == shape and first[name].dtype == np.float32
        np.testing.assert_array_equal(first[name], again[name])
        if len(shape) == 1:
            assert not first[name].any()                         # biases start at 0
            continue
        assert not np.array_equal(first[name], other[name])
        bound = math.sqrt(6 / (shape[0] + shape[1]))             # Glorot & Bengio (2010), eq. 16
        values = first[name].astype(float)
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.98 * bound               # fills the whole range
        assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)   # uniform's std
        assert abs(values.mean()) < 0.05 * bound
    assert module.init_params(5, np.float64)["W1"].dtype == np.float64


def test_scalar_mlp_starts_from_the_same_bounds_as_its_matrix_twin():
    network = load_network("mlp:3-4-2:tanh:softmax-ce")
    module = load_module(generate_module(network))
    expected = {"w1": math.sqrt(6 / (3 + 4)), "w2": math.sqrt(6 / (4 + 2)), "b": 0.0}
    for name, bound in module.INIT_BOUNDS.items():
        assert bound == pytest.approx(expected[name[:2] if name.startswith("w") else "b"], abs=1e-15)
    params = module.init_params(11)
    assert list(params) == list(module.PARAMS)
    assert all(abs(params[p]) <= module.INIT_BOUNDS[p] for p in params)
    assert params == module.init_params(11) and params != module.init_params(12)
    assert all(isinstance(v, np.float64) for v in params.values())


def test_scalar_bounds_come_from_the_graph_fans():
    x, y, t, w, v, b, c, s, u, z = sp.symbols("x y t w v b c s u z")
    network = Network("fans", inputs=[x, y], targets=[t], params=[w, v, b, c, s],
                      equations=[(u, sp.exp(w * x) + v * x * y + 3 * b),
                                 (z, sp.tanh(u + c * x) * s)],
                      loss=(z - t) ** 2)
    bounds = init_bounds(network)
    # u reads x, y (fan-in 2); x is read by u and z (fan-out 2), y by u only
    assert bounds[w] == pytest.approx(math.sqrt(6 / (2 + 2)))
    assert bounds[v] == pytest.approx(math.sqrt(6 / (2 + 2)))
    assert bounds[b] == 0.0                                      # 3*b: only ever added
    assert bounds[c] == pytest.approx(math.sqrt(6 / (2 + 2)))    # z reads u, x
    assert bounds[s] == pytest.approx(math.sqrt(6 / (2 + 2)))    # tanh(u + c*x)*s: most-read x
    assert init_bounds(builtin("seed-121")) == {p: math.sqrt(6 / 3) for p in builtin("seed-121").params}


# -- divergence ------------------------------------------------------------------------------
def test_divergence_stops_with_exit_1_one_line_and_nothing_written(tmp_path, capsys, line):
    net, data = line
    code, out, err = run(capsys, "train", net, "--data", data, "--lr", "1000", "--save",
                         tmp_path / "p.npz", "--curve", tmp_path / "curve")
    assert code == 1
    errors = [l for l in err.splitlines() if l.startswith("deltaprop:")]
    assert errors == [l for l in err.splitlines() if "deltaprop" in l] and len(errors) == 1
    assert errors[0].startswith("deltaprop: error: training diverged in epoch ")
    assert "times its start" in errors[0] and "--lr smaller than 1000" in errors[0]
    assert "Traceback" not in err and "warning" not in err
    assert not (tmp_path / "p.npz").exists() and not list(tmp_path.glob("curve*"))


def test_a_non_finite_loss_is_divergence(tmp_path, capsys):
    net = tmp_path / "exp.net"
    net.write_text("input x\ntarget t\nparam w\ny = exp(w*x)\nloss = (y - t)^2\n")
    np.savez(tmp_path / "d.npz", x=np.linspace(0, 50, 20), t=np.ones(20))
    np.savez(tmp_path / "init.npz", w=np.float64(30.0))        # exp(1500) overflows
    code, _, err = run(capsys, "train", net, "--data", tmp_path / "d.npz", "--init",
                       tmp_path / "init.npz", "--save", tmp_path / "p.npz")
    assert code == 1 and err.count("\n") == 1
    assert "the loss at the starting parameters is inf, not a finite number" in err
    np.savez(tmp_path / "init.npz", w=np.float64(0.01))
    np.savez(tmp_path / "d.npz", x=np.linspace(0, 50, 20), t=np.full(20, 10.0))   # w grows
    code, _, err = run(capsys, "train", net, "--data", tmp_path / "d.npz", "--init",
                       tmp_path / "init.npz", "--lr", "10", "--save", tmp_path / "p.npz")
    assert code == 1
    assert err.count("\n") == 1 and "the loss is inf (it started at 75.7485)" in err
    assert err.startswith("deltaprop: error: training diverged in epoch 2:")
    assert not (tmp_path / "p.npz").exists()


def test_a_rising_loss_below_the_divergence_limit_is_a_warning(tmp_path, capsys, classes):
    network, data = classes
    code, out, err = run(capsys, "train", network, "--data", data, "--lr", "1000",
                         "--epochs", "20")
    assert code == 0
    assert "deltaprop: warning: the training loss rose from" in err


def test_healthy_training_says_nothing_about_divergence(tmp_path, capsys, line):
    net, data = line
    code, out, err = run(capsys, "train", net, "--data", data, "--lr", "0.1", "--epochs", "50")
    assert code == 0 and "deltaprop:" not in err
