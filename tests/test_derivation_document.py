"""The Derivation document: content, order, numbers checked against independent references."""
import math
import random
import re

import pytest
import sympy as sp

from symbolic import (EXAMPLES, POINTS, DeltapropError, builtin, count_path_terms,
                      derive_naive)
from codegen.derivation import (MAX_PATHS_SHOWN, Derivation, first_paths, format_number,
                                 representatives)
from symbolic.evaluate import evaluate, run
from symbolic.naive import DEFAULT_PATH_LIMIT

from reference import reference_gradients


def section_titles(markdown):
    return re.findall(r"^## \d+\. (.*)$", markdown, flags=re.M)


def test_sections_in_the_order_of_the_issue():
    plain = Derivation(builtin("seed-121")).markdown()
    assert section_titles(plain) == ["Forward pass", "Chain rule along every path",
                                      "Shared δ terms (backpropagation)",
                                      "Cost: naive against shared δ"]
    full = Derivation(builtin("seed-121"), at=POINTS["seed-121"], lr=0.5).markdown()
    assert section_titles(full)[4:] == ["Worked example", "One step of gradient descent"]


def test_seed_121_reads_like_the_seed_document():
    md = Derivation(builtin("seed-121")).markdown()
    # forward equations numbered, loss last
    assert r"z_3 &= w_3 h_1 + w_4 h_2 && (5)" in md
    assert r"L &= \frac{1}{2} \left(y - t\right)^{2} && (7)" in md
    # the chain rule in ∂ notation along the one path of w1, and its substituted form
    assert (r"\frac{\partial L}{\partial w_1} &= \frac{\partial L}{\partial y} "
            r"\frac{\partial y}{\partial z_3} \frac{\partial z_3}{\partial h_1} "
            r"\frac{\partial h_1}{\partial z_1} \frac{\partial z_1}{\partial w_1}") in md
    assert (r"\left(y - t\right) \cdot y \left(1 - y\right) \cdot w_3 \cdot "
            r"h_1 \left(1 - h_1\right) \cdot x") in md
    # local derivatives and the δ recursion with the network's own names
    assert r"\frac{\partial y}{\partial z_3} &= y \left(1 - y\right)" in md
    assert (r"\delta_{z_1} &= \frac{\partial L}{\partial z_1} = \delta_{h_1} "
            r"\frac{\partial h_1}{\partial z_1} = \delta_{h_1} h_1 \left(1 - h_1\right)") in md
    assert (r"\frac{\partial L}{\partial w_1} &= \delta_{z_1} \frac{\partial z_1}{\partial w_1}"
            r" = \delta_{z_1} x") in md
    # the reuse table: δ_{z_3} is used directly by w3, w4 and reused by every weight
    assert r"| $\delta_{z_3}$ | $w_3$, $w_4$ | $w_1$, $w_2$, $w_3$, $w_4$ | 4 |" in md
    # costs straight from the core's counts
    assert "| naive backward | 10 | 18 | 0 | 0 | 28 |" in md
    assert "| shared-δ backward | 4 | 12 | 0 | 0 | 16 |" in md


def test_seed_product_sums_over_two_paths_and_gives_the_seed_numbers():
    d = Derivation(builtin("seed-product"), at={"w": 3, "b": 4})
    md = d.markdown()
    assert (r"\frac{\partial z}{\partial b} &= \frac{\partial z}{\partial x} "
            r"\frac{\partial x}{\partial b} + \frac{\partial z}{\partial y} "
            r"\frac{\partial y}{\partial b}") in md
    assert r"y \cdot 3 + x \cdot 2" in md
    assert r"$\partial z/\partial w = 18$ and $\partial z/\partial b = 63$" in md
    # formula = the numbers put in = value, as the seed writes y · 2 = 18
    assert r"x &= 2 w + 3 b = 2 \cdot 3 + 3 \cdot 4 = 18" in md
    assert r"z &= x y = 18 \cdot 9 = 162" in md
    assert (r"\frac{\partial z}{\partial b} &= 3 \delta_{x} + 2 \delta_{y} = "
            r"3 \cdot 9 + 2 \cdot 18 = 63") in md


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_worked_example_numbers_match_sympy_diff_of_the_inlined_loss(name):
    net = builtin(name)
    d = Derivation(net, at=POINTS[name])
    expected = reference_gradients(net, d.at)
    md = d.markdown()
    for p in net.params:
        value = d.values[d.delta.gradient[p]]
        assert value == pytest.approx(expected[p], rel=1e-12, abs=1e-15)
        assert f"{d.d(net.loss_symbol, p, inline=True)} = {format_number(value)}" in md


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_substituted_path_products_sum_to_the_gradient(name):
    """What the document prints per path, evaluated, against SymPy diff of the inlined loss."""
    net = builtin(name)
    rng = random.Random(7)
    d = Derivation(net)
    values = {s: rng.uniform(-1, 1) for s in net.inputs + net.targets + net.params}
    env = run(net.forward, values)
    expected = reference_gradients(net, values)
    for p in d.weights:
        total = math.fsum(evaluate(sp.Mul(*q.factors), env) for q in d.paths[p])
        assert total == pytest.approx(expected[p], rel=1e-10, abs=1e-14)


def test_gradient_step_moves_against_the_gradient_and_lowers_the_loss():
    net = builtin("seed-121")
    d = Derivation(net, at=POINTS["seed-121"], lr=0.5)
    md = d.markdown()
    w1 = net.symbol("w1")
    g = d.values[d.delta.gradient[w1]]
    new = 0.5 - 0.5 * g
    assert (rf"w_1 &\leftarrow w_1 - 0.5 \, \frac{{\partial L}}{{\partial w_1}} = "
            rf"0.5 - 0.5 \cdot {format_number(g)} = {format_number(new)}") in md
    after = {**d.at, **{p: d.at[p] - 0.5 * d.values[d.delta.gradient[p]] for p in net.params}}
    loss_after = run(net.forward, after)[net.loss_symbol]
    assert loss_after < d.values[net.loss_symbol]
    assert f"$L = {format_number(loss_after)}$" in md


def test_first_paths_follow_derive_naive():
    for name in EXAMPLES:
        net = builtin(name)
        for g in derive_naive(net):
            assert first_paths(net, g.param, 100) == list(g.paths)
            assert first_paths(net, g.param, 2) == list(g.paths[:2])


def test_selected_weights_only():
    md = Derivation(builtin("seed-121"), weights=["w3", "w1"]).markdown()
    headings = re.findall(r"^### (.*)$", md, flags=re.M)
    assert headings == [r"$\partial L/\partial w_3$", r"$\partial L/\partial w_1$"]


def test_large_network_representatives_without_building_every_path():
    net = builtin("mlp:2-16-16-16-16-1:sigmoid:squared")
    assert count_path_terms(net) > DEFAULT_PATH_LIMIT      # derive_naive would refuse
    d = Derivation(net)
    assert [p.name for p in d.weights] == ["w1_1_1", "b1_1", "w2_1_1", "b2_1", "w3_1_1",
                                           "b3_1", "w4_1_1", "b4_1", "w5_1_1", "b5_1"]
    assert all(len(d.paths[p]) <= MAX_PATHS_SHOWN for p in d.weights)
    md = d.markdown()
    assert "one representative weight per layer" in md
    assert "4,090 more paths" in md                         # w1_1_1 has 16³ = 4,096 paths
    assert "have the same form" in md


def test_representatives_one_per_layer_and_kind():
    net = builtin("mlp:3-4-2:sigmoid:squared")
    assert [p.name for p in representatives(net, net.params)] == ["w1_11", "b1_1", "w2_11", "b2_1"]


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": ["w9"]}, "no parameter named 'w9'"),
    ({"at": {"w": 3}}, "no value for b"),
    ({"at": {"w": 3, "b": 4, "q": 1}}, "no symbol named 'q'"),
    ({"at": {"w": 3, "b": 4, "x": 1}}, "x is a node"),
    ({"at": {"w": 3, "b": float("nan")}}, "not a finite number"),
    ({"lr": 0.1}, "--lr needs a point"),
    ({"at": {"w": 3, "b": 4}, "lr": -1}, "--lr: -1 is not a positive finite number"),
    ({"at": {"w": 3, "b": 4}, "lr": 0}, "--lr: 0 is not a positive finite number"),
    ({"at": {"w": 3, "b": 4}, "lr": float("inf")}, "--lr: inf is not a positive"),
])
def test_bad_requests_raise_one_clear_error(kwargs, message):
    with pytest.raises(DeltapropError, match=re.escape(message)):
        Derivation(builtin("seed-product"), **kwargs)


def test_notebook_display():
    d = Derivation(builtin("seed-121"))
    assert d._repr_markdown_() == d.markdown()
    tex = d._repr_latex_()
    assert tex.startswith(r"$$\begin{aligned}") and tex.endswith(r"\end{aligned}$$")
    assert r"\delta_{z_1} &= \delta_{h_1} h_1 \left(1 - h_1\right)" in tex


def test_latex_document_is_complete_and_escapes_text():
    tex = Derivation(builtin("seed-121")).latex()
    assert tex.startswith("% Generated by deltaprop (deltaprop derive seed-121)")
    assert r"\documentclass" in tex and tex.rstrip().endswith(r"\end{document}")
    body = tex.split(r"\begin{document}")[1]
    text_outside_math = re.sub(r"\$[^$]*\$", "", body)
    assert "δ" not in text_outside_math          # pdflatex cannot set a bare δ in text


def test_format_number():
    assert format_number(18.0) == "18"
    assert format_number(-0.0) == "0"
    assert format_number(0.000012345678) == r"1.2345678 \times 10^{-5}"
    assert format_number(0.298371108760003) == "0.298371109"  # the seed tutorial's digits
    assert format_number(0.298371108760003, digits=6) == "0.298371"


def test_large_network_worked_example_one_delta_per_layer_and_true_gradients():
    net = builtin("mlp:3-12-12-2:tanh:softmax-ce")
    rng = random.Random(1)
    at = {s.name: rng.uniform(-1, 1) for s in net.inputs + net.params}
    at.update(t1=1.0, t2=0.0)
    d = Derivation(net, at=at, lr=0.1)
    example = d.markdown().split("## 5. Worked example")[1]
    assert 1 < len(d.delta_nodes) < len(d.delta.delta)
    for v in d.delta_nodes:
        assert f"{d.tex(d.delta.delta[v])} &= " in example
    h = 1e-6
    for p in d.weights:                  # central differences of the forward pass
        up = run(net.forward, {**d.at, p: d.at[p] + h})[net.loss_symbol]
        down = run(net.forward, {**d.at, p: d.at[p] - h})[net.loss_symbol]
        value = d.values[d.delta.gradient[p]]
        assert value == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)
        assert f"{d.d(net.loss_symbol, p, inline=True)} = {format_number(value)}" in example
    tex = d._repr_latex_()
    assert all(d.tex(d.delta.delta[v]) + " &= " in tex for v in d.delta_nodes)
