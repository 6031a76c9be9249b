"""The textbook LaTeX printer: names, δ terms, term order, line breaking."""
import pytest
import sympy as sp

from symbolic import Network, builtin, derive, sigmoid
from codegen.latex import TextbookLatexPrinter, break_terms, textbook_name, visual_width


@pytest.mark.parametrize("name, tex", [
    ("w1_11", "w^{(1)}_{11}"), ("w1_1_10", "w^{(1)}_{1,10}"), ("z1_2", "z^{(1)}_2"),
    ("x1", "x_1"), ("w10", "w_{10}"), ("alpha2", r"\alpha_2"), ("b2_1", "b^{(2)}_1"),
])
def test_textbook_names(name, tex):
    assert textbook_name(name) == tex
    assert TextbookLatexPrinter().doprint(sp.Symbol(name)) == tex


def test_names_without_a_pattern_fall_back_to_sympy():
    assert textbook_name("eta") is None
    assert TextbookLatexPrinter().doprint(sp.Symbol("eta")) == r"\eta"


def test_user_latex_names_win():
    x, w, t, h = sp.symbols("x w t h1")
    net = Network("named", [x], [t], [w], [(h, sigmoid(w * x))], (h - t) ** 2 / 2,
                  latex_names={"h1": r"\hat{y}", w: r"\theta"})
    printer = TextbookLatexPrinter.for_network(net, derive(net))
    assert printer.doprint(h) == r"\hat{y}"
    assert printer.doprint(w * x) == r"\theta x"
    delta = derive(net)
    assert printer.doprint(delta.delta[h]) == r"\delta_{\hat{y}}"


def test_delta_and_gradient_symbols():
    net = builtin("seed-121")
    delta = derive(net)
    p = TextbookLatexPrinter.for_network(net, delta)
    z1 = net.symbol("z1")
    assert p.doprint(delta.delta[z1]) == r"\delta_{z_1}"
    assert p.doprint(delta.gradient[net.symbol("w1")]) == r"\frac{\partial L}{\partial w_1}"
    assert p.doprint(delta.program.as_dict()[delta.delta[z1]]) == \
        r"\delta_{h_1} h_1 \left(1 - h_1\right)"
    layered = builtin("seed-softmax")
    d2 = derive(layered)
    p2 = TextbookLatexPrinter.for_network(layered, d2)
    assert p2.doprint(d2.delta[layered.symbol("z1_2")]) == r"\delta^{(1)}_2"
    assert p2.doprint(d2.delta[layered.symbol("a1_2")]) == r"\delta_{a^{(1)}_2}"


def test_textbook_order_of_terms_and_factors():
    net = builtin("seed-121")
    p = TextbookLatexPrinter.for_network(net)
    rhs = net.forward.as_dict()
    assert p.doprint(rhs[net.symbol("z3")]) == "w_3 h_1 + w_4 h_2"
    assert p.doprint(rhs[net.symbol("z1")]) == "w_1 x"
    assert p.doprint(rhs[net.loss_symbol]) == r"\frac{1}{2} \left(y - t\right)^{2}"
    x, y = sp.symbols("x y")
    assert p.doprint(x / (2 * y)) == r"\frac{x}{2 y}"
    assert p.doprint(-3 * x * y) == "- 3 x y"
    assert p.doprint(2 * 3 ** sp.Symbol("k") * x) == r"2 x \cdot 3^{k}"
    assert p.doprint(sp.exp(x - y)) == "e^{x - y}"


def test_break_terms_keeps_every_term_and_fits():
    terms = [("+", f"w^{{(1)}}_{{{i}}} x_{{{i}}}") for i in range(1, 40)]
    lines = break_terms(terms, 40)
    assert len(lines) > 1
    assert all(visual_width(line) <= 40 for line in lines)
    assert " ".join(lines) == " + ".join(t for _, t in terms)
    assert all(line.startswith("+ ") for line in lines[1:])


def test_visual_width_counts_fractions_once():
    fraction = visual_width(r"\frac{\partial L}{\partial w_1}")
    assert fraction < visual_width(r"\partial L \partial w_1")


def test_a_sum_whose_first_term_is_negative_keeps_its_sign():
    """-(t*log(y) + (1 - t)*log(1 - y)) once printed as t log(y) - ...: the leading minus lost."""
    from codegen.derivation import Derivation
    from symbolic.spec import parse_spec

    network = parse_spec("input x\ntarget t\nparam w\nz = w*x\ny = 1/(1 + exp(-z))\n"
                         "loss = -(t*log(y) + (1 - t)*log(1 - y))\n", "bce.net")
    tex = Derivation(network).latex()
    line = next(l for l in tex.splitlines() if l.lstrip().startswith("L &="))
    assert line.split("&=")[1].lstrip().startswith("- t")
    assert r"\operatorname{softplus}" in line          # the recognised form beside the written one
