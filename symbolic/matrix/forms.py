"""The scalar level's written-out forms, recognised entry by entry in matrix networks.

Every element-wise piece of a matrix expression (sums, Hadamard products and powers, functions,
numbers) is one scalar expression per entry.  It is turned into that scalar expression (each
other piece — a product W·X, a sum over a sample, a broadcast — a dummy), rewritten by
``symbolic.forms.recognise`` (log(1 + exp(Z)) is softplus(Z), log(σ(Z)) is −softplus(−Z), also
through a node Y = σ(Z)), and mapped back.  So ``sum(log(1 + exp(Z)) - T*Z)`` gives
δ_Z = σ(Z) − T as at the scalar level, and cross-entropy on a sigmoid node stays finite.
A log of a softmax (a node ``Y = softmax(Z)`` or written inline) becomes Z − logsumexp(Z) the
same way, and a loss that is then Σ T⊙(lse(Z) − Z) becomes the fused softmax cross-entropy
(``cross_entropy``).
"""
from __future__ import annotations

import sympy as sp

from ..forms import recognise
from .cross_entropy import recognise_cross_entropy
from .entries import Entries
from .ops import Apply, LogSumExp, Softmax
from .reductions import recognise_reductions

_ELEMENTWISE = (sp.MatAdd, sp.HadamardProduct, sp.HadamardPower, Apply)


def recognise_forms(equations, loss):
    """(equations, loss) with the recognised forms rewritten."""
    equations, loss = recognise_reductions(equations, loss)
    forms = _Forms()
    out = []
    for lhs, rhs in equations:
        rewritten = forms.rewrite(rhs)
        forms.remember(lhs, rewritten)
        out.append((lhs, rewritten))
    return tuple(out), recognise_cross_entropy(forms.rewrite(loss), out, forms)


class _Forms(Entries):
    """Entries read with the written-out forms recognised inside (log of a softmax node)."""

    def __init__(self):
        super().__init__()
        self.nodes: dict = {}        # Dummy of a node -> its scalar right side
        self.softmax: dict = {}      # node Y -> Z for Y = softmax(Z)
        self.changed = False         # a piece inside the expression being read was rewritten

    def remember(self, lhs, rhs) -> None:
        if isinstance(rhs, Softmax):
            self.softmax[lhs] = rhs.arg
        elif _is_elementwise(rhs):
            self.nodes[self.dummy(lhs)] = self.scalar(rhs)

    def rewrite(self, expr):
        if not isinstance(expr, sp.MatrixExpr) or isinstance(expr, sp.MatrixSymbol):
            return expr
        if self._is_log_softmax(expr):
            return self._log_softmax(expr.arg)
        if not _is_elementwise(expr):
            return self._rebuilt(expr)
        outer, self.changed = self.changed, False   # rewrites nest: keep the caller's flag
        scalar = self.scalar(expr)
        inner, self.changed = self.changed, outer
        found = recognise(scalar, self.nodes)
        if found == scalar and not inner:
            return expr
        try:
            return self.matrix(found, expr.shape)
        except NotImplementedError:  # e.g. logsumexp of two matrices: no matrix form
            return self._rebuilt(expr)

    def _rebuilt(self, expr):
        """``expr`` with its pieces rewritten one by one."""
        args = [self.rewrite(a) for a in expr.args]
        return expr.func(*args) if args != list(expr.args) else expr

    def special(self, expr):
        if self._is_log_softmax(expr):
            self.changed = True
            return self.scalar(self._log_softmax(expr.arg))
        return None

    def piece(self, expr) -> sp.Dummy:
        piece = self.rewrite(expr)
        self.changed |= piece != expr
        return self.dummy(piece)

    def _is_log_softmax(self, expr) -> bool:
        return (isinstance(expr, Apply) and expr.name == "log"
                and (expr.arg in self.softmax or isinstance(expr.arg, Softmax)))

    def _log_softmax(self, softmax):
        """log(Y) for Y = softmax(Z) (a node or written inline): Z − 1·logsumexp(Z)."""
        logits = softmax.arg if isinstance(softmax, Softmax) else self.softmax[softmax]
        spread = sp.MatMul(-1, sp.OneMatrix(logits.shape[0], 1), LogSumExp(logits))
        return sp.MatAdd(logits, spread)  # not ``logits - …``: SymPy's doit is slow


def _is_elementwise(expr) -> bool:
    if isinstance(expr, _ELEMENTWISE):
        return True
    if isinstance(expr, sp.MatMul):
        matrices = expr.as_coeff_matrices()[1]
        return len(matrices) == 1 and _is_elementwise(matrices[0])
    return False
