"""Training data: the seeds' worked points and scikit-learn's bundled handwritten digits."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symbolic.errors import DeltapropError

DATA_HINT = "pip install 'deltaprop[data]' (or: pip install scikit-learn)"


@dataclass
class Dataset:
    """``train``/``test`` map data names to arrays whose first axis is the sample."""

    name: str
    train: dict
    test: dict
    labels_key: str | None = None  # one-hot target name, for accuracy


def seed_point(network, point: dict) -> Dataset:
    """One sample: the inputs and targets of a seed example's worked point (scalar modules)."""
    names = [s.name for s in tuple(network.inputs) + tuple(network.targets)]
    missing = [n for n in names if n not in point]
    if missing:
        raise DeltapropError(f"{network.name}: the worked point gives no value for {missing[0]}")
    data = {n: np.array([float(point[n])]) for n in names}
    return Dataset(f"{network.name} worked point", data, data)


def digits(test_fraction: float = 0.2, seed: int = 0, dtype=np.float32) -> Dataset:
    """8×8 handwritten digits (1,797 images shipped inside scikit-learn; no download).

    x is pixel/16 (batch × 64), t one-hot (batch × 10); a seeded shuffle holds out the test part.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DeltapropError(f"--data digits needs scikit-learn, which is not installed: "
                             f"{DATA_HINT}") from None
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(dtype)
    t = np.eye(10, dtype=dtype)[bunch.target]
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits (scikit-learn)", {"x": x[train], "t": t[train]},
                   {"x": x[test], "t": t[test]}, labels_key="t")
