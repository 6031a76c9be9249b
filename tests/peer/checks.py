"""Run a peer case as a user would and compare with independent references.

spec text -> ``parse_spec`` -> ``codegen.generate_module`` -> ``codegen.load_module`` ->
``forward`` / ``loss`` / ``gradients`` / ``gradients_naive``, compared with SymPy's ``diff`` of the
fully inlined loss evaluated in 30-digit mpmath (``tests/reference.py``), with five-point
central differences of the module's own ``loss``, and with the values the source states.
Every problem is returned as one line naming the case, its source, the point, what was
compared, the expected and the obtained value.
"""
from __future__ import annotations

import ast
import builtins
import math
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

import codegen
from reference import MPMATH_DEFINITIONS, inlined_loss, reference_gradients
from symbolic import derive
from symbolic.evaluate import point as symbols_of, run
from symbolic.spec import parse_spec

DIGITS = 30
REL_SYMPY = 1e-9      # generated gradients against 30-digit SymPy
REL_NAIVE = 1e-10     # gradients_naive against gradients
REL_LOSS = 1e-11      # loss / forward values against 30-digit SymPy
REL_FD = 1e-7         # five-point central differences (truncation ~h^4)
EPS = np.finfo(float).eps


class PeerFailure(AssertionError):
    """One case's problems, one line each."""


def build(case):
    """(network, module) of a case, exactly as a user gets them."""
    network = parse_spec(case.spec, f"{case.id.replace('/', '-')}.net")
    source = codegen.generate_module(network)
    return network, codegen.load_module(source)


def unassigned_names(source: str) -> list[str]:
    """'function: name' for every name a function of ``source`` reads but neither it (as an
    argument or an assignment anywhere in its body), the module nor Python's builtins define."""
    tree = ast.parse(source)
    known = set(dir(builtins)) | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                                  and isinstance(n.ctx, ast.Store) and _at_module_level(tree, n)}
    known |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    known |= {(a.asname or a.name).split(".")[0] for n in tree.body
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    problems = []
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        local = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        local |= {n.id for n in ast.walk(fn)
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        problems += sorted({f"{fn.name}: {n.id}" for n in ast.walk(fn) if isinstance(n, ast.Name)
                            and isinstance(n.ctx, ast.Load) and n.id not in local | known})
    return problems


def _at_module_level(tree, name_node) -> bool:
    return any(name_node in ast.walk(n) for n in tree.body
               if isinstance(n, (ast.Assign, ast.AnnAssign)))


def split(network, point: dict) -> tuple[dict, dict, list]:
    """(params as floats, data as arrays, per-sample {name: float}) of a point."""
    params = {p.name: float(point[p.name]) for p in network.params}
    data_names = [s.name for s in network.inputs + network.targets]
    columns = {n: np.atleast_1d(np.asarray(point[n], dtype=float)) for n in data_names}
    n = max([len(c) for c in columns.values()], default=1)
    columns = {k: np.broadcast_to(c, (n,)) for k, c in columns.items()}
    samples = [dict(params, **{k: float(c[i]) for k, c in columns.items()}) for i in range(n)]
    return params, {k: np.array(c) for k, c in columns.items()}, samples


@lru_cache(maxsize=None)
def _loss_function(network):
    free = network.inputs + network.targets + network.params
    return free, sp.lambdify(free, inlined_loss(network), modules=[MPMATH_DEFINITIONS, "mpmath"])


def reference(network, samples: list) -> tuple[float, dict, list]:
    """(mean loss, mean gradient, per-sample losses) from SymPy at 30 digits."""
    free, loss_fn = _loss_function(network)
    losses, grads = [], {p.name: [] for p in network.params}
    for sample in samples:
        by_symbol = {s: sample[s.name] for s in free}
        with mpmath.workdps(DIGITS):
            losses.append(float(loss_fn(*[mpmath.mpf(by_symbol[s]) for s in free])))
        for p, g in reference_gradients(network, by_symbol, digits=DIGITS).items():
            grads[p.name].append(g)
    mean = {k: math.fsum(v) / len(v) for k, v in grads.items()}
    return math.fsum(losses) / len(losses), mean, losses


def _step(value: float) -> float:
    return 1e-3 * abs(value) if abs(value) > 1e-2 else 1e-5


def central_differences(module, params: dict, data: dict) -> tuple[dict, dict]:
    """({param: five-point central difference of module.loss}, {param: its rounding bound})."""
    grads, bounds = {}, {}
    for name, value in params.items():
        h = _step(value)
        f = [float(module.loss(dict(params, **{name: value + k * h}), data))
             for k in (2, 1, -1, -2)]
        grads[name] = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h)
        bounds[name] = 20 * EPS * max(1.0, *map(abs, f)) / h
    return grads, bounds


def close(got: float, want: float, rel: float, slack: float = 0.0) -> bool:
    """|got - want| <= rel*max(|got|, |want|) + slack; infinities only equal themselves and
    NaN is never the answer."""
    if not (math.isfinite(got) and math.isfinite(want)):
        return got == want
    return abs(got - want) <= rel * max(abs(got), abs(want)) + slack


class Report:
    """Collects the problems of one case as lines."""

    def __init__(self, case):
        self.case, self.lines = case, []

    def add(self, where: str, what: str, want=None, got=None) -> None:
        detail = "" if want is None and got is None else f": expected {want!r}, got {got!r}"
        self.lines.append(f"{self.case.id} [{self.case.source}] {where}: {what}{detail}")

    def compare(self, where, what, got, want, rel, slack=0.0) -> None:
        if not close(got, want, rel, slack):
            self.add(where, what, want, got)

    def raise_if_any(self) -> None:
        if self.lines:
            raise PeerFailure(f"{len(self.lines)} problem(s):\n" + "\n".join(self.lines))


def call(report: Report, where: str, fn, *args):
    """fn(*args), or None with the exception recorded as one line."""
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 - any exception of generated code is a finding
        first = str(err).splitlines()[0] if str(err) else ""
        report.add(where, f"{fn.__name__} raised {type(err).__name__}: {first}")
        return None


def describe(point: dict) -> str:
    def short(v):
        return f"[{len(v)} values]" if isinstance(v, (list, tuple)) and len(v) > 4 else repr(v)
    text = ", ".join(f"{k}={short(v)}" for k, v in point.items())
    return f"at {text[:150]}{'...' if len(text) > 150 else ''}"


def run_case(case, check) -> None:
    """check(report, network, module, point) at every point of a case, after building it as a
    user would; raises ``PeerFailure`` listing all problems found."""
    report = Report(case)
    built = call(report, "building", build, case)
    if built is not None:
        network, module = built
        for problem in unassigned_names(module.__deltaprop_source__):
            report.add("in the generated module", f"{problem} is read but never assigned")
        for point in case.points:
            check(report, network, module, point)
    report.raise_if_any()


def check_case(case) -> None:
    """Every comparison of a peer case at every point (``check_point``)."""
    run_case(case, check_point)


def check_singular(case) -> None:
    """A singular-point case: every function runs and gives exactly ``case.known``."""
    run_case(case, check_singular_point)


def check_point(report: Report, network, module, point: dict) -> None:
    where = describe(point)
    params, data, samples = split(network, point)
    names = [p.name for p in network.params]
    result = call(report, where, module.gradients, params, data)
    naive = call(report, where, module.gradients_naive, params, data)
    if report.case.sympy_reference:
        check_against_sympy(report, where, network, module, (params, data, samples), result)
    check_loss_is_mean_of_forward(report, where, (module, network.loss_symbol.name), params, data)
    if result is not None:
        loss, grads = result
        slack = 1e-12 * max(1.0, abs(float(loss)))
        check_central_differences(report, where, module, params, data, grads, names)
        if naive is not None:
            for n in names:
                report.compare(where, f"gradients_naive dL/d{n} vs gradients", float(naive[1][n]),
                               float(grads[n]), REL_NAIVE, slack)
    check_known(report, where, point, result)


def check_against_sympy(report, where, network, module, point, result) -> None:
    """loss(), forward() and gradients() against SymPy's diff of the inlined loss, 30 digits."""
    params, data, samples = point
    want_loss, want_grads, want_losses = reference(network, samples)
    check_values(report, where, (module, network.loss_symbol.name), (params, data),
                 (want_loss, want_losses))
    check_worked_example(report, where, network, samples, want_grads)
    if result is None:
        return
    loss, grads = result
    report.compare(where, "gradients() loss vs 30-digit SymPy", float(loss), want_loss, REL_LOSS)
    slack = 1e-12 * max(1.0, abs(want_loss))
    for n, want in want_grads.items():
        report.compare(where, f"dL/d{n} vs 30-digit SymPy diff", float(grads[n]), want,
                       REL_SYMPY, slack)


def worked_example(network, samples: list) -> dict:
    """Mean over the samples of the δ program evaluated in Python floats by the symbolic layer
    (``symbolic.evaluate``), as `deltaprop derive --at` and `graph --at` do."""
    derivation = derive(network)
    grads = {p.name: [] for p in derivation.gradient}
    for sample in samples:
        values = run(derivation.program, run(network.forward, symbols_of(network, sample)))
        for p, g in derivation.gradient.items():
            grads[p.name].append(values[g])
    return {k: math.fsum(v) / len(v) for k, v in grads.items()}


def check_worked_example(report, where, network, samples, want_grads) -> None:
    got = call(report, where, worked_example, network, samples)
    for n, want in (want_grads.items() if got is not None else ()):
        report.compare(where, f"worked example (symbolic.evaluate of the δ program) dL/d{n} vs "
                       "30-digit SymPy diff", got[n], want, REL_SYMPY, 1e-12)


def check_values(report, where, module_and_loss_name, arguments, wanted) -> None:
    """loss() and forward()'s per-sample loss against the reference values."""
    (module, name), (want_loss, want_losses) = module_and_loss_name, wanted
    loss = call(report, where, module.loss, *arguments)
    if loss is not None:
        report.compare(where, "loss() vs 30-digit SymPy", float(loss), want_loss, REL_LOSS, 1e-15)
    values = call(report, where, module.forward, *arguments)
    if values is not None:
        per_sample = np.asarray(values[name], dtype=float)
        for i, want in enumerate(want_losses):
            report.compare(where, f"forward()[{name!r}][{i}] vs 30-digit SymPy",
                           float(per_sample[i]), want, REL_LOSS, 1e-15)


def check_loss_is_mean_of_forward(report, where, module_and_loss_name, params, data) -> None:
    """loss() equals the batch mean of forward()'s per-sample loss (no reference needed)."""
    module, name = module_and_loss_name
    loss = call(report, where, module.loss, params, data)
    values = call(report, where, module.forward, params, data)
    if loss is not None and values is not None:
        per_sample = [float(v) for v in np.asarray(values[name], dtype=float)]
        report.compare(where, f"loss() vs the mean of forward()[{name!r}]", float(loss),
                       math.fsum(per_sample) / len(per_sample), REL_LOSS, 1e-15)


def check_central_differences(report, where, module, params, data, grads, names) -> None:
    fd = call(report, where, central_differences, module, params, data)
    if fd is None:
        return
    fd_grads, bounds = fd
    for n in names:
        report.compare(where, f"dL/d{n} vs central differences of loss()", float(grads[n]),
                       fd_grads[n], REL_FD, bounds[n])


def check_known(report, where, point, result) -> None:
    if report.case.known is None or result is None:
        return
    rel, absolute = report.case.known_tol
    for key, want in report.case.known(point).items():
        got = float(result[0]) if key == "loss" else float(result[1][key])
        report.compare(where, f"{'loss' if key == 'loss' else 'dL/d' + key} vs the stated value",
                       got, float(want), rel, absolute)


def check_singular_point(report: Report, network, module, point: dict) -> None:
    where = describe(point)
    params, data, _ = split(network, point)
    want = report.case.known(point)
    for fn in (module.gradients, module.gradients_naive):
        result = call(report, where, fn, params, data)
        if result is not None:
            compare_exactly(report, where, fn.__name__, result, want)
    loss = call(report, where, module.loss, params, data)
    if loss is not None:
        report.compare(where, "loss()", float(loss), want["loss"], 1e-15)
    call(report, where, module.forward, params, data)


def compare_exactly(report, where, name, result, want) -> None:
    report.compare(where, f"{name}() loss", float(result[0]), want["loss"], 1e-15)
    for key, value in want.items():
        if key != "loss":
            report.compare(where, f"{name}() dL/d{key} (convention)", float(result[1][key]),
                           value, 1e-15)
