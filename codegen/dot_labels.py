"""Graphviz HTML-like labels in textbook notation: w⁽¹⁾₁₁, δ⁽²⁾₁, σ′(z₁), h₁·(1 − h₁).

Names follow the rules of ``codegen.latex`` (``textbook_parts``: ``w1_11`` → w<SUP>(1)</SUP>
<SUB>11</SUB>, ``x1`` → x<SUB>1</SUB>; SymPy's ``x_1``/``alpha`` conventions); terms and
factors come in the order of ``TextbookLatexPrinter`` (``y − t``, parameters first).  Every
piece of user text goes through ``html_text``: ``& < > "`` as entities, ``\\`` doubled (Graphviz
expands ``\\N``, ``\\G`` even inside HTML labels), unprintable characters as Python escapes.
"""
from __future__ import annotations

import html
import re

import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.pretty.pretty_symbology import greek_unicode
from sympy.printing.str import StrPrinter

from symbolic.count import split_fraction
from .latex import _STRUCTURED, TextbookLatexPrinter, textbook_parts, visible

MINUS = "\u2212"
PRIME = "\u2032"
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\\": "\\\\"}


def html_text(text: str) -> str:
    """``text`` shown as written inside a Graphviz HTML-like label."""
    return "".join(_HTML_ESCAPES.get(c, c) for c in visible(text))


def sub(text: str) -> str:
    return f"<SUB>{text}</SUB>"


def sup(text: str) -> str:
    return f"<SUP>{text}</SUP>"


def _letters(word: str) -> str:
    """A name part, Greek letter names as letters (``alpha`` → α)."""
    return greek_unicode.get(word, html_text(word))


def html_name(name: str) -> str:
    """A symbol's name in textbook form: ``w1_11`` → w⁽¹⁾₁₁, ``x_1`` → x₁, ``alpha`` → α;
    any other name exactly as written."""
    parts = textbook_parts(name)
    if parts is not None:
        base, layer, index = parts
        return _letters(base) + (sup(f"({layer})") if layer else "") + sub(index)
    if name in greek_unicode:
        return greek_unicode[name]
    if ("_" in name or "^" in name) and _STRUCTURED.fullmatch(name):
        base, supers, subs = split_super_sub(name)
        text = _letters(base)
        text += sup(",".join(_letters(s) for s in supers)) if supers else ""
        return text + (sub(",".join(_letters(s) for s in subs)) if subs else "")
    return html_text(name)


def delta_name(node: sp.Symbol) -> str:
    """δ of ``node`` as the derivations write it: δ⁽ˡ⁾ⱼ for a layered ``zl_j``, else δ_node."""
    parts = textbook_parts(node.name)
    if parts is not None and parts[0] == "z" and parts[1]:
        return "δ" + sup(f"({parts[1]})") + sub(parts[2])
    return "δ" + sub(html_name(node.name))


def partial_name(top: sp.Symbol, bottom: sp.Symbol) -> str:
    return f"∂{html_name(top.name)}/∂{html_name(bottom.name)}"


def number(value) -> str:
    """A float to 6 significant digits, with a true minus sign."""
    value = float(value)
    return "0" if value == 0 else f"{value:.6g}".replace("-", MINUS)


#: Coefficients written as one character: ½(y − t)².
VULGAR_FRACTIONS = {sp.Rational(1, 2): "½", sp.Rational(1, 3): "⅓", sp.Rational(1, 4): "¼",
                    sp.Rational(3, 4): "¾", sp.Rational(2, 3): "⅔"}

#: Functions whose derivative is shown as f′(z) on its edge, as textbooks write σ′(z).
ACTIVATIONS = frozenset({"sigmoid", "tanh", "relu", "softplus"})
#: Comparisons in conditions (``Piecewise``), as written in a textbook.
RELATIONS = {"==": "=", "!=": "≠", "<": "&lt;", "<=": "≤", ">": "&gt;", ">=": "≥"}

#: Printed heads of functions (others keep SymPy's name).
FUNCTION_NAMES = {"sigmoid": "σ", "relu": "ReLU", "log": "ln", "sign": "sgn"}


class HtmlPrinter(StrPrinter):
    """SymPy expressions as HTML-like label text; ``ordering`` (a ``TextbookLatexPrinter``)
    decides the order of terms and factors."""

    def __init__(self, ordering: TextbookLatexPrinter | None = None):
        super().__init__()
        self.ordering = ordering or TextbookLatexPrinter()

    def terms(self, expr: sp.Expr) -> list[tuple[str, str]]:
        """``(operator, term)`` pairs of a sum in reading order (one pair for a non-sum; a
        product with one sum, u·(a + b), as ``u·(a`` ... ``b)`` so that it folds too)."""
        factored = self._factor_and_sum(expr)
        if factored is not None:
            pairs = self.terms(factored[1])
            op, first = pairs[0]
            pairs[0] = ("", f"{factored[0]}·({MINUS if op == MINUS else ''}{first}")
            pairs[-1] = (pairs[-1][0], pairs[-1][1] + ")")
            return pairs
        if not expr.is_Add:
            return [("", self._print(expr))]
        pairs = []
        for term in self.ordering._as_ordered_terms(expr):
            negative = term.could_extract_minus_sign()
            pairs.append((MINUS if negative else "+", self._print(-term if negative else term)))
        return pairs

    def _factor_and_sum(self, expr: sp.Expr) -> tuple[str, sp.Expr] | None:
        """(the other factors printed, the sum) of a product with exactly one sum and no
        denominator or sign, else None."""
        if not expr.is_Mul or expr.could_extract_minus_sign():
            return None
        sums = [f for f in expr.args if f.is_Add]
        if len(sums) != 1 or split_fraction(expr)[2]:
            return None
        return self._print(expr / sums[0]), sums[0]

    def _print_Symbol(self, expr):
        return html_name(expr.name)

    def _print_Add(self, expr, order=None):
        text = ""
        for i, (op, term) in enumerate(self.terms(expr)):
            text += (f"{MINUS}{term}" if op == MINUS else term) if i == 0 else f" {op} {term}"
        return text

    def _print_Mul(self, expr):
        if expr.could_extract_minus_sign():
            inner = -expr
            return MINUS + (self._paren(inner) if inner.is_Add else self._print(inner))
        coeff, numer, denom = split_fraction(expr)
        head = ""
        if coeff.is_Rational and coeff.q != 1:
            if not denom and numer and coeff in VULGAR_FRACTIONS:   # ½(y − t)², as the seeds
                head, coeff = VULGAR_FRACTIONS[coeff], sp.S.One
            else:
                denom.insert(0, sp.Integer(coeff.q))
                coeff = sp.Integer(coeff.p)
        if coeff != 1:
            numer.insert(0, coeff)
        top = head + (self._product(numer) if numer else "1")
        if not denom:
            return top
        bottom = self._product(denom)          # a lone sum is already in parentheses
        return f"{top}/{bottom if len(denom) == 1 else self._paren_text(bottom)}"

    def _product(self, factors: list) -> str:
        factors = sorted(factors, key=self.ordering._factor_key)
        return "·".join(self._paren(f) if f.is_Add or (f.is_Number and f.is_negative and i)
                        else self._print(f) for i, f in enumerate(factors))

    def _paren(self, expr) -> str:
        return self._paren_text(self._print(expr))

    @staticmethod
    def _paren_text(text: str) -> str:
        return f"({text})"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.base, expr.exp
        if exp == sp.S.Half:
            return f"√{self._atom(base)}"
        if exp.is_Number and exp.is_negative:
            return f"1/{self._print(sp.Pow(base, -exp))}"
        return self._atom(base) + sup(self._print(exp))

    def _atom(self, expr) -> str:
        """``expr``, in parentheses unless it is a symbol, a function call or a positive number."""
        simple = expr.is_Symbol or isinstance(expr, sp.Function) or (
            expr.is_Number and not expr.is_negative and expr.is_Integer)
        return self._print(expr) if simple else self._paren(expr)

    def _print_Integer(self, expr):
        return str(expr).replace("-", MINUS)

    def _print_Rational(self, expr):
        return f"{self._print_Integer(sp.Integer(expr.p))}/{expr.q}"

    def _print_Float(self, expr):
        return number(expr)

    def _print_Function(self, expr):
        return f"{self.head(expr)}({', '.join(self._print(a) for a in expr.args)})"

    @staticmethod
    def head(expr: sp.Function) -> str:
        """The printed name of a function call: σ for sigmoid, ln for log."""
        name = type(expr).__name__
        return FUNCTION_NAMES.get(name, html_text(name))

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Heaviside(self, expr):
        return f"[{self._print(expr.args[0])} &gt; 0]"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pi(self, expr):
        return "π"

    def _print_Piecewise(self, expr):
        pieces = [self._print(value) if cond == sp.true else
                  f"{self._print(value)} if {self._print(cond)}" for value, cond in expr.args]
        return "{" + ", else ".join(pieces) + "}"

    def _print_Relational(self, expr):
        op = RELATIONS.get(expr.rel_op, html_text(expr.rel_op))
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_BooleanTrue(self, expr):
        return "true"

    def _print_BooleanFalse(self, expr):
        return "false"

    def function_prime(self, expr: sp.Function) -> str | None:
        """f′(arg) of an activation called on one argument (σ′(z₁), tanh′(z)), else None."""
        if type(expr).__name__ not in ACTIVATIONS or len(expr.args) != 1:
            return None
        return f"{self.head(expr)}{PRIME}({self._print(expr.args[0])})"


_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<(SUB|SUP)>(.*?)</\1>")
_ENTITY = re.compile(r"&[a-z]+;|&#\d+;|\\\\")


def text_width(html: str) -> float:
    """Rough printed width of label text, in characters (scripts count 0.7)."""
    scripts = sum(len(_ENTITY.sub("x", _TAG.sub("", m.group(2)))) for m in _SCRIPT.finditer(html))
    plain = len(_ENTITY.sub("x", _TAG.sub("", html)))
    return plain - 0.3 * scripts


def fold(head: str, pairs: list[tuple[str, str]], width: float) -> list[str]:
    """``head`` followed by the terms ``pairs`` (from ``HtmlPrinter.terms``), packed into lines
    of about ``width`` characters; a continued line starts with its operator."""
    lines, current = [], head
    for i, (op, term) in enumerate(pairs):
        piece = (f"{MINUS}{term}" if op == MINUS else term) if i == 0 else f"{op} {term}"
        if i and text_width(current) + text_width(piece) > width:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    lines.append(current)
    return lines


def plain_text(label_html: str) -> str:
    """The characters an HTML-like label line shows, scripts inline (for plain labels)."""
    return html.unescape(_TAG.sub("", label_html).replace("\\\\", "\\"))
