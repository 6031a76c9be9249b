"""The peer suite: gradient cases from other projects' own test files (tests/peer/cases.py),
run as spec -> generated NumPy module -> gradients and checked against 30-digit SymPy ``diff``
of the inlined loss, five-point central differences of the module's own loss, ``gradients_naive``
and the values the sources state.  Singular points follow PyTorch's and autograd's conventions.

Cases the engine gets wrong fail here on purpose (no xfail): they are issue 11's acceptance
test.  ``cd tests && python -m peer.failures`` lists them grouped by cause."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from peer import checks
from peer.cases import CASES, SINGULAR
from peer.checks import PeerFailure, check_case, check_singular, unassigned_names


def test_the_suite_has_enough_cases_each_citing_its_source():
    assert len(CASES) >= 45
    assert len({c.id for c in CASES + SINGULAR}) == len(CASES + SINGULAR)
    for case in CASES + SINGULAR:
        repo, where = case.source.split(", ")[:2]
        assert "/" in repo and ("." in where or "#" in where), case.id
        assert case.points, case.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_peer_case(case):
    check_case(case)


@pytest.mark.parametrize("case", SINGULAR, ids=lambda c: c.id)
def test_singular_point_convention(case):
    """No exception from float arithmetic (parameters are Python floats), and exactly the
    conventional value from both gradients and gradients_naive."""
    check_singular(case)


# -- the checks themselves can fail ----------------------------------------------------------------
def scaled(module, which: str, factor: float):
    """The module with one function's results multiplied by ``factor``."""
    def wrap(fn):
        def scaled_fn(params, data):
            value = fn(params, data)
            if which == "loss":
                return value * factor
            loss, grads = value
            return loss, {k: g * factor for k, g in grads.items()}
        scaled_fn.__name__ = fn.__name__
        return scaled_fn
    functions = {n: getattr(module, n) for n in ("forward", "loss", "gradients", "gradients_naive")}
    target = {"loss": "loss", "gradients": "gradients", "naive": "gradients_naive"}[which]
    functions[target] = wrap(functions[target])
    return SimpleNamespace(__deltaprop_source__=module.__deltaprop_source__, **functions)


@pytest.mark.parametrize("which, factor, case_id, message", [
    ("gradients", 1 + 1e-8, "casadi/hs071", "vs 30-digit SymPy diff"),
    ("naive", 1 + 1e-8, "casadi/hs071", "gradients_naive dL/dx1 vs gradients"),
    ("loss", 1 + 1e-10, "sympy/diff2-exp-x2", "loss() vs 30-digit SymPy"),
    ("gradients", 1 + 1e-6, "optax/sigmoid-bce-builtin", "vs central differences of loss()"),
    ("gradients", -1.0, "singular/relu-at-0", None),
])
def test_the_checks_catch_a_wrong_module(monkeypatch, which, factor, case_id, message):
    case = next(c for c in CASES + SINGULAR if c.id == case_id)
    if case_id.startswith("singular"):  # a convention broken: relu'(0) = 1 instead of 0
        case = SimpleNamespace(**{**case.__dict__, "known": lambda v: {"loss": 0.0, "x": 1.0}})
    real_build = checks.build
    monkeypatch.setattr(checks, "build", lambda c: (lambda n, m: (n, scaled(m, which, factor)))(
        *real_build(c)))
    check = check_singular if case_id.startswith("singular") else check_case
    with pytest.raises(PeerFailure, match=re.escape(message or "(convention)")):
        check(case)


def test_unassigned_names_finds_a_name_read_but_never_assigned():
    # the shape of issue 11's bug: gradients() read the loss L, which only _loss accumulated
    source = ("import numpy as np\nPARAMS = ('a',)\n\n\ndef _params(params):\n"
              "    return [np.float64(params[n]) for n in PARAMS]\n\n\n"
              "def gradients(params, data):\n    a, = _params(params)\n    c0 = np.exp(a)\n"
              "    _loss = np.exp(c0)\n    grad_a = L*c0\n    return float(_loss), {'a': grad_a}\n")
    assert unassigned_names(source) == ["gradients: L"]
    assert unassigned_names(source.replace("_loss = np.exp(c0)", "L = _loss = np.exp(c0)")) == []
