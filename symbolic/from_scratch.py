"""Gradients "from scratch": what a user would do by hand with SymPy alone.

Inline the whole network into one loss expression, ``sympy.diff`` it once per parameter,
then ``sympy.cse`` the gradients together.  This is the baseline the shared-δ sweep is
compared with, so it is attempted only under caps: the size of the inlined loss is
estimated first on the graph by dynamic programming (nothing is inlined for that), and
the attempt runs in a child process that is stopped at the time cap.
"""
from __future__ import annotations

import multiprocessing
from collections import Counter
import time
import warnings
from dataclasses import dataclass

import sympy as sp

from .cost import OpCount, count_expr, count_program
from .naming import fresh_symbols
from .network import Network
from .program import Program

#: Default caps: inlined loss of at most this many operations, at most this many seconds.
MAX_INLINED_OPS = 2_000
MAX_SECONDS = 30.0


@dataclass(frozen=True)
class ScratchLimits:
    """Caps for the from-scratch attempt (``max_inlined_ops`` 0 disables it)."""

    max_inlined_ops: int = MAX_INLINED_OPS
    seconds: float = MAX_SECONDS


NOT_ATTEMPTED = "not attempted"


@dataclass(frozen=True)
class FromScratch:
    """Outcome of the attempt: ``cost`` is None when it was not attempted or not finished."""

    estimated_ops: int          # operations of the fully inlined loss (exact for builder MLPs)
    cost: OpCount | None
    seconds: float | None
    note: str                   # why it was not attempted, or how it went

    @property
    def attempted(self) -> bool:
        """Started (within the size cap), whether or not it finished in time."""
        return not self.note.startswith(NOT_ATTEMPTED)

    @property
    def done(self) -> bool:
        return self.cost is not None


def inlined_size(network: Network) -> int:
    """Operations in the loss with every node inlined, counted without inlining.

    size(node) = ops of its right side + Σ over each occurrence of a node symbol in it of
    that node's size: the tree SymPy would build, which is exponential in depth.
    """
    size: dict[sp.Symbol, int] = {}
    sums: set = set()
    for a in network.forward:
        uses = Counter(s for s in sp.preorder_traversal(a.rhs) if s in size)
        size[a.lhs] = (count_expr(a.rhs).total - _negated_sums(a.rhs, sums)
                       + sum(n * size[s] for s, n in uses.items()))
        if a.rhs.is_Add:
            sums.add(a.lhs)
    return size[network.loss_symbol]


def _negated_sums(expr: sp.Expr, sums: set, in_sum: bool = False) -> int:
    """Negations −z of a sum node z outside a sum: inlined, SymPy distributes them (−b − w·h),
    so the one operation ``count_expr`` gives them disappears."""
    if expr.is_Atom:
        return 0
    if expr.is_Mul and len(expr.args) == 2 and expr.args[0] == -1 and expr.args[1] in sums:
        return 0 if in_sum else 1
    return sum(_negated_sums(a, sums, expr.is_Add) for a in expr.args)


def inlined_loss(network: Network) -> sp.Expr:
    """The loss as one expression of inputs, targets and parameters (small networks only)."""
    inlined: dict[sp.Symbol, sp.Expr] = {}
    for a in network.forward:
        inlined[a.lhs] = a.rhs.xreplace(inlined)
    return inlined[network.loss_symbol]


def from_scratch_program(network: Network) -> Program:
    """``sympy.cse`` of ``sympy.diff(inlined loss, p)`` for every parameter p, as a Program.

    The common subexpressions come first, then one ``dL_dp = ...`` per parameter; the
    program starts from inputs, targets and parameters (it recomputes the forward pass).
    """
    loss = inlined_loss(network)
    gradients = [sp.diff(loss, p) for p in network.params]
    taken = {s.name for s in network.symbols}
    temporaries = sp.numbered_symbols("cse", exclude=[sp.Symbol(n) for n in taken])
    replacements, reduced = sp.cse(gradients, symbols=temporaries, order="canonical")
    taken.update(s.name for s, _ in replacements)
    names = fresh_symbols("dL_d", network.params, taken)
    outputs = [(names[p], g) for p, g in zip(network.params, reduced)]
    return Program(list(replacements) + outputs)


def from_scratch(network: Network, limits: ScratchLimits = ScratchLimits()) -> FromScratch:
    """Attempt the from-scratch gradients under ``limits``; count them with ``count_program``."""
    size = inlined_size(network)
    if size > limits.max_inlined_ops:
        return FromScratch(size, None, None, f"{NOT_ATTEMPTED}: the inlined loss has {size:,} "
                           f"operations (cap {limits.max_inlined_ops:,})")
    start = time.perf_counter()
    status, value = _run_capped(_count_from_scratch, network, limits.seconds)
    seconds = time.perf_counter() - start
    if status == "timeout":
        return FromScratch(size, None, seconds, f"not finished: stopped at the time cap of "
                           f"{limits.seconds:g} s (inlined loss: {size:,} operations)")
    if status == "error":
        return FromScratch(size, None, seconds, f"failed: {value}")
    return FromScratch(size, OpCount(*value), seconds,
                       f"diff of the inlined loss ({size:,} operations) per parameter, then cse")


def _count_from_scratch(network: Network) -> tuple[int, int, int, int]:
    c = count_program(from_scratch_program(network))
    return (c.adds, c.muls, c.divs, c.funcs)


def _run_capped(func, arg, seconds: float) -> tuple[str, object]:
    """("ok", func(arg)), ("error", message) or ("timeout", None) after ``seconds``.

    ``func`` runs in a forked child that is stopped at the cap; where ``fork`` is
    unavailable it runs in this process, uncapped (the size cap still applies).
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return _guarded(func, arg)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(func, arg, sender), daemon=True)
    with warnings.catch_warnings():
        # Python >= 3.12 warns about fork beside (BLAS) threads; the child runs SymPy only
        warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
        child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            return "timeout", None
        return receiver.recv()
    except EOFError:
        return "error", "the child process died"
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _guarded(func, arg) -> tuple[str, object]:
    try:
        return "ok", func(arg)
    except Exception as err:  # report any SymPy failure as a note, not a traceback
        return "error", f"{type(err).__name__}: {err}"


def _child(func, arg, sender) -> None:
    try:
        sender.send(_guarded(func, arg))
    finally:
        sender.close()
