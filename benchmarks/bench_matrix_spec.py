"""A matrix network declared in a .net spec against the same network from ``layers:``.

784-256-128-10, relu, softmax cross-entropy written out in the spec
(``loss = logsumexp(Z3)*sum(T) - sum(T*Z3)``) against ``layers:784-256-128-10:relu:softmax-ce``
(fused softmax + cross-entropy): time to read and generate the module (median of 5, alternating),
and one training step (loss and every gradient, float32) of each generated module and of
hand-written NumPy at batch 64 and 1024 (medians, alternating blocks, as bench_matrix.py).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_matrix_spec.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench_matrix import BATCHES, blas_info, hand_written, interleaved_medians, problem  # noqa: E402
from codegen import generate_module, load_module  # noqa: E402
from symbolic.matrix import parse_layers  # noqa: E402
from symbolic.spec import parse_spec  # noqa: E402

SPEC = """\
input X[784]
target T[10]
param W1[256,784] b1[256] W2[128,256] b2[128] W3[10,128] b3[10]
A1 = relu(W1 @ X + b1)
A2 = relu(W2 @ A1 + b2)
Z3 = W3 @ A2 + b3
loss = logsumexp(Z3)*sum(T) - sum(T*Z3)
"""
BUILDERS = {"layers:": lambda: parse_layers("layers:784-256-128-10:relu:softmax-ce"),
            ".net spec": lambda: parse_spec(SPEC, "mlp.net")}


def generation_times(rounds: int = 5) -> dict:
    times = {name: [] for name in BUILDERS}
    for _ in range(rounds):
        for name, build in BUILDERS.items():
            start = time.perf_counter()
            generate_module(build())
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    print(f"NumPy {np.__version__}; BLAS: {blas_info()}")
    generated = generation_times()
    print("read + generate   median s   vs layers:")
    for name, seconds in generated.items():
        print(f"{name:<16}{seconds:>10.3f}{seconds / generated['layers:']:>10.2f}x")
    modules = {name: load_module(generate_module(build())) for name, build in BUILDERS.items()}
    print("batch  implementation   median ms  vs hand")
    for batch in BATCHES:
        params, x, t = problem(batch, modules["layers:"].SHAPES)
        data = {"X": x, "T": t}
        reference = modules["layers:"].gradients(params, data)[1]
        spec_grads = modules[".net spec"].gradients(params, data)[1]
        assert all(np.allclose(spec_grads[k], reference[k], rtol=1e-3, atol=1e-5) for k in reference)
        functions = {"hand-written": lambda: hand_written(params, x, t),
                     "layers:": lambda: modules["layers:"].gradients(params, data),
                     ".net spec": lambda: modules[".net spec"].gradients(params, data)}
        medians = interleaved_medians(functions, repeats=20 if batch < 512 else 5)
        for name, seconds in medians.items():
            print(f"{batch:>5}  {name:<16}{seconds * 1e3:>10.3f}{seconds / medians['hand-written']:>8.2f}x")


if __name__ == "__main__":
    main()
