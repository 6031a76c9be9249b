"""Naive against shared δ: exact counts checked by hand, sharing, scaling, from-scratch.

Counting conventions (symbolic/cost.py): one operation for each binary add or subtraction,
multiplication, division and function call; ``x**2`` is one multiplication; ``-t + y`` is
one subtraction; a program counts each assignment once; a bare copy (``grad_b = delta_z``)
costs nothing.
"""
from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symbolic import (POINTS, OpCount, builtin, count_expr, derive, derive_naive, mlp,
                      naive_cost)
from symbolic.compare import compare, shared_prefixes
from symbolic.evaluate import point, run
from symbolic.from_scratch import (ScratchLimits, from_scratch, from_scratch_program,
                                   inlined_loss, inlined_size)
from symbolic.scaling import sweep_sizes

NO_SCRATCH = ScratchLimits(max_inlined_ops=0)


# -- seed-121, counted by hand ---------------------------------------------------------------
# z1 = w1*x, z2 = w2*x, h1 = σ(z1), h2 = σ(z2), z3 = w3*h1 + w4*h2, y = σ(z3), L = ½(y − t)²
FORWARD_BY_HAND = [
    OpCount(muls=1),                 # z1 = w1*x
    OpCount(muls=1),                 # z2 = w2*x
    OpCount(funcs=1),                # h1 = sigmoid(z1)
    OpCount(funcs=1),                # h2 = sigmoid(z2)
    OpCount(adds=1, muls=2),         # z3 = w3*h1 + w4*h2
    OpCount(funcs=1),                # y = sigmoid(z3)
    OpCount(adds=1, muls=1, divs=1),  # L = (y - t)**2 / 2: subtract, square, halve
]
# Local partials: ∂L/∂y = y − t (1 add), ∂y/∂z3 = y(1 − y) (1 add, 1 mul),
# ∂z3/∂h1 = w3, ∂h1/∂z1 = h1(1 − h1) (1 add, 1 mul), ∂z1/∂w1 = x, ∂z3/∂w3 = h1.
# Naive, one product per weight (each path's factors, then one mul per extra factor):
NAIVE_BY_HAND = [
    # w1: (y−t)·y(1−y)·w3·h1(1−h1)·x: partials 3 adds + 2 muls; 7 factors → 6 muls in all
    OpCount(adds=3, muls=6),
    OpCount(adds=3, muls=6),         # w2: the same with w4, h2
    # w3: (y−t)·y(1−y)·h1: 2 adds, 4 factors → 3 muls
    OpCount(adds=2, muls=3),
    OpCount(adds=2, muls=3),         # w4: the same with h2
]
DELTA_BY_HAND = [
    OpCount(adds=1),                 # δy = y − t
    OpCount(adds=1, muls=2),         # δz3 = δy·y·(1 − y)
    OpCount(muls=1),                 # δh2 = δz3·w4
    OpCount(muls=1),                 # δh1 = δz3·w3
    OpCount(adds=1, muls=2),         # δz2 = δh2·h2·(1 − h2)
    OpCount(adds=1, muls=2),         # δz1 = δh1·h1·(1 − h1)
    OpCount(muls=1), OpCount(muls=1),  # grad_w1 = δz1·x, grad_w2 = δz2·x
    OpCount(muls=1), OpCount(muls=1),  # grad_w3 = δz3·h1, grad_w4 = δz3·h2
]


def test_seed_121_counts_match_the_hand_count():
    c = compare(builtin("seed-121"), NO_SCRATCH)
    assert c.forward == sum(FORWARD_BY_HAND, OpCount()) == OpCount(2, 5, 1, 3)
    assert c.naive == sum(NAIVE_BY_HAND, OpCount()) == OpCount(adds=10, muls=18)
    assert c.delta == sum(DELTA_BY_HAND, OpCount()) == OpCount(adds=4, muls=12)
    assert (c.forward.total, c.naive.total, c.delta.total) == (11, 28, 16)
    assert c.ratios["naive_over_delta"] == pytest.approx(28 / 16)
    assert c.ratios["delta_over_forward"] == pytest.approx(16 / 11)


def test_naive_dp_equals_counting_the_built_paths():
    for name in ["seed-121", "seed-221", "seed-222", "seed-softmax", "seed-product"]:
        network = builtin(name)
        per_path = sum((count_expr(p.product) for g in derive_naive(network) for p in g.paths),
                       OpCount())
        adds = sum(max(len(g.paths) - 1, 0) for g in derive_naive(network))
        assert naive_cost(network) == per_path + OpCount(adds=adds), name


# -- sharing -----------------------------------------------------------------------------------
def test_sharing_of_seed_121():
    sharing = {s.node.name: s for s in compare(builtin("seed-121"), NO_SCRATCH).sharing}
    assert [w.name for w in sharing["z3"].weights] == ["w1", "w2", "w3", "w4"]
    assert [w.name for w in sharing["z1"].weights] == ["w1"]
    assert sharing["z3"].naive_products == 4 and sharing["h2"].naive_products == 1


@pytest.mark.parametrize("name", ["seed-121", "seed-222", "seed-softmax", "seed-product",
                                  "mlp:2-3-3-2:tanh:bce"])
def test_sharing_against_weights_behind_and_enumerated_paths(name):
    network = builtin(name)
    derivation = derive(network)
    paths = [p for g in derive_naive(network) for p in g.paths]
    for s in shared_prefixes(derivation):
        assert list(s.weights) == list(derivation.weights_behind[s.node])
        assert s.naive_products == sum(s.node in p.nodes for p in paths)
        assert s.delta == derivation.delta[s.node]


# -- δ against naive, scaling ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["seed-121", "seed-221", "seed-222", "seed-softmax"])
def test_delta_below_naive_on_the_seeds(name):
    c = compare(builtin(name), NO_SCRATCH)
    assert c.delta.total < c.naive.total


def test_seed_product_ties_naive_and_delta():
    # z = x·y, x = 2w + 3b, y = 2b + 1: depth 2, but δx = y and δy = x are bare copies of
    # forward values, so sharing them saves nothing: naive = δ = grad_w 2·y (1 mul) +
    # grad_b 3·y + 2·x (2 muls, 1 add).  δ never costs more than naive; it ties here.
    c = compare(builtin("seed-product"), NO_SCRATCH)
    assert c.naive == c.delta == OpCount(adds=1, muls=3)


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=3, max_size=5),
       activation=st.sampled_from(["sigmoid", "tanh", "relu", "softplus", "identity"]),
       loss=st.sampled_from(["squared", "bce", "softmax-ce"]), bias=st.booleans())
def test_delta_below_naive_for_every_mlp_of_depth_two_or_more(sizes, activation, loss, bias):
    if loss == "softmax-ce":
        sizes[-1] = max(sizes[-1], 2)  # a softmax of one output is constant (the builder refuses it)
    network = mlp(sizes, activation, loss, bias=bias)   # depth = len(sizes) - 1 >= 2
    c = compare(network, NO_SCRATCH)
    assert c.delta.total < c.naive.total, (sizes, activation, loss, bias)


@pytest.mark.parametrize("width", [2, 3, 4])
def test_naive_grows_faster_than_linearly_and_delta_linearly(width):
    depths = range(1, 7)
    costs = [compare(mlp(sweep_sizes(d, width)), NO_SCRATCH) for d in depths]
    naive = [c.naive.total for c in costs]
    delta = [c.delta.total for c in costs]
    naive_steps = [b - a for a, b in zip(naive, naive[1:])]
    assert all(b > a for a, b in zip(naive_steps, naive_steps[1:]))  # strictly convex
    assert all(b / a >= 2 for a, b in zip(naive, naive[1:]))          # at least doubling
    delta_steps = [b - a for a, b in zip(delta, delta[1:])]
    assert len(set(delta_steps[1:])) == 1                             # exactly linear


# -- from scratch ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["seed-121", "seed-222", "seed-softmax", "seed-product",
                                  "mlp:2-3-2:tanh:bce", "mlp:2-2-2:relu:softmax-ce"])
def test_inlined_size_estimate_is_the_size_of_the_inlined_loss(name):
    network = builtin(name)
    assert inlined_size(network) == count_expr(inlined_loss(network)).total


@pytest.mark.parametrize("name", ["seed-121", "seed-222", "seed-softmax"])
def test_from_scratch_program_computes_the_same_gradients(name):
    network = builtin(name)
    values = point(network, POINTS[name])
    derivation = derive(network)
    ours = run(network.forward + derivation.program, values)
    theirs = run(from_scratch_program(network), values)
    for p in network.params:
        assert math.isclose(theirs[sp.Symbol(f"dL_d{p.name}")],
                            ours[derivation.gradient[p]], rel_tol=1e-12, abs_tol=1e-15)


def test_from_scratch_counts_each_cse_assignment_once():
    network = builtin("seed-222")
    result = from_scratch(network)
    program = from_scratch_program(network)
    assert result.done and result.cost == sum((count_expr(a.rhs) for a in program), OpCount())
    assert result.estimated_ops == inlined_size(network) == 37


def test_from_scratch_is_compared_with_forward_nodes_plus_delta():
    c = compare(builtin("seed-121"))
    # forward 11 minus the loss value ½(y − t)² (3 ops) plus δ 16
    assert c.loss_value.total == 3 and c.gradient_total == 24
    # SymPy 1.14 (pinned) cse of the four diffs, counted by hand:
    #   cse0 = σ(w1·x)            1 mul, 1 func     cse1 = w3·cse0          1 mul
    #   cse2 = σ(w2·x)            1 mul, 1 func     cse3 = w4·cse2          1 mul
    #   cse4 = σ(cse1 + cse3)     1 add, 1 func     cse6 = x·cse5           1 mul
    #   cse5 = cse4·(1 − cse4)·(−t + cse4)           2 adds, 2 muls
    #   dL_dw1 = cse1·cse6·(1 − cse0), dL_dw2 likewise: 1 add, 2 muls each
    #   dL_dw3 = cse0·cse5, dL_dw4 = cse2·cse5: 1 mul each
    assert c.scratch.cost == OpCount(adds=5, muls=13, funcs=3)
    # 21 < 24: cse reuses the forward product w3·h1 and multiplies x into the shared
    # prefix once, savings open to it only because z3 has a single consumer and no biases


def test_from_scratch_caps():
    network = mlp([4, 4, 4, 1])
    skipped = from_scratch(network, ScratchLimits(max_inlined_ops=100))
    assert not skipped.done and "192 operations" in skipped.note and "not attempted" in skipped.note
    assert not skipped.attempted
    stopped = from_scratch(network, ScratchLimits(seconds=0.01))
    assert not stopped.done and "time cap" in stopped.note
    assert stopped.attempted and stopped.seconds >= 0.01


def _fails(_):
    raise ValueError("no rule")


def test_capped_run_reports_failures_as_a_note():
    from symbolic.from_scratch import _run_capped

    assert _run_capped(_fails, None, 10) == ("error", "ValueError: no rule")
    assert _run_capped(len, [1, 2], 10) == ("ok", 2)
