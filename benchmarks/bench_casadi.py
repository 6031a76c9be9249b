"""deltaprop's generated gradients against CasADi SX value-and-gradient, op by op, in one run.

For each network, in its builtin spelling (``sigmoid()``, ``softplus()``, ``logsumexp()``) and
written out by hand (``1/(1 + exp(-z))``, ``-(t*log(y) + (1 - t)*log(1 - y))``, ...):

- deltaprop: forward, δ and forward + δ per sample *as the generated ``gradients`` executes
  them* (``codegen.pricing.shipped_cost``: the optimised program, each elementary operation
  once, deltaprop's functions priced by their printed code, e.g. sigmoid as the 4 operations of
  ``0.5*tanh(0.5*z) + 0.5``), and the same for one sample (with the per-call operations);
- CasADi 3.8 SX: ``Function([x, t, p], [loss, gradient(loss, p)])`` of the formula as written
  (``network.written``; builtins in CasADi's natural spelling, e.g. ``1/(1 + exp(-z))``), its
  instructions minus inputs, outputs and constants (bench_compare.py's convention);
- ours / CasADi, and for written-out rows written-out / builtin (ours).

CasADi lives only in this script's environment, never in deltaprop's dependencies:

    python3 -m venv /work/venvs/casadi-bench-tools
    /work/venvs/casadi-bench-tools/bin/pip install -e . casadi==3.8.2
    /work/venvs/casadi-bench-tools/bin/python benchmarks/bench_casadi.py [--quick] [--dump NAME]

The whole table takes about 30 s here, most of it mlp 100-100-10 (``--quick`` leaves it out);
``--dump NAME`` prints, for the rows whose network is NAME (e.g. ``seed-121``, ``"mlp 2-2-1"``),
CasADi's instruction list next to the program deltaprop's generated gradients executes;
``--proposals`` counts rewrites R1 and W1 of /work/helpers/casadi-findings.md on the sigmoid
and swish networks (applied to the generated program, gradients checked against the unmodified
program).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_compare import _casadi_ops  # noqa: E402  (instructions minus inputs/outputs/constants)
from codegen.pricing import PRICES, executed_ops  # noqa: E402
from codegen.scalar import shipped_cost  # noqa: E402
from symbolic import Network, builtin, mlp  # noqa: E402
from symbolic.builders import LayerNames, Layers, dense  # noqa: E402
from symbolic.count import split_fraction  # noqa: E402
from symbolic.examples import seed_softmax  # noqa: E402
from symbolic.functions import logsumexp, relu, sigmoid, softplus  # noqa: E402

MLPS = ["2-2-1", "4-4-4-1", "1-4-4-4-1", "8-8-8-1"]


# -- spellings ------------------------------------------------------------------------------------
def written_sigmoid(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every sigmoid(a) written out as 1/(1 + exp(-a))."""
    return expr.replace(sigmoid, lambda a: 1 / (1 + sp.exp(-a)))


def written_out(network: Network, name: str | None = None) -> Network:
    """The twin of ``network`` with sigmoid written out in each equation and in the loss."""
    equations = [(a.lhs, written_sigmoid(a.rhs)) for a in network.equations]
    return Network(name or network.name, network.inputs, network.targets, network.params,
                   equations, written_sigmoid(network.loss))


def one_hidden_layer(name: str, activation, n_in: int = 2, n_hidden: int = 2) -> Network:
    """n_in → n_hidden (``activation``) → 1 linear output, ½(y − t)²."""
    state = Layers(LayerNames())
    xs = [sp.Symbol(f"x{i}") for i in range(1, n_in + 1)]
    t = sp.Symbol("t")
    _, hidden = dense(state, xs, n_hidden, 1, activation)
    _, (y,) = dense(state, hidden, 1, 2, None)
    return Network(name, xs, [t], state.params, state.equations, (y - t) ** 2 / 2)


def gelu_tanh(z):
    return sp.Rational(1, 2) * z * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (z + 0.044715 * z ** 3)))


def logistic(form: str, n_in: int = 2) -> Network:
    """Logistic regression z = w·x + b with binary cross-entropy in the spelling ``form``."""
    xs = [sp.Symbol(f"x{i}") for i in range(1, n_in + 1)]
    ws = [sp.Symbol(f"w{i}") for i in range(1, n_in + 1)]
    b, t, z, y = sp.symbols("b t z y")
    equations = [(z, sum((w * x for w, x in zip(ws, xs)), b))]
    if form == "builtin":                        # what mlp(..., "bce") writes
        loss = softplus(z) - t * z
    elif form == "log-likelihood":
        equations.append((y, 1 / (1 + sp.exp(-z))))
        loss = -(t * sp.log(y) + (1 - t) * sp.log(1 - y))
    else:
        loss = sp.log(1 + sp.exp(z)) - t * z
    return Network(f"logreg-{n_in}", xs, [t], ws + [b], equations, loss)


def softmax_written(network: Network) -> Network:
    """``network`` (a logsumexp softmax + cross-entropy) written out: sigmoids as
    1/(1 + exp(-z)), a_k = exp(z_k)/Σ_j exp(z_j), L = -Σ_k t_k log a_k."""
    (s, zs), = [(a.lhs, a.rhs.args) for a in network.equations if isinstance(a.rhs, logsumexp)]
    outputs = [a.lhs for a in network.equations if a.rhs.has(s) and isinstance(a.rhs, sp.exp)]
    total = sp.Add(*[sp.exp(z) for z in zs])
    equations = [(a.lhs, written_sigmoid(a.rhs)) for a in network.equations
                 if a.lhs != s and a.lhs not in outputs]
    equations += [(a, sp.exp(z) / total) for a, z in zip(outputs, zs)]
    loss = -sp.Add(*[t * sp.log(a) for t, a in zip(network.targets, outputs)])
    return Network(network.name, network.inputs, network.targets, network.params, equations,
                   loss)


def networks(quick: bool) -> list[tuple[str, str, Network | None, Network]]:
    """(row name, written-out label, builtin network or None, written-out network or None)."""
    rows = [("seed-product", "", builtin("seed-product"), None)]
    for seed in ["seed-121", "seed-221", "seed-222"]:
        rows.append((seed, "1/(1+exp(-z))", builtin(seed), written_out(builtin(seed))))
    rows.append(("seed-softmax", "σ, softmax, CE", seed_softmax(), softmax_written(seed_softmax())))
    for sizes in MLPS + ([] if quick else ["100-100-10"]):
        net = mlp([int(s) for s in sizes.split("-")], "sigmoid", "squared")
        rows.append((f"mlp {sizes}", "1/(1+exp(-z))", net, written_out(net)))
    rows.append(("logreg-2 BCE", "-(t log y+(1-t)log(1-y))", logistic("builtin"),
                 logistic("log-likelihood")))
    rows.append(("logreg-2 BCE", "log(1+exp(z)) - t z", logistic("builtin"), logistic("softplus")))
    tanh_ce = mlp([2, 3, 3], "tanh", "softmax-ce")
    rows.append(("mlp 2-3-3 tanh", "exp(z)/Σexp, -Σt log a", tanh_ce, softmax_written(tanh_ce)))
    rows.append(("swish 2-2-1", "z/(1+exp(-z))", one_hidden_layer("swish", lambda z: z * sigmoid(z)),
                 one_hidden_layer("swish", lambda z: z / (1 + sp.exp(-z)))))
    rows.append(("gelu-tanh 2-2-1", "0.5z(1+tanh(...))", None,
                 one_hidden_layer("gelu", gelu_tanh)))
    rows.append(("mlp 2-2-1 relu", "", mlp([2, 2, 1], "relu", "squared"), None))
    return rows


# -- CasADi ---------------------------------------------------------------------------------------
def to_casadi(ca, expr: sp.Expr, env: dict):
    """``expr`` as a CasADi SX expression in its natural spelling (x - y, x/y, -x, 1/(1+exp(-z)))."""
    if expr.is_Symbol:
        return env[expr]
    if not expr.free_symbols:
        return float(expr)                     # a constant, folded as CasADi folds constants
    if expr.is_Add:
        return _casadi_sum(ca, expr, env)
    if expr.is_Mul:
        return _casadi_product(ca, expr, env)
    if expr.is_Pow:
        return _casadi_power(ca, expr, env)
    return CASADI_FUNCTIONS[type(expr)](ca, *[to_casadi(ca, a, env) for a in expr.args])


CASADI_FUNCTIONS = {
    sp.exp: lambda ca, a: ca.exp(a), sp.log: lambda ca, a: ca.log(a),
    sp.tanh: lambda ca, a: ca.tanh(a), sp.Abs: lambda ca, a: ca.fabs(a),
    sigmoid: lambda ca, a: 1 / (1 + ca.exp(-a)),
    softplus: lambda ca, a: ca.log(1 + ca.exp(a)),
    relu: lambda ca, a: ca.fmax(a, 0),
    logsumexp: lambda ca, *zs: ca.log(sum((ca.exp(z) for z in zs[1:]), ca.exp(zs[0]))),
}


def _casadi_sum(ca, expr, env):
    """Terms with a negative coefficient subtracted: x - t, not x + (-t)."""
    total = None
    for term in expr.args:
        negative = term.as_coeff_Mul()[0].is_negative
        value = to_casadi(ca, -term if negative else term, env)
        if total is None:
            total = -value if negative else value
        else:
            total = total - value if negative else total + value
    return total


def _casadi_product(ca, expr, env):
    """numerator / denominator, a negative coefficient as a negation."""
    coeff, numer, denom = split_fraction(expr)
    p, q = (sp.Integer(coeff.p), sp.Integer(coeff.q)) if coeff.is_Rational else (coeff, sp.S.One)
    top = _casadi_chain(ca, ([abs(p)] if abs(p) != 1 else []) + numer, env)
    bottom = _casadi_chain(ca, ([q] if q != 1 else []) + denom, env)
    value = 1 if top is None else top
    value = value if bottom is None else value / bottom
    return -value if p < 0 else value


def _casadi_chain(ca, factors, env):
    value = None
    for f in factors:
        f = to_casadi(ca, f, env)
        value = f if value is None else value * f
    return value


def _casadi_power(ca, expr, env):
    base = to_casadi(ca, expr.base, env)
    if expr.exp == sp.S.Half:
        return ca.sqrt(base)
    if expr.exp.is_Integer and expr.exp < 0:
        return 1 / base ** int(-expr.exp)
    return base ** (int(expr.exp) if expr.exp.is_Integer else to_casadi(ca, expr.exp, env))


def argument_groups(network: Network) -> list:
    """The symbols of the CasADi function's arguments: inputs, targets (when any), params."""
    return [g for g in (network.inputs, network.targets) if g] + [network.params]


def casadi_function(ca, network: Network):
    """CasADi Function (inputs, targets, params) → (loss, gradient) of the formulas as the user
    wrote them (``network.written``, before deltaprop recognises any form)."""
    env = {s: ca.SX.sym(s.name) for s in network.inputs + network.targets + network.params}
    for a in network.written:
        env[a.lhs] = to_casadi(ca, a.rhs, env)
    loss = env[network.loss_symbol]
    params = ca.vertcat(*[env[p] for p in network.params])
    args = [ca.vertcat(*[env[s] for s in group]) for group in argument_groups(network)]
    return ca.Function("vg", args, [loss, ca.gradient(loss, params)])


def disagreement(network: Network, function) -> float:
    """Largest relative difference between CasADi's and the generated module's loss and
    gradient at a random point (targets in (0, 1), everything else in (-1, 1))."""
    from codegen import generate_module, load_module

    rng = random.Random(0)
    point = {s: rng.uniform(0.1, 0.9) if s in network.targets else rng.uniform(-1, 1)
             for s in network.inputs + network.targets + network.params}
    loss, grads = load_module(generate_module(network)).gradients(
        {p.name: point[p] for p in network.params},
        {s.name: point[s] for s in network.inputs + network.targets})
    theirs = function(*[[point[s] for s in group] for group in argument_groups(network)])
    ours = [loss] + [grads[p.name] for p in network.params]
    values = [float(theirs[0])] + [float(v) for v in theirs[1].full().ravel()]
    return max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(ours, values))


# -- the table ------------------------------------------------------------------------------------
def row(ca, network: Network) -> dict:
    ours = shipped_cost(network)
    function = casadi_function(ca, network)
    return {"forward": ours.forward.per_sample.total, "delta": ours.delta.per_sample.total,
            "sample": ours.per_sample, "one": ours.one_sample,
            "casadi": _casadi_ops(ca, function), "differ": disagreement(network, function)}


HEADER = ("| network | spelling | forward | δ | forward + δ | one sample | CasADi | ours/CasADi "
          "| written/builtin | same values |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")


def table(ca, rows) -> None:
    print(HEADER)
    builtin_cost = {}
    for name, label, built, written in rows:
        for spelling, network in (("builtin", built), (label, written)):
            if network is None or (spelling == "builtin" and name in builtin_cost):
                continue
            r = row(ca, network)
            if spelling == "builtin":
                builtin_cost[name] = r
            twin = builtin_cost.get(name) if spelling != "builtin" else None
            ratio = f"{r['sample'] / twin['sample']:.2f}" if twin else ""
            print(f"| {name} | {spelling} | {r['forward']:,} | {r['delta']:,} | "
                  f"{_cell(r['sample'], r['casadi'])} | {_cell(r['one'], r['casadi'])} | "
                  f"{r['casadi']:,} | {r['sample'] / r['casadi']:.2f} / "
                  f"{r['one'] / r['casadi']:.2f} | {ratio} | {_same(r['differ'])} |", flush=True)


def _same(difference: float) -> str:
    return "yes" if difference < 1e-9 else f"NO ({difference:.1e})"


def _cell(ours: int, casadi: int) -> str:
    """``ours``, bold when above CasADi."""
    return f"**{ours:,}**" if ours > casadi else f"{ours:,}"


# -- the op-by-op dump ----------------------------------------------------------------------------
def dump(ca, network: Network, spelling: str) -> None:
    from codegen.scalar import ScalarEmitter

    print(f"\n### {network.name} ({spelling})\n\nCasADi SX value and gradient:\n```")
    print(casadi_function(ca, network).str(True))
    print("```\n\ndeltaprop, the program the generated gradients executes "
          "(ops per line as executed):\n```")
    forward, backward, summands = ScalarEmitter(network).gradients_program()
    for part, lines in (("forward", forward), ("backward", backward),
                        ("gradients", summands.items())):
        print(f"# {part}")
        for lhs, rhs in lines:
            print(f"{str(lhs) + ' = ' + sp.sstr(rhs, order='none'):<60} {executed_ops(rhs).total}")
    print("```")


# -- proposals, measured -------------------------------------------------------------------------
def reuse_forward_products(forward: list, backward: list) -> tuple[list, list]:
    """Rewrite R1 (see /work/helpers/casadi-findings.md): for h = sigmoid(z) whose δ_h is
    Σ_k δ_k·w_k, name the forward products p_k = w_k·h and write δ_z = (Σ_k δ_k·p_k)·(1 − h)."""
    from symbolic.program import Assignment

    units = {a.lhs for a in forward if isinstance(a.rhs, sigmoid)}
    products, new_forward = {}, []
    for a in forward:
        rhs = a.rhs
        for term in (rhs.args if rhs.is_Add else ()):
            factors = sp.Mul.make_args(term)
            if len(factors) == 2 and factors[0].is_Symbol and set(factors) & units:
                h = next(f for f in factors if f in units)
                products[(term / h, h)] = sp.Symbol(f"p_{term / h}_{h}")
                new_forward.append(Assignment(products[(term / h, h)], term))
                rhs = rhs.xreplace({term: products[(term / h, h)]})
        new_forward.append(Assignment(a.lhs, rhs))
    deltas = {a.lhs: a.rhs for a in backward}
    new_backward = [Assignment(a.lhs, _delta_from_products(a.rhs, units, deltas, products))
                    for a in backward]
    return new_forward, new_backward


def _delta_from_products(rhs, units, deltas, products):
    """δ_h·h·(1 − h) → (Σ δ_k·p_k)·(1 − h) when every term of δ_h has its product p_k."""
    factors = set(sp.Mul.make_args(rhs))
    for h in factors & units:
        (delta_h,) = factors - {h, 1 - h} or (None,)
        if factors != {h, 1 - h, delta_h} or delta_h not in deltas:
            continue
        terms = [t.xreplace({w: products[(w, h)] for w in t.free_symbols if (w, h) in products})
                 for t in sp.Add.make_args(deltas[delta_h])]
        if all(t.free_symbols & set(products.values()) for t in terms):
            return sp.Add(*terms) * (1 - h)
    return rhs


def swish_from_outputs(emitter, forward: list, backward: list) -> tuple[list, list]:
    """Rewrite W1: for a = z·σ(z), δ_z = δ_a·(σ + a·(1 − σ)) from the stored a and σ."""
    from symbolic.program import Assignment

    delta, assigned = emitter.derivation.delta, {a.lhs for a in backward}
    argument = {a.lhs: a.rhs.args[0] for a in forward if isinstance(a.rhs, sigmoid)}
    rule = {}
    for a in forward:
        for s, z in argument.items():
            if a.rhs == s * z and delta.get(a.lhs) in assigned:
                rule[delta[z]] = delta[a.lhs] * (s + a.lhs * (1 - s))
    return forward, [Assignment(b.lhs, rule.get(b.lhs, b.rhs)) for b in backward]


def proposal_row(ca, network: Network, rewrite) -> str:
    """today, after ``rewrite(emitter, forward, backward)``, CasADi, gradients unchanged?"""
    from codegen.pricing import ShippedCost, program_cost
    from codegen.scalar import ScalarEmitter, live
    from symbolic.evaluate import evaluate, run

    emitter = ScalarEmitter(network)
    forward, backward, summands = emitter.gradients_program()
    net = emitter.network
    new_forward, new_backward = rewrite(emitter, forward, backward)
    roots = [net.loss_symbol] + sorted(set().union(*(e.free_symbols for e in summands.values())),
                                       key=str)
    program = live(new_forward + new_backward, roots)
    fwd = [a for a in program if a in new_forward]
    cost = ShippedCost(program_cost(net, fwd, {}, program, summands),
                       program_cost(net, [a for a in program if a not in fwd], summands,
                                    program, summands))
    rng = random.Random(2)
    values = {s: rng.uniform(-1, 1) for s in net.inputs + net.targets + net.params}
    old, new = run(forward + backward, values), run(program, values)
    same = all(abs(evaluate(e, old) - evaluate(e, new)) < 1e-12 for e in summands.values())
    today = shipped_cost(network)
    return (f"| {network.name} | {today.per_sample} / {today.one_sample} | {cost.per_sample} / "
            f"{cost.one_sample} | {_casadi_ops(ca, casadi_function(ca, network))} | "
            f"{'yes' if same else 'NO'} |")


def proposals(ca) -> None:
    print("\n## Rewrites applied to the generated program, counted (per sample / one sample)\n")
    print("| network | today | rewritten | CasADi | same gradients |")
    print("| --- | ---: | ---: | ---: | --- |")
    r1 = lambda emitter, forward, backward: reuse_forward_products(forward, backward)  # noqa
    for name in ["seed-121", "seed-221", "seed-222", "seed-softmax"]:
        print(proposal_row(ca, builtin(name), r1))
    for sizes in MLPS:
        print(proposal_row(ca, mlp([int(s) for s in sizes.split("-")], "sigmoid", "squared"), r1))
    print(proposal_row(ca, one_hidden_layer("swish", lambda z: z * sigmoid(z)),
                       swish_from_outputs))
    print("\nR1 on the sigmoid networks (δ_z = (Σ_k δ_k·w_k h)·(1 − h) from the forward "
          "products), W1 on swish (δ_z = δ_a·(σ + a·(1 − σ))); see casadi-findings.md.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="leave out mlp 100-100-10")
    parser.add_argument("--dump", metavar="NAME", help="print both programs for rows NAME")
    parser.add_argument("--proposals", action="store_true",
                        help="count rewrites R1 and W1 instead of the table")
    args = parser.parse_args()
    import casadi as ca

    rows = networks(args.quick or bool(args.dump))
    print(f"# bench_casadi: deltaprop (as generated code executes) vs CasADi {ca.__version__} SX\n")
    if args.dump:
        for name, label, built, written in rows:
            if name == args.dump:
                for spelling, net in (("builtin", built), (label, written)):
                    if net is not None:
                        dump(ca, net, spelling)
        return
    if args.proposals:
        proposals(ca)
        return
    table(ca, rows)
    prices = ", ".join(f"{f.__name__} {PRICES[f](1).total}" for f in (sigmoid, softplus, relu))
    print("\nforward, δ, forward + δ: operations per sample on arrays over the batch, as the "
          f"generated gradients executes them (codegen.pricing.shipped_cost: {prices}, "
          f"logsumexp of 3 {PRICES[logsumexp](3).total}); one sample: with the operations on "
          "scalars alone (once per call), i.e. every operation once for one sample. CasADi: SX instructions minus inputs, "
          "outputs and constants. ours/CasADi: per sample / one sample. Bold: above CasADi.")


if __name__ == "__main__":
    main()
