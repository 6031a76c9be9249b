"""The computational graph as Graphviz DOT, like the seed documents' flow diagrams.

Columns run left to right from the inputs to the loss (``layer_ranks``), parameter boxes in a
column of their own before the node that uses them.  Values are nodes (parameters as boxes,
inputs and targets as filled ellipses, the loss as a double ellipse); each solid edge
producer → consumer carries its local partial ∂consumer/∂producer, a long one as a key into a
legend under the picture; dashed edges are not differentiated.  Labels are HTML-like, in
textbook notation (``codegen.dot_labels``).  Given a point, nodes show their value and δ,
parameters ∂L/∂w, edges the partial's value.  Plain text, no dependency; ``render`` runs
Graphviz's ``dot`` for SVG or PNG.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Mapping

import sympy as sp

from .document import comment_text, shell_word
from .dot_labels import (HtmlPrinter, delta_name, fold, html_name, number, partial_name,
                         plain_text, text_width)
from symbolic.errors import DeltapropError
from symbolic.evaluate import evaluate
from .latex import TextbookLatexPrinter, visible
from symbolic.network import Network

SHAPES = {"param": "box", "input": "ellipse", "target": "ellipse", "node": "ellipse"}


#: Bytes per quoted piece of a DOT string: Graphviz refuses a quoted string of 16,384 bytes
#: or more, so longer ones are written as "..." + "..." (DOT's concatenation).
DOT_PIECE_BYTES = 4000


def _dot_string(units) -> str:
    """A quoted DOT string of already escaped ``units`` (never split inside one)."""
    pieces, current, size = [], [], 0
    for unit in units:
        n = len(unit.encode("utf-8"))
        if current and size + n > DOT_PIECE_BYTES:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(unit)
        size += n
    pieces.append("".join(current))
    return " + ".join(f'"{piece}"' for piece in pieces)


def dot_id(text: str) -> str:
    """``text`` as a quoted DOT identifier (a node or the graph): distinct strings give
    distinct identifiers.  Graphviz keeps a quoted ID as written except ``\\"``, so ``"`` and
    ``\\`` are escaped and unprintable characters (newline, NUL, ...) written as Python
    escapes (``\\n``, ``\\x00``): always one line, always valid UTF-8."""
    return _dot_string('\\"' if c == '"' else "\\\\" if c == "\\" else visible(c) for c in text)


def dot_label(*lines: str) -> str:
    """A label of several lines, each shown as written: in labels Graphviz reads ``\\``
    escapes (``\\n``, ``\\N``, ``\\G``...) and HTML entities (``&amp;``), so ``\\``, ``"`` and
    ``&`` are escaped; unprintable characters show as Python escapes."""
    units = []
    for i, line in enumerate(lines):
        if i:
            units.append("\\n")
        units += [_LABEL_ESCAPES.get(c, c) for c in visible(line)]
    return _dot_string(units)


_LABEL_ESCAPES = {"\\": "\\\\", '"': '\\"', "&": "&amp;"}


#: Automatic defaults for large networks (see the README): edges carry their partials when
#: the graph has at most this many edges, and parameters are drawn as boxes when there are at
#: most this many of them (otherwise the node equations name them).
AUTO_PARTIAL_EDGES = 60
AUTO_PARAM_NODES = 40

#: Characters per line of a node's equation, and lines kept (a longer sum ends in "+ … + last").
NODE_LINE_WIDTH = 30
NODE_MAX_LINES = 4
#: A partial wider than this is written in the legend under the picture, keyed [1], [2], ...
EDGE_LABEL_WIDTH = 30
LEGEND_LINE_WIDTH = 70
#: Graphviz refuses an HTML-like label of 16,384 bytes or more; longer labels are plain text.
HTML_LABEL_BYTES = 16000


@dataclass
class _Picture:
    """What a drawing shows and the legend it builds up while its edges are written."""

    network: Network
    printer: HtmlPrinter
    values: Mapping | None
    gradients: Mapping | None
    partials: bool
    params: bool
    legend: list = field(default_factory=list)


def graph_dot(network: Network, values: Mapping[sp.Symbol, float] | None = None,
              gradients: Mapping[sp.Symbol, float] | None = None, command: str = "",
              partials: bool | None = None, params: bool | None = None) -> str:
    """DOT text of ``network``'s graph, laid out in layers from the inputs (left) to the loss
    (right); ``values``/``gradients`` annotate it at a point; ``partials`` (edge labels) and
    ``params`` (parameter boxes) default to ``AUTO_PARTIAL_EDGES``/``AUTO_PARAM_NODES``;
    ``command`` is named in the header comment."""
    picture = _Picture(network, HtmlPrinter(TextbookLatexPrinter.for_network(network)), values,
                       gradients, _auto(partials, edge_count(network) <= AUTO_PARTIAL_EDGES),
                       _auto(params, len(network.params) <= AUTO_PARAM_NODES))
    source = comment_text(command or f"deltaprop graph {shell_word(network.name)}", "dot")
    lines = [f"// Generated by deltaprop ({source}); do not edit by hand.",
             f"digraph {dot_id(network.name)} {{",
             "  rankdir=LR; ranksep=0.5; nodesep=0.5;",
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9];']
    shown = _shown_symbols(picture)
    lines += [f"  {dot_id(s.name)} [{_node_attributes(picture, s)}];" for s in shown]
    lines += _edge_lines(picture, set(shown))
    lines += _rank_lines(network, shown, picture.params)
    lines += _legend_lines(picture)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _auto(choice: bool | None, default: bool) -> bool:
    return default if choice is None else choice


def derivation_dot(derivation, partials: bool | None = None, params: bool | None = None) -> str:
    """The graph of a ``Derivation``'s network, annotated at its point when it has one; the
    header names the command that draws it, with ``partials``/``params`` when they are set."""
    values = derivation.values
    gradients = None
    if values is not None:
        delta = derivation.delta
        gradients = {v: values[d] for v, d in delta.delta.items()}
        gradients.update({p: values[g] for p, g in delta.gradient.items()})
    options = [f"--{'' if on else 'no-'}{name}" for name, on in
               (("partials", partials), ("params", params)) if on is not None]
    command = " ".join([derivation.command("graph")] + options)
    return graph_dot(derivation.network, values, gradients, command=command,
                     partials=partials, params=params)


def _shown_symbols(picture: _Picture) -> list[sp.Symbol]:
    network, graph = picture.network, picture.network.graph
    params = set(network.params)
    return [s for s in network.symbols if (s in graph.rhs or graph.consumers.get(s))
            and (picture.params or s not in params)]


def stored_values(network: Network) -> dict[sp.Symbol, list[tuple[sp.Symbol, sp.Expr]]]:
    """Values the forward pass stores that are not nodes of the graph (``h_tanh``), as
    (symbol, right side) under the node computed next, the one that uses them."""
    nodes, pending, owned = network.graph.rhs, [], {}
    for step in network.forward.assignments:
        if step.lhs in nodes:
            if pending:
                owned[step.lhs], pending = pending, []
        else:
            pending.append((step.lhs, step.rhs))
    return owned


# -- layers ----------------------------------------------------------------------------------
def layer_ranks(network: Network, params: bool = True) -> dict[sp.Symbol, int]:
    """Column of each symbol, left to right: the inputs first, each node right of what it
    uses, the loss last; a parameter (when ``params`` are drawn) or a target just left of its
    first consumer, in a column of its own between the inputs and the nodes they feed."""
    graph = network.graph
    column = {s: 0 for s in network.inputs}
    for u in graph.rhs:
        column[u] = max((column[v] + _gap(network, v, u, params) for v in graph.producers[u]
                         if v in column), default=1)
    column[network.loss_symbol] = max(column.values())
    for s in network.params + network.targets:
        consumers = graph.consumers.get(s) or ()
        column[s] = max(min((column[u] for u in consumers), default=1) - 1, 0)
    return column


def _gap(network: Network, producer: sp.Symbol, consumer: sp.Symbol, params: bool) -> int:
    """Columns between a producer and its consumer: two from a value into a node that also
    uses parameters (their boxes stand in the column between), else one."""
    if not params or network.role(producer) == "param":
        return 1
    return 2 if any(network.role(v) == "param" for v in network.graph.producers[consumer]) else 1


def _rank_lines(network: Network, shown: list[sp.Symbol], params: bool) -> list[str]:
    """One ``rank=same`` group per column; invisible edges keep the values of a column in
    declaration order (x₁ above x₂), parameters go where they cross the fewest edges."""
    column = layer_ranks(network, params)
    columns: dict[int, list[sp.Symbol]] = {}
    for s in shown:
        columns.setdefault(column[s], []).append(s)
    lines = []
    for _, symbols in sorted(columns.items()):
        ids = [dot_id(s.name) for s in symbols]
        values = [dot_id(s.name) for s in symbols if network.role(s) != "param"]
        order = "".join(f" {a} -> {b} [style=invis];" for a, b in zip(values, values[1:]))
        lines.append("  { rank=same; " + "; ".join(ids) + ";" + order + " }")
    return lines


# -- nodes -----------------------------------------------------------------------------------
def _node_attributes(picture: _Picture, s: sp.Symbol) -> str:
    network = picture.network
    role = network.role(s)
    attrs = [f"label={_label(_node_lines(picture, s))}"]
    if s == network.loss_symbol:
        attrs.append("shape=ellipse, peripheries=2")
    else:
        attrs.append(f"shape={SHAPES.get(role, 'ellipse')}")
    if role == "param":
        attrs.append('style=filled, fillcolor="#fde9c9"')
    elif role in ("input", "target"):
        attrs.append('style=filled, fillcolor="#e4eef9"')
    return ", ".join(attrs)


def _node_lines(picture: _Picture, s: sp.Symbol) -> list[str]:
    """The node's equation as the forward pass computes it, after the values it stores on the
    way (``h_tanh = tanh(...)`` before ``h = 0.5·z·(1 + h_tanh)``: partials name them)."""
    printer, network = picture.printer, picture.network
    name = html_name(s.name)
    if s not in network.graph.rhs:
        lines = [name]
    else:
        lines = [line for stored, rhs in stored_values(network).get(s, ())
                 for line in _equation(f"{html_name(stored.name)} =", printer.terms(rhs))]
        lines += _equation(f"{name} =", printer.terms(network.forward.as_dict()[s]))
    if picture.values is not None and s in picture.values:
        lines.append(f"= {number(picture.values[s])}")
    if picture.gradients is not None and s in picture.gradients:
        lines.append(f"{_gradient_name(network, s)} = {number(picture.gradients[s])}")
    return lines


def _equation(head: str, terms: list[tuple[str, str]]) -> list[str]:
    """``head`` and the terms folded onto lines; a sum too long for ``NODE_MAX_LINES`` keeps
    its first and last terms around an ellipsis."""
    lines = fold(head, terms, NODE_LINE_WIDTH)
    if len(lines) <= NODE_MAX_LINES:
        return lines
    kept = fold(head, terms[:NODE_MAX_LINES * 2], NODE_LINE_WIDTH)[:NODE_MAX_LINES - 1]
    op, last = terms[-1]
    return kept + [f"+ … {op} {last}"]


def _gradient_name(network: Network, s: sp.Symbol) -> str:
    if network.role(s) == "param":
        return partial_name(network.loss_symbol, s)
    return delta_name(s)


# -- edges -----------------------------------------------------------------------------------
def _edge_lines(picture: _Picture, shown: set) -> list[str]:
    network, graph = picture.network, picture.network.graph
    lines = []
    for u, rhs in graph.rhs.items():
        for v in network.dependencies(rhs):
            if v not in shown:
                continue
            edge = graph.edges.get((u, v))
            attrs = ["style=dashed"] if edge is None else []
            if edge is not None and picture.partials:
                attrs.append(f"label={_label(_partial_lines(picture, edge))}")
            gap = _gap(network, v, u, picture.params)
            attrs += [f"minlen={gap}"] if gap > 1 else []
            attrs_text = f" [{', '.join(attrs)}]" if attrs else ""
            lines.append(f"  {dot_id(v.name)} -> {dot_id(u.name)}{attrs_text};")
    return lines


def _partial_lines(picture: _Picture, edge) -> list[str]:
    """∂u/∂v = its expression (σ′(z) = ... for an activation) and its value at the point;
    a wide expression goes to the legend and the edge shows its key."""
    printer = picture.printer
    head = partial_name(edge.consumer, edge.producer) + " ="
    rhs = picture.network.graph.rhs[edge.consumer]
    lines = []
    prime = printer.function_prime(rhs) if isinstance(rhs, sp.Function) else None
    if prime is not None and rhs.args == (edge.producer,):
        lines.append(f"{head} {prime}")
        head = "="
    text = printer.doprint(edge.partial)
    if text_width(text) > EDGE_LABEL_WIDTH:
        picture.legend.append(fold(f"{partial_name(edge.consumer, edge.producer)} =",
                                   printer.terms(edge.partial), LEGEND_LINE_WIDTH))
        text = f"[{len(picture.legend)}]"
    lines.append(f"{head} {text}")
    if picture.values is not None and not edge.partial.is_Number:
        lines.append(f"= {number(evaluate(edge.partial, picture.values))}")
    return lines


def _legend_lines(picture: _Picture) -> list[str]:
    """The legend of long partials as the graph's label, under the picture."""
    if not picture.legend:
        return []
    rows = "".join(f'<TR><TD ALIGN="RIGHT" VALIGN="TOP">[{i}]</TD><TD ALIGN="LEFT">'
                   f'{_rows(lines, "LEFT")}</TD></TR>' for i, lines in enumerate(picture.legend, 1))
    table = f'<TABLE BORDER="0" CELLSPACING="2">{rows}</TABLE>'
    if len(table.encode("utf-8")) > HTML_LABEL_BYTES:
        label = dot_label(*(f"[{i}] " + " ".join(plain_text(line) for line in lines)
                            for i, lines in enumerate(picture.legend, 1)))
    else:
        label = f"<{table}>"
    return [f"  labelloc=b; labeljust=l; fontname=\"Helvetica\"; fontsize=10; label={label};"]


def _label(lines: list[str]) -> str:
    """An HTML-like label of ``lines`` (already HTML), one table row each (rows leave room for
    sub- and superscripts, ``<BR/>`` does not), or a plain label past Graphviz's limit."""
    text = lines[0] if len(lines) == 1 else _rows(lines)
    if len(text.encode("utf-8")) > HTML_LABEL_BYTES:
        return dot_label(*(plain_text(line) for line in lines))
    return f"<{text}>"


def _rows(lines: list[str], align: str = "") -> str:
    cell = f'<TD ALIGN="{align}">' if align else "<TD>"
    cells = "".join(f"<TR>{cell}{line}</TD></TR>" for line in lines)
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{cells}</TABLE>'



#: Most edges drawn as SVG or PNG.  Graphviz's layout time grows faster than the edge count;
#: measured with ``dot -Tsvg`` 2.43 here: 1,924 edges (mlp:30-30-1) 1.2-2.7 s, 1,996 edges
#: with a 330-wide input layer (the worst shape tried) 7.9 s, 2,416 edges 13.6 s, 5,204 edges
#: 12.6 s, 7,444 edges 31 s, mlp:150-150-1's 45,604 edges over 90 s.  Larger graphs are refused
#: before anything is computed; the .dot file has no limit.
MAX_LAYOUT_EDGES = 2000

#: Seconds Graphviz may run before it is stopped (the largest graph allowed takes about 8 s).
RENDER_TIMEOUT = 60.0

#: A PNG drawing larger than this many inches a side is scaled down to fit (at most 9,600
#: pixels a side): rasterizing costs about 40 ms per megapixel, and mlp:100-3-1's unscaled
#: 16,479 x 29,003 pixels took 19 s for a 41 MB file.
PNG_MAX_INCHES = 100


def edge_count(network: Network) -> int:
    """Edges ``graph_dot`` draws: one per declared symbol each node's expression uses."""
    return sum(len(network.dependencies(rhs)) for rhs in network.graph.rhs.values())


def check_layout_size(network: Network, fmt: str, suggestion: str = "FILE.dot") -> None:
    """Refuse, before any work, a graph too large for Graphviz to lay out in reasonable time."""
    edges = edge_count(network)
    if edges > MAX_LAYOUT_EDGES:
        raise DeltapropError(
            f"the graph of {network.name!r} has {edges:,} edges, too many to lay out as .{fmt} "
            f"in reasonable time (at most {MAX_LAYOUT_EDGES:,}); write a .dot file instead "
            f"(-o {suggestion})")


def render(dot_text: str, fmt: str, timeout: float | None = None) -> bytes:
    """``dot_text`` rendered by Graphviz's ``dot`` as ``fmt`` ('svg' or 'png'), stopped after
    ``timeout`` seconds (``RENDER_TIMEOUT``); any failure is a ``DeltapropError``."""
    timeout = RENDER_TIMEOUT if timeout is None else timeout
    exe = shutil.which("dot")
    if exe is None:
        raise DeltapropError(f"writing .{fmt} needs Graphviz's 'dot' program, which is not "
                             "installed (apt-get install graphviz), or write a .dot file instead")
    command = [exe, f"-T{fmt}"]
    if fmt == "png":
        command.append(f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}")
    try:
        done = subprocess.run(command, input=dot_text.encode("utf-8"), capture_output=True,
                              check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise DeltapropError(f"Graphviz 'dot' did not finish the .{fmt} within {timeout:g} s "
                             "and was stopped; write a .dot file instead") from None
    except OSError as err:
        raise DeltapropError(f"cannot run Graphviz 'dot' ({exe}): {err.strerror or err}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DeltapropError("Graphviz 'dot' failed: "
                             + (visible(message[0]) if message else f"exit {done.returncode}"))
    if not done.stdout:   # Graphviz 2.43 exits 0 with no output on some inputs
        raise DeltapropError(f"Graphviz 'dot' wrote no .{fmt} (and no error message)")
    return done.stdout
