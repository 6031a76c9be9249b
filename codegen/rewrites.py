"""Rewrites of the program a generated function executes, each saving work per sample.

``halve_sigmoid_inputs``: the printed sigmoid is 0.5·tanh(z/2) + 0.5 (overflow-free, 4
operations).  Where z is a sum or product that feeds only that sigmoid, the generated code
computes z/2 directly from halved weights (``w1_half = 0.5*w1``, once per call) and the sigmoid
as 0.5·tanh(z_half) + 0.5: one operation less per sample and unit, the same value.  The
backward pass never needs z itself (σ' = h(1 − h)).
"""
from __future__ import annotations

from collections import Counter

import sympy as sp

from symbolic.functions import sigmoid
from symbolic.naming import fresh_name
from symbolic.program import Assignment

HALF = sp.Rational(1, 2)


class _Halver:
    def __init__(self, program: list, batched: set):
        self.batched = batched
        self.taken = {s.name for a in program for s in (a.lhs, *a.rhs.free_symbols)}
        self.halves: dict = {}           # scalar factor -> its halved symbol
        self.out: list = []
        self.notes: dict = {}

    def fresh(self, base: str) -> sp.Symbol:
        return sp.Symbol(fresh_name(f"{base}_half", self.taken))

    def halved_term(self, term: sp.Expr) -> sp.Expr:
        """term/2 with its scalar factors halved once per call (``w3_half*h1``)."""
        scalar = sp.Mul(*[f for f in sp.Mul.make_args(term) if not (f.free_symbols & self.batched)])
        arrays = sp.Mul(*[f for f in sp.Mul.make_args(term) if f.free_symbols & self.batched])
        if arrays == 1 or scalar.is_Number:
            return HALF * term
        if scalar not in self.halves:
            name = self.fresh(scalar.name if scalar.is_Symbol else "scale")
            self.out.append(Assignment(name, HALF * scalar))
            self.halves[scalar] = name
        return self.halves[scalar] * arrays


def halve_sigmoid_inputs(program: list, keep: set, batched: set, reductions=()
                         ) -> tuple[list, dict]:
    """(``program`` with every sigmoid over a sum or product used nowhere else taken through
    tanh of the halved sum, {new symbol: comment}); symbols in ``keep`` or read by the
    ``reductions`` (expressions summed over the batch) stay as they are."""
    uses = Counter(s for e in [a.rhs for a in program] + list(reductions) for s in e.free_symbols)
    rhs = {a.lhs: a.rhs for a in program}
    targets = [a.rhs.args[0] for a in program if isinstance(a.rhs, sigmoid)]
    chosen = {z for z in targets if z in rhs and uses[z] == 1 and z not in keep
              and z in batched and (rhs[z].is_Add or rhs[z].is_Mul)}
    halver = _Halver(program, batched)
    half_of = {z: halver.fresh(z.name) for z in chosen}
    for a in program:
        if a.lhs in chosen:
            terms = [halver.halved_term(t) for t in sp.Add.make_args(a.rhs)]
            halver.out.append(Assignment(half_of[a.lhs], sp.Add(*terms)))
            halver.notes[half_of[a.lhs]] = f"{a.lhs}/2 = ({a.rhs})/2"
        elif isinstance(a.rhs, sigmoid) and a.rhs.args[0] in chosen:
            halver.out.append(Assignment(a.lhs, HALF + HALF * sp.tanh(half_of[a.rhs.args[0]])))
            halver.notes[a.lhs] = f"{a.lhs} = sigmoid({a.rhs.args[0]}) = 0.5 + 0.5*tanh({a.rhs.args[0]}/2)"
        else:
            halver.out.append(a)
    return halver.out, halver.notes
