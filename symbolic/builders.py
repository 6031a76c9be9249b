"""Builders for layered networks with textbook names.

Layer l maps a^{(l-1)} to z^{(l)}_j = Σ_i w^{(l)}_{ji} a^{(l-1)}_i + b^{(l)}_j and
a^{(l)}_j = f(z^{(l)}_j), with a^{(0)} = x.  Symbols are named ``w1_21`` (layer 1, j=2, i=1),
``b1_2``, ``z1_2``, ``a1_2``, ``x1``, ``t1``; when a layer has 10 or more units the indices
are separated (``w1_12_3``) so names stay unambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import sympy as sp

from .errors import NetworkError
from .functions import ACTIVATIONS, logsumexp, softplus
from .network import Network

LOSSES = ("squared", "bce", "softmax-ce")

#: Most parameters an ``mlp:`` name builds (mlp:784-128-10, 101,770 weights, takes ~15 s; every
#: scalar weight is a symbol with its own edges and partials).  A .py file may call ``mlp()``.
MAX_MLP_PARAMS = 250_000


@dataclass
class LayerNames:
    """Formats textbook names; ``sep`` joins indices when any width is 10 or more."""

    sep: str = ""

    def __call__(self, base: str, layer: int | None, *idx: int) -> sp.Symbol:
        head = base if layer is None else f"{base}{layer}_"
        return sp.Symbol(head + self.sep.join(str(i) for i in idx))


@dataclass
class Layers:
    """Symbols and equations accumulated while building a network."""

    names: LayerNames
    params: list = field(default_factory=list)
    equations: list = field(default_factory=list)


def dense(state: Layers, inputs: Sequence[sp.Symbol], n_out: int, layer: int,
          activation: Callable | None, bias: bool = True) -> tuple[list, list]:
    """Append one dense layer; returns its pre-activations z and outputs a (a is z without f)."""
    name = state.names
    zs, outs = [], []
    for j in range(1, n_out + 1):
        weights = [name("w", layer, j, i) for i in range(1, len(inputs) + 1)]
        terms = [w * a for w, a in zip(weights, inputs)]
        state.params += weights
        if bias:
            b = name("b", layer, j)
            state.params.append(b)
            terms.append(b)
        z = name("z", layer, j)
        state.equations.append((z, sp.Add(*terms)))
        zs.append(z)
        if activation is None:
            outs.append(z)
        else:
            a = name("a", layer, j)
            state.equations.append((a, activation(z)))
            outs.append(a)
    return zs, outs


def mlp(sizes: Sequence[int], activation: str = "sigmoid", loss: str = "squared",
        bias: bool = True, name: str | None = None) -> Network:
    """A fully connected network of scalar symbols (one symbol per weight).

    ``activation`` applies to hidden layers.  The output layer depends on ``loss``:
    ``squared`` applies the same activation and ½Σ_k(a_k − t_k)² (the seeds' convention);
    ``bce`` uses sigmoid outputs and binary cross-entropy written stably as
    t·softplus(−z) + (1 − t)·softplus(z) (no cancellation when the
    prediction is confident and right); ``softmax-ce`` uses softmax outputs and categorical cross-entropy
    written as Σ_k t_k (logsumexp(z) − z_k).
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(int(n) != n or n < 1 for n in sizes):
        raise NetworkError(f"mlp sizes must be at least two positive integers, got {sizes}")
    if activation not in ACTIVATIONS:
        raise NetworkError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
    if loss not in LOSSES:
        raise NetworkError(f"unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
    _check_softmax_outputs(sizes, loss)
    names = LayerNames("_" if max(sizes) >= 10 else "")
    state = Layers(names)
    xs = [names("x", None, i) for i in range(1, sizes[0] + 1)]
    ts = [names("t", None, k) for k in range(1, sizes[-1] + 1)]
    f = ACTIVATIONS[activation]
    hidden = None if activation == "identity" else f
    a = xs
    depth = len(sizes) - 1
    for layer in range(1, depth):
        _, a = dense(state, a, sizes[layer], layer, hidden, bias)
    out_f = {"squared": hidden, "bce": ACTIVATIONS["sigmoid"], "softmax-ce": None}[loss]
    zs, outs = dense(state, a, sizes[-1], depth, out_f, bias)
    loss_expr = _output_loss(state, loss, zs, outs, ts, depth)
    title = name or f"mlp:{'-'.join(map(str, sizes))}:{activation}:{loss}"
    return Network(title, xs, ts, state.params, state.equations, loss_expr)


def _output_loss(state: Layers, loss: str, zs, outs, ts, depth: int) -> sp.Expr:
    if loss == "squared":
        return sp.Add(*[(a - t) ** 2 for a, t in zip(outs, ts)]) / 2
    if loss == "bce":
        return sp.Add(*[t * softplus(-z) + (1 - t) * softplus(z) for z, t in zip(zs, ts)])
    s = sp.Symbol(f"s{depth}")
    state.equations.append((s, logsumexp(*zs)))
    for k, z in enumerate(zs, 1):
        state.equations.append((state.names("a", depth, k), sp.exp(z - s)))
    return sp.Add(*[t * (s - z) for z, t in zip(zs, ts)])


def parse_sizes_name(name: str, kind: str, example: str, max_params: int,
                     hint: str) -> tuple[list[int], str, str]:
    """(sizes, activation, loss) of a name ``KIND:SIZES:ACTIVATION:LOSS`` such as ``example``;
    at most ``max_params`` weights and biases, else an error that ends with ``hint``."""
    parts = name.split(":")
    if len(parts) != 4 or parts[0] != kind:
        raise NetworkError(f"{name!r}: expected {kind}:SIZES:ACTIVATION:LOSS, e.g. {example}")
    try:
        sizes = [int(s) for s in parts[1].split("-")]
    except ValueError:
        raise NetworkError(f"{name!r}: sizes must be integers joined by '-', "
                           f"e.g. {example.split(':')[1]}") from None
    params = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))
    if params > max_params:
        raise NetworkError(f"{kind}:{parts[1]} has {params:,} weights and biases, over the "
                           f"limit of {max_params:,} for {kind}: names; {hint}")
    return sizes, parts[2], parts[3]


def _check_softmax_outputs(sizes: list, loss: str) -> None:
    if loss == "softmax-ce" and sizes[-1] < 2:
        raise NetworkError("softmax-ce needs at least two outputs: the softmax of one output is "
                           "always 1 and the loss always 0 (use bce for one output)")
