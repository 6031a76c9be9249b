"""Names of derived symbols (the loss, δ terms, gradients) that never collide with the user's."""
from __future__ import annotations

from typing import Iterable

import sympy as sp


def fresh_name(base: str, taken: set[str]) -> str:
    """``base``, or ``base_1``, ``base_2``, ... : the first one not in ``taken``; records it."""
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name


def fresh_symbols(prefix: str, sources: Iterable[sp.Symbol], taken: set[str]) -> dict[sp.Symbol, sp.Symbol]:
    """One new symbol ``prefix + name`` per source symbol, in order, all distinct from ``taken``."""
    return {s: sp.Symbol(fresh_name(prefix + s.name, taken)) for s in sources}
