"""Parse a one-line formula such as ``4*x^2`` into SymPy without ``eval`` or ``sympify``.

Only a whitelist is accepted: numbers, the given variable names, ``+ - * / ** ^``, unary
minus/plus, parentheses and calls of ``exp log sqrt sin cos tanh`` with one argument.
``^`` means power, as in the seed documents.
"""
from __future__ import annotations

import ast
from typing import Sequence

import sympy as sp

from .errors import DeltapropError

FUNCTIONS = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
             "tanh": sp.tanh}
MAX_EXPONENT = 1000
MAX_LENGTH = 1000
MAX_DEPTH = 200
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a ** b}


class FormulaError(DeltapropError, ValueError):
    """A formula outside the whitelist, reported with its column."""


def parse_formula(text: str, variables: Sequence[str] = ("x",)) -> sp.Expr:
    """The SymPy expression for ``text``; ``variables`` are the only names allowed."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula of {len(text)} characters is too long (at most {MAX_LENGTH})")
    source = text.replace("^", "**")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as err:
        if not isinstance(err, SyntaxError):
            raise FormulaError(f"formula {text!r}: nested too deeply") from None
        raise FormulaError(f"formula {text!r}: syntax error at column {err.offset}: {err.msg}"
                           " (write products with '*', e.g. 4*x^2)") from None
    symbols = {name: sp.Symbol(name) for name in variables}
    depth = _depth(tree.body)
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula {text!r}: nested {depth} levels deep (at most {MAX_DEPTH})")
    return _Builder(text, symbols).build(tree.body)


def _depth(node) -> int:
    """Nesting depth of the tree, without recursion (so deep input cannot overflow the stack)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


class _Builder:
    def __init__(self, text: str, symbols: dict):
        self.text, self.symbols = text, symbols

    def fail(self, node, what: str):
        col = getattr(node, "col_offset", 0) + 1
        raise FormulaError(f"formula {self.text!r}: column {col}: {what}")

    def build(self, node) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            if node.id not in self.symbols:
                allowed = ", ".join(self.symbols)
                self.fail(node, f"unknown name {node.id!r} (variables: {allowed})")
            return self.symbols[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow) and right.is_Number and abs(right) > MAX_EXPONENT:
                self.fail(node, f"exponent {right} is too large (at most {MAX_EXPONENT})")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call):
            return self.call(node)
        self.fail(node, f"{type(node).__name__} is not allowed (numbers, variables, "
                        f"+ - * / ^ and {', '.join(FUNCTIONS)} only)")

    def number(self, node) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(node, f"{value!r} is not a real number")
        return sp.Integer(value) if isinstance(value, int) else sp.Float(repr(value))

    def call(self, node) -> sp.Expr:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            self.fail(node, f"unknown function (allowed: {', '.join(FUNCTIONS)})")
        if len(node.args) != 1 or node.keywords:
            self.fail(node, f"{name}() takes exactly one argument")
        return FUNCTIONS[name](self.build(node.args[0]))
