"""``deltaprop descend "4*x^2" --x0 2 --lr 1,0.25,0.1``: learning-rate experiments."""
from __future__ import annotations

import math

import sympy as sp

from symbolic.errors import DeltapropError
from symbolic.formula import parse_formula

from ..arguments import integer, number
from ..output import write_atomic
from ..training.descent import descend
from ..plotting import require_matplotlib

HELP = "gradient descent on a one-variable formula J(x) for several learning rates"


def add_arguments(parser) -> None:
    parser.add_argument("formula", metavar="FORMULA", help="J(x), e.g. \"4*x^2\" (^ is power)")
    parser.add_argument("--x0", type=number(), default=1.0, help="starting point (default 1)")
    parser.add_argument("--lr", default="0.1", help="learning rates, comma-separated")
    parser.add_argument("--steps", type=integer(1, 10_000), default=10, help="steps per learning rate")
    parser.add_argument("--var", default="x", help="the variable's name (default x)")
    parser.add_argument("--plot", metavar="FILE.png", help="save the iterates as a PNG")


def run(args) -> int:
    expr, x = parse_formula(args.formula, args.var)
    rates = _rates(args.lr)
    if args.plot is not None and not args.plot.lower().endswith(".png"):
        raise DeltapropError(f"--plot {args.plot}: the file name must end in .png")
    if args.steps < 1:
        raise DeltapropError(f"--steps must be at least 1, got {args.steps}")
    runs = [descend(expr, x, args.x0, lr, args.steps) for lr in rates]
    if not math.isfinite(runs[0].losses[0]):
        raise DeltapropError(f"J({x}) = {expr} is not defined (or not finite) at {x}0 = "
                             f"{args.x0:g}: choose another --x0")
    png = _plot(runs, args) if args.plot else None
    print(f"J({x}) = {expr}   J'({x}) = {sp.diff(expr, x)}   {x}0 = {args.x0:g}")
    for r in runs:
        path = " -> ".join(f"{v:.6g}" for v in r.iterates)
        print(f"eta = {r.lr:<8g} {x}: {path}")
        print(f"{'':15}J: {' -> '.join(f'{v:.6g}' for v in r.losses)}")
        print(f"{'':15}{r.verdict}")
    if png is not None:
        write_atomic(args.plot, png)
        print(f"plot written to {args.plot}")
    return 0


def _rates(text: str) -> list[float]:
    try:
        rates = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise DeltapropError(f"--lr {text!r}: expected numbers separated by commas") from None
    if not rates:
        raise DeltapropError("--lr: give at least one learning rate")
    for rate in rates:
        if not (math.isfinite(rate) and rate > 0):
            raise DeltapropError(f"--lr {text!r}: learning rates must be positive finite numbers, "
                                 f"got {rate:g}")
    return rates


def _plot(runs, args) -> bytes:
    plt = require_matplotlib("--plot")
    from ..plotting import figure_bytes

    fig, ax = plt.subplots(figsize=(7, 4))
    for r in runs:
        ax.plot(range(len(r.iterates)), r.iterates, marker="o", label=f"η = {r.lr:g}")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("step k")
    ax.set_ylabel(f"{args.var}_k")
    ax.set_title(f"gradient descent on J = {args.formula} from {args.var}0 = {args.x0:g}")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.legend()
    return figure_bytes(fig)
