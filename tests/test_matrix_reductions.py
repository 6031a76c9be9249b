"""Per-sample reductions written out by hand (``symbolic/matrix/reductions.py``): found by a
user trying their own networks, ``log(sum(exp(Z)))`` and ``exp(Z)/sum(exp(Z))`` overflowed to
inf/NaN past logits of ~89 in float32 and ~710 in float64.  Recognised, they are logsumexp and
softmax: checked against the scalar twin (which differentiates the formula as written) and,
at logits of ±1000 where the written formula overflows, against 30-digit SymPy."""
from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

from codegen import generate_module, load_module
from symbolic.matrix import Apply, LogSumExp, Softmax, SoftmaxCrossEntropy
from symbolic.spec import parse_spec
from test_matrix_user import assert_matches_twin

HEAD = "input X[3]\ntarget T[3]\nparam W[3,3]\nZ = W @ X\n"
WRITTEN = {
    "lse": HEAD + "loss = log(sum(exp(Z))) - sum(T*Z)\n",
    "softmax": HEAD + "P = exp(Z)/sum(exp(Z))\nloss = -sum(T*log(P))\n",
    "through-nodes": HEAD + "E = exp(Z)\nS = sum(E)\nP = E/S\nloss = -sum(T*log(P))\n",
    "lse-node": HEAD + "S = sum(exp(Z))\nloss = log(S) - sum(T*Z)\n",
}


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_written_reductions_are_recognised_and_match_the_twin(name):
    network = parse_spec(WRITTEN[name], f"{name}.net")
    found = {type(e) for a in network.forward for e in _walk(a.rhs)}
    assert found & {LogSumExp, Softmax, SoftmaxCrossEntropy}, (name, found)
    assert not any(isinstance(e, Apply) and e.name == "exp" for a in network.forward
                   for e in _walk(a.rhs) if a.lhs == network.loss_symbol), name
    assert_matches_twin(network)


def _walk(expr):
    yield expr
    for a in getattr(expr, "args", ()):
        yield from _walk(a)


def _exact(values_z, t) -> tuple:
    """30-digit loss and ∂/∂z of Σ t·(lse(z) − z) for one sample."""
    mpmath.mp.dps = 30
    z = [mpmath.mpf(v) for v in values_z]
    lse = mpmath.log(sum(mpmath.exp(v) for v in z))
    loss = sum(tk * (lse - zk) for tk, zk in zip(t, z))
    grad = [mpmath.exp(zk - lse) * sum(t) - tk for tk, zk in zip(t, z)]
    return float(loss), [float(g) for g in grad]


@pytest.mark.parametrize("name", sorted(WRITTEN))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_written_reductions_stay_finite_at_large_logits(name, dtype):
    module = load_module(generate_module(parse_spec(WRITTEN[name], f"{name}.net")))
    x = np.array([[1.0, 0.0, 0.0]], dtype=dtype)                  # Z = W[:, 0]
    t = np.array([[0.2, 0.5, 0.3]], dtype=dtype)                  # one sample, Σt = 1
    w = np.zeros((3, 3), dtype=dtype)
    w[:, 0] = [1000.0, -1000.0, 0.0]
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss, grads = module.gradients({"W": w}, {"X": x, "T": t})
    exact_loss, exact_grad = _exact([1000, -1000, 0], [0.2, 0.5, 0.3])
    assert np.asarray(loss).dtype == dtype
    assert float(loss) == pytest.approx(exact_loss, rel=1e-6)
    np.testing.assert_allclose(grads["W"][:, 0], exact_grad, rtol=1e-6, atol=1e-6)
