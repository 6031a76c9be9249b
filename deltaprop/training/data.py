"""Training data: the seeds' worked points, scikit-learn's bundled digits, a validation split."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symbolic.errors import DeltapropError

DATA_HINT = "pip install 'deltaprop[data]' (or: pip install scikit-learn)"
#: Part of the digits held out for validation unless --validation says otherwise.
DIGITS_VALIDATION = 0.2


@dataclass
class Dataset:
    """``train``/``validation`` map data keys to arrays whose first axis is the sample."""

    name: str
    train: dict
    validation: dict = field(default_factory=dict)
    classes: bool = False       # the targets are classes: report accuracy

    @property
    def sizes(self) -> tuple[int, int]:
        """(training samples, validation samples)."""
        return samples(self.train), samples(self.validation)


def samples(data: dict) -> int:
    return len(next(iter(data.values()))) if data else 0


def seed_point(network, point: dict) -> Dataset:
    """One sample: the inputs and targets of a seed example's worked point (scalar modules)."""
    names = [s.name for s in tuple(network.inputs) + tuple(network.targets)]
    missing = [n for n in names if n not in point]
    if missing:
        raise DeltapropError(f"{network.name}: the worked point gives no value for {missing[0]}")
    data = {n: np.array([float(point[n])]) for n in names}
    return Dataset(f"{network.name} worked point", data)


def digits(validation: float = DIGITS_VALIDATION, seed: int = 0, dtype=np.float32) -> Dataset:
    """8×8 handwritten digits (1,797 images shipped inside scikit-learn; no download).

    x is pixel/16 (batch × 64), t one-hot (batch × 10); ``split`` holds out the validation part.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DeltapropError(f"--data digits needs scikit-learn, which is not installed: "
                             f"{DATA_HINT}") from None
    bunch = load_digits()
    data = {"x": (bunch.data / 16.0).astype(dtype), "t": np.eye(10, dtype=dtype)[bunch.target]}
    train, held_out = split(data, validation, seed)
    return Dataset("digits (scikit-learn)", train, held_out, classes=True)


def split(data: dict, fraction: float, seed: int) -> tuple[dict, dict]:
    """(training part, validation part): N × fraction samples, rounded half up, of a seeded shuffle
    (``numpy.random.default_rng(seed).permutation(N)``, its first ones) are held out."""
    n = samples(data)
    if fraction == 0:
        return data, {}
    held = int(n * fraction + 0.5)
    if held == 0 or held == n:
        what = "no sample" if held == 0 else "every sample, leaving none to train on"
        raise DeltapropError(f"--validation {fraction:g} of {n} sample{'s' * (n != 1)} holds out "
                             f"{what} ({n} x {fraction:g} rounds to {held})")
    order = np.random.default_rng(seed).permutation(n)
    return ({k: v[order[held:]] for k, v in data.items()},
            {k: v[order[:held]] for k, v in data.items()})
