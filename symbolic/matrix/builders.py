"""``layers(sizes, activation, loss)`` and the name ``layers:SIZES:ACTIVATION:LOSS``."""
from __future__ import annotations

import sympy as sp

from ..builders import parse_sizes_name
from ..errors import NetworkError
from .functions import ACTIVATIONS, activate
from .network import MatrixNetwork
from .ops import BATCH, Mean, Softmax, SoftmaxCrossEntropy, hadamard

LOSSES = ("squared", "softmax-ce")

#: Most weights and biases a ``layers:`` name builds: 100 M are 0.8 GB per float64 copy, and
#: ``check`` and ``train`` hold several copies.
MAX_LAYERS_PARAMS = 100_000_000


def layers(sizes, activation: str = "sigmoid", loss: str = "squared",
           name: str | None = None) -> MatrixNetwork:
    """Dense layers Z_l = W_l A_(l-1) + b_l 1ᵀ, A_l = f.(Z_l), A_0 = X (n_in × B).

    Hidden layers use ``activation``.  ``squared``: the output layer too, and
    L = mean over the batch of ½‖A − T‖²; ``softmax-ce``: Y = softmax(Z) and the fused
    mean cross-entropy of the logits.
    """
    sizes = _check(sizes, activation, loss)
    x = sp.MatrixSymbol("X", sizes[0], BATCH)
    t = sp.MatrixSymbol("T", sizes[-1], BATCH)
    params, equations, a = [], [], x
    depth = len(sizes) - 1
    for l in range(1, depth + 1):
        w = sp.MatrixSymbol(f"W{l}", sizes[l], sizes[l - 1])
        b = sp.MatrixSymbol(f"b{l}", sizes[l], 1)
        z = sp.MatrixSymbol(f"Z{l}", sizes[l], BATCH)
        params += [w, b]
        equations.append((z, w * a + b * sp.OneMatrix(1, BATCH)))
        if l < depth or loss == "squared":
            if activation == "identity":
                a = z
                continue
            a = sp.MatrixSymbol(f"A{l}", sizes[l], BATCH)
            equations.append((a, activate(activation, z)))
    if loss == "squared":
        error = a - t
        loss_expr = sp.Rational(1, 2) * Mean(hadamard(error, error))
    else:
        y = sp.MatrixSymbol("Y", sizes[-1], BATCH)
        equations.append((y, Softmax(z)))
        loss_expr = SoftmaxCrossEntropy(z, t)
    title = name or f"layers:{'-'.join(map(str, sizes))}:{activation}:{loss}"
    return MatrixNetwork(title, [x], [t], params, equations, loss_expr)


def parse_layers(spec: str) -> MatrixNetwork:
    """The network named ``layers:SIZES:ACTIVATION:LOSS``, e.g. ``layers:784-256-10:relu:softmax-ce``."""
    sizes, activation, loss = parse_sizes_name(
        spec, "layers", "layers:784-256-128-10:relu:softmax-ce", MAX_LAYERS_PARAMS,
        "call symbolic.matrix.layers() in a .py file for more")
    return layers(sizes, activation, loss)


def _check(sizes, activation, loss) -> list:
    sizes = list(sizes)
    if len(sizes) < 2 or any(not isinstance(n, int) or n < 1 for n in sizes):
        raise NetworkError(f"layer sizes must be at least two positive integers, got {sizes}")
    if activation not in ACTIVATIONS:
        raise NetworkError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
    if loss not in LOSSES:
        raise NetworkError(f"unknown loss {loss!r} for layers:...; choose from {', '.join(LOSSES)}")
    if loss == "softmax-ce" and sizes[-1] < 2:
        raise NetworkError("softmax-ce needs at least two outputs: the softmax of one output is "
                           "always 1 and the loss always 0")
    return sizes
