"""Starting-parameter bounds of scalar networks, read off the graph (Glorot-style).

A weight ``w`` in a term ``w·v`` of node ``u`` connects ``v`` to ``u``, like the weight
w_ij from input j to unit i of a dense layer.  Glorot & Bengio (2010) draw it uniformly from
±sqrt(6 / (fan_in + fan_out)) with fan_in = n_in (the unit's inputs) and fan_out = n_out (the
units fed by input j).  On the graph: fan_in = the variables (inputs, targets, nodes) the right
side of ``u`` reads, fan_out = the nodes that read ``v``; for a builder MLP these are exactly
the layer sizes, so ``mlp:`` and ``layers:`` networks start from the same distribution.

A parameter that appears only as an additive term ``c·b`` of sums (a bias) starts at 0.  Any
other use (``exp(w)``, ``w1*w2*x``, a shared weight) takes the bound of its first term in
forward order, with fan_out 1 when the term reads no variable.
"""
from __future__ import annotations

import math

import sympy as sp


def init_bounds(network) -> dict:
    """{parameter symbol: half-width of its uniform starting range (0 for biases)}."""
    params = set(network.params)
    program = network.written   # the equations as declared, before deltaprop adds nodes
    readers = _readers(program, params)
    bounds: dict = {}
    for a in program:
        fan_in = None
        for term, used in _uses(a.rhs, params):
            for p in used:
                if p in bounds or _is_bias(term, p):
                    continue
                fan_in = fan_in or max(1, len(a.rhs.free_symbols - params))
                fan_out = max([readers[v] for v in term.free_symbols - params], default=1)
                bounds[p] = math.sqrt(6.0 / (fan_in + fan_out))
    return {p: bounds.get(p, 0.0) for p in network.params}


def _readers(program, params: set) -> dict:
    """{variable: how many assignments read it}."""
    count: dict = {}
    for a in program:
        for s in a.rhs.free_symbols - params:
            count[s] = count.get(s, 0) + 1
    return count


def _uses(expr, params: set) -> list:
    """(term, parameters in it outside any inner sum) for each innermost use: the summands of
    every sum in ``expr``, and ``expr`` itself when it is not a sum."""
    terms = [] if expr.is_Add else [expr]
    terms += [t for s in sp.preorder_traversal(expr) if s.is_Add for t in s.args]
    uses = [(t, _outside_sums(t, params)) for t in terms]
    return [(t, used) for t, used in uses if used]


def _outside_sums(term, params: set) -> set:
    """The parameters of ``term`` not inside a sum of it (those belong to that sum's terms)."""
    found, stack = set(), [term]
    while stack:
        e = stack.pop()
        if e in params:
            found.add(e)
        elif not e.is_Add:
            stack.extend(e.args)
    return found


def _is_bias(term, p) -> bool:
    """``term`` is ``p`` times a number (``b``, ``-b``, ``3*b``)."""
    return term == p or term.as_coeff_Mul()[1] == p
