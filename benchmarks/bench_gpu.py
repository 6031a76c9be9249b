"""One training step of layers:784-256-128-10:relu:softmax-ce on a GPU: array-api module vs PyTorch.

Where CuPy and a CUDA GPU are present, the generated array-api module runs on CuPy arrays and
is timed against PyTorch (autograd + SGD) on the same GPU, float32, batches 64 and 1024; the
array-api module is also run on PyTorch CUDA tensors (the same file, another namespace).  A
step is forward, loss, every gradient and the SGD update, timed between device
synchronisations; rounds are interleaved and ratios are medians of per-round ratios.

Without CuPy or a GPU the script says so and exits 0 ("skipped"); ``--device cpu`` runs the
same code on NumPy arrays and PyTorch CPU tensors instead (a check that the script works, not
a GPU figure).

    python benchmarks/bench_gpu.py [--device cuda|cpu] [--rounds N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import codegen  # noqa: E402
from symbolic.matrix import parse_layers  # noqa: E402

NETWORK = "layers:784-256-128-10:relu:softmax-ce"
BATCHES = (64, 1024)
LR = 0.01
STEPS = 20


def gpu_libraries():
    """(cupy, torch or None), or (None, reason) when there is no usable GPU for CuPy."""
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed (pip install cupy-cuda12x)"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # CUDA driver missing or broken
        return None, f"CuPy finds no CUDA driver ({type(err).__name__}: {err})"
    if count == 0:
        return None, "CuPy finds no GPU"
    try:
        import torch
    except ImportError:
        torch = None
    return cupy, torch


def problem(batch: int, seed: int = 0):
    """Glorot-uniform weights, zero biases, random inputs and one-hot targets (NumPy, float32)."""
    rng = np.random.default_rng(seed)
    sizes = [784, 256, 128, 10]
    params = {}
    for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        bound = np.sqrt(6.0 / (n_in + n_out))
        params[f"W{k}"] = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        params[f"b{k}"] = np.zeros(n_out, np.float32)
    x = rng.normal(size=(batch, 784)).astype(np.float32)
    labels = rng.integers(0, 10, batch)
    return params, x, labels


def generated_step(module, params, data):
    """One SGD step with the generated module; the arrays stay in their library."""
    loss, grads = module.gradients(params, data)
    for name, g in grads.items():
        params[name] = params[name] - LR * g
    return loss


def torch_step(torch, weights, x, labels):
    """One SGD step with PyTorch autograd on the same network."""
    h = x
    for k in range(0, len(weights) - 2, 2):
        h = torch.relu(h @ weights[k].T + weights[k + 1])
    logits = h @ weights[-2].T + weights[-1]
    loss = torch.nn.functional.cross_entropy(logits, labels)
    grads = torch.autograd.grad(loss, weights)
    with torch.no_grad():
        for w, g in zip(weights, grads):
            w -= LR * g
    return loss


def timed(step, synchronize) -> float:
    """Seconds per step over STEPS steps, between device synchronisations."""
    step()
    synchronize()
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    synchronize()
    return (time.perf_counter() - start) / STEPS


def contenders(batch, module, xp_lib, torch, device):
    """{name: (step function, synchronize)} for one batch size."""
    params, x, labels = problem(batch)
    onehot = np.eye(10, dtype=np.float32)[labels]
    out = {}
    if xp_lib is not None:
        p = {k: xp_lib.asarray(v) for k, v in params.items()}
        d = {"x": xp_lib.asarray(x), "t": xp_lib.asarray(onehot)}
        sync = xp_lib.cuda.Device().synchronize if device == "cuda" else (lambda: None)
        out[f"generated array-api on {xp_lib.__name__}"] = (lambda: generated_step(module, p, d), sync)
    if torch is not None:
        dev = torch.device(device)
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        weights = [torch.tensor(params[k], device=dev, requires_grad=True) for k in module.PARAMS]
        tx, tl = torch.tensor(x, device=dev), torch.tensor(labels, device=dev)
        out["PyTorch autograd"] = (lambda: torch_step(torch, weights, tx, tl), sync)
        tp = {k: torch.tensor(v, device=dev) for k, v in params.items()}
        td = {"x": tx, "t": torch.tensor(onehot, device=dev)}
        out["generated array-api on torch tensors"] = (lambda: generated_step(module, tp, td), sync)
    return out


def first_losses(entries: dict) -> str:
    """Each contender's loss at the common starting point (they must agree)."""
    return ", ".join(f"{name} {float(step()):.6f}" for name, (step, _) in entries.items())


def race(entries: dict, rounds: int) -> dict:
    names = list(entries)
    times = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(timed(*entries[name]))
    return times


def report(batch, times, reference) -> None:
    print(f"\nbatch {batch}: one training step (forward, loss, gradients, SGD update), float32")
    print(f"  {'implementation':<40} {'median ms':>10} {'vs ' + reference:>24}")
    for name, values in times.items():
        ratio = statistics.median(v / r for v, r in zip(values, times[reference]))
        print(f"  {name:<40} {statistics.median(values) * 1e3:>10.3f} {ratio:>23.2f}x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    if args.device == "cuda":
        xp_lib, torch = gpu_libraries()
        if xp_lib is None:
            print(f"bench_gpu: SKIPPED, no GPU measurement was made: {torch}.")
            return 0
        if torch is not None and not torch.cuda.is_available():
            print("bench_gpu: PyTorch has no CUDA here; timing CuPy alone")
            torch = None
    else:
        xp_lib = np
        try:
            import torch
        except ImportError:
            torch = None
    module = codegen.load_module(parse_layers(NETWORK), "array-api")
    print(f"{NETWORK} on {args.device}; {STEPS} steps per timed block, {args.rounds} rounds")
    for batch in BATCHES:
        entries = contenders(batch, module, xp_lib, torch, args.device)
        print(f"\nbatch {batch}: loss at the starting point: {first_losses(entries)}")
        reference = "PyTorch autograd" if "PyTorch autograd" in entries else next(iter(entries))
        report(batch, race(entries, args.rounds), reference)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
