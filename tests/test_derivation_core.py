"""Naive chains and shared δ terms against SymPy's diff of the inlined loss and the seeds."""
import random

import pytest
import sympy as sp

from symbolic import (EXAMPLES, POINTS, Network, NetworkError, builtin, count_path_terms,
                      derive, derive_naive, sigmoid)
from symbolic.evaluate import evaluate, point, run
from symbolic.passes import optimize

from reference import assert_close, random_point, reference_gradients

BUILDER_NETS = ["mlp:2-3-1:sigmoid:squared", "mlp:2-2-2:tanh:softmax-ce",
                "mlp:3-2-2-1:relu:bce", "mlp:1-2-2-1:softplus:squared",
                "mlp:2-2-1:identity:squared"]


def delta_gradients(network, values):
    derivation = derive(network)
    env = run(derivation.program, run(network.forward, values))
    return {p: env[derivation.gradient[p]] for p in network.params}


def naive_gradients(network, values):
    env = run(network.forward, values)
    gradients = derive_naive(network)
    for g in gradients:   # the numeric form agrees with the substituted symbolic form
        assert g.value(env) == pytest.approx(evaluate(g.expression, env), rel=1e-12, abs=1e-300)
    return {g.param: g.value(env) for g in gradients}


@pytest.mark.parametrize("name", list(EXAMPLES) + BUILDER_NETS)
def test_naive_and_delta_match_sympy_diff_of_inlined_loss(name):
    network = builtin(name)
    rng = random.Random(name)
    for _ in range(3):
        values = random_point(network, rng)
        expected = reference_gradients(network, values)
        assert_close(delta_gradients(network, values), expected)
        assert_close(naive_gradients(network, values), expected)


def test_seed_product_numbers():
    network = builtin("seed-product")
    values = point(network, POINTS["seed-product"])
    grads = delta_gradients(network, values)
    assert run(network.forward, values)[network.loss_symbol] == 162
    assert {p.name: g for p, g in grads.items()} == {"w": 18, "b": 63}
    naive_b = next(g for g in derive_naive(network) if g.param.name == "b")
    assert len(naive_b.paths) == 2                       # b reaches z through x and through y


def test_seed_222_matches_the_classic_worked_example():
    """Published hand-worked numbers of the 2-2-2 example (x = (0.05, 0.10))."""
    network = builtin("seed-222")
    values = point(network, POINTS["seed-222"])
    env = run(network.forward, values)
    grads = {p.name: g for p, g in delta_gradients(network, values).items()}
    assert env[network.loss_symbol] == pytest.approx(0.298371109, abs=1e-9)
    assert env[network.symbol("y1")] == pytest.approx(0.75136507, abs=1e-8)
    assert grads["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert grads["w1"] == pytest.approx(0.000438568, abs=1e-9)
    # one gradient-descent step with η = 0.5 gives the published new weights
    assert 0.40 - 0.5 * grads["w5"] == pytest.approx(0.35891648, abs=1e-8)
    assert 0.15 - 0.5 * grads["w1"] == pytest.approx(0.149780716, abs=1e-9)


def test_closed_form_of_seed_121():
    network = builtin("seed-121")
    y, t, w3, h1, x = (network.symbol(n) for n in ("y", "t", "w3", "h1", "x"))
    closed = (y - t) * y * (1 - y) * w3 * h1 * (1 - h1) * x
    naive_w1 = derive_naive(network)[0]
    assert [n.name for n in naive_w1.paths[0].nodes] == ["L", "y", "z3", "h1", "z1", "w1"]
    assert sp.expand(naive_w1.expression - closed) == 0
    derivation = derive(network)
    assert derivation.gradient_expression(network.symbol("w1")) == derivation.delta[network.symbol("z1")] * x


def test_weight_sharing_and_fan_out_sum_over_paths():
    """b is used twice and x feeds two nodes: ∂z/∂b = ∂z/∂x·∂x/∂b + ∂z/∂y·∂y/∂b."""
    b, w, x, y, u, z = sp.symbols("b w x y u z")
    network = Network("share", [], [], [w, b],
                      [(x, w * b), (y, sp.exp(b) + x), (u, sp.sin(x)), (z, x * y * u)], z)
    values = {w: 0.7, b: -0.4}
    expected = reference_gradients(network, values)
    assert_close(delta_gradients(network, values), expected)
    assert_close(naive_gradients(network, values), expected)
    # z reaches x along 3 paths (direct, via y, via u); w only through x: 3; b through x: 3, via y: 1
    assert count_path_terms(network) == 3 + 4


def test_user_functions_and_output_reuse():
    x, t, w, z, h, g = sp.symbols("x t w z h g")
    network = Network("f", [x], [t], [w],
                      [(z, w * x), (h, sp.tanh(z)), (g, sp.sqrt(1 + h ** 2) * sp.exp(h))],
                      (g - t) ** 2)
    edges = network.graph.edges
    assert edges[(h, z)].partial == 1 - h ** 2                # tanh' from its stored output
    values = {x: 0.3, t: 0.2, w: 1.7}
    assert_close(delta_gradients(network, values), reference_gradients(network, values))


def test_sigmoid_derivative_reuses_forward_value():
    network = builtin("seed-121")
    h1, z1 = network.symbol("h1"), network.symbol("z1")
    assert network.graph.edges[(h1, z1)].partial == h1 * (1 - h1)


def test_path_limit_refuses_with_the_count():
    network = builtin("mlp:4-4-4-4-1:sigmoid:squared")
    total = count_path_terms(network)
    with pytest.raises(NetworkError, match=f"{total:,} chain-rule path terms"):
        derive_naive(network, limit=total - 1)
    assert len(derive_naive(network, limit=total)) == len(network.params)


def test_path_counting_does_not_blow_up():
    network = builtin("mlp:10-10-10-10-10-10-1:sigmoid:squared")
    # a weight of hidden layer l reaches the single output through 10**(5 - l) paths
    expected = sum(110 * 10 ** (5 - layer) for layer in range(1, 6)) + 11
    assert count_path_terms(network) == expected == 1_222_221


@pytest.mark.parametrize("name", ["seed-121", "seed-222", "seed-softmax", "mlp:2-3-2:tanh:bce"])
def test_optimized_programs_compute_the_same(name):
    network = builtin(name)
    derivation = derive(network)
    outputs = list(derivation.gradient.values()) + [network.loss_symbol]
    forward, backward = optimize(network.forward, derivation.program, outputs)
    values = random_point(network, random.Random(1))
    plain = run(derivation.program, run(network.forward, values))
    optimized = run(backward, run(forward, values))
    for s in outputs:
        assert optimized[s] == pytest.approx(plain[s], rel=1e-13, abs=1e-15)


def test_weights_behind_each_delta_seed_221():
    network = builtin("seed-221")
    behind = derive(network).weights_behind
    names = {v.name: [p.name for p in ps] for v, ps in behind.items()}
    assert names["z1"] == ["w1", "w5"]          # the seed document's point: w1 and w5 share δ_z1
    assert names["z2"] == ["w2"]
    assert names["z3"] == ["w1", "w2", "w3", "w4", "w5"]


def test_common_subexpression_temporaries_avoid_reserved_names():
    x, t, w, c0, z = sp.symbols("x t w c0 z")
    with pytest.warns(Warning):
        network = Network("n", [x], [t], [w, c0], [(z, w * x)], (z - t) ** 2 + sp.exp(z - t))
    derivation = derive(network)
    forward, backward = optimize(network.forward, derivation.program, [derivation.gradient[w]],
                                 reserved=[s.name for s in network.symbols])
    temps = [a.lhs.name for a in forward if a.lhs not in network.symbols]
    assert temps and "c0" not in temps


def test_large_right_sides_use_the_chain_rule_over_the_tree_and_agree_with_diff():
    n = 34
    xs, ws = sp.symbols(f"x1:{n + 1}"), sp.symbols(f"w1:{n + 1}")
    t, u, y = sp.symbols("t u y")
    wide = sp.Add(*[w * x for w, x in zip(ws, xs)])
    with pytest.warns(Warning, match="sum of 34 terms inside a larger expression"):
        network = Network("wide", list(xs), [t], list(ws),
                          [(u, sp.tanh(wide) * sp.exp(ws[0] * wide)), (y, sigmoid(u))],
                          (y - t) ** 2 / 2)
    values = random_point(network, random.Random(5), scale=0.3)
    assert_close(delta_gradients(network, values), reference_gradients(network, values))
