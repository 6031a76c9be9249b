"""The core structure: an ordered, single-assignment list of named SymPy assignments.

Forward passes, δ sweeps, naive chains and optimised code are all ``Program``s, so
printers, cost counting and code generation treat them alike (cf. pystencils'
``AssignmentCollection``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import sympy as sp


@dataclass(frozen=True)
class Assignment:
    """``lhs = rhs`` with a Symbol on the left."""

    lhs: sp.Symbol
    rhs: sp.Expr

    def __iter__(self):
        return iter((self.lhs, self.rhs))


@dataclass(frozen=True)
class Program:
    """Ordered assignments, each left side assigned exactly once."""

    assignments: tuple[Assignment, ...]

    def __init__(self, assignments: Iterable[Assignment | tuple] = ()):
        items = tuple(a if isinstance(a, Assignment) else Assignment(*a) for a in assignments)
        seen: set = set()
        for a in items:
            if a.lhs in seen:
                raise ValueError(f"{a.lhs} is assigned twice")
            seen.add(a.lhs)
        object.__setattr__(self, "assignments", items)

    def __iter__(self) -> Iterator[Assignment]:
        return iter(self.assignments)

    def __len__(self) -> int:
        return len(self.assignments)

    def __getitem__(self, index):
        return self.assignments[index]

    def __add__(self, other: "Program") -> "Program":
        return Program(self.assignments + tuple(other))

    @property
    def lhs(self) -> list[sp.Symbol]:
        return [a.lhs for a in self.assignments]

    def as_dict(self) -> dict[sp.Symbol, sp.Expr]:
        return {a.lhs: a.rhs for a in self.assignments}
