"""Store what the backward pass reads: function values and arguments inside a formula.

The derivative of an element-wise function reads its own value r (σ' = r(1 − r)) or its
argument a (relu' = step(a), log' = 1/a).  When r or a is a costly piece (a matrix product or a
function call) of a larger formula rather than a node, the backward pass would compute it
again — for ``A1 = relu(W1 @ X + b1)`` the whole matrix product.  This pass gives each such
piece a node of its own before derivation (the scalar level stores function values the same
way): ``A1_in = W1·X + b1·1ᵀ``, then ``A1 = relu.(A1_in)``; a value inside a formula, such as
sigmoid(Z) in ``H = Z * sigmoid(Z)``, becomes ``H_sigmoid``.  A costly argument is stored even
when the derivative does not read it (``H = sigmoid(W1 @ X + b1)``): its δ then is a node,
computed once for both W1 and b1, and the code is that of a layer (``H_in += b1`` in place).
A piece equal to an existing node's right side reuses that node.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import sympy as sp

from ..naming import fresh_name
from .functions import elementwise_derivative
from .ops import Apply, LogSumExp, Softmax, SoftmaxCrossEntropy, signed_terms, sum_rows, sum_terms


def lift_stored_values(equations, loss, loss_symbol, taken: set):
    """(equations, loss) with the pieces the backward pass reads stored as nodes, and every
    costly piece that occurs in two places (or equals an earlier node's right side) stored once."""
    lifter = _Lifter(_shared_pieces([rhs for _, rhs in equations] + [loss]), taken)
    out = []
    for lhs, rhs in equations:
        rewritten = lifter.rewrite(rhs, lhs.name, top=True)
        out.extend(lifter.pop())
        out.append((lhs, rewritten))
        lifter.stored.setdefault(rewritten, lhs)
        lifter.stored.setdefault(rhs, lhs)
    rewritten_loss = lifter.rewrite(loss, loss_symbol.name, top=True)
    return tuple(out + lifter.pop()), rewritten_loss


def _shared_pieces(expressions) -> set:
    """Keys (``_sign_free``) of the costly pieces that occur twice or more, except those that
    only occur inside a larger such piece (v·H inside v·H + c·1ᵀ: storing the larger one
    stores both)."""
    counts, pieces = {}, {}
    for expr in expressions:
        for p in sp.preorder_traversal(expr):
            if (p is not expr and isinstance(p, sp.MatrixExpr)
                    and not isinstance(p, sp.MatrixSymbol) and _costly(p)):
                key = _sign_free(p)
                counts[key] = counts.get(key, 0) + 1
                pieces.setdefault(key, p)
    shared = {k for k, n in counts.items() if n > 1}
    return {k for k in shared if not any(q != k and counts[q] == counts[k]
                                         and pieces[q].has(pieces[k]) for q in shared)}


def _sign_free(piece):
    """One key for a sum and its negation (W·X + b·1ᵀ and −W·X − b·1ᵀ are stored once): the
    pair of its signed terms and theirs negated (no SymPy ``doit``, which is slow)."""
    if not isinstance(piece, sp.MatAdd):
        return piece
    signed = _signed(piece)
    return frozenset((signed, _negated(signed)))


@lru_cache(maxsize=4096)
def _signed(piece: sp.MatAdd) -> frozenset:
    """The terms of a sum as a multiset of (negative, |term|)."""
    return frozenset(Counter(signed_terms(sum_terms(piece))).items())


def _negated(signed: frozenset) -> frozenset:
    return frozenset(((not negative, term), n) for (negative, term), n in signed)


class _Lifter:
    def __init__(self, shared: set, taken):
        self.stored: dict = {}       # piece -> node holding it (earlier nodes and lifted ones)
        self.shared, self.taken, self.new = shared, set(taken), []

    def pop(self) -> list:
        new, self.new = self.new, []
        return new

    def rewrite(self, expr, owner: str, top: bool):
        if not isinstance(expr, sp.MatrixExpr) or isinstance(expr, sp.MatrixSymbol):
            return expr
        negated = self.negation_stored(expr) if not top else None
        if negated is not None:                    # −W·X − b·1ᵀ of a stored W·X + b·1ᵀ
            return -negated
        if not top and (expr in self.stored or _sign_free(expr) in self.shared):
            return self.store(expr, f"{owner}_in", self.rewrite(expr, owner, True))
        args = [self.rewrite(a, owner, False) for a in expr.args]
        if args != list(expr.args):
            expr = expr.func(*args)
            if not top and expr in self.stored:
                return self.stored[expr]
        if isinstance(expr, SoftmaxCrossEntropy):
            return self._cross_entropy(expr, owner)
        if not isinstance(expr, (Apply, sp.HadamardPower, LogSumExp, Softmax)):
            return expr
        arg = _argument(expr)
        if _costly(arg):  # read by the derivative, or its δ feeds two operands (W·A + b)
            expr = expr.xreplace({arg: self.store(arg, f"{owner}_in")})
        if not top and _costly(expr) and _reads_value(expr):
            expr = self.store(expr, f"{owner}_{_label(expr)}")
        return expr

    def negation_stored(self, expr):
        """The node holding −``expr`` (``expr`` a sum), or None."""
        if not isinstance(expr, sp.MatAdd):
            return None
        negated = _negated(_signed(expr))
        return next((node for piece, node in self.stored.items()
                     if isinstance(piece, sp.MatAdd) and _signed(piece) == negated), None)

    def _cross_entropy(self, expr, owner: str):
        """Its VJP reads softmax(Z) and the targets' sums 1ᵀT: both stored (an existing node
        Y = softmax(Z) is reused), so the code computes them with the loss in one pass."""
        logits, target = expr.args
        if _costly(logits):
            logits = self.store(logits, f"{owner}_in")
        self.store(Softmax(logits), f"{owner}_softmax")
        label = target.name if isinstance(target, sp.MatrixSymbol) else owner
        self.store(sum_rows(target), f"{label}_sum")
        return SoftmaxCrossEntropy(logits, target)

    def store(self, expr, name: str, value=None) -> sp.MatrixSymbol:
        """The node holding ``expr`` (a new one named ``name`` computing ``value``, default
        ``expr``, unless one exists)."""
        if expr in self.stored:
            return self.stored[expr]
        symbol = sp.MatrixSymbol(fresh_name(name, self.taken), *expr.shape)
        self.stored[expr] = symbol
        self.new.append((symbol, expr if value is None else value))
        return symbol


def _costly(expr) -> bool:
    """Worth storing: holds a matrix product or a function call (not just sums and scalings)."""
    for e in sp.preorder_traversal(expr):
        if isinstance(e, (Apply, LogSumExp, Softmax)):
            return True
        if isinstance(e, sp.HadamardPower) and not e.args[1].is_Integer:
            return True
        if isinstance(e, sp.MatMul):
            matrices = [f for f in e.as_coeff_matrices()[1] if not isinstance(f, sp.OneMatrix)]
            if len(matrices) >= 2:
                return True
    return False


def _argument(expr):
    return expr.args[0] if isinstance(expr, (sp.HadamardPower, LogSumExp, Softmax)) else expr.arg


def _label(expr) -> str:
    if isinstance(expr, Apply):
        return expr.name
    return {LogSumExp: "logsumexp", Softmax: "softmax"}.get(type(expr), "power")


def _reads_value(expr) -> bool:
    """True when the derivative of ``expr`` reads ``expr``'s own value (σ' = r(1 − r))."""
    if isinstance(expr, (LogSumExp, Softmax)):
        return True
    return elementwise_derivative(expr).has(expr)
