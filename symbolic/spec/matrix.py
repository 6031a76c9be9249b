"""Matrix specs: a spec whose declarations have shapes builds a ``MatrixNetwork``.

::

    input X[6]               # a per-sample vector; the batch is implicit
    target T[6]
    param W[3,6] b[3] c[6]
    Z = W @ X + b            # b is added to every sample
    H = sigmoid(Z)
    R = W.T @ H + c
    loss = sum((R - T)^2)/2  # one number per sample; modules report the batch mean

The lines are read by the same reader as scalar specs (``statements``, the same whitelist and
limits); this module adds what matrices need on top of ``build``: ``@``, ``.T`` (the one
attribute), shape checks with both shapes in the message ("W @ X: 3×5 times 6"), broadcasting
of numbers, of vectors over the batch and of per-sample numbers over a vector's entries, and
``sum``, ``logsumexp`` and ``softmax`` over each sample's entries.  A name declared without a
shape is a per-sample number (input, target) or a single number (param).
"""
from __future__ import annotations

import ast

import sympy as sp

from ..matrix import BATCH, LogSumExp, MatrixNetwork, Softmax, apply, hadamard, over_batch, sum_rows
from ..matrix.functions import SCALAR
from .build import Builder, _Expression
from .text import FUNCTIONS, LOSS, suggest

#: scalar function -> element-wise function name at the matrix level (``ln`` is ``log``).
_ELEMENTWISE = {f: name for name, f in SCALAR.items() if name not in ("sign", "step")}
#: functions over each sample's entries (one matrix argument).
REDUCTIONS = ("sum", "logsumexp", "softmax")
_WORDS = {ast.Add: "plus", ast.Sub: "minus", ast.Mult: "times", ast.Div: "divided by"}


def is_matrix_spec(statements) -> bool:
    """True when any declaration gives a shape (``X[6]``)."""
    return any(getattr(s, "shapes", None) for s in statements)


def shape_text(expr) -> str:
    """A shape as the spec declares it: ``6`` (per sample or a vector), ``3×5``, ``1×1``."""
    if not isinstance(expr, sp.MatrixExpr):
        return "a number"
    rows, cols = expr.shape
    if cols == BATCH or cols == 1 and rows != 1:
        return f"{rows}"
    return f"{rows}×{cols}"


class MatrixBuilder(Builder):
    """``Builder`` with matrix symbols of the declared shapes and a ``MatrixNetwork`` at the end."""

    def __init__(self, filename, limits):
        super().__init__(filename, limits)
        self.walker = _MatrixExpression
        self.shapes: dict = {}
        self.vectors: list = []
        self.value = None

    def network(self, title, statements, last_line):
        for s in statements:
            for name, dims in getattr(s, "shapes", {}).items():
                self.shapes.setdefault(name, dims)
        return super().network(title, statements, last_line)

    def _declare(self, name, role, line, col):
        super()._declare(name, role, line, col)
        entry = self.table[name]
        entry.symbol = self._symbol(name, role, line, col)
        return entry.symbol

    def _symbol(self, name, role, line, col):
        if role == "node":
            if not isinstance(self.value, sp.MatrixExpr):
                raise line.error(col, f"{name} is a constant: a node must depend on an input "
                                 "or a parameter", len(name))
            return sp.MatrixSymbol(name, *self.value.shape)
        dims = self.shapes.get(name, (1,) if role != "param" else (1, 1))
        if role != "param":
            return sp.MatrixSymbol(name, dims[0], BATCH)
        symbol = sp.MatrixSymbol(name, dims[0], dims[1] if len(dims) == 2 else 1)
        if len(dims) == 1:
            self.vectors.append(symbol)
        return symbol

    def _expression(self, s):
        self.value = super()._expression(s)
        if s.target == LOSS:
            self._check_loss(s)
        return self.value

    def _check_loss(self, s) -> None:
        shape = getattr(self.value, "shape", None)
        if shape not in ((1, BATCH), (1, 1)):
            what = "a constant" if shape is None else f"{shape_text(self.value)} per sample"
            raise s.line.node_error(s.value, f"the loss must be one number per sample, but this "
                                    f"is {what}; sum its entries with sum(...)")

    def make_network(self, title, role, equations, loss):
        return MatrixNetwork(title, role("input"), role("target"), role("param"), equations,
                             loss, vector_params=self.vectors)


class _MatrixExpression(_Expression):
    """Walks one expression tree with matrices: shapes are checked at every operation."""

    def __init__(self, builder, line):
        super().__init__(builder, line)
        self.rules[ast.Attribute] = self._attribute

    def _binary(self, node, depth):
        if isinstance(node.op, ast.MatMult):
            left, right = (self.build(n, depth + 1) for n in (node.left, node.right))
            return self._matmul(node, left, right)
        return super()._binary(node, depth)

    def _matmul(self, node, left, right):
        if not (_is_matrix(left) and _is_matrix(right)):
            raise self.fail(node, f"{self._text(node)}: @ multiplies matrices and vectors, "
                            f"not {shape_text(left)} and {shape_text(right)} (use * for numbers)")
        if left.shape[1] != right.shape[0]:
            hint = _matmul_hint(node, left, right)
            raise self.fail(node, f"{self._text(node)}: {shape_text(left)} times "
                            f"{shape_text(right)}{hint}")
        return sp.MatMul(left, right)

    def _attribute(self, node, depth):
        if node.attr != "T":
            raise self.fail(node, "attribute access is not allowed (only .T, the transpose)")
        value = self.build(node.value, depth + 1)
        if not _is_matrix(value) or value.shape[1] == BATCH:
            raise self.fail(node, f"{self._text(node)}: .T transposes parameters and their "
                            f"expressions, not {_what(value)}")
        return value.T

    def _add(self, items):
        if not any(_is_matrix(v) for _, v, _ in items):
            return super()._add(items)
        total, first = items[0][1], items[0][2]
        for op, value, node in items[1:]:
            a, b = self._align((first, node), op, total, value)
            total = sp.MatAdd(a, -b if isinstance(op, ast.Sub) else b)
        return total

    def _mul(self, items):
        if not any(_is_matrix(v) for _, v, _ in items):
            return super()._mul(items)
        product, first = items[0][1], items[0][2]
        for op, value, node in items[1:]:
            if isinstance(op, ast.Div):
                value = self._reciprocal(node, value)
            if _is_matrix(product) and _is_matrix(value):
                product = hadamard(*self._align((first, node), op, product, value))
            else:
                product = product * value
        return product

    def _reciprocal(self, node, value):
        if not _is_matrix(value):
            if value == 0:
                raise self.fail(node, "division by zero")
            return 1 / value
        return sp.HadamardPower(value, -1)

    def _pow(self, node, base, exponent):
        if not (_is_matrix(base) or _is_matrix(exponent)):
            return super()._pow(node, base, exponent)
        if _is_matrix(exponent) or not exponent.is_real:
            raise self.fail(node, "the exponent must be a number (for a^X write exp(X*log(a)))")
        if exponent == 1:
            return base
        return sp.HadamardPower(base, exponent)

    def _align(self, span, op, a, b):
        """a and b broadcast to one shape, or an error at ``span`` (first and last operand
        nodes of ``a op b``) naming both shapes."""
        target = _common_shape(a, b)
        wide_a, wide_b = _widen(a, target), _widen(b, target)
        if wide_a is None or wide_b is None:
            start, end = (self.line.node_error(n, "") for n in span)
            text = self.line.text[start.col - 1:end.col - 1 + end.width]
            hint = ("; * is element by element, @ the matrix product"
                    if isinstance(op, ast.Mult) and _is_matrix(a) and _is_matrix(b)
                    and a.shape[1] == b.shape[0] else "")
            raise self.line.error(start.col - 1, f"{text}: {shape_text(a)} {_WORDS[type(op)]} "
                                  f"{shape_text(b)}{hint}", max(1, len(text)))
        return wide_a, wide_b

    def _call(self, node, depth):
        name = getattr(node.func, "id", None)
        if name is not None and name not in self.builder.table and name not in FUNCTIONS \
                and name not in REDUCTIONS:
            known = list(FUNCTIONS) + [r for r in REDUCTIONS if r not in FUNCTIONS]
            raise self.fail(node.func, f"unknown function {name!r} (functions: "
                            f"{', '.join(known)})" + suggest(name, known))
        if name in self.builder.table or (name not in FUNCTIONS and name not in REDUCTIONS):
            return super()._call(node, depth)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return super()._call(node, depth)  # refused there, with the usual message
        args = [self.build(a, depth + 1) for a in node.args]
        if not any(_is_matrix(a) for a in args):
            if name in REDUCTIONS and name != "logsumexp":
                raise self.fail(node, f"{name}() takes a vector, not a number")
            return super()._call(node, depth)
        if len(args) != 1:
            raise self.fail(node, f"{name}() of a matrix takes one argument, got {len(args)}")
        if name in REDUCTIONS:
            return self._reduction(node, name, args[0])
        return apply(_ELEMENTWISE[FUNCTIONS[name][0]], args[0])

    def _reduction(self, node, name, arg):
        if name == "sum":
            return _sum_entries(arg)
        if arg.shape[1] != BATCH:
            raise self.fail(node, f"{name}() works on each sample's entries: its argument must "
                            f"be per sample, not {_what(arg)}")
        return LogSumExp(arg) if name == "logsumexp" else Softmax(arg)

    def _text(self, node) -> str:
        """The source text of ``node`` (as written, ``^`` included)."""
        error = self.line.node_error(node, "")
        return self.line.text[error.col - 1:error.col - 1 + error.width]


def _is_matrix(value) -> bool:
    return isinstance(value, sp.MatrixExpr)


def _what(value) -> str:
    if not _is_matrix(value):
        return "a number"
    return f"a per-sample {shape_text(value)}" if value.shape[1] == BATCH else shape_text(value)


def _common_shape(a, b):
    shapes = [v.shape for v in (a, b) if _is_matrix(v)]
    rows = max((r for r, _ in shapes), key=lambda r: r != 1)
    cols = BATCH if any(c == BATCH for _, c in shapes) else max((c for _, c in shapes),
                                                                 key=lambda c: c != 1)
    return rows, cols


def _widen(value, shape):
    """``value`` broadcast to ``shape`` (numbers; vectors over the batch; a per-sample number
    over a vector's entries; a 1 × 1 everywhere), or None if it does not broadcast."""
    rows, cols = shape
    if not _is_matrix(value):
        return sp.MatMul(value, sp.OneMatrix(rows, cols)) if value != 1 else sp.OneMatrix(rows, cols)
    r, c = value.shape
    if (r, c) == (rows, cols):
        return value
    if (r, c) == (1, 1):
        return sp.MatMul(*_ones_column(rows), value, *_ones_row(cols))
    if c == 1 and r == rows and cols == BATCH:
        return over_batch(value)
    if r == 1 and c == cols == BATCH:
        return sp.MatMul(sp.OneMatrix(rows, 1), value)
    return None


def _ones_column(rows):
    return [sp.OneMatrix(rows, 1)] if rows != 1 else []


def _ones_row(cols):
    return [sp.OneMatrix(1, cols)] if cols != 1 else []


def _sum_entries(arg):
    """sum(V): each sample's entries (1 × B), or every entry of a parameter expression (1 × 1)."""
    if arg.shape[1] == BATCH:
        return sum_rows(arg)
    rows, cols = arg.shape
    if (rows, cols) == (1, 1):
        return arg
    return sp.MatMul(*[sp.OneMatrix(1, rows)] * (rows != 1), arg,
                     *[sp.OneMatrix(cols, 1)] * (cols != 1))


def _matmul_hint(node, left, right) -> str:
    """What a user probably meant by a product whose shapes do not fit."""
    if left.shape[1] == BATCH:
        return "; per-sample vectors go on the right of @"
    if left.shape[1] == 1 and left.shape[0] == right.shape[0] and isinstance(node.left, ast.Name):
        return (f"; {node.left.id} is a column vector: {node.left.id}.T @ ... is the dot product "
                "with each column")
    return ""
