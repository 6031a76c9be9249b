"""The training loop: epochs of full-batch, mini-batch or stochastic updates on a module."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np


#: A training loss this many times its start counts as divergence (as does a non-finite one).
DIVERGENCE_FACTOR = 1e6


class Diverged(Exception):
    """Training stopped: the loss became non-finite or grew DIVERGENCE_FACTOR times its start."""

    def __init__(self, epoch: int, loss: float, start: float):
        super().__init__(epoch, loss, start)
        self.epoch, self.loss, self.start = epoch, loss, start

    def __str__(self) -> str:
        if self.epoch == 0:
            return f"the loss at the starting parameters is {self.loss:g}, not a finite number"
        if not np.isfinite(self.loss):
            return (f"training diverged in epoch {self.epoch}: the loss is {self.loss:g} (it "
                    f"started at {self.start:.6g})")
        return (f"training diverged in epoch {self.epoch}: the loss {self.loss:.6g} is over "
                f"{DIVERGENCE_FACTOR:,.0f} times its start {self.start:.6g}")


@dataclass
class History:
    """Mean training loss of each epoch (mean of its mini-batch losses), the validation loss
    after each epoch when there is a validation set, and the full training loss before/after."""

    losses: list = field(default_factory=list)
    validation: list = field(default_factory=list)
    start: float = float("nan")
    final: float = float("nan")

    def csv(self) -> str:
        if not self.validation:
            return "epoch,loss\n" + "".join(f"{i},{v:.9g}\n" for i, v in enumerate(self.losses, 1))
        rows = zip(range(1, len(self.losses) + 1), self.losses, self.validation)
        return "epoch,loss,validation_loss\n" + "".join(f"{i},{v:.9g},{w:.9g}\n" for i, v, w in rows)


def batches(n: int, batch_size: int, rng) -> list:
    """Index arrays covering a shuffled epoch; ``batch_size`` 0 (or ≥ n) is the full batch."""
    if batch_size <= 0 or batch_size >= n:
        return [np.arange(n)]
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train(module, params: dict, data: dict, optimizer, epochs: int, batch_size: int = 0,
          seed: int = 0, progress=None, validation: dict | None = None) -> History:
    """Update ``params`` in place; ``progress(epoch, epochs, loss, validation_loss)`` is called
    after each epoch.  Raises ``Diverged`` (``params`` then hold the last update)."""
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):   # overflow while diverging: reported as Diverged
        history = History(start=float(module.loss(params, data)))
        _check(history.start, history.start, 0)
        for epoch in range(1, epochs + 1):
            history.losses.append(_epoch(module, params, data, optimizer, batch_size, rng,
                                         history.start, epoch))
            _check(history.losses[-1], history.start, epoch)
            if validation:
                history.validation.append(float(module.loss(params, validation)))
            if progress:
                progress(epoch, epochs, history.losses[-1],
                         history.validation[-1] if validation else None)
        history.final = float(module.loss(params, data))
    _check(history.final, history.start, epochs)
    return history


def _epoch(module, params, data, optimizer, batch_size, rng, start, epoch) -> float:
    """One pass over the data; the mean of the mini-batch losses (before each update)."""
    n = len(next(iter(data.values())))
    total = 0.0
    for index in batches(n, batch_size, rng):
        part = {k: v[index] for k, v in data.items()}
        value, grads = module.gradients(params, part)
        if not np.isfinite(value):
            raise Diverged(epoch, float(value), start)
        optimizer.step(params, grads)
        total += float(value) * len(index)
    return total / n


def _check(loss: float, start: float, epoch: int) -> None:
    if not np.isfinite(loss) or (start > 0 and loss > DIVERGENCE_FACTOR * start):
        raise Diverged(epoch, loss, start)


class ProgressBar:
    """A plain-text bar with the running loss on stderr; redrawn in place on a terminal."""

    WIDTH = 30

    def __init__(self, stream=None, lines: int = 20):
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.lines, self.start = lines, time.perf_counter()
        self.open = False

    def __call__(self, epoch: int, epochs: int, loss: float, validation: float | None = None) -> None:
        every = max(1, epochs // self.lines)
        if not self.tty and epoch % every and epoch != epochs:
            return
        filled = self.WIDTH * epoch // epochs
        bar = "#" * filled + "." * (self.WIDTH - filled)
        held_out = "" if validation is None else f", validation {validation:.6g}"
        text = (f"epoch {epoch:>{len(str(epochs))}}/{epochs} [{bar}] loss {loss:.6g}{held_out} "
                f"({time.perf_counter() - self.start:.1f} s)")
        self.open = self.tty and epoch != epochs
        self.stream.write(("\r" if self.tty else "") + text + ("" if self.open else "\n"))
        self.stream.flush()

    def close(self) -> None:
        """End a line left open on a terminal (before an error message)."""
        if self.open:
            self.stream.write("\n")
            self.open = False
