"""The layer code of ``layers:`` (bias added in place into the fresh product, δ of a layer's
input computed once and masked in place) for any user network whose structure allows it.

Each case checks the generated statements (load-independent) and the gradients against the
network's scalar twin (``matrix_twin``), in float64 and float32.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from codegen import generate_module, load_module
from codegen.check import random_matrix_point
from matrix_twin import twin_gradients
from symbolic.errors import NetworkWarning
from symbolic.spec import parse_spec

CASES = {
    "two-inputs": ("input X[4] C[2]\ntarget T[3]\nparam W[3,4] V[3,2] b[3]\n"
                   "Z = W @ X + V @ C + b\nH = tanh(Z)\nloss = sum((H - T)^2)\n",
                   ["Z = X @ W.T", "Z += C @ V.T", "Z += b"]),
    "residual": ("input X[3]\ntarget T[3]\nparam W1[3,3] W2[3,3] b[3]\n"
                 "H = relu(W1 @ X + b)\nR = X + W2 @ H\nloss = sum((R - T)^2)\n",
                 ["H_in = X @ W1.T", "H_in += b", "R = H @ W2.T", "R += X"]),
    "subtracted-bias": ("input X[3]\ntarget T[2]\nparam W[2,3] b[2]\n"
                        "Z = W @ X - b\nloss = sum((Z - T)^2)\n", ["Z = X @ W.T", "Z -= b"]),
    "sigmoid-of-a-layer": ("input X[3]\ntarget T[2]\nparam W1[4,3] b1[4] W2[2,4] b2[2]\n"
                           "H = sigmoid(W1 @ X + b1)\nZ = W2 @ H + b2\n"
                           "loss = sum(log(1 + exp(Z)) - T*Z)\n",
                           ["H_in = X @ W1.T", "H_in += b1", "H = _sigmoid(H_in)",
                            "np.multiply(delta_H, H * (1 - H), out=delta_H)"]),
}


def code_lines(source: str, function: str) -> list:
    start = source.index(f"def {function}(")
    body = source[start:source.index("\ndef ", start + 1)]
    return [line.split("  # ")[0].strip() for line in body.splitlines()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_code_for_user_networks(name):
    text, expected = CASES[name]
    network = parse_spec(text, f"{name}.net")
    source = generate_module(network)
    lines = code_lines(source, "gradients")
    for statement in expected:
        assert any(statement in line for line in lines), (statement, lines)
    assert sum("H * (1 - H)" in line for line in lines) <= 1   # δ of H_in once, not per use
    module = load_module(source)
    for dtype, tolerance in ((np.float64, 1e-9), (np.float32, 2e-4)):
        params, data = random_matrix_point(module, 5, 1, dtype)
        loss, grads = module.gradients(params, data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NetworkWarning)
            twin_loss, twin = twin_gradients(network, params, data)
        assert np.asarray(loss).dtype == dtype
        assert float(loss) == pytest.approx(twin_loss, rel=tolerance)
        for k in params:
            assert grads[k].dtype == dtype
            np.testing.assert_allclose(grads[k], twin[k], rtol=tolerance, atol=tolerance * 1e-2)


def test_forward_keeps_the_nodes_it_returns():
    """In ``forward`` (which returns nodes) the bias still goes into the fresh product only:
    the returned R equals X + W2·H computed directly."""
    text = CASES["residual"][0]
    module = load_module(generate_module(parse_spec(text, "residual.net")))
    params, data = random_matrix_point(module, 4, 2)
    nodes = module.forward(params, data)
    hidden = np.maximum(data["X"] @ params["W1"].T + params["b"], 0)
    np.testing.assert_allclose(nodes["H"], hidden, rtol=1e-12)
    np.testing.assert_allclose(nodes["R"], data["X"] + hidden @ params["W2"].T, rtol=1e-12)
