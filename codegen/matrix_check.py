"""``check_gradients`` for matrix modules (those with ``SHAPES``): arrays instead of floats."""
from __future__ import annotations

import numpy as np

from .check import CheckResult, live_point, relative_error


def random_matrix_point(module, batch: int, seed: int, dtype=np.float64) -> tuple[dict, dict]:
    """Weights and biases ~ N(0, 0.5²), x ~ N(0, 1), t one-hot (softmax-ce) or ~ U(0, 1)."""
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0, 0.5, s).astype(dtype) for k, s in module.SHAPES.items()}
    n_in = module.SHAPES[module.PARAMS[0]][1]
    n_out = module.SHAPES[module.PARAMS[-1]][0]
    x = rng.normal(0, 1, (batch, n_in)).astype(dtype)
    if "_softmax_and_cross_entropy(" in getattr(module, "__deltaprop_source__", ""):
        t = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, batch)]
    else:
        t = rng.uniform(0, 1, (batch, n_out)).astype(dtype)
    return params, {module.INPUTS[0]: x, module.TARGETS[0]: t}


def check_matrix_gradients(module, network=None, batch: int = 16, seed: int = 0,
                           directions: int = 8, step: float = 1e-5) -> CheckResult:
    """Central differences along random unit directions in the space of all parameter arrays,
    ``gradients_naive`` and ``loss`` against ``gradients`` (float64)."""
    params, data, loss, grads, points = live_point(module, random_matrix_point, batch, seed)
    names = list(module.PARAMS)
    rng = np.random.default_rng(seed + 1)
    g_norm = float(np.sqrt(sum(np.sum(grads[n] ** 2) for n in names)))
    fd_error = 0.0
    for _ in range(directions):
        d = {n: rng.normal(size=params[n].shape) for n in names}
        norm = np.sqrt(sum(np.sum(v ** 2) for v in d.values()))
        d = {n: v / norm for n, v in d.items()}
        plus = module.loss({n: params[n] + step * d[n] for n in names}, data)
        minus = module.loss({n: params[n] - step * d[n] for n in names}, data)
        exact = sum(float(np.sum(grads[n] * d[n])) for n in names)
        fd_error = max(fd_error, relative_error((plus - minus) / (2 * step), exact, scale=g_norm))
    naive_loss, naive = module.gradients_naive(params, data)
    naive_error = max([_array_error(naive[n], grads[n]) for n in names]
                      + [relative_error(float(naive_loss), float(loss))])
    name = getattr(network, "name", None) or getattr(module, "__name__", "module")
    return CheckResult(name, batch, directions, fd_error, naive_error,
                       relative_error(float(module.loss(params, data)), float(loss)),
                       points, g_norm == 0)


def _array_error(a, b) -> float:
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-12)
    return float(np.max(np.abs(a - b))) / scale
