r"""Textbook LaTeX for networks: ``w1_11`` → w^{(1)}_{11}, ``x1`` → x_1, δ terms as δ_{node}.

``TextbookLatexPrinter`` subclasses SymPy's ``LatexPrinter`` and overrides only symbol
names, the order of terms and factors (``y - t`` rather than ``- t + y``, ``w_3 h_1``
rather than ``h_1 w_3``) and deltaprop's own functions.  ``break_terms`` splits a long
sum or product into lines that fit a page.

Names are user text: a name SymPy cannot print safely (``a%b``, ``x.1``, ``a\nb``) prints as
``\mathrm{...}`` with every LaTeX special character escaped (``math_name``), unprintable
characters shown as Python escapes (``visible``), and ``pdflatex_unicode`` rewrites the
non-ASCII characters pdflatex cannot set (Greek as math commands, others as ``[U+XXXX]``)
in the .tex document only; Markdown keeps them for MathJax.
"""
from __future__ import annotations

import copy
import re
from typing import Callable, Iterable, Mapping

import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, translate

from symbolic.cost import split_fraction


_LAYERED = re.compile(r"^([A-Za-z]+)(\d+)_(\d+(?:_\d+)*)$")   # w1_11, w1_1_10, z2_3
_INDEXED = re.compile(r"^([A-Za-z]+)(\d+)$")                  # x1, h2, w10
#: Names SymPy's printer handles: letters and digits, a letter first, with ``_``/``__``/``^``
#: between non-empty parts (``x_1``, ``alpha_beta``, ``δ1``).  Others go through ``math_name``.
_STRUCTURED = re.compile(r"[^\W\d_][^\W_]*(?:(?:__|_|\^)[^\W_]+)*")


def visible(text: str) -> str:
    """``text`` with every unprintable character (controls such as newline and NUL, line and
    paragraph separators, format characters, lone surrogates) written as its Python escape
    (``\\n``, ``\\x00``, ``\\u2028``), so that a name stays on one line and is safe to print."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_MATH_SPECIAL = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
                 "#": r"\#", "$": r"\$", "_": r"\_", "^": r"\hat{}", "~": r"\tilde{}",
                 "|": r"\vert{}", " ": r"\ "}


def math_name(name: str) -> str:
    """``name`` verbatim in math mode, ``\\mathrm{a\\%b}``: LaTeX's special characters escaped
    (valid in LaTeX and MathJax), other ASCII punctuation braced so that it is not spaced as an
    operator, unprintable characters shown as escapes."""
    out = []
    for c in visible(name):
        if c in _MATH_SPECIAL:
            out.append(_MATH_SPECIAL[c])
        elif c.isascii() and not c.isalnum():
            out.append("{%s}" % c)
        else:
            out.append(c)
    return r"\mathrm{%s}" % "".join(out)


#: Non-ASCII letters pdflatex sets with the documents' preamble (UTF-8 input, OT1 fonts):
#: Latin-1 and Latin Extended-A letters, each compiled with TeX Live 2022 here.
PDFLATEX_LETTERS = frozenset(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĆćĈĉĊċČčĎďĒēĔĕĖėĚěĜĝĞğĠġ"
    "ĢģĤĥĨĩĪīĬĭİıĲĳĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŴŵŶŷŸŹźŻżŽž")

#: Greek letters and the few symbols deltaprop itself writes, as math commands.
MATH_UNICODE = dict(zip(
    "αβγδεζηθικλμνξοπρςστυφχψωϑϕϵϱϖ",
    r"\alpha \beta \gamma \delta \epsilon \zeta \eta \theta \iota \kappa \lambda \mu \nu \xi o "
    r"\pi \rho \varsigma \sigma \tau \upsilon \phi \chi \psi \omega \vartheta \phi \epsilon "
    r"\varrho \varpi".split()))
MATH_UNICODE.update(zip("ΓΔΘΛΞΠΣΥΦΨΩ", r"\Gamma \Delta \Theta \Lambda \Xi \Pi \Sigma \Upsilon "
                                       r"\Phi \Psi \Omega".split()))
MATH_UNICODE.update({g: r"\mathrm{%s}" % a for g, a in zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX")})
MATH_UNICODE.update({"∂": r"\partial", "·": r"\cdot", "−": "-", "←": r"\leftarrow",
                     "→": r"\to", "…": r"\dots", "⋯": r"\cdots", "∇": r"\nabla"})


def pdflatex_unicode(tex: str) -> str:
    """``tex`` (math or text mode) with every non-ASCII character pdflatex cannot set
    rewritten: Greek letters and deltaprop's symbols as ``\\ensuremath{\\delta}``, the Latin
    letters of ``PDFLATEX_LETTERS`` kept (``\\text{é}`` in math), anything else as
    ``[U+4E2D]``."""
    if tex.isascii():
        return tex
    return "".join(c if c.isascii() else _pdflatex_char(c) for c in tex)


def _pdflatex_char(c: str) -> str:
    command = MATH_UNICODE.get(c)
    if command is not None:
        return r"\ensuremath{%s}" % command
    if c in PDFLATEX_LETTERS:
        return r"\text{%s}" % c
    return r"\text{[U+%04X]}" % ord(c)


def _sub(text: str) -> str:
    """``_2`` or ``_{11}``: braces only when needed."""
    return f"_{text}" if len(text) == 1 else f"_{{{text}}}"


def upright_name(part: str) -> str:
    """One part of a name (base, sub- or superscript) in LaTeX: a Greek letter or a name with
    a modifier as SymPy translates it (``alpha`` → \\alpha, ``xhat`` → \\hat{x}), a single
    letter or a number as it is, and any other multi-letter name upright as one word
    (``gate`` → \\mathrm{gate}), so that it never reads as a product g·a·t·e."""
    tex = translate(part)
    if tex != part or len(part) == 1 or part.isdigit():
        return tex
    return r"\mathrm{%s}" % part


def textbook_name(name: str) -> str | None:
    """LaTeX for a textbook-style name, or None when the name follows no known pattern."""
    m = _LAYERED.match(name)
    if m:
        base, layer, idx = m.groups()
        return f"{upright_name(base)}^{{({layer})}}{_sub(idx.replace('_', ','))}"
    m = _INDEXED.match(name)
    if m:
        base, idx = m.groups()
        return f"{upright_name(base)}{_sub(idx)}"
    return None


def structured_name(name: str) -> str:
    """A name of letters and digits with ``_``/``__``/``^`` parts (``w_out``, ``x__2``) as
    base, subscripts and superscripts, each part through ``upright_name``."""
    base, supers, subs = split_super_sub(name)
    tex = upright_name(base)
    if subs:
        tex += "_{%s}" % ",".join(upright_name(s) for s in subs)
    if supers:
        tex += "^{%s}" % ",".join(upright_name(s) for s in supers)
    return tex


def textbook_parts(name: str) -> tuple[str, str | None, str] | None:
    """The parts of a textbook-style name as plain text, for printers other than LaTeX:
    ``w1_11`` → ('w', '1', '11'), ``w1_1_10`` → ('w', '1', '1,10'), ``x1`` → ('x', None, '1');
    None when the name follows no known pattern (the patterns of ``textbook_name``)."""
    m = _LAYERED.match(name)
    if m:
        return m.group(1), m.group(2), m.group(3).replace("_", ",")
    m = _INDEXED.match(name)
    return (m.group(1), None, m.group(2)) if m else None


class TextbookLatexPrinter(LatexPrinter):
    """LaTeX printer with textbook names and a readable order of terms and factors.

    ``names``: symbol name → LaTeX given by the user (``Network.latex_names``);
    ``deltas``: δ symbol → the node it is the δ of; ``gradients``: gradient symbol → param;
    ``loss``: the loss symbol (gradients print as ∂L/∂p); ``order``: symbols in the order
    their terms and factors should appear (declaration order of the network); ``params``:
    symbols printed first in a product.
    """

    printmethod = "_deltaprop_latex"

    def __init__(self, names: Mapping[str, str] | None = None, deltas: Mapping | None = None,
                 gradients: Mapping | None = None, loss: sp.Symbol | None = None,
                 order: Iterable[sp.Symbol] = (), params: Iterable[sp.Symbol] = ()):
        super().__init__({"mul_symbol": None, "min": -5, "max": 15})
        self.names = dict(names or {})
        self.deltas = dict(deltas or {})
        self.gradients = dict(gradients or {})
        self.loss = loss
        self.rank = {s: i for i, s in enumerate(order)}
        self.params = frozenset(params)
        self.values: Mapping | None = None
        self.number: Callable[[float], str] = repr

    def substituting(self, values: Mapping, number: Callable[[float], str]):
        """A copy that prints each symbol of ``values`` as its number (``number(value)``, in
        parentheses when negative), with ``\\cdot`` between all factors: the formula with the
        numbers put in, as a worked example shows it."""
        printer = copy.copy(self)
        printer.values, printer.number = values, number
        return printer

    @classmethod
    def for_network(cls, network, delta=None) -> "TextbookLatexPrinter":
        """A printer for ``network`` (and the δ and gradient symbols of a ``Derivation``)."""
        deltas = delta.delta_node if delta is not None else {}
        gradients = {g: p for p, g in delta.gradient.items()} if delta is not None else {}
        return cls(network.latex_names, deltas, gradients, network.loss_symbol, network.symbols,
                   network.params)

    # -- names -----------------------------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if self.values is not None and expr in self.values:
            text = self.number(self.values[expr])
            return rf"\left({text}\right)" if text.startswith("-") or " " in text else text
        if expr.name in self.names:
            return self.names[expr.name]
        if expr in self.deltas:
            return self.delta_name(self.deltas[expr])
        if expr in self.gradients:
            return self.partial(self.loss, self.gradients[expr])
        tex = textbook_name(expr.name)
        if tex is not None:
            return tex
        if _STRUCTURED.fullmatch(expr.name):
            return structured_name(expr.name)
        return math_name(expr.name)

    def delta_name(self, node: sp.Symbol) -> str:
        """δ of ``node``: δ^{(l)}_j for a layered pre-activation z^{(l)}_j, else δ_{node}."""
        m = _LAYERED.match(node.name)
        if m and m.group(1) == "z" and node.name not in self.names:
            return r"\delta^{(%s)}%s" % (m.group(2), _sub(m.group(3).replace("_", ",")))
        return r"\delta_{%s}" % self._print(node)

    def partial(self, top: sp.Symbol, bottom: sp.Symbol, inline: bool = False) -> str:
        """∂top/∂bottom as a fraction (or with a slash when ``inline``)."""
        a, b = self._print(top), self._print(bottom)
        if inline:
            return r"\partial %s/\partial %s" % (a, b)
        return r"\frac{\partial %s}{\partial %s}" % (a, b)

    # -- order -----------------------------------------------------------------------------
    def _symbol_rank(self, expr: sp.Expr) -> int:
        ranks = [self.rank.get(self.deltas.get(s, s), len(self.rank)) for s in expr.free_symbols]
        return min(ranks, default=-1)

    def _as_ordered_terms(self, expr, order=None):
        """Positive products first, then lone symbols and numbers, then negative terms."""
        terms = super()._as_ordered_terms(expr, order=order)

        def key(term):
            negative = term.could_extract_minus_sign()
            bare = (-term if negative else term).is_Atom
            return (negative, bare, self._symbol_rank(term))

        return sorted(terms, key=key)

    def _factor_key(self, factor):
        if factor.is_Number:
            return (0, 0)
        if factor.is_number:     # π, e, √2, log 2 before the symbols: π x, √2 z
            return (0, 1)
        if factor in self.deltas:
            return (1, 0)
        base = factor.base if factor.is_Pow else factor
        if base.is_Symbol:       # parameters first: w_3 h_1, as textbooks write it
            return (2 if base in self.params else 3, self._symbol_rank(base))
        if factor.is_Add or (factor.is_Pow and factor.base.is_Add):
            return (5, 0)
        return (4, 0)

    def _print_Mul(self, expr):
        if expr.could_extract_minus_sign():
            inner = -expr
            text = self._print(inner)
            return "- " + (r"\left(%s\right)" % text if inner.is_Add else text)
        coeff, numer, denom = split_fraction(expr)
        head = ""
        if coeff.is_Rational and coeff.q != 1:
            if denom:                       # a/(2 b): fold the 2 into the denominator
                denom.insert(0, sp.Integer(coeff.q))
                coeff = sp.Integer(coeff.p)
            else:                           # ½ (y − t)²
                head, coeff = self._print_Rational(coeff) + " ", sp.S.One
                head += r"\cdot " if self.values is not None else ""
        if coeff != 1:
            numer.insert(0, coeff)
        top = self._join_factors(numer, whole=bool(denom)) if numer else "1"
        if denom:
            return head + r"\frac{%s}{%s}" % (top, self._join_factors(denom, whole=True))
        return head + top

    def _join_factors(self, factors: list, whole: bool = False) -> str:
        """Factors side by side; a sum in parentheses unless it is ``whole`` numerator or
        denominator of a fraction, alone there (1/(e^{-z} + 1), not 1/((e^{-z} + 1)))."""
        factors = sorted(factors, key=self._factor_key)
        bare = whole and len(factors) == 1
        parts: list[str] = []
        for f in factors:
            text = self._print(f)
            if (f.is_Add and not bare) or (f.is_Number and f.is_negative and parts):
                text = r"\left(%s\right)" % text
            numeric = self.values is not None or text[0].isdigit()
            if parts and (numeric or parts[-1][-1].isdigit() and f.is_Number):
                parts.append(r"\cdot " + text)
            else:
                parts.append(text)
        return " ".join(parts)

    # -- deltaprop's functions ---------------------------------------------------------------
    def _print_sigmoid(self, expr, exp=None):
        return self._function(r"\sigma", expr, exp)

    def _print_softplus(self, expr, exp=None):
        return self._function(r"\operatorname{softplus}", expr, exp)

    def _print_relu(self, expr, exp=None):
        return self._function(r"\operatorname{ReLU}", expr, exp)

    def _print_logsumexp(self, expr, exp=None):
        return self._function(r"\operatorname{logsumexp}", expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        text = r"\left[%s > 0\right]" % self._print(expr.args[0])
        return text if exp is None else r"%s^{%s}" % (text, exp)

    def _print_Integer(self, expr):
        """Up to 15 digits exactly; longer ones (a spec allows 300) as 1.0 · 10^{40}."""
        if abs(expr.p) < 10 ** 15:
            return str(expr.p)
        return self._print(sp.Float(expr, 15))

    def _print_Rational(self, expr):
        if expr.q == 1:
            return self._print_Integer(expr)
        sign = "- " if expr.p < 0 else ""
        return r"%s\frac{%s}{%s}" % (sign, self._print_Integer(sp.Integer(abs(expr.p))),
                                     self._print_Integer(sp.Integer(expr.q)))

    def _print_own_latex(self, expr):
        """SymPy's constants print themselves (``pi._latex`` → \\pi); this printer's own
        ``printmethod`` would otherwise skip that and set ``\\text{\\Pi}``."""
        return expr._latex(self)

    _print_NumberSymbol = _print_ImaginaryUnit = _print_Infinity = _print_own_latex
    _print_NegativeInfinity = _print_NaN = _print_ComplexInfinity = _print_own_latex

    def _print_DiracDelta(self, expr, exp=None):
        """Not δ(x), which would read as a δ term of backpropagation; its k-th derivative
        as Dirac^{(k)}(x)."""
        name = r"\operatorname{Dirac}"
        if len(expr.args) > 1 and expr.args[1] != 0:
            name += "^{(%s)}" % self._print(expr.args[1])
        return self._function(name, expr.func(expr.args[0]), exp)

    def _function(self, name: str, expr, exp) -> str:
        args = ", ".join(self._print(a) for a in expr.args)
        head = name if exp is None else f"{name}^{{{exp}}}"
        return r"%s\left(%s\right)" % (head, args)


def latex(expr, printer: TextbookLatexPrinter | None = None) -> str:
    """``expr`` in textbook LaTeX (with a default printer when none is given)."""
    return (printer or TextbookLatexPrinter()).doprint(expr)


# -- line breaking ---------------------------------------------------------------------------
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_NAMED_FUNCTION = re.compile(
    r"\\(a?(?:tanh|sinh|cosh|tan|sin|cos)|log|exp|max|min|sign)(?![A-Za-z])")


def visual_width(tex: str) -> float:
    """Rough printed width of a LaTeX math string, in average character widths."""
    text = re.sub(r"\\(left|right|,|;|!|quad|qquad)", "", tex)
    text = re.sub(r"\\operatorname\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\\frac\{((?:[^{}]|\{[^{}]*\})*)\}\{((?:[^{}]|\{[^{}]*\})*)\}",
                  lambda m: "#" * int(max(visual_width(m.group(1)), visual_width(m.group(2))) + 1),
                  text)
    scripts = re.findall(r"[_^](\{(?:[^{}]|\{[^{}]*\})*\}|.)", text)
    script_width = sum(visual_width(s.strip("{}")) for s in scripts)
    text = re.sub(r"[_^](\{(?:[^{}]|\{[^{}]*\})*\}|.)", "", text)
    text = _NAMED_FUNCTION.sub(r"\1", text)      # \tanh is four letters wide, \sigma one
    text = text.replace(r"\cdot", "-")           # spaced like a binary minus
    text = _COMMAND.sub("c", text)
    text = re.sub(r"[{}\s]", "", text)
    operators = len(re.findall(r"[=+\-]", text))
    narrow = len(re.findall(r"[\d.]", text))     # digits and points: numbers of a worked example
    return len(text) - 0.12 * narrow + operators + 0.7 * script_width


def break_terms(items: list[tuple[str, str]], width: float, lead: bool = False) -> list[str]:
    """Pack ``(operator, term)`` pairs into lines of about ``width`` characters.

    A leading ``+`` is dropped unless ``lead`` (a leading ``-`` never is); a line after the
    first starts with its operator, so ``a + b + c`` may print as ``a + b`` / ``+ c``.
    """
    lines: list[str] = []
    current, used = "", 0.0
    for i, (op, term) in enumerate(items):
        piece = term if (i == 0 and not lead and op == "+") or not op else f"{op} {term}"
        w = visual_width(piece)
        if current and used + w > width:
            lines.append(current)
            current, used = piece, w
        else:
            current = f"{current} {piece}" if current else piece
            used += w
    if current:
        lines.append(current)
    return lines
