"""Network spec files (``.net``): a small text format read safely into a ``Network``.

::

    # seed 1-2-1
    input x
    target t
    param w1 w2 w3 w4
    z1 = w1*x
    h1 = sigmoid(z1)
    ...
    loss = (y - t)^2/2

A line is a declaration (``input``, ``target`` or ``param`` followed by names) or a definition
``NAME = EXPR``; ``loss = EXPR`` is required once; ``#`` starts a comment; ``^`` and ``**`` are
both powers.  Each definition is parsed with Python's ``ast`` (after ``^`` is turned into ``**``
token by token) and walked against a whitelist: numbers, declared names, ``+ - * / **``, unary
minus and calls of ``FUNCTIONS`` with positional arguments.  SymPy objects are built directly
from the tree; the text never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``.

Every problem is a ``SpecError``: ``FILE:LINE:COL: what is wrong``, then the line and a caret.
Input size, line length, nesting depth and constant size are bounded (see ``LIMITS``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import sympy as sp

from ..errors import NetworkError
from ..network import Network
from .build import Builder
from .matrix import MatrixBuilder, is_matrix_spec
from .statements import name_problem, read_expression, read_line
from .text import FUNCTIONS, LIMITS, Limits, SpecError, decode
from .write import format_spec

__all__ = ["FUNCTIONS", "LIMITS", "Limits", "SpecError", "format_spec", "load_spec_file",
           "parse_expression", "parse_spec"]


def load_spec_file(path: str | os.PathLike, limits: Limits = LIMITS) -> Network:
    """Read and parse the spec file at ``path`` (size-checked before it is read whole)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise NetworkError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise NetworkError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as f:
            data = f.read(limits.file_bytes + 1)
    except OSError as err:
        raise NetworkError(f"{path}: cannot read: {err.strerror}") from None
    return parse_spec(data, path, limits=limits)


def parse_spec(source: str | bytes, filename: str = "<spec>", name: str | None = None,
               limits: Limits = LIMITS) -> Network:
    """The ``Network`` a spec text declares (a ``MatrixNetwork`` when a declaration has a
    shape, ``X[6]``); ``name`` defaults to the file's stem."""
    text = decode(source, filename, limits)
    statements = [s for s in (read_line(filename, n, line, limits)
                              for n, line in enumerate(text.split("\n"), 1)) if s is not None]
    title = name or (Path(filename).stem if not filename.startswith("<") else "spec")
    last_line = max(1, len(text.rstrip("\r\n").split("\n")))
    kind = MatrixBuilder if is_matrix_spec(statements) else Builder
    return kind(filename, limits).network(title, statements, last_line)


def parse_expression(text: str, names: Sequence[str], filename: str = "<expression>",
                     limits: Limits = LIMITS) -> tuple[sp.Expr, list[sp.Symbol]]:
    """(expression, symbols of ``names``) for one expression under the spec's whitelist and
    limits, e.g. a formula given on the command line; problems are ``SpecError``s on line 1."""
    for name in names:
        problem = name_problem(name, limits)
        if problem:
            raise SpecError(filename, 1, 1, f"variable name: {problem}")
    line, tree = read_expression(filename, text, limits)
    return Builder(filename, limits).expression(line, tree, list(names))
