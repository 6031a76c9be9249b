"""Parameter updates on a dict of arrays: plain/momentum gradient descent and Adam."""
from __future__ import annotations

import numpy as np


class GradientDescent:
    """p ← p − η g, or with momentum μ: v ← μ v + g, p ← p − η v."""

    def __init__(self, lr: float, momentum: float = 0.0):
        self.lr, self.momentum, self.velocity = lr, momentum, {}

    def step(self, params: dict, grads: dict) -> None:
        for name, g in grads.items():
            if self.momentum:
                v = self.velocity.get(name, 0) * self.momentum + g
                self.velocity[name] = v
                g = v
            params[name] = params[name] - self.lr * g


class Adam:
    """Adam (Kingma & Ba 2015) with bias-corrected first and second moments."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
        for name, g in grads.items():
            m = self.beta1 * self.m.get(name, 0) + (1 - self.beta1) * g
            v = self.beta2 * self.v.get(name, 0) + (1 - self.beta2) * g * g
            self.m[name], self.v[name] = m, v
            update = self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
            params[name] = (params[name] - update).astype(np.asarray(params[name]).dtype)


OPTIMIZERS = ("sgd", "momentum", "adam")


def make_optimizer(name: str, lr: float, momentum: float = 0.9):
    if name == "adam":
        return Adam(lr)
    return GradientDescent(lr, momentum if name == "momentum" else 0.0)
