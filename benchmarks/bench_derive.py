"""Time declaration + shared-δ derivation (+ op counts) for growing scalar-level MLPs.

Side by side, for the small sizes only: SymPy's per-weight ``diff`` of the fully inlined
loss, the approach deltaprop avoids (capped: it takes minutes from about 1,000 weights).

    python benchmarks/bench_derive.py [--quick]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402

from symbolic import builtin, derive, network_costs  # noqa: E402

SIZES = ["2-2-1", "8-8-1", "16-16-1", "32-32-4", "100-100-10", "784-128-10"]
SYMPY_CAP = 300          # weights: beyond this the inlined-diff baseline is not attempted


def time_deltaprop(sizes: str) -> dict:
    t0 = time.perf_counter()
    network = builtin(f"mlp:{sizes}:sigmoid:squared")
    t1 = time.perf_counter()
    derivation = derive(network)
    t2 = time.perf_counter()
    costs = network_costs(network, derivation)
    t3 = time.perf_counter()
    return {"weights": len(network.params), "declare": t1 - t0, "delta": t2 - t1,
            "counts": t3 - t2, "total": t3 - t0, "costs": costs, "network": network}


def time_inlined_diff(network) -> float:
    t0 = time.perf_counter()
    loss = network.loss
    for a in reversed(network.equations):
        loss = loss.xreplace({a.lhs: a.rhs})
    for p in network.params:
        sp.diff(loss, p)
    return time.perf_counter() - t0


def time_cli_info(spec: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "deltaprop", "info", spec], check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip 784-128-10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = SIZES[:-1] if args.quick else SIZES
    print(f"{'mlp (sigmoid)':<14}{'weights':>9}{'declare s':>11}{'δ sweep s':>11}{'counts s':>10}"
          f"{'total s':>9}{'fwd ops':>10}{'δ ops':>9}{'naive ops':>13}{'sympy diff s':>14}{'ratio':>8}")
    for s in sizes:
        repeat = args.repeat if s not in ("100-100-10", "784-128-10") else 1
        runs = [time_deltaprop(s) for _ in range(repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in ("declare", "delta", "counts", "total")}
        r = runs[0]
        c = r["costs"]
        baseline = time_inlined_diff(r["network"]) if r["weights"] <= SYMPY_CAP else None
        ratio = f"{baseline / med['total']:.0f}x" if baseline else "-"
        base = f"{baseline:.2f}" if baseline else "not run"
        print(f"{s:<14}{r['weights']:>9,}{med['declare']:>11.2f}{med['delta']:>11.2f}"
              f"{med['counts']:>10.2f}{med['total']:>9.2f}{c.forward.total:>10,}{c.delta.total:>9,}"
              f"{c.naive.total:>13,}{base:>14}{ratio:>8}")
    for spec in ["mlp:100-100-10:sigmoid:squared"] + ([] if args.quick else ["mlp:784-128-10:sigmoid:squared"]):
        print(f"deltaprop info {spec}: {time_cli_info(spec):.1f} s wall (whole process)")


if __name__ == "__main__":
    main()
