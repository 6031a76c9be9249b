"""The training loop: epochs of full-batch, mini-batch or stochastic updates on a module."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class History:
    """Mean training loss of each epoch (mean of its mini-batch losses)."""

    losses: list = field(default_factory=list)

    def csv(self) -> str:
        return "epoch,loss\n" + "".join(f"{i},{v:.9g}\n" for i, v in enumerate(self.losses, 1))


def batches(n: int, batch_size: int, rng) -> list:
    """Index arrays covering a shuffled epoch; ``batch_size`` 0 (or ≥ n) is the full batch."""
    if batch_size <= 0 or batch_size >= n:
        return [np.arange(n)]
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train(module, params: dict, data: dict, optimizer, epochs: int, batch_size: int = 0,
          seed: int = 0, progress=None) -> History:
    """Update ``params`` in place; ``progress(epoch, epochs, loss)`` is called after each epoch."""
    rng = np.random.default_rng(seed)
    n = len(next(iter(data.values())))
    history = History()
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for index in batches(n, batch_size, rng):
            part = {k: v[index] for k, v in data.items()}
            value, grads = module.gradients(params, part)
            optimizer.step(params, grads)
            total += float(value) * len(index)
            count += len(index)
        history.losses.append(total / count)
        if progress:
            progress(epoch, epochs, history.losses[-1])
    return history


class ProgressBar:
    """A plain-text bar with the running loss on stderr; redrawn in place on a terminal."""

    WIDTH = 30

    def __init__(self, stream=None, lines: int = 20):
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.lines, self.start = lines, time.perf_counter()

    def __call__(self, epoch: int, epochs: int, loss: float) -> None:
        every = max(1, epochs // self.lines)
        if not self.tty and epoch % every and epoch != epochs:
            return
        filled = self.WIDTH * epoch // epochs
        bar = "#" * filled + "." * (self.WIDTH - filled)
        text = (f"epoch {epoch:>{len(str(epochs))}}/{epochs} [{bar}] loss {loss:.6g} "
                f"({time.perf_counter() - self.start:.1f} s)")
        end = "\n" if (not self.tty or epoch == epochs) else ""
        self.stream.write(("\r" if self.tty else "") + text + end)
        self.stream.flush()


def accuracy(module, params: dict, data: dict, target_key: str) -> float:
    """Fraction of samples whose largest output is the one-hot target's class."""
    nodes = module.forward(params, data)
    output = nodes[module.NODES[-1]]
    return float(np.mean(output.argmax(axis=1) == data[target_key].argmax(axis=1)))
