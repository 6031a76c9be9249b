"""Written-out formulas derive, print and generate like the builtins (issue 11, points 1, 3, 4).

References are independent of the recognition: 30-digit SymPy ``diff`` of the loss as the user
wrote it (``tests/reference.py`` inlines ``network.written``) and central differences.
"""
from __future__ import annotations

import random
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import codegen
from symbolic import derive, network_costs
from symbolic.forms import recognise
from symbolic.functions import logsumexp, relu, sigmoid, softplus
from symbolic.rules import derivative, rule_table
from symbolic.spec import parse_spec

from reference import random_point, reference_gradients

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
z, a, b, c, t = sp.symbols("z a b c t", real=True)


def written_out(spec_text: str) -> str:
    """A spec with every ``sigmoid(NAME)`` written as ``1/(1+exp(-NAME))``."""
    import re
    return re.sub(r"sigmoid\((\w+)\)", r"1/(1 + exp(-\1))", spec_text)


def seed_222(written: bool):
    text = (EXAMPLES / "seed-222.net").read_text()
    return parse_spec(written_out(text) if written else text, "net222.net")


@pytest.mark.parametrize("expr, expected", [
    (1 / (1 + sp.exp(-z)), sigmoid(z)),
    (sp.exp(z) / (1 + sp.exp(z)), sigmoid(z)),
    ((sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)), sp.tanh(z)),
    ((1 - sp.exp(-2 * z)) / (1 + sp.exp(-2 * z)), sp.tanh(z)),
    ((sp.exp(2 * z) - 1) / (sp.exp(2 * z) + 1), sp.tanh(z)),
    (2 / (1 + sp.exp(-2 * z)) - 1, sp.tanh(z)),
    (sp.log(1 + sp.exp(z)), softplus(z)),
    (sp.log(1 + sp.exp(-z)), softplus(-z)),
    (z / (1 + sp.exp(-z)), z * sigmoid(z)),
    (sp.log(sp.exp(a) + sp.exp(b) + sp.exp(c)), logsumexp(a, b, c)),
    (sp.exp(a) / (sp.exp(a) + sp.exp(b)), sp.exp(a - logsumexp(a, b))),
    (sp.log(1 / (1 + sp.exp(-z))), -softplus(-z)),
    (sp.log(1 - 1 / (1 + sp.exp(-z))), -softplus(z)),
    (sp.Max(0, z), relu(z)),
    (sp.exp(z) * z, sp.exp(z) * z),                       # not a form: unchanged
])
def test_recognised_forms(expr, expected):
    assert recognise(expr) == expected


def test_logs_see_through_nodes():
    y, s = sp.symbols("y s", real=True)
    nodes = {y: sigmoid(z), s: sp.exp(a - logsumexp(a, b))}
    bce = -(t * sp.log(y) + (1 - t) * sp.log(1 - y))
    assert recognise(bce, nodes) == t * softplus(-z) + (1 - t) * softplus(z)
    assert recognise(sp.log(s), nodes) == a - logsumexp(a, b)


def test_written_out_222_has_textbook_deltas_and_the_builtin_cost():
    written, builtin = seed_222(True), seed_222(False)
    lines = [(d.lhs.name, d.rhs) for d in derive(written).program]
    assert lines == [(d.lhs.name, d.rhs) for d in derive(builtin).program]
    assert not any(rhs.has(sp.exp) for _, rhs in lines)
    h1, delta_h1 = written.symbol("h1"), sp.Symbol("delta_h1")
    assert dict(lines)["delta_z1"] == delta_h1 * h1 * (1 - h1)
    assert network_costs(written).as_dict() == network_costs(builtin).as_dict()


def delta_program(text: str) -> dict:
    network = parse_spec(text, "case.net")
    return network, {d.lhs.name: d.rhs for d in derive(network).program}


def test_tanh_written_with_exponentials_derives_one_minus_h_squared():
    net, deltas = delta_program("input x\nparam w\nz = w*x\nh = (exp(z) - exp(-z))/(exp(z) + exp(-z))\n"
                                "loss = h^2\n")
    h = net.symbol("h")
    assert deltas["delta_z"] == sp.Symbol("delta_h") * (1 - h ** 2)


def test_sigmoid_then_written_out_bce_gives_y_minus_t():
    net, deltas = delta_program("input x\ntarget t\nparam w b\nz = w*x + b\ny = 1/(1 + exp(-z))\n"
                                "loss = -(t*log(y) + (1 - t)*log(1 - y))\n")
    assert deltas["delta_z"] == net.symbol("y") - net.symbol("t")


def test_softplus_minus_tz_gives_sigmoid_minus_t_from_the_stored_softplus():
    net, deltas = delta_program("input x\ntarget t\nparam w b\nz = w*x + b\n"
                                "loss = log(1 + exp(z)) - t*z\n")
    stored = net.symbol("L_softplus")
    assert net.forward.as_dict()[stored] == softplus(net.symbol("z"))
    delta_z = deltas["delta_z"].subs(sp.Symbol("delta_L_softplus"), 1)
    assert delta_z == sp.exp(net.symbol("z") - stored) - net.symbol("t")   # σ(z) − t, no overflow


def test_written_out_softmax_cross_entropy_gives_a_sum_t_minus_t():
    text = ("input x\ntarget t1 t2 t3\nparam w1 w2 w3\nz1 = w1*x\nz2 = w2*x\nz3 = w3*x\n"
            + "".join(f"a{k} = exp(z{k})/(exp(z1) + exp(z2) + exp(z3))\n" for k in (1, 2, 3))
            + "loss = -(t1*log(a1) + t2*log(a2) + t3*log(a3))\n")
    net, deltas = delta_program(text)
    t1, t2, t3 = (net.symbol(n) for n in ("t1", "t2", "t3"))
    assert deltas["delta_z1"] == net.symbol("a1") * (t1 + t2 + t3) - t1
    stored = net.auxiliary
    z1, z2, z3 = (net.symbol(n) for n in ("z1", "z2", "z3"))
    assert [net.forward.as_dict()[s] for s in stored] == [logsumexp(z1, z2, z3)]
    assert not any(name.endswith("logsumexp") for name in deltas)   # stored, not a δ node


def test_swish_stores_its_sigmoid_and_reuses_its_own_value():
    net, deltas = delta_program("input x\nparam w\nz = w*x\nh = z/(1 + exp(-z))\nloss = h^2\n")
    s, h = net.symbol("h_sigmoid"), net.symbol("h")
    assert net.forward.as_dict()[s] == sigmoid(net.symbol("z"))
    assert deltas["delta_z"] == sp.Symbol("delta_h") * (h * (1 - s) + s)     # σ + h(1 − σ)


def test_rules_reuse_the_functions_own_value():
    r = sp.Symbol("r")
    assert derivative(sp.exp(a), 0, r) == r
    assert derivative(sp.tanh(a), 0, r) == 1 - r ** 2
    assert derivative(sigmoid(a), 0, r) == r * (1 - r)
    assert derivative(1 / a, 0, r) == -r ** 2
    assert derivative(sp.sqrt(a), 0, r) == 1 / (2 * r)
    assert derivative(logsumexp(a, b), 1, r) == sp.exp(b - r)
    assert all(isinstance(d, sp.Expr) for _, d in rule_table())


def module_and_point(text: str, values: dict):
    network = parse_spec(text, "case.net")
    module = codegen.load_module(network)
    params = {p.name: values[p.name] for p in network.params}
    data = {s.name: np.array([float(values[s.name])]) for s in network.inputs + network.targets}
    return network, module, params, data


def test_written_out_222_is_finite_and_correct_with_a_weight_at_700():
    network = seed_222(True)
    module = codegen.load_module(network)
    values = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 700.0, "w2": -0.2, "w3": 0.25,
              "w4": 0.3, "b1": 0.35, "w5": -900.0, "w6": 0.45, "w7": 0.5, "w8": 0.55, "b2": 0.6}
    for sign in (1, -1):
        point = {**values, "w1": sign * 20000.0}     # z1 = ±1000
        params = {p.name: point[p.name] for p in network.params}
        data = {s.name: np.array([point[s.name]]) for s in network.inputs + network.targets}
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss, grads = module.gradients(params, data)
        expected = reference_gradients(network, {network.symbol(k): v for k, v in point.items()}, 30)
        for p in network.params:
            assert np.isfinite(grads[p.name])
            assert grads[p.name] == pytest.approx(expected[p], rel=1e-9, abs=1e-300), p


@pytest.mark.parametrize("text", [
    "param a\nloss = exp(exp(a))\n",
    "param x y\nloss = x^y\n",
    "param a1 a2 a3 a4\nloss = logsumexp(a1, a2, a3, a4)\n",
    "input h0\nparam a\nloss = sigmoid(sigmoid(h0 + a) + a)\n",
    "param a b\nh = a*b\nloss = exp(h)*h\n",
])
def test_a_loss_that_is_a_function_generates_working_code(text):
    network = parse_spec(text, "case.net")
    module = codegen.load_module(network)
    values = random_point(network, random.Random(5), scale=0.9)
    values.update({s: abs(v) + 0.2 for s, v in values.items() if s.name in ("x", "y")})
    params = {p.name: values[p] for p in network.params}
    data = {s.name: np.array([values[s]]) for s in network.inputs + network.targets}
    loss, grads = module.gradients(params, data)
    naive_loss, naive = module.gradients_naive(params, data)
    expected = reference_gradients(network, values, 30)
    for p in network.params:
        assert grads[p.name] == pytest.approx(expected[p], rel=1e-10)
        assert naive[p.name] == pytest.approx(expected[p], rel=1e-10)


@pytest.mark.parametrize("text, values, expected", [
    ("param x y\nloss = x^y\n", {"x": 0.0, "y": 0.0}, {"x": 0.0, "y": 0.0}),   # pytorch#8945
    ("param x y\nloss = x^y\n", {"x": 0.0, "y": 2.0}, {"x": 0.0, "y": 0.0}),
    ("input u\nparam w\nloss = relu(w*u)\n", {"u": 1.0, "w": 0.0}, {"w": 0.0}),
    ("input u\nparam w\nloss = abs(w*u)\n", {"u": 1.0, "w": 0.0}, {"w": 0.0}),
])
def test_conventions_at_singular_points(text, values, expected):
    network, module, params, data = module_and_point(text, values)
    with np.errstate(all="ignore"):
        _, grads = module.gradients(params, data)
    assert grads == pytest.approx(expected)


def test_pi_in_a_spec_is_pi_and_the_gelu_derives_with_a_stored_tanh():
    text = ("input x\nparam w\nz = w*x\nh = 0.5*z*(1 + tanh(sqrt(2/pi)*(z + 0.044715*z^3)))\n"
            "loss = h^2\n")
    network = parse_spec(text, "gelu.net")
    assert network.written.as_dict()[network.symbol("h")].has(sp.pi)
    assert [a.rhs.func for a in network.forward if a.lhs in network.auxiliary] == [sp.tanh]
    from symbolic.spec import format_spec
    assert "pi" in format_spec(network)
    values = {network.symbol("x"): 0.7, network.symbol("w"): -1.3}
    module = codegen.load_module(network)
    _, grads = module.gradients({"w": -1.3}, {"x": np.array([0.7])})
    assert grads["w"] == pytest.approx(reference_gradients(network, values, 30)[network.symbol("w")],
                                       rel=1e-12)


def test_softmax_written_through_nodes_gives_a_sum_t_minus_t_and_stays_finite():
    """e_k = exp(z_k), S = e1 + e2, a_k = e_k/S, L = -Σ t_k log a_k: the log of a_k is
    z_k − logsumexp(z), so the δ is textbook and the gradient needs no e_k (no overflow)."""
    text = ("input x1 x2\ntarget t1 t2\nparam w1 w2 v1 v2\nz1 = w1*x1 + v1*x2\n"
            "z2 = w2*x1 + v2*x2\ne1 = exp(z1)\ne2 = exp(z2)\nS = e1 + e2\na1 = e1/S\na2 = e2/S\n"
            "loss = -(t1*log(a1) + t2*log(a2))\n")
    net, deltas = delta_program(text)
    t1, t2, z1 = (net.symbol(n) for n in ("t1", "t2", "z1"))
    (s,) = net.auxiliary
    assert deltas["delta_z1"] == (t1 + t2) * sp.exp(z1 - s) - t1
    module = codegen.load_module(net)
    values = {"x1": 1.0, "x2": 0.5, "t1": 1.0, "t2": 0.0, "w1": 900.0, "w2": -0.3, "v1": 0.2,
              "v2": 0.4}
    params = {p.name: values[p.name] for p in net.params}
    data = {k: np.array([values[k]]) for k in ("x1", "x2", "t1", "t2")}
    with np.errstate(over="ignore", invalid="ignore"):        # forward() would show e1 = inf
        _, grads = module.gradients(params, data)
    expected = reference_gradients(net, {net.symbol(k): v for k, v in values.items()}, 30)
    for p in net.params:
        assert grads[p.name] == pytest.approx(expected[p], rel=1e-9, abs=1e-300), p
