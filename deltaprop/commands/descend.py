"""``deltaprop descend "4*x^2" --x0 2 --lr 1,0.25,0.1``: learning-rate experiments."""
from __future__ import annotations

import math

from symbolic.errors import DeltapropError
from symbolic.formula import parse_formula

from ..arguments import integer, number
from ..descend_plot import descent_picture
from ..descend_report import formula_text, report, subscript
from ..output import write_atomic
from ..plotting import require_matplotlib
from ..training.descent import descend

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
        raise DeltapropError(f"J({x}) = {formula_text(expr)} is not defined (or not finite) at "
                             f"{x}{subscript(0)} = {args.x0:g}: choose another --x0")
    title = (f"gradient descent on J({x}) = {formula_text(expr)} from "
             f"{x}{subscript(0)} = {args.x0:g}")
    picture = descent_picture(expr, x, runs, title)
    png = _plot(picture) if args.plot else None
    print(report(expr, x, picture))
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


def _plot(picture) -> bytes:
    require_matplotlib("--plot")
    from ..descend_plot import descent_png

    return descent_png(picture)
