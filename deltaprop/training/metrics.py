"""Accuracy, where the targets are classes: one-hot rows, or a single target of 0s and 1s.

The predicted class of a sample is the class whose target would give the smallest per-sample
loss.  For squared error and softmax cross-entropy on one-hot targets that is the largest
output (logit); for a single 0/1 target with a sigmoid output (squared error or BCE) it is
"output > 0.5", and for cross-entropy on a logit z "z > 0".  Scalar modules are asked directly
(their ``forward`` returns the per-sample loss), matrix modules by ``sample_losses`` (the
per-sample losses without the terms the same for every sample, which cannot change the
choice); a matrix module without it (written before it existed, or a loss that is not a sum of
batch means) or with several targets reads its last node (argmax, or > 0.5 for one unit).
"""
from __future__ import annotations

import numpy as np


def target_table(data: dict, target_keys) -> np.ndarray:
    """The targets as one N × k table (scalar targets side by side, or the target matrix)."""
    return np.column_stack([data[k] for k in target_keys])


def are_classes(targets: np.ndarray) -> bool:
    """One-hot rows (two or more columns), or one column of 0s and 1s."""
    if not np.isin(targets, (0, 1)).all():
        return False
    return targets.shape[1] == 1 or bool((targets.sum(axis=1) == 1).all())


def true_classes(targets: np.ndarray) -> np.ndarray:
    return targets[:, 0].astype(int) if targets.shape[1] == 1 else targets.argmax(axis=1)


def accuracy(module, params: dict, data: dict, loss_name: str) -> float:
    """Fraction of samples whose predicted class is the target's class."""
    targets = target_table(data, module.TARGETS)
    if hasattr(module, "sample_losses") and len(module.TARGETS) == 1:
        predicted = _least_sample_loss(module, params, data, targets.shape[1])
    elif hasattr(module, "SHAPES"):
        predicted = _largest_output(module, params, data, targets.shape[1])
    else:
        predicted = _smallest_loss(module, params, data, loss_name, targets.shape[1])
    return float(np.mean(predicted == true_classes(targets)))


def _largest_output(module, params, data, classes: int) -> np.ndarray:
    output = module.forward(params, data)[module.NODES[-1]]
    return (output[:, 0] > 0.5).astype(int) if classes == 1 else output.argmax(axis=1)


def _least_sample_loss(module, params, data, classes: int) -> np.ndarray:
    """Per sample, the class whose target row (0 or 1 for one unit, else one-hot) gives the
    matrix module's least per-sample loss."""
    (name,) = module.TARGETS
    n, dtype = len(data[name]), np.asarray(data[name]).dtype
    losses = []
    for candidate in _candidates(classes):
        trial = {**data, name: np.tile(np.asarray(candidate, dtype=dtype), (n, 1))}
        with np.errstate(all="ignore"):
            losses.append(module.sample_losses(params, trial))
    table = np.array(losses)
    return np.where(np.isnan(table), np.inf, table).argmin(axis=0)


def _smallest_loss(module, params, data, loss_name: str, classes: int) -> np.ndarray:
    """Per sample, the class whose one-hot target (or 0/1 for one target) has the least loss."""
    n = len(data[module.TARGETS[0]])
    losses = []
    for candidate in _candidates(classes):
        trial = dict(data)
        trial.update({k: np.full(n, v, dtype=float) for k, v in zip(module.TARGETS, candidate)})
        with np.errstate(all="ignore"):
            losses.append(module.forward(params, trial)[loss_name])
    table = np.array(losses)
    return np.where(np.isnan(table), np.inf, table).argmin(axis=0)


def _candidates(classes: int) -> list:
    """Target rows to try: 0 and 1 for one target, else the one-hot rows e_1 ... e_k."""
    if classes == 1:
        return [(0.0,), (1.0,)]
    return [tuple(np.eye(classes)[j]) for j in range(classes)]
