"""Operation counts: conventions, exact hand counts, and how naive and δ scale."""
import pytest
import sympy as sp

from symbolic import OpCount, builtin, count_expr, derive_naive, naive_cost, network_costs
from symbolic.functions import logsumexp, sigmoid

a, b, c = sp.symbols("a b c")


@pytest.mark.parametrize("expr, expected", [
    (a + b + c, OpCount(adds=2)),
    (a - b, OpCount(adds=1)),
    (a * b * c, OpCount(muls=2)),
    (-a, OpCount(muls=1)),
    (-3 * a, OpCount(muls=1)),
    (a / b, OpCount(divs=1)),
    (1 / b, OpCount(divs=1)),
    (a / (b * c), OpCount(muls=1, divs=1)),
    (a / 2, OpCount(divs=1)),
    (a ** 2, OpCount(muls=1)),
    (a ** 3, OpCount(muls=2)),
    (a ** -2, OpCount(muls=1, divs=1)),
    (sp.sqrt(a), OpCount(funcs=1)),
    (a ** sp.Rational(1, 3), OpCount(funcs=1)),
    (sp.exp(a + b), OpCount(adds=1, funcs=1)),
    (sigmoid(a) * (1 - sigmoid(a)), OpCount(adds=1, muls=1, funcs=2)),
    (logsumexp(a, b, c), OpCount(adds=2, funcs=4)),
    ((a - b) ** 2 / 2, OpCount(adds=1, muls=1, divs=1)),
])
def test_counting_conventions(expr, expected):
    assert count_expr(expr) == expected


def test_exact_counts_of_seed_121():
    """By hand, from the equations and the δ recursion (conventions in symbolic/cost.py).

    forward: z1 = w1·x (1 mul), z2 (1 mul), h1, h2 (2 funcs), z3 = w3·h1 + w4·h2 (2 muls,
    1 add), y (1 func), L = (y − t)²/2 (1 add, 1 mul, 1 div): adds 2, muls 5, divs 1, funcs 3.
    naive, per path, given forward values: ∂L/∂y = y − t (1 add), ∂y/∂z3 = y(1 − y) (1 add,
    1 mul), ∂z3/∂h = w (0), ∂h/∂z = h(1 − h) (1 add, 1 mul), ∂z/∂w = x (0), chained by
    (factors − 1) muls.  w1, w2: 3 adds + 2 muls + 4 chain muls each; w3, w4 (path L, y, z3,
    w): 2 adds + 1 mul + 2 chain muls each.  adds 10, muls 18.
    δ: δ_y = y − t (1 add); δ_z3 = δ_y·y·(1 − y) (1 add, 2 muls); δ_h1, δ_h2 (1 mul each);
    δ_z1, δ_z2 = δ_h·h·(1 − h) (1 add, 2 muls each); four gradients δ·input (1 mul each):
    adds 4, muls 12.
    """
    costs = network_costs(builtin("seed-121"))
    assert costs.forward == OpCount(adds=2, muls=5, divs=1, funcs=3)
    assert costs.naive == OpCount(adds=10, muls=18)
    assert costs.delta == OpCount(adds=4, muls=12)
    assert (costs.forward.total, costs.naive.total, costs.delta.total, costs.paths) == (11, 28, 16, 4)


@pytest.mark.parametrize("name", ["seed-product", "seed-221", "seed-222", "seed-softmax",
                                  "mlp:2-3-3-2:tanh:bce", "mlp:1-2-2-2-1:sigmoid:squared"])
def test_naive_cost_by_dynamic_programming_equals_counting_built_paths(name):
    network = builtin(name)
    direct = OpCount()
    for gradient in derive_naive(network):
        for path in gradient.paths:
            factors = [f for f in path.factors if f != 1]
            direct += sum((count_expr(f) for f in factors), OpCount())
            direct += OpCount(muls=max(len(factors) - 1, 0))
        direct += OpCount(adds=max(len(gradient.paths) - 1, 0))
    assert naive_cost(network) == direct


@pytest.mark.parametrize("width", [2, 3, 4])
def test_delta_beats_naive_from_depth_two_and_naive_grows_faster_than_linearly(width):
    naive, delta = [], []
    for depth in range(1, 6):
        sizes = "-".join([str(width)] * depth + ["1"])
        costs = network_costs(builtin(f"mlp:{sizes}:sigmoid:squared"))
        naive.append(costs.naive.total)
        delta.append(costs.delta.total)
        if depth >= 2:
            assert costs.delta.total < costs.naive.total
    naive_steps = [b - a for a, b in zip(naive, naive[1:])]
    delta_steps = [b - a for a, b in zip(delta, delta[1:])]
    assert all(b > 1.5 * a for a, b in zip(naive_steps, naive_steps[1:]))   # growing increments
    assert len(set(delta_steps[1:])) == 1                                   # δ: constant increments


def test_forward_plus_delta_within_casadi_reverse_mode_counts():
    """CasADi 3.8.2 SX value-and-gradient op counts measured on these networks (issue 5)."""
    casadi = {"2-2-1": 40, "4-4-4-1": 202, "1-4-4-4-1": 274, "8-8-8-1": 682}
    for sizes, ops in casadi.items():
        costs = network_costs(builtin(f"mlp:{sizes}:sigmoid:squared"))
        assert costs.forward.total + costs.delta.total <= ops
