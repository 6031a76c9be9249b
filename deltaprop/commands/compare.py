"""``deltaprop compare``: naive per-weight differentiation against shared δ, in numbers.

``compare NETWORK`` prints exact op counts (forward, naive, δ, from-scratch), ratios, which
weights reuse each δ, and timings of the generated code; for a matrix network the same in
FLOPs per sample (``symbolic.matrix.compare``).  ``compare --sweep mlp`` does the counts for
MLPs of growing depth and width.  ``--json`` and ``--plot`` write the same figures.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from symbolic.compare import Comparison, compare
from symbolic.cost import cost_table, ratio_line
from symbolic.matrix.compare import UNIT, MatrixComparison, compare_matrix
from symbolic.errors import DeltapropError
from symbolic.from_scratch import MAX_INLINED_OPS, MAX_SECONDS, ScratchLimits
from symbolic.scaling import sweep, sweep_sizes
from symbolic.wording import noun, plural

from ..arguments import integer, number
from ..loading import load_network
from ..matrix_cli import is_matrix
from ..output import check_targets, write_all
from ..timing import time_gradients

HELP = ("compare naive per-weight differentiation with shared δ: op counts (FLOPs per sample "
        "for matrix networks), timings, scaling")
SHARING_LINES = 12
BUILD_LIMITS = ScratchLimits(seconds=5.0)


def add_arguments(parser) -> None:
    parser.add_argument("network", metavar="NETWORK", nargs="?",
                        help="built-in name, mlp:SIZES:ACT:LOSS, layers:SIZES:ACT:LOSS, or a "
                             ".py/.net file (omit with --sweep)")
    parser.add_argument("--batch", type=integer(0, 1_000_000), default=1000, metavar="N",
                        help="batch size for timing the generated code (default 1000; "
                             "0: no timings)")
    parser.add_argument("--repeats", type=integer(1, 1000), default=7, metavar="K",
                        help="timing repeats; the median is reported (default 7)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw them (needs matplotlib)")
    parser.add_argument("--sweep", choices=["mlp"], help="sweep builder MLPs instead of NETWORK")
    parser.add_argument("--depth", metavar="RANGE", help="sweep depths, e.g. 1..6 or 2,3 "
                        "(default 1..6)")
    parser.add_argument("--width", metavar="LIST", help="sweep widths, e.g. 2,4,8 (default)")
    parser.add_argument("--activation", help="sweep activation (default sigmoid)")
    parser.add_argument("--loss", help="sweep loss (default squared)")
    parser.add_argument("--scratch-cap", type=integer(0, 10_000_000), default=MAX_INLINED_OPS, metavar="OPS",
                        help="attempt from-scratch only when the inlined loss has at most "
                             f"OPS operations (default {MAX_INLINED_OPS:,}; 0: never)")
    parser.add_argument("--scratch-seconds", type=number(0, 3600, low_open=True), default=MAX_SECONDS, metavar="S",
                        help=f"stop the from-scratch attempt after S seconds "
                             f"(default {MAX_SECONDS:g})")


def run(args) -> int:
    _check_arguments(args)
    check_targets(args.json, args.plot)
    if args.plot:
        from ..plotting import require_matplotlib

        require_matplotlib("--plot")
    limits = ScratchLimits(args.scratch_cap, args.scratch_seconds)
    if args.sweep:
        data, png = _run_sweep(args, limits)
    else:
        data, png = _run_network(args, limits)
    outputs = {}                    # everything is computed before anything is written
    if args.json is not None:
        outputs[args.json] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if args.plot is not None:
        outputs[args.plot] = png()
    write_all(outputs)
    return 0


@dataclass(frozen=True)
class Analysis:
    """What ``compare`` does with one kind of network: count, print, draw."""

    count: Callable            # (network, ScratchLimits) -> comparison
    lines: Callable            # comparison -> printed lines
    png: Callable              # comparison -> PNG bytes


def _scalar_png(comparison) -> bytes:
    from ..compare_plot import comparison_png

    return comparison_png(comparison)


def _matrix_png(comparison) -> bytes:
    from ..compare_plot import bars_png

    return bars_png(comparison.rows(), f"{comparison.network}: {UNIT}", UNIT)


SCALAR = Analysis(compare, lambda c: comparison_lines(c), _scalar_png)
MATRIX = Analysis(lambda network, limits: compare_matrix(network),
                  lambda c: matrix_comparison_lines(c), _matrix_png)


def analysis(network) -> Analysis:
    """The one place where compare tells matrix networks (FLOPs) from scalar ones (ops)."""
    return MATRIX if is_matrix(network) else SCALAR


def _run_network(args, limits):
    network = load_network(args.network)
    kind = analysis(network)
    comparison = kind.count(network, limits)
    print("\n".join(kind.lines(comparison)), flush=True)
    timings = time_gradients(network, args.batch, args.repeats)
    print("\n".join(timing_lines(timings)))
    return {**comparison.as_dict(), "timings": timings}, lambda: kind.png(comparison)


#: Largest sweep: the sweep compares every depth × width network (12 × 32 takes ~2 s each).
MAX_SWEEP_DEPTH, MAX_SWEEP_WIDTH = 12, 32


def _run_sweep(args, limits):
    depths = parse_depths(args.depth or "1..6")
    widths = parse_widths(args.width or "2,4,8")
    if max(depths) > MAX_SWEEP_DEPTH or max(widths) > MAX_SWEEP_WIDTH:
        raise DeltapropError(f"--sweep: depths up to {MAX_SWEEP_DEPTH} and widths up to "
                             f"{MAX_SWEEP_WIDTH} (compare one larger network by name instead)")
    activation, loss = args.activation or "sigmoid", args.loss or "squared"
    if loss == "softmax-ce":
        raise DeltapropError("--sweep: the sweep's networks have one output, and softmax-ce needs "
                             "two or more: use --loss squared or bce")
    points = sweep(depths, widths, activation, loss, limits)
    title = f"MLPs width-...-width-1, {activation}, {loss} loss"
    note = "not measured in a sweep (use compare NETWORK --batch N)"
    data = {"sweep": "mlp", "activation": activation, "loss": loss,
            "networks": [{**p.as_dict(), "sizes": sweep_sizes(p.depth, p.width),
                          "timings": {"batch": None, "gradients": None, "gradients_naive": None,
                                      "naive_over_delta": None, "note": note}}
                         for p in points]}

    def png():
        from ..compare_plot import sweep_png

        return sweep_png(points, f"Gradient cost against depth ({title})")

    print("\n".join([f"compare --sweep mlp: {title}"] + sweep_lines(points)))
    return data, png


def _check_arguments(args) -> None:
    if args.sweep and args.network:
        raise DeltapropError(f"give either NETWORK ({args.network}) or --sweep, not both")
    if not args.sweep and not args.network:
        raise DeltapropError("compare needs a NETWORK (or --sweep mlp)")
    if not args.sweep and (args.depth or args.width or args.activation or args.loss):
        raise DeltapropError("--depth, --width, --activation and --loss only apply with "
                             "--sweep mlp")
    if args.batch < 0 or args.repeats < 1:
        raise DeltapropError("--batch must be >= 0 and --repeats >= 1")
    if args.plot is not None and not args.plot.lower().endswith(".png"):
        raise DeltapropError(f"--plot {args.plot}: the file name must end in .png")


def parse_depths(text: str) -> list[int]:
    """``1..6`` (inclusive), ``3`` or ``1,2,5``: positive integers."""
    match = re.fullmatch(r"\s*(\d+)\s*\.\.\s*(\d+)\s*", text)
    if match:
        low, high = int(match[1]), int(match[2])
        if 1 <= low <= high:
            return list(range(low, high + 1))
        raise DeltapropError(f"--depth {text}: expected LOW..HIGH with 1 <= LOW <= HIGH")
    return _positive_list("--depth", text, "1..6 or 1,2,5")


def parse_widths(text: str) -> list[int]:
    """``2,4,8``: positive integers."""
    return _positive_list("--width", text, "2,4,8")


def _positive_list(option: str, text: str, example: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise DeltapropError(f"{option} {text}: expected positive integers like {example}")
    return sorted(set(int(p) for p in parts))


# -- text --------------------------------------------------------------------------------------
def comparison_lines(c: Comparison) -> list[str]:
    """The table, the ratios, the from-scratch note and the sharing of the δ terms."""
    lines = [f"compare {c.network}: {plural(c.n_params, 'parameter')}, "
             f"{plural(c.paths, 'chain-rule path product')}"]
    lines += cost_table([(name, c.scratch.note if cost is None else cost) for name, cost in c.rows()])
    lines.append(ratio_line(c.ratios))
    if c.scratch.done:
        lines.append(f"from-scratch: {c.scratch.note} ({c.scratch.seconds:.1f} s); it starts "
                     f"from the inputs and gives no loss value: compare it with forward "
                     f"without the loss + delta = {c.gradient_total:,}")
    return lines + sharing_lines(c)


def sharing_lines(c: Comparison, limit: int = SHARING_LINES) -> list[str]:
    lines = ["shared δ: computed once, reused by the weights listed; naive rebuilds the chain "
             "from the loss in each path product through the node"]
    width = max((len(s.delta.name) for s in c.sharing), default=5)
    for s in c.sharing[:limit]:
        names = " ".join(w.name for w in s.weights[:6]) + (" ..." if len(s.weights) > 6 else "")
        n, products = len(s.weights), s.naive_products
        lines.append(f"  {s.delta.name:<{width}}  reused by {n:>6,} {noun(n, 'weight'):<7}  "
                     f"naive: {products:>9,} {noun(products, 'product'):<8}  [{names}]")
    if len(c.sharing) > limit:
        lines.append(f"  ... {len(c.sharing) - limit:,} more δ (all of them in --json)")
    return lines


def matrix_comparison_lines(c: MatrixComparison, limit: int = SHARING_LINES) -> list[str]:
    """The FLOP table (per sample, and per call), the ratios, each parameter's naive chain and
    the sharing of the δ terms."""
    lines = [f"compare {c.network}: {plural(c.n_params, 'parameter array')} "
             f"({plural(c.n_entries, 'entry', 'entries')}); {UNIT} "
             "(rules: symbolic/matrix/flops.py)", *cost_table(c.rows()), ratio_line(c.ratios)]
    lines.append("per call (work without the batch size: 1/B, parameters alone): " + ", ".join(
        f"{name} {f.per_call.total:,}" for name, f in c.programs()))
    lines.append("naive: each parameter's own chain-rule paths, nothing shared: "
                 + ", ".join(f"{name} {f.per_sample.total:,}" for name, f in c.chains.items()))
    return lines + matrix_sharing_lines(c, limit)


def matrix_sharing_lines(c: MatrixComparison, limit: int = SHARING_LINES) -> list[str]:
    lines = ["shared δ: computed once, reused by the parameters listed; naive computes it once "
             "per parameter"]
    width = max((len(s.delta.name) for s in c.sharing), default=5)
    for s in c.sharing[:limit]:
        lines.append(f"  {s.delta.name:<{width}}  {s.flops.per_sample.total:>10,} FLOPs  "
                     + _reuse_text(s))
    if len(c.sharing) > limit:
        lines.append(f"  ... {len(c.sharing) - limit:,} more δ (all of them in --json)")
    return lines


def _reuse_text(s) -> str:
    n = len(s.params)
    names = " ".join(p.name for p in s.params[:6]) + (" ..." if n > 6 else "")
    return (f"reused by {n:>3} {noun(n, 'parameter'):<10}  naive: {n}x, +{s.naive_extra:,}  "
            f"[{names}]")


def timing_lines(t: dict) -> list[str]:
    if t["gradients"] is None:
        return [f"timings: {t['note']}"]
    if t["gradients_naive"] is None:
        return [f"timings at batch {t['batch']:,}: gradients {t['gradients'] * 1e3:.3f} ms "
                f"({t['note']})"]
    return [f"timings at batch {t['batch']:,} ({t['note']}): gradients "
            f"{t['gradients'] * 1e3:.3f} ms, gradients_naive {t['gradients_naive'] * 1e3:.3f} ms"
            f", naive/delta {t['naive_over_delta']:.2f}x"]


def sweep_lines(points) -> list[str]:
    """The sweep table, columns as wide as their widest cell."""
    rows = [("depth", "width", "params", "paths", "forward", "naive", "delta", "scratch",
             "naive/δ", "δ/fwd")]
    for p in points:
        c, r = p.comparison, p.comparison.ratios
        scratch = f"{c.scratch.cost.total:,}" if c.scratch.done else "-"
        rows.append((f"{p.depth}", f"{p.width}", f"{c.n_params:,}", f"{c.paths:,}",
                     f"{c.forward.total:,}", f"{c.naive.total:,}", f"{c.delta.total:,}", scratch,
                     f"{r['naive_over_delta']:,.1f}x", f"{r['delta_over_forward']:.2f}x"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.append("scratch: sympy.diff of the inlined loss per weight + cse (from the inputs); "
                 "'-': over the size or time cap")
    return lines


# -- build step ----------------------------------------------------------------------------------
def build_step(network, outdir):
    """``deltaprop build`` step: print the comparison table (writes no file)."""
    kind = analysis(network)
    return {}, ["", *kind.lines(kind.count(network, BUILD_LIMITS))], True
