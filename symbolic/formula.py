"""Parse a one-variable formula such as ``4*x^2`` (``^`` is a power, as in the seed documents).

The formula goes through the spec files' expression whitelist and limits
(``symbolic.spec.parse_expression``): numbers, the variable, ``+ - * / ** ^``, unary minus and
the spec's functions; never ``eval`` or ``sympify``.  Problems become one-line ``FormulaError``s.
"""
from __future__ import annotations

import sympy as sp

from .errors import DeltapropError
from .spec import SpecError, parse_expression

#: characters of the formula quoted in an error message.
SHOWN_CHARS = 60


class FormulaError(DeltapropError, ValueError):
    """A formula outside the whitelist, reported in one line with its column."""


def parse_formula(text: str, variable: str = "x") -> tuple[sp.Expr, sp.Symbol]:
    """(J, x): the SymPy expression of ``text`` and the symbol of its one variable."""
    try:
        expr, (symbol,) = parse_expression(text, [variable], filename="formula")
    except SpecError as err:
        shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."
        raise FormulaError(f"formula {shown!r}: column {err.col}: {err.message}") from None
    return expr, symbol
