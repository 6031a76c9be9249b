"""NumPy printing of matrix-level expressions (SymPy's printers refuse HadamardProduct).

Math is written per sample in columns (X is n_in × B); arrays are stored batch-major
(``X`` is B × n_in), so a batch matrix M is stored as Mᵀ, a per-sample number (1 × B) as a
B × 1 column and vector parameters as 1-D arrays.  ``emit(expr, transposed)`` prints expr (or
exprᵀ) in that storage: W X + b 1ᵀ prints ``X @ W1.T + b1``, Wᵀ δ prints ``delta_Z2 @ W2``,
δ Xᵀ prints ``delta_Z1.T @ X``, δ 1 prints ``ones_B @ delta_Z1`` (``ones_B``: the all-ones
batch vector the module defines; a BLAS matrix-vector product, measured ~2x faster than
``.sum(axis=0)``).  Broadcasts (b 1ᵀ, 1 r, c 1) print as the smaller array and are widened by
NumPy's broadcasting; where the full array is needed (a node, a sum over the broadcast axis)
they are materialised with ``np.full``.
"""
from __future__ import annotations

import sympy as sp

from symbolic.matrix.ops import BATCH, Apply, Mean, SoftmaxCrossEntropy, join_terms, sum_terms
from symbolic.matrix.text import ATOM, PRODUCT, SUM, power_text, wrap as _wrap

from .printer import NumPyCodePrinter


#: name of the all-ones batch vector (1 in δ·1) in generated code.
ONES = "ones_B"

#: element-wise function -> NumPy call template (``_sigmoid``, ``_softplus``: the scalar
#: printer's stable helpers, ``codegen.printer.HELPERS``).
ELEMENTWISE_CODE = {
    "sigmoid": "_sigmoid({})",
    "softplus": "_softplus({})",
    "tanh": "np.tanh({})",
    "relu": "np.maximum({}, 0)",
    "step": "np.heaviside({}, 0)",  # a mask (z > 0) inside products: see ``factor``
    "exp": "np.exp({})",
    "log": "np.log({})",
    "sin": "np.sin({})",
    "cos": "np.cos({})",
    "abs": "np.abs({})",
    "sign": "np.sign({})",
}


class MatrixPrinter:
    """Prints matrix expressions of ``network`` as NumPy code; ``names`` maps symbols to code."""

    def __init__(self, network, names: dict):
        self.network, self.names = network, names

    def code(self, expr) -> str:
        """NumPy code for ``expr`` in storage layout (batch-major), always of full shape."""
        return self.full(expr, _is_batch(expr))[0]

    def emit(self, expr, transposed: bool) -> tuple[str, int]:
        """(code, precedence) of ``expr``, or of its transpose when ``transposed``."""
        if not transposed and _is_batch(expr) and not isinstance(expr, sp.MatrixSymbol):
            return f"{_wrap(self.emit(expr, True), ATOM)}.T", ATOM  # stored transposed
        method = getattr(self, f"_print_{type(expr).__name__}", None)
        if method is None:
            raise NotImplementedError(f"no NumPy printing for {type(expr).__name__}: {expr}")
        return method(expr, transposed)

    def full(self, expr, t) -> tuple[str, int]:
        """Like ``emit``, but a broadcast is materialised to its full shape."""
        if is_full(expr):
            return self.emit(expr, t)
        return f"np.full({self.storage(expr, t)}, {self.emit(expr, t)[0]}, dtype={self.dtype})", ATOM

    @property
    def dtype(self) -> str:
        return f"{self.names[self.network.inputs[0]]}.dtype"

    def storage(self, expr, t) -> str:
        """The array shape of ``expr`` (or its transpose) in storage layout, as code."""
        rows, cols = expr.shape
        if cols == BATCH:
            return f"(B, {rows})" if t else f"({rows}, B)"
        return f"({cols}, {rows})" if t else f"({rows}, {cols})"

    def _print_MatrixSymbol(self, expr, t):
        name = self.names[expr]
        if expr in self.network.vectors or expr.shape == (1, 1):
            return name, ATOM
        stored_transposed = _is_batch(expr)
        return (name if t == stored_transposed else f"{name}.T"), ATOM

    def _print_OneMatrix(self, expr, t):
        return "1", ATOM

    def _print_Identity(self, expr, t):
        if expr.shape == (1, 1):          # SymPy's 1 × 1 all-ones matrix
            return "1", ATOM
        raise NotImplementedError(f"no NumPy printing for the identity matrix {expr}")

    def _print_ZeroMatrix(self, expr, t):
        return f"np.zeros({self.storage(expr, t)}, dtype={self.dtype})", ATOM

    def _print_MatMul(self, expr, t):
        coeff, factors = _coeff_factors(expr)
        body = self._chain(factors, t)
        if coeff == 1:
            return body
        if coeff == -1:
            return f"-{_wrap(body, PRODUCT)}", PRODUCT
        return f"{_scalar(coeff)} * {_wrap(body, PRODUCT + 1)}", PRODUCT

    def _chain(self, factors, t):
        """A product F1···Fn: broadcasts and sums by all-ones factors, outer products, @."""
        if len(factors) == 1:
            return self.emit(factors[0], t)
        first, last = factors[0], factors[-1]
        if _ones(first) and first.shape[1] == 1:      # 1 r: a row broadcast down
            return self._chain(factors[1:], t)
        if _ones(last) and last.shape[0] == 1:        # c 1ᵀ: a column broadcast across
            return self.operand(_product_of(factors[:-1]), t)
        if _ones(first):                              # 1ᵀ M: each column summed
            return self._sum(factors[1:], t, over_rows=True)
        if _ones(last):                               # M 1: each row summed
            return self._sum(factors[:-1], t, over_rows=False)
        split = _split_point(factors)
        if split is not None:
            return self._pair(factors[:split], factors[split:], t)
        order = list(reversed(factors)) if t else list(factors)
        parts = [self.full(f, t) for f in order]
        last = order[-1].arg if isinstance(order[-1], sp.Transpose) else order[-1]
        if t and last in self.network.vectors:   # vᵀ·Z stored as Z @ v: keep it B × 1
            parts[-1] = (f"{_wrap(parts[-1], ATOM)}[:, None]", ATOM)
        return " @ ".join(_wrap(p, PRODUCT + 1) for p in parts), PRODUCT

    def _sum(self, factors, t, over_rows: bool):
        rest = _product_of(factors)
        if not over_rows and _is_batch(rest):          # δ 1: over the batch, by BLAS
            return f"{ONES} @ {_wrap(self.full(rest, True), PRODUCT + 1)}", PRODUCT
        axis = -1 if over_rows == t else 0
        return f"{_wrap(self.full(rest, t), ATOM)}.sum(axis={axis}, keepdims=True)", ATOM

    def _pair(self, left, right, t):
        """L·R where L's columns (R's rows) are one: an outer product, or a scalar factor."""
        a, b = _product_of(left), _product_of(right)
        if a.shape == (1, 1) or b.shape == (1, 1):
            return f"{_wrap(self.emit(a, t), PRODUCT)} * {_wrap(self.emit(b, t), PRODUCT + 1)}", PRODUCT
        first, second = (b, a) if t else (a, b)
        return f"np.outer({self.full(first, t)[0]}, {self.full(second, t)[0]})", ATOM

    def _print_MatAdd(self, expr, t):
        return join_terms(expr, lambda term, negative: _wrap(self.operand(term, t),
                                                             PRODUCT if negative else SUM)), SUM

    def _print_HadamardProduct(self, expr, t):
        return " * ".join(_wrap(self.factor(a, t), PRODUCT + 1) for a in expr.args), PRODUCT

    def operand(self, expr, t) -> tuple[str, int]:
        """An operand of an element-wise operation.  A column that is not per sample, printed
        in math orientation, may be a 1-D array (a vector parameter, W @ b, a sum over the
        batch): it is made n × 1 so that it meets n × 1 matrices entry by entry, not as an
        outer broadcast."""
        printed = self.emit(expr, t)
        rows, cols = expr.shape
        two_d = isinstance(expr, sp.MatrixSymbol) and expr not in self.network.vectors
        if t or cols != 1 or rows == 1 or two_d or not is_full(expr):
            return printed
        return f"np.reshape({printed[0]}, ({rows}, 1))", ATOM

    def factor(self, expr, t) -> tuple[str, int]:
        """A factor of an element-wise product: step.(Z) as the mask ``(Z > 0)`` (a boolean
        array, which the other factors' dtype absorbs), anything else as ``emit``."""
        if isinstance(expr, Apply) and expr.name == "step":
            return f"({self.emit(expr.arg, t)[0]} > 0)", ATOM
        return self.operand(expr, t)

    def _print_HadamardPower(self, expr, t):
        base, n = expr.args
        return power_text(self.emit(base, t), n, "np.sqrt", "**", _exponent)

    def _print_Apply(self, expr, t):
        return ELEMENTWISE_CODE[expr.name].format(self.emit(expr.arg, t)[0]), ATOM

    def _print_Transpose(self, expr, t):
        return self.emit(expr.arg, not t)

    def _print_Softmax(self, expr, t):
        return f"_softmax({self.full(expr.arg, True)[0]})", ATOM

    def _print_LogSumExp(self, expr, t):
        return f"_logsumexp(*{_wrap(self.full(expr.arg, True), ATOM)}.T)[:, None]", ATOM

    def _print_SoftmaxCrossEntropy(self, expr, t):
        z, target = (self.full(a, True)[0] for a in expr.args)
        return f"_softmax_and_cross_entropy({z}, {target})[2]", ATOM  # the loss alone

    def reshape(self, code: str, shape: str) -> str:
        """``code`` as an array of ``shape`` (code)."""
        return f"np.reshape({code}, {shape})"

    def _print_Mean(self, expr, t):
        """mean(V) = (sum of V's entries) / B; a term c·1ᵀ constant over the batch (a weight
        decay) is its own mean, c, and is not broadcast to B copies."""
        per_sample, constant = _split_batch_constant(expr.arg)
        pieces = [self.scalar(c) for c in constant]
        if per_sample is not None:
            pieces.insert(0, (f"{_wrap(self.full(per_sample, True), ATOM)}.sum() / B", PRODUCT))
        if len(pieces) == 1:
            return pieces[0]
        return " + ".join(_wrap(p, SUM) for p in pieces), SUM

    def scalar(self, expr) -> tuple[str, int]:
        """(code, precedence) of a 1 × 1 expression as a 0-d value (a NumPy scalar of the
        arrays' dtype, never a 1 × 1 array): the loss.  Sums and multiples are printed term by
        term, 1ᵀ·M·1 as ``M.sum()``, a batch mean and the fused cross-entropy as they are."""
        if isinstance(expr, (Mean, SoftmaxCrossEntropy)):
            return self.emit(expr, False)
        if isinstance(expr, sp.MatAdd):
            return join_terms(expr, lambda term, negative: _wrap(
                self.scalar(term), PRODUCT if negative else SUM)), SUM
        coeff, factors = _coeff_factors(expr) if isinstance(expr, sp.MatMul) else (1, [expr])
        if coeff != 1:
            body = self.scalar(_product_of(factors))
            return f"{_scalar(coeff)} * {_wrap(body, PRODUCT + 1)}", PRODUCT
        while len(factors) > 1 and _ones(factors[0]) and factors[0].shape[0] == 1:
            factors = factors[1:]                    # 1ᵀ·M: the sum of M's entries is the same
        while len(factors) > 1 and _ones(factors[-1]) and factors[-1].shape[1] == 1:
            factors = factors[:-1]                   # M·1 likewise
        return self.scalar_sum(_product_of(factors))

    def per_sample(self, loss) -> str | None:
        """Code of the per-sample losses (a B-vector) whose batch mean is ``loss`` up to terms
        that are the same for every sample (a weight decay: they cannot read the data), or
        None when ``loss`` is not such a sum of scaled means and fused cross-entropies."""
        pieces = []
        for term in sum_terms(loss):
            coeff, factors = _coeff_factors(term) if isinstance(term, sp.MatMul) else (1, [term])
            body = _product_of(factors)
            if isinstance(body, Mean):
                varying = _split_batch_constant(body.arg)[0]
                if varying is None:
                    continue
                pieces.append(f"{_wrap(self.full(varying, True), ATOM)}[:, 0]")
            elif isinstance(body, SoftmaxCrossEntropy):
                pieces.append(self.cross_entropy_rows(body))
            elif not _is_batch(body) and not body.free_symbols & set(self.network.targets):
                continue
            else:
                return None
            if coeff != 1:
                pieces[-1] = f"{_scalar(coeff)} * {pieces[-1]}"
        return " + ".join(pieces) if pieces else None

    def cross_entropy_rows(self, fused) -> str:
        """Σ_k t_k (logsumexp(z) − z_k) of each sample, by the fused helper's own formula."""
        z, target = (self.full(a, True)[0] for a in fused.args)
        return f"_cross_entropy_rows({z}, {target})"

    def scalar_sum(self, expr) -> tuple[str, int]:
        """The sum of all entries of ``expr`` as a 0-d value."""
        return f"{_wrap(self.full(expr, False), ATOM)}.sum()", ATOM


def is_full(expr) -> bool:
    """False when ``expr`` prints as a smaller array that NumPy broadcasts (b 1ᵀ, 1 r, c·1)."""
    if expr.shape == (1, 1) or isinstance(expr, sp.MatrixSymbol):
        return True
    if _ones(expr):
        return False
    if isinstance(expr, sp.MatMul):
        _, factors = _coeff_factors(expr)
        first, last = factors[0], factors[-1]
        if len(factors) == 1:
            return is_full(first)
        return not ((_ones(first) and first.shape[1] == 1) or (_ones(last) and last.shape[0] == 1))
    if isinstance(expr, (sp.MatAdd, sp.HadamardProduct)):
        return any(is_full(a) for a in expr.args)
    if isinstance(expr, (sp.HadamardPower, sp.Transpose)):
        return is_full(expr.args[0])
    if isinstance(expr, Apply):
        return is_full(expr.arg)
    return True


def _split_batch_constant(expr) -> tuple:
    """(the per-sample part of a 1 × B sum or None, [c for each term c·1ᵀ with c 1 × 1 and
    not per sample]): the terms that are the same number for every sample."""
    per_sample, constant = [], []
    for term in sum_terms(expr):
        coeff, factors = _coeff_factors(term) if isinstance(term, sp.MatMul) else (1, [term])
        last = factors[-1]
        if not _is_batch(term):                      # a 1 × 1 number added to every sample
            constant.append(term)
        elif (len(factors) > 1 and _ones(last) and last.shape == (1, BATCH)
                and not _is_batch(_product_of(factors[:-1]))):
            constant.append(sp.MatMul(coeff, *factors[:-1]) if coeff != 1 else _product_of(factors[:-1]))
        else:
            per_sample.append(term)
    if not per_sample:
        return None, constant
    return (per_sample[0] if len(per_sample) == 1 else sp.MatAdd(*per_sample)), constant


def _coeff_factors(expr) -> tuple:
    """(coefficient, factors) of a product, an r × c all-ones factor split into 1_r·1ᵀ_c (a
    sum followed by a broadcast), a 1 × 1 all-ones factor (the number 1) dropped."""
    coeff, matrices = expr.as_coeff_matrices()
    factors = []
    for m in matrices:
        rows, cols = m.shape
        if _ones(m) and rows == 1 and cols == 1 and len(matrices) > 1:
            continue
        if _ones(m) and rows != 1 and cols != 1:
            factors += [sp.OneMatrix(rows, 1), sp.OneMatrix(1, cols)]
        else:
            factors.append(m)
    return coeff, factors


def _split_point(factors):
    """Where a product has an inner dimension of one (an outer product or a 1 × 1 factor)."""
    for i in range(1, len(factors)):
        if factors[i - 1].shape[1] == 1:
            return i
    return None


def _product_of(factors):
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


def _ones(expr) -> bool:
    return isinstance(expr, sp.OneMatrix)


def _is_batch(expr) -> bool:
    return expr.shape[1] == BATCH


def _scalar(value) -> str:
    """A coefficient (a number or a formula in B) as code: floats as ``0.01``, not 0.0100000;
    a constant such as sqrt(2/π) as its float value, so that it stays a weak Python float
    (``np.sqrt(2/np.pi)`` would be a float64 scalar and turn float32 arrays into float64)."""
    if not all(n.is_Rational for n in value.atoms(sp.Number)) or value.atoms(
            sp.NumberSymbol) or any(not p.exp.is_Integer for p in value.atoms(sp.Pow)):
        value = value.evalf(17)
    return NumPyCodePrinter({BATCH: "B"}).doprint(value)


def _exponent(n) -> str:
    text = str(int(n)) if n.is_Integer else repr(float(n))
    return f"({text})" if n < 0 else text
