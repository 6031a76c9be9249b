"""Built-in networks, usable by name wherever a network is expected.

The ``seed-*`` networks are the worked examples of the seed documents; ``mlp:SIZES:ACT:LOSS``
(e.g. ``mlp:2-3-1:sigmoid:squared``) builds a scalar-level MLP.
"""
from __future__ import annotations

import sympy as sp

from .builders import MAX_MLP_PARAMS, mlp, parse_sizes_name
from .errors import NetworkError
from .functions import sigmoid
from .network import Network


def seed_product() -> Network:
    """z = x·y, x = 2w + 3b, y = 2b + 1: b reaches z along two paths."""
    w, b, x, y, z = sp.symbols("w b x y z")
    return Network("seed-product", inputs=[], targets=[], params=[w, b],
                   equations=[(x, 2 * w + 3 * b), (y, 2 * b + 1), (z, x * y)], loss=z)


def seed_121() -> Network:
    """One input, two sigmoid hidden units, one sigmoid output, ½(y − t)²."""
    x, t, w1, w2, w3, w4 = sp.symbols("x t w1:5")
    z1, z2, h1, h2, z3, y = sp.symbols("z1 z2 h1 h2 z3 y")
    return Network("seed-121", inputs=[x], targets=[t], params=[w1, w2, w3, w4],
                   equations=[(z1, w1 * x), (z2, w2 * x), (h1, sigmoid(z1)), (h2, sigmoid(z2)),
                              (z3, w3 * h1 + w4 * h2), (y, sigmoid(z3))],
                   loss=(y - t) ** 2 / 2)


def seed_221() -> Network:
    """seed-121 with a second input x2 feeding z1 through w5."""
    x1, x2, t, w1, w2, w3, w4, w5 = sp.symbols("x1 x2 t w1:6")
    z1, z2, h1, h2, z3, y = sp.symbols("z1 z2 h1 h2 z3 y")
    return Network("seed-221", inputs=[x1, x2], targets=[t], params=[w1, w2, w3, w4, w5],
                   equations=[(z1, w1 * x1 + w5 * x2), (z2, w2 * x1), (h1, sigmoid(z1)),
                              (h2, sigmoid(z2)), (z3, w3 * h1 + w4 * h2), (y, sigmoid(z3))],
                   loss=(y - t) ** 2 / 2)


def seed_222() -> Network:
    """2-2-2 sigmoid network with one bias per layer, squared error summed over outputs.

    The classic worked example (x = (0.05, 0.10), t = (0.01, 0.99)); see ``POINTS``.
    """
    x1, x2, t1, t2, b1, b2 = sp.symbols("x1 x2 t1 t2 b1 b2")
    w = sp.symbols("w1:9")
    z1, h1, z2, h2, z3, y1, z4, y2 = sp.symbols("z1 h1 z2 h2 z3 y1 z4 y2")
    return Network("seed-222", inputs=[x1, x2], targets=[t1, t2],
                   params=[w[0], w[1], w[2], w[3], b1, w[4], w[5], w[6], w[7], b2],
                   equations=[(z1, w[0] * x1 + w[1] * x2 + b1), (h1, sigmoid(z1)),
                              (z2, w[2] * x1 + w[3] * x2 + b1), (h2, sigmoid(z2)),
                              (z3, w[4] * h1 + w[5] * h2 + b2), (y1, sigmoid(z3)),
                              (z4, w[6] * h1 + w[7] * h2 + b2), (y2, sigmoid(z4))],
                   loss=((y1 - t1) ** 2 + (y2 - t2) ** 2) / 2)


def seed_softmax() -> Network:
    """2-2-2: sigmoid hidden layer, softmax output, categorical cross-entropy."""
    return mlp([2, 2, 2], "sigmoid", "softmax-ce", name="seed-softmax")


EXAMPLES = {
    "seed-product": seed_product,
    "seed-121": seed_121,
    "seed-221": seed_221,
    "seed-222": seed_222,
    "seed-softmax": seed_softmax,
}

#: A worked point for each built-in example (the seed documents' numbers where they give any).
POINTS = {
    "seed-product": {"w": 3, "b": 4},
    "seed-121": {"x": 1.0, "t": 0.5, "w1": 0.5, "w2": -0.3, "w3": 0.8, "w4": 0.2},
    "seed-221": {"x1": 1.0, "x2": 0.5, "t": 0.5, "w1": 0.5, "w2": -0.3, "w3": 0.8, "w4": 0.2,
                 "w5": 0.4},
    "seed-222": {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20,
                 "w3": 0.25, "w4": 0.30, "b1": 0.35, "w5": 0.40, "w6": 0.45, "w7": 0.50,
                 "w8": 0.55, "b2": 0.60},
    "seed-softmax": {"x1": 0.05, "x2": 0.10, "t1": 1.0, "t2": 0.0, "w1_11": 0.15,
                     "w1_12": 0.20, "b1_1": 0.35, "w1_21": 0.25, "w1_22": 0.30, "b1_2": 0.35,
                     "w2_11": 0.40, "w2_12": 0.45, "b2_1": 0.60, "w2_21": 0.50, "w2_22": 0.55,
                     "b2_2": 0.60},
}


def example_point(network) -> dict | None:
    """The worked point of the built-in example this network is (same name and the same input,
    target and parameter names, e.g. ``examples/seed-121.net``), else None."""
    point = POINTS.get(network.name)
    names = {s.name for s in list(network.inputs) + list(network.targets) + list(network.params)}
    return point if point is not None and set(point) == names else None


def builtin(name: str) -> Network:
    """The built-in network called ``name`` (a ``seed-*`` example or ``mlp:...``)."""
    if name in EXAMPLES:
        return EXAMPLES[name]()
    if name.startswith("mlp:"):
        return _parse_mlp(name)
    known = ", ".join(EXAMPLES)
    raise NetworkError(f"unknown network {name!r}: give a built-in name ({known}, "
                       "mlp:SIZES:ACTIVATION:LOSS) or a path to a .py or .net file")


def _parse_mlp(name: str) -> Network:
    sizes, activation, loss = parse_sizes_name(
        name, "mlp", "mlp:2-3-1:sigmoid:squared", MAX_MLP_PARAMS,
        "use layers:SIZES:ACT:LOSS for matrix-level code, or call symbolic.mlp() in a .py file")
    return mlp(sizes, activation, loss)
