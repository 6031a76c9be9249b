"""``check_gradients`` for matrix modules (those with ``SHAPES``): arrays instead of floats."""
from __future__ import annotations

import numpy as np

from .check import CheckResult, live_point, relative_error


def random_matrix_point(module, batch: int, seed: int, dtype=np.float64,
                        positive: bool = False) -> tuple[dict, dict]:
    """Parameters ~ N(0, 0.5²), inputs ~ N(0, 1), targets ~ U(0, 1), one-hot for a fused
    softmax cross-entropy; ``positive``: everything ~ U(0.2, 1) (for log and sqrt of inputs)."""
    rng = np.random.default_rng(seed)
    draw = ((lambda s, scale: rng.uniform(0.2, 1, s)) if positive
            else (lambda s, scale: rng.normal(0, scale, s)))
    params = {k: draw(s, 0.5).astype(dtype) for k, s in module.SHAPES.items()}
    data = {k: draw((batch,) + module.DATA_SHAPES[k], 1).astype(dtype) for k in module.INPUTS}
    one_hot = "_softmax_and_cross_entropy(" in getattr(module, "__deltaprop_source__", "")
    for k in module.TARGETS:
        (n,) = module.DATA_SHAPES[k]
        data[k] = (np.eye(n, dtype=dtype)[rng.integers(0, n, batch)] if one_hot
                   else rng.uniform(0.2 if positive else 0, 1, (batch, n)).astype(dtype))
    return params, data


def _finite_point(module, batch: int, seed: int) -> tuple[dict, dict]:
    """A random point where the loss is finite: positive values if normal ones give NaN."""
    params, data = random_matrix_point(module, batch, seed)
    with np.errstate(all="ignore"):
        if np.isfinite(module.loss(params, data)):
            return params, data
    return random_matrix_point(module, batch, seed, positive=True)


def check_matrix_gradients(module, network=None, batch: int = 16, seed: int = 0,
                           directions: int = 8, step: float = 1e-5) -> CheckResult:
    """Central differences along random unit directions in the space of all parameter arrays,
    ``gradients_naive`` and ``loss`` against ``gradients`` (float64)."""
    params, data, loss, grads, points = live_point(module, _finite_point, batch, seed)
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
