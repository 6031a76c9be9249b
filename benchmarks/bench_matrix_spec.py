"""A matrix network declared in a .net spec against the same network from ``layers:``.

784-256-128-10, relu, softmax cross-entropy written out in the spec in the two ways users write
it (``loss = logsumexp(Z3)*sum(T) - sum(T*Z3)``, and ``Y = softmax(Z3)`` with
``loss = -sum(T*log(Y))``) against ``layers:784-256-128-10:relu:softmax-ce`` (fused softmax +
cross-entropy).  Prints:

- whether each spec's generated ``gradients`` is the ``layers:`` one modulo the names of nodes;
- time to read and generate each module, warm (median of 7 in this process, alternating) and
  cold (the first generation in a fresh Python process, median of 3), and the δ sweep alone;
- one training step (loss and every gradient, float32) of each generated module and of
  hand-written NumPy (``bench_matrix.hand_written``) at batch 64 and 1024, medians in
  alternating blocks, also with one BLAS thread (threadpoolctl).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_matrix_spec.py
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

from bench_matrix import (BATCHES, SPEC, blas_info, hand_written, interleaved_medians,  # noqa: E402
                          problem)
from codegen import generate_module, load_module  # noqa: E402
from symbolic import derive  # noqa: E402
from symbolic.matrix import parse_layers  # noqa: E402
from symbolic.spec import parse_spec  # noqa: E402

SPECS = {"spec lse*sum(T)": SPEC,
         "spec -sum(T*log Y)": SPEC.replace("loss = logsumexp(Z3)*sum(T) - sum(T*Z3)",
                                            "Y = softmax(Z3)\nloss = -sum(T*log(Y))")}
LAYERS = "layers:784-256-128-10:relu:softmax-ce"
BUILDERS = {"layers:": (parse_layers, (LAYERS,)),
            **{name: (parse_spec, (text, "mlp.net")) for name, text in SPECS.items()}}


def build(name: str):
    """The network ``name`` read from its text (``layers:`` name or spec)."""
    function, args = BUILDERS[name]
    return function(*args)


def canonical_gradients(source: str) -> str:
    """``gradients`` without comments, the names it assigns replaced by v0, v1, ..."""
    start = source.index("def gradients(")
    body = source[start:source.index("\ndef ", start + 1)]
    body = "\n".join(line.split("  # ")[0].rstrip() for line in body.splitlines())
    assigned = []
    for targets in re.findall(r"^\s+([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) \+?= ", body, re.M):
        assigned += [n for n in targets.split(", ") if n not in assigned]
    for k, name in enumerate(assigned):
        body = re.sub(rf"\b{name}\b(?!')", f"v{k}", body)
    return body


def warm_times(rounds: int = 7) -> dict:
    """{name: (median s read + generate, of reading alone, of the δ sweep alone)}, alternating."""
    total, read, sweep = ({name: [] for name in BUILDERS} for _ in range(3))
    for _ in range(rounds):
        for name in BUILDERS:
            start = time.perf_counter()
            generate_module(build(name))
            total[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            network = build(name)
            read[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            derive(network)
            sweep[name].append(time.perf_counter() - start)
    return {n: tuple(statistics.median(ts[n]) for ts in (total, read, sweep)) for n in BUILDERS}


def cold_times(rounds: int = 3) -> dict:
    """{name: median s of the first read + generate in a fresh process}, alternating."""
    times = {name: [] for name in BUILDERS}
    for _ in range(rounds):
        for name in BUILDERS:
            child = (f"import sys, time; sys.path[:0] = {[HERE, os.path.dirname(HERE)]!r}; "
                     "from bench_matrix_spec import build; from codegen import generate_module; "
                     f"s = time.perf_counter(); generate_module(build({name!r})); "
                     "print(time.perf_counter() - s)")
            out = subprocess.run([sys.executable, "-c", child], check=True, capture_output=True,
                                 text=True).stdout
            times[name].append(float(out.split()[-1]))
    return {name: statistics.median(ts) for name, ts in times.items()}


def step_times(modules: dict, batch: int) -> dict:
    params, x, t = problem(batch, modules["layers:"].SHAPES)
    data = {"X": x, "T": t}
    reference = hand_written(params, x, t)[1]
    for module in modules.values():
        grads = module.gradients(params, data)[1]
        assert all(np.allclose(grads[k], reference[k], rtol=1e-3, atol=1e-5) for k in reference)
    functions = {"hand-written": lambda: hand_written(params, x, t),
                 **{name: (lambda m=m: m.gradients(params, data)) for name, m in modules.items()}}
    return interleaved_medians(functions, repeats=1000 if batch < 512 else 100, rounds=20)


def print_steps(label: str, medians: dict, batch: int) -> None:
    for name, seconds in medians.items():
        print(f"{batch:>5} {label:<8} {name:<20}{seconds * 1e3:>9.3f}"
              f"{seconds / medians['hand-written']:>8.2f}x{seconds / medians['layers:']:>10.2f}x")


def main() -> None:
    from threadpoolctl import threadpool_limits

    print(f"NumPy {np.__version__}; BLAS: {blas_info()}")
    sources = {name: generate_module(build(name)) for name in BUILDERS}
    for name in SPECS:
        same = canonical_gradients(sources[name]) == canonical_gradients(sources["layers:"])
        print(f"{name}: gradients() is the layers: one modulo names: {'yes' if same else 'NO'}")
    warm, cold = warm_times(), cold_times()
    print("read + generate       warm median ms  vs layers:  cold median ms  vs layers:"
          "  read alone ms  δ sweep ms  vs layers:")
    for name, (seconds, read, sweep) in warm.items():
        print(f"{name:<22}{seconds * 1e3:>15.1f}{seconds / warm['layers:'][0]:>11.2f}x"
              f"{cold[name] * 1e3:>16.1f}{cold[name] / cold['layers:']:>11.2f}x"
              f"{read * 1e3:>15.2f}{sweep * 1e3:>12.2f}{sweep / warm['layers:'][2]:>11.2f}x")
    modules = {name: load_module(source) for name, source in sources.items()}
    print("batch BLAS     implementation       median ms  vs hand  vs layers:")
    for batch in BATCHES:
        print_steps("default", step_times(modules, batch), batch)
    with threadpool_limits(1, user_api="blas"):
        print_steps("1 thread", step_times(modules, BATCHES[-1]), BATCHES[-1])


if __name__ == "__main__":
    main()
