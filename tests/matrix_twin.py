"""The scalar-level twin of a matrix network: every matrix entry a symbol, derived by the
scalar engine (``symbolic.derive``), evaluated sample by sample.

This shares nothing with the matrix sweep, its VJP rules or its printer: matrix expressions
are expanded entry by entry here (per sample, B = 1) into scalar ``Network`` equations, so
agreement with a generated matrix module is an independent check of the whole matrix path.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from symbolic import Network, derive
from symbolic.evaluate import run
from symbolic.functions import logsumexp
from symbolic.matrix import BATCH, Apply, LogSumExp, Mean, Softmax, SoftmaxCrossEntropy
from symbolic.matrix.functions import SCALAR


def _entries(symbol, rows, cols):
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{symbol.name}_{i}_{j}", real=True))


def explicit(expr, env: dict) -> sp.Matrix:
    """``expr`` for one sample (B = 1) as an explicit matrix of scalar expressions."""
    if isinstance(expr, sp.MatrixSymbol):
        return env[expr]
    rows, cols = (1 if d == BATCH else int(d) for d in expr.shape)
    if isinstance(expr, sp.OneMatrix):
        return sp.ones(rows, cols)
    if isinstance(expr, sp.ZeroMatrix):
        return sp.zeros(rows, cols)
    args = [explicit(a, env) if isinstance(a, sp.MatrixExpr) else a for a in expr.args]
    if isinstance(expr, sp.MatMul):
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if isinstance(expr, sp.MatAdd):
        return sum(args[1:], args[0])
    if isinstance(expr, sp.HadamardProduct):
        out = args[0]
        for a in args[1:]:
            out = out.multiply_elementwise(a)
        return out
    if isinstance(expr, sp.HadamardPower):
        return args[0].applyfunc(lambda e: e ** expr.args[1])
    if isinstance(expr, sp.Transpose):
        return args[0].T
    if isinstance(expr, Apply):
        return args[1].applyfunc(SCALAR[expr.name])
    if isinstance(expr, LogSumExp):
        return sp.Matrix([[logsumexp(*args[0])]])
    if isinstance(expr, Softmax):
        lse = logsumexp(*args[0])
        return args[0].applyfunc(lambda e: sp.exp(e - lse))
    if isinstance(expr, Mean):
        return sp.Matrix([[sum(args[0])]])  # one sample: the mean is the sum
    if isinstance(expr, SoftmaxCrossEntropy):
        z, t = args
        return sp.Matrix([[sum(t[k] * (logsumexp(*z) - z[k]) for k in range(len(z)))]])
    raise NotImplementedError(type(expr).__name__)


def scalar_twin(network):
    """(scalar Network, {matrix symbol: explicit matrix of its entry symbols})."""
    env = {}
    for s in tuple(network.inputs) + tuple(network.targets) + tuple(network.params):
        rows, cols = (1 if d == BATCH else int(d) for d in s.shape)
        env[s] = _entries(s, rows, cols)
    equations = []
    for lhs, rhs in network.equations:
        value = explicit(rhs, env)
        rows, cols = value.shape
        env[lhs] = _entries(lhs, rows, cols)
        equations += [(env[lhs][i, j], value[i, j]) for i in range(rows) for j in range(cols)]
    loss = explicit(network.loss, env)[0, 0]
    flat = lambda group: [e for s in group for e in env[s]]  # noqa: E731
    twin = Network(f"{network.name}-twin", flat(network.inputs), flat(network.targets),
                   flat(network.params), equations, loss)
    return twin, env


def twin_gradients(network, params: dict, data: dict):
    """(batch-mean loss, {param name: gradient array shaped like params[name]})."""
    twin, env = scalar_twin(network)
    derivation = derive(twin)
    values = {}
    for p in network.params:
        array = np.asarray(params[p.name], dtype=float).reshape(env[p].shape)
        values.update({env[p][i, j]: float(array[i, j]) for i in range(array.shape[0])
                       for j in range(array.shape[1])})
    batch = len(next(iter(data.values())))
    total = {p: np.zeros(env[p].shape) for p in network.params}
    losses = []
    for b in range(batch):
        sample = dict(values)
        for s in tuple(network.inputs) + tuple(network.targets):
            sample.update({e: float(v) for e, v in zip(env[s], data[s.name][b])})
        result = run(derivation.program, run(twin.forward, sample))
        losses.append(result[twin.loss_symbol])
        for p in network.params:
            for k, e in enumerate(env[p]):
                total[p].flat[k] += result[derivation.gradient[e]]
    grads = {p.name: (total[p] / batch).reshape(np.shape(params[p.name])) for p in network.params}
    return float(np.mean(losses)), grads
