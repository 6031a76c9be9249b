"""One training step (forward + all gradients) of layers:784-256-128-10:relu:softmax-ce, float32.

Generated module (from the ``layers:`` name, and from the same network declared in a .net spec
with the cross-entropy written out, ``SPEC``) vs hand-written NumPy (goal <= 1.0x), PyTorch eager / JAX jit when importable,
and each as a fraction of this machine's measured NumPy float32 matmul rate for the step's
exact FLOPs (layer 1 needs no input gradient).  The rate is the best median among square
products of 512, 1024 and 2048 timed in the same run (other load only lowers it).  Medians
over repeats, timed in alternating blocks with a 150 ms pause before each.  Run with:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_matrix.py
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
from symbolic.spec import parse_spec  # noqa: E402

SIZES = [784, 256, 128, 10]
NETWORK = "layers:784-256-128-10:relu:softmax-ce"
BATCHES = (64, 1024)
#: the same network declared in a .net spec, the cross-entropy written out by hand.
SPEC = """\
input X[784]
target T[10]
param W1[256,784] b1[256] W2[128,256] b2[128] W3[10,128] b3[10]
A1 = relu(W1 @ X + b1)
A2 = relu(W2 @ A1 + b2)
Z3 = W3 @ A2 + b3
loss = logsumexp(Z3)*sum(T) - sum(T*Z3)
"""


def step_flops(batch: int) -> int:
    """Multiply-adds ×2 of the three matmul groups: forward, weight gradients, input gradients."""
    pairs = list(zip(SIZES[:-1], SIZES[1:]))
    forward = sum(2 * batch * a * b for a, b in pairs)
    weight_grads = forward
    input_grads = sum(2 * batch * a * b for a, b in pairs[1:])  # not for layer 1
    return forward + weight_grads + input_grads


def hand_written(p, x, t):
    """The step as one would write it by hand."""
    z1 = x @ p["W1"].T + p["b1"]
    a1 = np.maximum(z1, 0)
    z2 = a1 @ p["W2"].T + p["b2"]
    a2 = np.maximum(z2, 0)
    z3 = a2 @ p["W3"].T + p["b3"]
    m = z3.max(axis=1, keepdims=True)
    e = np.exp(z3 - m)
    s = e.sum(axis=1, keepdims=True)
    loss = (t * (np.log(s) + m - z3)).sum() / x.shape[0]
    d3 = (e / s - t) / x.shape[0]
    d2 = (d3 @ p["W3"]) * (z2 > 0)
    d1 = (d2 @ p["W2"]) * (z1 > 0)
    return loss, {"W1": d1.T @ x, "b1": d1.sum(0), "W2": d2.T @ a1, "b2": d2.sum(0),
                  "W3": d3.T @ a2, "b3": d3.sum(0)}


def interleaved_medians(functions: dict, repeats: int, rounds: int = 5) -> dict:
    """Median seconds per call of each function, timed in alternating blocks (fair under load);
    a 150 ms pause before each block lets the other runtime's threads go idle."""
    times = {name: [] for name in functions}
    for fn in functions.values():
        fn()
    for _ in range(rounds):
        for name, fn in functions.items():
            time.sleep(0.15)
            for _ in range(max(1, repeats // rounds)):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def matmul_block(n: int):
    """A float32 n×n @ n×n product (2·n³ FLOPs)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    return lambda: a @ b


MATMUL_SIZES = (512, 1024, 2048)


def peak_matmul_rate(times: dict) -> tuple[float, int]:
    """The highest rate (FLOP/s) among the square products timed in the same run, and its size."""
    rates = {n: 2 * n ** 3 / times.pop(f"matmul {n}^3") for n in MATMUL_SIZES}
    best = max(rates, key=rates.get)
    return rates[best], best


def torch_step(params, x, t):
    """PyTorch eager: forward, then autograd for every parameter."""
    import torch

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tx, tt = torch.tensor(x), torch.tensor(t)

    def step():
        a = tx
        for l in (1, 2, 3):
            z = a @ tp[f"W{l}"].T + tp[f"b{l}"]
            a = torch.relu(z) if l < 3 else z
        loss = -(tt * torch.log_softmax(a, 1)).sum() / tx.shape[0]
        return torch.autograd.grad(loss, list(tp.values()))

    return step


def jax_step(params, x, t):
    """JAX: ``jit(value_and_grad(loss))``."""
    import jax
    import jax.numpy as jnp

    def loss(p, xx, tt):
        a = xx
        for l in (1, 2, 3):
            z = a @ p[f"W{l}"].T + p[f"b{l}"]
            a = jax.nn.relu(z) if l < 3 else z
        return -(tt * jax.nn.log_softmax(a, 1)).sum() / xx.shape[0]

    grad = jax.jit(jax.value_and_grad(loss))
    jp = {k: jnp.asarray(v) for k, v in params.items()}
    jx, jt = jnp.asarray(x), jnp.asarray(t)
    return lambda: jax.block_until_ready(grad(jp, jx, jt))


#: Optional runtimes: name -> (label, step factory).  Each runs in its own child process after
#: the NumPy blocks, so its thread pool never shares a process with OpenBLAS's threads (on
#: 2 cores, idle-spinning pools of two runtimes in one process slow each other down).
FRAMEWORKS = {"torch": ("PyTorch eager", torch_step), "jax": ("JAX jit", jax_step)}


def problem(batch: int, shapes: dict):
    """Seeded parameters and a batch (identical in the parent and the child processes)."""
    rng = np.random.default_rng(0)
    params = {k: (rng.standard_normal(s) * 0.05).astype(np.float32) for k, s in shapes.items()}
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    t = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], batch)]
    return params, x, t


def framework_times(name: str, shapes: dict) -> dict:
    """{batch: median seconds} of one framework, measured in a child process (None: absent)."""
    import importlib.util
    import json
    import subprocess

    if importlib.util.find_spec(name) is None:
        return {}
    out = subprocess.run([sys.executable, __file__, "--framework", name], check=True,
                         capture_output=True, text=True).stdout
    return {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def _framework_child(name: str) -> None:
    import json

    shapes = {f"W{l}": (b, a) for l, (a, b) in enumerate(zip(SIZES, SIZES[1:]), 1)}
    shapes.update({f"b{l}": (b,) for l, b in enumerate(SIZES[1:], 1)})
    result = {}
    for batch in BATCHES:
        step = FRAMEWORKS[name][1](*problem(batch, shapes))
        label = FRAMEWORKS[name][0]
        result[batch] = interleaved_medians({label: step}, repeats=200 if batch <= 64 else 50)[label]
    print(json.dumps(result))


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl)"
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
                     f"threads={i.get('num_threads')}" for i in infos) or "none found"


def main() -> None:
    module = load_module(generate_module(parse_layers(NETWORK)))
    spec_module = load_module(generate_module(parse_spec(SPEC, "mlp.net")))
    print(f"{NETWORK}, float32; NumPy {np.__version__}; BLAS: {blas_info()}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"warning: {var} is set; run with env -u {var} for full BLAS speed")
    results, peaks = {}, []
    for batch in BATCHES:
        params, x, t = problem(batch, module.SHAPES)
        data = {"X": x, "T": t}
        _, ref = hand_written(params, x, t)
        for generated in (module, spec_module):
            _, gen = generated.gradients(params, data)
            assert all(np.allclose(gen[k], ref[k], rtol=1e-4, atol=1e-6) for k in ref)
            assert gen["W1"].dtype == np.float32
        steps = {"hand-written": lambda: hand_written(params, x, t),
                 "generated": lambda: module.gradients(params, data),
                 "generated .net": lambda: spec_module.gradients(params, data)}
        times = interleaved_medians(steps, repeats=1000 if batch <= 64 else 100, rounds=20)
        matmuls = {f"matmul {n}^3": matmul_block(n) for n in MATMUL_SIZES}
        peaks.append(peak_matmul_rate(interleaved_medians(matmuls, repeats=50)))
        results[batch] = times
    for name, (label, _) in FRAMEWORKS.items():
        for batch, seconds in framework_times(name, module.SHAPES).items():
            results[batch][label] = seconds
    rate, size = max(peaks)
    print(f"machine's NumPy float32 matmul rate: {rate / 1e9:.0f} GFLOP/s (median of a {size}^3 "
          "product, best size and block of the run; other load only lowers it)")
    print(f"{'batch':>6} {'implementation':<16} {'median ms':>10} {'vs hand':>8} {'% of matmul':>12}")
    for batch, times in results.items():
        for name, seconds in times.items():
            share = step_flops(batch) / seconds / rate
            print(f"{batch:>6} {name:<16} {seconds * 1e3:>10.3f} "
                  f"{seconds / times['hand-written']:>7.2f}x {share:>11.0%}")
    print("step FLOPs: " + ", ".join(f"batch {b}: {step_flops(b) / 1e6:.1f} M" for b in BATCHES))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--framework":
        _framework_child(sys.argv[2])
    else:
        main()
