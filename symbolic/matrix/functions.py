"""Element-wise activations at the matrix level: their derivatives in terms of ``Apply``.

Derivatives reuse the forward output where they can: sigmoid'(Z) is written with
``Apply("sigmoid", Z)``, which the derivation replaces by the stored node A.
"""
from __future__ import annotations

import sympy as sp

from .ops import Apply, hadamard, ones_like


def _sigmoid_prime(z):
    s = Apply("sigmoid", z)
    return hadamard(s, ones_like(z) - s)


def _tanh_prime(z):
    t = Apply("tanh", z)
    return ones_like(z) - hadamard(t, t)


#: name -> derivative builder f'(Z) as a matrix expression.
ELEMENTWISE = {
    "sigmoid": _sigmoid_prime,
    "tanh": _tanh_prime,
    "relu": lambda z: Apply("step", z),
    "softplus": lambda z: Apply("sigmoid", z),
    "exp": lambda z: Apply("exp", z),
    "step": None,  # derivative of relu; never differentiated itself
}

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "identity")


def activate(name: str, z):
    """f.(Z) for an activation name; identity returns Z itself."""
    return z if name == "identity" else Apply(name, z)


def derivative(name: str, z) -> sp.MatrixExpr:
    rule = ELEMENTWISE.get(name)
    if rule is None:
        raise NotImplementedError(f"no derivative rule for element-wise {name!r}")
    return rule(z)
