"""Random valid networks for fuzzing: one description, two renderings (Python Network, spec text).

A description is a list of nodes, each ``f(c1*p1*u1 + c2*p2*u2 + ...)`` or a product/quotient of
earlier nodes, where the ``u`` are any earlier symbols (skip connections, fan-out) and the ``p``
any parameters (shared weights), and a loss: squared error against targets, or without targets
the nodes' sum or a non-linear function of nodes and a parameter (exp, logsumexp, sigmoid,
x**p, a node times a parameter, ...).  Functions are applied where they are defined: log and sqrt
only to positive arguments (``1 + a^2``), exp to a bounded one.  Both renderings are written
independently: the Python one builds SymPy objects, the spec one writes text.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from hypothesis import strategies as st

from symbolic import Network
from symbolic.functions import logsumexp, relu, sigmoid, softplus

#: name -> (SymPy builder, spec template); each wraps the inner sum ``a``.
WRAPPERS = {
    "identity": (lambda a: a, "{a}"),
    "exp": (lambda a: sp.exp(sp.tanh(a)), "exp(tanh({a}))"),
    "gauss": (lambda a: sp.exp(-a**2 / 2), "exp(-({a})^2/2)"),
    "log": (lambda a: sp.log(1 + a**2), "log(1 + ({a})**2)"),
    "sqrt": (lambda a: sp.sqrt(1 + a**2), "sqrt(1 + ({a})^2)"),
    "sin": (lambda a: sp.sin(a), "sin({a})"),
    "cos": (lambda a: sp.cos(a), "cos({a})"),
    "tanh": (lambda a: sp.tanh(a), "tanh({a})"),
    "sigmoid": (lambda a: sigmoid(a), "sigmoid({a})"),
    "relu": (lambda a: relu(a), "relu({a})"),
    "softplus": (lambda a: softplus(a), "softplus({a})"),
    "abs": (lambda a: sp.Abs(a), "abs({a})"),
    "square": (lambda a: a**2, "({a})^2"),
}
#: Valid spec names that are awkward elsewhere: Python builtins and modules, names the
#: generated code or the derivation use themselves, SymPy constants' names, non-ASCII.
AWKWARD_NAMES = ["np", "data", "params", "grads", "float", "sum", "range", "print", "dict", "_n",
                 "_loss", "L", "delta_h1", "grad_w1", "lambda_", "δ1", "δ_2", "Σ", "numpy",
                 "math", "self", "E", "I", "pi", "S", "N", "nan", "inf", "oo", "zoo", "x", "y",
                 "t", "z"]
#: Losses without a target: name -> (SymPy builder(node symbols, parameter), spec template with
#: {s} = the nodes' sum, {a} = the nodes separated by commas, {p} = the parameter).  Non-linear
#: functions of nodes and parameters, whose derivative may reuse the loss's own value.
NONLINEAR_LOSSES = {
    "exp": (lambda ns, p: sp.exp(sp.Add(*ns)), "exp({s})"),
    "times_param": (lambda ns, p: p * sp.Add(*ns), "{p}*({s})"),
    "logsumexp": (lambda ns, p: logsumexp(*ns, p), "logsumexp({a}, {p})"),
    "sigmoid": (lambda ns, p: sigmoid(sp.Add(*ns)), "sigmoid({s})"),
    "power": (lambda ns, p: (1 + sp.Add(*ns) ** 2) ** p, "(1 + ({s})^2)^{p}"),
    "exp_exp": (lambda ns, p: sp.exp(sp.exp(sp.tanh(sp.Add(*ns)))), "exp(exp(tanh({s})))"),
    "product": (lambda ns, p: sp.Mul(*ns) * p, "{m}*{p}"),
}
KINKED = ("relu", "abs")     # not differentiable at 0: points too close to the kink are skipped
COEFFICIENTS = (sp.Integer(1), sp.Integer(2), sp.Integer(-1), sp.Rational(1, 2), sp.Rational(-3, 2))


@dataclass
class Term:
    coeff: object    # a SymPy Rational
    param: int | None
    source: str      # name of an earlier symbol


@dataclass
class Node:
    name: str
    kind: str        # a WRAPPERS key, or "product" / "quotient" of two earlier nodes
    terms: list      # [Term] for wrappers; [Term(1, None, a), Term(1, None, b)] for the others


@dataclass
class Description:
    inputs: list
    targets: list
    params: list
    nodes: list
    loss_nodes: list  # names of the nodes the loss is made of
    loss_kind: str = "squared"  # ½(node − target)² summed, "sum" of nodes, or NONLINEAR_LOSSES
    loss_param: int = 0         # index of the parameter a non-linear loss uses

    # -- Python rendering ------------------------------------------------------------------
    def network(self, name: str = "fuzz") -> Network:
        sym = {n: sp.Symbol(n, real=True) for n in self.inputs + self.targets + self.params}
        equations = []
        for node in self.nodes:
            sym[node.name] = sp.Symbol(node.name, real=True)
            equations.append((sym[node.name], self._node_expr(node, sym)))
        return Network(name, [sym[n] for n in self.inputs], [sym[n] for n in self.targets],
                       [sym[n] for n in self.params], equations, self._loss_expr(sym))

    def _node_expr(self, node: Node, sym: dict) -> sp.Expr:
        if node.kind == "product":
            return sym[node.terms[0].source] * sym[node.terms[1].source]
        if node.kind == "quotient":
            return sym[node.terms[0].source] / (1 + sym[node.terms[1].source] ** 2)
        inner = sp.Add(*[t.coeff * (sym[self.params[t.param]] if t.param is not None else 1)
                         * sym[t.source] for t in node.terms])
        return WRAPPERS[node.kind][0](inner)

    def _loss_expr(self, sym: dict) -> sp.Expr:
        nodes = [sym[n] for n in self.loss_nodes]
        if self.loss_kind in NONLINEAR_LOSSES:
            return NONLINEAR_LOSSES[self.loss_kind][0](nodes, sym[self.params[self.loss_param]])
        if self.loss_kind == "squared":
            targets = [sym[self.targets[i % len(self.targets)]] for i in range(len(nodes))]
            return sp.Add(*[(n - t) ** 2 / 2 for n, t in zip(nodes, targets)])
        return sp.Add(*nodes)

    # -- spec rendering --------------------------------------------------------------------
    def spec(self, style: int = 0) -> str:
        """Spec text; ``style`` varies spacing, power operator, comments and declaration layout."""
        power = "^" if style % 2 else "**"
        sep = " " if style % 3 else ""
        lines = [f"# random network, style {style}"]
        for role, names in (("input", self.inputs), ("target", self.targets),
                            ("param", self.params)):
            if names:
                if style % 4 == 3:
                    lines += [f"{role} {n}" for n in names]
                else:
                    lines.append(f"{role} " + (", " if style % 5 == 1 else " ").join(names))
        for node in self.nodes:
            text = self._node_text(node, sep).replace("**", "\x00").replace("^", "\x00")
            comment = "   # node" if style % 3 == 1 else ""
            lines.append(f"{node.name}{sep}={sep}{text.replace(chr(0), power)}{comment}")
            if style % 4 == 1:
                lines.append("")
        lines.append(f"loss{sep}={sep}{self._loss_text(sep, power)}")
        return "\n".join(lines) + "\n"

    def _node_text(self, node: Node, sep: str) -> str:
        if node.kind in ("product", "quotient"):
            a, b = node.terms[0].source, node.terms[1].source
            if node.kind == "product":
                return f"{a}{sep}*{sep}{b}"
            return f"{a}{sep}/{sep}(1{sep}+{sep}{b}^2)"
        inner = ""
        for i, t in enumerate(node.terms):
            factor = f"{self.params[t.param]}*{t.source}" if t.param is not None else t.source
            text = _coefficient_times(t.coeff, factor)
            if i == 0:
                inner = text
            elif text.startswith("-"):
                inner += f"{sep}-{sep}{text[1:]}"
            else:
                inner += f"{sep}+{sep}{text}"
        return WRAPPERS[node.kind][1].format(a=inner)

    def _loss_text(self, sep: str, power: str) -> str:
        plus = f"{sep}+{sep}"
        if self.loss_kind in NONLINEAR_LOSSES:
            template = NONLINEAR_LOSSES[self.loss_kind][1]
            return template.format(s=plus.join(self.loss_nodes), a=", ".join(self.loss_nodes),
                                   m="*".join(self.loss_nodes), p=self.params[self.loss_param])
        if self.loss_kind == "squared":
            return plus.join(f"({n}{sep}-{sep}{self.targets[i % len(self.targets)]}){power}2/2"
                             for i, n in enumerate(self.loss_nodes))
        return plus.join(self.loss_nodes)


def _coefficient_times(coeff, factor: str) -> str:
    if coeff == 1:
        return factor
    if coeff == -1:
        return f"-{factor}"
    if coeff.is_Integer:
        return f"{coeff}*{factor}"
    sign = "-" if coeff < 0 else ""
    return f"{sign}{abs(coeff.p)}*{factor}/{coeff.q}"


@st.composite
def descriptions(draw, max_nodes: int = 7, nonlinear_losses: bool | str = True) -> Description:
    """Random valid network descriptions (every node depends on a parameter).  Without targets
    the loss is the nodes' sum or, if ``nonlinear_losses``, also a non-linear function of the
    nodes and a parameter (``NONLINEAR_LOSSES``); ``nonlinear_losses="only"`` draws only those,
    and never targets."""
    n_in = draw(st.integers(1, 3))
    n_t = 0 if nonlinear_losses == "only" else draw(st.integers(0, 2))
    n_p = draw(st.integers(1, 4))
    n_nodes = draw(st.integers(1, max_nodes))
    if draw(st.integers(0, 2)) == 0:  # sometimes awkward names throughout
        names = draw(st.permutations(AWKWARD_NAMES))
    else:
        names = ([f"x{i}" for i in range(1, n_in + 1)] + [f"t{i}" for i in range(1, n_t + 1)]
                 + [f"w{i}" for i in range(1, n_p + 1)] + [f"h{k}" for k in range(1, n_nodes + 1)])
    inputs, targets = names[:n_in], names[n_in:n_in + n_t]
    params = names[n_in + n_t:n_in + n_t + n_p]
    node_names = names[n_in + n_t + n_p:]
    nodes: list[Node] = []
    for k in range(1, n_nodes + 1):
        earlier = inputs + [n.name for n in nodes]
        node_sources = [n.name for n in nodes]
        kind = draw(st.sampled_from(list(WRAPPERS) + ["product", "quotient"]))
        if kind in ("product", "quotient") and node_sources:
            a, b = draw(st.sampled_from(node_sources)), draw(st.sampled_from(node_sources))
            nodes.append(Node(node_names[k - 1], kind,
                              [Term(sp.Integer(1), None, a), Term(sp.Integer(1), None, b)]))
            continue
        if kind in ("product", "quotient"):
            kind = "tanh"
        n_terms = draw(st.integers(1, 3))
        terms, seen = [], set()
        for i in range(n_terms):
            source = draw(st.sampled_from(earlier))
            param = draw(st.integers(0, n_p - 1)) if i == 0 else draw(
                st.one_of(st.none(), st.integers(0, n_p - 1)))
            if (source, param) in seen:
                continue
            seen.add((source, param))
            terms.append(Term(draw(st.sampled_from(COEFFICIENTS)), param, source))
        nodes.append(Node(node_names[k - 1], kind, terms))
    others = [n.name for n in nodes[:-1]]
    extra = draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []
    kind, param = _loss_kind(draw, bool(targets), nonlinear_losses), draw(st.integers(0, n_p - 1))
    return Description(inputs, targets, params, nodes, [nodes[-1].name] + extra, kind, param)


def _loss_kind(draw, has_targets: bool, nonlinear_losses) -> str:
    if has_targets:
        return "squared"
    if nonlinear_losses == "only":
        return draw(st.sampled_from(list(NONLINEAR_LOSSES)))
    if nonlinear_losses:
        return draw(st.sampled_from(["sum"] + list(NONLINEAR_LOSSES)))
    return "sum"


def random_values(description: Description, seed: int) -> dict:
    """Inputs and params in ±1.5, targets in ±1 (names -> floats), reproducible from ``seed``."""
    import random

    rng = random.Random(seed)
    values = {n: rng.uniform(-1.5, 1.5) for n in description.inputs + description.params}
    values.update({n: rng.uniform(-1, 1) for n in description.targets})
    return values


def near_kink(network, env: dict, margin: float = 1e-3) -> bool:
    """True when a relu/abs argument is within ``margin`` of 0 at these forward values."""
    from symbolic.evaluate import evaluate

    for a in network.forward:
        for f in a.rhs.atoms(relu, sp.Abs):
            if abs(evaluate(f.args[0], env)) < margin:
                return True
    return False
