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
    """Parameters ~ N(0, 0.5²), inputs ~ N(0, 1), targets ~ U(0, 1)."""
    rng = np.random.default_rng(seed)
    params = {name: float(v) for name, v in zip(module.PARAMS, rng.normal(0, 0.5, len(module.PARAMS)))}
    data = {name: rng.normal(0, 1, batch) for name in module.INPUTS}
    data.update({name: rng.uniform(0, 1, batch) for name in module.TARGETS})
    return params, data


def check_gradients(module, network=None, batch: int = 16, seed: int = 0, directions: int = 8,
                    step: float = 1e-5) -> CheckResult:
    """Compare ``module.gradients`` with central differences of ``module.loss`` along random
    unit directions, with ``gradients_naive``, and its loss with ``module.loss``."""
    if hasattr(module, "SHAPES"):  # a matrix-level module (issue 6): arrays, not floats
        from .matrix_check import check_matrix_gradients

        return check_matrix_gradients(module, network, batch, seed, directions, step)
    params, data, loss, grads, points = live_point(module, random_point, batch, seed)
    names = list(module.PARAMS)
    g = np.array([grads[n] for n in names])
    rng = np.random.default_rng(seed + 1)
    fd_error = 0.0
    for _ in range(directions):
        d = rng.normal(size=len(names))
        d /= np.linalg.norm(d)
        plus = module.loss({n: params[n] + step * di for n, di in zip(names, d)}, data)
        minus = module.loss({n: params[n] - step * di for n, di in zip(names, d)}, data)
        fd, exact = (plus - minus) / (2 * step), float(g @ d)
        fd_error = max(fd_error, relative_error(fd, exact, scale=np.linalg.norm(g)))
    naive_error = None
    try:
        naive_loss, naive = module.gradients_naive(params, data)
    except NotImplementedError:
        pass
    else:
        naive_error = max([relative_error(naive[n], grads[n], floor=NAIVE_FLOOR) for n in names] +
                          [relative_error(naive_loss, loss, floor=NAIVE_FLOOR)])
    name = getattr(network, "name", None) or getattr(module, "__name__", "module")
    return CheckResult(name, batch, directions, fd_error, naive_error,
                       relative_error(module.loss(params, data), loss), points, not g.any())


def relative_error(a: float, b: float, scale: float = 0.0, floor: float = 1e-12) -> float:
    """|a − b| / max(|a|, |b|, 1e-3·scale, floor); NaN counts as an infinite error."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return float("inf")
    return abs(a - b) / max(abs(a), abs(b), 1e-3 * scale, floor)
