"""Naive against shared δ, side by side in one run: op counts, CasADi, ratios, timings.

1. forward + δ-backward op count against CasADi 3.8.2 SX reverse-mode value-and-gradient
   on the same scalar sigmoid MLPs (biases, ½Σ(y − t)²), counted instruction by
   instruction when ``casadi`` is importable (optional: ``pip install casadi==3.8.2``);
2. δ backward / forward on sigmoid MLPs (the goal: at most 1.2x);
3. wall time of ``compare`` counts for mlp:100-100-10 (naive counted by dynamic programming);
4. from-scratch (diff of the inlined loss + cse) against forward + δ;
5. median time of the generated ``gradients`` and ``gradients_naive`` at several batch sizes.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_compare.py [--quick]
"""
from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symbolic import builtin, derive, mlp  # noqa: E402
from symbolic.compare import compare  # noqa: E402
from symbolic.cost import count_program  # noqa: E402
from symbolic.from_scratch import ScratchLimits  # noqa: E402
from symbolic.functions import sigmoid  # noqa: E402

CASADI_NETS = ["2-2-1", "4-4-4-1", "1-4-4-4-1", "8-8-8-1", "100-100-10"]
#: CasADi 3.8.2 SX value-and-gradient op counts quoted in issue 5 (measured by the lead).
CASADI_QUOTED = {"2-2-1": 40, "4-4-4-1": 202, "1-4-4-4-1": 274, "8-8-8-1": 682,
                 "100-100-10": 36409}
RATIO_NETS = ["2-2-1", "4-4-4-1", "1-4-4-4-1", "8-8-8-1", "2-2-2-2-2-2-1", "8-8-8-8-8-8-1",
              "16-16-16-1", "32-32-32-1", "784-32-10", "100-100-10"]
SCRATCH_NETS = ["2-2-1", "4-4-4-1", "1-4-4-4-1", "4-4-4-4-1", "8-8-8-1"]
TIMING_NETS = ["2-2-1", "4-4-4-1", "1-4-4-4-1", "8-8-8-1"]
NOT_CASADI_OPS = ("OP_INPUT", "OP_OUTPUT", "OP_CONST", "OP_PARAMETER")


def sigmoid_mlp(sizes: str):
    return mlp([int(s) for s in sizes.split("-")], "sigmoid", "squared")


# -- 1. CasADi -----------------------------------------------------------------------------------
def casadi_counts(sizes: list[int]):
    """(value-and-gradient ops, forward ops) of CasADi SX reverse mode, or None without casadi."""
    try:
        import casadi as ca
    except ImportError:
        return None
    xs = [ca.SX.sym(f"x{i}") for i in range(sizes[0])]
    ts = [ca.SX.sym(f"t{k}") for k in range(sizes[-1])]
    params, a = [], xs
    for n_out in sizes[1:]:
        out = []
        for _ in range(n_out):
            ws = [ca.SX.sym("w") for _ in a]
            b = ca.SX.sym("b")
            params += ws + [b]
            z = ws[0] * a[0]
            for w, ai in zip(ws[1:], a[1:]):
                z = z + w * ai
            out.append(1 / (1 + ca.exp(-(z + b))))
        a = out
    loss = (a[0] - ts[0]) ** 2 / 2          # ½(y_k − t_k)² per output, as mlp() writes it
    for y, t in zip(a[1:], ts[1:]):
        loss = loss + (y - t) ** 2 / 2
    p = ca.vertcat(*params)
    args = [ca.vertcat(*xs), ca.vertcat(*ts), p]
    both = ca.Function("vg", args, [loss, ca.gradient(loss, p)])
    value = ca.Function("v", args, [loss])
    return _casadi_ops(ca, both), _casadi_ops(ca, value), ca.__version__


def _casadi_ops(ca, function) -> int:
    names = {getattr(ca, n): n for n in dir(ca) if n.startswith("OP_")}
    ops = collections.Counter(names.get(function.instruction_id(k), "?")
                              for k in range(function.n_instructions()))
    return sum(n for op, n in ops.items() if op not in NOT_CASADI_OPS)


def casadi_table() -> None:
    print("\n## forward + δ backward against CasADi SX reverse mode (value and gradient)")
    print(f"{'network':<12}{'forward':>9}{'delta':>8}{'fwd+δ':>8}{'σ as 4 ops':>12}"
          f"{'CasADi':>9}{'quoted':>9}{'CasADi fwd':>12}{'ours/CasADi':>13}")
    version = None
    for sizes in CASADI_NETS:
        network = sigmoid_mlp(sizes)
        c = compare(network, ScratchLimits(max_inlined_ops=0))
        ours = c.forward.total + c.delta.total
        n_sigmoid = sum(isinstance(a.rhs, sigmoid) for a in network.forward)
        expanded = ours + 3 * n_sigmoid       # σ(z) = 1/(1 + exp(−z)): neg, exp, add, div
        cas = casadi_counts([int(s) for s in sizes.split("-")])
        if cas is None:
            cas_text, fwd_text, ratio = "-", "-", "-"
        else:
            version = cas[2]
            cas_text, fwd_text, ratio = f"{cas[0]:,}", f"{cas[1]:,}", f"{ours / cas[0]:.3f}"
        print(f"{sizes:<12}{c.forward.total:>9,}{c.delta.total:>8,}{ours:>8,}{expanded:>12,}"
              f"{cas_text:>9}{CASADI_QUOTED[sizes]:>9,}{fwd_text:>12}{ratio:>13}")
    print(f"CasADi: {version or 'not installed (pip install casadi==3.8.2)'}; its ops are its "
          "SX instructions minus inputs, outputs and constants. 'σ as 4 ops' counts each of our "
          "sigmoid calls as CasADi executes it (neg, exp, add, div) instead of one call.")


# -- 2. δ / forward ------------------------------------------------------------------------------
def ratio_table() -> None:
    print("\n## δ backward / forward on sigmoid MLPs (goal: at most 1.2x)")
    print(f"{'network':<16}{'forward':>9}{'delta':>9}{'δ/fwd':>8}  goal   "
          f"{'δ/fwd if σ = 4 ops':>18}")
    for sizes in RATIO_NETS:
        network = sigmoid_mlp(sizes)
        forward = count_program(network.forward)
        delta = count_program(derive(network).program)
        r = delta.total / forward.total
        n_sigmoid = sum(isinstance(a.rhs, sigmoid) for a in network.forward)
        r4 = delta.total / (forward.total + 3 * n_sigmoid)
        print(f"{sizes:<16}{forward.total:>9,}{delta.total:>9,}{r:>7.2f}x  "
              f"{'met    ' if r <= 1.2 else 'NOT met'}{r4:>17.2f}x")
    print("(the goal is judged on the first ratio, the project's convention of one op per "
          "function call; the last column only shows how much it depends on pricing σ)")


# -- 2b. the one saving found -------------------------------------------------------------------
def reuse_forward_products(network):
    """Forward and δ programs where a sigmoid unit a with one consumer u = ... + w·a + ...
    gets δ_z = δ_u·(w·a)·(1 − a), reusing the product w·a that the forward pass computes
    anyway (named P here at no cost), instead of δ_a = δ_u·w then δ_z = δ_a·a·(1 − a)."""
    import sympy as sp

    from symbolic.program import Program

    derivation = derive(network)
    graph, rhs = network.graph, network.forward.as_dict()
    backward = derivation.program.as_dict()
    products, dropped = {}, set()
    for node, delta_node in derivation.delta.items():
        consumers = graph.in_edges(node)
        if not (isinstance(rhs.get(node), sigmoid) and len(consumers) == 1):
            continue
        edge, z = consumers[0], rhs[node].args[0]
        if edge.consumer == graph.loss or not edge.partial.is_Symbol or z not in rhs:
            continue
        name = sp.Symbol(f"P_{edge.partial.name}")
        products[name] = (edge.consumer, edge.partial * node)
        delta_z = derivation.delta[z]
        backward[delta_z] = derivation.delta[edge.consumer] * name * (1 - node)
        dropped.add(delta_node)
    forward = []
    for a in network.forward:
        for name, (consumer, product) in products.items():
            if consumer == a.lhs:
                forward.append((name, product))
        forward.append((a.lhs, a.rhs.xreplace({product: name for name, (c, product)
                                               in products.items() if c == a.lhs})))
    used = set().union(*(e.free_symbols for e in backward.values()))
    assert all(d not in used for d in dropped)
    return Program(forward), Program((k, v) for k, v in backward.items() if k not in dropped)


def reuse_table() -> None:
    import random

    from symbolic.evaluate import run

    print("\n## the one saving found: reuse the forward product w·a for single-consumer units")
    print(f"{'network':<16}{'forward':>9}{'delta':>9}{'δ/fwd':>8}{'reused':>9}{'δ/fwd':>8}"
          f"  gradients equal")
    for sizes in ["1-4-4-4-1", "2-2-2-2-2-2-1", "8-8-8-8-8-8-1"]:
        network = sigmoid_mlp(sizes)
        derivation = derive(network)
        forward, backward = reuse_forward_products(network)
        assert count_program(forward) == count_program(network.forward)
        rng = random.Random(0)
        values = {s: rng.uniform(-1, 1) for s in network.inputs + network.targets + network.params}
        ours = run(network.forward + derivation.program, values)
        theirs = run(forward + backward, values)
        same = all(abs(ours[g] - theirs[g]) <= 1e-12 * max(1, abs(ours[g]))
                   for g in derivation.gradient.values())
        f, d, r = (count_program(network.forward).total, count_program(derivation.program).total,
                   count_program(backward).total)
        print(f"{sizes:<16}{f:>9,}{d:>9,}{d / f:>7.2f}x{r:>9,}{r / f:>7.2f}x  {same}")


# -- 3. compare wall time ------------------------------------------------------------------------
def compare_time(repeats: int) -> None:
    print("\n## wall time of the counts (compare without from-scratch and timings)")
    for spec in ["mlp:100-100-10:sigmoid:squared"]:
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            c = compare(builtin(spec), ScratchLimits(max_inlined_ops=0))
            samples.append(time.perf_counter() - t0)
        print(f"{spec}: median {statistics.median(samples):.2f} s over {repeats} "
              f"(naive {c.naive.total:,} ops over {c.paths:,} path products, never built)")


# -- 4. from scratch -------------------------------------------------------------------------------
def scratch_table() -> None:
    print("\n## from scratch (sympy.diff of the inlined loss per weight + cse) against fwd + δ")
    print("(fwd+δ: forward nodes without the loss value + δ backward, the same outputs)")
    print(f"{'network':<12}{'inlined':>9}{'scratch':>9}{'fwd+δ':>8}{'scratch/(fwd+δ)':>17}"
          f"{'time':>8}")
    for sizes in SCRATCH_NETS:
        c = compare(sigmoid_mlp(sizes), ScratchLimits(max_inlined_ops=10_000, seconds=120))
        both = c.gradient_total
        s = c.scratch
        total = f"{s.cost.total:,}" if s.done else "-"
        ratio = f"{s.cost.total / both:.2f}x" if s.done else s.note
        secs = f"{s.seconds:.1f} s" if s.done else "-"
        print(f"{sizes:<12}{s.estimated_ops:>9,}{total:>9}{both:>8,}{ratio:>17}{secs:>8}")


# -- 5. timings -------------------------------------------------------------------------------
def timing_table(batches: list[int], repeats: int) -> None:
    from deltaprop.timing import time_gradients

    print("\n## generated NumPy code: median time per call (gradients vs gradients_naive)")
    print(f"{'network':<12}{'batch':>8}{'gradients':>12}{'naive':>12}{'naive/δ':>9}")
    for sizes in TIMING_NETS:
        network = sigmoid_mlp(sizes)
        for batch in batches:
            t = time_gradients(network, batch, repeats)
            if t["gradients"] is None:
                print(f"{sizes:<12}{batch:>8,}  {t['note']}")
                break
            naive = f"{t['gradients_naive'] * 1e3:.3f}ms" if t["gradients_naive"] else "-"
            ratio = f"{t['naive_over_delta']:.2f}x" if t["naive_over_delta"] else "-"
            print(f"{sizes:<12}{batch:>8,}{t['gradients'] * 1e3:>10.3f}ms{naive:>12}{ratio:>9}")


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: threadpoolctl not installed"
    import numpy  # noqa: F401  (loads the BLAS library)

    return "BLAS: " + "; ".join(f"{i.get('internal_api')} {i.get('version')} "
                                f"{i.get('architecture')} threads={i.get('num_threads')}"
                                for i in threadpool_info()) or "BLAS: none found"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no from-scratch")
    args = parser.parse_args()
    print(f"# bench_compare  ({blas_info()})")
    casadi_table()
    ratio_table()
    reuse_table()
    compare_time(1 if args.quick else 3)
    if not args.quick:
        scratch_table()
    timing_table([100, 1000, 10_000] if not args.quick else [1000], 3 if args.quick else 7)


if __name__ == "__main__":
    main()
