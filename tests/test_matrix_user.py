"""Matrix networks that users declare (issue 12): in Python and in .net specs, any inputs,
targets and parameter order, every element-wise function of scalar specs, every command.

Gradients are checked against the network's scalar twin (every matrix entry a symbol, derived
by the scalar engine: ``matrix_twin``) and against central differences of the module's loss.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp

from codegen import check_gradients, generate_module, load_module
from codegen.check import random_matrix_point
from deltaprop.cli import main
from matrix_twin import twin_gradients
from symbolic import Network, derive
from symbolic.errors import NetworkError, NetworkWarning
from symbolic.matrix import (BATCH, Apply, MatrixNetwork, apply, hadamard,
                             over_batch, sum_rows)
from symbolic.matrix.functions import SCALAR, elementwise_derivative
from symbolic.matrix.text import math_text
from symbolic.spec import SpecError, parse_spec

M = sp.MatrixSymbol

#: The issue's contract, verbatim.
AUTOENCODER = """\
# tied-weight autoencoder
input X[6]              # a per-sample vector of 6 entries; the batch is implicit
target T[6]
param W[3,6] b[3] c[6]  # a 3×6 matrix and two vectors
Z = W @ X + b           # matrix product; b is added to every sample
H = sigmoid(Z)          # element-wise
R = W.T @ H + c         # W.T: the transpose (the one attribute a spec may use)
loss = sum((R - T)^2)/2 # one number per sample; modules report the batch mean
"""


def python_autoencoder(params_order=("W", "b", "c")) -> MatrixNetwork:
    X, T = M("X", 6, BATCH), M("T", 6, BATCH)
    declared = {"W": M("W", 3, 6), "b": M("b", 3, 1), "c": M("c", 6, 1)}
    W, b, c = declared["W"], declared["b"], declared["c"]
    Z, H, R = M("Z", 3, BATCH), M("H", 3, BATCH), M("R", 6, BATCH)
    error = R - T
    return Network("autoencoder", [X], [T], [declared[k] for k in params_order],
                   [(Z, W * X + over_batch(b)), sp.Eq(H, apply("sigmoid", Z)),
                    (R, W.T * H + over_batch(c))],
                   sum_rows(hadamard(error, error)) / 2)


def two_inputs_bce() -> MatrixNetwork:
    """Two inputs, parameters out of order, binary cross-entropy written with log."""
    X, C, T = M("X", 4, BATCH), M("C", 2, BATCH), M("T", 1, BATCH)
    W1, b1, V, W2, b2 = M("W1", 3, 4), M("b1", 3, 1), M("V", 3, 2), M("W2", 1, 3), M("b2", 1, 1)
    H, Y = M("H", 3, BATCH), M("Y", 1, BATCH)
    ones = sp.OneMatrix(1, BATCH)
    bce = -sum_rows(hadamard(T, apply("log", Y)) + hadamard(ones - T, apply("log", ones - Y)))
    return MatrixNetwork("two-inputs", [X, C], [T], [b1, W1, b2, W2, V],
                         [(H, apply("tanh", W1 * X + V * C + over_batch(b1))),
                          (Y, apply("sigmoid", W2 * H + over_batch(b2)))], bce)


def no_target() -> MatrixNetwork:
    X = M("X", 3, BATCH)
    W, b, H = M("W", 2, 3), M("b", 2, 1), M("H", 2, BATCH)
    return MatrixNetwork("energy", [X], [], [W, b],
                         [(H, apply("softplus", W * X + over_batch(b)))], sum_rows(hadamard(H, H)))


def test_the_network_contract_takes_matrix_symbols():
    """``Network`` with MatrixSymbols is the matrix network ``MatrixNetwork`` builds, through
    the same sweep; scalar keywords that mean nothing for matrices are one clear error."""
    network = python_autoencoder()
    assert isinstance(network, MatrixNetwork)
    X, T, W, b, c = network.inputs + network.targets + network.params
    direct = MatrixNetwork("autoencoder", [X], [T], [W, b, c], network.equations, network.loss)
    assert list(derive(network).program) == list(derive(direct).program)
    assert generate_module(network) == generate_module(direct)
    with pytest.raises(NetworkError, match="latex_names is for scalar networks"):
        Network("n", [X], [], [W], [], sum_rows(W * X), latex_names={"W": "w"})
    x, w = sp.symbols("x w")
    assert not isinstance(Network("s", [x], [], [w], [], (w * x) ** 2), MatrixNetwork)


def test_readme_python_matrix_example_runs():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("The same network in Python")[1].split("```python\n")[1].split("```")[0]
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)  # our own README, not user text
    network = scope["network"]
    assert isinstance(network, MatrixNetwork)
    ours = load_module(generate_module(network))
    spec = load_module(generate_module(parse_spec(AUTOENCODER, "autoencoder.net")))
    params, data = random_matrix_point(spec, 5, 1)
    for k, g in spec.gradients(params, data)[1].items():
        np.testing.assert_allclose(ours.gradients(params, data)[1][k], g, rtol=1e-12)


def assert_matches_twin(network, batch=4, seed=0, positive=False, dtype=np.float64):
    """Module gradients == the scalar twin's (rel 1e-9), and the module's loss too."""
    module = load_module(generate_module(network))
    params, data = random_matrix_point(module, batch, seed, dtype, positive=positive)
    loss, grads = module.gradients(params, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        twin_loss, twin = twin_gradients(network, params, data)
    assert float(loss) == pytest.approx(twin_loss, rel=1e-9)
    for name in module.PARAMS:
        assert grads[name].shape == np.shape(params[name])
        np.testing.assert_allclose(grads[name], twin[name], rtol=1e-8, atol=1e-11)
    return module


# --- Python declarations: what broke before ------------------------------------------------

def test_two_inputs_check_from_python_file(tmp_path, capsys):
    """Was ``KeyError: 'C'``: the check drew one input of the first parameter's width."""
    path = tmp_path / "net.py"
    path.write_text("from test_matrix_user import two_inputs_bce\nnetwork = two_inputs_bce()\n")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("ok")


def test_parameters_in_any_order_and_declared_data_names():
    """Was ``IndexError`` for [b1, W1, ...]; data keys were lowercased (x, t)."""
    module = assert_matches_twin(two_inputs_bce())
    assert module.PARAMS == ("b1", "W1", "b2", "W2", "V")
    assert module.INPUTS == ("X", "C") and module.TARGETS == ("T",)
    assert module.SHAPES == {"b1": (3,), "W1": (3, 4), "b2": (1,), "W2": (1, 3), "V": (3, 2)}
    assert module.DATA_SHAPES == {"X": (4,), "C": (2,), "T": (1,)}


def test_no_targets():
    """Was ``IndexError``: a network without targets (an energy) generates and checks."""
    module = assert_matches_twin(no_target())
    assert module.TARGETS == ()
    assert check_gradients(module, no_target()).ok


def test_log_has_a_derivative():
    """Was ``NotImplementedError: no derivative rule for element-wise 'log'``."""
    Z = M("Z", 3, BATCH)
    assert math_text(elementwise_derivative(Apply("log", Z))) == "Z^∘(-1)"


def test_float32_in_float32_out():
    module = load_module(generate_module(two_inputs_bce()))
    params, data = random_matrix_point(module, 5, 1, np.float32)
    loss, grads = module.gradients(params, data)
    assert np.asarray(loss).dtype == np.float32
    assert all(g.dtype == np.float32 and g.shape == params[k].shape for k, g in grads.items())
    assert all(np.asarray(v).dtype == np.float32 for v in module.forward(params, data).values())
    naive_loss, naive = module.gradients_naive(params, data)
    assert all(g.dtype == np.float32 for g in naive.values())


def test_a_network_needs_an_input_and_a_loss_of_one_number_per_sample():
    X, W = M("X", 3, BATCH), M("W", 2, 3)
    with pytest.raises(NetworkError, match="at least one input"):
        MatrixNetwork("n", [], [], [W], [], sum_rows(W * X))
    with pytest.raises(NetworkError, match="one number per sample"):
        MatrixNetwork("n", [X], [], [W], [], W * X)


def test_unreachable_parameter_is_a_warning():
    X, W, V = M("X", 3, BATCH), M("W", 2, 3), M("V", 2, 3)
    with pytest.warns(NetworkWarning, match="parameter V cannot reach the loss"):
        network = MatrixNetwork("n", [X], [], [W, V], [], sum_rows(W * X))
    module = load_module(generate_module(network))
    params, data = random_matrix_point(module, 3, 0)
    assert not module.gradients(params, data)[1]["V"].any()


# --- one set of rules -----------------------------------------------------------------------

def test_element_wise_derivatives_come_from_the_scalar_rules():
    """sigmoid' = r(1 − r), tanh' = 1 − r², exp' = r, sqrt' = 1/(2r), relu' = step: written
    with the function's own value, which the sweep replaces by the stored node."""
    Z = M("Z", 3, BATCH)
    text = {name: math_text(elementwise_derivative(apply(name, Z)))
            for name in ("sigmoid", "tanh", "exp", "sqrt", "relu", "softplus", "abs", "cos")}
    assert text == {"sigmoid": "sigmoid.(Z) ⊙ (1 - sigmoid.(Z))", "tanh": "1 - tanh.(Z)^∘2",
                    "exp": "exp.(Z)", "sqrt": "(1/2)·(sqrt.(Z))^∘(-1)", "relu": "step.(Z)",
                    "softplus": "sigmoid.(Z)", "abs": "sign.(Z)", "cos": "-sin.(Z)"}
    assert math_text(elementwise_derivative(sp.HadamardPower(Z, 3))) == "(3)·Z^∘2"
    assert not hasattr(__import__("symbolic.matrix.functions").matrix.functions, "ELEMENTWISE")


@pytest.mark.parametrize("name", sorted(set(SCALAR) - {"sign", "step"}))
def test_every_element_wise_function_against_twin_and_central_differences(name):
    X = M("X", 3, BATCH)
    W, b, Z, P, H = M("W", 3, 3), M("b", 3, 1), M("Z", 3, BATCH), M("P", 3, BATCH), M("H", 3, BATCH)
    positive = hadamard(Z, Z) + sp.OneMatrix(3, BATCH)  # log and sqrt of positive numbers
    network = MatrixNetwork(f"f-{name}", [X], [], [W, b],
                            [(Z, W * X + over_batch(b)), (P, positive),
                             (H, apply(name, P if name in ("log", "sqrt") else Z))],
                            sum_rows(sp.HadamardPower(H, 3) + hadamard(H, Z)))
    module = assert_matches_twin(network)
    assert check_gradients(module, network).ok


# --- spec files -----------------------------------------------------------------------------

def test_issue_autoencoder_spec_equals_the_python_network_and_its_twin():
    spec = parse_spec(AUTOENCODER, "autoencoder.net")
    assert isinstance(spec, MatrixNetwork)
    text = {math_text(l): math_text(r) for l, r in derive(spec).program}
    assert text["∂L/∂W"] == "H·δ_Rᵀ + δ_Z·Xᵀ"   # tied weights: both uses of W
    assert text["δ_H"] == "W·δ_R" and text["δ_R"] == "(1/B)·(R - T)"
    spec_module = assert_matches_twin(spec)
    python_module = load_module(generate_module(python_autoencoder(("c", "W", "b"))))
    params, data = random_matrix_point(spec_module, 5, 3)
    ours, theirs = spec_module.gradients(params, data), python_module.gradients(params, data)
    assert float(ours[0]) == pytest.approx(float(theirs[0]), rel=1e-12)
    for k in params:
        np.testing.assert_allclose(ours[1][k], theirs[1][k], rtol=1e-12)
    assert spec_module.SHAPES == {"W": (3, 6), "b": (3,), "c": (6,)}


SPEC_CASES = {
    "bce-written-out": "input X[4]\ntarget T[1]\nparam W[3,4] b[3] v[1,3] c[1]\n"
                       "H = tanh(W @ X + b)\nZ = v @ H + c\nloss = sum(log(1 + exp(Z)) - T*Z)\n",
    "softmax-ce": "input X[4]\ntarget T[3]\nparam W[3,4] b[3]\nZ = W @ X + b\n"
                  "loss = logsumexp(Z)*sum(T) - sum(T*Z)\n",
    "softmax-node": "input X[4]\ntarget T[3]\nparam W[3,4] b[3]\nY = softmax(W @ X + b)\n"
                    "loss = -sum(T*log(Y))\n",
    "two-inputs-no-target": "input X[4] C[2]\nparam W[3,4] V[3,2] b[3] a\n"
                            "Z = W @ X + V @ C + b\nH = Z * sigmoid(Z)\n"
                            "loss = sum(H^2) / 2 + 0.01*sum(W^2) + a^2 * sum(Z)\n",
    "functions": "input X[3]\nparam W[3,3] b[3] g[3]\nZ = W @ X + b\nP = Z^2 + 1\n"
                 "loss = sum(sqrt(P) + abs(Z) + sin(Z)*cos(Z) + relu(Z) + softplus(Z) + log(P)"
                 " + exp(-P) + tanh(Z)/P + g*Z - 2/P + 3^2 * Z^3)\n",
    "residual-per-sample-numbers": "input X[3]\ntarget T[3]\nparam W1[3,3] W2[3,3] b[3]\n"
                                   "H = relu(W1 @ X + b)\nR = X + W2 @ H\nS = sum(R)\n"
                                   "loss = sum((R - T)^2) + S * sum(X * R) - S/3 + sum(S * R)\n",
    "constants-ln-e-pi": "input X[2]\nparam W[2,2]\nZ = ln(e + exp(W @ X)) * pi\n"
                         "loss = sum(sqrt(2/pi) * Z^2)\n",
    # a 1-D vector parameter on the left, as the v @ X hint says (was: the loss B times too
    # large, Z @ v of shape (B,) added to (B, 1) columns; and a broadcast traceback)
    "vector-transposed-left": "input X[4]\ntarget T[2]\nparam W[2,4] v[4]\nZ = W @ X\n"
                              "P = (v.T @ X) * Z\nloss = sum((Z - T)^2) + v.T @ X + sum(P)\n",
    # a scalar parameter as a factor and in a penalty (was: "no NumPy printing for Identity")
    "scalar-factor-and-penalty": "input X[4]\ntarget T[2]\nparam W[2,4] s\nZ = s * (W @ X)\n"
                                 "loss = sum((Z - T)^2) + 0.1*s^2\n",
    # weight decay of a one-row parameter (was: `spec` could not write w^∘2·1)
    "one-row-decay": "input X[4]\ntarget T\nparam w[1,4]\nZ = w @ X\n"
                     "loss = sum((Z - T)^2) + sum(w^2)\n",
    "vector-algebra": "input X[2]\nparam W[3,2] u[3] v[3] M[3,3]\n"
                      "Q = M.T @ M\nZ = Q @ (W @ X) + M @ u\nloss = sum(Z * v) + sum(u * v)^2\n",
}


@pytest.mark.parametrize("name", sorted(SPEC_CASES))
def test_spec_networks_against_twin_central_differences_and_float32(name):
    network = parse_spec(SPEC_CASES[name], f"{name}.net")
    module = assert_matches_twin(network, positive=True)
    assert check_gradients(module, network).ok
    params, data = random_matrix_point(module, 5, 2, np.float32, positive=True)
    loss, grads = module.gradients(params, data)
    assert np.asarray(loss).dtype == np.float32
    assert all(g.dtype == np.float32 and g.shape == params[k].shape for k, g in grads.items())


HEAD = "input X[6]\ntarget T[6]\nparam W[3,5] b[3] c[6] V[3,6]\n"
SPEC_ERRORS = [
    ("Z = W @ X\nloss = sum(Z)", "m.net:4:5: W @ X: 3×5 times 6"),
    ("Z = V @ X + c\nloss = sum(Z)", "m.net:4:5: V @ X + c: 3 plus 6"),
    ("Z = V @ X\nloss = Z", "m.net:5:8: the loss must be one number per sample, but this is "
                            "3 per sample; sum its entries with sum(...)"),
    ("Z = X @ V\nloss = sum(Z)", "m.net:4:5: X @ V: 6 times 3×6; per-sample vectors go on the "
                                 "right of @"),
    ("Z = X.T\nloss = sum(Z)", "m.net:4:5: X.T: .T transposes parameters and their "
                               "expressions, not a per-sample 6"),
    ("Z = V.shape\nloss = 1", "m.net:4:5: attribute access is not allowed (only .T, the "
                              "transpose)"),
    ("Z = V @ X\nloss = sum(Z^X)", "m.net:5:12: the exponent must be a number (for a^X write "
                                   "exp(X*log(a)))"),
    ("Z = 2 @ X\nloss = sum(Z)", "m.net:4:5: 2 @ X: @ multiplies matrices and vectors, not a "
                                 "number and 6 (use * for numbers)"),
    ("Z = softmax(W)\nloss = sum(Z)", "m.net:4:5: softmax() works on each sample's entries: "
                                      "its argument must be per sample, not 3×5"),
    ("Z = V @ X\nloss = sum(Z, Z)", "m.net:5:8: sum() of a matrix takes one argument, got 2"),
    ("Z = 3\nloss = sum(X)", "m.net:4:1: Z is a constant: a node must depend on an input or a "
                             "parameter"),
    ("Z = V @ X\nloss = sum(Z)/0", "m.net:5:15: division by zero"),
    ("Z = V @ X\nloss = V[0]", "m.net:5:8: subscripts are not allowed"),
    ("Z = V @ X\nloss = sum(V * W)", "m.net:5:12: V * W: 3×6 times 3×5"),
    ("Z = V @ X\nloss = sum(Z) + xx", "m.net:5:17: unknown name 'xx'"),
    # what a persona trying their own networks wrote (issue 12)
    ("Z = V * X\nloss = sum(Z)", "m.net:4:5: V * X: 3×6 times 6; * is element by element, @ the "
                                 "matrix product"),
    ("Z = b @ W\nloss = sum(Z)", "m.net:4:5: b @ W: 3 times 3×5; b is a column vector: b.T @ ... "
                                 "is the dot product with each column"),
    ("Z = sofmax(V @ X)\nloss = sum(Z)", "m.net:4:5: unknown function 'sofmax' (functions: exp, "
                                         "log, ln, sqrt, sin, cos, tanh, sigmoid, relu, softplus, "
                                         "abs, logsumexp, sum, softmax); did you mean 'softmax'?"),
]


def test_a_parameter_named_l_is_allowed_and_the_loss_is_renamed():
    network = parse_spec("input X[3]\nparam W[3,3] L\nZ = W @ X\nloss = sum(Z)*L\n", "l.net")
    assert network.loss_symbol.name == "L_1" and network.symbol("L") in network.params
    assert_matches_twin(network)


@pytest.mark.parametrize("body,message", SPEC_ERRORS)
def test_matrix_spec_errors_are_located_with_shapes(body, message):
    with pytest.raises(SpecError) as caught:
        parse_spec(HEAD + body, "m.net")
    assert str(caught.value).splitlines()[0].startswith(message)


@pytest.mark.parametrize("declaration,message", [
    ("input X[6,2]", "m.net:1:8: inputs are per-sample vectors: write X[n]"),
    ("param W[3,x]", "m.net:1:11: a dimension must be a positive whole number, got 'x'"),
    ("param W[3", "m.net:1:8: unclosed '[' in the shape of 'W'"),
    ("param [3]", "m.net:1:7: a shape needs a name before it"),
    ("param W[0]", "m.net:1:9: a dimension must be between 1 and 10,000,000, got 0"),
    ("input X[6] x2]", "m.net:1:14: unmatched ']'"),
    ("param W[3,4,5]", "m.net:1:8: W has 3 dimensions"),
    ("param W[100000,100000]", "m.net:1:8: W has 10,000,000,000 entries, over the limit"),
])
def test_bad_shapes_in_declarations(declaration, message):
    with pytest.raises(SpecError) as caught:
        parse_spec(declaration + "\nloss = 1", "m.net")
    assert str(caught.value).startswith(message)


def test_unreachable_parameter_in_a_spec_is_a_located_warning():
    with pytest.warns(NetworkWarning, match=r"m\.net:3:7: .*parameter V cannot reach"):
        parse_spec("input X[2]\nparam W[1,2]\nparam V[3,3]\nloss = sum(W @ X)", "m.net")


# --- every command ----------------------------------------------------------------------------

def test_every_command_on_a_matrix_spec(tmp_path, capsys):
    spec = tmp_path / "autoencoder.net"
    spec.write_text(AUTOENCODER)
    assert main(["info", str(spec)]) == 0
    info = capsys.readouterr().out
    assert "params   W (3×6) b (3) c (6)" in info and "inputs   X (6×B)" in info
    assert main(["build", str(spec), "-o", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "autoencoder.py", "derivation.md", "derivation.tex"]
    assert main(["check", str(spec)]) == 0
    assert main(["derive", str(spec), "--format", "md"]) == 0
    derivation = capsys.readouterr().out
    assert r"\frac{\partial L}{\partial W} &= H \delta_{R}^{\top} + \delta_{Z} X^{\top} && [3 \times 6]" in derivation
    module = load_module((tmp_path / "out" / "autoencoder.py").read_text())
    assert module.INPUTS == ("X",) and module.SHAPES["W"] == (3, 6)


def test_a_bad_matrix_spec_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.net"
    spec.write_text(AUTOENCODER.replace("W.T @ H", "W @ H"))
    out = tmp_path / "out"
    assert main(["build", str(spec), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"deltaprop: error: {spec}:7:5: W @ H: 3×6 times 3\n")
    assert "Traceback" not in err and not out.exists()


def _function_body(source: str, name: str) -> str:
    start = source.index(f"def {name}(")
    return source[start:source.index("\ndef ", start + 1)]


def test_what_the_backward_pass_reads_is_computed_once():
    """relu(W1 @ X + b1) inline: the product is stored (A1_in), not recomputed for step(·);
    sigmoid(Z) inside Z * sigmoid(Z) is stored once (H_sigmoid)."""
    mlp = ("input X[4]\ntarget T[3]\nparam W1[5,4] b1[5] W2[3,5] b2[3]\n"
           "A1 = relu(W1 @ X + b1)\nZ2 = W2 @ A1 + b2\nloss = logsumexp(Z2)*sum(T) - sum(T*Z2)\n")
    body = _function_body(generate_module(parse_spec(mlp, "mlp.net")), "gradients")
    assert body.count("X @ W1.T") == 1 and body.count("_softmax_and_cross_entropy(") == 1
    swish = parse_spec(SPEC_CASES["two-inputs-no-target"], "swish.net")
    assert [s.name for s in swish.nodes] == ["Z", "H_sigmoid", "H"]
    assert _function_body(generate_module(swish), "gradients").count("_sigmoid(") == 1
    assert_matches_twin(parse_spec(mlp, "mlp.net"))


def test_readme_and_example_file_show_the_tested_autoencoder():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert (root / "examples" / "autoencoder.net").read_text() == AUTOENCODER
    assert AUTOENCODER in (root / "README.md").read_text().replace("```\n", "")


def _delta_text(text: str) -> dict:
    return {math_text(l): math_text(r) for l, r in derive(parse_spec(text, "f.net")).program}


def test_cross_node_simplifications_hold_at_the_matrix_level():
    """Issue 12 point 4: log(1 + exp(z)) − Y·z gives δ = σ(z) − Y; logsumexp(Z)·ΣT − Σ(T⊙Z)
    gives softmax(Z)·ΣT − T (exp(Z − lse) is the softmax); log of a softmax node is Z − lse."""
    head = "input X[4]\ntarget Y[1]\nparam W[1,4] b[1]\nZ = W @ X + b\n"
    assert _delta_text(head + "loss = sum(log(1 + exp(Z)) - Y*Z)")["δ_Z"] == \
        "(1/B)·(sigmoid.(Z) - Y)"
    # cross-entropy on a sigmoid node, the pre-activation never named: the argument is stored
    # once (also where the loss negates it) and δ is the textbook (S − Y)/B
    bce = ("input X[4]\ntarget Y[1]\nparam W[3,4] b[3] v[1,3] c[1]\nH = tanh(W @ X + b)\n"
           "S = sigmoid(v @ H + c)\nloss = -sum(Y*log(S) + (1 - Y)*log(1 - S))")
    deltas = _delta_text(bce)
    assert deltas["δ_S_in"] == "(1/B)·(S - Y)" and deltas["δ_H"] == "vᵀ·δ_S_in"
    # a sum's equal terms are merged (the square written as a product)
    assert _delta_text(head + "loss = sum((Z - Y)*(Z - Y))")["δ_Z"] == "(2/B)·(Z - Y)"
    head3 = "input X[4]\ntarget T[3]\nparam W[3,4] b[3]\nZ = W @ X + b\n"
    assert _delta_text(head3 + "loss = logsumexp(Z)*sum(T) - sum(T*Z)")["δ_Z"] == \
        "(1/B)·(L_softmax ⊙ (1·T_sum) - T)"            # L_softmax = softmax(Z), T_sum = 1ᵀ·T
    assert _delta_text(head3 + "Y = softmax(Z)\nloss = -sum(T*log(Y))")["δ_Z"] == \
        "(1/B)·(Y ⊙ (1·T_sum) - T)"


def test_cross_entropy_on_a_sigmoid_node_is_finite_at_large_logits():
    text = ("input X[1]\ntarget T[1]\nparam W[1,1]\nS = sigmoid(W @ X)\n"
            "loss = sum(-T*log(S) - (1 - T)*log(1 - S))\n")
    module = load_module(generate_module(parse_spec(text, "bce.net")))
    data = {"X": np.array([[1000.0], [-1000.0]]), "T": np.array([[0.0], [1.0]])}
    loss, grads = module.gradients({"W": np.array([[1.0]])}, data)
    assert np.isfinite(loss) and loss == pytest.approx(1000.0)
    assert grads["W"][0, 0] == pytest.approx(1000.0)   # mean of (σ − t)·x = (1·1000 + 1·1000)/2


def test_train_a_matrix_spec_on_the_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    spec = tmp_path / "digits.net"
    spec.write_text("input X[64]\ntarget T[10]\nparam W1[32,64] b1[32] W2[10,32] b2[10]\n"
                    "H = relu(W1 @ X + b1)\nZ = W2 @ H + b2\n"
                    "loss = logsumexp(Z)*sum(T) - sum(T*Z)\n")
    assert main(["train", str(spec), "--data", "digits", "--epochs", "5", "--batch-size", "32",
                 "--lr", "0.1", "--optimizer", "momentum"]) == 0
    validation = capsys.readouterr().out.splitlines()[-1]
    assert validation.startswith("accuracy on the validation set")
    assert float(validation.rsplit(" ", 1)[1].rstrip("%")) > 90  # the last node Z is the output


def test_train_a_matrix_spec_on_data_files_keyed_by_declared_names(tmp_path, capsys):
    """train --data FILE (issue 11) for a spec with two inputs: arrays named X and C in .npz,
    columns X_1 ... in .csv; the trained parameters keep their declared shapes."""
    spec = tmp_path / "two.net"
    spec.write_text("input X[3] C[2]\ntarget T[1]\nparam W[4,3] V[4,2] b[4] v[1,4]\n"
                    "H = tanh(W @ X + V @ C + b)\nZ = v @ H\n"
                    "loss = sum(log(1 + exp(Z)) - T*Z)\n")
    rng = np.random.default_rng(0)
    x, c = rng.normal(size=(200, 3)), rng.normal(size=(200, 2))
    t = (x[:, :1] + c[:, :1] > 0).astype(float)
    np.savez(tmp_path / "data.npz", X=x, C=c, T=t)
    header = [f"X_{i}" for i in (1, 2, 3)] + ["C_1", "C_2", "T_1"]
    rows = [",".join(header)] + [",".join(map(repr, r)) for r in np.hstack([x, c, t]).tolist()]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    for data in ("data.npz", "data.csv"):
        saved = tmp_path / f"trained-{data}.npz"
        assert main(["train", str(spec), "--data", str(tmp_path / data), "--epochs", "60",
                     "--lr", "0.5", "--save", str(saved)]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert "accuracy on the training set" in out
        with np.load(saved) as trained:
            assert trained["W"].shape == (4, 3) and trained["b"].shape == (4,)


STORAGE_CASES = {   # vectors are 1-D arrays, n × 1 matrices 2-D: both must meet entry by entry
    "vector-times-column": "input X[2]\nparam b[3] M[3,1] W[3,2]\nu = b * M\nZ = W @ X + u\n"
                           "loss = sum(Z^2)",
    "product-times-column": "input X[2]\nparam b[3] M[3,1] W[3,2] V[3,3]\nu = (V @ b) * M + b\n"
                            "Z = W @ X + u\nloss = sum(Z^2) + sum(u)",
    "row-node": "input X[3]\nparam b[3] W[3,3]\nr = b.T @ W\nloss = sum(r @ X) + sum(W.T @ b)",
    "vector-nodes": "input X[3]\nparam b[3] c[3] W[3,3]\nu = sigmoid(b) * c\nv = W @ u\n"
                    "loss = sum((W @ X + v)^2)",
    "batch-sum-times-column": "input X[3]\nparam b[3] M[3,1] W[3,3]\n"
                              "loss = sum(W @ X * (b * M + M)) + sum(W @ b)",
    "outer-product": "input X[2]\nparam b[3] c[2] W[3,2]\nZ = (W * (b @ c.T)) @ X\n"
                     "loss = sum(Z^2) + sum(b*b)",
}


@pytest.mark.parametrize("name", sorted(STORAGE_CASES))
def test_parameter_expressions_of_vectors_and_columns(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        network = parse_spec(STORAGE_CASES[name], f"{name}.net")
    assert_matches_twin(network)
    assert_matches_twin(network, seed=4, positive=True)


def _round_trip_cases():
    cases = {"autoencoder": AUTOENCODER, **SPEC_CASES, **STORAGE_CASES}
    return [pytest.param(text, id=name) for name, text in sorted(cases.items())] + [
        pytest.param(name, id=name) for name in ("layers:2-3-2:sigmoid:squared",
                                                 "layers:4-8-3:relu:softmax-ce",
                                                 "layers:3-4-2:tanh:squared")]


@pytest.mark.parametrize("source", _round_trip_cases())
def test_deltaprop_spec_writes_matrix_networks_that_read_back_the_same(source, tmp_path):
    from symbolic.matrix import parse_layers
    from symbolic.spec.matrix_write import format_matrix_spec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        network = (parse_layers(source) if source.startswith("layers:")
                   else parse_spec(source, "case.net"))
        text = format_matrix_spec(network)
        again = parse_spec(text, "case.net")
    first, second = (load_module(generate_module(n)) for n in (network, again))
    params, data = random_matrix_point(first, 4, 1, positive=True)
    loss, grads = first.gradients(params, data)
    loss2, grads2 = second.gradients(params, data)
    assert float(loss2) == pytest.approx(float(loss), rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads2[k], grads[k], rtol=1e-10, atol=1e-13)
    if source.startswith("layers:"):
        out = tmp_path / "net.net"
        assert main(["spec", source, "-o", str(out)]) == 0
        assert out.read_text() == text


def test_matrix_spec_derivations_compile_with_pdflatex(tmp_path):
    """The LaTeX derivation of a declared network (every function, logsumexp, softmax, sqrt,
    powers, transposes) compiles."""
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    for name, text in (("autoencoder", AUTOENCODER), ("functions", SPEC_CASES["functions"]),
                       ("softmax", SPEC_CASES["softmax-node"])):
        spec = tmp_path / f"{name}.net"
        spec.write_text(text)
        assert main(["derive", str(spec), "-o", str(tmp_path / f"{name}.tex")]) == 0
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                              f"{name}.tex"], cwd=tmp_path, capture_output=True, timeout=120)
        assert run.returncode == 0, run.stdout.decode(errors="replace")[-2000:]


def test_an_unused_input_or_target_is_a_located_warning():
    with pytest.warns(NetworkWarning, match=r"m\.net:2:8: .*target T is not used on any path"):
        parse_spec("input X[2]\ntarget T[1]\nparam W[1,2]\nloss = sum(W @ X)", "m.net")


@pytest.mark.parametrize("equations,loss,message", [
    (lambda X, W, Z: [(Z, Apply("gelu", W * X))], lambda X, W, Z: sum_rows(Z),
     "unknown element-wise function 'gelu'"),
    (lambda X, W, Z: [(Z, W * X)], lambda X, W, Z: sp.Symbol("x"), "is not a matrix expression"),
    (lambda X, W, Z: [(sp.Symbol("z"), W * X)], lambda X, W, Z: sum_rows(W * X),
     "is not a sympy MatrixSymbol"),
])
def test_bad_python_declarations_are_network_errors(equations, loss, message):
    X, W, Z = M("X", 3, BATCH), M("W", 2, 3), M("Z", 2, BATCH)
    with pytest.raises(NetworkError, match=message):
        MatrixNetwork("n", [X], [], [W], equations(X, W, Z), loss(X, W, Z))


def test_sympy_spellings_in_python_declarations():
    """What users write with SymPy's own objects (found by a user session): an explicit column
    of ones, one number times ones (SymPy folds ``sp.ones(1, 2)/1000`` into the entries),
    ``applyfunc`` of a known function: the same network as deltaprop's spelling, against the
    twin; another explicit matrix or an operation without a rule is one NetworkError."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    X, W, Z = M("X", 4, BATCH), M("W", 2, 4), M("Z", 2, BATCH)
    decay = sp.ones(1, 2) * sp.HadamardPower(W, 2) * sp.ones(4, 1) / 1000
    network = Network("spellings", [X], [], [W], [(Z, (W * X).applyfunc(sp.tanh))],
                      sum_rows(hadamard(Z, Z)) + decay * sp.OneMatrix(1, BATCH))
    assert not any(isinstance(e, (sp.MatrixBase, ElementwiseApplyFunction))
                   for a in network.forward for e in sp.preorder_traversal(a.rhs))
    assert_matches_twin(network)
    with pytest.raises(NetworkError, match="the explicit matrix .* is not supported"):
        Network("m", [X], [], [W], [(Z, W * X)], sum_rows(sp.Matrix([[1, 2]]) * Z))
    with pytest.raises(NetworkError, match="applyfunc.* is not one of the element-wise"):
        Network("f", [X], [], [W], [(Z, (W * X).applyfunc(lambda e: e ** 3 + 1))],
                sum_rows(Z))
    with pytest.raises(NetworkError, match="has no derivative rule"):
        Network("k", [X], [], [W], [(Z, sp.KroneckerProduct(W, sp.OneMatrix(1, 1)) * X)],
                sum_rows(Z))
