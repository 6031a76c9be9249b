"""Independent references for gradient tests: SymPy's own diff of the fully inlined loss.

Only for small networks: inlining is exactly what deltaprop itself never does.  The
derivatives are evaluated in 40-digit mpmath arithmetic through SymPy's ``lambdify``, with
the textbook definitions of deltaprop's functions (not deltaprop's own float versions).
"""
from __future__ import annotations

import random
from functools import lru_cache

import mpmath
import sympy as sp

MPMATH_DEFINITIONS = {
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "softplus": lambda z: mpmath.log(1 + mpmath.exp(z)),
    "relu": lambda z: max(z, 0),
    "logsumexp": lambda *zs: mpmath.log(sum(mpmath.exp(z) for z in zs)),
    "Heaviside": lambda z, h0=mpmath.mpf(0.5): 1 if z > 0 else 0 if z < 0 else h0,
}


def inlined_loss(network) -> sp.Expr:
    """The loss as the user wrote it (``network.written``, before any form is recognised),
    every node replaced by its equation, innermost last."""
    expr = network.loss_symbol
    for a in reversed(network.written):
        expr = expr.xreplace({a.lhs: a.rhs})
    return expr


@lru_cache(maxsize=None)
def _gradient_functions(network):
    free = network.inputs + network.targets + network.params
    loss = inlined_loss(network)
    return free, [sp.lambdify(free, sp.diff(loss, p), modules=[MPMATH_DEFINITIONS, "mpmath"])
                  for p in network.params]


def reference_gradients(network, values: dict, digits: int = 40) -> dict:
    """∂loss/∂p for every parameter, by SymPy diff of the inlined loss, to ``digits`` digits."""
    free, functions = _gradient_functions(network)
    with mpmath.workdps(digits):
        args = [mpmath.mpf(values[s]) for s in free]
        return {p: float(f(*args)) for p, f in zip(network.params, functions)}


def random_point(network, rng: random.Random, scale: float = 1.0) -> dict:
    """Random inputs, targets and parameters (targets in (0, 1), others in ±scale)."""
    values = {}
    for s in network.inputs + network.params:
        values[s] = rng.uniform(-scale, scale)
    for s in network.targets:
        values[s] = rng.uniform(0.05, 0.95)
    return values


def assert_close(actual: dict, expected: dict, rel: float = 1e-12) -> None:
    assert list(actual) == list(expected)
    for key in expected:
        a, e = actual[key], expected[key]
        assert abs(a - e) <= rel * max(abs(e), 1e-300), f"{key}: {a!r} != {e!r}"
