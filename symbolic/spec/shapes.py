"""Shapes in declarations: ``input X[6]``, ``param W[3,6] b[3]`` (a spec with any is a matrix spec).

An input or target is a per-sample vector ``X[n]`` (the batch is implicit); a parameter is a
vector ``b[n]`` or a matrix ``W[rows,cols]``.  Dimensions are plain decimal numbers.
"""
from __future__ import annotations

import re

from .text import Line

#: One declared name, with its shape if it has one: commas inside the brackets belong to it.
SHAPED_NAME = r"[^\s,\[\]]*\[[^\]]*\]?|[^\s,]+"

#: Largest dimension, and most entries of one parameter (100 M, as for ``layers:``).
MAX_DIMENSION = 10_000_000
MAX_ENTRIES = 100_000_000


def split_shape(line: Line, token: str, col: int, role: str) -> tuple[str, tuple | None]:
    """(name, dimensions or None) of a declared ``token`` such as ``W[3,6]``."""
    if "[" not in token:
        if "]" in token:
            raise line.error(col + token.index("]"), "unmatched ']'")
        return token, None
    name, inside = token.split("[", 1)
    start = col + len(name)
    if not name:
        raise line.error(col, f"a shape needs a name before it, e.g. '{role} X[6]'", len(token))
    if not inside.endswith("]"):
        raise line.error(start, f"unclosed '[' in the shape of {name!r}", len(token) - len(name))
    dims = _dimensions(line, inside[:-1], start + 1)
    _check_rank(line, name, dims, role, start, len(token) - len(name))
    return name, dims


def _dimensions(line: Line, text: str, col: int) -> tuple:
    dims = []
    for part in text.split(","):
        number = part.strip()
        where = col + len(part) - len(part.lstrip())
        if not re.fullmatch(r"[0-9]+", number):
            raise line.error(where, f"a dimension must be a positive whole number, got "
                             f"{number!r}", max(1, len(number)))
        value = int(number)
        if not 1 <= value <= MAX_DIMENSION:
            raise line.error(where, f"a dimension must be between 1 and {MAX_DIMENSION:,}, "
                             f"got {value:,}", len(number))
        dims.append(value)
        col += len(part) + 1
    return tuple(dims)


def _check_rank(line: Line, name: str, dims: tuple, role: str, col: int, width: int) -> None:
    if role in ("input", "target") and len(dims) != 1:
        raise line.error(col, f"{role}s are per-sample vectors: write {name}[n] (the batch is "
                         "implicit)", width)
    if len(dims) > 2:
        raise line.error(col, f"{name} has {len(dims)} dimensions: a parameter is a vector "
                         f"{name}[n] or a matrix {name}[rows,cols]", width)
    entries = dims[0] * (dims[1] if len(dims) == 2 else 1)
    if entries > MAX_ENTRIES:
        raise line.error(col, f"{name} has {entries:,} entries, over the limit of "
                         f"{MAX_ENTRIES:,}", width)
