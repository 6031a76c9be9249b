"""The matrix-form derivation as a LaTeX or Markdown document, every line with its shape."""
from __future__ import annotations

import sympy as sp

from .document import comment_text, md_title, tex_title
from .latex import break_terms, pdflatex_unicode, visual_width
from symbolic import derive
from .matrix_latex import MatrixLatexPrinter, symbol_tex
from symbolic.matrix.ops import Mean, signed_terms
from symbolic.matrix.network import MatrixNetwork
from symbolic.matrix.rules import RULE_TEX
from symbolic.matrix.text import own_symbols


def _shape(expr) -> str:
    rows, cols = expr.shape
    return "1 \\times 1" if (rows, cols) == (1, 1) else f"{rows} \\times {cols}"


#: Width of a right side before it is broken between its terms, in ``visual_width`` units
#: (an A4 page at 11pt with the lhs and the shape column beside it).
RHS_WIDTH = 52


def _rhs_lines(expr, printer: MatrixLatexPrinter) -> list[str]:
    """The right side, broken between the terms of a sum where it is too wide for one line
    (also of the sum inside a batch mean: (1/B)Σ[a + b + ...])."""
    whole = printer.doprint(expr)
    if visual_width(whole) <= RHS_WIDTH:
        return [whole]
    if isinstance(expr, Mean) and isinstance(expr.arg, sp.MatAdd):
        items = _term_items(expr.arg, printer)
        items[0] = (items[0][0], r"\frac{1}{B} \sum_{i,j} \Big[" + items[0][1])
        items[-1] = (items[-1][0], items[-1][1] + r"\Big]_{ij}")
        return break_terms(items, RHS_WIDTH)
    if not isinstance(expr, sp.MatAdd):
        return [whole]
    return break_terms(_term_items(expr, printer), RHS_WIDTH)


def _term_items(expr: sp.MatAdd, printer) -> list[tuple[str, str]]:
    return [("-" if negative else "+", printer.term_text(term, negative))
            for negative, term in signed_terms(expr)]


def _rows(pairs, own: dict) -> list[dict]:
    printer = MatrixLatexPrinter(own)
    rows = []
    for lhs, rhs in pairs:
        first, *more = _rhs_lines(rhs, printer)
        rows.append({"lhs": printer.doprint(lhs), "rhs": first, "more": more, "shape": _shape(lhs)})
    return rows


def document_context(network: MatrixNetwork) -> dict:
    """Everything the templates print, as strings."""
    derivation = derive(network)
    own = own_symbols(derivation)
    deltas = [(l, r) for l, r in derivation.program if l not in derivation.gradient.values()]
    grads = [(l, r) for l, r in derivation.program if l in derivation.gradient.values()]
    declared = [(role, s) for role, group in (("input", network.inputs),
                                              ("target", network.targets),
                                              ("parameter", network.params)) for s in group]
    return {
        "title": network.name,
        "symbols": [{"role": role, "tex": symbol_tex(s.name), "shape": _shape(s)}
                    for role, s in declared],
        "forward": _rows(network.forward, own),
        "rules": [{"name": n, "forward": f, "vjp": v} for n, f, v in RULE_TEX],
        "deltas": _rows(deltas, own),
        "gradients": _rows(grads, own),
        "layered": network.name.startswith("layers:"),
        "inputs": ", ".join(f"${symbol_tex(s.name)}$" for s in network.inputs),
    }


def matrix_document(network: MatrixNetwork, fmt: str, command: str) -> str:
    """``fmt`` is 'tex' (a complete LaTeX document) or 'md' (Markdown with $$ blocks).  The
    name and ``command`` are escaped for the target (title, header comment) and in LaTeX the
    non-ASCII characters pdflatex cannot set are rewritten."""
    from .templates import render

    context = document_context(network)
    if fmt == "tex":
        context["title"] = tex_title(network.name)
        for s in context["symbols"]:
            s["tex"] = pdflatex_unicode(s["tex"])
        for key in ("forward", "deltas", "gradients"):
            for row in context[key]:
                row["lhs"], row["rhs"] = pdflatex_unicode(row["lhs"]), pdflatex_unicode(row["rhs"])
                row["more"] = [pdflatex_unicode(line) for line in row["more"]]
    else:
        context["title"] = md_title(network.name)
    return render(f"matrix_derivation.{fmt}.j2", command=comment_text(command, fmt), **context)
