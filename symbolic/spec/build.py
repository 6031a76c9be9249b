"""Building SymPy from the statements: names and roles, the expression whitelist, constant
bounds, and the ``Network`` (its own validation errors mapped back to spec lines)."""
from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass

import sympy as sp

from ..errors import NetworkError, NetworkWarning
from ..evaluate import evaluate
from ..network import Network
from .statements import EXPRESSION_PROBLEMS, Declaration, Definition, check_name
from .text import EULER, FUNCTIONS, PI, LOSS, Limits, Line, SpecError, suggest

_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
              ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}
_BAD = (sp.zoo, sp.nan, sp.oo, -sp.oo)


@dataclass
class _Entry:
    """A declared or defined name: its symbol (None until reached), role and where."""

    symbol: sp.Symbol
    role: str
    line: Line
    col: int


class Builder:
    """Pass two: declarations and definitions in order, built into SymPy and a Network."""

    def __init__(self, filename: str, limits: Limits):
        self.filename, self.limits = filename, limits
        self.table: dict[str, _Entry] = {}
        self.later: dict[str, _Entry] = {}
        self.loss: tuple | None = None
        self.walker = _Expression  # walks one expression tree (MatrixBuilder: matrices)

    def network(self, title: str, statements: list, last_line: int) -> Network:
        self.later = self._definitions(statements)
        equations = []
        for s in statements:
            if isinstance(s, Declaration):
                for name, col in s.names:
                    self._declare(name, s.role, s.line, col)
            elif s.target == LOSS:
                if self.loss is not None:
                    raise s.line.error(s.target_col, "loss is defined twice (first on line "
                                       f"{self.loss[1].number})", len(LOSS))
                self.loss = (self._expression(s), s.line, s.target_col)
            else:
                value = self._expression(s)
                equations.append((self._declare(s.target, "node", s.line, s.target_col), value))
        if self.loss is None:
            raise SpecError(self.filename, last_line, 1,
                            "no 'loss = EXPR' line: the loss is required (once)")
        return self._network(title, equations)

    def expression(self, line: Line, tree: ast.expr, names: list) -> tuple[sp.Expr, list]:
        """(expression, symbols of ``names``): one expression tree over the given names."""
        symbols = [self._declare(name, "input", line, 0) for name in names]
        return self._expression(Definition(line, "", 0, tree)), symbols

    def make_network(self, title: str, role, equations: list, loss):
        """The network of the declared roles (``role(kind)``: symbols), equations and loss."""
        return Network(title, role("input"), role("target"), role("param"), equations, loss)

    def _definitions(self, statements) -> dict[str, _Entry]:
        first: dict[str, _Entry] = {}
        for s in statements:
            items = s.names if isinstance(s, Declaration) else [(s.target, s.target_col)]
            for name, col in items:
                first.setdefault(name, _Entry(None, getattr(s, "role", "node"), s.line, col))
        return first

    def _declare(self, name: str, role: str, line: Line, col: int) -> sp.Symbol:
        old = self.table.get(name)
        if old is not None:
            where = f"line {old.line.number}"
            if old.role == role == "node":
                why = f"{name!r} is defined twice (first on {where})"
            elif old.role == role:
                why = f"{name!r} is declared twice as {role} (first on {where})"
            else:
                why = f"{name!r} is already {_a(old.role)} ({where}) and cannot also be {_a(role)}"
            raise line.error(col, why, len(name))
        symbol = sp.Symbol(name, real=True)
        self.table[name] = _Entry(symbol, role, line, col)
        return symbol

    def _expression(self, s: Definition) -> sp.Expr:
        expr = self.walker(self, s.line).build(s.value, 0)
        for number in expr.atoms(sp.Number):
            if number.is_Float and not math.isfinite(float(number)):
                raise s.line.node_error(s.value, "constant out of floating-point range")
        if expr.has(*_BAD):
            raise s.line.node_error(s.value, "the expression is infinite or undefined")
        return expr

    def _network(self, title: str, equations: list) -> Network:
        loss, loss_line, loss_col = self.loss
        table = {e.symbol: e for e in self.table.values()}
        role = lambda kind: [e.symbol for e in self.table.values() if e.role == kind]  # noqa: E731
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", NetworkWarning)
                network = self.make_network(title, role, equations, loss)
        except NetworkError as err:
            message = str(err)
            entry = None if "loss" in message else _mentioned(message, table)
            entry = entry or _Entry(None, "node", loss_line, loss_col)
            raise entry.line.error(entry.col, message, 1) from None
        for w in caught:
            found = re.search(r": (?:parameter|input|target|node) (\w+) ", str(w.message))
            entry = _mentioned(found.group(1), table) if found else None
            where = (f"{self.filename}:{entry.line.number}:{entry.col + 1}: " if entry
                     else f"{self.filename}: ")
            warnings.warn(where + str(w.message), w.category, stacklevel=4)
        return network


def _a(role: str) -> str:
    return {"input": "an input", "target": "a target", "param": "a param", "node": "a node"}[role]


def _mentioned(message: str, table: dict) -> _Entry | None:
    """The entry of the first declared name the message mentions."""
    by_name = {symbol.name: entry for symbol, entry in table.items()}
    for word in re.findall(r"\w+", message):
        if word in by_name:
            return by_name[word]
    return None


class _Expression:
    """Walks one expression's tree against the whitelist and builds it in SymPy."""

    def __init__(self, builder: Builder, line: Line):
        self.builder, self.line, self.limits = builder, line, builder.limits
        self.rules = {ast.Constant: self._constant, ast.Name: self._name,
                      ast.UnaryOp: self._unary, ast.BinOp: self._binary, ast.Call: self._call}

    def fail(self, node: ast.AST, message: str) -> SpecError:
        return self.line.node_error(node, message)

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > self.limits.depth:
            raise self.fail(node, "expression nested too deeply "
                            f"(more than {self.limits.depth} levels)")
        method = self.rules.get(type(node))
        if method is None:
            problem = EXPRESSION_PROBLEMS.get(type(node), f"{type(node).__name__} is not allowed")
            raise self.fail(node, problem)
        return method(node, depth)

    def _constant(self, node: ast.Constant, depth: int) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(node, f"{value!r} is not allowed (only numbers)")
        if isinstance(value, int):
            if _digits_of_int(value) > self.limits.constant_digits:
                raise self.fail(node, self._too_large())
            return sp.Integer(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.fail(node, "constant out of floating-point range")
            return sp.Float(value)
        if isinstance(value, complex):
            raise self.fail(node, "complex numbers are not allowed")
        raise self.fail(node, "strings are not allowed")

    def _name(self, node: ast.Name, depth: int) -> sp.Expr:
        name = node.id  # tokens were checked to be NFKC-normal, so this is the text as written
        entry = self.builder.table.get(name)
        if entry is not None:
            return entry.symbol
        if name == LOSS:
            raise self.fail(node, "the loss cannot be used in an expression")
        if name in FUNCTIONS:
            raise self.fail(node, f"{name!r} is a function: call it as {name}(...)")
        check_name(self.line, name, self.fail(node, "").col - 1, self.limits)
        later = self.builder.later.get(name)
        if later is not None:
            raise self.fail(node, f"{name!r} is used before it is defined (on line "
                            f"{later.line.number})")
        if name == EULER:
            return sp.E
        if name == PI:
            return sp.pi
        raise self.fail(node, f"unknown name {name!r}" + suggest(name, self.builder.table))

    def _unary(self, node: ast.UnaryOp, depth: int) -> sp.Expr:
        if isinstance(node.op, ast.USub):
            return -self.build(node.operand, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand, depth + 1)
        raise self.fail(node, f"operator {'not' if isinstance(node.op, ast.Not) else '~'!r} "
                        "is not allowed")

    def _binary(self, node: ast.BinOp, depth: int) -> sp.Expr:
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return self._chain(node, depth, (ast.Add, ast.Sub), self._add)
        if isinstance(node.op, (ast.Mult, ast.Div)):
            return self._chain(node, depth, (ast.Mult, ast.Div), self._mul)
        if isinstance(node.op, ast.Pow):
            base = self.build(node.left, depth + 1)
            return self._pow(node, base, self.build(node.right, depth + 1))
        raise self.fail(node, f"operator {_OPERATORS.get(type(node.op), '?')!r} is not allowed "
                        "(use + - * / ** ^)")

    def _chain(self, node: ast.BinOp, depth: int, ops: tuple, combine) -> sp.Expr:
        """A left-leaning run of the same precedence (a + b - c ...), walked without recursion."""
        operands = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, ops):
            operands.append((node.op, node.right))
            node = node.left
        items = [(None, self.build(node, depth + 1), node)]
        items += [(op, self.build(right, depth + 1), right) for op, right in reversed(operands)]
        return combine(items)

    def _add(self, items) -> sp.Expr:
        terms = [-value if isinstance(op, ast.Sub) else value for op, value, _ in items]
        self._check_sum(terms, items[0][2])
        return sp.Add(*terms)

    def _mul(self, items) -> sp.Expr:
        factors = []
        for op, value, node in items:
            if isinstance(op, ast.Div):
                if value == 0:
                    raise self.fail(node, "division by zero")
                value = self._pow(node, value, sp.S.NegativeOne)
            factors.append(value)
        estimate = sum(_max_digits(f) for f in factors)
        if estimate > self.limits.constant_digits:
            raise self.fail(items[0][2], self._too_large())
        return sp.Mul(*factors)

    def _pow(self, node: ast.AST, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.is_Number:
            if base == 0 and exponent.is_negative:
                raise self.fail(node, "division by zero")
            size = _max_digits(base)
            if size and size * _magnitude(exponent) > self.limits.constant_digits:
                raise self.fail(node, self._too_large())
        elif base.is_number and exponent.is_number:
            if _max_digits(base) + _max_digits(exponent) > self.limits.constant_digits:
                raise self.fail(node, self._too_large())
        result = sp.Pow(base, exponent)
        if base.is_number and exponent.is_number:
            self._check_constant(node, result, "this power")
        return result

    def _check_constant(self, node: ast.AST, value: sp.Expr, what: str) -> None:
        """A constant must be a finite real double: evaluated in floats (overflow is quick)."""
        try:
            number = evaluate(value, {})
            finite = isinstance(number, (int, float)) and math.isfinite(number)
        except (OverflowError, ValueError, ZeroDivisionError, TypeError, NotImplementedError):
            finite = False  # complex results, overflow, log of a negative, ...
        if not finite or value.has(*_BAD) or value.has(sp.I):
            raise self.fail(node, f"{what} is not a finite real number")

    def _check_sum(self, terms, node) -> None:
        """Like terms are merged and their coefficients added: bound the digits that can take."""
        groups: dict = {}
        for term in terms:
            for part in (term.args if term.is_Add else (term,)):
                coeff, rest = part.as_coeff_Mul()
                groups.setdefault(rest, []).append(coeff)
        limit = self.limits.constant_digits
        for coeffs in groups.values():
            denominators = sum(_log10(getattr(c, "q", 1)) for c in coeffs)
            if denominators + max(map(_max_digits, coeffs)) + _log10(len(coeffs)) > limit:
                raise self.fail(node, self._too_large())

    def _too_large(self) -> str:
        return f"constant too large (over {self.limits.constant_digits} digits)"

    def _call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            problem = EXPRESSION_PROBLEMS.get(type(node.func), "only named functions can be called")
            raise self.fail(node.func, problem)
        name = node.func.id
        if name not in FUNCTIONS:
            entry = self.builder.table.get(name)
            if entry is not None:
                raise self.fail(node.func, f"{name!r} is {_a(entry.role)}, not a function")
            raise self.fail(node.func, f"unknown function {name!r} (functions: "
                            f"{', '.join(FUNCTIONS)})" + suggest(name, FUNCTIONS))
        if node.keywords:
            raise self.fail(node.keywords[0], "keyword arguments are not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, "starred arguments are not allowed")
        func, arity = FUNCTIONS[name]
        if (arity is not None and len(node.args) != arity) or not node.args:
            wanted = f"{arity} argument" if arity else "at least one argument"
            raise self.fail(node, f"{name}() takes {wanted}, got {len(node.args)}")
        args = [self.build(a, depth + 1) for a in node.args]
        result = func(*args)
        if all(a.is_number for a in args):
            self._check_constant(node, result, f"{name}() of this constant")
        return result


def _digits_of_int(value: int) -> float:
    return abs(value).bit_length() * 0.30103


def _log10(value) -> float:
    value = abs(int(value))
    return math.log10(value) if 0 < value < 10**15 else _digits_of_int(value)


def _magnitude(number: sp.Number) -> float:
    try:
        return abs(float(number))
    except OverflowError:
        return math.inf


def _max_digits(expr: sp.Expr) -> float:
    """The decimal digits of the largest number (numerator, denominator or float) in ``expr``."""
    best = 0.0
    for n in (expr.atoms(sp.Number) if not expr.is_Number else (expr,)):
        if n.is_Float:  # mpf (sign, mantissa, exponent, bits): |n| ≈ 2^(exponent + bits)
            _, man, exp, bc = n._mpf_
            best = max(best, abs(exp + bc) * 0.30103 if man else 0.0)
        elif n.is_Rational:
            best = max(best, _log10(n.p) if n.p else 0.0, _log10(n.q))
    return best
