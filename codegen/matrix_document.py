"""The matrix-form derivation as a LaTeX or Markdown document, every line with its shape."""
from __future__ import annotations

from .document import comment_text, md_title, tex_title
from .latex import pdflatex_unicode
from symbolic import derive
from .matrix_latex import matrix_latex, symbol_tex
from symbolic.matrix.network import MatrixNetwork
from symbolic.matrix.rules import RULE_TEX
from symbolic.matrix.text import own_symbols


def _shape(expr) -> str:
    rows, cols = expr.shape
    return "1 \\times 1" if (rows, cols) == (1, 1) else f"{rows} \\times {cols}"


def _rows(pairs, own: dict) -> list[dict]:
    return [{"lhs": matrix_latex(l, own), "rhs": matrix_latex(r, own), "shape": _shape(l)}
            for l, r in pairs]


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
    else:
        context["title"] = md_title(network.name)
    return render(f"matrix_derivation.{fmt}.j2", command=comment_text(command, fmt), **context)
