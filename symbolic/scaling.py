"""Scaling sweep: the comparison on builder MLPs of growing depth and width.

Depth d and width w give the MLP w-w-...-w-1 with d weight layers (d - 1 hidden layers
of w units, w inputs, one output): naive costs grow exponentially with d, δ linearly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .builders import mlp
from .compare import Comparison, compare
from .from_scratch import ScratchLimits


@dataclass(frozen=True)
class SweepPoint:
    depth: int
    width: int
    comparison: Comparison

    def as_dict(self) -> dict:
        return {"depth": self.depth, "width": self.width, **self.comparison.as_dict()}


def sweep_sizes(depth: int, width: int) -> list[int]:
    """Layer sizes of the sweep network of ``depth`` weight layers and ``width`` units."""
    return [width] * depth + [1]


def sweep(depths: Sequence[int], widths: Sequence[int], activation: str = "sigmoid",
          loss: str = "squared", limits: ScratchLimits = ScratchLimits()) -> list[SweepPoint]:
    """One comparison per (width, depth), widths outer, depths inner."""
    return [SweepPoint(d, w, compare(mlp(sweep_sizes(d, w), activation, loss), limits))
            for w in widths for d in depths]
