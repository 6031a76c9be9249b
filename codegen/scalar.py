"""Emit the stand-alone module of a scalar-level ``Network`` (template scalar_module.py.j2 for
NumPy; the python and array-api backends of ``codegen.backends`` supply their own printer,
reductions, function openings and template to the same emitter).

The batch is processed in blocks of ``BLOCK`` samples so that each block's temporaries stay in
the CPU cache; sums over the batch are ``np.dot``/``np.sum`` reductions accumulated per block.
Nodes that depend on parameters alone are computed once, before the loop.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from symbolic.version import __version__
from symbolic import Network, derive
from symbolic.errors import DeltapropError
from symbolic.cost import network_costs
from symbolic.cost import cost_table
from symbolic.naive import derive_naive
from symbolic.passes import optimize
from symbolic.program import Assignment

from .backends import backend
from .initial import init_bounds
from .naming import RESERVED, Namer, identifier
from .pricing import ShippedCost, executed_comment, program_cost
from .rewrites import halve_sigmoid_inputs
from .printer import MAX_OPERANDS, chunks, grouped, number
from .templates import render

#: Samples per block: 8192 float64 = 64 KiB per temporary, in cache and below glibc's 128 KiB
#: mmap threshold (larger temporaries are mapped and unmapped on every operation).
BLOCK = 8192
#: Above this many chain-rule path terms, gradients_naive raises instead of being written out.
NAIVE_PATH_LIMIT = 20_000
#: Column at which end-of-line equation comments start.
COMMENT_COLUMN = 44


@dataclass
class BlockedFunction:
    """A function that loops over blocks of the batch, as pre-printed lines."""

    name: str
    doc: str
    ops: list = field(default_factory=list)
    setup: list = field(default_factory=list)
    body: list = field(default_factory=list)
    after: list = field(default_factory=list)
    result: list = field(default_factory=list)
    raises: str = ""


class ScalarEmitter:
    """Everything one module needs, printed with one ``Namer`` and one printer."""

    def __init__(self, network: Network, target=None):
        self.original = network
        self.network = network
        self.target = backend() if target is None else target   # codegen.backends
        self.namer = Namer(RESERVED | self.target.reserved)
        valid_first = sorted(self.network.symbols, key=lambda s: identifier(s.name) != s.name)
        for s in valid_first:            # names that are already identifiers stay unchanged
            self.namer(s, s.name)
        self.printer = self.target.printer(_NameMap(self.namer))
        self._lines: dict = {}
        self.notes: dict = {}            # symbol -> its comment, for rewritten lines
        data = set(self.network.inputs) | set(self.network.targets)
        self.batched: set = set(data)
        self._mark_batched(self.network.forward)

    @cached_property
    def derivation(self):
        return derive(self.network)

    @cached_property
    def costs(self):
        return network_costs(self.network, self.derivation)

    # -- analysis -----------------------------------------------------------------------------
    def _mark_batched(self, program) -> None:
        for a in program:
            if a.rhs.free_symbols & self.batched:
                self.batched.add(a.lhs)

    def is_batched(self, expr: sp.Expr) -> bool:
        return bool(expr.free_symbols & self.batched)

    # -- printing -----------------------------------------------------------------------------
    def code(self, expr: sp.Expr) -> str:
        try:
            return self.printer.doprint(expr)
        except NotImplementedError as err:   # SymPy's PrintMethodNotImplementedError
            raise CodegenError(f"network {self.original.name!r}: no {self.target.label} code for "
                               f"{_short(expr)}: {str(err).splitlines()[0]}") from None

    def assignment(self, a: Assignment) -> str:
        if a not in self._lines:
            code = f"{self.namer(a.lhs)} = {self.code(a.rhs)}"
            node = self.derivation.delta_node.get(a.lhs)
            note = f"d{self.network.loss_symbol}/d{node}" if node is not None else self.notes.get(a.lhs)
            self._lines[a] = commented(code, note or f"{a.lhs} = {equation(a.rhs)}")
        return self._lines[a]

    def reduction(self, target: str, expr: sp.Expr, label: str) -> tuple[list, list]:
        """Lines adding Σ over the batch of ``expr`` to ``target``: (in the loop, after it)."""
        if self.target.one_sample:                      # one sample: no sum, no loop
            return [commented(f"{target} = {self.code(expr)}", f"{label} = {equation(expr)}")], []
        comment = f"{label} += sum over the batch of {equation(expr)}"
        terms = sp.Add.make_args(expr)
        batched = [t for t in terms if self.is_batched(t)]
        constant = sp.Add(*[t for t in terms if not self.is_batched(t)])
        inside = [commented(f"{target} += {join_terms(self.batch_sum(t) for t in batched)}",
                            comment)] if batched else []
        per_sample = self.printer.parenthesize(constant, PRECEDENCE["Mul"])
        after = [commented(f"{target} += _n*{per_sample}", comment)] if constant != 0 else []
        return inside, after

    def batch_sum(self, term: sp.Expr) -> tuple[str, str]:
        """(sign, Σ over a block of one product term): np.dot of two batched factors if any."""
        scale, arrays = [], []
        for f in sp.Mul.make_args(term):
            if not self.is_batched(f):
                scale.append(f)
            elif f.is_Pow and f.exp == 2 and f.base.is_Atom:
                arrays += [f.base, f.base]
            else:
                arrays.append(f)
        if len(arrays) == 1:
            summed = self.target.sum(self.code(arrays[0]))
        else:
            summed = self.target.dot(self.code(arrays[0]), self.code(sp.Mul(*arrays[1:])))
        factor = sp.Mul(*scale)
        sign = "-" if factor.could_extract_minus_sign() else "+"
        factor = -factor if sign == "-" else factor
        if factor == 1:
            return sign, summed
        if factor.is_Number:
            return sign, f"{number(factor)}*{summed}"
        return sign, f"{self.printer.parenthesize(factor, PRECEDENCE['Mul'])}*{summed}"

    def split(self, assignments) -> tuple[list, list]:
        """(lines before the loop, lines in the loop) for assignments in program order."""
        before, inside = [], []
        for a in assignments:
            (inside if a.lhs in self.batched else before).append(self.assignment(a))
        return before, inside

    # -- functions ----------------------------------------------------------------------------
    def forward_lines(self) -> list[str]:
        return [self.assignment(a) for a in self.network.forward]

    def loss_function(self) -> BlockedFunction:
        net = self.network
        fn = BlockedFunction("loss", "Mean over the batch of the per-sample loss.")
        program = live(net.forward, [net.loss_symbol])
        fn.ops = [executed_comment(program_cost(net, program, {}))]
        self._accumulate_loss(fn, program)
        fn.result = [self.target.mean("_loss")]
        return fn

    def _accumulate_loss(self, fn: BlockedFunction, program, reductions=()) -> None:
        """Lines of ``program``, its loss assignment turned into a reduction into ``_loss``
        unless a later line or one of the ``reductions`` (expressions summed over the batch)
        reads the loss's value (the derivative of exp is exp: ``loss = exp(u)``)."""
        net = self.network
        self._mark_batched(program)
        fn.setup += self.target.accumulator("_loss")
        assignments = list(program)
        loss_rhs = net.loss_symbol
        used = set().union(*(e.free_symbols for e in [a.rhs for a in assignments] + list(reductions)))
        for i, a in enumerate(assignments):
            if a.lhs == net.loss_symbol and a.lhs not in net.nodes and a.lhs not in used:
                loss_rhs = assignments.pop(i).rhs        # reduced directly, never stored
                break
        before, inside = self.split(assignments)
        fn.setup += before
        fn.body += inside
        add_inside, add_after = self.reduction("_loss", loss_rhs, "loss")
        fn.body += add_inside
        fn.after += add_after

    def gradients_program(self) -> tuple[list, list, dict]:
        """(forward part, backward part, {gradient: per-sample summand}) that ``gradients``
        executes: the optimised program without dead code; the summands become reductions."""
        net, derivation = self.network, self.derivation
        grads = list(derivation.gradient.values())
        fwd, bwd = optimize(net.forward, derivation.program, grads,
                            reserved=[s.name for s in net.symbols])
        steps, grad_rhs = _split_gradients(list(bwd), set(grads))
        program = live(list(fwd) + steps, [net.loss_symbol] + _symbols_in(grad_rhs.values()))
        self._mark_batched(program)
        program, notes = halve_sigmoid_inputs(program, {net.loss_symbol}, self.batched,
                                              grad_rhs.values())
        self.notes.update(notes)
        self._mark_batched(program)
        backward_names = {a.lhs for a in bwd}
        forward_names = {a.lhs for a in program if a.lhs not in backward_names}
        return ([a for a in program if a.lhs in forward_names],
                [a for a in program if a.lhs not in forward_names], grad_rhs)

    def gradients_function(self) -> BlockedFunction:
        net = self.network
        derivation = self.derivation
        for s in derivation.program.lhs:
            self.namer(s, s.name)
        forward, backward, grad_rhs = self.gradients_program()
        program = forward + backward
        for a in program:
            self.namer(a.lhs, a.lhs.name)
        fn = BlockedFunction("gradients", "(loss, {parameter: dloss/dparameter}) with the shared "
                             "delta terms of backpropagation.")
        raw = self.costs.forward + self.costs.delta
        fn.ops = [executed_comment(program_cost(net, program, grad_rhs)) + f" (forward + "
                  f"backward; {raw.total} in the table, before copy propagation and common "
                  f"subexpressions)"]
        self._accumulate_loss(fn, program, grad_rhs.values())
        self._accumulate_gradients(fn, derivation.gradient, grad_rhs)
        return fn

    def _accumulate_gradients(self, fn: BlockedFunction, gradient: dict, rhs: dict) -> None:
        for param, g in gradient.items():
            name = self.namer(g, g.name)
            fn.setup += self.target.accumulator(name)
            inside, after = self.reduction(name, rhs[g], f"d{self.network.loss_symbol}/d{param}")
            fn.body += inside
            fn.after += after
        fn.result = [f"{self.target.mean('_loss')}, {{"] + [
            f"    {p.name!r}: {self.target.mean(self.namer(g))}," for p, g in gradient.items()] + ["}"]

    def naive_function(self) -> BlockedFunction:
        net = self.network
        fn = BlockedFunction("gradients_naive", "Like gradients(), but each parameter from its "
                             "own chain-rule paths, nothing shared.")
        paths = self.costs.paths
        ops = self.costs.forward + self.costs.naive
        fn.ops = [f"{ops.total} ops per sample (forward + {paths} chain-rule path products)"]
        if paths > NAIVE_PATH_LIMIT:
            fn.raises = repr(f"network {net.name!r} has {paths:,} chain-rule path terms, over "
                             f"deltaprop's limit of {NAIVE_PATH_LIMIT:,} for gradients_naive")
            return fn
        naive = derive_naive(net, limit=NAIVE_PATH_LIMIT)
        gradient = self.derivation.gradient          # accumulator names never clash with nodes
        rhs = {gradient[item.param]: item.expression for item in naive}
        self._accumulate_loss(fn, net.forward, rhs.values())
        self._accumulate_gradients(fn, gradient, rhs)
        return fn

    # -- the module ---------------------------------------------------------------------------
    def render(self) -> str:
        net = self.network
        forward = self.forward_lines()
        blocked = [self.loss_function(), self.gradients_function(), self.naive_function()]
        nodes = list(net.nodes) + ([] if net.loss_symbol in net.nodes else [net.loss_symbol])
        data = [self.namer(s) for s in net.inputs + net.targets]
        return render(
            self.target.template,
            **self.frame(),
            version=__version__,
            network_name=safe_text(repr(self.original.name)),
            loss_key=safe_text(repr(net.loss_symbol.name)),
            op_table=self.op_table(),
            params=names_tuple(net.params), inputs=names_tuple(net.inputs),
            targets=names_tuple(net.targets), nodes=names_tuple(nodes),
            block=BLOCK,
            helpers=[self.target.helpers[h].rstrip("\n") + "\n" for h in self.printer.helpers],
            unpack_params=f"{unpack(self.namer(p) for p in net.params)} = _params(params, _columns)",
            unpack_data=unpack(data) if data else "",
            forward_lines=forward,
            forward_ops=executed_comment(program_cost(net, net.forward, {}, loss_stored=True)),
            outputs=[(repr(s.name), self.target.output(self.namer(s))) for s in nodes],
            blocked=blocked,
            init_bounds=bounds_dict(init_bounds(self.original)),
            naive_doc=("the same, each parameter from its own chain-rule paths" if not blocked[2].raises
                       else f"raises NotImplementedError ({self.costs.paths:,} chain-rule path "
                            f"terms, over {NAIVE_PATH_LIMIT:,})"),
        )

    def frame(self) -> dict:
        """The backend's pre-printed lines that open each function and its block loop."""
        net = self.network
        params = [(self.namer(p), p.name) for p in net.params]
        data = [(self.namer(s), s.name) for s in net.inputs + net.targets]
        return dict(backend=self.target.name,
                    forward_prologue=self.target.forward_prologue(params, data),
                    prologue=self.target.prologue(params, data),
                    block_loop=self.target.loop(), block_unpack=self.target.block_unpack(data))

    def op_table(self) -> list[str]:
        return cost_table(self.costs.rows())


class CodegenError(DeltapropError):
    """A network whose expressions cannot be printed as NumPy code."""


def _short(expr, limit: int = 120) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[:limit] + " ..."


class _NameMap(dict):
    """Symbol → identifier, asking the namer for symbols it has not seen yet."""

    def __init__(self, namer: Namer):
        super().__init__()
        self.namer = namer

    def __missing__(self, symbol):
        return self.namer(symbol, symbol.name)


def _split_gradients(assignments: list, grads: set) -> tuple[list, dict]:
    """Separate the per-parameter gradient assignments (to become reductions) from the rest."""
    steps, rhs = [], {}
    for a in assignments:
        if a.lhs in grads:
            rhs[a.lhs] = a.rhs.xreplace(rhs) if a.rhs.free_symbols & set(rhs) else a.rhs
        else:
            steps.append(a)
    return steps, rhs


def _symbols_in(exprs) -> list:
    out: list = []
    for e in exprs:
        out += sorted(e.free_symbols, key=lambda s: s.name)
    return out


def live(assignments, roots) -> list:
    """The assignments needed for ``roots``, in their order (dead code removed)."""
    needed = set(roots)
    kept = []
    for a in reversed(list(assignments)):
        if a.lhs in needed:
            kept.append(a)
            needed |= a.rhs.free_symbols
    return kept[::-1]


def equation(expr: sp.Expr) -> str:
    """The expression in the user's names, for comments (SymPy's canonical term order)."""
    return sp.sstr(expr, order="none")


def join_terms(terms) -> str:
    """``a - b + c`` from [("+", "a"), ("-", "b"), ("+", "c")]; more than ``MAX_OPERANDS``
    terms in parenthesised groups, like the printer's long sums."""
    terms = list(terms)
    if len(terms) > MAX_OPERANDS:
        return grouped([f"({join_terms(g)})" for g in chunks(terms)], " + ")
    text = ""
    for sign, term in terms:
        text += (f" {sign} " if text else ("-" if sign == "-" else "")) + term
    return text


def commented(code: str, equation: str) -> str:
    """``code`` with the equation it implements as an end-of-line comment, unless the comment
    would only repeat the line (``z1 = w1*x``, ``h1 = _sigmoid(z1)``)."""
    if _plain(code) == _plain(equation):
        return code
    return f"{code.ljust(COMMENT_COLUMN - 2)}  # {safe_text(equation)}"


def _plain(text: str) -> str:
    """Code or equation text without spaces, ``np.`` prefixes and helper underscores."""
    return re.sub(r"\bnp\.|(?<![\w.])_(?=[a-z])|\s", "", text)


def safe_text(text: str) -> str:
    """Text safe in a comment or a docstring: no line breaks, quotes and backslashes escaped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text.replace("\\", "\\\\").replace('"', '\\"')


def names_tuple(symbols) -> str:
    """A Python tuple literal of the symbols' names (the user's names, not identifiers)."""
    items = [repr(s.name) for s in symbols]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def bounds_dict(bounds: dict) -> str:
    """A Python dict literal {parameter name: bound} (the user's names)."""
    return "{" + ", ".join(f"{p.name!r}: {float(b)!r}" for p, b in bounds.items()) + "}"


def unpack(names) -> str:
    names = list(names)
    return ", ".join(names) + ("," if len(names) == 1 else "")


def emit_scalar_module(network: Network, target=None) -> str:
    """The module of a scalar-level network for ``target`` (``codegen.backends``; default
    NumPy), as source text."""
    return ScalarEmitter(network, target).render()


def shipped_cost(network) -> ShippedCost:
    """The cost of the generated ``gradients`` of ``network`` (``codegen.pricing`` conventions)."""
    emitter = ScalarEmitter(network)
    forward, backward, summands = emitter.gradients_program()
    net = emitter.network
    return ShippedCost(program_cost(net, forward, {}, forward + backward, summands),
                       program_cost(net, backward, summands, forward + backward, summands))
