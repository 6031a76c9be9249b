"""Hypothesis-drawn matrix specs: small DAGs of matrix operations (fan-out, residuals, tied and
transposed weights, several inputs, with or without a target, parameters in any order),
checked against their scalar twin and central differences; mutated specs never crash."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen import generate_module, load_module
from codegen.check import random_matrix_point
from symbolic.errors import DeltapropError, NetworkWarning
from symbolic.spec import parse_spec
from test_matrix_user import AUTOENCODER, SPEC_CASES, assert_matches_twin

SMOOTH = ("sigmoid", "tanh", "softplus", "sin", "cos", "exp")
KINKED = ("relu", "abs")
POSITIVE = ("log", "sqrt")


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class _Spec:
    """The lines of a spec being drawn: per-sample vectors and parameters with their shapes."""

    def __init__(self, draw):
        self.draw, self.lines, self.params, self.pool = draw, [], {}, []
        self.kinked = False

    def param(self, shape) -> str:
        """An existing parameter of ``shape`` (shared weights) or a new one."""
        same = [n for n, s in self.params.items() if s == shape]
        if same and self.draw(st.booleans()):
            return self.draw(st.sampled_from(same))
        name = f"{'W' if len(shape) == 2 and shape[1] != 1 else 'c' if len(shape) == 2 else 'b'}" \
               f"{len(self.params) + 1}"
        self.params[name] = shape
        return name

    def vector(self):
        return self.draw(st.sampled_from(self.pool))

    def node(self, text: str, size: int) -> None:
        name = f"H{len(self.lines) + 1}"
        self.lines.append(f"{name} = {text}")
        self.pool.append((name, size))

    def dense(self) -> None:
        v, n = self.vector()
        out = self.draw(st.integers(1, 3))
        text = f"{self.param((out, n))} @ {v}"
        if self.draw(st.booleans()):
            text += f" + {self.param((out,))}"
        self.node(text, out)

    def tied(self) -> bool:
        v, n = self.vector()
        rows = [p for p, s in self.params.items() if len(s) == 2 and s[0] == n]
        if not rows:
            return False
        p = self.draw(st.sampled_from(rows))
        self.node(f"{p}.T @ {v}", self.params[p][1])
        return True

    def function(self) -> None:
        v, n = self.vector()
        f = self.draw(st.sampled_from(SMOOTH + KINKED + POSITIVE))
        self.kinked |= f in KINKED
        self.node(f"{f}({v}^2 + 1)" if f in POSITIVE else f"{f}({v})", n)

    def pair(self) -> bool:
        (a, n), (b, m) = self.vector(), self.vector()
        if n != m or a == b:  # a - a is zero: nothing to check
            return False
        op = self.draw(st.sampled_from(["+", "-", "*"]))
        self.node(f"{a} {op} {b}", n)
        return True

    def parameter_expression(self) -> None:
        """A node from parameters alone (vectors, one-column matrices, products), broadcast
        over the batch: 1-D vectors and n × 1 matrices must meet entry by entry."""
        v, n = self.vector()
        column = self.param((n, 1)) if self.draw(st.booleans()) else self.param((n,))
        other = self.param((n,)) if self.draw(st.booleans()) else self.param((n, n))
        piece = self.draw(st.sampled_from([f"{column} * {other}" if "W" not in other else
                                           f"{other} @ {column}", f"sigmoid({column})",
                                           f"{column} * sum({column})"]))
        self.node(f"{v} * ({piece}) + {column}", n)

    def scale(self) -> None:
        v, n = self.vector()
        self.node(self.draw(st.sampled_from([f"0.5*{v} + 1", f"{v}/2 - {v}^2", f"-{v}",
                                             f"{v} * sum({v})"])), n)


@st.composite
def matrix_specs(draw) -> tuple[str, bool]:
    """(spec text, has a kink: relu or abs)."""
    spec = _Spec(draw)
    inputs = [(f"X{i + 1}", draw(st.integers(1, 3))) for i in range(draw(st.integers(1, 2)))]
    spec.pool.extend(inputs)
    spec.dense()
    for _ in range(draw(st.integers(0, 4))):
        step = draw(st.sampled_from(["dense", "tied", "function", "pair", "scale",
                                     "parameter_expression"]))
        getattr(spec, step)()
    last, size = spec.pool[-1]
    target = draw(st.sampled_from(["none", "squared", "softmax-ce"]))
    if target == "softmax-ce" and size < 2:
        target = "squared"  # the softmax of one entry is 1: a loss that is always 0
    if target == "none":
        loss = f"sum({last}^2)/2 + sum({spec.vector()[0]})"
    else:
        loss = (f"sum(({last} - T)^2)/2" if target == "squared"
                else f"logsumexp({last})*sum(T) - sum(T*{last})")
    names = draw(st.permutations(sorted(spec.params)))
    declared = " ".join(n + "[" + ",".join(map(str, spec.params[n])) + "]" for n in names)
    head = [f"input {' '.join(f'{n}[{s}]' for n, s in inputs)}", f"param {declared}"]
    if target != "none":
        head.insert(1, f"target T[{size}]")
    return "\n".join(head + spec.lines + [f"loss = {loss}"]) + "\n", spec.kinked


def drawn_network(text: str):
    """The drawn spec's network, or None when its loss depends on no parameter (a drawn
    parameter may also miss the loss: that warning is silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        try:
            return parse_spec(text, "drawn.net")
        except DeltapropError as err:
            assert "depends on no parameter" in str(err), text
            return None


@fuzz(40)
@given(matrix_specs())
def test_drawn_matrix_specs_match_their_scalar_twin_and_central_differences(drawn):
    text, kinked = drawn
    network = drawn_network(text)
    if network is None:
        return
    module = assert_matches_twin(network, batch=3, positive=True)
    if not kinked:
        assert_central_differences(module)


def assert_central_differences(module, batch=8, step=1e-5):
    """Along random directions, (L(p + hd) − L(p − hd))/2h ≈ ⟨∇L, d⟩, absolutely to round-off
    of the loss (a drawn network can have a stationary point, where relative errors mean
    nothing)."""
    params, data = random_matrix_point(module, batch, 5)
    loss, grads = module.gradients(params, data)
    rng = np.random.default_rng(0)
    for _ in range(4):
        d = {k: rng.normal(size=np.shape(v)) for k, v in params.items()}
        shifted = lambda s: {k: v + s * step * d[k] for k, v in params.items()}  # noqa: E731
        fd = (module.loss(shifted(1), data) - module.loss(shifted(-1), data)) / (2 * step)
        exact = sum(float(np.sum(grads[k] * d[k])) for k in params)
        assert abs(fd - exact) <= 1e-6 * (1 + abs(float(loss)) + abs(exact)), (fd, exact)


MUTATION_CHARS = "[]@.T()^,*+-/ 0123abXWH#\n="
SEEDS = [AUTOENCODER] + [SPEC_CASES[k] for k in sorted(SPEC_CASES)]


@st.composite
def mutated_specs(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from(MUTATION_CHARS))
        if kind == "insert":
            text = text[:i] + char + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i] + char + text[i + 1:]
    return text


@fuzz(150)
@given(mutated_specs())
def test_mutated_matrix_specs_give_a_located_error_or_a_network_never_a_crash(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NetworkWarning)
        try:
            network = parse_spec(text, "mutant.net")
        except DeltapropError as err:
            first = str(err).splitlines()[0]
            assert first.startswith("mutant.net:") or "mutant" in first, first
            return
    generate_module(network)  # whatever parses also generates


@pytest.mark.parametrize("name", sorted(SPEC_CASES))
def test_generated_code_is_deterministic(name):
    first = generate_module(parse_spec(SPEC_CASES[name], f"{name}.net"))
    assert first == generate_module(parse_spec(SPEC_CASES[name], f"{name}.net"))
    load_module(first)
