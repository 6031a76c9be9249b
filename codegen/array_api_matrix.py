"""Array API printing of matrix-level networks: the NumPy matrix printer without NumPy-only code.

Differences from ``MatrixPrinter``: element-wise functions are ``xp.`` calls or helpers, the
step mask is a float array (a boolean times a float array is an error in the standard), sums
over the batch are ``xp.sum(δ, axis=0)`` (no all-ones vector: on Dask the sum of a chunked axis
is a tree reduction), and nothing is computed in place with ``out=`` (not in the standard).
Helpers take the namespace from their argument, so the printed calls are the NumPy ones.
"""
from __future__ import annotations

from symbolic.matrix.ops import Apply
from symbolic.matrix.text import ATOM, PRODUCT, SUM, power_text, wrap as _wrap

from .matrix_printer import MatrixPrinter, _exponent, _is_batch, _product_of, is_full

ELEMENTWISE_CODE = {
    "sigmoid": "_sigmoid({})",
    "softplus": "xp.logaddexp({}, 0.0)",
    "tanh": "xp.tanh({})",
    "relu": "xp.maximum({}, 0.0)",
    "step": "_step({})",
    "exp": "xp.exp({})",
    "log": "xp.log({})",
    "sin": "xp.sin({})",
    "cos": "xp.cos({})",
    "abs": "xp.abs({})",
    "sign": "xp.sign({})",
}

HELPERS = {
    "_sigmoid": '''def _sigmoid(z):
    """1 / (1 + exp(-z)) without overflow: exp of a non-positive number only."""
    xp = array_api_compat.array_namespace(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))''',
    "_step": '''def _step(z):
    """1.0 where z > 0, else 0.0, in z's dtype."""
    xp = array_api_compat.array_namespace(z)
    return xp.astype(z > 0, z.dtype)''',
    "_logsumexp": '''def _logsumexp(*zs):
    """log(exp(z1) + ... + exp(zk)) without overflow, by k - 1 xp.logaddexp calls."""
    xp = array_api_compat.array_namespace(*zs)
    total = zs[0]
    for z in zs[1:]:
        total = xp.logaddexp(total, z)
    return total''',
    "_logsumexp_rows": '''def _logsumexp_rows(z):
    """log(sum_k exp(z_k)) of each row (one per sample) as a column, shifted by the row maximum
    (the standard allows no iteration over an array's rows)."""
    xp = array_api_compat.array_namespace(z)
    top = xp.max(z, axis=1, keepdims=True)
    return top + xp.log(xp.sum(xp.exp(z - top), axis=1, keepdims=True))''',
    "_softmax": '''def _softmax(z):
    """Row-wise softmax (one row per sample), shifted by the row maximum."""
    xp = array_api_compat.array_namespace(z)
    e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
    return e / xp.sum(e, axis=1, keepdims=True)''',
    "_cross_entropy_rows": '''def _cross_entropy_rows(z, t):
    """sum_k t_k (logsumexp(z) - z_k) of each row (one per sample), shifted by the row maximum."""
    xp = array_api_compat.array_namespace(z, t)
    shifted = z - xp.max(z, axis=1, keepdims=True)
    return (xp.sum(t, axis=1) * xp.log(xp.sum(xp.exp(shifted), axis=1))
            - xp.sum(t * shifted, axis=1))''',
    "_softmax_and_cross_entropy": '''def _softmax_and_cross_entropy(z, t):
    """(row-wise softmax, each row's target sum sum_k t_k, mean over rows of
    sum_k t_k (logsumexp(z) - z_k)), one exponential; exact for any t."""
    xp = array_api_compat.array_namespace(z, t)
    shifted = z - xp.max(z, axis=1, keepdims=True)  # z_k - max_j z_j
    e = xp.exp(shifted)  # exp(z_k - max z), at most 1
    s = xp.sum(e, axis=1, keepdims=True)  # sum_k exp(z_k - max z)
    t_sum = xp.sum(t, axis=1, keepdims=True)  # sum_k t_k
    loss = xp.sum(t * (xp.log(s) - shifted)) / z.shape[0]  # mean of sum_k t_k (lse - z_k)
    return e / s, t_sum, loss''',
}


class ArrayApiMatrixPrinter(MatrixPrinter):
    """Prints matrix expressions as array API code over the namespace ``xp``."""

    def full(self, expr, t):
        if is_full(expr):
            return self.emit(expr, t)
        zeros = f"xp.zeros({self.storage(expr, t)}, dtype={self.dtype})"   # a fresh full array:
        return f"{zeros} + {_wrap(self.emit(expr, t), PRODUCT)}", SUM     # xp.full takes scalars only

    def _print_ZeroMatrix(self, expr, t):
        return f"xp.zeros({self.storage(expr, t)}, dtype={self.dtype})", ATOM

    def _sum(self, factors, t, over_rows: bool):
        rest = _product_of(factors)
        axis = 0 if (not over_rows and _is_batch(rest)) or over_rows != t else -1
        keep = "" if (not over_rows and _is_batch(rest)) else ", keepdims=True"
        return f"xp.sum({self.full(rest, True if keep == '' else t)[0]}, axis={axis}{keep})", ATOM

    def _pair(self, left, right, t):
        a, b = _product_of(left), _product_of(right)
        if a.shape == (1, 1) or b.shape == (1, 1):
            return super()._pair(left, right, t)
        first, second = (b, a) if t else (a, b)
        return (f"xp.reshape({self.full(first, t)[0]}, (-1, 1)) * "
                f"xp.reshape({self.full(second, t)[0]}, (1, -1))"), PRODUCT

    def operand(self, expr, t):
        printed = super().operand(expr, t)
        if printed[0].startswith("np.reshape("):
            return "xp.reshape(" + printed[0][len("np.reshape("):], ATOM
        return printed

    def factor(self, expr, t):
        if isinstance(expr, Apply) and expr.name == "step":
            return f"_step({self.emit(expr.arg, t)[0]})", ATOM
        return self.operand(expr, t)

    def _print_HadamardPower(self, expr, t):
        base, n = expr.args
        return power_text(self.emit(base, t), n, "xp.sqrt", "**", _exponent)

    def _print_Apply(self, expr, t):
        return ELEMENTWISE_CODE[expr.name].format(self.emit(expr.arg, t)[0]), ATOM

    def _print_LogSumExp(self, expr, t):
        return f"_logsumexp_rows({self.full(expr.arg, True)[0]})", ATOM

    def _print_Mean(self, expr, t):
        return f"xp.sum({self.full(expr.arg, True)[0]}) / B", PRODUCT

    def scalar_sum(self, expr):
        return f"xp.sum({self.full(expr, False)[0]})", ATOM

    def reshape(self, code: str, shape: str) -> str:
        return f"xp.reshape({code}, {shape})"


def setup_lines(network, names) -> list[str]:
    """Bind the namespace of the data, then parameters and data as arrays of it."""
    data = network.inputs + network.targets
    keys = ", ".join(f"data[{s.name!r}]" for s in data)
    lines = [f"xp = array_api_compat.array_namespace({keys})"]
    lines += [f"{names[p]} = xp.asarray(params[{p.name!r}])" for p in network.params]
    lines += [f"{names[s]} = data[{s.name!r}]" for s in data]
    lines.append(f"B = {names[network.inputs[0]]}.shape[0]")
    return lines
