"""What the generated matrix modules' shape checks cost: one ``gradients`` step of
layers:784-256-128-10:relu:softmax-ce, float32, as generated (``_checked``: every array against
SHAPES / DATA_SHAPES) and the same module with only the name checks of before (``_require``),
timed side by side in alternating rounds; medians and their ratio.  Run with:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_shape_checks.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from codegen import generate_module, load_module  # noqa: E402
from symbolic.matrix import parse_layers  # noqa: E402

CHECKED = "    params, data = _checked(params, data)\n"
NAMES_ONLY = ('    _require(params, PARAMS, "params")\n'
              '    _require(data, INPUTS + TARGETS, "data")\n')
#: batch -> (alternating rounds, calls per round)
ROUNDS = {64: (20, 200), 1024: (10, 20)}


def modules():
    """(checked module, the same with name checks only)."""
    source = generate_module(parse_layers("layers:784-256-128-10:relu:softmax-ce"))
    assert CHECKED in source
    return load_module(source), load_module(source.replace(CHECKED, NAMES_ONLY))


def step_time(module, params, data, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        module.gradients(params, data)
    return (time.perf_counter() - start) / calls


def main() -> None:
    checked, names_only = modules()
    params = checked.init_params(0)
    rng = np.random.default_rng(0)
    print(" batch  checked ms  names only ms  ratio")
    for batch, (rounds, calls) in ROUNDS.items():
        data = {"X": rng.normal(size=(batch, 784)).astype(np.float32),
                "T": np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]}
        times = {checked: [], names_only: []}
        for _ in range(rounds):
            for module in ((checked, names_only) if len(times[checked]) % 2 else (names_only, checked)):
                times[module].append(step_time(module, params, data, calls))
        a, b = (statistics.median(times[m]) * 1e3 for m in (checked, names_only))
        print(f"{batch:6d} {a:11.3f} {b:14.3f} {a / b:6.3f}x")


if __name__ == "__main__":
    main()
