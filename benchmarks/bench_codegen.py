"""Generated ``gradients`` against hand-written NumPy, side by side in one run.

At batch 100,000 (seed-121 and seed-222): the generated module's ``gradients`` and
``gradients_naive``, a hand-written one-line-per-equation NumPy forward/backward of the same
network, and PyTorch CPU autograd when ``torch`` is importable.  Rounds are interleaved (the
order rotates each round), each timed block is preceded by an idle pause of 150 ms so that
BLAS threads of the previous block do not interfere, and ratios are medians of per-round
ratios.  Then the time to generate, import and check builder MLPs up to mlp:100-100-10.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_codegen.py [--quick]
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
from symbolic import builtin  # noqa: E402

PAUSE = 0.15
BATCH = 100_000
SCALE_NETS = ["mlp:20-20-5:sigmoid:squared", "mlp:50-50-10:sigmoid:softmax-ce",
              "mlp:100-100-10:tanh:softmax-ce"]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def hand_121(p, d):
    """What one writes by hand for seed-121: one line per equation over the whole batch."""
    x, t = d["x"], d["t"]
    h1, h2 = _sigmoid(p["w1"] * x), _sigmoid(p["w2"] * x)
    y = _sigmoid(p["w3"] * h1 + p["w4"] * h2)
    loss = 0.5 * np.mean((y - t) ** 2)
    dz3 = (y - t) * y * (1 - y)
    dz1 = dz3 * p["w3"] * h1 * (1 - h1)
    dz2 = dz3 * p["w4"] * h2 * (1 - h2)
    return loss, {"w1": np.mean(dz1 * x), "w2": np.mean(dz2 * x),
                  "w3": np.mean(dz3 * h1), "w4": np.mean(dz3 * h2)}


def hand_222(p, d):
    """seed-222 (the classic 2-2-2 example with one bias per layer), written by hand."""
    x1, x2, t1, t2 = d["x1"], d["x2"], d["t1"], d["t2"]
    h1 = _sigmoid(p["w1"] * x1 + p["w2"] * x2 + p["b1"])
    h2 = _sigmoid(p["w3"] * x1 + p["w4"] * x2 + p["b1"])
    y1 = _sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    y2 = _sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    loss = 0.5 * np.mean((y1 - t1) ** 2 + (y2 - t2) ** 2)
    dz3 = (y1 - t1) * y1 * (1 - y1)
    dz4 = (y2 - t2) * y2 * (1 - y2)
    dz1 = (dz3 * p["w5"] + dz4 * p["w7"]) * h1 * (1 - h1)
    dz2 = (dz3 * p["w6"] + dz4 * p["w8"]) * h2 * (1 - h2)
    return loss, {"w1": np.mean(dz1 * x1), "w2": np.mean(dz1 * x2), "w3": np.mean(dz2 * x1),
                  "w4": np.mean(dz2 * x2), "b1": np.mean(dz1 + dz2),
                  "w5": np.mean(dz3 * h1), "w6": np.mean(dz3 * h2), "w7": np.mean(dz4 * h1),
                  "w8": np.mean(dz4 * h2), "b2": np.mean(dz3 + dz4)}


HAND = {"seed-121": hand_121, "seed-222": hand_222}


def torch_gradients(module, threads=None):
    """PyTorch CPU autograd of the same network, or None when torch is not importable."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_grad_enabled(True)
    equations = {"seed-121": _torch_121, "seed-222": _torch_222}
    default_threads = torch.get_num_threads()

    def run(p, d):
        torch.set_num_threads(threads or default_threads)
        tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
        td = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in d.items()}
        loss = equations[module](tp, td)
        loss.backward()
        return float(loss.detach()), {k: float(v.grad) for k, v in tp.items()}
    return run


def _torch_121(p, d):
    import torch
    h1, h2 = torch.sigmoid(p["w1"] * d["x"]), torch.sigmoid(p["w2"] * d["x"])
    y = torch.sigmoid(p["w3"] * h1 + p["w4"] * h2)
    return 0.5 * torch.mean((y - d["t"]) ** 2)


def _torch_222(p, d):
    import torch
    h1 = torch.sigmoid(p["w1"] * d["x1"] + p["w2"] * d["x2"] + p["b1"])
    h2 = torch.sigmoid(p["w3"] * d["x1"] + p["w4"] * d["x2"] + p["b1"])
    y1 = torch.sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    y2 = torch.sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    return 0.5 * torch.mean((y1 - d["t1"]) ** 2 + (y2 - d["t2"]) ** 2)


def interleaved(contenders: dict, args: tuple, rounds: int, reps: int) -> dict[str, list[float]]:
    """Seconds per call of each contender in each round; the order rotates every round."""
    names = list(contenders)
    times = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            time.sleep(PAUSE)
            start = time.perf_counter()
            for _ in range(reps):
                contenders[name](*args)
            times[name].append((time.perf_counter() - start) / reps)
    return times


def speed_table(rounds: int, reps: int) -> list[str]:
    rng = np.random.default_rng(0)
    lines = [f"batch {BATCH:,}; {rounds} interleaved rounds x {reps} calls, {PAUSE * 1000:.0f} ms "
             "idle pause before each timed block; ratios are medians of per-round ratios",
             "", "| network | contender | median ms | ratio to hand-written NumPy |",
             "| --- | --- | ---: | ---: |"]
    for name, hand in HAND.items():
        network = builtin(name)
        module = codegen.load_module(network)
        params = {p: float(v) for p, v in zip(module.PARAMS, rng.normal(0, 0.5, len(module.PARAMS)))}
        data = {n: rng.normal(0, 1, BATCH) for n in module.INPUTS}
        data.update({n: rng.uniform(0, 1, BATCH) for n in module.TARGETS})
        contenders = {"hand-written NumPy": hand, "generated gradients": module.gradients,
                      "generated gradients_naive": module.gradients_naive}
        if torch_gradients(name) is not None:
            contenders["PyTorch CPU autograd"] = torch_gradients(name)
            contenders["PyTorch CPU autograd, 1 thread"] = torch_gradients(name, threads=1)
        reference = module.gradients(params, data)
        for label, f in contenders.items():
            _same(reference, f(params, data), f"{name} {label}")
        times = interleaved(contenders, (params, data), rounds, reps)
        base = times["hand-written NumPy"]
        for label, ts in times.items():
            ratio = statistics.median(t / b for t, b in zip(ts, base))
            lines.append(f"| {name} | {label} | {statistics.median(ts) * 1e3:.2f} | {ratio:.2f} |")
        naive = statistics.median(a / b for a, b in zip(times["generated gradients_naive"],
                                                      times["generated gradients"]))
        lines.append(f"| {name} | gradients_naive / gradients | | {naive:.2f} |")
    if torch_gradients("seed-121") is None:
        lines.append("\n(PyTorch not importable: no autograd comparison)")
    return lines


def _same(a, b, label):
    assert abs(a[0] - b[0]) <= 1e-9 * abs(a[0]), label
    for k in a[1]:
        assert abs(a[1][k] - b[1][k]) <= 1e-8 * max(abs(a[1][k]), 1e-12), (label, k)


def scale_table(nets: list[str]) -> list[str]:
    lines = ["| network | params | generate s | module lines | import s | check s | naive |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for spec in nets:
        network = builtin(spec)
        t0 = time.perf_counter()
        source = codegen.generate_module(network)
        t1 = time.perf_counter()
        module = codegen.load_module(source)
        t2 = time.perf_counter()
        result = codegen.check_gradients(module, network)
        t3 = time.perf_counter()
        naive = "written out" if result.naive_error is not None else "raises (too many paths)"
        assert result.ok, result.summary()
        lines.append(f"| {spec} | {len(network.params):,} | {t1 - t0:.2f} | {source.count(chr(10)):,} "
                     f"| {t2 - t1:.2f} | {t3 - t2:.2f} | {naive} |")
    return lines


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: threadpoolctl not installed"
    info = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
            f"({i.get('num_threads')} threads)" for i in threadpool_info() if i.get("user_api") == "blas"]
    return "BLAS: " + ("; ".join(info) or "none found")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, small networks only")
    args = parser.parse_args(argv)
    print(f"numpy {np.__version__}; {blas_info()}")
    rounds, reps = (5, 2) if args.quick else (21, 5)
    print("\n".join(speed_table(rounds, reps)))
    print()
    print("\n".join(scale_table(SCALE_NETS[:1] if args.quick else SCALE_NETS)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
