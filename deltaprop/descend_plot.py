"""The picture of ``deltaprop descend --plot``: J(x) with each η's iterates, and |x_k − x*|.

``descent_picture`` computes everything the picture shows (no matplotlib needed): the x-range
is the span of x0, the iterates of the runs that do not diverge and their minimisers, so a
diverging η never flattens the others; its iterates outside the range are clipped and the step
at which it leaves is recorded.  Each run is measured against the minimum it approaches (the
minimum nearest its last iterate; a diverging run: nearest x0), found by
``training.minima.critical_points``.  ``descent_figure`` draws the picture: one small J(x)
panel per η (shared axes, as in the seed lecture's four panels) above one log-scale panel of
|x_k − x*| against the integer step k.
"""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass

from .descend_report import subscript
from .plotting import figure_bytes, require_matplotlib
from .training.descent import DescentRun, value_at
from .training.minima import critical_points, nearest_minimum

CURVE_POINTS = 400
SCAN_MARGIN = 0.5       # the critical-point scan looks this fraction of the span beyond it
MARGIN = 0.08           # empty border of a panel, as a fraction of its span
ERROR_HEADROOM = 30.0   # the error axis ends this factor above the largest non-diverging error
ERROR_DECADES = 12      # ... and at most this many decades below its top
MINIMUM_SIDE = 0.25     # J is drawn at least this fraction of the span on each side of x*
PANEL_COLUMNS = 3
LEGEND_INSIDE = 4       # with more runs the error panel's legend goes below it
MIN_WIDTH = 7.5         # inches


@dataclass(frozen=True)
class RunView:
    """One η as drawn: its x*, |x_k − x*| and the first step outside each panel (or None):
    right or left of the J(x) panel, above or below the error axis."""

    run: DescentRun
    target: float | None
    errors: tuple[float, ...]
    leaves_curve_at: int | None
    leaves_errors_at: int | None
    below_errors_at: int | None


@dataclass(frozen=True)
class DescentPicture:
    """Everything ``descent_figure`` draws: limits, J sampled on the x-range, the runs."""

    title: str
    variable: str
    x_limits: tuple[float, float]
    j_limits: tuple[float, float]
    error_limits: tuple[float, float] | None
    curve: tuple[tuple[float, ...], tuple[float, ...]]
    minima: tuple[tuple[float, float], ...]   # (x*, J(x*)) inside x_limits
    runs: tuple[RunView, ...]

    @property
    def steps(self) -> int:
        return max(len(v.run.iterates) for v in self.runs) - 1


def descent_picture(expr, variable, runs: list[DescentRun], title: str) -> DescentPicture:
    """The picture's data for ``runs`` of gradient descent on ``expr`` (all from one x0)."""
    x_limits, targets, minima = _x_range(expr, variable, runs)
    curve = _sample(expr, variable, x_limits)
    heights = curve[1] + (runs[0].losses[0],)
    j_limits = _padded(min(heights), max(heights), MARGIN)
    errors = [_errors(r, t) for r, t in zip(runs, targets)]
    steady = [e for r, e in zip(runs, errors) if not r.diverges]
    error_limits = _error_limits(steady, errors, headroom=len(steady) < len(runs))
    views = tuple(RunView(r, t, e, _first_outside(r, x_limits),
                          _first_above(e, error_limits), _first_below(e, error_limits))
                  for r, t, e in zip(runs, targets, errors))
    inside = tuple((m, value_at(expr, variable, m)) for m in minima
                   if x_limits[0] <= m <= x_limits[1])
    return DescentPicture(title, variable.name, x_limits, j_limits, error_limits, curve,
                          inside, views)


def _x_range(expr, variable, runs: list[DescentRun]):
    """(x-limits, each run's x*, the minima scanned): the limits span x0, the iterates of the
    non-diverging runs (where J is finite), their x* and the minima near them, each minimum
    with MINIMUM_SIDE of the span on both sides."""
    seen = [runs[0].iterates[0]] + [x for r in runs if not r.diverges
                                    for x, j in zip(r.iterates, r.losses) if math.isfinite(j)]
    scanned = _padded(min(seen), max(seen), SCAN_MARGIN)
    points = critical_points(expr, variable, scanned)
    targets = [_target(points, r) for r in runs]
    minima = [p.x for p in points if p.kind == "minimum"]
    marks = [t for t in targets if t is not None]
    marks += [m for m in minima if scanned[0] <= m <= scanned[1]]
    span = max(seen + marks) - min(seen + marks)
    shown = seen + [m + side * MINIMUM_SIDE * span for m in marks for side in (-1, 1)]
    return _padded(min(shown), max(shown), MARGIN), targets, minima


def _target(points, run: DescentRun) -> float | None:
    finite = [x for x in run.iterates if math.isfinite(x)]
    return nearest_minimum(points, run.iterates[0] if run.diverges else finite[-1])


def _padded(lo: float, hi: float, fraction: float) -> tuple[float, float]:
    span = hi - lo if hi > lo else max(1.0, abs(lo))
    return lo - fraction * span, hi + fraction * span


def _sample(expr, variable, limits) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """J at evenly spaced points of ``limits`` (points where J is not finite are left out)."""
    lo, hi = limits
    xs = [lo + (hi - lo) * i / (CURVE_POINTS - 1) for i in range(CURVE_POINTS)]
    pairs = [(x, value_at(expr, variable, x)) for x in xs]
    pairs = [(x, j) for x, j in pairs if math.isfinite(j)]
    return tuple(x for x, _ in pairs), tuple(j for _, j in pairs)


def _errors(run: DescentRun, target: float | None) -> tuple[float, ...]:
    if target is None:
        return tuple(math.nan for _ in run.iterates)
    return tuple(abs(x - target) for x in run.iterates)


def _error_limits(steady_errors, all_errors, *, headroom: bool) -> tuple[float, float] | None:
    """Log-axis limits from the non-diverging runs (else from the slowest diverging one),
    with ``headroom`` above them to show diverging runs leave."""
    def positive(errors):
        return [e for e in errors if math.isfinite(e) and e > 0]

    pool = [positive(e) for e in steady_errors if positive(e)]
    if not pool:
        pool = [positive(e) for e in all_errors if positive(e)]
        pool = [min(pool, key=max)] if pool else []
    if not pool:
        return None
    top = max(max(p) for p in pool) * (ERROR_HEADROOM if headroom else 3)
    bottom = max(min(min(p) for p in pool) / 3, top * 10.0 ** -ERROR_DECADES)
    return bottom, top


def _first_outside(run: DescentRun, limits) -> int | None:
    """The first step whose x_k is outside ``limits`` or whose J(x_k) is not finite."""
    lo, hi = limits
    return next((k for k, (x, j) in enumerate(zip(run.iterates, run.losses))
                 if not (lo <= x <= hi and math.isfinite(j))), None)


def _first_above(errors, limits) -> int | None:
    """The first step whose error is above the axis (or not finite: an overflow)."""
    if limits is None or all(math.isnan(e) for e in errors):
        return None
    return next((k for k, e in enumerate(errors) if not e <= limits[1]), None)


def _first_below(errors, limits) -> int | None:
    """The first step whose error is below the axis but not 0 (0 is drawn as reached)."""
    if limits is None:
        return None
    return next((k for k, e in enumerate(errors) if 0 < e < limits[0]), None)


def descent_png(picture: DescentPicture) -> bytes:
    """The picture as PNG bytes (needs matplotlib)."""
    return figure_bytes(descent_figure(picture))


def descent_figure(picture: DescentPicture):
    """A matplotlib figure: a J(x) panel per η, then |x_k − x*| against k on a log axis."""
    plt = require_matplotlib("--plot")
    n = len(picture.runs)
    columns = min(n, PANEL_COLUMNS)
    rows = math.ceil(n / columns)
    fig = plt.figure(figsize=(max(3.6 * columns + 0.6, MIN_WIDTH), 2.9 * rows + 3.6))
    grid = fig.add_gridspec(rows + 1, columns, height_ratios=[1] * rows + [1.25])
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, view in enumerate(picture.runs):
        ax = fig.add_subplot(grid[i // columns, i % columns])
        _draw_curve_panel(ax, picture, view, colours[i % len(colours)])
    _draw_error_panel(fig.add_subplot(grid[rows, :]), picture, colours)
    fig.suptitle(textwrap.fill(picture.title, 12 * fig.get_figwidth()), fontsize=11)
    return fig


def _draw_curve_panel(ax, picture: DescentPicture, view: RunView, colour) -> None:
    """J(x) in grey, the minima as stars, this η's iterates joined in order up to the first
    one outside the panel (an arrow points where that one lies)."""
    v = picture.variable
    ax.plot(*picture.curve, color="0.55", linewidth=1.2, zorder=1)
    for m, j in picture.minima:
        ax.plot([m], [j], marker="*", color="black", markersize=9, linestyle="none", zorder=4)
    end = len(view.run.iterates) if view.leaves_curve_at is None else view.leaves_curve_at
    xs, js = view.run.iterates[:end], view.run.losses[:end]
    ax.plot(xs, js, marker="o", markersize=4, linewidth=1, color=colour, zorder=3)
    ax.plot(xs[:1], js[:1], marker="o", markersize=7, markerfacecolor="white", color=colour,
            zorder=5)
    ax.set_xlim(*picture.x_limits)
    ax.set_ylim(*picture.j_limits)
    ax.set_title(_panel_title(picture, view), fontsize=9, color=colour)
    ax.set_xlabel(v, fontsize=8)
    ax.set_ylabel(f"J({v})", fontsize=8)
    ax.tick_params(labelsize=7)
    if view.leaves_curve_at is not None:
        _mark_exit(ax, picture, view, colour)


def _panel_title(picture: DescentPicture, view: RunView) -> str:
    title = f"η = {view.run.lr:g}: {re.split(r' [(]|:', view.run.verdict)[0]}"
    k = view.leaves_curve_at
    if k is None:
        return title
    x = view.run.iterates[k]
    where = (f"{x:.4g}".replace("-", "−") if math.isfinite(x)
             else "undefined" if view.run.undefined_slope else "overflow")
    return f"{title}\nleaves the picture at step {k}: {picture.variable}{subscript(k)} = {where}"


def _mark_exit(ax, picture: DescentPicture, view: RunView, colour) -> None:
    """An arrow from the last iterate inside towards the first one outside the panel."""
    k = view.leaves_curve_at
    xs, js = view.run.iterates, view.run.losses
    start = (xs[k - 1], js[k - 1])
    end = _exit_point(start, (xs[k], js[k]), picture.x_limits, picture.j_limits)
    if not all(map(math.isfinite, start)) or end == start:
        return      # nowhere to point: x_k or J(x_k) is not a number
    ax.annotate("", xy=end, xytext=start, zorder=6, annotation_clip=False,
                arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 1.5})


def _exit_point(inside, outside, x_limits, y_limits) -> tuple[float, float]:
    """Where the segment from ``inside`` towards ``outside`` crosses the panel's border."""
    (x0, y0), (x1, y1) = inside, outside
    if not (math.isfinite(x1) and math.isfinite(y1)):
        return inside
    t = 1.0
    for start, delta, (lo, hi) in ((x0, x1 - x0, x_limits), (y0, y1 - y0, y_limits)):
        if delta > 0 and start + delta > hi:
            t = min(t, (hi - start) / delta)
        elif delta < 0 and start + delta < lo:
            t = min(t, (lo - start) / delta)
    return x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def _draw_error_panel(ax, picture: DescentPicture, colours) -> None:
    """|x_k − x*| per step on a log axis; runs beyond the axis are clipped and say where."""
    from matplotlib.ticker import MaxNLocator

    v = picture.variable
    for i, view in enumerate(picture.runs):
        _draw_errors(ax, picture, view, colours[i % len(colours)])
    if picture.error_limits is not None:
        ax.set_yscale("log")
        ax.set_ylim(*picture.error_limits)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, f"no distance to draw: no minimum of J found near the iterates, or "
                f"every x_k is {v}*", transform=ax.transAxes, ha="center", fontsize=9)
    ax.set_xlim(-0.5, picture.steps + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step k")
    ax.set_ylabel(f"|{v}_k − {v}*|")
    ax.grid(True, which="major", alpha=0.3)
    if len(picture.runs) > LEGEND_INSIDE:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=PANEL_COLUMNS, frameon=False)
    else:
        ax.legend(fontsize=8, loc="best")
    targets = {view.target for view in picture.runs}
    common = f" {v}* = {targets.pop():.6g}" if len(targets) == 1 and None not in targets else ""
    ax.set_title(f"distance to the minimum{common or f' {v}*'} each run approaches", fontsize=9)


def _draw_errors(ax, picture: DescentPicture, view: RunView, colour) -> None:
    steps = [k for k, e in enumerate(view.errors) if math.isfinite(e) and e > 0]
    ax.plot(steps, [view.errors[k] for k in steps], marker="o", markersize=3.5,
            linewidth=1.2, color=colour, label=f"η = {view.run.lr:g}" + _error_note(picture, view))
    if picture.error_limits is None:
        return
    bottom, top = picture.error_limits
    for k, y, marker in ((view.leaves_errors_at, top, 10), (view.below_errors_at, bottom, 11),
                         (_reached_at(view), bottom, 11)):
        if k is not None:
            ax.plot([k], [y], marker=marker, markersize=10, color=colour, clip_on=False,
                    linestyle="none")


def _reached_at(view: RunView) -> int | None:
    return next((k for k, e in enumerate(view.errors) if e == 0), None)


def _error_note(picture: DescentPicture, view: RunView) -> str:
    v = picture.variable
    if view.target is None:
        return ": no minimum found"
    targets = {other.target for other in picture.runs}
    note = "" if len(targets) == 1 else f", {v}* = {view.target:.6g}"
    for k, what in ((_reached_at(view), f"reaches {v}* exactly at k = "),
                    (view.leaves_errors_at, "above the axis from k = "),
                    (view.below_errors_at, "below the axis from k = ")):
        if k is not None:
            note += f", {what}{k}"
    return note
