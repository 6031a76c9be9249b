"""The peer suite: gradient cases from other projects' own test files (tests/peer/cases.py),
run as spec -> generated NumPy module -> gradients and checked against 30-digit SymPy ``diff``
of the inlined loss, five-point central differences of the module's own loss, ``gradients_naive``
and the values the sources state.  Singular points follow PyTorch's and autograd's conventions."""
from __future__ import annotations

import pytest

from peer.cases import CASES, SINGULAR
from peer.checks import check_case, check_singular


def test_the_suite_has_enough_cases_each_citing_its_source():
    assert len(CASES) >= 45
    assert len({c.id for c in CASES}) == len(CASES)
    for case in CASES:
        repo, path = case.source.split(", ")[:2]
        assert "/" in repo and "." in path, case.id


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_peer_case(case):
    check_case(case)


@pytest.mark.parametrize("case", SINGULAR, ids=lambda c: c.id)
def test_singular_point_convention(case):
    """No exception from float arithmetic (parameters are Python floats), and exactly the
    conventional value from both gradients and gradients_naive."""
    check_singular(case)
