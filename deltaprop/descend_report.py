"""The text of ``deltaprop descend``: the formulas, a table of the iterates, a verdict per η.

The table has one row per step and, for each η, the columns x_k and J(x_k); groups of
columns that would make a line longer than ``LINE_WIDTH`` continue in a further block, and
long runs show their first and last steps.  Formulas print in the notation of the formula
language (``x^2``, ``sigmoid(x)``) with |x| for abs and the Iverson bracket [x > 0] for the
step function that is relu's derivative.
"""
from __future__ import annotations

import math

import sympy as sp

from symbolic.spec.write import _SpecPrinter
from sympy.printing.precedence import precedence

LINE_WIDTH = 100
HEAD_ROWS = 20      # a table of more than HEAD_ROWS + TAIL_ROWS + 1 rows omits the middle
TAIL_ROWS = 10
GAP = "   "


class FormulaPrinter(_SpecPrinter):
    """The spec printer with ``^`` for powers, |x| and [x > 0] (relu's derivative)."""

    def _print_Pow(self, expr, rational=False):
        text = super()._print_Pow(expr, rational)
        prec = precedence(expr)
        base = self.parenthesize(expr.base, prec, strict=False)
        exponent = self.parenthesize(expr.exp, prec, strict=False)
        return f"{base}^{exponent}" if text == f"{base}**{exponent}" else text

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Heaviside(self, expr):
        return f"[{self._print(expr.args[0])} > 0]"


def formula_text(expr) -> str:
    """``expr`` as the user would write it, e.g. ``x^4 - 3*x^2 + x``, ``|x|``."""
    return FormulaPrinter().doprint(expr)


def subscript(k: int) -> str:
    """``k`` in subscript digits: 12 → ₁₂."""
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(k))


def report(expr, variable, picture) -> str:
    """The whole text: formulas, the table of iterates, one verdict line per η."""
    v = variable.name
    x0 = picture.runs[0].run.iterates[0]
    parts = [f"J({v}) = {formula_text(expr)}",
             f"J'({v}) = {formula_text(sp.diff(expr, variable))}",
             f"{v}{subscript(0)} = {x0:g}", f"step: {v} ← {v} − η·J'({v})"]
    head = GAP.join(parts)
    lines = [head] if len(head) <= LINE_WIDTH else parts
    lines += [""] + iterate_table(picture) + [""]
    return "\n".join(lines + [verdict_line(view, v) for view in picture.runs])


def verdict_line(view, v: str) -> str:
    """``η = 0.1      converges fast (...); x* = 0, |x₆ − x*| = 0.000128``, the part after
    the verdict on a second line when one would be longer than LINE_WIDTH."""
    run = view.run
    n = len(run.iterates) - 1
    head = f"η = {run.lr:<8g} {run.verdict}"
    if view.target is None:
        tail = "no minimum of J found near the iterates"
    else:
        error = view.errors[-1]
        shown = f"{error:.3g}" if math.isfinite(error) else "overflow"
        tail = f"{v}* = {view.target:.6g}, |{v}{subscript(n)} − {v}*| = {shown}"
    if len(head) + 2 + len(tail) <= LINE_WIDTH:
        return f"{head}; {tail}"
    return f"{head};\n{' ' * 13}{tail}"


def iterate_table(picture) -> list[str]:
    """One row per step k, columns x_k and J(x_k) per η, in blocks of at most LINE_WIDTH."""
    v = picture.variable
    groups = [_group(view.run, v) for view in picture.runs]
    steps = [str(k) for k in range(picture.steps + 1)]
    k_column = [c.rjust(len(steps[-1])) for c in ["k", ""] + steps]
    lines: list[str] = []
    for block in _blocks(groups, len(k_column[0])):
        if lines:
            lines.append("")
        columns = [k_column] + [column for group in block for column in group]
        lines += _rows(columns)
    return lines


def _group(run, v: str) -> list[list[str]]:
    """The two columns of one η: header cells, then x_k and J(x_k) per step."""
    xs = [_cell(x, run) for x in run.iterates]
    js = [_cell(j, run) for j in run.losses]
    return _column([f"η = {run.lr:g}", f"{v}_k"] + xs), _column(["", f"J({v}_k)"] + js)


def _cell(value: float, run) -> str:
    if math.isfinite(value):
        return f"{value:.6g}"
    return "undefined" if run.undefined_slope else "overflow"


def _column(cells: list[str]) -> list[str]:
    """Cells right-aligned to a common width, the η header left-aligned."""
    width = max(len(c) for c in cells)
    return [cells[0].ljust(width)] + [c.rjust(width) for c in cells[1:]]


def _blocks(groups, k_width: int) -> list[list]:
    """The η groups in the fewest blocks of nearly equal size whose lines fit LINE_WIDTH."""
    widths = [sum(len(c[0]) + len(GAP) for c in group) for group in groups]
    for count in range(1, len(groups) + 1):
        size = math.ceil(len(groups) / count)
        starts = range(0, len(groups), size)
        if all(k_width + sum(widths[s:s + size]) <= LINE_WIDTH for s in starts) or size == 1:
            return [groups[s:s + size] for s in starts]
    return [groups]


def _rows(columns: list[list[str]]) -> list[str]:
    """Lines of the table; the rows of long runs are shortened to the first and last steps."""
    height = max(len(c) for c in columns)
    padded = [c + [" " * len(c[0])] * (height - len(c)) for c in columns]
    rows = [GAP.join(cells).rstrip() for cells in zip(*padded)]
    body = rows[2:]
    if len(body) > HEAD_ROWS + TAIL_ROWS + 1:
        omitted = len(body) - HEAD_ROWS - TAIL_ROWS
        body = body[:HEAD_ROWS] + [f"... ({omitted} steps not shown)"] + body[-TAIL_ROWS:]
    return rows[:2] + body
