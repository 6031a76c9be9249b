"""Passes: functions from Program to Program, each keeping the values of the outputs.

- ``inline_copies``: assignments whose right side is a bare symbol or number disappear
  (``delta_z = delta_h`` when ∂h/∂z = 1), unless their name is an output.
- ``eliminate_common_subexpressions``: every exact subexpression that occurs twice or more
  in the program (a sum and its negation counting as one) becomes one temporary, computed once
  before its first use.  Linear in the
  size of the program, so it runs on forward + backward programs of any size; SymPy's
  ``cse`` (quadratic, and blind to the δ structure anyway) is never called on whole programs.
- ``optimize``: both, over the forward and backward programs together, split back apart.

Reuse of stored forward values (σ'(z1) → h1(1 − h1)) happens earlier, when the graph builds
its local partials (``symbolic.graph.reuse_forward_values``).
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

import sympy as sp

from .naming import fresh_name
from .program import Assignment, Program


def inline_copies(program: Program, keep: Iterable[sp.Symbol] = ()) -> Program:
    """Substitute assignments ``a = b`` (b a symbol or number) into later right sides."""
    keep = set(keep)
    alias: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for a in program:
        rhs = a.rhs.xreplace(alias) if alias else a.rhs
        if rhs.is_Atom and a.lhs not in keep:
            alias[a.lhs] = rhs
        else:
            out.append(Assignment(a.lhs, rhs))
    return Program(out)


def eliminate_common_subexpressions(program: Program, prefix: str = "c",
                                    reserved: Iterable[str] = (),
                                    names: Iterable[sp.Symbol] = ()) -> Program:
    """One temporary per repeated exact subexpression (see module docstring).

    Temporaries are named ``c0``, ``c1``, ... avoiding every name in the program and in
    ``reserved`` (pass the network's symbol names: an unused parameter is in no program); a
    shared piece that is the whole right side of an assignment to one of ``names`` (the δ's)
    takes that name instead and is computed once, where it is first needed.
    """
    keys, counts = _SignedKeys(), Counter()
    for a in program:
        _count_subtrees(a.rhs, counts, keys)
    shared = {e for e, n in counts.items() if n > 1 and not _is_free(e)}
    if not shared:
        return program
    taken = {s.name for a in program for s in (a.lhs, *a.rhs.free_symbols)} | set(reserved)
    sharer = _Sharer(keys, shared, _whole_right_sides(program, set(names)), prefix, taken)
    for a in program:
        sharer.assign(a)
    return Program(sharer.out)


class _Sharer:
    """Rebuilds assignments with each shared subexpression computed once (``out``)."""

    def __init__(self, keys, shared: set, whole: dict, prefix: str, taken: set):
        self.keys, self.shared, self.whole = keys, shared, whole
        self.prefix, self.taken = prefix, taken
        self.named: dict[sp.Expr, sp.Expr] = {}     # key -> an expression with the key's value
        self.out: list[Assignment] = []

    def assign(self, a: Assignment) -> None:
        rhs = self.rebuild(a.rhs, True)
        if rhs == a.lhs:
            return                        # computed earlier under its own name (δ_y = y − t)
        key, sign = self.keys(a.rhs)
        if key in self.shared and key not in self.named:
            self.named[key] = sign * a.lhs    # the whole right side repeats later: reuse it
        self.out.append(Assignment(a.lhs, rhs))

    def rebuild(self, e: sp.Expr, top: bool) -> sp.Expr:
        if e.is_Atom:
            return e
        key, sign = self.keys(e)
        if key in self.named:
            return sign * self.named[key]
        args = [self.rebuild(x, False) for x in e.args]
        new = e.func(*args) if any(x is not y for x, y in zip(args, e.args)) else e
        if key not in self.shared or top:
            return new
        temp = (self.whole.get(e) if sign == 1 else None) or sp.Symbol(
            fresh_name(f"{self.prefix}{len(self.named)}", self.taken))
        self.out.append(Assignment(temp, sign * new))
        self.named[key] = temp
        return sign * temp


class _SignedKeys:
    """(key, sign) with e = sign·key: a sum and its negation share one key, the form met first
    (exp(z − s) then t·(s − z): the key is z − s, and the loss subtracts t·c)."""

    def __init__(self):
        self.seen: set = set()

    def __call__(self, e: sp.Expr) -> tuple[sp.Expr, int]:
        if not e.is_Add or e in self.seen:
            return e, 1
        negated = -e
        if negated in self.seen:
            return negated, -1
        self.seen.add(e)
        return e, 1


def _whole_right_sides(program: Program, names: set) -> dict:
    """{rhs: lhs} of the assignments to ``names``: a shared piece that is one of them is
    computed once under the name the math gives it, not as a temporary."""
    return {a.rhs: a.lhs for a in reversed(list(program)) if a.lhs in names and not a.rhs.is_Atom}


def optimize(forward: Program, backward: Program, outputs: Iterable[sp.Symbol],
             reserved: Iterable[str] = ()) -> tuple[Program, Program]:
    """Inline copies and share common subexpressions across forward + backward.

    Returns the optimised (forward, backward) pair; every symbol in ``outputs`` (and every
    forward node) is still assigned.  Temporaries sit before their first use, so those the
    forward pass needs stay in the forward part.
    """
    keep = set(outputs) | set(forward.lhs)
    combined = inline_copies(forward + backward, keep)
    steps = [a.lhs for a in backward if a.lhs not in keep]
    combined = inline_copies(eliminate_common_subexpressions(combined, reserved=reserved,
                                                             names=steps), keep)
    last_forward = max(i for i, a in enumerate(combined) if a.lhs in set(forward.lhs))
    return Program(combined[: last_forward + 1]), Program(combined[last_forward + 1:])


def _count_subtrees(e: sp.Expr, counts: Counter, keys) -> None:
    stack = [e]
    while stack:
        e = stack.pop()
        if e.is_Atom:
            continue
        key = keys(e)[0]
        counts[key] += 1
        if counts[key] == 1:
            stack.extend(e.args)


def _is_free(e: sp.Expr) -> bool:
    """Subexpressions not worth a temporary: a negated or scaled symbol costs one op anyway."""
    if e.is_Mul and len(e.args) == 2 and e.args[0].is_Number and e.args[1].is_Atom:
        return True
    return False
