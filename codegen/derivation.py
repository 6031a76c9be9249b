"""A network's backpropagation written out step by step, as the seed documents do it by hand.

``Derivation(network, weights=None, at=None, lr=None)`` gathers, in order: the forward pass
(numbered) and the loss; for each selected weight the chain-rule product along each path in
∂ notation, summed over paths, its local derivatives and the product in node values; the
shared δ terms, their recursion, every gradient in δ form and which weights reuse which δ;
the naive and δ costs; with ``at`` a worked numeric example, with ``lr`` one step of
gradient descent.  ``.latex()`` and ``.markdown()`` render whole documents; in a notebook the
object displays itself (``_repr_markdown_``, ``_repr_latex_``).
"""
from __future__ import annotations

import math
import re
from functools import cached_property
from typing import Mapping, Sequence

import sympy as sp

from symbolic.cost import COLUMNS, network_costs
from symbolic.sweep import derive
from .document import (LINE_WIDTH, Code, Display, Heading, Math, Row, Section, Table, Text,
                       comment_text, md_title, render_blocks, shell_word, side_by_side,
                       tex_title)
from symbolic.errors import DeltapropError
from symbolic.evaluate import evaluate, run
from .latex import TextbookLatexPrinter, visible, visual_width
from symbolic.naive import ChainPath, DEFAULT_PATH_LIMIT, count_path_terms, derive_naive
from symbolic.network import Network
from symbolic.wording import plural

MAX_WEIGHTS = 16        # more parameters than this: one representative weight per layer
MAX_PATH_TERMS = 64     # more chain-rule terms in all than this: representatives too
MAX_PATHS_SHOWN = 6     # paths written out per weight
MAX_ROWS = 40           # forward equations / δ terms listed before grouping by layer
MAX_SUM_TERMS = 12      # longer sums print as  a + b + c + ⋯ + z  (n terms)
MAX_NAMES = 24          # longer lists of names print as  a, b, c, …, z (n)
ABBREVIATE_WIDTH = 40   # a term wider than this gets its long function arguments named
MAX_ABBREVIATIONS = 12  # ξ_1, ..., ξ_12 at most


class Derivation:
    """The derivation document of ``network`` (see module docstring).

    ``weights``: parameter names to derive along paths (default: all, or a representative
    per layer for large networks); ``at``: {name: value} for every input, target and
    parameter, for the worked example; ``lr``: learning rate for one gradient-descent step.
    """

    def __init__(self, network: Network, weights: Sequence[str] | None = None,
                 at: Mapping[str, float] | None = None, lr: float | None = None,
                 source: str | None = None):
        self.network = network
        self.source = source or network.name  # the NETWORK argument the header's command names
        self.delta = derive(network)
        self.printer = TextbookLatexPrinter.for_network(network, self.delta)
        self.requested = _select_weights(network, weights)
        self.at = _check_point(network, at) if at is not None else None
        if lr is not None and self.at is None:
            raise DeltapropError("--lr needs a point: give the values with --at NAME=VALUE,...")
        if lr is not None and not (math.isfinite(lr) and lr > 0):
            raise DeltapropError(f"--lr: {lr} is not a positive finite number (a step "
                                 "against the gradient needs a learning rate above 0)")
        self.lr = lr

    # -- what is shown -----------------------------------------------------------------------
    @cached_property
    def path_terms(self) -> int:
        return count_path_terms(self.network)

    @cached_property
    def large(self) -> bool:
        return len(self.network.params) > MAX_WEIGHTS or self.path_terms > MAX_PATH_TERMS

    @cached_property
    def weights(self) -> list[sp.Symbol]:
        """The weights derived along their paths."""
        if self.requested is not None:
            return self.requested
        if not self.large:
            return list(self.network.params)
        return representatives(self.network, self.network.params)

    @cached_property
    def paths(self) -> dict[sp.Symbol, list[ChainPath]]:
        """Chain-rule paths of each selected weight (at most MAX_PATHS_SHOWN of each)."""
        if self.path_terms <= DEFAULT_PATH_LIMIT and not self.large:
            return {g.param: list(g.paths) for g in derive_naive(self.network)}
        return {p: first_paths(self.network, p, MAX_PATHS_SHOWN) for p in self.weights}

    @cached_property
    def values(self) -> dict[sp.Symbol, float] | None:
        """Forward values, δ values and gradients at the point ``at``."""
        if self.at is None:
            return None
        values = run(self.delta.program, run(self.network.forward, self.at))
        for name, sub in self.abbreviations:      # in order: a later one may hold an earlier one
            values[name] = evaluate(sub, values)
        return values

    # -- printing helpers --------------------------------------------------------------------
    def tex(self, expr) -> str:
        return self.printer.doprint(self.shorten(expr))

    def shorten(self, expr):
        """``expr`` with every abbreviated subexpression replaced by its name (ξ_1, ...)."""
        if not self.abbreviations or not isinstance(expr, sp.Basic):
            return expr
        return expr.xreplace({sub: name for name, sub in self.abbreviations})

    def _longest_argument(self, expr: sp.Expr) -> sp.Expr | None:
        """The function argument of ``expr`` that prints widest (ties: by its LaTeX); without
        one, the widest sum that is a factor of a product (a bracket the line cannot break)."""
        printed = {self.printer.doprint(a): a for f in expr.atoms(sp.Function) for a in f.args
                   if not a.is_Atom}
        if not printed:
            printed = {self.printer.doprint(a): a for m in expr.atoms(sp.Mul) for a in m.args
                       if a.is_Add}
        if not printed:
            return None
        return printed[min(printed, key=lambda t: (-visual_width(t), t))]

    def abbreviation_candidates(self) -> list[sp.Expr]:
        """The expressions the document prints whole: shown local derivatives, forward right
        sides and δ terms."""
        sweep = self.delta.program.as_dict()
        return ([e.partial for e in self.shown_edges] + [a.rhs for a in self.forward_shown]
                + [sweep[self.delta.delta[v]] for v in self.delta_nodes])

    @cached_property
    def abbreviations(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        """(name, subexpression) for the arguments of functions inside local derivatives too
        long for a line (a GELU's tanh argument): the largest first, until every piece fits.
        The names print as ξ_1, ξ_2, ... (or another letter no symbol of the network uses)."""
        found: list[tuple[sp.Symbol, sp.Expr]] = []
        letter = _free_letter({self.printer.doprint(s) for s in self.network.symbols})
        for expr in self.abbreviation_candidates():
            partial = expr.xreplace({sub: name for name, sub in found})
            while (len(found) < MAX_ABBREVIATIONS
                   and _widest_piece(self.printer, partial) > ABBREVIATE_WIDTH):
                argument = self._longest_argument(partial)
                if argument is None:
                    break
                name = sp.Symbol(f"{letter}⟨{len(found) + 1}⟩")
                self.printer.names[name.name] = r"%s_{%d}" % (letter, len(found) + 1)
                found.append((name, argument))
                partial = partial.xreplace({argument: name})
        return found

    def d(self, top, bottom, inline: bool = False) -> str:
        return self.printer.partial(top, bottom, inline)

    def sum_items(self, expr: sp.Expr, printer: TextbookLatexPrinter | None = None
                  ) -> list[tuple[str, str]]:
        """A sum as (operator, term) items in textbook order, shortened when very long."""
        printer, expr = printer or self.printer, self.shorten(expr)
        if not expr.is_Add:
            return [("", printer.doprint(expr))]
        items = []
        for term in self.printer._as_ordered_terms(expr):
            if term.could_extract_minus_sign():
                items.append(("-", printer.doprint(-term)))
            else:
                items.append(("+", printer.doprint(term)))
        if len(items) > MAX_SUM_TERMS:
            count = ("", r"\quad\text{(%d terms)}" % len(items))
            items = items[:3] + [("+", r"\cdots")] + items[-1:] + [count]
        return items

    def factor_items(self, factors: Sequence[sp.Expr]) -> list[tuple[str, str]]:
        """A product in path order, ``\\cdot`` between factors, unit factors left out."""
        shown = [self.shorten(f) for f in factors if f != 1] or [sp.S.One]
        items = []
        for f in shown:
            text = self.printer.doprint(f)
            if f.is_Add or f.could_extract_minus_sign():
                text = r"\left(%s\right)" % text
            items.append(((r"\cdot" if items else ""), text))
        return items

    def fmt(self, value: float) -> str:
        return format_number(value)

    # -- sections ----------------------------------------------------------------------------
    @cached_property
    def sections(self) -> list[Section]:
        sections = [self.forward_section(), self.paths_section(), self.delta_section(),
                    self.cost_section()]
        if self.values is not None:
            sections.append(self.example_section())
        if self.lr is not None:
            sections.append(self.step_section())
        return sections

    def forward_section(self) -> Section:
        net = self.network
        sec = Section("Forward pass")
        sec.blocks.append(Text([
            "Network ", Code(net.name), ": inputs ", *self.names(net.inputs), ", targets ",
            *self.names(net.targets), ", parameters ", *self.names(net.params),
            ". The forward pass computes, in order:"]))
        number = {a.lhs: i for i, a in enumerate(net.forward, 1)}
        shown = self.forward_shown
        written = net.written.as_dict()
        rows = [Row(self.tex(a.lhs), self.forward_segments(a, written), tag=str(number[a.lhs]))
                for a in shown]
        sec.blocks.append(Display(rows, numbered=True))
        sec.blocks += self.recognition_note(written)
        if len(shown) < len(number):
            sec.blocks.append(Text([f"Shown: the first equation of each layer; the other "
                                    f"{len(number) - len(shown):,} have the same form."]))
        loss = net.loss_symbol
        if loss == net.loss:
            sec.blocks.append(Text(["The loss is the last node, ", Math(self.tex(loss)), "."]))
        else:
            sec.blocks.append(Text(["The last equation is the loss ", Math(self.tex(loss)),
                                    " for one sample."]))
        return sec

    def forward_segments(self, a, written: dict) -> list:
        """``= as written = as derived`` where deltaprop recognised a form in the written
        right side (1/(1 + e^{−z}) = σ(z)), else the right side once."""
        derived = [self.sum_items(a.rhs)]
        mine = written.get(a.lhs)
        if not self.recognised(a.lhs, mine):
            return [derived]
        as_written = self.sum_items(mine)
        if visual_width(" ".join(term for _, term in as_written)) > 0.6 * LINE_WIDTH:
            return [derived]                      # too long to stand beside it: the note says so
        return [[as_written], derived]

    def recognised(self, node, written_rhs) -> bool:
        """True if deltaprop recognised a form in the written right side of ``node``."""
        mine = self.network.differentiated.get(node)
        return (written_rhs is not None and mine is not None and written_rhs != mine
                and sp.expand(written_rhs - mine) != 0)

    def recognition_note(self, written: dict) -> list:
        """One sentence on what deltaprop changed in the written program, if anything."""
        net = self.network
        changed = [u for u, rhs in written.items() if self.recognised(u, rhs)]
        if not changed and not net.auxiliary:
            return []
        text = []
        if changed:
            text += ["In ", *self.names(changed), " deltaprop recognised a standard form (sigmoid, "
                     "tanh, softplus, softmax, the logarithm of one) in the equation as written "
                     "(shown first where it fits); it is derived like the built-in function and "
                     "evaluated without overflow. "]
        if net.auxiliary:
            text += ["The equations of ", *self.names(net.auxiliary), " are values inside a "
                     "formula whose derivative reuses them; the forward pass stores them and they "
                     "get no δ of their own."]
        return [Text(text)]

    def names(self, symbols, limit: int = MAX_NAMES) -> list:
        """``symbols`` as inline math, each its own piece so that a long list wraps; in full up
        to ``limit`` names, else the first three, …, the last and the count."""
        if not symbols:
            return ["(none)"]
        if len(symbols) <= limit:
            return _joined([Math(self.tex(s)) for s in symbols], last=", ")
        head = _joined([Math(self.tex(s)) for s in symbols[:3]], last=", ")
        return head + [", …, ", Math(self.tex(symbols[-1])), f" ({len(symbols):,})"]

    def paths_section(self) -> Section:
        net, loss = self.network, self.network.loss_symbol
        sec = Section("Chain rule along every path")
        sec.blocks.append(Text([
            "Each edge of the graph contributes one local derivative, the derivative of a node's "
            "equation with respect to one of its arguments, the others held fixed:"]))
        sec.blocks += self.local_derivatives()
        if self.abbreviations:
            sec.blocks.append(Text(["where"]))
            sec.blocks.append(Display([Row(self.tex(name), [[[("", self.printer.doprint(sub))]]])
                                       for name, sub in self.abbreviations]))
        sec.blocks += self.loss_expression_note()
        if self.requested is None and self.large:
            sec.blocks.append(Text([
                f"The network has {plural(len(net.params), 'parameter')} and "
                f"{plural(self.path_terms, 'path product')} in all, so one representative weight per layer is derived here: ",
                *self.names(self.weights),
                ". The others follow the same pattern with other indices; the shared δ terms "
                "below give every gradient."]))
        sec.blocks.append(Text([
            "The gradient of the loss with respect to a weight is the product of the local "
            "derivatives along a path from the loss down to the weight, summed over all such "
            "paths; in the values of the forward pass:"]))
        counts = net.graph.path_counts
        for p in self.weights:
            sec.blocks += self.weight_blocks(p, loss, counts.get(p, 0))
        return sec

    @cached_property
    def shown_edges(self) -> list:
        """Edges on the paths written out, grouped by consumer from the loss backwards."""
        edges = _unique_edges(q for p in self.weights for q in self.paths.get(p, ()))
        order = {s: i for i, s in enumerate(self.network.symbols)}
        return sorted(edges, key=lambda e: (-order[e.consumer], order[e.producer]))

    def local_derivatives(self) -> list:
        """Each local derivative once: ∂z3/∂w5 = h1, ∂z3/∂h1 = w5, ... one group per node."""
        groups: dict = {}
        for e in self.shown_edges:
            groups.setdefault(e.consumer, []).append(
                Row(self.local(e), [[self.sum_items(e.partial)]]))
        return side_by_side(list(groups.values()))

    def local(self, edge, inline: bool = False) -> str:
        """∂u/∂v of one edge; out of the loss ∂ℓ/∂v when ℓ names the loss expression."""
        if edge.consumer == self.network.loss_symbol and self.loss_expression:
            top, bottom = self.loss_expression, self.tex(edge.producer)
            form = r"\partial %s/\partial %s" if inline else r"\frac{\partial %s}{\partial %s}"
            return form % (top, bottom)
        return self.d(edge.consumer, edge.producer, inline)

    @cached_property
    def loss_expression(self) -> str | None:
        """``\\ell`` when a node is used by the loss directly and through other nodes too (the
        softmax's z): there the loss expression's partial ∂ℓ/∂z and the total ∂L/∂z differ, so
        they get two symbols; None when every such partial is the total derivative."""
        graph, loss = self.network.graph, self.network.loss_symbol
        mixed = any(len(graph.in_edges(e.producer)) > 1 for e in graph.out_edges(loss))
        if not mixed:
            return None
        taken = {self.tex(s) for s in self.network.symbols}
        return next(c for c in (r"\ell", r"\tilde{\ell}", r"\hat{\ell}", r"\mathcal{L}_0")
                    if c not in taken)

    def loss_expression_note(self) -> list:
        """What ℓ means, shown on the first node where ∂ℓ/∂v and ∂L/∂v differ."""
        if self.loss_expression is None:
            return []
        net, ell, graph = self.network, self.loss_expression, self.network.graph
        loss = net.loss_symbol
        v = next(e.producer for e in graph.out_edges(loss) if len(graph.in_edges(e.producer)) > 1)
        args = ", ".join(self.tex(s) for s in net.dependencies(net.loss))
        return [Text([
            "Here ", Math(ell), " is the loss written as a function of the symbols it uses, ",
            Math(f"{self.tex(loss)} = {ell}({args})"), ", so that ",
            Math(r"\partial %s/\partial %s" % (ell, self.tex(v))),
            " holds its other arguments fixed, while ", Math(self.d(loss, v, inline=True)),
            " is the whole change of the loss with ", Math(self.tex(v)),
            ", along every path."])]

    def weight_blocks(self, p, loss, count: int) -> list:
        """A heading and ∂L/∂p = Σ over paths of ∂-products = the same in node values."""
        blocks: list = [Heading([Math(self.d(loss, p, inline=True))])]
        if count == 0:
            return blocks + [Text([Math(self.tex(p)),
                                   " does not reach the loss: its gradient is 0."])]
        paths = self.paths[p]
        groups = [[(("+" if i and not j else ""), self.local(e))
                   for j, e in enumerate(q.edges)] for i, q in enumerate(paths)]
        values = [self.factor_items(q.factors) for q in paths]
        for v in values[1:]:
            v[0] = ("+", v[0][1])
        more = count - len(paths)
        if more:
            tail = [("+", r"\cdots"), ("", r"\quad\text{(%s more paths)}" % f"{more:,}")]
            groups.append(tail)
            values.append(list(tail))
        return blocks + [Display([Row(self.d(loss, p), [groups, values])])]

    def delta_section(self) -> Section:
        net, loss = self.network, self.network.loss_symbol
        sec = Section("Shared δ terms (backpropagation)")
        sec.blocks.append(Text([
            "The paths above share their first factors. Backpropagation stores, for every node "
            "between the loss and a weight, its δ: the derivative of the loss ",
            Math(self.tex(loss)), " with respect to that node. A node's δ is the sum, over the "
            "nodes that use it, of their δ times the local derivative between the two",
            *self.delta_example(), ", so one sweep from the loss backwards computes each δ "
            "once:"]))
        nodes, shown = list(self.delta.delta), self.delta_nodes
        sec.blocks.append(Display([self.delta_row(v) for v in shown]))
        if len(shown) < len(nodes):
            sec.blocks.append(Text([f"Shown: one δ per layer; the other "
                                    f"{len(nodes) - len(shown):,} have the same form."]))
        sec.blocks += self.target_sum_note()
        sec.blocks.append(Text(["Every gradient in δ form:"]))
        params = self.params_shown
        sec.blocks += side_by_side([[self.gradient_row(p) for p in params]], max_columns=2,
                                   keep_order=True)
        if len(params) < len(net.params):
            sec.blocks.append(Text([f"and likewise for the other "
                                    f"{plural(len(net.params) - len(params), 'parameter')}."]))
        sec.blocks.append(self.reuse_table(shown))
        return sec

    def delta_example(self) -> list:
        """The recursion on the user's own node with the most users (the textbook's fan-in):
        ``, for example δ_{h1} = δ_{z3} ∂z3/∂h1 + δ_{z4} ∂z4/∂h1``."""
        loss, graph = self.network.loss_symbol, self.network.graph
        nodes = [v for v in self.delta.delta if all(e.consumer != loss for e in graph.in_edges(v))]
        if not nodes:
            return []
        v = max(nodes, key=lambda v: len(graph.in_edges(v)))
        chain = " + ".join(self.edge_term(e, inline=True) for e in graph.in_edges(v))
        return [", for example ", Math(f"{self.tex(self.delta.delta[v])} = {chain}")]

    def target_sum_note(self) -> list:
        """The textbook form where the targets' sum t_1 + ... + t_k appears (softmax with
        cross-entropy): with targets that sum to 1 it is 1, and δ_z = a − t."""
        targets = self.network.targets
        if len(targets) < 2:
            return []
        total, sweep = sp.Add(*targets), self.delta.program.as_dict()
        ones = {self.delta.delta[v]: sp.S.One for v in self.delta.delta
                if sweep[self.delta.delta[v]] == total}
        changed = []
        for v in self.delta_nodes:
            d = self.delta.delta[v]
            simpler = sweep[d].xreplace(ones).xreplace({total: sp.S.One})
            if d not in ones and simpler != sweep[d]:
                changed.append(Math(f"{self.tex(d)} = {self.tex(simpler)}"))
        if not changed:
            return []
        named = [Math(f"{self.tex(d)} = 1") for d in ones] + [Math(f"{self.tex(total)} = 1")]
        return [Text(["When the targets sum to 1 (one-hot labels or probabilities), ",
                      *_joined(named[:1]), ", and these read ", *_joined(changed), "."])]

    @cached_property
    def delta_nodes(self) -> list:
        """Nodes whose δ is written out: all, or one per layer for long sweeps."""
        nodes = list(self.delta.delta)
        return nodes if len(nodes) <= MAX_ROWS else representatives(self.network, nodes)

    def delta_row(self, v) -> Row:
        """δ_v = ∂L/∂v = Σ δ_u ∂u/∂v = (its value in node values)."""
        loss, edges = self.network.loss_symbol, self.network.graph.in_edges(v)
        d = self.delta.delta[v]
        definition = [[("", self.d(loss, v))]]
        chain = [[(("+" if i else ""), self.edge_term(e)) for i, e in enumerate(edges)]]
        value = [self.sum_items(self.delta.program.as_dict()[d])]
        if all(e.consumer == loss for e in edges):      # δ_y = ∂L/∂y = y − t
            return Row(self.tex(d), [definition, value])
        return Row(self.tex(d), [definition, chain, value])

    def gradient_row(self, p) -> Row:
        """∂L/∂p = Σ δ_u ∂u/∂p = (δ form in node values)."""
        edges = self.network.graph.in_edges(p)
        lhs = self.d(self.network.loss_symbol, p)
        if not edges:
            return Row(lhs, [[[("", "0")]]])
        chain = [[(("+" if i else ""), self.edge_term(e)) for i, e in enumerate(edges)]]
        return Row(lhs, [chain, [self.sum_items(self.delta.gradient_expression(p))]])

    def edge_term(self, edge, inline: bool = False) -> str:
        """δ_u ∂u/∂v (just ∂L/∂v for an edge out of the loss)."""
        if edge.consumer == self.network.loss_symbol:
            return self.local(edge, inline)
        delta = self.tex(self.delta.delta[edge.consumer])
        return rf"{delta} \, {self.local(edge, inline)}" if inline else \
            f"{delta} {self.local(edge)}"

    def reuse_table(self, nodes) -> Table:
        behind = self.delta.weights_behind
        direct = {v: [] for v in self.delta.delta}
        for p in self.network.params:
            for e in self.network.graph.in_edges(p):
                if e.consumer in direct:
                    direct[e.consumer].append(p)
        rows = [[[Math(self.tex(self.delta.delta[v]))], self.short_list(direct[v]),
                 self.short_list(behind[v]), [f"{len(behind[v]):,}"]]
                for v in nodes if behind[v]]
        return Table([["δ term"], ["used directly by"], ["reused by the gradients of"],
                      ["weights"]], rows, align="lLLr")

    def short_list(self, symbols) -> list:
        """Names for a table cell: all of them in small networks."""
        if not symbols:
            return ["-"]
        return self.names(symbols, limit=6 if self.large else MAX_NAMES)

    def cost_section(self) -> Section:
        costs = network_costs(self.network, self.delta)
        sec = Section("Cost: naive against shared δ")
        sec.blocks.append(Text([
            "Operations to evaluate each program once, the forward values given (an addition, "
            "multiplication, division or function call counts one). Naive: every weight's "
            f"chain-rule sum on its own, {plural(costs.paths, 'path product')} in all. Shared δ: one "
            "reverse sweep."]))
        sec.blocks.append(Table(
            [["program"]] + [[column] for column in COLUMNS],
            [[[name.replace("delta", "shared-δ")]] + [[f"{getattr(c, k):,}"] for k in COLUMNS]
             for name, c in costs.rows()], align="lrrrrr"))
        ratio = costs.ratios["naive_over_delta"]
        sec.blocks.append(Text([f"The naive backward pass costs {ratio:.2f} times the "
                                "shared-δ one."]))
        return sec

    def example_section(self) -> Section:
        net, values, loss = self.network, self.values, self.network.loss_symbol
        given = list(net.inputs + net.targets + net.params)
        limit = MAX_WEIGHTS if self.large else len(given)     # small networks: every value
        point = [Math(f"{self.tex(s)} = {self.fmt(values[s])}") for s in given[:limit]]
        if len(given) > limit:
            point.append(f"... ({len(given):,} values)")
        sec = Section("Worked example")
        sec.blocks.append(Text(["At ", *_joined(point), ", the forward pass gives"]))
        sec.blocks.append(Display([self.value_row(a.lhs, a.rhs)
                                   for a in self.forward_shown]))
        sec.blocks.append(Text(["the backward sweep"]))
        sweep = self.delta.program.as_dict()
        sec.blocks.append(Display([self.value_row(self.delta.delta[v], sweep[self.delta.delta[v]])
                                   for v in self.delta_nodes]))
        sec.blocks.append(Text(["and the gradients"]))
        params = self.params_shown
        gradients = self.delta.program.as_dict()
        sec.blocks += side_by_side([[self.value_row(self.delta.gradient[p],
                                                    gradients[self.delta.gradient[p]])
                                     for p in params]], max_columns=2, keep_order=True)
        summary = [Math(f"{self.d(loss, p, inline=True)} = {self.fmt(self.gradient_value(p))}")
                   for p in params]
        sec.blocks.append(Text(["In short: ", *_joined(summary), "."]))
        return sec

    def gradient_value(self, p) -> float:
        return self.values[self.delta.gradient[p]]

    @cached_property
    def forward_shown(self) -> list:
        """Forward assignments written out: all, or the first of each layer in large networks."""
        items = list(self.network.forward)
        if len(items) <= MAX_ROWS:
            return items
        keep = set(representatives(self.network, [a.lhs for a in items]))
        return [a for a in items if a.lhs in keep]

    @cached_property
    def params_shown(self) -> list:
        """Parameters whose gradient is written out in δ form and in numbers."""
        return self.weights if self.large else list(self.network.params)

    def value_row(self, lhs, rhs) -> Row:
        """``lhs = formula = formula with the numbers put in = value`` (the middle step left out
        when the formula is a number or a single symbol)."""
        value = [[("", self.fmt(self.values[lhs]))]]
        if rhs.is_Number:
            return Row(self.tex(lhs), [value])
        if rhs.is_Symbol:
            return Row(self.tex(lhs), [[self.sum_items(rhs)], value])
        numbers = self.sum_items(rhs, self.numeric)
        if max(visual_width(term) for _, term in numbers) > LINE_WIDTH - visual_width(
                self.tex(lhs)):      # a single term too long to break: formula = value
            return Row(self.tex(lhs), [[self.sum_items(rhs)], value])
        return Row(self.tex(lhs), [[self.sum_items(rhs)], [numbers], value])

    @cached_property
    def numeric(self) -> TextbookLatexPrinter:
        """The printer that writes every symbol as its value at the point."""
        return self.printer.substituting(self.values, self.fmt)

    def step_section(self) -> Section:
        net, values, eta = self.network, self.values, self.lr
        loss = self.tex(net.loss_symbol)
        sec = Section("One step of gradient descent")
        sec.blocks.append(Text([
            f"With learning rate {_plain(eta)}, each parameter moves against its gradient by "
            f"{_plain(eta)} times the gradient:"]))
        new = {**self.at, **{p: values[p] - eta * self.gradient_value(p) for p in net.params}}
        shown = self.params_shown
        sec.blocks.append(Display([self.step_row(p, new[p]) for p in shown]))
        if len(shown) < len(net.params):
            sec.blocks.append(Text([f"and likewise for the other "
                                    f"{len(net.params) - len(shown):,} parameters."]))
        before, after = values[net.loss_symbol], run(net.forward, new)[net.loss_symbol]
        sec.blocks.append(Text(["The loss goes from ", Math(f"{loss} = {self.fmt(before)}"),
                                " to ", Math(f"{loss} = {self.fmt(after)}"), "."]))
        return sec

    def step_row(self, p, new: float) -> Row:
        """p ← p − η ∂L/∂p = (the same in numbers) = new value."""
        eta, g = self.fmt(self.lr), self.fmt(self.gradient_value(p))
        rule = rf"{self.tex(p)} - {eta} \, {self.d(self.network.loss_symbol, p)}"
        update = rf"{self.fmt(self.values[p])} - {eta} \cdot {_paren(g)}"
        return Row(self.tex(p), [[[("", rule)]], [[("", update)]], [[("", self.fmt(new))]]],
                   relation=r"\leftarrow")

    # -- output ------------------------------------------------------------------------------
    def latex(self) -> str:
        """A complete LaTeX document (compiles with pdflatex and amsmath/geometry/booktabs)."""
        return self._render("derivation.tex.j2", "tex")

    def markdown(self) -> str:
        """Markdown with ``$$`` blocks (GitHub, Jupyter)."""
        return self._render("derivation.md.j2", "md")

    def _render(self, template: str, target: str) -> str:
        from .templates import environment

        name = self.network.name
        title = tex_title(name) if target == "tex" else md_title(name)
        point = ", ".join(f"{visible(s.name)}={_plain(v)}" for s, v in (self.at or {}).items())
        return environment().get_template(template).render(
            title=title, sections=render_blocks(self.sections, target),
            command=comment_text(self.command(), target), point=point)

    def command(self, verb: str = "derive") -> str:
        """The ``deltaprop derive`` command that writes this document, or with ``verb="graph"``
        the ``deltaprop graph`` command of its picture (which takes the point only).  Names are
        shell-quoted (``shell_word``), so the command is one line whatever they contain."""
        derive = verb == "derive"
        parts = [f"deltaprop {verb}", shell_word(self.source)]
        if derive and self.requested is not None:
            parts.append("--weights " + shell_word(",".join(p.name for p in self.requested)))
        if self.at is not None:
            parts.append("--at " + shell_word(",".join(f"{s.name}={_plain(v)}"
                                                        for s, v in self.at.items())))
        if derive and self.lr is not None:
            parts.append(f"--lr {_plain(self.lr)}")
        return " ".join(parts)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        """Forward pass, δ sweep and gradients as one ``aligned`` block (for notebooks)."""
        sweep = self.delta.program.as_dict()
        backward = [self.delta.delta[v] for v in self.delta_nodes]
        backward += [self.delta.gradient[p] for p in self.params_shown]
        rows = [(self.tex(a.lhs), self.tex(a.rhs)) for a in self.forward_shown]
        rows += [(self.tex(s), self.tex(sweep[s])) for s in backward]
        body = r" \\ ".join(f"{lhs} &= {rhs}" for lhs, rhs in rows)
        return r"$$\begin{aligned} %s \end{aligned}$$" % body


# -- helpers ---------------------------------------------------------------------------------
def _joined(parts: list, last: str = " and ") -> list:
    """``parts`` with ", " between them and ``last`` before the final one."""
    out: list = []
    for i, p in enumerate(parts):
        if i:
            out.append(last if i == len(parts) - 1 else ", ")
        out.append(p)
    return out


def _widest_piece(printer: TextbookLatexPrinter, expr: sp.Expr) -> float:
    """Printed width of the widest term of ``expr`` (lines break only between terms)."""
    terms = expr.args if expr.is_Add else (expr,)
    return max(visual_width(printer.doprint(t)) for t in terms)


def _free_letter(taken: set) -> str:
    """A Greek letter for abbreviations that no symbol of the network prints as."""
    bases = {re.split(r"[_^]", t)[0] for t in taken}
    return next(c for c in (r"\xi", r"\zeta", r"\varrho", r"\vartheta", r"\varpi")
                if c not in bases)


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _plain(v: float) -> str:
    return repr(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def format_number(value: float, digits: int = 9) -> str:
    """``18``, ``0.298371109``, ``-1.5 \\times 10^{-7}``: deterministic, at most ``digits``
    significant digits (9, as the seed tutorials print them)."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return r"\infty" if value > 0 else (r"-\infty" if value < 0 else r"\mathrm{NaN}")
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exp)}}}"
    return text


def _unique_edges(paths) -> list:
    seen, edges = set(), []
    for q in paths:
        for e in q.edges:
            if (e.consumer, e.producer) not in seen:
                seen.add((e.consumer, e.producer))
                edges.append(e)
    return edges


def layer_key(symbol: sp.Symbol, depth: dict) -> tuple:
    """(distance from the loss, name stem): symbols of one layer and kind share a key."""
    stem = re.match(r"([^\d_]*)(\d+_)?", symbol.name).group(0)
    return (depth.get(symbol, 0), stem)


def representatives(network: Network, symbols) -> list:
    """The first symbol of each layer (same distance from the loss and same name stem)."""
    depth = _depths(network)
    seen, chosen = set(), []
    for s in symbols:
        key = layer_key(s, depth)
        if key not in seen:
            seen.add(key)
            chosen.append(s)
    return chosen


def _depths(network: Network) -> dict:
    """Longest number of edges from the loss down to each active symbol."""
    graph = network.graph
    depth = {graph.loss: 0}
    for v in reversed(graph.active):
        if v != graph.loss:
            depth[v] = max((depth[e.consumer] + 1 for e in graph.in_edges(v)), default=0)
    return depth


def first_paths(network: Network, param: sp.Symbol, limit: int) -> list[ChainPath]:
    """The first ``limit`` chain-rule paths of ``param``, in ``derive_naive``'s order,
    without enumerating the others."""
    graph = network.graph

    def walk(v, suffix):
        if v == graph.loss:
            yield suffix
            return
        for e in graph.in_edges(v):
            yield from walk(e.consumer, (e,) + suffix)

    out = []
    for edges in walk(param, ()):
        out.append(ChainPath(edges))
        if len(out) == limit:
            break
    return out


def _select_weights(network: Network, names) -> list | None:
    if names is None:
        return None
    chosen = []
    params = {p.name: p for p in network.params}
    for name in names:
        if name not in params:
            raise DeltapropError(f"--weights: network {network.name!r} has no parameter named "
                                 f"{name!r} (parameters: {_few(list(params))})")
        if params[name] not in chosen:
            chosen.append(params[name])
    if not chosen:
        raise DeltapropError("--weights: give at least one parameter name")
    return chosen


def _check_point(network: Network, at: Mapping) -> dict:
    point = {}
    for name, value in at.items():
        try:
            symbol = network.symbol(name)
        except DeltapropError:
            raise DeltapropError(f"--at: network {network.name!r} has no symbol "
                                 f"named {name!r}") from None
        if network.role(symbol) not in ("input", "target", "param"):
            raise DeltapropError(f"--at: {name} is a node computed by the forward pass; "
                                 "give inputs, targets and parameters only")
        value = float(value)
        if not math.isfinite(value):
            raise DeltapropError(f"--at: {name}={value} is not a finite number")
        point[symbol] = value
    needed = list(network.inputs) + list(network.targets) + list(network.params)
    missing = [s.name for s in needed if s not in point]
    if missing:
        raise DeltapropError(f"--at: no value for {_few(missing)} (give NAME=VALUE for every "
                             "input, target and parameter)")
    return {s: point[s] for s in needed}


def _few(names: list) -> str:
    return ", ".join(names) if len(names) <= 8 else ", ".join(names[:8]) + f", ... ({len(names)})"
