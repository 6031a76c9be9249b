"""The critical points of a one-variable J(x): the x* that gradient descent can approach.

A polynomial J' is solved exactly (SymPy's real roots of its rational coefficients, evaluated
to 30 digits).  Any other J' is scanned on a grid over a window and every sign change is
bisected down to neighbouring floats; this also finds kinks such as |x| at 0, where J' jumps
from −1 to +1 without passing through zero.  Each point is classified by the sign of J'
half-way to its neighbours: − then + is a minimum, + then − a maximum.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .descent import value_at

#: grid points of the numeric scan; a pair of roots closer than window/GRID may be missed.
GRID = 2001
#: polynomials of higher degree are scanned numerically instead of solved.
MAX_EXACT_DEGREE = 40
BISECTIONS = 1200


@dataclass(frozen=True)
class CriticalPoint:
    """A zero or sign change of J' at ``x``; ``kind`` is minimum, maximum or flat."""

    x: float
    kind: str


def critical_points(expr: sp.Expr, variable: sp.Symbol,
                    window: tuple[float, float]) -> list[CriticalPoint]:
    """Critical points of ``expr``: every real one of a polynomial, else those in ``window``."""
    slope = sp.diff(expr, variable)
    roots = _polynomial_roots(slope, variable)
    if roots is None:
        roots = _scanned_roots(slope, variable, window)
    roots = [r for r in roots if math.isfinite(value_at(expr, variable, r))]  # not a pole
    return [CriticalPoint(r, _kind(slope, variable, roots, i)) for i, r in enumerate(roots)]


def nearest_minimum(points: list[CriticalPoint], x: float) -> float | None:
    """The minimum nearest ``x``, else the nearest critical point, else None."""
    minima = [p.x for p in points if p.kind == "minimum"] or [p.x for p in points]
    if not minima or not math.isfinite(x):
        return None
    return min(minima, key=lambda m: (abs(m - x), m))


def _polynomial_roots(slope, variable) -> list[float] | None:
    if not slope.is_polynomial(variable):
        return None
    exact = sp.nsimplify(slope, rational=True)
    poly = sp.Poly(exact, variable)
    if poly.degree() > MAX_EXACT_DEGREE:
        return None
    if poly.degree() < 1:
        return []
    return sorted({float(r.evalf(30)) for r in poly.real_roots()})


def _scanned_roots(slope, variable, window) -> list[float]:
    lo, hi = window
    grid = [lo + (hi - lo) * i / (GRID - 1) for i in range(GRID)]
    values = [(x, value_at(slope, variable, x)) for x in grid]
    values = [(x, g) for x, g in values if math.isfinite(g)]
    roots = [x for (_, g0), (x, g), (_, g1) in zip(values, values[1:], values[2:])
             if g == 0 and g0 != 0 and g1 != 0]          # isolated zeros, not plateaus
    for (a, ga), (b, gb) in zip(values, values[1:]):
        if ga * gb < 0:
            roots.append(_bisect(slope, variable, a, b, ga))
    return sorted(set(roots))


def _bisect(slope, variable, lo: float, hi: float, g_lo: float) -> float:
    """A sign change of J' in [lo, hi], as the shortest decimal in the final bracket (which
    stops shrinking where J' is not finite: a cusp like √|x|, or a pole that J drops)."""
    for _ in range(BISECTIONS):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        g = value_at(slope, variable, mid)
        if not math.isfinite(g):
            break
        if g == 0:
            return mid
        if (g < 0) == (g_lo < 0):
            lo = mid
        else:
            hi = mid
    return _shortest_in(lo, hi)


def _shortest_in(lo: float, hi: float) -> float:
    """The number with the fewest decimals in [lo, hi] (0 for a bracket around 0)."""
    mid = (lo + hi) / 2
    for digits in range(18):
        candidate = round(mid, digits)
        if lo <= candidate <= hi:
            return candidate + 0.0
    return mid


def _kind(slope, variable, roots: list[float], i: int) -> str:
    """minimum / maximum / flat from the sign of J' towards the neighbouring roots."""
    r = roots[i]
    gap = max(1.0, abs(r))
    left = (r + roots[i - 1]) / 2 if i > 0 else r - gap
    right = (r + roots[i + 1]) / 2 if i + 1 < len(roots) else r + gap
    before, after = _probe(slope, variable, r, left), _probe(slope, variable, r, right)
    if before < 0 < after:
        return "minimum"
    if before > 0 > after:
        return "maximum"
    return "flat"


def _probe(slope, variable, r: float, towards: float) -> float:
    """J' at ``towards``, or closer to ``r`` where J' is undefined there (√x left of 0)."""
    for _ in range(60):
        g = value_at(slope, variable, towards)
        if math.isfinite(g):
            return g
        towards = (r + towards) / 2
    return math.nan
