"""NumPy printing of matrix-level expressions (SymPy's printers refuse HadamardProduct).

Math is written per sample in columns (X is n_in × B); arrays are stored batch-major
(``x`` is B × n_in), so a batch matrix M is stored as Mᵀ and bias columns as 1-D arrays.
``emit(expr, transposed)`` prints expr (or exprᵀ) in that storage: W X + b 1ᵀ prints
``x @ W1.T + b1``, Wᵀ δ prints ``delta_Z2 @ W2``, δ Xᵀ prints ``delta_Z1.T @ x``, δ 1 prints
``ones_B @ delta_Z1`` (``ones_B``: the all-ones batch vector the module defines; a BLAS
matrix-vector product, measured ~2x faster than ``.sum(axis=0)``).
"""
from __future__ import annotations

import sympy as sp

from symbolic.matrix.ops import BATCH

ATOM, POWER, PRODUCT, SUM = 4, 3, 2, 1

#: name of the all-ones batch vector (1 in δ·1) in generated code.
ONES = "ones_B"

#: element-wise function -> NumPy call template (``_sigmoid`` etc. are module helpers).
ELEMENTWISE_CODE = {
    "sigmoid": "_sigmoid({})",
    "tanh": "np.tanh({})",
    "relu": "np.maximum({}, 0)",
    "softplus": "np.logaddexp({}, 0)",
    "step": "({} > 0)",
    "exp": "np.exp({})",
}


class MatrixPrinter:
    """Prints matrix expressions of ``network`` as NumPy code; ``names`` maps symbols to code."""

    def __init__(self, network, names: dict):
        self.network, self.names = network, names

    def code(self, expr) -> str:
        """NumPy code for ``expr`` in storage layout (batch-major)."""
        return self.emit(expr, _is_batch(expr))[0]

    def emit(self, expr, transposed: bool) -> tuple[str, int]:
        """(code, precedence) of ``expr``, or of its transpose when ``transposed``."""
        method = getattr(self, f"_print_{type(expr).__name__}", None)
        if method is None:
            raise NotImplementedError(f"no NumPy printing for {type(expr).__name__}: {expr}")
        return method(expr, transposed)

    def _print_MatrixSymbol(self, expr, t):
        name = self.names[expr]
        if expr in self.network.bias_columns or expr.shape == (1, 1):
            return name, ATOM
        stored_transposed = _is_batch(expr)
        return (name if t == stored_transposed else f"{name}.T"), ATOM

    def _print_OneMatrix(self, expr, t):
        return "1", ATOM

    def _print_MatMul(self, expr, t):
        coeff, factors = expr.as_coeff_matrices()
        body = self._product(factors, t)
        if coeff == 1:
            return body
        if coeff == -1:
            return f"-{_wrap(body, PRODUCT)}", PRODUCT
        return f"{_scalar(coeff)} * {_wrap(body, PRODUCT + 1)}", PRODUCT

    def _product(self, factors, t):
        if len(factors) == 2 and isinstance(factors[1], sp.OneMatrix):
            if factors[1].shape[0] == 1:            # b 1ᵀ: a column broadcast over the batch
                return self.emit(factors[0], t)
            summed = self.emit(factors[0], True)     # M 1: summed over the batch (BLAS gemv)
            return f"{ONES} @ {_wrap(summed, PRODUCT + 1)}", PRODUCT
        if len(factors) == 1:
            return self.emit(factors[0], t)
        order = list(reversed(factors)) if t else list(factors)
        parts = [self.emit(f, t) for f in order]
        return " @ ".join(_wrap(p, PRODUCT + 1) for p in parts), PRODUCT

    def _print_MatAdd(self, expr, t):
        terms = sorted(expr.args, key=_negative)
        text = ""
        for term in terms:
            if _negative(term):
                text += " - " + _wrap(self.emit(-term, t), PRODUCT)
            else:
                text += (" + " if text else "") + _wrap(self.emit(term, t), SUM)
        return text, SUM

    def _print_HadamardProduct(self, expr, t):
        return " * ".join(_wrap(self.emit(a, t), PRODUCT + 1) for a in expr.args), PRODUCT

    def _print_HadamardPower(self, expr, t):
        base, n = expr.args
        return f"{_wrap(self.emit(base, t), ATOM)}**{_scalar(n)}", POWER

    def _print_Apply(self, expr, t):
        return ELEMENTWISE_CODE[expr.name].format(self.emit(expr.arg, t)[0]), ATOM

    def _print_Transpose(self, expr, t):
        return self.emit(expr.arg, not t)

    def _print_Softmax(self, expr, t):
        text = f"_softmax({self.emit(expr.arg, True)[0]})"
        return (text if t else f"{text}.T"), ATOM

    def _print_SoftmaxCrossEntropy(self, expr, t):
        z, target = (self.emit(a, True)[0] for a in expr.args)
        return f"_softmax_and_cross_entropy({z}, {target})[1]", ATOM  # the loss alone

    def _print_Mean(self, expr, t):
        return f"{_wrap(self.emit(expr.arg, True), ATOM)}.sum() / B", PRODUCT


def _is_batch(expr) -> bool:
    return expr.shape[1] == BATCH


def _negative(term) -> bool:
    return isinstance(term, sp.MatMul) and term.as_coeff_matrices()[0].could_extract_minus_sign()


def _wrap(printed: tuple[str, int], at_least: int) -> str:
    code, precedence = printed
    return code if precedence >= at_least else f"({code})"


def _scalar(value) -> str:
    return sp.pycode(value)
