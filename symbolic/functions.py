"""Activation functions as SymPy functions whose derivatives reuse their own output.

``sigmoid'(z) = sigmoid(z)(1 - sigmoid(z))``: once the forward pass has stored
``h = sigmoid(z)``, the derivative costs two operations and no exponential.
"""
from __future__ import annotations

import math

import sympy as sp


class sigmoid(sp.Function):
    """Logistic function 1 / (1 + exp(-z))."""

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.S.Half

    def fdiff(self, argindex=1):
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)


class softplus(sp.Function):
    """Smooth ReLU log(1 + exp(z)); its derivative is sigmoid(z)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return sp.log(1 + sp.exp(arg))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.log)._eval_evalf(prec)


class relu(sp.Function):
    """Rectified linear unit max(0, z); derivative 1 for z > 0, else 0."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, arg, **kwargs):
        return sp.Max(0, arg)

    def _eval_evalf(self, prec):
        return self.rewrite(sp.Max)._eval_evalf(prec)


class logsumexp(sp.Function):
    """log(exp(z1) + ... + exp(zk)); the softmax normaliser, printed stably."""

    def fdiff(self, argindex=1):
        return sp.exp(self.args[argindex - 1] - self)

    def _eval_rewrite_as_log(self, *args, **kwargs):
        return sp.log(sp.Add(*[sp.exp(a) for a in args]))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.log)._eval_evalf(prec)


def _stable_sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _stable_softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _stable_logsumexp(*zs: float) -> float:
    m = max(zs)
    return m + math.log(sum(math.exp(z - m) for z in zs))


#: Float implementations used by the numeric evaluator (``symbolic.evaluate``).
FLOAT_IMPLEMENTATIONS = {
    sigmoid: _stable_sigmoid,
    softplus: _stable_softplus,
    relu: lambda z: max(z, 0.0),
    logsumexp: _stable_logsumexp,
}

ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
    "relu": relu,
    "softplus": softplus,
    "identity": lambda z: z,
}
