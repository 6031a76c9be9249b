"""Derivations a student reads through (issue 14, point 5): each local derivative stated once,
names in full in small networks, math headings set as headings, multi-letter names as one
upright name, generic text that cannot collide with the user's names, worked examples as
formula = numbers put in = value; and the loss expression's own partials (∂ℓ/∂z) kept apart
from the total derivatives ∂L/∂z (issue 11)."""
import re

import pytest
import sympy as sp

from symbolic import POINTS, Network, builtin, sigmoid
from codegen.derivation import Derivation, format_number
from symbolic.evaluate import evaluate, run


def markdown(name, **kwargs):
    return Derivation(builtin(name), **kwargs).markdown()


def local_lhs_count(md, top, bottom):
    """How often ∂top/∂bottom is the left side of an equation."""
    return md.count(r"\frac{\partial %s}{\partial %s} &=" % (top, bottom))


def test_each_local_derivative_is_stated_once():
    md = markdown("seed-222", at=POINTS["seed-222"], lr=0.5)
    graph = builtin("seed-222").graph
    assert len(graph.edges) == 22
    # ∂y1/∂z3 lies on the paths of 6 weights (8 paths): stated once, then used
    assert local_lhs_count(md, "y_1", "z_3") == 1
    assert local_lhs_count(md, "z_3", "h_1") == 1
    assert local_lhs_count(md, "L", "y_1") == 1
    assert md.count("with the local derivatives") == 0
    # every edge has its row in the list of local derivatives
    local = md.split("## 2.")[1].split("The gradient of the loss")[0]
    assert local.count(r"\frac{\partial") == len(graph.edges)


def test_small_networks_show_every_name():
    md = markdown("seed-softmax")
    forward = md.split("## 1.")[1].split("$$")[0]
    for name in ["w^{(1)}_{11}", "b^{(1)}_2", "w^{(2)}_{21}", "b^{(2)}_2"]:
        assert f"${name}$" in forward
    assert r"\dots" not in forward and "…" not in forward
    table = md.split("| δ term |")[1].split("## 4.")[0]
    assert "…" not in table and r"\dots" not in table
    assert "$w^{(1)}_{11}$, $w^{(1)}_{12}$, $b^{(1)}_1$, $w^{(1)}_{21}$" in table


def test_large_networks_still_shorten_lists():
    md = Derivation(builtin("mlp:3-12-12-2:tanh:softmax-ce")).markdown()
    first = md.split("## 1.")[1].split("\n\n")[1]
    assert ", …, " in first and "(230)" in first


def test_math_headings_are_bold_headings():
    tex = Derivation(builtin("seed-121")).latex()
    assert r"\subsection*{\boldmath $\partial L/\partial w_1$}" in tex
    assert r"\section{\boldmath Shared $\delta$ terms (backpropagation)}" in tex


def gate_network():
    x, t, w, v = sp.symbols("x t w v")
    z, gate, out = sp.symbols("z gate out")
    return Network("gated", [x], [t], [w, v], [(z, w * x), (gate, sigmoid(z)), (out, v * gate)],
                   (out - t) ** 2 / 2)


def test_multi_letter_names_print_as_one_upright_name():
    md = Derivation(gate_network()).markdown()
    assert r"\delta_{\mathrm{gate}} \mathrm{gate} \left(1 - \mathrm{gate}\right)" in md
    assert r"\mathrm{out} &= v \mathrm{gate}" in md
    assert not re.search(r"[^{]gate \(", md)


def test_generic_text_uses_the_networks_own_names():
    """Nodes named u, v, w and a parameter named eta: the text around the formulas names no
    symbol of its own that could be mistaken for them."""
    x, t, w, eta = sp.symbols("x t w eta")
    u, v = sp.symbols("u v")
    net = Network("uv", [x], [t], [w, eta], [(u, w * x), (v, sigmoid(u))],
                  (eta * v - t) ** 2 / 2)
    md = Derivation(net, at={"x": 1, "t": 0.5, "w": 0.3, "eta": 2}, lr=0.1).markdown()
    prose = " ".join(line for line in md.splitlines() if not line.startswith(("$$", "\\")))
    prose = re.sub(r"\$\$.*?\$\$", "", prose, flags=re.S)
    assert "node $v$" not in prose and "nodes $u$" not in prose
    assert r"\delta_u" not in md and r"\delta_v\," not in md
    assert r"w \leftarrow w - \eta" not in md
    assert "for example $\\delta_{u} = \\delta_{v} \\, \\partial v/\\partial u$" in md
    assert r"w &\leftarrow w - 0.1 \, \frac{\partial L}{\partial w}" in md


def joined_lines(md):
    """The Markdown with each equation broken over lines joined back into one line."""
    return re.sub(r" \\\\\n +&(\\quad )?", " ", md)


def test_worked_example_shows_the_numbers_put_in():
    """The classic 2-2-2 (Mazur's numbers: net_h1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775)."""
    md = joined_lines(markdown("seed-222", at=POINTS["seed-222"], lr=0.5))
    assert (r"z_1 &= w_1 x_1 + w_2 x_2 + b_1 = 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 "
            r"= 0.3775") in md
    assert r"h_1 &= \sigma\left(z_1\right) = \sigma\left(0.3775\right) = 0.593269992" in md
    assert r"\delta_{y_1} &= y_1 - t_1 = 0.75136507 - 0.01 = 0.74136507" in md
    assert (r"\delta_{z_4} &= \delta_{y_2} y_2 \left(1 - y_2\right) = \left(-0.217071535\right) "
            r"\cdot 0.772928465 \cdot \left(1 - 0.772928465\right) = -0.0380982365") in md
    assert (r"\frac{\partial L}{\partial w_5} &= \delta_{z_3} h_1 = 0.138498562 \cdot 0.593269992"
            r" = 0.0821670406") in md
    assert (r"w_5 &\leftarrow w_5 - 0.5 \, \frac{\partial L}{\partial w_5} = "
            r"0.4 - 0.5 \cdot 0.0821670406 = 0.35891648") in md


def test_loss_expression_partials_are_not_written_as_total_derivatives():
    md = markdown("seed-softmax")
    assert (r"\delta^{(2)}_1 &= \frac{\partial L}{\partial z^{(2)}_1} = \delta_{s_2} "
            r"\frac{\partial s_2}{\partial z^{(2)}_1} + \frac{\partial \ell}{\partial z^{(2)}_1}"
            ) in md
    assert r"\frac{\partial \ell}{\partial z^{(2)}_1} &= - t_1" in md
    assert r"L = \ell(t_1, t_2, z^{(2)}_1, z^{(2)}_2, s_2)" in md
    assert r"\frac{\partial L}{\partial z^{(2)}_1} &=" not in md      # never as a local partial
    assert r"\ell" not in markdown("seed-121")                           # no need for it there


def test_softmax_delta_reads_a_minus_t_for_targets_that_sum_to_one():
    md = markdown("seed-softmax")
    assert ("When the targets sum to 1 (one-hot labels or probabilities), "
            r"$\delta_{s_2} = 1$, and these read $\delta^{(2)}_2 = a^{(2)}_2 - t_2$ and "
            r"$\delta^{(2)}_1 = a^{(2)}_1 - t_1$.") in md


def sine_gelu_network(extra=()):
    """A GELU-like unit z(1 + sin(√(2/π)(z + 0.044715z³)))/2: the engine keeps sin's argument
    inside the expression (its derivative cos does not reuse sin's value)."""
    x, t, w, v = sp.symbols("x t w v")
    z, h, y = sp.symbols("z h y")
    inner = sp.sqrt(2 / sp.pi) * (z + sp.Float("0.044715") * z ** 3)
    params = [w, v, *extra]
    out = v * h + sum(extra)
    return Network("gelu", [x], [t], params, [(z, w * x), (h, z * (1 + sp.sin(inner)) / 2),
                                             (y, out)], (y - t) ** 2 / 2)


def test_long_function_arguments_are_named_once():
    d = Derivation(sine_gelu_network(), at={"x": 0.5, "t": 1, "w": 1.5, "v": 0.8})
    md = d.markdown()
    assert md.count(r"\xi_{1} &= ") == 1
    assert r"\cos{\left(\xi_{1} \right)}" in md
    (name, sub), *more = d.abbreviations      # ξ_1 the sine's argument; ξ_2 may name a bracket
    assert len(more) <= 1
    assert d.values[name] == pytest.approx(evaluate(sub, run(d.network.forward, d.at)))
    assert d.values[name] == pytest.approx(float(sp.sqrt(2 / sp.pi) * 0.75 * (1 + 0.044715 *
                                                                            0.75 ** 2)))
    # a network with its own ξ gets another letter
    taken = Derivation(sine_gelu_network(extra=(sp.Symbol("xi1"),)))
    assert r"\zeta_{1}" in taken.markdown() and r"\xi_{1} &=" not in taken.markdown()


def test_the_gradient_step_numbers_are_the_gradient_values():
    d = Derivation(builtin("seed-product"), at={"w": 3, "b": 4}, lr=0.1)
    md = d.markdown()
    g = d.values[d.delta.gradient[d.network.symbol("b")]]
    assert rf"= 4 - 0.1 \cdot {format_number(g)} = {format_number(4 - 0.1 * g)}" in md
