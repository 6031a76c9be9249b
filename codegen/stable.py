"""Rewrites that keep generated code finite: log of a sigmoid becomes a softplus.

``log(sigmoid(a))`` = ``-softplus(-a)`` and ``log(1 - sigmoid(a))`` = ``-softplus(a)``, also
when the sigmoid is a node (``h = sigmoid(z)``, ``L = -t*log(h) - (1 - t)*log(1 - h)``).
Rewriting before differentiating matters: the derivative of ``log(h)`` is ``1/h``, which is
infinite where ``h`` underflows to 0, while that of ``softplus`` is a bounded sigmoid.
"""
from __future__ import annotations

import sympy as sp

from symbolic import Network
from symbolic.functions import sigmoid, softplus


def stabilize(network: Network) -> Network:
    """``network`` with every log-of-sigmoid rewritten (the same object if there is none)."""
    sigmoid_arg = {a.lhs: a.rhs.args[0] for a in network.equations if isinstance(a.rhs, sigmoid)}
    equations = [(a.lhs, _rewrite(a.rhs, sigmoid_arg)) for a in network.equations]
    loss = _rewrite(network.loss, sigmoid_arg)
    if loss == network.loss and all(e[1] == a.rhs for e, a in zip(equations, network.equations)):
        return network
    return Network(network.name, network.inputs, network.targets, network.params, equations, loss,
                   network.latex_names)


def _rewrite(expr: sp.Expr, sigmoid_arg: dict) -> sp.Expr:
    if expr.is_Atom or not expr.has(sp.log):
        return expr
    args = [_rewrite(a, sigmoid_arg) for a in expr.args]
    expr = expr.func(*args) if args != list(expr.args) else expr
    if isinstance(expr, sp.log):
        return _log_of_sigmoid(expr.args[0], sigmoid_arg) or expr
    return expr


def _log_of_sigmoid(arg: sp.Expr, sigmoid_arg: dict):
    inner = _sigmoid_argument(arg, sigmoid_arg)
    if inner is not None:                                   # log σ(a) = -softplus(-a)
        return -softplus(-inner)
    if arg.is_Add and len(arg.args) == 2 and sp.S.One in arg.args:
        other = arg.args[0] if arg.args[1] == 1 else arg.args[1]
        inner = _sigmoid_argument(-other, sigmoid_arg)
        if inner is not None:                               # log(1 - σ(a)) = -softplus(a)
            return -softplus(inner)
    return None


def _sigmoid_argument(expr: sp.Expr, sigmoid_arg: dict):
    if isinstance(expr, sigmoid):
        return expr.args[0]
    return sigmoid_arg.get(expr)
