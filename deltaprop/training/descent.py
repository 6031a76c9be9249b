"""Gradient descent on a one-variable function, with a verdict on the learning rate.

x_{k+1} = x_k − η J'(x_k).  The verdict reads the ratio of successive steps
r = |x_{k+1} − x_k| / |x_k − x_{k−1}|: r < 1 converges (slowly when r > 0.5); r = 1 with
alternating sign oscillates; r > 1 diverges when the last step is larger than every step
before, unless r − 1 shrinks by SETTLING per step with alternating sign (the steps approach a
cycle: it oscillates) or an earlier step was as large (the steps grow and shrink: it wanders,
as on a non-convex or non-smooth J).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from symbolic.evaluate import evaluate

SLOW_RATIO = 0.5
TOLERANCE = 1e-9
SETTLING = 0.9    # growing steps whose growth shrinks by this factor settle into a cycle


@dataclass(frozen=True)
class DescentRun:
    """Iterates x_0..x_n of gradient descent with learning rate ``lr``."""

    lr: float
    iterates: tuple[float, ...]
    losses: tuple[float, ...]
    undefined_slope: bool = False   # stopped because J' was not finite at the last iterate

    @property
    def step_ratio(self) -> float | None:
        """|last step| / |step before|, or None with fewer than two steps or a zero step."""
        x = self.iterates
        if len(x) < 3 or not all(math.isfinite(v) for v in x[-3:]):
            return None
        before = abs(x[-2] - x[-3])
        return abs(x[-1] - x[-2]) / before if before > 0 else None

    @property
    def diverges(self) -> bool:
        """True when the verdict is "diverges" (growing steps, or an overflow)."""
        return self.verdict.startswith("diverges")

    @property
    def verdict(self) -> str:
        x = self.iterates
        if self.undefined_slope:
            return f"stopped: J' is not finite at x = {x[-2]:.6g}"
        if not all(math.isfinite(v) for v in x):
            return "diverges (overflow)"
        if len(x) >= 2 and x[-1] == x[-2]:
            return "stationary (the last step did not move x)"
        r = self.step_ratio
        if r is None:
            return "too few steps to judge"
        if abs(r - 1) <= TOLERANCE:
            alternating = (x[-1] - x[-2]) * (x[-2] - x[-3]) < 0
            return "oscillates (steps keep their size)" if alternating else "drifts at a constant rate"
        if r > 1:
            return _growth_verdict(x, r)
        speed = "slowly" if r > SLOW_RATIO else "fast"
        return f"converges {speed} (each step {r:.3g}x the previous)"


def _growth_verdict(x: tuple[float, ...], r: float) -> str:
    """The verdict when the last step is r > 1 times the one before."""
    steps = [abs(b - a) for a, b in zip(x, x[1:])]
    if steps[-1] <= max(steps[:-1]) * (1 + TOLERANCE):
        return f"wanders (steps grow and shrink; the last is {r:.3g}x the previous)"
    alternating = (x[-1] - x[-2]) * (x[-2] - x[-3]) < 0
    before = steps[-2] / steps[-3] if len(steps) >= 3 and steps[-3] > 0 else r
    if alternating and 1 < before and r - 1 <= SETTLING * (before - 1):
        return f"oscillates (steps grow towards a constant size; the last is {r:.6g}x the previous)"
    return f"diverges (each step {r:.3g}x the previous)"


def descend(expr: sp.Expr, variable: sp.Symbol, x0: float, lr: float, steps: int) -> DescentRun:
    """Run ``steps`` gradient-descent steps on ``expr`` from ``x0``; stops early on overflow."""
    slope = sp.diff(expr, variable)
    xs, losses = [float(x0)], [value_at(expr, variable, x0)]
    undefined = False
    for _ in range(steps):
        x = xs[-1]
        g = _slope(slope, variable, x)
        undefined = math.isnan(g)
        x_next = math.nan if undefined else x - lr * g
        xs.append(x_next)
        losses.append(value_at(expr, variable, x_next))
        if not math.isfinite(x_next):
            break
    return DescentRun(lr, tuple(xs), tuple(losses), undefined)


def _slope(slope, variable, x: float) -> float:
    """J'(x): ±inf when it overflows (divergence), NaN where it is undefined (e.g. √ at 0)."""
    try:
        return float(evaluate(slope, {variable: x}))
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError, TypeError):
        return math.nan


def value_at(expr, variable, x: float) -> float:
    """``expr`` at ``x`` as a float; NaN where it is undefined or overflows, or x is not finite."""
    if not math.isfinite(x):
        return math.nan
    try:
        return float(evaluate(expr, {variable: x}))
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return math.nan
