"""The backends side by side in one run: python vs hand-written Python, array-api vs NumPy, Dask.

1. One sample (seed-121, seed-222): the python backend's ``gradients`` against the same forward
   and backward written by hand with Python floats and ``math``, and the NumPy module called
   with a batch of one.  Goal: python backend within 2x of hand-written.
2. NumPy arrays (seed-121 and seed-222 at batch 100,000 float64; layers:784-256-128-10 relu
   softmax-CE at batch 1024 float32): the array-api module's ``gradients`` against the NumPy
   module's.  Goal: within 1.25x.
3. Dask (seed-121 and layers:4-8-3:relu:softmax-ce at batch 1,000,000, 4 chunks): the array-api
   module on a ``dask.array`` computed on an in-process ``distributed.LocalCluster`` (2 workers
   x 1 thread) and on Dask's threaded scheduler, against the NumPy module in this process.

Rounds are interleaved (the order rotates every round), each timed block follows a 150 ms
idle pause, and ratios are medians of per-round ratios.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_backends.py [--quick]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import codegen  # noqa: E402
from symbolic import POINTS, builtin  # noqa: E402
from symbolic.matrix import parse_layers  # noqa: E402

PAUSE = 0.15


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def hand_121(p, d):
    """seed-121 for one sample, as one writes it with floats and math."""
    w1, w2, w3, w4 = p["w1"], p["w2"], p["w3"], p["w4"]
    x, t = d["x"], d["t"]
    h1, h2 = _sigmoid(w1 * x), _sigmoid(w2 * x)
    y = _sigmoid(w3 * h1 + w4 * h2)
    e = y - t
    dz3 = e * y * (1.0 - y)
    dz1 = dz3 * w3 * h1 * (1.0 - h1)
    dz2 = dz3 * w4 * h2 * (1.0 - h2)
    return 0.5 * e * e, {"w1": dz1 * x, "w2": dz2 * x, "w3": dz3 * h1, "w4": dz3 * h2}


def hand_222(p, d):
    """seed-222 (2-2-2, one bias per layer) for one sample, with floats and math."""
    x1, x2, t1, t2 = d["x1"], d["x2"], d["t1"], d["t2"]
    b1, b2 = p["b1"], p["b2"]
    h1 = _sigmoid(p["w1"] * x1 + p["w2"] * x2 + b1)
    h2 = _sigmoid(p["w3"] * x1 + p["w4"] * x2 + b1)
    y1 = _sigmoid(p["w5"] * h1 + p["w6"] * h2 + b2)
    y2 = _sigmoid(p["w7"] * h1 + p["w8"] * h2 + b2)
    e1, e2 = y1 - t1, y2 - t2
    dz3, dz4 = e1 * y1 * (1.0 - y1), e2 * y2 * (1.0 - y2)
    dz1 = (dz3 * p["w5"] + dz4 * p["w7"]) * h1 * (1.0 - h1)
    dz2 = (dz3 * p["w6"] + dz4 * p["w8"]) * h2 * (1.0 - h2)
    return 0.5 * (e1 * e1 + e2 * e2), {
        "w1": dz1 * x1, "w2": dz1 * x2, "w3": dz2 * x1, "w4": dz2 * x2, "b1": dz1 + dz2,
        "w5": dz3 * h1, "w6": dz3 * h2, "w7": dz4 * h1, "w8": dz4 * h2, "b2": dz3 + dz4}


HAND = {"seed-121": hand_121, "seed-222": hand_222}


def per_call(function, args, calls: int) -> float:
    """Seconds per call of ``function(*args)`` over ``calls`` calls, after an idle pause."""
    time.sleep(PAUSE)
    start = time.perf_counter()
    for _ in range(calls):
        function(*args)
    return (time.perf_counter() - start) / calls


def race(contenders: dict, rounds: int, calls: int) -> dict:
    """{name: [seconds per call, one per round]}, the order rotating every round."""
    names = list(contenders)
    times = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            function, args = contenders[name]
            times[name].append(per_call(function, args, calls))
    return times


def table(title: str, times: dict, reference: str, unit: float, unit_name: str) -> None:
    print(f"\n{title}")
    print(f"  {'contender':<44} {'median ' + unit_name:>12} {'ratio':>8}")
    ref = times[reference]
    for name, values in times.items():
        ratio = statistics.median(v / r for v, r in zip(values, ref))
        print(f"  {name:<44} {statistics.median(values) / unit:>12.3f} {ratio:>7.2f}x")


def one_sample(rounds: int, calls: int) -> None:
    for spec in HAND:
        network = builtin(spec)
        python = codegen.load_module(network, "python")
        numpy_module = codegen.load_module(network)
        point = POINTS[spec]
        params = {p: float(point[p]) for p in python.PARAMS}
        data = {n: float(point[n]) for n in python.INPUTS + python.TARGETS}
        hand_loss, hand = HAND[spec](params, data)
        loss, grads = python.gradients(params, data)
        assert math.isclose(hand_loss, loss, rel_tol=1e-12)
        assert all(math.isclose(hand[p], grads[p], rel_tol=1e-9, abs_tol=1e-15) for p in grads)
        times = race({"hand-written Python (floats, math)": (HAND[spec], (params, data)),
                      "generated --backend python": (python.gradients, (params, data)),
                      "generated NumPy, batch of one": (numpy_module.gradients, (params, data))},
                     rounds, calls)
        table(f"{spec}: gradients for one sample ({calls} calls per block, {rounds} rounds)",
              times, "hand-written Python (floats, math)", 1e-6, "us")


def _scalar_batch(module, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    params = {p: float(v) for p, v in zip(module.PARAMS, rng.normal(0, 0.5, len(module.PARAMS)))}
    data = {k: rng.normal(size=n) for k in module.INPUTS}
    data.update({k: rng.uniform(size=n) for k in module.TARGETS})
    return params, data


def _matrix_batch(module, n: int, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    params = {k: (rng.normal(0, 0.1, s)).astype(dtype) for k, s in module.SHAPES.items()}
    n_in, n_out = module.SHAPES[module.PARAMS[0]][1], module.SHAPES[module.PARAMS[-1]][0]
    x = rng.normal(size=(n, n_in)).astype(dtype)
    t = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, n)]
    return params, {"x": x, "t": t}


def _same(a, b, rtol) -> None:
    (la, ga), (lb, gb) = a, b
    assert np.allclose(float(la), float(lb), rtol=rtol)
    for k in ga:
        assert np.allclose(np.asarray(ga[k]), np.asarray(gb[k]), rtol=rtol, atol=1e-6), k


def on_numpy(rounds: int, calls: int) -> None:
    cases = [(builtin("seed-121"), 100_000, None), (builtin("seed-222"), 100_000, None),
             (parse_layers("layers:784-256-128-10:relu:softmax-ce"), 1024, np.float32)]
    for network, n, dtype in cases:
        reference = codegen.load_module(network)
        array_api = codegen.load_module(network, "array-api")
        params, data = (_scalar_batch(reference, n) if dtype is None
                        else _matrix_batch(reference, n, dtype))
        _same(reference.gradients(params, data), array_api.gradients(params, data),
              1e-9 if dtype is None else 1e-4)
        times = race({"NumPy backend": (reference.gradients, (params, data)),
                      "array-api backend on NumPy arrays": (array_api.gradients, (params, data))},
                     rounds, calls)
        kind = "float64" if dtype is None else "float32"
        table(f"{network.name}: gradients at batch {n:,} ({kind}; {calls} calls per block, "
              f"{rounds} rounds)", times, "NumPy backend", 1e-3, "ms")


def on_dask(rounds: int, n: int) -> None:
    try:
        import dask
        import dask.array as da
        from distributed import Client, LocalCluster
    except ImportError:
        print("\nDask: skipped (pip install 'deltaprop[dask]')")
        return
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    client = Client(cluster)
    try:
        for network in (builtin("seed-121"), parse_layers("layers:4-8-3:relu:softmax-ce")):
            _dask_case(network, n, rounds, da, dask, client)
    finally:
        client.close()
        cluster.close()


def _dask_case(network, n, rounds, da, dask, client) -> None:
    reference = codegen.load_module(network)
    array_api = codegen.load_module(network, "array-api")
    matrix = hasattr(reference, "SHAPES")
    params, data = _matrix_batch(reference, n, np.float64) if matrix else _scalar_batch(reference, n)
    chunk = n // 4
    chunked = {k: da.from_array(v, chunks=(chunk,) + v.shape[1:]) for k, v in data.items()}
    with warnings.catch_warnings():          # the data is sent to the workers once, on purpose
        warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
        lazy = dict(zip(chunked, client.persist(list(chunked.values()))))
    local = dict(zip(chunked, dask.persist(*chunked.values(), scheduler="threads")))

    def on_cluster():
        return client.compute(array_api.gradients(params, lazy), sync=True)

    def threaded():
        return dask.compute(array_api.gradients(params, local), scheduler="threads")[0]

    def graph_only():
        return array_api.gradients(params, local)

    _same(reference.gradients(params, data), on_cluster(), 1e-9)
    times = race({"NumPy backend, one process": (reference.gradients, (params, data)),
                  "array-api on dask, LocalCluster 2x1": (on_cluster, ()),
                  "array-api on dask, threaded scheduler": (threaded, ()),
                  "array-api on dask, building the graph only": (graph_only, ())}, rounds, 1)
    table(f"{network.name}: gradients at batch {n:,} (float64, 4 chunks of {chunk:,}; {rounds} "
          "rounds)", times, "NumPy backend, one process", 1e-3, "ms")


def blas_line() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: threadpoolctl not installed"
    info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return "BLAS: " + "; ".join(f"{i.get('internal_api')} {i.get('version')} kernel="
                                f"{i.get('architecture')} threads={i.get('num_threads')}"
                                for i in info)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 11
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}; {blas_line()}")
    one_sample(rounds, 2_000 if args.quick else 20_000)
    on_numpy(rounds, 3 if args.quick else 10)
    on_dask(rounds if not args.quick else 2, 200_000 if args.quick else 1_000_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
