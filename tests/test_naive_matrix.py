"""Naive chains mean the same at both levels: each parameter's gradient as its own sum over
chain-rule paths, every path the loss's 1 pulled back edge by edge (``symbolic.naive``).

Checked against the shared-δ gradients of the same network, evaluated entry by entry for one
sample with explicit random matrices (``matrix_twin.explicit``, which shares no code with the
sweep or the edges), and the path counts against what the graph's shape says by hand.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from matrix_twin import explicit
from symbolic import builtin, derive, derive_naive
from symbolic.matrix import BATCH, parse_layers
from symbolic.spec import parse_spec
from test_matrix_user import AUTOENCODER

RESIDUAL = ("input X[3]\ntarget T[3]\nparam W1[3,3] W2[3,3] b[3]\nH = tanh(W1 @ X + b)\n"
            "G = W2 @ H\nR = X + G + H\nloss = sum((R - T)^2)/2\n")   # H reaches R directly and via G


def _numeric(network, seed=0):
    """Explicit random values (one sample) for data and parameters, then every forward node."""
    rng = np.random.default_rng(seed)
    env = {}
    for s in network.inputs + network.targets + network.params:
        rows, cols = (1 if d == BATCH else int(d) for d in s.shape)
        env[s] = sp.Matrix(rng.uniform(-1, 1, (rows, cols)))
    for lhs, rhs in network.forward:
        env[lhs] = explicit(rhs, env).subs(BATCH, 1).evalf()
    return env


def _value(expr, env):
    return np.array(explicit(expr, env).subs(BATCH, 1).evalf(), dtype=float)


@pytest.mark.parametrize("network, paths", [
    (parse_spec(AUTOENCODER, "autoencoder.net"), {"W": 2, "b": 1, "c": 1}),   # tied W: two uses
    (parse_spec(RESIDUAL, "residual.net"), {"W1": 2, "W2": 1, "b": 2}),
    (parse_layers("layers:4-3-2:sigmoid:squared"), {"W1": 1, "b1": 1, "W2": 1, "b2": 1}),
])
def test_matrix_naive_path_sums_equal_the_shared_delta_gradients(network, paths):
    naive = {g.param.name: g for g in derive_naive(network)}
    assert {k: len(g.paths) for k, g in naive.items()} == paths
    derivation = derive(network)
    env = _numeric(network)
    for a in derivation.program:
        env[a.lhs] = explicit(a.rhs, env).subs(BATCH, 1).evalf()
    for p in network.params:
        path_sum = sum(_value(q.pulled_back(network.graph), env) for q in naive[p.name].paths)
        np.testing.assert_allclose(path_sum, _value(derivation.gradient[p], env), rtol=1e-12)


def test_a_scalar_path_pulled_back_is_the_product_of_its_partials():
    network = builtin("seed-222")
    for gradient in derive_naive(network):
        for q in gradient.paths:
            assert sp.expand(q.pulled_back(network.graph) - q.product) == 0
