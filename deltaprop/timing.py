"""Median run time of the generated ``gradients`` and ``gradients_naive`` at a batch size.

Needs the code generator (``codegen.load_module(network)``); without it, or when it
refuses a network (naive code too large), the result says so instead of a time.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from symbolic.errors import DeltapropError

FUNCTIONS = ("gradients", "gradients_naive")
MIN_REPEAT_SECONDS = 0.02


def time_gradients(network, batch: int, repeats: int = 7, seed: int = 0) -> dict:
    """``{"batch", "repeats", "gradients", "gradients_naive", "naive_over_delta", "note"}``.

    The generated functions take ``(params, data)`` and return ``(loss, {param: gradient})``.

    Times are median seconds per call (None when not measured); both functions are
    checked to agree on the data before they are timed.
    """
    result = {"batch": batch, "repeats": repeats, "gradients": None, "gradients_naive": None,
              "naive_over_delta": None, "note": ""}
    if batch <= 0:
        return {**result, "note": "not measured (--batch 0)"}
    module, why = _generated_module(network)
    if module is None:
        return {**result, "note": why}
    params, data = random_point(network, module, batch, seed)
    note = f"median of {repeats} repeats per call, generated NumPy code"
    try:
        _check_agreement(module, params, data)
    except NotImplementedError as err:  # the generator refused the naive code: too many paths
        return {**result, "gradients": median_seconds(module.gradients, params, data, repeats),
                "note": f"{note}; gradients_naive not measured: {err}"}
    except DeltapropError as err:
        return {**result, "note": str(err)}
    for name in FUNCTIONS:
        result[name] = median_seconds(getattr(module, name), params, data, repeats)
    result["naive_over_delta"] = result["gradients_naive"] / result["gradients"]
    return {**result, "note": note}


def random_point(network, module, batch: int, seed: int = 0) -> tuple[dict, dict]:
    """Parameters ~ N(0, 0.5²) and a batch of inputs ~ N(0, 1), targets ~ U(0, 1): floats for
    a scalar network, float64 arrays of the declared shapes for a matrix module (``SHAPES``)."""
    if hasattr(module, "SHAPES"):
        from codegen.check import random_matrix_point

        return random_matrix_point(module, batch, seed)
    rng = np.random.default_rng(seed)
    params = {p.name: float(rng.normal(0.0, 0.5)) for p in network.params}
    data = {s.name: rng.normal(0.0, 1.0, batch) for s in network.inputs}
    data.update({s.name: rng.uniform(0.0, 1.0, batch) for s in network.targets})
    return params, data


def median_seconds(func, params: dict, data: dict, repeats: int) -> float:
    """Median over ``repeats`` of the time per call, each repeat at least 20 ms long."""
    calls = 1
    while True:
        elapsed = _time_calls(func, params, data, calls)
        if elapsed >= MIN_REPEAT_SECONDS or calls >= 1 << 16:
            break
        calls *= 2
    samples = [elapsed / calls] + [_time_calls(func, params, data, calls) / calls
                                   for _ in range(repeats - 1)]
    return statistics.median(samples)


def _time_calls(func, params, data, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        func(params, data)
    return time.perf_counter() - start


def _generated_module(network):
    try:
        from codegen import load_module
    except ImportError as err:
        return None, f"not measured: code generation unavailable ({err})"
    try:
        return load_module(network), ""
    except (DeltapropError, MemoryError, RecursionError) as err:
        return None, f"not measured: code generation failed ({err})"


def _check_agreement(module, params, data) -> None:
    """Both functions return (loss, {param name: gradient}) and must agree closely."""
    (loss, delta), (naive_loss, naive) = (module.gradients(params, data),
                                          module.gradients_naive(params, data))
    if not np.allclose(loss, naive_loss, rtol=1e-9, atol=1e-12):
        raise DeltapropError("not measured: gradients and gradients_naive disagree on the loss")
    for name in delta:
        if not np.allclose(delta[name], naive[name], rtol=1e-7, atol=1e-10):
            raise DeltapropError(f"not measured: gradients and gradients_naive disagree on {name}")
