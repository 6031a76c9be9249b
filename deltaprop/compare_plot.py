"""PNG pictures for ``deltaprop compare`` (needs matplotlib: ``pip install "deltaprop[plot]"``)."""
from __future__ import annotations

from .plotting import figure_bytes, require_matplotlib

METHODS = [("forward", "forward", "tab:gray"), ("naive backward", "naive", "tab:red"),
           ("delta backward", "shared δ", "tab:blue"),
           ("from-scratch", "diff + cse (from inputs)", "tab:green")]
WIDTH_STYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D"]


def comparison_png(comparison) -> bytes:
    """Bar chart (log scale) of the total operations of each method for one network."""
    caption = "" if comparison.scratch.done else f"diff + cse {comparison.scratch.note}"
    return bars_png(comparison.rows(), f"{comparison.network}: gradient cost by method",
                    "operations (each assignment once)", caption)


def bars_png(rows, title: str, unit: str, caption: str = "") -> bytes:
    """Bar chart (log scale) of ``rows`` ((method, count or None), in ``METHODS`` order)."""
    plt = require_matplotlib("--plot")
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    names, totals, colours = [], [], []
    for (key, label, colour), (_, cost) in zip(METHODS, rows):
        if cost is not None:
            names.append(label)
            totals.append(cost.total)
            colours.append(colour)
    bars = ax.bar(names, totals, color=colours)
    ax.bar_label(bars, labels=[f"{t:,}" for t in totals])
    ax.set_yscale("log")
    ax.set_ylim(bottom=1, top=max(totals) * 5)
    ax.set_ylabel(unit)
    ax.set_title(title)
    return figure_bytes(fig, caption)


def sweep_png(points, title: str) -> bytes:
    """Log-scale total operations against depth: one line per method and width."""
    plt = require_matplotlib("--plot")
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=100)
    widths = sorted({p.width for p in points})
    for i, width in enumerate(widths):
        row = [p for p in points if p.width == width]
        for m, (key, label, colour) in enumerate(METHODS):
            xs = [p.depth for p in row if dict(p.comparison.rows())[key] is not None]
            ys = [dict(p.comparison.rows())[key].total for p in row
                  if dict(p.comparison.rows())[key] is not None]
            if xs:
                ax.plot(xs, ys, WIDTH_STYLES[i % 4], color=colour, marker=MARKERS[i % 4],
                        markersize=4, label=f"{label}, width {width}")
    ax.set_yscale("log")
    ax.set_xlabel("depth (weight layers)")
    ax.set_ylabel("operations (each assignment once)")
    ax.set_title(title)
    ax.set_xticks(sorted({p.depth for p in points}))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, ncol=len(widths), loc="upper left")
    return figure_bytes(fig)
