"""Declaring networks: the public contract and every validation error."""
import warnings

import pytest
import sympy as sp

from symbolic import Network, NetworkError, NetworkWarning, sigmoid
from symbolic.builders import mlp

x, t, w1, w2, w3, w4 = sp.symbols("x t w1:5")
z1, z2, h1, h2, z3, y = sp.symbols("z1 z2 h1 h2 z3 y")


def seed_121(**changes):
    spec = dict(name="seed-121", inputs=[x], targets=[t], params=[w1, w2, w3, w4],
                equations=[(z1, w1 * x), (z2, w2 * x), (h1, sigmoid(z1)), (h2, sigmoid(z2)),
                           (z3, w3 * h1 + w4 * h2), (y, sigmoid(z3))],
                loss=(y - t) ** 2 / 2)
    spec.update(changes)
    return Network(**spec)


def test_public_contract_example():
    network = seed_121()
    assert network.nodes == (z1, z2, h1, h2, z3, y)
    assert network.loss_symbol.name == "L"
    assert network.forward[-1].rhs == (y - t) ** 2 / 2
    assert [network.role(s) for s in (x, t, w1, z1)] == ["input", "target", "param", "node"]


def test_eq_objects_are_accepted():
    eqs = [sp.Eq(z1, w1 * x), sp.Eq(y, sigmoid(z1))]
    network = Network("eq", [x], [t], [w1], eqs, (y - t) ** 2)
    assert network.equations[1].rhs == sigmoid(z1)


def test_loss_that_is_a_node_is_not_copied():
    network = Network("n", [x], [], [w1], [(z1, w1 * x)], z1)
    assert network.loss_symbol == z1 and len(network.forward) == 1


@pytest.mark.parametrize("change, message", [
    (dict(equations=[(z1, w1 * x), (z1, w2 * x), (y, sigmoid(z1))]), "z1 is assigned twice"),
    (dict(equations=[(z2, z1 * w2), (z1, w1 * x), (y, sigmoid(z2))]), "used before it is defined"),
    (dict(equations=[(z1, w1 * x * sp.Symbol("q")), (y, sigmoid(z1))]), "q is declared nowhere"),
    (dict(params=[w1, w2, w3, w4, x]), "declared both as input and as param"),
    (dict(params=[w1, w1, w2, w3, w4]), "declared twice as param"),
    (dict(equations=[(x, w1 * t), (y, x)]), "declared both as input and as node"),
    (dict(loss=sp.Matrix([y, t])), "not a scalar SymPy expression"),
    (dict(loss="y - t"), "not a scalar SymPy expression"),
    (dict(equations=[(2 * z1, w1 * x)]), "is not a single Symbol"),
    (dict(equations=[(z1, w1 * x)], loss=t ** 2), "depends on no node and no parameter"),
    (dict(equations=[(z1, w1 * x), (y, sp.Symbol("x", positive=True))]), "two different symbols"),
    (dict(equations=[(y, sp.zoo * x)]), "infinity or NaN"),
])
def test_validation_errors(change, message):
    with pytest.raises(NetworkError, match=message):
        seed_121(**change)


def test_loss_that_reaches_no_parameter_is_an_error():
    with pytest.raises(NetworkError, match="depends on no parameter"):
        Network("n", [x], [t], [w1], [(z1, 2 * x)], (z1 - t) ** 2)


def test_unreachable_parameter_warns_and_has_zero_gradient():
    from symbolic import derive

    with pytest.warns(NetworkWarning, match="w2 cannot reach the loss"):
        network = Network("n", [x], [t], [w1, w2], [(z1, w1 * x), (z2, w2 * x)], (z1 - t) ** 2)
    assert derive(network).gradient_expression(w2) == 0


def test_builder_names_and_sizes():
    network = mlp([2, 3, 1], "sigmoid", "squared")
    names = [p.name for p in network.params]
    assert names[:3] == ["w1_11", "w1_12", "b1_1"] and names[-1] == "b2_1"
    assert len(network.params) == 2 * 3 + 3 + 3 + 1
    big = mlp([12, 2, 1], "tanh", "bce")
    assert big.params[11].name == "w1_1_12"


@pytest.mark.parametrize("args, message", [
    (([2], "sigmoid", "squared"), "at least two"),
    (([2, 1], "swish", "squared"), "unknown activation"),
    (([2, 1], "sigmoid", "hinge"), "unknown loss"),
    (([2, 3, 1], "sigmoid", "softmax-ce"), "softmax-ce needs at least two outputs"),
])
def test_builder_errors(args, message):
    with pytest.raises(NetworkError, match=message):
        mlp(*args)


def test_no_warning_for_builder_networks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mlp([2, 2, 2], "sigmoid", "softmax-ce")
        mlp([2, 2, 1], "relu", "bce")


def test_unused_input_target_and_dead_node_are_warnings_naming_them():
    x2, t2, u, p = sp.symbols("x2 t2 u p")
    with pytest.warns(NetworkWarning) as caught:
        seed_121(inputs=[x, x2], targets=[t, t2],
                 equations=seed_121().equations + ((u, w1 * x), (p, 2 * y)))
    assert sorted(str(w.message) for w in caught) == [
        "network 'seed-121': input x2 is not used on any path to the loss; it has no effect",
        "network 'seed-121': node u never reaches the loss; it is computed but has no effect",
        "network 'seed-121': target t2 is not used on any path to the loss; it has no effect"]


def test_read_outs_and_the_seeds_give_no_warning():
    """Nodes computed from live nodes only (predictions) are outputs, not dead nodes."""
    from symbolic import EXAMPLES, builtin

    p, q = sp.symbols("p q")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seed_121(equations=seed_121().equations + ((p, sigmoid(z3)), (q, 2 * p)))
        for name in EXAMPLES:
            builtin(name)
