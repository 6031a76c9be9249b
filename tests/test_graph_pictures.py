"""Pictures of the graph that read like the seeds' flow diagrams (issue 14, point 3): layers
left to right, textbook HTML-like labels, long partials in a legend, partials and parameter
boxes optional, a 4-8-8-3 that fits 3,000 x 3,000 px, and no edge label crossed by an edge.

The label geometry is read from Graphviz's own layout (``dot -Txdot``: the text spans of
every edge label and the Bézier curves of every edge), so the overlap check measures the
drawing, not our intentions.  Graphviz-dependent checks are skipped without ``dot``.
"""
import re
import shutil
import struct
import subprocess

import pytest
import sympy as sp

from deltaprop.cli import main
from symbolic import Network, builtin, sigmoid
from codegen.derivation import Derivation
from codegen.dot import (AUTO_PARAM_NODES, AUTO_PARTIAL_EDGES, LEGEND_LINE_WIDTH,
                          derivation_dot, edge_count, graph_dot, layer_ranks)
from codegen.dot_labels import html_name, html_text, text_width
from symbolic.examples import example_point
from symbolic.spec import parse_spec

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz 'dot' is not installed")

GELU = """input x
target t
param w1 b1 w2 b2
z = w1*x + b1
h = 0.5*z*(1 + tanh(0.7978845608*(z + 0.044715*z^3)))
y = w2*h + b2
loss = (y - t)^2/2
"""


GELU_POINT = {"x": 1.0, "t": 0.5, "w1": 0.5, "b1": 0.1, "w2": -0.3, "b2": 0.2}


def gelu() -> Network:
    return parse_spec(GELU, "gelu.net")


def labels(dot: str) -> list[str]:
    """Every HTML-like label of a DOT text (nodes, edges and the legend)."""
    return re.findall(r"label=<(.*?)>[,\];]", dot)


def edge_lines(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if " -> " in line and "style=invis" not in line]


def rank_groups(dot: str) -> list[list[str]]:
    """The symbols of each ``rank=same`` group, in order (not the ordering edges)."""
    groups = re.findall(r"\{ rank=same; (.*?)(?: \"[^\"]*\" ->.*)? \}", dot)
    return [re.findall(r'"([^"]*)";', group) for group in groups]


# -- layers ------------------------------------------------------------------------------------
def test_columns_run_from_the_inputs_to_the_loss():
    dot = graph_dot(builtin("seed-222"))
    groups = rank_groups(dot)
    assert groups[0] == ["x1", "x2"]                              # inputs alone, leftmost
    assert groups[1] == ["w1", "w2", "w3", "w4", "b1"]             # their weights next
    assert ["z1", "z2"] in groups and ["h1", "h2"] in groups
    assert groups.index(["z1", "z2"]) < groups.index(["h1", "h2"])
    assert groups[-1] == ["L"]                                     # loss rightmost
    assert "rankdir=LR" in dot


def test_every_edge_goes_left_to_right():
    for net in [builtin("seed-softmax"), builtin("mlp:3-4-2:tanh:softmax-ce"), gelu()]:
        column = layer_ranks(net)
        for u, rhs in net.graph.rhs.items():
            assert all(column[v] < column[u] for v in net.dependencies(rhs)), u


def test_values_of_a_column_keep_their_order():
    dot = graph_dot(builtin("mlp:4-8-8-3:relu:softmax-ce"))
    assert ('{ rank=same; "x1"; "x2"; "x3"; "x4"; "x1" -> "x2" [style=invis]; '
            '"x2" -> "x3" [style=invis]; "x3" -> "x4" [style=invis]; }') in dot


# -- labels ------------------------------------------------------------------------------------
def test_textbook_labels():
    net = builtin("seed-softmax")
    derivation = Derivation(net, at={"x1": 0.05, "x2": 0.1, "t1": 1, "t2": 0, "w1_11": 0.15,
                                     "w1_12": 0.2, "b1_1": 0.35, "w1_21": 0.25, "w1_22": 0.3,
                                     "b1_2": 0.35, "w2_11": 0.4, "w2_12": 0.45, "b2_1": 0.6,
                                     "w2_21": 0.5, "w2_22": 0.55, "b2_2": 0.6})
    found = labels(derivation_dot(derivation))
    cells = lambda *lines: "".join(f"<TR><TD>{t}</TD></TR>" for t in lines)  # noqa: E731
    assert any(cells("w<SUP>(1)</SUP><SUB>11</SUB>", "= 0.15",
                     "∂L/∂w<SUP>(1)</SUP><SUB>11</SUB> = 0.000639108") in t for t in found)
    assert any(cells("z<SUP>(1)</SUP><SUB>1</SUB> = w<SUP>(1)</SUP><SUB>11</SUB>·x<SUB>1</SUB>"
                     " + w<SUP>(1)</SUP><SUB>12</SUB>·x<SUB>2</SUB> + b<SUP>(1)</SUP><SUB>1</SUB>",
                     "= 0.3775", "δ<SUP>(1)</SUP><SUB>1</SUB> = 0.0127822") in t for t in found)
    assert any(cells("∂a<SUP>(1)</SUP><SUB>1</SUB>/∂z<SUP>(1)</SUP><SUB>1</SUB> = "
                     "σ′(z<SUP>(1)</SUP><SUB>1</SUB>)",
                     "= a<SUP>(1)</SUP><SUB>1</SUB>·(1 − a<SUP>(1)</SUP><SUB>1</SUB>)",
                     "= 0.241301") in t for t in found)
    seed = labels(graph_dot(builtin("seed-121")))
    assert "L = ½(y − t)<SUP>2</SUP>" in seed
    assert "z<SUB>3</SUB> = w<SUB>3</SUB>·h<SUB>1</SUB> + w<SUB>4</SUB>·h<SUB>2</SUB>" in seed
    relu = labels(graph_dot(builtin("mlp:2-2-1:relu:squared")))
    z11 = "z<SUP>(1)</SUP><SUB>1</SUB>"
    assert any(f"= ReLU′({z11})" in t and f"[{z11} &gt; 0]" in t for t in relu)


EVERY_FUNCTION = """input x
target t
param w b c
z = w*x + b
a = exp(z) + log(1 + z^2) + sqrt(z^2 + 1) + sin(z) + cos(z)/z
h = tanh(a) + sigmoid(a) + relu(a) + softplus(a) + abs(a)^3 - 2*a/(3*c)
g = logsumexp(h, a, z) + (h - a)^(-2) + w^0.5 + x^c
loss = (g - t)^2/2 + c^-1
"""


def test_no_python_syntax_in_any_label():
    names = ("seed-product", "seed-121", "seed-221", "seed-222", "seed-softmax",
             "mlp:2-3-1:sigmoid:bce", "mlp:2-3-2:softplus:squared")
    every = parse_spec(EVERY_FUNCTION, "every.net")
    nets = [builtin(n) for n in names] + [gelu(), every]
    for net in nets:
        for label in labels(graph_dot(net, partials=True, params=True)):
            text = re.sub(r"<[^>]*>", "", label)
            assert "*" not in text and "sigmoid(" not in text and "Eq(" not in text, (net, text)
            assert "Heaviside" not in text and "Piecewise" not in text, (net, text)
            assert "- " not in text, (net, text)                                 # − for minus
    found = labels(graph_dot(every, partials=True))
    assert "∂h/∂c = 2·a/(3·c<SUP>2</SUP>)" in found
    assert "∂L/∂c = −1/c<SUP>2</SUP>" in found
    legend = re.search(r"labelloc=b; .*label=<(.*)>;", graph_dot(every, partials=True)).group(1)
    assert "∂a/∂z = 2·z/(z<SUP>2</SUP> + 1) + " in legend and " − sin(z)/z" in legend
    assert "∂h/∂a = a<SUP>2</SUP>·sgn(a) + 2·a·|a|" in legend and "[a &gt; 0]" in legend
    assert "a<SUB>sqrt</SUB> = √(z<SUP>2</SUP> + 1)" in "".join(found)   # a stored value
    assert "∂g/∂c = {0 if x = 0, else g<SUB>pow</SUB>·ln(x)}" in found


def test_names():
    assert html_name("w1_11") == "w<SUP>(1)</SUP><SUB>11</SUB>"
    assert html_name("w1_1_10") == "w<SUP>(1)</SUP><SUB>1,10</SUB>"
    assert html_name("x_1") == "x<SUB>1</SUB>"
    assert html_name("alpha") == "α"
    assert html_name("gate") == "gate"
    assert html_name("δ1") == "δ1"               # not a textbook pattern: shown as written


def test_hostile_names_are_escaped():
    assert html_text('<b>&amp;"') == "&lt;b&gt;&amp;amp;&quot;"
    assert html_text("\\N") == "\\\\N"            # Graphviz expands \N even in HTML labels
    assert html_text("a\nb\x00") == "a\\\\nb\\\\x00"
    for name in ["</TD></TR></TABLE>>", "<BR/>", "a&b", "x_<b>", "w1_11<"]:
        dot = graph_dot(_net_with_weight(name))
        assert "</TD></TR></TABLE>>," not in dot.replace("</TD></TR></TABLE>>, shape", "")
        for label in labels(dot):
            assert re.sub(r"</?(TABLE|TR|TD|SUB|SUP)[^>]*>", "", label).count("<") == 0


@needs_dot
def test_hostile_names_show_exactly_in_the_picture():
    for name in ["</TD></TR></TABLE>>", "<BR/>", "\\G&lt;", "x_<b>"]:
        svg = subprocess.run(["dot", "-Tsvg"], input=graph_dot(_net_with_weight(name)).encode(),
                             capture_output=True, check=True).stdout.decode()
        import html

        texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]
        assert name in texts, texts


def _net_with_weight(name: str) -> Network:
    x, t, w = sp.Symbol("x"), sp.Symbol("t"), sp.Symbol(name)
    h = sp.Symbol("h")
    return Network(name="n", inputs=[x], targets=[t], params=[w], equations=[(h, sigmoid(w * x))],
                   loss=(h - t) ** 2 / 2)


def test_a_label_too_long_for_graphviz_html_is_plain():
    x, t, w, h = sp.Symbol("x"), sp.Symbol("t"), sp.Symbol("w" * 9000), sp.Symbol("h")
    net = Network(name="n", inputs=[x], targets=[t], params=[w],
                  equations=[(h, sigmoid(w * x + w))], loss=(h - t) ** 2 / 2)
    dot = graph_dot(net)                                   # h's label: 2 x 9,000 bytes
    assert '"h" [label="h = σ(' in dot                     # plain text
    assert '"t" [label=<t>' in dot
    assert f'"{"w" * 4000}" + "{"w" * 4000}" + "{"w" * 1000}" [label=<{"w" * 9000}>' in dot


# -- partials: optional, automatic, long ones in a legend ---------------------------------------
def test_partials_option_removes_edge_labels(tmp_path, capsys):
    path = tmp_path / "g.dot"
    assert main(["graph", "seed-222", "--no-partials", "-o", str(path)]) == 0
    assert not any("label=" in line for line in edge_lines(path.read_text()))
    assert main(["graph", "seed-222", "-o", str(path)]) == 0
    labelled = [line for line in edge_lines(path.read_text()) if "label=" in line]
    assert len(labelled) == len(builtin("seed-222").graph.edges) == 22
    assert main(["graph", "mlp:4-8-8-3:relu:softmax-ce", "--partials", "--params", "-o",
                 str(path)]) == 0
    assert sum("label=" in line for line in edge_lines(path.read_text())) == len(
        builtin("mlp:4-8-8-3:relu:softmax-ce").graph.edges)


def test_header_names_the_options_that_drew_the_file(tmp_path, capsys):
    first, again = tmp_path / "a.dot", tmp_path / "b.dot"
    assert main(["graph", "seed-121", "--no-partials", "--params", "-o", str(first)]) == 0
    header = first.read_text().splitlines()[0]
    assert header == ("// Generated by deltaprop (deltaprop graph seed-121 --no-partials "
                      "--params); do not edit by hand.")
    assert main(header[len("// Generated by deltaprop (deltaprop "):-len("); do not edit by hand.")]
                .split() + ["-o", str(again)]) == 0
    assert again.read_text() == first.read_text()


def test_automatic_defaults_for_large_networks():
    small, large = builtin("seed-222"), builtin("mlp:4-8-8-3:relu:softmax-ce")
    assert edge_count(small) <= AUTO_PARTIAL_EDGES and len(small.params) <= AUTO_PARAM_NODES
    assert edge_count(large) > AUTO_PARTIAL_EDGES and len(large.params) > AUTO_PARAM_NODES
    dot = graph_dot(large)
    assert not any("label=" in line for line in edge_lines(dot))
    assert '"w1_11" [' not in dot and "shape=box" not in dot        # no parameter boxes
    assert '"a1_1" -> "z2_1";' in dot                               # the layers' edges stay
    assert "w<SUP>(2)</SUP><SUB>11</SUB>·a<SUP>(1)</SUP><SUB>1</SUB>" in dot   # named in equations


def test_stored_values_are_written_in_the_node_that_computes_them():
    """The engine stores tanh(...) of the written-out GELU as h_tanh, reused by ∂h/∂z: it is
    no node of the graph, so node h states it before its own equation."""
    dot = graph_dot(gelu())
    assert '"h_tanh" [' not in dot and "-> \"h_tanh\"" not in dot
    h = next(t for t in labels(dot) if "<TD>h = " in t)
    assert h.index("<TD>h<SUB>tanh</SUB> = tanh(") < h.index("<TD>h = 0.5·z·(")
    assert "h<SUB>tanh</SUB>" in next(line for line in edge_lines(dot) if '"z" -> "h"' in line) \
        or "h<SUB>tanh</SUB>" in re.search(r"labelloc=b; .*label=<(.*)>;", dot).group(1)


def test_long_partial_goes_to_the_legend():
    z, u, w, x, t = sp.symbols("z u w x t")
    poly = sp.Symbol("p")
    net = Network(name="poly", inputs=[x], targets=[t], params=[w],
                  equations=[(z, w * x), (u, sp.sin(z)),
                             (poly, sum(k * z ** k * u ** (9 - k) for k in range(1, 9)))],
                  loss=(poly - t) ** 2 / 2)
    dot = graph_dot(net)
    edge = next(line for line in edge_lines(dot) if line.startswith('  "z" -> "p"'))
    assert "∂p/∂z = [1]" in edge
    legend = re.search(r"labelloc=b; .*label=<(.*)>;", dot).group(1)
    first = re.search(r"\[1\]</TD><TD ALIGN=\"LEFT\"><TABLE[^>]*>(.*?)</TABLE>", legend).group(1)
    rows = re.findall(r"<TR><TD ALIGN=\"LEFT\">(.*?)</TD></TR>", first)
    assert "[2]" in legend                                  # ∂p/∂u is long too
    assert rows[0].startswith("∂p/∂z = u·(4·z·u<SUP>6</SUP> + ") and len(rows) >= 2   # folded
    assert all(rows[i].startswith("+ ") for i in range(1, len(rows)))
    assert rows[-1].endswith(" + u<SUP>7</SUP>)")
    assert all(text_width(r) <= LEGEND_LINE_WIDTH + 12 for r in rows)
    assert max(text_width(t) for t in labels(dot) if "TABLE" not in t) < 40
    gelu_dot = graph_dot(gelu())                       # the GELU's long partial: in the legend
    assert "= [1]>" in gelu_dot and "labelloc=b" in gelu_dot


# -- the drawings themselves ------------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@needs_dot
def test_mlp_4_8_8_3_fits_3000_pixels(tmp_path, capsys):
    path = tmp_path / "g.png"
    assert main(["graph", "mlp:4-8-8-3:relu:softmax-ce", "-o", str(path)]) == 0
    width, height = png_size(path.read_bytes())
    assert width <= 3000 and height <= 3000, (width, height)
    assert width >= 1500                      # drawn at full size, not shrunk to fit


#: Least distance, in points, between an edge label's text and any other edge.
CLEARANCE = 2.0


def crossings(dot: str) -> list[tuple]:
    """(text, its edge, the other edge, distance) for each edge label closer than
    ``CLEARANCE`` to an edge that is not its own, as Graphviz laid the picture out."""
    boxes, curves = _layout(dot)
    found = []
    for edge, spans in boxes.items():
        for *box, text in spans:
            for other, points in curves.items():
                gap = min(_distance(box, p) for p in points) if other != edge else CLEARANCE
                if gap < CLEARANCE:
                    found.append((text, edge, other, round(gap, 2)))
    return found


def _distance(box, point) -> float:
    (x0, y0, x1, y1), (x, y) = box, point
    return (max(x0 - x, 0, x - x1) ** 2 + max(y0 - y, 0, y - y1) ** 2) ** 0.5


@needs_dot
@pytest.mark.parametrize("name", ["seed-product", "seed-121", "seed-221", "seed-222",
                                  "seed-softmax", "gelu", "mlp:2-3-2:sigmoid:squared"])
@pytest.mark.parametrize("at_point", [True, False])
def test_no_edge_label_touches_another_edge(name, at_point):
    net = gelu() if name == "gelu" else builtin(name)
    at = (GELU_POINT if name == "gelu" else example_point(net)) if at_point else None
    dot = derivation_dot(Derivation(net, at=at))
    assert len(_layout(dot)[0]) >= 3                      # labels were found and measured
    assert crossings(dot) == []


@needs_dot
def test_the_clearance_check_finds_a_label_on_an_edge():
    """The tighter spacing used before (nodesep 0.25) put ∂z⁽²⁾₁/∂a⁽¹⁾₂'s label on the edge
    a⁽¹⁾₁ → z⁽²⁾₂ in seed-softmax (Graphviz 2.43)."""
    dot = graph_dot(builtin("seed-softmax")).replace("nodesep=0.5", "nodesep=0.25")
    assert any(other == ('"a1_1"', '"z2_2"') or other == ("a1_1", "z2_2")
               for _, _, other, _ in crossings(dot)), crossings(dot)


def _layout(dot: str):
    """Edge label text boxes and sampled edge curves, per edge, from ``dot -Txdot``."""
    xdot = subprocess.run(["dot", "-Txdot"], input=dot.encode(), capture_output=True,
                          check=True).stdout.decode()
    boxes, curves = {}, {}
    for m in re.finditer(r"^\t(\S+) -> (\S+)\s+\[(.*?)\];$", xdot, re.M | re.S):
        attrs = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3).replace("\\\n", ""),
                                re.S))
        edge = (m.group(1), m.group(2))
        curves[edge] = list(_bezier_points(attrs.get("_draw_", "")))
        boxes[edge] = list(_text_boxes(attrs.get("_ldraw_", "")))
    return {e: b for e, b in boxes.items() if b}, curves


def _text_boxes(ops: str):
    """(x0, y0, x1, y1, text) of each ``T x y align width n -text`` op: Graphviz's width and
    baseline, from the depth of descenders and subscripts (drawn 0.3 em low, though xdot gives
    them the line's baseline) to the height of superscripts, one point of margin each side."""
    size = 9.0
    data, i = ops.encode(), 0
    for m in re.finditer(rb"F ([\d.]+) \d+ -|T ([-\d.]+) ([-\d.]+) (-?\d) ([\d.]+) (\d+) -", data):
        if m.start() < i:
            continue
        if m.group(1):
            size = float(m.group(1))
            continue
        x, y, align, width, n = (float(m.group(k)) for k in range(2, 7))
        text = data[m.end():m.end() + int(n)].decode()
        i = m.end() + int(n)
        x0 = {-1: x, 0: x - width / 2, 1: x - width}[int(align)]
        yield x0 - 1, y - 0.35 * size, x0 + width + 1, y + 0.75 * size, text


def _bezier_points(ops: str, steps: int = 30):
    for m in re.finditer(r"[Bb] (\d+) ((?:[-\d.]+ ?)+)", ops):
        values = [float(v) for v in m.group(2).split()[:2 * int(m.group(1))]]
        points = list(zip(values[::2], values[1::2]))
        for k in range(0, len(points) - 3, 3):
            p0, p1, p2, p3 = points[k:k + 4]
            for s in range(steps + 1):
                t = s / steps
                a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
                yield (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                       a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
