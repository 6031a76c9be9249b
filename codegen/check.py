"""Check a generated module: central differences in random directions, and the naive gradients."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symbolic.wording import plural

#: A check passes when both maximum relative errors are below these.
FD_TOLERANCE = 1e-6
NAIVE_TOLERANCE = 1e-9
#: Below this magnitude naive and δ gradients are compared absolutely (both are round-off there).
NAIVE_FLOOR = 1e-6
#: Random points tried until one has a nonzero gradient (dead ReLUs can zero every gradient,
#: and a comparison of zeros with zeros proves nothing).
MAX_POINTS = 20


@dataclass(frozen=True)
class CheckResult:
    """Maximum relative errors of ``gradients`` against finite differences and the naive code."""

    network: str
    batch: int
    directions: int
    fd_error: float
    naive_error: float | None      # None when gradients_naive is not generated (too many paths)
    loss_error: float
    points: int = 1                # random points drawn to find one with a nonzero gradient
    zero_gradient: bool = False    # every gradient was zero at every point: nothing was checked

    @property
    def ok(self) -> bool:
        naive_ok = self.naive_error is None or self.naive_error <= NAIVE_TOLERANCE
        return (self.fd_error <= FD_TOLERANCE and naive_ok and self.loss_error <= NAIVE_TOLERANCE
                and not self.zero_gradient)

    def summary(self) -> str:
        naive = "not generated" if self.naive_error is None else f"{self.naive_error:.1e}"
        if self.zero_gradient:
            where = (f"every gradient is zero at all {self.points} random points, so the "
                     "comparison proves nothing")
        else:
            where = (f"max relative error vs central differences {self.fd_error:.1e} "
                     f"(tolerance {FD_TOLERANCE:.0e}), vs gradients_naive {naive}")
        tried = (f" (point {self.points}: the gradients were all zero at the earlier ones)"
                 if self.points > 1 and not self.zero_gradient else "")
        return (f"check {self.network}: batch {self.batch}, {plural(self.directions, 'random direction')}"
                f"{tried}; {where}: " + self.verdict)

    @property
    def verdict(self) -> str:
        """``ok``, ``FAILED``, or ``NOT VERIFIED`` (all gradients zero: nothing was compared)."""
        return "ok" if self.ok else "NOT VERIFIED" if self.zero_gradient else "FAILED"


def live_point(module, draw, batch: int, seed: int):
    """(params, data, loss, grads, points drawn): the first of up to ``MAX_POINTS`` random
    points ``draw(module, batch, seed)`` where some gradient is nonzero (else the last one)."""
    for points in range(1, MAX_POINTS + 1):
        params, data = draw(module, batch, seed + 1000 * (points - 1))
        loss, grads = module.gradients(params, data)
        if any(np.any(np.asarray(g) != 0) for g in grads.values()):
            break
    return params, data, loss, grads, points


def random_point(module, batch: int, seed: int) -> tuple[dict, dict]:
    """Parameters ~ N(0, 0.5²), inputs ~ N(0, 1), targets ~ U(0, 1); matrix modules (those
    with ``SHAPES``) get arrays of the declared shapes (``random_matrix_point``)."""
    if hasattr(module, "SHAPES"):
        return random_matrix_point(module, batch, seed)
    rng = np.random.default_rng(seed)
    params = {name: float(v) for name, v in zip(module.PARAMS, rng.normal(0, 0.5, len(module.PARAMS)))}
    data = {name: rng.normal(0, 1, batch) for name in module.INPUTS}
    data.update({name: rng.uniform(0, 1, batch) for name in module.TARGETS})
    return params, data


def random_matrix_point(module, batch: int, seed: int, dtype=np.float64,
                        positive: bool = False) -> tuple[dict, dict]:
    """Parameters ~ N(0, 0.5²), inputs ~ N(0, 1), targets ~ U(0, 1) (rows need not sum to 1:
    the fused softmax cross-entropy is exact for any targets); ``positive``: everything
    ~ U(0.2, 1) (for log and sqrt of inputs)."""
    rng = np.random.default_rng(seed)
    draw = ((lambda s, scale: rng.uniform(0.2, 1, s)) if positive
            else (lambda s, scale: rng.normal(0, scale, s)))
    params = {k: draw(s, 0.5).astype(dtype) for k, s in module.SHAPES.items()}
    data = {k: draw((batch,) + module.DATA_SHAPES[k], 1).astype(dtype) for k in module.INPUTS}
    for k in module.TARGETS:
        (n,) = module.DATA_SHAPES[k]
        data[k] = rng.uniform(0.2 if positive else 0, 1, (batch, n)).astype(dtype)
    return params, data


def finite_point(module, batch: int, seed: int) -> tuple[dict, dict]:
    """A random point where the loss is finite: positive values if normal ones give NaN."""
    params, data = random_point(module, batch, seed)
    with np.errstate(all="ignore"):
        if np.isfinite(module.loss(params, data)) or not hasattr(module, "SHAPES"):
            return params, data
    return random_matrix_point(module, batch, seed, positive=True)


def check_gradients(module, network=None, batch: int = 16, seed: int = 0, directions: int = 8,
                    step: float = 1e-5) -> CheckResult:
    """Compare ``module.gradients`` with central differences of ``module.loss`` along random
    unit directions in the space of all parameters (floats or arrays), with
    ``gradients_naive``, and its loss with ``module.loss``; scalar and matrix modules alike."""
    from .backend_check import as_numpy_contract  # python / array-api modules (issue 15)

    module = as_numpy_contract(module)
    params, data, loss, grads, points = live_point(module, finite_point, batch, seed)
    g = {n: np.asarray(grads[n], dtype=np.float64) for n in module.PARAMS}
    g_norm = float(np.sqrt(sum(np.sum(v ** 2) for v in g.values())))
    fd_error = _difference_error(module, params, data, g, g_norm, directions, step, seed)
    naive_error = _naive_error(module, params, data, loss, g)
    name = getattr(network, "name", None) or getattr(module, "__name__", "module")
    return CheckResult(name, batch, directions, fd_error, naive_error,
                       relative_error(float(module.loss(params, data)), float(loss)), points,
                       g_norm == 0)


def _difference_error(module, params, data, g, g_norm, directions, step, seed) -> float:
    """Largest relative error of g·d against central differences of the loss along ``d``."""
    rng = np.random.default_rng(seed + 1)
    worst = 0.0
    for _ in range(directions):
        d = {n: rng.normal(size=np.shape(params[n])) for n in g}
        norm = np.sqrt(sum(np.sum(v ** 2) for v in d.values()))
        plus = module.loss({n: params[n] + step * d[n] / norm for n in g}, data)
        minus = module.loss({n: params[n] - step * d[n] / norm for n in g}, data)
        exact = sum(float(np.sum(g[n] * d[n])) for n in g) / norm
        worst = max(worst, relative_error((plus - minus) / (2 * step), exact, scale=g_norm))
    return worst


def _naive_error(module, params, data, loss, g) -> float | None:
    """Largest difference of ``gradients_naive`` from ``g`` (None when it is not generated)."""
    try:
        naive_loss, naive = module.gradients_naive(params, data)
    except NotImplementedError:
        return None
    return max([array_error(naive[n], g[n]) for n in g]
               + [relative_error(float(naive_loss), float(loss), floor=NAIVE_FLOOR)])


def relative_error(a: float, b: float, scale: float = 0.0, floor: float = 1e-12) -> float:
    """|a − b| / max(|a|, |b|, 1e-3·scale, floor); NaN counts as an infinite error."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return float("inf")
    return abs(a - b) / max(abs(a), abs(b), 1e-3 * scale, floor)


def array_error(a, b, floor: float = NAIVE_FLOOR) -> float:
    """max |a − b| / max(max |a|, max |b|, floor) for arrays or floats; NaN counts as infinite."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), floor)
    return float(np.max(np.abs(a - b))) / scale
