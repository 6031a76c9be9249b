"""The generated matrix modules' contract for what users write: a 0-d loss, checked shapes,
per-sample losses, and ``deltaprop train``'s data, ``--init`` and accuracy built on them.

The networks are the persona's (``/work/persona``: specs2/single.net, py/meanloss.py,
specs/softplus_out.net, specs/decay.net), copied here; every expected number is computed
here with NumPy from the formula written out.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from cli import one_line_error, run_cli as run
from codegen import check_gradients, generate_module, load_module
from symbolic import Network
from symbolic.matrix import BATCH, Mean, hadamard, sum_rows
from symbolic.spec import parse_spec

SINGLE = "input X[3]\nparam W[2,3]\nloss = sum(W^2) + sum(W)\n"
DECAY = """\
input X[3]
target T[2]
param W[2,3] b[2]
Y = W @ X + b
loss = sum((Y - T)^2)/2 + 0.01*sum(W^2)
"""
#: the last node Z is a logit: the loss is cross-entropy written out on it.
LOGIT = """\
input X[3]
target Y
param w[1,3] b
Z = w @ X + b
loss = sum(log(1 + exp(Z)) - Y*Z)
"""
#: the last node P is a probability: squared error on a sigmoid.
PROBABILITY = """\
input X[3]
target Y
param w[1,3] b
P = sigmoid(w @ X + b)
loss = sum((P - Y)^2)
"""
SOFTMAX = """\
input X[3]
target T[4]
param W[4,3] c[4]
Z = W @ X + c
loss = logsumexp(Z)*sum(T) - sum(T*Z) + 0.5*sum(W^2)
"""


def meanloss_network():
    """The persona's py/meanloss.py: a batch mean plus a term 1ᵀ·W^∘2·1/100 outside it."""
    X, T = sp.MatrixSymbol("X", 4, BATCH), sp.MatrixSymbol("T", 3, BATCH)
    W, Z = sp.MatrixSymbol("W", 3, 4), sp.MatrixSymbol("Z", 3, BATCH)
    return Network("meanloss", inputs=[X], targets=[T], params=[W], equations=[(Z, W * X)],
                   loss=Mean(sum_rows(hadamard(Z - T, Z - T)))
                   + sum_rows(sp.HadamardPower(W, 2)) * sp.OneMatrix(4, 1) / 100)


def module_of(spec_or_network, backend=None):
    network = parse_spec(spec_or_network) if isinstance(spec_or_network, str) else spec_or_network
    return load_module(generate_module(network, backend))


def point(module, batch=5, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0, 0.5, s).astype(dtype) for k, s in module.SHAPES.items()}
    data = {k: rng.normal(0, 1, (batch,) + module.DATA_SHAPES[k]).astype(dtype)
            for k in module.INPUTS + module.TARGETS}
    return params, data


# -- A: the loss is one number, 0-d ---------------------------------------------------------
def expected_loss(name, p, d):
    W = p["W"].astype(np.float64)
    if name == "single":
        return np.sum(W ** 2) + np.sum(W)
    if name == "meanloss":
        Z = d["X"].astype(np.float64) @ W.T
        return np.mean(np.sum((Z - d["T"]) ** 2, axis=1)) + np.sum(W ** 2) / 100
    Y = d["X"].astype(np.float64) @ W.T + p["b"]
    return np.mean(np.sum((Y - d["T"]) ** 2, axis=1) / 2) + 0.01 * np.sum(W ** 2)


@pytest.mark.parametrize("name, network", [("single", SINGLE), ("decay", DECAY),
                                           ("meanloss", None)])
def test_every_loss_is_a_0d_scalar_of_the_data_dtype(name, network):
    module = module_of(network or meanloss_network())
    p, d = point(module)
    returned = [module.loss(p, d), module.gradients(p, d)[0], module.gradients_naive(p, d)[0]]
    for value in returned:
        assert isinstance(value, np.float32) and np.ndim(value) == 0, (type(value), np.shape(value))
        assert float(value) == pytest.approx(expected_loss(name, p, d), rel=1e-5)
    assert check_gradients(module, batch=6).ok


def test_check_of_a_single_number_loss_runs(tmp_path, capsys):
    spec = tmp_path / "single.net"
    spec.write_text(SINGLE)
    code, out, err = run(capsys, "check", spec)
    assert code == 0 and out.rstrip().endswith(": ok"), (out, err)


def test_weight_decay_is_not_broadcast_to_the_batch():
    source = generate_module(parse_spec(DECAY))
    assert "np.full(" not in source
    assert "+ 0.01 * (W**2).sum()" in source      # its own mean: added once, not B times


def test_array_api_modules_give_0d_losses_too():
    module = module_of(SINGLE, "array-api")
    p, d = point(module)
    value = module.loss(p, d)
    assert np.ndim(value) == 0 and float(value) == pytest.approx(expected_loss("single", p, d), rel=1e-5)


# -- B: shapes are checked ------------------------------------------------------------------
def test_a_one_entry_target_may_be_1d_and_gives_the_same_loss():
    module = module_of(LOGIT)
    p, d = point(module, batch=7, dtype=np.float64)
    flat = {**d, "Y": d["Y"][:, 0]}
    z = d["X"] @ p["w"][0] + p["b"][0, 0]
    expected = np.mean(np.logaddexp(0, z) - d["Y"][:, 0] * z)
    assert module.loss(p, flat) == pytest.approx(expected, rel=1e-12)
    assert module.loss(p, d) == pytest.approx(expected, rel=1e-12)
    grads_flat, grads = module.gradients(p, flat)[1], module.gradients(p, d)[1]
    assert all(np.array_equal(grads_flat[k], grads[k]) for k in grads)


def test_a_one_by_one_parameter_may_be_a_number():
    module = module_of(LOGIT)
    p, d = point(module, dtype=np.float64)
    assert module.loss({**p, "b": float(p["b"][0, 0])}, d) == module.loss(p, d)


@pytest.mark.parametrize("change, message", [
    (lambda p, d: ({**p, "b": p["b"][:, None]}, d),
     "params['b'] has shape (2, 1); expected (2,): the declared SHAPES['b']"),
    (lambda p, d: (p, {**d, "T": d["T"][:4]}),
     "data['T'] has shape (4, 2); expected (5, 2): one row per sample (5 as in data['X'], "
     "the first input)"),
    (lambda p, d: (p, {**d, "T": d["T"][:, :1]}),
     "data['T'] has shape (5, 1); expected (5, 2)"),
    (lambda p, d: (p, {**d, "X": d["X"].T}),
     "data['X'] has shape (3, 5); expected (3, 3): one row per sample, each of "
     "DATA_SHAPES['X'] = (3,)"),
    (lambda p, d: ({**p, "W": p["W"].T}, d),
     "params['W'] has shape (3, 2); expected (2, 3)"),
])
@pytest.mark.parametrize("function", ["loss", "gradients", "gradients_naive", "forward"])
def test_a_wrong_shape_is_one_value_error_naming_the_array(change, message, function):
    module = module_of(DECAY)
    params, data = change(*point(module))
    with pytest.raises(ValueError) as info:
        getattr(module, function)(params, data)
    assert str(info.value).startswith(message), str(info.value)


def test_the_persona_silent_cases_now_raise():
    """T as (B,) for T[1]... is fine; a (B,) T for a two-unit target or T (B, B) are not."""
    module = module_of(LOGIT)
    p, d = point(module, batch=5, dtype=np.float64)
    with pytest.raises(ValueError, match=r"data\['Y'\] has shape \(5, 5\); expected \(5, 1\)"):
        module.loss(p, {**d, "Y": np.ones((5, 5))})


def test_array_api_modules_check_shapes():
    module = module_of(DECAY, "array-api")
    p, d = point(module)
    with pytest.raises(ValueError, match=r"params\['b'\] has shape \(2, 1\)"):
        module.loss({**p, "b": p["b"][:, None]}, d)


# -- C: per-sample losses, and the class they predict --------------------------------------
def test_sample_losses_are_the_per_sample_formula():
    module = module_of(SOFTMAX)
    p, d = point(module, batch=6, dtype=np.float64)
    z = d["X"] @ p["W"].T + p["c"]
    lse = np.log(np.exp(z).sum(axis=1))
    expected = d["T"].sum(axis=1) * lse - (d["T"] * z).sum(axis=1)   # the decay left out
    assert np.allclose(module.sample_losses(p, d), expected, rtol=1e-12)
    assert module.loss(p, d) == pytest.approx(expected.mean() + 0.5 * np.sum(p["W"] ** 2))


def classes_data(module, n=400, seed=3):
    """Parameters and 0/1 targets where a logit z lands in (0, 0.5) for many samples, so that
    'z > 0' and 'z > 0.5' disagree there."""
    rng = np.random.default_rng(seed)
    w, b = np.array([[0.3, -0.2, 0.1]]), np.array([[0.25]])
    X = rng.normal(0, 1, (n, 3))
    z = X @ w[0] + b[0, 0]
    Y = (rng.random(n) < 0.5 * (1 + np.tanh(2 * z))).astype(float)
    return {"w": w, "b": b}, {"X": X, "Y": Y}, z


@pytest.mark.parametrize("spec, rule", [(LOGIT, lambda z: z > 0),
                                        (PROBABILITY, lambda z: 1 / (1 + np.exp(-z)) > 0.5)])
def test_train_accuracy_decides_by_the_loss(tmp_path, capsys, spec, rule):
    """Both are 'z > 0'; thresholding the last node at 0.5 would give 'z > 0.5' for the logit
    spec, and the data make these two differ."""
    path = tmp_path / "net.net"
    path.write_text(spec)
    params, data, z = classes_data(None)
    np.savez(tmp_path / "data.npz", X=data["X"], Y=data["Y"][:, None])
    np.savez(tmp_path / "init.npz", w=params["w"], b=params["b"])
    right = np.mean(rule(z) == data["Y"])
    assert right != np.mean((z > 0.5) == data["Y"])     # the data tell the rules apart
    code, out, err = run(capsys, "train", path, "--data", tmp_path / "data.npz", "--init",
                         tmp_path / "init.npz", "--epochs", "0", "--dtype", "float64")
    assert code == 0, err
    assert f"accuracy on the training set (400 samples): {right:.2%}" in out, out


# -- train files: the one-entry forms, and the messages ------------------------------------
def test_train_reads_a_flat_target_a_plain_csv_column_and_a_number_for_b(tmp_path, capsys):
    path = tmp_path / "net.net"
    path.write_text(LOGIT)
    params, data, _ = classes_data(None, n=50)
    np.savez(tmp_path / "flat.npz", X=data["X"], Y=data["Y"])             # Y is (50,)
    np.savez(tmp_path / "column.npz", X=data["X"], Y=data["Y"][:, None])  # Y is (50, 1)
    (tmp_path / "plain.csv").write_text("X_1,X_2,X_3,Y\n" + "".join(
        ",".join(repr(float(v)) for v in (*x, y)) + "\n" for x, y in zip(data["X"], data["Y"])))
    np.savez(tmp_path / "init.npz", w=params["w"], b=0.25)                # b a number
    outputs = []
    for name in ("flat.npz", "column.npz", "plain.csv"):
        code, out, err = run(capsys, "train", path, "--data", tmp_path / name, "--init",
                             tmp_path / "init.npz", "--epochs", "3", "--dtype", "float64")
        assert code == 0, err
        outputs.append(out.split("\n", 1)[1])
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_wrong_data_shape_says_what_the_shapes_are(tmp_path, capsys):
    path = tmp_path / "net.net"
    path.write_text(DECAY)
    np.savez(tmp_path / "d.npz", X=np.zeros((30, 3)), T=np.zeros((30, 5)))
    code, _, err = run(capsys, "train", path, "--data", tmp_path / "d.npz")
    one_line_error(code, err, "array 'T' has shape (30, 5); expected (30, 2): one row per "
                   "sample, N = 30 as in array 'X', 2 entries each (the network's T[2]) "
                   "(the file's shapes: X (30, 3), T (30, 5))")


def test_init_refuses_an_added_axis(tmp_path, capsys):
    path = tmp_path / "net.net"
    path.write_text(DECAY)
    np.savez(tmp_path / "d.npz", X=np.zeros((30, 3)), T=np.zeros((30, 2)))
    np.savez(tmp_path / "init.npz", W=np.zeros((2, 3)), b=np.zeros((2, 1)))
    code, _, err = run(capsys, "train", path, "--data", tmp_path / "d.npz", "--init",
                       tmp_path / "init.npz")
    one_line_error(code, err, "parameter 'b' has shape (2, 1); the network's is (2,)")
